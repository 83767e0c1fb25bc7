/* notify_render_whatsapp: a customer notice written for WhatsApp: short,
 * plain text (no signature, no HTML, no quoted thread), pt-BR or English.
 * Inside the 24-hour customer-service window the notice itself (the
 * resolution as reply buttons "Sim, resolvido" / "Ainda não"); outside it
 * an approved template in pt_BR with the customer's name and the ticket's
 * number as its parameters. */
#ifndef NOTIFY_RENDER_WHATSAPP_H
#define NOTIFY_RENDER_WHATSAPP_H

#include "notify_render.h"

/* The reply buttons of a resolution notice: their ids come back in the
 * customer's answer; their titles are what the router reads as the
 * answer ("Sim, resolvido" accepts the resolution, "Ainda não" rejects
 * it). */
#define NOTIFY_WA_RESOLVED_YES_ID "resolved:yes"
#define NOTIFY_WA_RESOLVED_NO_ID "resolved:no"
#define NOTIFY_WA_RESOLVED_YES "Sim, resolvido"
#define NOTIFY_WA_RESOLVED_NO "Ainda não"

/* The default template name of a kind (notify/whatsapp/templates/<kind>
 * overrides it): "balcao_<kind>", e.g. "balcao_ack". */
void notify_render_whatsapp_template_name (notify_kind_t kind, char *out, size_t n);

/* The notice's plain text (malloc'd): what goes as free text, and the
 * body of the resolution's buttons. */
char *notify_render_whatsapp_text (const notify_mail_t *mail);

/* The request body (malloc'd JSON) for number `to` (digits only):
 * is_in_window: the notice itself, and *fallback (malloc'd, may be NULL)
 * the template to send instead if Meta says the window closed (131047);
 * else the template (template_name, template_language) and *fallback
 * NULL. */
char *notify_render_whatsapp (const notify_mail_t *mail, const char *to, int is_in_window,
                              const char *template_name, const char *template_language,
                              char **fallback);

#endif

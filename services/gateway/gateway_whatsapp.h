/* gateway_whatsapp: the WhatsApp Cloud API webhook, GATEWAY_WHATSAPP_PATH.
 * Meta calls it, not a browser: no session, no CSRF token; what vouches for
 * a POST is its X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the
 * app secret). GET answers Meta's subscription check (hub.verify_token);
 * POST stores each customer message at intake (channel "whatsapp",
 * external_id the wamid) and each delivery status (RecordWhatsAppStatus),
 * and answers 200 only once intake has them all, so Meta retries the rest.
 * A media message's file is downloaded first (gateway_whatsapp_media.h).
 * Config: gateway/whatsapp/{verify_token, app_secret_file, max_body_bytes},
 * and the media's {api_url, token_file, media_timeout_ms}.
 */
#ifndef GATEWAY_WHATSAPP_H
#define GATEWAY_WHATSAPP_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

#define GATEWAY_WHATSAPP_PATH "/webhooks/whatsapp"

typedef struct gateway_whatsapp_t gateway_whatsapp_t;

/* Always a room (NULL only without memory): unconfigured, it answers 404
 * and logs which key is missing. */
gateway_whatsapp_t *gateway_whatsapp_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_whatsapp_destroy (gateway_whatsapp_t **self_p);

/* The largest POST body it reads (gateway/whatsapp/max_body_bytes). */
size_t gateway_whatsapp_max_body (const gateway_whatsapp_t *self);

/* Answers a GET or POST to GATEWAY_WHATSAPP_PATH (on a worker thread: it
 * calls the bus). body/len: the raw POST body as received. */
enum MHD_Result gateway_whatsapp_handle (gateway_whatsapp_t *self, struct MHD_Connection *conn,
                                         const char *method, const char *body, size_t len);

#endif

/* gateway_mail: the accounts' mail (a confirmation, a sign-in link, a
 * password reset, a staff invitation or access reset), handed to notify
 * (SendAccountMail), which renders it and delivers it from its outbox. The
 * link holds a secret: it goes to notify and into the mail, never into a
 * log line. */
#ifndef GATEWAY_MAIL_H
#define GATEWAY_MAIL_H

#include "bc_config.h"

#include <stdint.h>

typedef struct gateway_mail_t gateway_mail_t;

/* NULL after logging why (notify's CURVE certificate, its endpoint). */
gateway_mail_t *gateway_mail_new (bc_config_t *config);
void gateway_mail_destroy (gateway_mail_t **self_p);

/* Asks notify to mail `to` the link of kind ("confirm", "login", "reset",
 * "staff_invite", "staff_reset") with token: <public_url>/confirmar#t=TOKEN,
 * /entrar/link#t=TOKEN, /redefinir-senha#t=TOKEN or (staff)
 * /painel/definir-senha#t=TOKEN. Returns 0 once notify has queued it durably,
 * or a bc_client code (BC_ETIMEOUT: notify did not answer). From any
 * thread; one call at a time goes to notify. */
int gateway_mail_send (gateway_mail_t *self, const char *kind, const char *to, const char *name,
                       const char *language, const char *token, int64_t expires_us);

#endif

/* gateway_mail: one client of notify, shared under a lock (account mail is
 * rare, and limited per address and per peer before it gets here). */
#include "gateway_mail.h"

#include "balcao/v1/notify.pb-c.h"
#include "bc_client.h"
#include "bc_log.h"
#include "gateway_http.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gateway_mail_t {
    pthread_mutex_t lock;
    bc_client_t *notify;
    char base[512]; /* gateway/public_url without a trailing '/' */
};

gateway_mail_t *
gateway_mail_new (bc_config_t *config)
{
    gateway_mail_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    bc_config_public_url (config, self->base, sizeof self->base);
    self->notify = bc_client_new_for (config, "notify", "gateway");
    if (!self->notify) {
        gateway_mail_destroy (&self);
        return NULL;
    }
    bc_client_set_timeout (self->notify,
                           (int) bc_config_int (config, "gateway/bus_timeout_ms", 2000), 1);
    bc_client_set_principal (self->notify, "service:gateway");
    return self;
}

void
gateway_mail_destroy (gateway_mail_t **self_p)
{
    gateway_mail_t *self = *self_p;
    if (!self)
        return;
    bc_client_destroy (&self->notify);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

int
gateway_mail_send (gateway_mail_t *self, const char *kind, const char *to, const char *name,
                   const char *language, const char *token, int64_t expires_us)
{
    const char *page = strcmp (kind, "confirm") == 0      ? "/confirmar"
                       : strcmp (kind, "login") == 0      ? "/entrar/link"
                       : strncmp (kind, "staff_", 6) == 0 ? "/painel/definir-senha"
                                                          : "/redefinir-senha";
    char link[768];
    snprintf (link, sizeof link, "%s%s#t=%s", self->base, page, token);
    Balcao__V1__SendAccountMail req = BALCAO__V1__SEND_ACCOUNT_MAIL__INIT;
    req.to = (char *) to;
    req.name = (char *) name;
    req.language = (char *) language;
    req.kind = (char *) kind;
    req.link = link;
    req.expires_us = expires_us;
    bc_envelope_t *reply = NULL;
    pthread_mutex_lock (&self->lock);
    int rc = bc_client_call (self->notify, NULL, &req.base, &reply);
    pthread_mutex_unlock (&self->lock);
    sodium_memzero (link, sizeof link);
    if (rc != BC_OK) {
        char text[256];
        bc_warn ("event=account_mail_failed kind=%s reason=\"%s\"", kind,
                 bc_client_error_text (rc, reply, text, sizeof text));
    }
    bc_envelope_destroy (&reply);
    return rc;
}

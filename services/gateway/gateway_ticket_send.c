/* gateway_ticket_send: a customer's message from the portal to intake (see
 * gateway_ticket_send.h). */
#include "gateway_ticket_send.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_log.h"

#include <czmq.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long the gateway waits for the router to have a message. */
#define S_WAIT_MS 5000
#define S_POLL_MS 50

/* The external_id of a portal message: "portal:" and a hash of who sent it,
 * what it is for (kind: "new" or the ticket's number) and the form's
 * client_ref, so a retry of the same form is one message at intake. */
void
gateway_ticket_external_id (const gateway_req_t *req, const char *kind,
                            const char *client_ref, char *out, size_t size)
{
    unsigned char hash[16];
    crypto_generichash_state st;
    crypto_generichash_init (&st, NULL, 0, sizeof hash);
    crypto_generichash_update (&st, (const unsigned char *) req->principal,
                               strlen (req->principal) + 1);
    crypto_generichash_update (&st, (const unsigned char *) kind, strlen (kind) + 1);
    crypto_generichash_update (&st, (const unsigned char *) client_ref, strlen (client_ref));
    crypto_generichash_final (&st, hash, sizeof hash);
    char hex[33];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    snprintf (out, size, "portal:%s", hex);
}

/* Submit to intake on the customer's behalf. True with *ref (33 bytes)
 * set, or false with *out set: intake's refusal of files over its limits
 * is 413 too_large with intake's sentence. */
bool
gateway_ticket_send (gateway_bus_t *bus, gateway_req_t *req, Balcao__V1__Submit *submit,
                     char *ref, enum MHD_Result *out)
{
    submit->channel = "portal";
    submit->from_address = req->address;
    submit->from_name = req->name;
    submit->language = req->language;
    bc_envelope_t *reply = NULL;
    char intake[32]; /* a customer's messages, in order, through one replica */
    gateway_bus_intake_for (bus, req->address, intake, sizeof intake);
    int rc = gateway_bus_call (bus, intake, "service:gateway", &submit->base, &reply);
    bool is_ok = false;
    if (rc == BC_OK) {
        Balcao__V1__SubmitReply *sr = (Balcao__V1__SubmitReply *) bc_envelope_payload (
            reply, &balcao__v1__submit_reply__descriptor);
        if (sr) {
            snprintf (ref, 33, "%s", sr->message_ref);
            is_ok = true;
            balcao__v1__submit_reply__free_unpacked (sr, NULL);
        }
        else
            *out = gateway_http_unexpected (req->conn, "intake");
    }
    else if (rc == BC_EREMOTE) {
        Balcao__V1__Error *err =
            (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        if (err && (strcmp (err->code, "attachment_too_large") == 0 ||
                    strcmp (err->code, "too_large") == 0))
            *out = gateway_http_error (req->conn, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                                       *err->message_pt ? err->message_pt : err->message,
                                       err->message);
        else
            *out = gateway_http_bus_error (req->conn, rc, reply, "intake");
        if (err)
            balcao__v1__error__free_unpacked (err, NULL);
    }
    else
        *out = gateway_http_bus_error (req->conn, rc, reply, "intake");
    bc_envelope_destroy (&reply);
    return is_ok;
}

uint64_t
gateway_ticket_find_opened (gateway_bus_t *bus, const char *principal, const char *external_id,
                            uint64_t after)
{
    uint64_t found = 0;
    for (bool is_more = true; is_more && !found;) {
        Balcao__V1__ListTickets list = BALCAO__V1__LIST_TICKETS__INIT;
        list.after = after;
        list.limit = 1000;
        bc_envelope_t *reply = NULL;
        Balcao__V1__TicketList *page = NULL;
        if (gateway_bus_call (bus, "router", principal, &list.base, &reply) == BC_OK)
            page = (Balcao__V1__TicketList *) bc_envelope_payload (
                reply, &balcao__v1__ticket_list__descriptor);
        bc_envelope_destroy (&reply);
        is_more = page && page->n_tickets == 1000;
        for (size_t i = 0; page && i < page->n_tickets && !found; i++)
            if (strcmp (page->tickets[i]->origin_message_id, external_id) == 0)
                found = page->tickets[i]->number;
        if (page && page->n_tickets)
            after = page->tickets[page->n_tickets - 1]->number;
        if (page)
            balcao__v1__ticket_list__free_unpacked (page, NULL);
    }
    return found;
}

uint64_t
gateway_ticket_wait_new (gateway_bus_t *bus, const gateway_req_t *req, const char *external_id)
{
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    while (zclock_mono () < deadline) {
        uint64_t found = gateway_ticket_find_opened (bus, req->principal, external_id, 0);
        if (found)
            return found;
        zclock_sleep (S_POLL_MS);
    }
    return 0;
}

/* True when message external_id is on ticket number as the caller reads it. */
static bool
s_is_on (gateway_bus_t *bus, const gateway_req_t *req, uint64_t number, const char *external_id)
{
    Balcao__V1__GetTicket get = BALCAO__V1__GET_TICKET__INIT;
    get.number = number;
    bc_envelope_t *reply = NULL;
    bool is_there = false;
    if (gateway_bus_call (bus, "router", req->principal, &get.base, &reply) == BC_OK) {
        Balcao__V1__Ticket *t =
            (Balcao__V1__Ticket *) bc_envelope_payload (reply, &balcao__v1__ticket__descriptor);
        for (size_t i = 0; t && i < t->n_messages && !is_there; i++)
            is_there = strcmp (t->messages[i]->message_id, external_id) == 0;
        if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
    }
    bc_envelope_destroy (&reply);
    return is_there;
}

uint64_t
gateway_ticket_wait_message (gateway_bus_t *bus, const gateway_req_t *req, uint64_t number,
                             const char *external_id)
{
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    while (zclock_mono () < deadline) {
        if (s_is_on (bus, req, number, external_id))
            return number;
        /* The router may have opened a ticket of its own for it (the
         * ticket was closed too long ago to reopen). */
        uint64_t opened = gateway_ticket_find_opened (bus, req->principal, external_id, 0);
        if (opened)
            return opened;
        zclock_sleep (S_POLL_MS);
    }
    return 0;
}

/* Deflection: the articles kb suggested and the customer opened before
 * sending anyway (suggestions_opened) go to kb's counters, once per form
 * (client_ref). The ticket is stored whatever kb answers. */
void
gateway_ticket_record_deflection (gateway_bus_t *bus, const gateway_req_t *req,
                                  const char *client_ref)
{
    json_t *list = json_object_get (req->body_json, "suggestions_opened");
    size_t n = json_array_size (list);
    if (!n)
        return;
    char **articles = calloc (n, sizeof *articles);
    for (size_t i = 0; i < n; i++)
        articles[i] = (char *) json_string_value (json_array_get (list, i));
    Balcao__V1__RecordDeflection rd = BALCAO__V1__RECORD_DEFLECTION__INIT;
    rd.outcome = "sent_after_opening";
    rd.articles = articles;
    rd.n_articles = n;
    rd.client_ref = (char *) client_ref;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (bus, "kb", req->principal, &rd.base, &reply);
    if (rc != BC_OK)
        bc_warn ("event=deflection_not_recorded rc=%d articles=%zu", rc, n);
    bc_envelope_destroy (&reply);
    free (articles);
}

enum MHD_Result
gateway_ticket_file (gateway_bus_t *bus, gateway_req_t *req, const char *sha256,
                     const Balcao__V1__Attachment *meta)
{
    Balcao__V1__GetAttachment ga = BALCAO__V1__GET_ATTACHMENT__INIT;
    ga.sha256 = (char *) sha256;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call_intakes (bus, "service:gateway", &ga.base, &reply);
    enum MHD_Result out;
    if (rc == BC_OK) {
        Balcao__V1__AttachmentData *d = (Balcao__V1__AttachmentData *) bc_envelope_payload (
            reply, &balcao__v1__attachment_data__descriptor);
        if (d && d->attachment) {
            Balcao__V1__Attachment shown = *d->attachment;
            shown.filename = meta->filename;
            shown.content_type = meta->content_type;
            Balcao__V1__Attachment *first = d->attachment;
            d->attachment = &shown;
            out = gateway_http_attachment (req->conn, d);
            d->attachment = first;
        }
        else
            out = gateway_http_unexpected (req->conn, "intake");
        if (d)
            balcao__v1__attachment_data__free_unpacked (d, NULL);
    }
    else
        out = gateway_http_bus_error (req->conn, rc, reply, "intake");
    bc_envelope_destroy (&reply);
    return out;
}

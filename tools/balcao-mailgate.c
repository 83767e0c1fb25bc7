/* balcao-mailgate: delivers one RFC 822 message from stdin to intake, as an
 * MTA pipe transport would run it. Exit codes follow sysexits.h so the MTA
 * does the right thing:
 *   0   intake durably accepted the message (or already had it); also when
 *       intake refused it for its attachments (code attachment_too_large):
 *       that refusal is final and recorded (AttachmentRejected), and notify
 *       answers the sender in their language. A bounce by the MTA as well
 *       would be a second, English notice carrying the large message back,
 *       possibly to a forged sender (backscatter); a robot gets neither.
 *       A message over balcao/max_message_size goes to intake as its header
 *       alone, with its size: intake refuses it the same way (0).
 *   65  intake refused it (no sender, not a message): the MTA bounces it
 *   74  stdin could not be read
 *   75  intake did not answer, or could not store it now (code internal):
 *       the MTA keeps the message and retries later
 * The request id is a hash of the message, so a retry after a lost answer is
 * the same request, and intake dedupes by Message-ID too. */
#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_mailid.h"
#include "bc_log.h"
#include "bc_service.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_OK 0
#define EX_USAGE 64
#define EX_DATAERR 65
#define EX_IOERR 74
#define EX_TEMPFAIL 75

int
main (int argc, char **argv)
{
    bc_log_init ("mailgate");
    /* What we print lands in the MTA's log, which mangles anything but
     * ASCII: English, unless the operator asks otherwise. */
    setenv ("BALCAO_LANG", "en", 0);
    int first = 1;
    bc_config_t *config = bc_config_from_args (argc, argv, &first);
    if (!config || first < argc) {
        fprintf (stderr, "usage: balcao-mailgate [-c CONFIG] < message.eml\n");
        bc_config_destroy (&config);
        return config ? EX_USAGE : EX_TEMPFAIL;
    }
    size_t limit = (size_t) bc_config_int (config, "balcao/max_message_size", BC_MAX_MESSAGE_SIZE_DEFAULT);
    size_t cap = 65536, len = 0;
    uint8_t *raw = malloc (cap);
    size_t n;
    while (raw && (n = fread (raw + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len > limit)
            break;
        if (len == cap) {
            cap *= 2;
            raw = realloc (raw, cap);
        }
    }
    if (!raw || ferror (stdin)) {
        fprintf (stderr, "balcao-mailgate: could not read the message from stdin\n");
        return EX_IOERR;
    }
    uint64_t oversized = 0;
    if (len > limit) {
        /* Too large to carry: read the rest to know its size, and send
         * intake its header alone, so the sender gets Balcão's notice (in
         * their language, with the limit) rather than the MTA's bounce. */
        oversized = len;
        uint8_t sink[65536];
        while ((n = fread (sink, 1, sizeof sink, stdin)) > 0)
            oversized += n;
        size_t header = 0;
        for (size_t i = 0; i + 1 < len && !header; i++)
            if (raw[i] == '\n' && (raw[i + 1] == '\n'
                                   || (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')))
                header = i + 1;
        if (!header || header > 256 * 1024) {
            fprintf (stderr, "balcao-mailgate: message larger than the limit of %zu bytes, "
                             "without a header to answer; rejected\n", limit);
            free (raw);
            return EX_DATAERR;
        }
        len = header;
        fprintf (stderr, "balcao-mailgate: message of %llu bytes, over the limit of %zu bytes: "
                         "intake answers the sender\n", (unsigned long long) oversized, limit);
    }
    unsigned char hash[16];
    char request_id[33];
    crypto_generichash (hash, sizeof hash, raw, len, NULL, 0);
    sodium_bin2hex (request_id, sizeof request_id, hash, sizeof hash);

    /* intake's replica by the Message-ID (a message sent again reaches the
     * replica that knows it), by the bytes when there is none. */
    char message_id[1000], intake[32];
    size_t id_len = bc_mailid_of_raw (raw, len, message_id, sizeof message_id);
    bc_config_replica_for (config, "intake", id_len ? (const void *) message_id : raw,
                           id_len ? id_len : len, intake, sizeof intake);
    bc_client_t *client = bc_client_new_for (config, intake, "balcao-mailgate");
    if (!client)
        return EX_TEMPFAIL;
    bc_client_set_principal (client, "service:mailgate");
    bc_client_set_timeout (client, (int) bc_config_int (config, "mailgate/timeout_ms", 5000),
                           (int) bc_config_int (config, "mailgate/retries", 2));
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.channel = "email";
    req.raw_mime.data = raw;
    req.raw_mime.len = len;
    req.oversized_bytes = oversized;
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (client, request_id, &req.base, &reply);
    int exit_code;
    char buf[512];
    if (rc == BC_OK) {
        Balcao__V1__SubmitReply *sr = (Balcao__V1__SubmitReply *) bc_envelope_payload (
            reply, &balcao__v1__submit_reply__descriptor);
        if (sr) {
            fprintf (stderr, "balcao-mailgate: accepted as %s%s\n", sr->message_ref,
                     sr->duplicate ? " (already received before)" : "");
            balcao__v1__submit_reply__free_unpacked (sr, NULL);
        }
        exit_code = EX_OK;
    }
    else if (rc == BC_EREMOTE) {
        Balcao__V1__Error *err =
            (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        const char *code = err && err->code ? err->code : "";
        if (strcmp (code, "attachment_too_large") == 0) {
            fprintf (stderr, "balcao-mailgate: refused by intake, the sender is told: %s\n",
                     bc_client_error_text (rc, reply, buf, sizeof buf));
            exit_code = EX_OK;
        }
        else if (strcmp (code, "internal") == 0) {
            fprintf (stderr, "balcao-mailgate: intake could not take it now, the MTA should "
                             "retry: %s\n",
                     bc_client_error_text (rc, reply, buf, sizeof buf));
            exit_code = EX_TEMPFAIL;
        }
        else {
            fprintf (stderr, "balcao-mailgate: rejected by intake: %s\n",
                     bc_client_error_text (rc, reply, buf, sizeof buf));
            exit_code = EX_DATAERR;
        }
        if (err)
            balcao__v1__error__free_unpacked (err, NULL);
    }
    else {
        fprintf (stderr, "balcao-mailgate: intake unreachable, the MTA should retry: %s\n",
                 bc_client_error_text (rc, reply, buf, sizeof buf));
        exit_code = EX_TEMPFAIL;
    }
    bc_envelope_destroy (&reply);
    bc_client_destroy (&client);
    bc_config_destroy (&config);
    free (raw);
    return exit_code;
}

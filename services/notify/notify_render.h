/* notify_render: customer-facing messages, built as complete RFC 822 mail
 * with GMime: multipart/alternative (text/plain, then text/html), UTF-8,
 * quoted-printable. pt-BR first, English second. */
#ifndef NOTIFY_RENDER_H
#define NOTIFY_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a notification tells the customer (one template each). */
typedef enum {
    NOTIFY_ACK,       /* ticket received */
    NOTIFY_REPLY,     /* an agent's public reply (a human message: no
                         Auto-Submitted, and its words are not a quote) */
    NOTIFY_INFO,      /* we need more information */
    NOTIFY_ESCALATED, /* passed on to a higher tier */
    NOTIFY_RESOLVED,  /* resolved: please validate */
    NOTIFY_REOPENED,  /* reopened */
    NOTIFY_CLOSED,    /* closed: invitation to rate 1-5 */
    NOTIFY_MERGED,    /* merged: continues in another ticket */
    NOTIFY_REMINDER,  /* resolved ticket will close by itself */
    NOTIFY_REJECTED,  /* a message refused for its attachments (intake) */
    /* A portal account's one-time link (SendAccountMail, from the gateway):
     * no ticket, no thread. */
    NOTIFY_ACCOUNT_CONFIRM, /* confirm the address of a new account */
    NOTIFY_ACCOUNT_LOGIN,   /* a sign-in link */
    NOTIFY_ACCOUNT_RESET,   /* choose a new password */
    /* A support team member's link to the dashboard (72 hours). */
    NOTIFY_STAFF_INVITE, /* invited: choose a password */
    NOTIFY_STAFF_RESET,  /* access reset by an admin: choose a new one */
} notify_kind_t;

typedef struct {
    notify_kind_t kind;
    uint64_t ticket;
    const char *language;         /* "en..." is English, anything else pt-BR */
    const char *customer_name;    /* may be "" */
    const char *customer_address;
    const char *subject;          /* the customer's subject */
    /* The kind's own words, shown as given: the agent's reply (REPLY), what
     * we need (INFO), the resolution (RESOLVED), the customer's reason for
     * rejecting it (REOPENED, may be ""). Ignored by the other kinds. */
    const char *text;
    /* CLOSED: the lifecycle action that closed it ("accept", "auto_close",
     * "close"); the wording differs. */
    const char *action;
    uint64_t into;                /* MERGED: the ticket it continues in */
    /* REMINDER and RESOLVED: when it closes by itself (RESOLVED: 0 = no
     * date given). */
    int64_t close_at_us;
    const char *author_name;      /* REPLY: the agent who wrote it, may be "" */
    /* Threading, without brackets, each may be "": the customer's first
     * e-mail and their latest one. In-Reply-To is the latest (else the
     * first); References holds both. */
    const char *origin_message_id;
    const char *last_inbound_message_id;
    const char *message_id;       /* ours, without brackets (bc_mailid) */
    const char *from_name;
    const char *from_address;     /* also Reply-To */
    const char *loop_tag;         /* X-Loop value */
    int64_t time_us;              /* Date */
    /* The install's subject tag word (balcao/ticket_tag): "[<tag> #N]";
     * NULL or "" is "Chamado". */
    const char *ticket_tag;
    /* REJECTED: the files over the limit as intake names them
     * ("video.mp4 (48 MB)"), the limit in bytes, and which limit: "file"
     * (each file) or "message" (all files together). ticket may be 0 (the
     * message would have opened one); origin_message_id is the refused
     * message's. */
    const char *const *files;
    size_t n_files;
    uint64_t limit_bytes;
    const char *limit;
    /* REJECTED: the message itself was kept (its text is with the team):
     * only files were left out. "message_size" as limit: the whole message
     * was over what one e-mail may carry, and nothing was kept. */
    bool kept;
    /* The Customer Portal's address (gateway/public_url), where a customer
     * can add files to their ticket; NULL or "": not offered. */
    const char *portal_url;
    /* ACCOUNT_*: the one-time link (a secret: the mail is its only place)
     * and when it stops working. */
    const char *link;
    int64_t expires_us;
    /* ACK: the router's first-response target for this ticket, in business
     * seconds, and when it is due (each 0: unknown, and nothing is promised
     * in its place). */
    int64_t first_response_target_s;
    int64_t first_response_due_us;
    /* The business time zone every date is written in (IANA name; NULL or
     * "": America/Sao_Paulo). */
    const char *time_zone;
    /* The ticket's participants, copied (Cc) when notify_render_copies_cc
     * says the kind is news for them. */
    char *const *cc;
    size_t n_cc;
    /* WhatsApp tickets: the customer's number (digits only; NULL or "":
     * none, no WhatsApp notice) and when they last wrote by WhatsApp (the
     * 24-hour window counts from it; 0: unknown). */
    const char *whatsapp_number;
    int64_t whatsapp_inbound_us;
} notify_mail_t;

/* True when a notice of this kind goes to the ticket's participants too:
 * what happens to the request (answers, questions, resolution, reopening,
 * escalation, merge, the closing reminder), not the acknowledgement nor the
 * rating survey, which are the customer's. */
bool notify_render_copies_cc (notify_kind_t kind);

void notify_render_init (void);
/* The kind's name in notification ids and NotificationQueued.kind. */
const char *notify_kind_name (notify_kind_t kind);
/* Renders the whole mail. Returns malloc'd mail bytes (*len of them) and the
 * subject line in *subject_out (malloc'd); free both with free. */
char *notify_render (const notify_mail_t *mail, size_t *len, char **subject_out);

#endif

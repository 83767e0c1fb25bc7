/* intake_report: classify a message by its headers and report parts. The
 * order matters: a machine report is a report even when it also says
 * Auto-Submitted; our own loop is a loop even when it looks like an
 * out-of-office; then out-of-office; then any other robot. */
#include "intake_report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The header's value trimmed, in a buffer; "" when absent. */
static const char *
s_header (GMimeMessage *msg, const char *name, char *buf, size_t size)
{
    const char *v = g_mime_object_get_header (GMIME_OBJECT (msg), name);
    buf[0] = 0;
    if (!v)
        return buf;
    while (*v == ' ' || *v == '\t')
        v++;
    g_strlcpy (buf, v, size);
    g_strchomp (buf);
    return buf;
}

static bool
s_has_header (GMimeMessage *msg, const char *name)
{
    return g_mime_object_get_header (GMIME_OBJECT (msg), name) != NULL;
}

/* Any header called name whose trimmed value equals value (ASCII case). */
static bool
s_has_header_value (GMimeMessage *msg, const char *name, const char *value)
{
    GMimeHeaderList *list = g_mime_object_get_header_list (GMIME_OBJECT (msg));
    int count = list ? g_mime_header_list_get_count (list) : 0;
    for (int i = 0; i < count; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at (list, i);
        const char *v = g_mime_header_get_value (h);
        if (g_ascii_strcasecmp (g_mime_header_get_name (h), name) != 0 || !v)
            continue;
        char *trimmed = g_strstrip (g_strdup (v));
        bool same = g_ascii_strcasecmp (trimmed, value) == 0;
        g_free (trimmed);
        if (same)
            return true;
    }
    return false;
}

static bool
s_starts (const char *s, const char *prefix)
{
    return g_ascii_strncasecmp (s, prefix, strlen (prefix)) == 0;
}

/* Case-insensitive (Unicode) search of needle in haystack. */
static bool
s_contains (const char *haystack, const char *needle)
{
    char *h = g_utf8_casefold (haystack, -1);
    char *n = g_utf8_casefold (needle, -1);
    bool found = strstr (h, n) != NULL;
    g_free (h);
    g_free (n);
    return found;
}

static void
s_set (char **slot, const char *value)
{
    if (!value || !*value || **slot)
        return;
    free (*slot);
    *slot = strdup (value);
}

/* ---- report parts ---- */

/* The content of a leaf part, transfer-decoded, NUL-terminated. */
static char *
s_part_text (GMimeObject *obj)
{
    GMimeStream *mem = g_mime_stream_mem_new ();
    if (GMIME_IS_PART (obj)) {
        GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (obj));
        if (content)
            g_mime_data_wrapper_write_to_stream (content, mem);
    }
    else
        g_mime_object_write_content_to_stream (obj, NULL, mem);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
    char *text = bytes->len ? g_strndup ((const char *) bytes->data, bytes->len) : g_strdup ("");
    g_object_unref (mem);
    return text;
}

/* The value of a "Name: value" field at a line start in a report part
 * (RFC 3464 / 8098 / 5965 fields), after an "rfc822;" type, without
 * brackets. NULL when absent. */
static char *
s_field (const char *text, const char *name)
{
    size_t n = strlen (name);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr (line, '\n');
        if (g_ascii_strncasecmp (line, name, n) == 0 && line[n] == ':') {
            const char *start = line + n + 1;
            char *v = g_strndup (start, nl ? (size_t) (nl - start) : strlen (start));
            char *semi = strchr (v, ';');
            char *value = g_strdup (semi ? semi + 1 : v);
            g_free (v);
            g_strstrip (value);
            size_t len = strlen (value);
            if (len >= 2 && value[0] == '<' && value[len - 1] == '>') {
                memmove (value, value + 1, len - 2);
                value[len - 2] = 0;
            }
            if (*value)
                return value;
            g_free (value);
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* The first address of an address list header value. */
static char *
s_first_address (InternetAddressList *list)
{
    int count = list ? internet_address_list_length (list) : 0;
    for (int i = 0; i < count; i++) {
        InternetAddress *ia = internet_address_list_get_address (list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX (ia)) {
            const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
            if (addr && strchr (addr, '@'))
                return g_strdup (addr);
        }
    }
    return NULL;
}

/* The returned original: a message/rfc822 part, or text/rfc822-headers
 * parsed as a message's header block. A new reference, or NULL. */
static GMimeMessage *
s_returned_message (GMimeObject *part)
{
    if (GMIME_IS_MESSAGE_PART (part)) {
        GMimeMessage *m = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part));
        return m ? g_object_ref (m) : NULL;
    }
    GMimeContentType *ct = g_mime_object_get_content_type (part);
    if (!g_mime_content_type_is_type (ct, "text", "rfc822-headers") &&
        !g_mime_content_type_is_type (ct, "message", "rfc822-headers"))
        return NULL;
    char *text = s_part_text (part);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
    GMimeParser *parser = g_mime_parser_new_with_stream (stream);
    GMimeMessage *m = g_mime_parser_construct_message (parser, NULL);
    g_object_unref (parser);
    g_object_unref (stream);
    g_free (text);
    return m;
}

typedef struct {
    const char *report_type;
    const char *status_type; /* the machine-readable part's subtype */
    const char *recipient_fields[3];
    const char *message_id_field;
    intake_mail_class_t mail_class;
    const char *reason;
} s_report_kind_t;

static const s_report_kind_t s_kinds[] = {
    {"delivery-status", "delivery-status", {"Final-Recipient", "Original-Recipient", NULL},
     NULL, INTAKE_MAIL_BOUNCE, "report:delivery-status"},
    {"delivery-status", "global-delivery-status", {"Final-Recipient", "Original-Recipient", NULL},
     NULL, INTAKE_MAIL_BOUNCE, "report:delivery-status"},
    {"disposition-notification", "disposition-notification",
     {"Final-Recipient", "Original-Recipient", NULL}, "Original-Message-ID",
     INTAKE_MAIL_READ_RECEIPT, "report:disposition-notification"},
    {"feedback-report", "feedback-report", {"Original-Rcpt-To", "Removal-Recipient", NULL},
     NULL, INTAKE_MAIL_FEEDBACK_REPORT, "report:feedback-report"},
};

static const s_report_kind_t *
s_kind_of (GMimeMultipart *report)
{
    GMimeContentType *ct = g_mime_object_get_content_type (GMIME_OBJECT (report));
    const char *type = g_mime_content_type_get_parameter (ct, "report-type");
    for (size_t i = 0; type && i < G_N_ELEMENTS (s_kinds); i++)
        if (g_ascii_strcasecmp (type, s_kinds[i].report_type) == 0)
            return &s_kinds[i];
    /* No or unknown report-type: the machine-readable part says it. */
    int count = g_mime_multipart_get_count (report);
    for (int p = 0; p < count; p++) {
        GMimeContentType *pct =
            g_mime_object_get_content_type (g_mime_multipart_get_part (report, p));
        for (size_t i = 0; i < G_N_ELEMENTS (s_kinds); i++)
            if (g_mime_content_type_is_type (pct, "message", s_kinds[i].status_type))
                return &s_kinds[i];
    }
    return NULL;
}

/* The first multipart/report in the multipart tree (not inside attached
 * messages), at most a few levels down. */
static GMimeMultipart *
s_find_report (GMimeObject *obj, int depth)
{
    if (!obj || !GMIME_IS_MULTIPART (obj) || depth > 4)
        return NULL;
    GMimeMultipart *mp = GMIME_MULTIPART (obj);
    if (g_mime_content_type_is_type (g_mime_object_get_content_type (obj), "multipart", "report"))
        return mp;
    int count = g_mime_multipart_get_count (mp);
    for (int i = 0; i < count; i++) {
        GMimeMultipart *found = s_find_report (g_mime_multipart_get_part (mp, i), depth + 1);
        if (found)
            return found;
    }
    return NULL;
}

static void
s_read_report (GMimeMultipart *report, const s_report_kind_t *kind, intake_mail_t *mail)
{
    int count = g_mime_multipart_get_count (report);
    char *returned_to = NULL;
    for (int p = 0; p < count; p++) {
        GMimeObject *part = g_mime_multipart_get_part (report, p);
        GMimeContentType *ct = g_mime_object_get_content_type (part);
        if (g_mime_content_type_is_type (ct, "message", kind->status_type)) {
            char *text = s_part_text (part);
            for (int f = 0; kind->recipient_fields[f]; f++) {
                char *v = s_field (text, kind->recipient_fields[f]);
                if (v && strchr (v, '@'))
                    s_set (&mail->report_recipient, v);
                g_free (v);
            }
            if (kind->message_id_field) {
                char *v = s_field (text, kind->message_id_field);
                s_set (&mail->report_message_id, v);
                g_free (v);
            }
            g_free (text);
            continue;
        }
        GMimeMessage *original = s_returned_message (part);
        if (!original)
            continue;
        s_set (&mail->report_message_id, g_mime_message_get_message_id (original));
        if (!returned_to)
            returned_to = s_first_address (g_mime_message_get_to (original));
        g_object_unref (original);
    }
    if (kind->mail_class == INTAKE_MAIL_BOUNCE)
        s_set (&mail->report_recipient, returned_to);
    g_free (returned_to);
}

/* X-Failed-Recipients (Exim, Gmail): a comma-separated address list. */
static void
s_failed_recipients (GMimeMessage *msg, intake_mail_t *mail)
{
    const char *v = g_mime_object_get_header (GMIME_OBJECT (msg), "X-Failed-Recipients");
    if (!v)
        return;
    InternetAddressList *list = internet_address_list_parse (NULL, v);
    char *addr = s_first_address (list);
    s_set (&mail->report_recipient, addr);
    g_free (addr);
    if (list)
        g_object_unref (list);
}

char *
intake_report_text_message_id (const char *text)
{
    for (const char *line = text; line && *line;) {
        while (*line == ' ' || *line == '\t')
            line++;
        const char *nl = strchr (line, '\n');
        if (s_starts (line, "Message-ID:")) {
            const char *v = line + strlen ("Message-ID:");
            size_t len = nl ? (size_t) (nl - v) : strlen (v);
            char *raw = g_strndup (v, len);
            char *id = g_mime_utils_decode_message_id (raw);
            g_free (raw);
            if (id && *id)
                return id;
            g_free (id);
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* A bounce that is not a multipart/report (Gmail's older ones, some
 * appliances): the sender and subject say it. */
static bool
s_looks_like_bounce (GMimeMessage *msg, const intake_mail_t *mail)
{
    static const char *const subjects[] = {
        "delivery status notification", "undelivered mail", "undeliverable",
        "mail delivery failed", "returned mail", "delivery failure", "failure notice",
        "não foi possível entregar", "falha na entrega", "mensagem não entregue", NULL};
    /* With or without a domain: a local MTA writes just "MAILER-DAEMON". */
    bool daemon = s_starts (mail->from_address, "mailer-daemon@") ||
                  s_starts (mail->from_address, "postmaster@") ||
                  g_ascii_strcasecmp (mail->from_address, "mailer-daemon") == 0 ||
                  g_ascii_strcasecmp (mail->from_address, "postmaster") == 0;
    char buf[16];
    bool null_path = strcmp (s_header (msg, "Return-Path", buf, sizeof buf), "<>") == 0;
    if (!daemon && !null_path)
        return false;
    for (const char *const *s = subjects; *s; s++)
        if (s_contains (mail->subject, *s))
            return true;
    return daemon && s_has_header (msg, "X-Failed-Recipients");
}

/* ---- robots ---- */

static const char *const s_ooo_subjects[] = {
    "resposta automática", "resposta automatica", "ausência temporária",
    "ausencia temporaria", "fora do escritório", "fora do escritorio", "out of office",
    "out of the office", "automatic reply", "autoreply", "auto-reply", NULL};

/* The subject says out-of-office; at_start: it begins with it, as the
 * prefixes Exchange and Gmail write ("Resposta automática: ..."). */
static bool
s_ooo_subject (const char *subject, bool at_start)
{
    char *folded = g_utf8_casefold (subject, -1);
    bool found = false;
    for (const char *const *s = s_ooo_subjects; *s && !found; s++) {
        char *needle = g_utf8_casefold (*s, -1);
        const char *hit = strstr (folded, needle);
        found = hit && (!at_start || hit == folded);
        g_free (needle);
    }
    g_free (folded);
    return found;
}

static bool
s_ends_with_domain (const char *message_id, const char *domain)
{
    size_t n = strlen (message_id), d = strlen (domain);
    return d > 0 && n > d + 1 && message_id[n - d - 1] == '@' &&
           g_ascii_strcasecmp (message_id + n - d, domain) == 0;
}

static const char *
s_robot_reason (GMimeMessage *msg, const char *auto_submitted)
{
    char buf[256];
    if (*auto_submitted && g_ascii_strncasecmp (auto_submitted, "no", 2) != 0)
        return "auto-submitted";
    if (s_has_header (msg, "X-Autoreply"))
        return "x-autoreply";
    if (s_has_header (msg, "X-Autorespond"))
        return "x-autorespond";
    if (s_has_header (msg, "X-Auto-Response-Suppress"))
        return "x-auto-response-suppress";
    const char *precedence = s_header (msg, "Precedence", buf, sizeof buf);
    if (g_ascii_strcasecmp (precedence, "bulk") == 0 ||
        g_ascii_strcasecmp (precedence, "junk") == 0 ||
        g_ascii_strcasecmp (precedence, "list") == 0 ||
        g_ascii_strcasecmp (precedence, "auto_reply") == 0)
        return "precedence";
    if (s_has_header (msg, "List-Id"))
        return "list-id";
    if (s_has_header (msg, "List-Unsubscribe"))
        return "list-unsubscribe";
    const char *path = s_header (msg, "Return-Path", buf, sizeof buf);
    if (strcmp (path, "<>") == 0 || strcmp (path, "< >") == 0)
        return "null-return-path";
    return NULL;
}

void
intake_report_classify (GMimeMessage *msg, const intake_mail_site_t *site, intake_mail_t *mail)
{
    mail->mail_class = INTAKE_MAIL_HUMAN;
    mail->class_reason = "none";

    GMimeMultipart *report = s_find_report (g_mime_message_get_mime_part (msg), 0);
    const s_report_kind_t *kind = report ? s_kind_of (report) : NULL;
    if (kind || s_looks_like_bounce (msg, mail)) {
        mail->mail_class = kind ? kind->mail_class : INTAKE_MAIL_BOUNCE;
        mail->class_reason = kind ? kind->reason : "mailer-daemon";
        if (kind)
            s_read_report (report, kind, mail);
        if (mail->mail_class == INTAKE_MAIL_BOUNCE)
            s_failed_recipients (msg, mail);
        if (!*mail->report_message_id) {
            char *id = intake_report_text_message_id (mail->body);
            s_set (&mail->report_message_id, id);
            g_free (id);
        }
        return;
    }

    if (site && site->loop_tag && *site->loop_tag &&
        s_has_header_value (msg, "X-Loop", site->loop_tag)) {
        mail->mail_class = INTAKE_MAIL_AUTO;
        mail->class_reason = "x-loop";
        return;
    }
    if (site && site->domain && s_ends_with_domain (mail->message_id, site->domain)) {
        mail->mail_class = INTAKE_MAIL_AUTO;
        mail->class_reason = "own-message-id";
        return;
    }

    char auto_submitted[128];
    s_header (msg, "Auto-Submitted", auto_submitted, sizeof auto_submitted);
    const char *robot = s_robot_reason (msg, auto_submitted);
    bool replied = s_starts (auto_submitted, "auto-replied");
    bool autoreply = s_has_header (msg, "X-Autoreply") || s_has_header (msg, "X-Autorespond");
    bool vacation = replied && (s_contains (auto_submitted, "vacation") || autoreply);
    /* Only an auto-reply's subject counts anywhere ("RE: x - Out of Office");
     * otherwise only the prefixes mail servers write. */
    bool answers = replied || autoreply || s_has_header (msg, "X-Auto-Response-Suppress");
    if (s_ooo_subject (mail->subject, !answers) || vacation) {
        mail->mail_class = INTAKE_MAIL_OUT_OF_OFFICE;
        mail->class_reason = vacation ? "vacation" : "subject";
        return;
    }
    if (robot) {
        mail->mail_class = INTAKE_MAIL_AUTO;
        mail->class_reason = robot;
    }
}

/* gateway_whatsapp_media: see gateway_whatsapp_media.h. One easy handle
 * per call (the webhook's requests run on threads of their own); the token
 * goes only in the Authorization header and never into a log line, nor
 * does the download URL (Meta signs it). */
#include "gateway_whatsapp_media.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_size.h"
#include "bc_store.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* intake's default per-file limit (INTAKE_MAX_FILE_DEFAULT, intake_attach.h):
 * the gateway reads the same keys to refuse what intake would leave out. */
#define S_INTAKE_MAX_FILE_DEFAULT (25 * 1024 * 1024)
/* Room for the rest of a Submit on the bus beside its file. */
#define S_BUS_MARGIN (64 * 1024)
/* Graph's JSON answers are a few hundred bytes. */
#define S_MAX_ANSWER (64 * 1024)

struct gateway_wa_media_t {
    char *api_url;  /* without a trailing "/" */
    char *token;    /* NULL: downloads are off */
    long timeout_ms;
    uint64_t max_file;
};

/* The token, from its file: its first line, without the newline. */
static char *
s_read_token (const char *path)
{
    char *all = bc_read_file (path);
    if (!all) {
        bc_error ("event=whatsapp_token_unreadable file=%s what_to_do=\"write the access token "
                  "(Meta: WhatsApp > API Setup, or a system user's) into the file, readable "
                  "by the gateway\"",
                  path);
        return NULL;
    }
    size_t n = strcspn (all, "\r\n");
    char *token = n ? strndup (all, n) : NULL;
    sodium_memzero (all, strlen (all));
    free (all);
    if (!token)
        bc_error ("event=whatsapp_token_unreadable file=%s reason=empty", path);
    return token;
}

gateway_wa_media_t *
gateway_wa_media_new (bc_config_t *config)
{
    gateway_wa_media_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    const char *url =
        bc_config_str (config, "gateway/whatsapp/api_url", "https://graph.facebook.com/v21.0");
    size_t n = strlen (url);
    while (n && url[n - 1] == '/')
        n--;
    self->api_url = strndup (url, n);
    self->timeout_ms = (long) bc_config_int (config, "gateway/whatsapp/media_timeout_ms", 20000);
    if (self->timeout_ms < 100)
        self->timeout_ms = 100;
    /* intake leaves out a file over either of its limits, and cannot take
     * a Submit larger than its bus limit: no use downloading one. */
    uint64_t max_file = (uint64_t) bc_config_int (config, "intake/max_attachment_bytes",
                                                  S_INTAKE_MAX_FILE_DEFAULT);
    uint64_t max_message = (uint64_t) bc_config_int (
        config, "intake/max_message_attachments_bytes", S_INTAKE_MAX_FILE_DEFAULT);
    uint64_t max_bus = (uint64_t) bc_config_int (
        config, "intake/max_message_size",
        bc_config_int (config, "balcao/max_message_size", BC_MAX_MESSAGE_SIZE_DEFAULT));
    max_bus = max_bus > 2 * S_BUS_MARGIN ? max_bus - S_BUS_MARGIN : max_bus / 2;
    self->max_file = max_file < max_message ? max_file : max_message;
    if (self->max_file > max_bus)
        self->max_file = max_bus;
    const char *path = bc_config_str (config, "gateway/whatsapp/token_file", "");
    if (*path)
        self->token = s_read_token (path);
    if (!self->api_url) {
        gateway_wa_media_destroy (&self);
        return NULL;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    if (self->token)
        bc_info ("event=whatsapp_media_ready api_url=%s max_file_bytes=%llu timeout_ms=%ld",
                 self->api_url, (unsigned long long) self->max_file, self->timeout_ms);
    else
        bc_info ("event=whatsapp_media_off reason=%s",
                 *path ? "token_unreadable" : "no_gateway/whatsapp/token_file");
    return self;
}

void
gateway_wa_media_destroy (gateway_wa_media_t **self_p)
{
    gateway_wa_media_t *self = *self_p;
    if (!self)
        return;
    if (self->token) {
        sodium_memzero (self->token, strlen (self->token));
        free (self->token);
    }
    free (self->api_url);
    free (self);
    *self_p = NULL;
}

/* ---- pure helpers --------------------------------------------------- */

static const char *
s_str (const json_t *obj, const char *key)
{
    const char *v = json_string_value (json_object_get (obj, key));
    return v ? v : "";
}

int
gateway_wa_media_info_read (const char *json, size_t len, gateway_wa_media_info_t *info)
{
    memset (info, 0, sizeof *info);
    info->file_size = -1;
    json_t *root = json_loadb (json, len, 0, NULL);
    const char *url = s_str (root, "url");
    bool is_ok = json_is_object (root)
                 && (strncmp (url, "https://", 8) == 0 || strncmp (url, "http://", 7) == 0)
                 && strlen (url) < sizeof info->url;
    if (is_ok) {
        snprintf (info->url, sizeof info->url, "%s", url);
        snprintf (info->mime_type, sizeof info->mime_type, "%s", s_str (root, "mime_type"));
        snprintf (info->sha256, sizeof info->sha256, "%s", s_str (root, "sha256"));
        /* Meta writes the size as a string ("303833"); a number is taken too. */
        const json_t *size = json_object_get (root, "file_size");
        char *end = NULL;
        const char *text = json_string_value (size);
        if (json_is_integer (size) && json_integer_value (size) >= 0)
            info->file_size = json_integer_value (size);
        else if (text && *text >= '0' && *text <= '9') {
            long long v = strtoll (text, &end, 10);
            if (!*end)
                info->file_size = v;
        }
    }
    json_decref (root);
    return is_ok ? 0 : -1;
}

/* The usual extension of a MIME type (parameters ignored), "bin" else. */
static const char *
s_extension (const char *mime_type)
{
    static const char *const table[][2] = {
        {"image/jpeg", "jpg"},       {"image/png", "png"},        {"image/webp", "webp"},
        {"image/gif", "gif"},        {"video/mp4", "mp4"},        {"video/3gpp", "3gp"},
        {"audio/ogg", "ogg"},        {"audio/mpeg", "mp3"},       {"audio/mp4", "m4a"},
        {"audio/aac", "aac"},        {"audio/amr", "amr"},        {"application/pdf", "pdf"},
        {"text/plain", "txt"},       {"application/msword", "doc"},
        {"application/vnd.ms-excel", "xls"},
        {"application/vnd.ms-powerpoint", "ppt"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
    };
    size_t n = strcspn (mime_type, "; \t");
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen (table[i][0]) == n && strncasecmp (mime_type, table[i][0], n) == 0)
            return table[i][1];
    return "bin";
}

void
gateway_wa_media_name (const char *type, const char *media_id, const char *mime_type,
                       const char *filename, char *out, size_t size)
{
    /* The document's own name: its last path part, printable. */
    const char *base = filename ? filename : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t k = 0;
    const char *p = base;
    for (; *p && k + 1 < size; p++)
        if ((unsigned char) *p >= 0x20 && *p != 0x7f)
            out[k++] = *p;
    if (*p && k) {
        /* Cut short: drop a character whose bytes did not all fit. */
        size_t lead = k - 1;
        while (lead && ((unsigned char) out[lead] & 0xC0) == 0x80)
            lead--;
        unsigned char c = (unsigned char) out[lead];
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (lead + need > k)
            k = lead;
    }
    out[k] = 0;
    if (k && strcmp (out, ".") != 0 && strcmp (out, "..") != 0)
        return;
    const char *kind = strcmp (type, "image") == 0      ? "imagem"
                       : strcmp (type, "document") == 0 ? "documento"
                       : strcmp (type, "audio") == 0    ? "audio"
                       : strcmp (type, "video") == 0    ? "video"
                       : strcmp (type, "sticker") == 0  ? "figurinha"
                                                        : "arquivo";
    /* Meta's ids are digits; anything else becomes "_". */
    char id[64];
    size_t j = 0;
    for (const char *p = media_id ? media_id : ""; *p && j + 1 < sizeof id; p++)
        id[j++] = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                      ? *p
                      : '_';
    id[j] = 0;
    snprintf (out, size, "%s%s%s.%s", kind, j ? "-" : "", id, s_extension (mime_type ? mime_type
                                                                                   : ""));
}

bool
gateway_wa_media_sha256_ok (const uint8_t *data, size_t len, const char *hex, const char *b64,
                            bool *is_checked)
{
    unsigned char want[crypto_hash_sha256_BYTES], got[crypto_hash_sha256_BYTES];
    size_t n = 0;
    bool has_want = false;
    if (hex && strlen (hex) == 64)
        has_want = sodium_hex2bin (want, sizeof want, hex, 64, NULL, &n, NULL) == 0
                   && n == sizeof want;
    if (!has_want && b64 && *b64)
        has_want = sodium_base642bin (want, sizeof want, b64, strlen (b64), NULL, &n, NULL,
                                      sodium_base64_VARIANT_ORIGINAL) == 0
                   && n == sizeof want;
    *is_checked = has_want;
    if (!has_want)
        return true;
    crypto_hash_sha256 (got, data, len);
    return sodium_memcmp (got, want, sizeof got) == 0;
}

void
gateway_wa_media_describe (const char *name, uint64_t size, char *out, size_t out_size)
{
    /* A WhatsApp message carries no language: intake takes it as pt-BR,
     * and so does the line that names the file left out. */
    bc_size_file (out, out_size, name, size, "pt-BR");
}

/* ---- the two calls -------------------------------------------------- */

typedef enum {
    S_OK = 0,
    S_RETRY,     /* no answer now: Meta should retry the webhook */
    S_TOO_LARGE, /* over max_file */
    S_LOST,      /* Meta cannot give it */
} s_result_t;

typedef struct {
    uint8_t *data;
    size_t len;
    size_t max;       /* more than this: stop, too large */
    bool is_too_large;
    int64_t length;   /* the answer's Content-Length, -1 when not given */
} s_body_t;

static size_t
s_write (char *ptr, size_t size, size_t nmemb, void *arg)
{
    s_body_t *b = arg;
    size_t n = size * nmemb;
    if (b->len + n > b->max) {
        b->is_too_large = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    uint8_t *grown = realloc (b->data, b->len + n + 1);
    if (!grown)
        return 0;
    memcpy (grown + b->len, ptr, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = 0;
    return n;
}

/* GET url with the token into body. The HTTP status in *status (0 without
 * an answer); S_OK for a 2xx, else what the failure means. why: for the
 * log. */
static s_result_t
s_get (gateway_wa_media_t *self, const char *url, s_body_t *body, long *status, char *why,
       size_t why_size)
{
    *status = 0;
    CURL *c = curl_easy_init ();
    char auth[4200];
    int n = snprintf (auth, sizeof auth, "Authorization: Bearer %s", self->token);
    struct curl_slist *headers = n > 0 && (size_t) n < sizeof auth
                                     ? curl_slist_append (NULL, auth)
                                     : NULL;
    sodium_memzero (auth, sizeof auth);
    if (!c || !headers) {
        snprintf (why, why_size, "out of memory");
        curl_slist_free_all (headers);
        if (c)
            curl_easy_cleanup (c);
        return S_RETRY;
    }
    curl_easy_setopt (c, CURLOPT_URL, url);
    curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A CDN's redirect is followed; curl sends our Authorization header to
     * the same host only. */
    curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt (c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt (c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt (c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt (c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, self->timeout_ms);
    curl_easy_setopt (c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) body->max);
    curl_easy_setopt (c, CURLOPT_USERAGENT, "Balcao-gateway");
    CURLcode rc = curl_easy_perform (c);
    curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, status);
    curl_off_t length = -1;
    curl_easy_getinfo (c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    body->length = length;
    curl_easy_cleanup (c);
    curl_slist_free_all (headers);
    if (rc == CURLE_FILESIZE_EXCEEDED || body->is_too_large) {
        snprintf (why, why_size, "larger than %zu bytes", body->max);
        return *status >= 400 ? S_LOST : S_TOO_LARGE;
    }
    if (rc != CURLE_OK) {
        snprintf (why, why_size, "%s", curl_easy_strerror (rc));
        return S_RETRY;
    }
    if (*status >= 200 && *status < 300)
        return S_OK;
    snprintf (why, why_size, "HTTP %ld", *status);
    /* Ours to fix (the token) or Meta's to recover: ask again later. */
    if (*status >= 500 || *status == 429 || *status == 408 || *status == 401)
        return S_RETRY;
    return S_LOST;
}

/* Both calls for m's media. file: the bytes (S_OK); info: what Meta said
 * of it (its size for S_TOO_LARGE). */
static s_result_t
s_fetch (gateway_wa_media_t *self, const gateway_wa_message_t *m, gateway_wa_media_info_t *info,
         s_body_t *file, char *why, size_t why_size, const char **note)
{
    memset (info, 0, sizeof *info);
    info->file_size = -1;
    char *id = curl_escape (m->media_id, 0);
    if (!id) {
        snprintf (why, why_size, "out of memory");
        return S_RETRY;
    }
    size_t url_len = strlen (self->api_url) + strlen (id) + 2;
    char *url = malloc (url_len);
    if (url)
        snprintf (url, url_len, "%s/%s", self->api_url, id);
    curl_free (id);
    if (!url) {
        snprintf (why, why_size, "out of memory");
        return S_RETRY;
    }
    s_body_t answer = {.max = S_MAX_ANSWER};
    long status;
    s_result_t rc = s_get (self, url, &answer, &status, why, why_size);
    free (url);
    if (rc == S_TOO_LARGE)
        rc = S_LOST; /* an answer of 64 KiB is not Graph's */
    if (rc == S_OK && gateway_wa_media_info_read ((char *) answer.data, answer.len, info)) {
        snprintf (why, why_size, "unreadable answer to GET /<media id>");
        rc = S_LOST;
    }
    free (answer.data);
    *note = status == 404 || status == 400 ? "o WhatsApp não tem mais este arquivo"
                                           : "o WhatsApp não deu o endereço do arquivo";
    if (rc != S_OK)
        return rc;
    if (info->file_size >= 0 && (uint64_t) info->file_size > self->max_file) {
        snprintf (why, why_size, "file_size %lld over %llu", (long long) info->file_size,
                  (unsigned long long) self->max_file);
        return S_TOO_LARGE;
    }
    file->max = self->max_file;
    rc = s_get (self, info->url, file, &status, why, why_size);
    *note = status == 404 || status == 410 ? "o endereço de download do WhatsApp expirou"
                                           : "o WhatsApp recusou o download";
    if (rc != S_OK)
        return rc;
    bool is_checked;
    if (!gateway_wa_media_sha256_ok (file->data, file->len, info->sha256, m->sha256,
                                     &is_checked)) {
        snprintf (why, why_size, "sha256 mismatch (%zu bytes)", file->len);
        *note = "o conteúdo baixado não confere com o SHA-256 informado pelo WhatsApp";
        return S_LOST;
    }
    if (!is_checked)
        snprintf (why, why_size, "sha256 unchecked: Meta gave none");
    return S_OK;
}

bool
gateway_wa_media_add (gateway_wa_media_t *self, const gateway_wa_message_t *m,
                      Balcao__V1__Submit *submit, gateway_wa_media_part_t *part)
{
    memset (part, 0, sizeof *part);
    if (!m->media_id || !*m->media_id || !self->token)
        return true;
    gateway_wa_media_info_t info;
    s_body_t file = {.length = -1};
    char why[160] = "", name[256];
    const char *note = "";
    int64_t started = bc_mono_ms ();
    s_result_t rc = s_fetch (self, m, &info, &file, why, sizeof why, &note);
    const char *mime = *info.mime_type ? info.mime_type : m->mime_type;
    gateway_wa_media_name (m->type, m->media_id, mime, m->filename, name, sizeof name);
    char wamid[96], media_id[96], reason[200];
    bc_log_clean (m->wamid, wamid, sizeof wamid);
    bc_log_clean (m->media_id, media_id, sizeof media_id);
    bc_log_clean (why, reason, sizeof reason);
    static const char *const results[] = {"stored", "retry", "too_large", "lost"};
    bc_log (rc == S_OK ? BC_LOG_INFO : BC_LOG_WARN,
        "event=whatsapp_media wamid=%s media_id=%s result=%s bytes=%zu file_size=%lld ms=%lld "
        "reason=\"%s\"",
        wamid, media_id, results[rc], file.len, (long long) info.file_size,
        (long long) (bc_mono_ms () - started), reason);
    if (rc == S_OK) {
        balcao__v1__submit_file__init (&part->file);
        snprintf (part->filename, sizeof part->filename, "%s", name);
        part->file.filename = part->filename;
        snprintf (part->content_type, sizeof part->content_type, "%s",
                  *mime ? mime : "application/octet-stream");
        part->file.content_type = part->content_type;
        part->file.content.data = file.data;
        part->file.content.len = file.len;
        part->files[0] = &part->file;
        submit->files = part->files;
        submit->n_files = 1;
        return true;
    }
    free (file.data);
    if (rc == S_RETRY)
        return false;
    if (rc == S_TOO_LARGE) {
        /* Announced, or found while downloading: at least over the limit. */
        int64_t size = info.file_size > file.length ? info.file_size : file.length;
        if (size <= (int64_t) self->max_file)
            size = (int64_t) self->max_file + 1;
        gateway_wa_media_describe (name, (uint64_t) size, part->refused_text,
                                   sizeof part->refused_text);
        part->refused[0] = part->refused_text;
        submit->refused_files = part->refused;
        submit->n_refused_files = 1;
        return true;
    }
    /* Lost for good: the message goes without it, and says so. */
    const char *text = submit->body ? submit->body : "";
    size_t size = strlen (text) + strlen (name) + strlen (note) + 160;
    part->body = malloc (size);
    if (!part->body)
        return false;
    snprintf (part->body, size,
              "%s%s[Arquivo não recebido: %s (%s). Peça ao cliente que o envie de novo.]", text,
              *text ? "\n" : "", name, note);
    submit->body = part->body;
    return true;
}

void
gateway_wa_media_part_clear (gateway_wa_media_part_t *part)
{
    free (part->file.content.data);
    free (part->body);
    memset (part, 0, sizeof *part);
}

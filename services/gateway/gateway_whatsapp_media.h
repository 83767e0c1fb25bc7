/* gateway_whatsapp_media: the file of a WhatsApp media message (image,
 * document, audio or voice, video, sticker), downloaded from the Graph API
 * so that it reaches intake as a Submit file, like an e-mail attachment.
 *
 * Two calls, each with the access token (gateway/whatsapp/token_file):
 * GET <api_url>/<media id> answers the download URL, the MIME type, the
 * size and the hex SHA-256 of the file; GET <url> gives the bytes. A file
 * over the per-file limit (intake's: intake/max_attachment_bytes, no more
 * than intake/max_message_attachments_bytes nor what intake takes on the
 * bus) is not downloaded; bytes whose SHA-256 is not Meta's are refused.
 * It blocks for up to gateway/whatsapp/media_timeout_ms per call, so it
 * runs on the webhook request's worker thread (gateway_worker.h), never
 * on libmicrohttpd's event loop.
 *
 * Config: gateway/whatsapp/{api_url, token_file, media_timeout_ms}. Without
 * a token the media are not downloaded (the message keeps its note with
 * the media id, as before). */
#ifndef GATEWAY_WHATSAPP_MEDIA_H
#define GATEWAY_WHATSAPP_MEDIA_H

#include "balcao/v1/intake.pb-c.h"
#include "bc_config.h"
#include "gateway_whatsapp_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gateway_wa_media_t gateway_wa_media_t;

/* NULL only without memory. Logs whether downloads are on. Call it before
 * the gateway starts threads (it initializes libcurl). */
gateway_wa_media_t *gateway_wa_media_new (bc_config_t *config);
void gateway_wa_media_destroy (gateway_wa_media_t **self_p);

/* What a media message adds to its Submit; lives until the Submit is sent. */
typedef struct {
    Balcao__V1__SubmitFile file;
    Balcao__V1__SubmitFile *files[1];
    char filename[256];
    char content_type[128];
    char *refused[1];
    char refused_text[320];
    char *body; /* the text with the note of a lost file, or NULL */
} gateway_wa_media_part_t;

/* Downloads m's file (when m is a media message and downloads are on) and
 * points submit at it through part: submit->files (the bytes), or
 * submit->refused_files (over the limit: "name (30.0 MB)"), or, when
 * Meta cannot give it (404, a SHA-256 that does not match, an unreadable
 * answer), submit->body with a note saying the file was lost. False when
 * it could not ask now (no answer, a timeout, 5xx, 429, our token refused):
 * nothing to send; answer 503 so Meta retries. Clear part either way. */
bool gateway_wa_media_add (gateway_wa_media_t *self, const gateway_wa_message_t *m,
                           Balcao__V1__Submit *submit, gateway_wa_media_part_t *part);
void gateway_wa_media_part_clear (gateway_wa_media_part_t *part);

/* Pure helpers (unit-tested). */

/* Graph's answer to GET /<media id>. */
typedef struct {
    char url[2048];
    char mime_type[128];
    char sha256[65];   /* as Meta gave it; "" when absent */
    int64_t file_size; /* -1 when absent */
} gateway_wa_media_info_t;

/* Reads the JSON answer of GET /<media id>: 0, or -1 when it is not JSON,
 * not an object, or has no http(s) url. */
int gateway_wa_media_info_read (const char *json, size_t len, gateway_wa_media_info_t *info);

/* The name the file gets: the document's own (its last path part, without
 * control characters), else "<kind>-<media id>.<extension of mime_type>"
 * with kind "imagem", "documento", "audio", "video" or "figurinha"
 * ("imagem-65463453.jpg"). Always NUL-terminated, never empty. */
void gateway_wa_media_name (const char *type, const char *media_id, const char *mime_type,
                            const char *filename, char *out, size_t size);

/* Whether data's SHA-256 is the one Meta gave: hex (64 hex digits, the
 * Graph answer's) when well formed, else b64 (the webhook's base64) when
 * it decodes to 32 bytes. *is_checked: false when neither was a SHA-256
 * (then the answer is true: nothing to refuse against). */
bool gateway_wa_media_sha256_ok (const uint8_t *data, size_t len, const char *hex,
                                 const char *b64, bool *is_checked);

/* "name (12 KB)" or "name (30.0 MB)", as intake names the files it leaves
 * out. */
void gateway_wa_media_describe (const char *name, uint64_t size, char *out, size_t out_size);

#endif

/* gateway_webpath: the portal's hand-read inputs, checked before anything
 * trusts them: a static file's path, an SSE Last-Event-ID, a knowledge-base
 * article id and a client_ref. Pure functions over bytes (no I/O), fuzzed
 * by tests/fuzz/fuzz_webpath.c. */
#ifndef GATEWAY_WEBPATH_H
#define GATEWAY_WEBPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A URL path (already unescaped, starting with '/') as a file path
 * relative to the web root: segments of printable ASCII other than '\\',
 * no empty segment, none that is "." or "..", none starting with '.'
 * (no dotfiles), at most `size - 1` bytes. "/" gives "" (the index). True
 * with the relative path in out, or false (serve index.html, never a
 * file). */
bool gateway_webpath_clean (const char *url, char *out, size_t size);

/* An SSE Last-Event-ID (or ?last_event_id=): a router sequence number in
 * canonical decimal, 0 to 2^64-1 (0: from the start of the log). True with
 * *seq set, or false. */
bool gateway_webpath_event_id (const char *text, uint64_t *seq);

/* A knowledge-base article id (bc_article_id_check: 1 to 128 characters
 * of UTF-8, no control character, space, '/' or '\\', no leading '.'),
 * as it comes from an unescaped URL or a JSON body. */
bool gateway_webpath_article_id (const char *text);

/* A client_ref: 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_' (a UUID
 * fits). */
bool gateway_webpath_client_ref (const char *text);

#endif

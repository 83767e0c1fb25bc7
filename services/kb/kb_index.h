/* kb_index: the Xapian full-text index behind a C API (the only C++ in
 * Balcão is kb_index.cc). Portuguese stemming; one document per ticket. */
#ifndef KB_INDEX_H
#define KB_INDEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kb_index_t kb_index_t;

typedef struct {
    uint64_t ticket;
    double score;
    char subject[256];
} kb_hit_t;

/* Opens (creating) the index in directory path. NULL with a sentence in err
 * on failure. */
kb_index_t *kb_index_open (const char *path, char *err, size_t err_size);
void kb_index_close (kb_index_t **self_p);

/* Indexes (or re-indexes) a ticket's subject and first message. Idempotent. */
int kb_index_put_ticket (kb_index_t *self, uint64_t ticket, const char *subject,
                         const char *body);
/* Adds a later message's text to a ticket already indexed. */
int kb_index_add_text (kb_index_t *self, uint64_t ticket, const char *text);
/* Makes what was indexed durable. Returns 0 or -1. */
int kb_index_commit (kb_index_t *self);
/* Best matches for a free-text query, at most max. Returns the number of
 * hits written, or -1. */
int kb_index_search (kb_index_t *self, const char *query, kb_hit_t *hits, int max,
                     uint64_t *estimated);
/* The last error, for logs. */
const char *kb_index_error (kb_index_t *self);

#ifdef __cplusplus
}
#endif
#endif

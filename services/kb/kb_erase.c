/* kb_erase: kb's part of an LGPD erasure (docs/ARCHITECTURE.md, "LGPD:
 * export and erasure"). On the router's PersonErased: kb's records of the
 * subject's tickets lose their texts, notes, subject and customer and are
 * indexed again; the bot's conversations with the subject go, and the
 * knowledge-base gaps whose query names them; kb's log, stored replies and
 * quarantine are scrubbed. After the commit the LMDB store and the
 * tickets' Xapian index are compacted: neither keeps an old copy in a free
 * page or block. A mark file (tickets-compact.pending) makes a restart
 * finish the index's compaction. A read replica does the same for its own
 * copy (it has no bot). */
#include "kb_internal.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_scrub.h"
#include "bc_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
s_mark (kb_t *self, char *path, size_t size)
{
    snprintf (path, size, "%s/tickets-compact.pending", bc_service_dir (self->svc));
}

/* gaps: a key (day ‖ folded query) that names the subject. */
static int
s_pick_key (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) v;
    return bc_scrub_mentions (arg, k->mv_data, k->mv_size);
}

typedef struct {
    const bc_scrub_t *scrub;
    unsigned char (*asked)[KB_GAP_KEY_MAX]; /* the gaps' keys of what they asked */
    size_t *asked_len;
    size_t nasked;
} s_conv_t;

/* What the subject asked the bot: the gaps' keys (after the day) of it. */
static void
s_note_asked (s_conv_t *p, const char *text)
{
    unsigned char key[KB_GAP_KEY_MAX];
    size_t len = text ? kb_gap_key (text, key) : 0;
    if (!len)
        return;
    unsigned char (*a)[KB_GAP_KEY_MAX] = realloc (p->asked, (p->nasked + 1) * sizeof *a);
    size_t *l = a ? realloc (p->asked_len, (p->nasked + 1) * sizeof *l) : NULL;
    if (a)
        p->asked = a;
    if (!l)
        return;
    p->asked_len = l;
    memcpy (p->asked[p->nasked], key, len);
    p->asked_len[p->nasked++] = len;
}

/* bot_conv: a conversation with the subject (its address) or on one of
 * their tickets; what they asked in it is noted. */
static int
s_pick_conv (const MDB_val *k, const MDB_val *v, void *arg)
{
    s_conv_t *p = arg;
    Balcao__V1__BotConversation *c = balcao__v1__bot_conversation__unpack (NULL, v->mv_size,
                                                                           v->mv_data);
    int mine = (!bc_scrub_is_owned_only (p->scrub)
                && bc_scrub_mentions (p->scrub, k->mv_data, k->mv_size))
               || (c && bc_scrub_has_ticket (p->scrub, c->ticket));
    for (size_t i = 0; mine && c && i < c->n_transcript; i++)
        if (strcmp (c->transcript[i]->who, "customer") == 0)
            s_note_asked (p, c->transcript[i]->text);
    if (mine && c)
        s_note_asked (p, c->question);
    if (c)
        balcao__v1__bot_conversation__free_unpacked (c, NULL);
    return mine;
}

/* gaps: a query the subject asked the bot (any day). */
static int
s_pick_asked (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) v;
    const s_conv_t *p = arg;
    for (size_t i = 0; k->mv_size > 4 && i < p->nasked; i++)
        if (k->mv_size == p->asked_len[i]
            && memcmp ((const char *) k->mv_data + 4, p->asked[i] + 4, k->mv_size - 4) == 0)
            return 1;
    return 0;
}

static int
s_has_hash (const Balcao__V1__PersonErased *pe, const char *text)
{
    char hex[65];
    bc_scrub_subject_hash (text, hex);
    for (size_t i = 0; i < pe->n_text_hashes; i++)
        if (strcmp (pe->text_hashes[i], hex) == 0)
            return 1;
    return 0;
}

/* What the subject wrote on other people's tickets: in kb's record of each
 * such ticket, the text whose hash the router sent gives way. */
static int
s_touched (kb_t *self, MDB_txn *txn, const bc_envelope_t *ev, const bc_scrub_t *scrub,
           unsigned *indexed)
{
    Balcao__V1__PersonErased *pe = (Balcao__V1__PersonErased *) bc_envelope_payload (
        ev, &balcao__v1__person_erased__descriptor);
    int rc = 0;
    for (size_t i = 0; pe && i < pe->n_touched && rc == 0; i++) {
        Balcao__V1__KbTicket *t = kb_ticket_get (self, txn, pe->touched[i]);
        if (!t)
            continue;
        int changed = bc_scrub_message (scrub, &t->base);
        char **lists[2] = {t->texts, t->notes};
        size_t counts[2] = {t->n_texts, t->n_notes};
        for (int l = 0; l < 2; l++)
            for (size_t k = 0; k < counts[l]; k++)
                if (s_has_hash (pe, lists[l][k])) {
                    free (lists[l][k]);
                    lists[l][k] = strdup (BC_SCRUB_TEXT);
                    changed = 1;
                }
        if (changed) {
            rc = kb_ticket_put (self, txn, t);
            (*indexed)++;
        }
        balcao__v1__kb_ticket__free_unpacked (t, NULL);
    }
    if (pe)
        balcao__v1__person_erased__free_unpacked (pe, NULL);
    return rc;
}

int
kb_erase (kb_t *self, bc_tx_t *tx, const bc_envelope_t *ev)
{
    bc_scrub_t *scrub = bc_scrub_from_event (ev->payload.data, ev->payload.len);
    if (!scrub)
        return bc_tx_fail (tx, "PersonErased that does not decode");
    MDB_txn *txn = bc_tx_txn (tx);
    const uint64_t *tickets;
    size_t nt = bc_scrub_tickets (scrub, &tickets);
    int rc = 0;
    for (size_t i = 0; i < nt; i++) {
        Balcao__V1__KbTicket *t = kb_ticket_get (self, txn, tickets[i]);
        if (t) {
            bc_scrub_learn (scrub, &t->base);
            balcao__v1__kb_ticket__free_unpacked (t, NULL);
        }
    }
    if ((rc = bc_tx_scrub_learn (tx, scrub)))
        goto done;
    unsigned indexed = 0, dropped = 0;
    for (size_t i = 0; i < nt && rc == 0; i++) {
        Balcao__V1__KbTicket *t = kb_ticket_get (self, txn, tickets[i]);
        if (!t)
            continue;
        bc_scrub_owned (scrub, &t->base);
        rc = kb_ticket_put (self, txn, t);
        balcao__v1__kb_ticket__free_unpacked (t, NULL);
        if (rc == -1) {
            rc = kb_index_failed (tx, self->tickets);
            goto done;
        }
        indexed++;
    }
    if (rc == 0)
        rc = s_touched (self, txn, ev, scrub, &indexed);
    if (rc == -1) {
        rc = kb_index_failed (tx, self->tickets);
        goto done;
    }
    s_conv_t conv = {scrub, NULL, NULL, 0};
    if (rc == 0 && !self->is_replica)
        rc = bc_store_delete_where (txn, bc_service_dbi (self->svc, "bot_conv"), s_pick_conv,
                                    &conv, &dropped);
    if (rc == 0 && !bc_scrub_is_owned_only (scrub))
        rc = bc_store_delete_where (txn, self->db_gaps, s_pick_key, scrub, &dropped);
    if (rc == 0 && conv.nasked)
        rc = bc_store_delete_where (txn, self->db_gaps, s_pick_asked, &conv, &dropped);
    free (conv.asked);
    free (conv.asked_len);
    uint64_t changed = 0;
    if (rc == 0)
        rc = bc_tx_scrub (tx, scrub, &changed);
    if (rc == 0) {
        char path[4200];
        s_mark (self, path, sizeof path);
        bc_store_mark (path);
        self->erase_compact_due = 1;
        bc_tx_compact_after (tx);
        bc_info ("event=person_erased erasure=%s tickets=%u records_dropped=%u "
                 "records_rewritten=%llu",
                 bc_scrub_label (scrub) + 8, indexed, dropped, (unsigned long long) changed);
    }
done:
    bc_scrub_destroy (&scrub);
    return rc;
}

void
kb_erase_compact_if_due (kb_t *self, int at_start)
{
    /* After every commit: only the flag; the mark file at start. */
    if (!at_start && !self->erase_compact_due)
        return;
    char path[4200];
    s_mark (self, path, sizeof path);
    if (!self->erase_compact_due && access (path, F_OK) != 0)
        return;
    int64_t started = bc_mono_ms ();
    uint64_t before = kb_index_bytes (self->tickets);
    if (kb_index_compact (self->tickets)) {
        bc_error ("event=index_compact_failed index=tickets reason=\"%s\" what_to_do=\"kb "
                  "compacts the index again when it starts\"",
                  kb_index_error (self->tickets));
        return;
    }
    unlink (path);
    self->erase_compact_due = 0;
    bc_info ("event=index_compacted index=tickets reason=erasure bytes_before=%llu "
             "bytes_after=%llu ms=%lld",
             (unsigned long long) before, (unsigned long long) kb_index_bytes (self->tickets),
             (long long) (bc_mono_ms () - started));
    if (kb_index_warm (self->tickets))
        bc_warn ("event=index_warm_failed reason=\"%s\"", kb_index_error (self->tickets));
}

/* gateway_store: the records of accounts, staff credentials, sessions and
 * links in the gateway's LMDB, each as a small JSON object (jansson), each
 * call one short transaction. The map is made large once
 * (gateway/db_map_bytes, sparse): growing it needs every thread's
 * transactions closed, which a server with a thread per connection cannot
 * promise. */
#include "gateway_store.h"
#include "gateway_store_internal.h"

#include "gateway_seal.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const s_dbs[] = {"accounts", "sessions", "by_address", "tokens", "meta",
                                    "staff", "chats"};

const char *
gateway_store_strerror (int rc)
{
    return bc_store_strerror (rc);
}

/* The secret: read, or made and stored on the first start. */
static int
s_secret (gateway_store_t *self)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    MDB_val k = {6, "secret"}, v;
    rc = mdb_get (txn, self->meta, &k, &v);
    if (rc == 0 && v.mv_size == sizeof self->secret) {
        memcpy (self->secret, v.mv_data, sizeof self->secret);
        bc_store_txn_abort (self->store, txn);
        return 0;
    }
    randombytes_buf (self->secret, sizeof self->secret);
    v = (MDB_val) {sizeof self->secret, self->secret};
    rc = mdb_put (txn, self->meta, &k, &v, 0);
    if (rc) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    return bc_store_txn_commit (self->store, txn);
}

static int s_seal_old (gateway_store_t *self);

gateway_store_t *
gateway_store_new (bc_config_t *config)
{
    if (sodium_init () < 0)
        return NULL;
    char dflt[4096];
    snprintf (dflt, sizeof dflt, "%s/gateway/db", bc_config_data_dir (config));
    const char *dir = bc_config_str (config, "gateway/db_dir", dflt);
    gateway_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    int rc = bc_dir_ensure (dir);
    if (rc == 0 && chmod (dir, 0700) != 0)
        rc = errno;
    if (rc == 0)
        rc = bc_store_open (&self->store, dir, s_dbs, 7,
                            (size_t) bc_config_int (config, "gateway/db_map_bytes", 1LL << 30));
    if (rc) {
        bc_error ("event=store_open_failed dir=%s reason=\"%s\"", dir, bc_store_strerror (rc));
        gateway_store_destroy (&self);
        return NULL;
    }
    self->accounts = bc_store_dbi (self->store, "accounts");
    self->sessions = bc_store_dbi (self->store, "sessions");
    self->by_address = bc_store_dbi (self->store, "by_address");
    self->tokens = bc_store_dbi (self->store, "tokens");
    self->meta = bc_store_dbi (self->store, "meta");
    self->staff = bc_store_dbi (self->store, "staff");
    self->chats = bc_store_dbi (self->store, "chats");
    char path[4200];
    snprintf (path, sizeof path, "%s/data.mdb", dir);
    chmod (path, 0600);
    snprintf (path, sizeof path, "%s/lock.mdb", dir);
    chmod (path, 0600);
    rc = s_secret (self);
    if (rc) {
        bc_error ("event=store_open_failed dir=%s reason=\"%s\"", dir, bc_store_strerror (rc));
        gateway_store_destroy (&self);
        return NULL;
    }
    if (gateway_seal_key_load (config, self->seal_key) || s_seal_old (self)) {
        gateway_store_destroy (&self);
        return NULL;
    }
    return self;
}

void
gateway_store_destroy (gateway_store_t **self_p)
{
    gateway_store_t *self = *self_p;
    if (!self)
        return;
    bc_store_destroy (&self->store);
    sodium_memzero (self->secret, sizeof self->secret);
    sodium_memzero (self->seal_key, sizeof self->seal_key);
    free (self);
    *self_p = NULL;
}

const unsigned char *
gateway_store_secret (gateway_store_t *self)
{
    return self->secret;
}

/* ---- JSON values ---- */

static int
s_put_json (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, json_t *value)
{
    char *text = json_dumps (value, JSON_COMPACT);
    json_decref (value);
    if (!text)
        return ENOMEM;
    MDB_val k = {klen, (void *) key}, v = {strlen (text), text};
    int rc = mdb_put (txn, dbi, &k, &v, 0);
    free (text);
    return rc;
}

static json_t *
s_get_json (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, int *rc)
{
    MDB_val k = {klen, (void *) key}, v;
    *rc = mdb_get (txn, dbi, &k, &v);
    if (*rc)
        return NULL;
    json_t *value = json_loadb (v.mv_data, v.mv_size, 0, NULL);
    if (!json_is_object (value)) {
        json_decref (value);
        *rc = MDB_CORRUPTED;
        return NULL;
    }
    return value;
}

static void
s_copy (char *out, size_t size, json_t *obj, const char *field)
{
    const char *s = json_string_value (json_object_get (obj, field));
    snprintf (out, size, "%s", s ? s : "");
}

static int64_t
s_int (json_t *obj, const char *field)
{
    return (int64_t) json_integer_value (json_object_get (obj, field));
}

int
gateway_store_end (gateway_store_t *self, MDB_txn *txn, int rc)
{
    if (rc) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    return bc_store_txn_commit (self->store, txn);
}

/* ---- accounts ---- */

int
gateway_store_account_get (gateway_store_t *self, const char *address, gateway_account_t *out)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    json_t *a = s_get_json (txn, self->accounts, address, strlen (address), &rc);
    bc_store_txn_abort (self->store, txn);
    if (!a)
        return rc;
    memset (out, 0, sizeof *out);
    snprintf (out->address, sizeof out->address, "%s", address);
    s_copy (out->name, sizeof out->name, a, "name");
    s_copy (out->language, sizeof out->language, a, "language");
    s_copy (out->hash, sizeof out->hash, a, "hash");
    out->confirmed = json_is_true (json_object_get (a, "confirmed"));
    out->created_us = s_int (a, "created_us");
    json_decref (a);
    return 0;
}

int
gateway_store_account_put (gateway_store_t *self, const gateway_account_t *a)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    rc = s_put_json (txn, self->accounts, a->address, strlen (a->address),
                     json_pack ("{s:s, s:s, s:s, s:b, s:I}", "name", a->name, "language",
                                a->language, "hash", a->hash, "confirmed", a->confirmed,
                                "created_us", (json_int_t) a->created_us));
    return gateway_store_end (self, txn, rc);
}

/* ---- staff credentials ---- */

/* ---- staff ---- */

/* The field of record a, opened (gateway_seal) into out. */
static bool
s_unseal (gateway_store_t *self, const char *address, json_t *a, const char *field, char *out,
          size_t size)
{
    const char *stored = json_string_value (json_object_get (a, field));
    return gateway_seal_open (self->seal_key, address, stored ? stored : "", out, size);
}

/* Seals the TOTP seeds stored before sealing existed (at each start; once
 * done there are none). */
static int
s_seal_old (gateway_store_t *self)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->staff, &cur))) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    MDB_val k, v;
    unsigned sealed = 0;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        json_t *a = json_loadb (v.mv_data, v.mv_size, 0, NULL);
        char address[GATEWAY_ADDRESS_MAX + 1];
        snprintf (address, sizeof address, "%.*s", (int) k.mv_size, (const char *) k.mv_data);
        bool changed = false;
        static const char *const fields[] = {"totp", "totp_pending"};
        for (int i = 0; a && i < 2; i++) {
            const char *value = json_string_value (json_object_get (a, fields[i]));
            if (value && *value && !gateway_seal_is_sealed (value)) {
                char *box = gateway_seal (self->seal_key, address, value);
                json_object_set_new (a, fields[i], json_string (box));
                free (box);
                changed = true;
            }
        }
        if (changed) {
            char *text = json_dumps (a, JSON_COMPACT);
            /* bc_cursor_replace: the key copied before LMDB shifts the page. */
            rc = text ? bc_cursor_replace (cur, &k, text, strlen (text)) : ENOMEM;
            if (text)
                sodium_memzero (text, strlen (text));
            free (text);
            sealed++;
        }
        json_decref (a);
        if (rc)
            break;
    }
    mdb_cursor_close (cur);
    if (rc && rc != MDB_NOTFOUND) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    rc = bc_store_txn_commit (self->store, txn);
    if (rc == 0 && sealed)
        bc_info ("event=totp_seeds_sealed count=%u", sealed);
    return rc;
}

int
gateway_store_staff_get (gateway_store_t *self, const char *address, gateway_staff_t *out)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    json_t *a = s_get_json (txn, self->staff, address, strlen (address), &rc);
    bc_store_txn_abort (self->store, txn);
    if (!a)
        return rc;
    memset (out, 0, sizeof *out);
    snprintf (out->address, sizeof out->address, "%s", address);
    s_copy (out->language, sizeof out->language, a, "language");
    s_copy (out->hash, sizeof out->hash, a, "hash");
    out->totp_step = s_int (a, "totp_step");
    out->created_us = s_int (a, "created_us");
    bool opened = s_unseal (self, address, a, "totp", out->totp, sizeof out->totp)
                  && s_unseal (self, address, a, "totp_pending", out->totp_pending,
                               sizeof out->totp_pending);
    json_decref (a);
    if (!opened) {
        char clean[GATEWAY_ADDRESS_MAX + 1];
        bc_error ("event=totp_seed_unreadable address=%s what_to_do=\"the seal key file is not "
                  "the one the seed was sealed with: restore it, or an admin resets this "
                  "person's access\"",
                  bc_log_clean (address, clean, sizeof clean));
        out->totp[0] = out->totp_pending[0] = 0;
        return GATEWAY_STORE_UNSEALED;
    }
    return 0;
}

int
gateway_store_staff_put (gateway_store_t *self, const gateway_staff_t *a)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    char *totp = gateway_seal (self->seal_key, a->address, a->totp);
    char *pending = gateway_seal (self->seal_key, a->address, a->totp_pending);
    rc = s_put_json (txn, self->staff, a->address, strlen (a->address),
                     json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I}", "language", a->language, "hash",
                                a->hash, "totp", totp, "totp_pending", pending, "totp_step",
                                (json_int_t) a->totp_step, "created_us",
                                (json_int_t) a->created_us));
    free (totp);
    free (pending);
    return gateway_store_end (self, txn, rc);
}

int
gateway_store_staff_use_step (gateway_store_t *self, const char *address, int64_t step)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    json_t *a = s_get_json (txn, self->staff, address, strlen (address), &rc);
    if (!a) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    if (s_int (a, "totp_step") >= step) {
        json_decref (a);
        bc_store_txn_abort (self->store, txn);
        return MDB_KEYEXIST;
    }
    json_object_set_new (a, "totp_step", json_integer ((json_int_t) step));
    return gateway_store_end (self, txn, s_put_json (txn, self->staff, address, strlen (address), a));
}

/* ---- one-time links ---- */

int
gateway_store_link_add (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                        const gateway_link_t *l)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    rc = s_put_json (txn, self->tokens, key, GATEWAY_KEY_SIZE,
                     json_pack ("{s:s, s:s, s:s, s:s, s:s, s:I}", "kind", l->kind, "address",
                                l->address, "name", l->name, "language", l->language, "hash",
                                l->hash, "expires_us", (json_int_t) l->expires_us));
    /* Forget a few expired links on the way, so the table holds about the
     * links of the last gateway/link_minutes without a periodic scan. */
    MDB_cursor *cur;
    if (rc == 0 && mdb_cursor_open (txn, self->tokens, &cur) == 0) {
        MDB_val k = {GATEWAY_KEY_SIZE, (void *) key}, v;
        int crc = mdb_cursor_get (cur, &k, &v, MDB_SET);
        for (int i = 0; crc == 0 && rc == 0 && i < 4; i++) {
            crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
            if (crc == MDB_NOTFOUND)
                crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
            if (crc || (k.mv_size == GATEWAY_KEY_SIZE && memcmp (k.mv_data, key, k.mv_size) == 0))
                break;
            json_t *other = json_loadb (v.mv_data, v.mv_size, 0, NULL);
            if (!other || s_int (other, "expires_us") < bc_now_us ())
                rc = mdb_cursor_del (cur, 0);
            json_decref (other);
        }
        mdb_cursor_close (cur);
    }
    return gateway_store_end (self, txn, rc);
}

int
gateway_store_link_take (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                         const char *kind, int64_t now_us, gateway_link_t *out)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    json_t *l = s_get_json (txn, self->tokens, key, GATEWAY_KEY_SIZE, &rc);
    if (!l) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    const char *its_kind = json_string_value (json_object_get (l, "kind"));
    if (!its_kind || strcmp (its_kind, kind) != 0) {
        /* Another kind's link, shown where it does not belong: it stays
         * good where it does. */
        json_decref (l);
        bc_store_txn_abort (self->store, txn);
        return MDB_NOTFOUND;
    }
    memset (out, 0, sizeof *out);
    s_copy (out->kind, sizeof out->kind, l, "kind");
    s_copy (out->address, sizeof out->address, l, "address");
    s_copy (out->name, sizeof out->name, l, "name");
    s_copy (out->language, sizeof out->language, l, "language");
    s_copy (out->hash, sizeof out->hash, l, "hash");
    out->expires_us = s_int (l, "expires_us");
    json_decref (l);
    MDB_val k = {GATEWAY_KEY_SIZE, (void *) key};
    rc = gateway_store_end (self, txn, mdb_del (txn, self->tokens, &k, NULL));
    if (rc == 0 && out->expires_us <= now_us)
        rc = MDB_NOTFOUND; /* expired: gone, and refused */
    if (rc)
        sodium_memzero (out, sizeof *out);
    return rc;
}

/* ---- sessions ---- */

/* Whose session it is, for the by_address index: a staff principal, or
 * a customer's address (customers' sessions never had a principal). */
static const char *
s_owner (const char *address, const char *principal)
{
    return principal && *principal && strncmp (principal, "customer:", 9) != 0 ? principal
                                                                               : address;
}

/* owner 0x00 key: one session of the owner. */
#define S_INDEX_KEY_MAX (GATEWAY_PRINCIPAL_MAX + 1 + GATEWAY_KEY_SIZE)
static size_t
s_index_key (unsigned char *out, const char *owner, const unsigned char *key)
{
    size_t n = strlen (owner);
    if (n > GATEWAY_PRINCIPAL_MAX)
        n = GATEWAY_PRINCIPAL_MAX;
    memcpy (out, owner, n);
    out[n] = 0;
    memcpy (out + n + 1, key, GATEWAY_KEY_SIZE);
    return n + 1 + GATEWAY_KEY_SIZE;
}

int
gateway_store_session_put (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                           const gateway_session_t *s)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    json_t *record =
        json_pack ("{s:s, s:s, s:I, s:I}", "address", s->address, "csrf", s->csrf, "created_us",
                   (json_int_t) s->created_us, "seen_us", (json_int_t) s->seen_us);
    const char *owner = s_owner (s->address, s->principal);
    if (owner != s->address) {
        json_object_set_new (record, "principal", json_string (s->principal));
        json_object_set_new (record, "name", json_string (s->name));
    }
    rc = s_put_json (txn, self->sessions, key, GATEWAY_KEY_SIZE, record);
    unsigned char ik[S_INDEX_KEY_MAX];
    MDB_val k = {s_index_key (ik, owner, key), ik}, v = {0, ""};
    if (rc == 0)
        rc = mdb_put (txn, self->by_address, &k, &v, 0);
    return gateway_store_end (self, txn, rc);
}

int
gateway_store_session_get (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                           gateway_session_t *out)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    json_t *s = s_get_json (txn, self->sessions, key, GATEWAY_KEY_SIZE, &rc);
    bc_store_txn_abort (self->store, txn);
    if (!s)
        return rc;
    s_copy (out->address, sizeof out->address, s, "address");
    s_copy (out->csrf, sizeof out->csrf, s, "csrf");
    out->created_us = s_int (s, "created_us");
    out->seen_us = s_int (s, "seen_us");
    s_copy (out->principal, sizeof out->principal, s, "principal");
    s_copy (out->name, sizeof out->name, s, "name");
    if (!*out->principal) /* a customer's (sessions before staff had none) */
        snprintf (out->principal, sizeof out->principal, "customer:%s", out->address);
    json_decref (s);
    return 0;
}

int
gateway_store_session_touch (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                             int64_t seen_us)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    json_t *s = s_get_json (txn, self->sessions, key, GATEWAY_KEY_SIZE, &rc);
    if (!s) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    json_object_set_new (s, "seen_us", json_integer ((json_int_t) seen_us));
    return gateway_store_end (self, txn, s_put_json (txn, self->sessions, key, GATEWAY_KEY_SIZE, s));
}

static int
s_session_del (gateway_store_t *self, MDB_txn *txn, const unsigned char *key)
{
    int rc;
    json_t *s = s_get_json (txn, self->sessions, key, GATEWAY_KEY_SIZE, &rc);
    if (!s)
        return rc;
    const char *address = json_string_value (json_object_get (s, "address"));
    const char *owner = s_owner (address, json_string_value (json_object_get (s, "principal")));
    unsigned char ik[S_INDEX_KEY_MAX];
    MDB_val k = {GATEWAY_KEY_SIZE, (void *) key};
    rc = mdb_del (txn, self->sessions, &k, NULL);
    if (rc == 0 && owner && strlen (owner) <= GATEWAY_PRINCIPAL_MAX) {
        MDB_val ikv = {s_index_key (ik, owner, key), ik};
        rc = mdb_del (txn, self->by_address, &ikv, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    json_decref (s);
    return rc;
}

int
gateway_store_session_del (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE])
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    rc = s_session_del (self, txn, key);
    if (rc == MDB_NOTFOUND) {
        bc_store_txn_abort (self->store, txn);
        return 0;
    }
    return gateway_store_end (self, txn, rc);
}

int
gateway_store_sessions_end (gateway_store_t *self, const char *owner, const unsigned char *keep,
                            unsigned *ended)
{
    if (ended)
        *ended = 0;
    const char *address = owner;
    size_t alen = strlen (address);
    if (alen > GATEWAY_PRINCIPAL_MAX)
        return MDB_NOTFOUND;
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->by_address, &cur))) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    /* Collect the address's session keys, then delete each session. */
    unsigned char prefix[GATEWAY_PRINCIPAL_MAX + 1];
    memcpy (prefix, address, alen);
    prefix[alen] = 0;
    MDB_val k = {alen + 1, prefix}, v;
    unsigned char (*keys)[GATEWAY_KEY_SIZE] = NULL;
    size_t n = 0, cap = 0;
    int crc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (crc == 0 && k.mv_size == alen + 1 + GATEWAY_KEY_SIZE &&
           memcmp (k.mv_data, prefix, alen + 1) == 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            void *grown = realloc (keys, cap * GATEWAY_KEY_SIZE);
            if (!grown) {
                rc = ENOMEM;
                break;
            }
            keys = grown;
        }
        memcpy (keys[n++], (unsigned char *) k.mv_data + alen + 1, GATEWAY_KEY_SIZE);
        crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (keep && memcmp (keys[i], keep, GATEWAY_KEY_SIZE) == 0)
            continue;
        rc = s_session_del (self, txn, keys[i]);
        if (rc == MDB_NOTFOUND) {
            /* An index entry left without its session: drop it too. */
            unsigned char ik[S_INDEX_KEY_MAX];
            MDB_val ikv = {s_index_key (ik, address, keys[i]), ik};
            rc = mdb_del (txn, self->by_address, &ikv, NULL);
        }
        else if (rc == 0 && ended)
            (*ended)++;
    }
    free (keys);
    return gateway_store_end (self, txn, rc);
}

int
gateway_store_sessions_prune (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                              int64_t seen_before, int64_t created_before)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->sessions, &cur))) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    unsigned char expired[4][GATEWAY_KEY_SIZE];
    int n = 0;
    MDB_val k = {GATEWAY_KEY_SIZE, (void *) key}, v;
    int crc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    for (int i = 0; crc == 0 && i < 4; i++) {
        crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        if (crc == MDB_NOTFOUND)
            crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
        if (crc || k.mv_size != GATEWAY_KEY_SIZE || memcmp (k.mv_data, key, GATEWAY_KEY_SIZE) == 0)
            break;
        json_t *other = json_loadb (v.mv_data, v.mv_size, 0, NULL);
        if (other && (s_int (other, "seen_us") < seen_before ||
                      s_int (other, "created_us") < created_before))
            memcpy (expired[n++], k.mv_data, GATEWAY_KEY_SIZE);
        json_decref (other);
    }
    mdb_cursor_close (cur);
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = s_session_del (self, txn, expired[i]);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    return gateway_store_end (self, txn, rc);
}

/* ---- web chats ---- */

int
gateway_store_chat_put (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                        const gateway_chat_rec_t *c)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    json_t *record = json_pack (
        "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", c->id, "name", c->name, "email",
        c->email, "language", c->language, "created_us", (json_int_t) c->created_us, "seen_us",
        (json_int_t) c->seen_us, "ended_us", (json_int_t) c->ended_us, "ticket",
        (json_int_t) c->ticket);
    return gateway_store_end (self, txn, record ? s_put_json (txn, self->chats, key, GATEWAY_KEY_SIZE, record)
                                 : ENOMEM);
}

static void
s_chat_from (json_t *c, gateway_chat_rec_t *out)
{
    s_copy (out->id, sizeof out->id, c, "id");
    s_copy (out->name, sizeof out->name, c, "name");
    s_copy (out->email, sizeof out->email, c, "email");
    s_copy (out->language, sizeof out->language, c, "language");
    out->created_us = s_int (c, "created_us");
    out->seen_us = s_int (c, "seen_us");
    out->ended_us = s_int (c, "ended_us");
    out->ticket = (uint64_t) s_int (c, "ticket");
}

int
gateway_store_chat_get (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                        gateway_chat_rec_t *out)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    json_t *c = s_get_json (txn, self->chats, key, GATEWAY_KEY_SIZE, &rc);
    bc_store_txn_abort (self->store, txn);
    if (!c)
        return rc;
    s_chat_from (c, out);
    json_decref (c);
    return 0;
}

/* Changes some fields of a chat in one transaction (the room and the
 * stream's hub write the same record from different threads). */
static int
s_chat_change (gateway_store_t *self, const unsigned char *key, json_t *changes)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc) {
        json_decref (changes);
        return rc;
    }
    json_t *c = s_get_json (txn, self->chats, key, GATEWAY_KEY_SIZE, &rc);
    if (c) {
        json_object_update (c, changes);
        rc = s_put_json (txn, self->chats, key, GATEWAY_KEY_SIZE, c);
    }
    json_decref (changes);
    return gateway_store_end (self, txn, rc);
}

int
gateway_store_chat_set (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                        const char *field, int64_t value)
{
    return s_chat_change (self, key, json_pack ("{s:I}", field, (json_int_t) value));
}

int
gateway_store_chat_set_contact (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                                const char *name, const char *email, int64_t seen_us)
{
    return s_chat_change (self, key,
                          json_pack ("{s:s, s:s, s:I}", "name", name, "email", email, "seen_us",
                                     (json_int_t) seen_us));
}

int
gateway_store_chat_each (gateway_store_t *self, gateway_store_chat_fn *fn, void *arg)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->chats, &cur))) {
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    MDB_val k, v;
    int crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (crc == 0) {
        json_t *c = k.mv_size == GATEWAY_KEY_SIZE ? json_loadb (v.mv_data, v.mv_size, 0, NULL)
                                                  : NULL;
        gateway_chat_rec_t rec = {0};
        bool is_more = true;
        if (json_is_object (c)) {
            s_chat_from (c, &rec);
            is_more = fn (arg, k.mv_data, &rec);
        }
        json_decref (c);
        if (!is_more)
            break;
        crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    bc_store_txn_abort (self->store, txn);
    return crc == MDB_NOTFOUND || crc == 0 ? 0 : crc;
}

int
gateway_store_chat_del (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE])
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    MDB_val k = {GATEWAY_KEY_SIZE, (void *) key};
    return gateway_store_end (self, txn, mdb_del (txn, self->chats, &k, NULL));
}

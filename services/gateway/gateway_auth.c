/* gateway_auth: service tokens for the HTTP API, and the rate-limited log of
 * refusals. */
#include "gateway_auth.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_token.h"
#include "gateway_parse.h"

#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GATEWAY_MAX_TOKENS 4096
#define GATEWAY_MAX_PEERS 4096 /* peers remembered by the refusal log */

typedef struct {
    char name[BC_TOKEN_NAME_MAX + 1];
    unsigned char hash[BC_TOKEN_HASH_SIZE];
} s_token_t;

typedef struct {
    int64_t logged_ms; /* when this peer's last line was written */
    unsigned pending;  /* refusals since then */
} s_peer_t;

struct gateway_auth_t {
    pthread_mutex_t lock; /* tokens, the file's identity, peers */
    char path[4096];
    s_token_t *tokens;
    size_t n_tokens;
    bool has_file;        /* a usable file was loaded */
    struct stat loaded;   /* the file as it was when loaded */
    int last_problem;     /* errno or -1 (unsafe mode) last logged, to say it once */
    zhash_t *peers;       /* peer address -> s_peer_t */
};

static bool
s_same_file (const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Forgets every token; the API is closed until a usable file appears. Says
 * why once per cause. */
static void
s_close (gateway_auth_t *self, int problem)
{
    free (self->tokens);
    self->tokens = NULL;
    self->n_tokens = 0;
    self->has_file = false;
    memset (&self->loaded, 0, sizeof self->loaded);
    if (problem == self->last_problem)
        return;
    self->last_problem = problem;
    if (problem == ENOENT)
        bc_warn ("event=api_closed file=%s reason=no_tokens_file "
                 "hint=\"make a token with balcaoctl api-token NAME\"",
                 self->path);
    else if (problem == -1)
        bc_error ("event=api_closed file=%s reason=unsafe_mode "
                  "hint=\"the tokens file must not be writable by group or others: chmod 600\"",
                  self->path);
    else
        bc_error ("event=api_closed file=%s reason=unreadable error=\"%s\"", self->path,
                  strerror (problem));
}

static void
s_load (gateway_auth_t *self, const struct stat *st)
{
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        s_close (self, -1);
        return;
    }
    FILE *f = fopen (self->path, "r");
    if (!f) {
        s_close (self, errno);
        return;
    }
    s_token_t *tokens = calloc (GATEWAY_MAX_TOKENS, sizeof *tokens);
    size_t n = 0, line_no = 0, bad = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (tokens && (len = getline (&line, &cap, f)) >= 0) {
        line_no++;
        if (len && line[len - 1] == '\n')
            len--;
        size_t skip = 0;
        while (skip < (size_t) len && (line[skip] == ' ' || line[skip] == '\t'))
            skip++;
        if (skip == (size_t) len || line[skip] == '#')
            continue;
        if (n == GATEWAY_MAX_TOKENS
            || !bc_token_parse_line (line + skip, (size_t) len - skip, tokens[n].name,
                                     tokens[n].hash)) {
            /* The line's number only: it may hold a pasted token. */
            bc_warn ("event=tokens_line_skipped file=%s line=%zu "
                     "hint=\"each line is NAME and the 64 hex digits balcaoctl api-token wrote\"",
                     self->path, line_no);
            bad++;
            continue;
        }
        n++;
    }
    free (line);
    fclose (f);
    free (self->tokens);
    self->tokens = tokens;
    self->n_tokens = tokens ? n : 0;
    self->has_file = tokens != NULL;
    self->loaded = *st;
    self->last_problem = 0;
    bc_info ("event=tokens_loaded file=%s tokens=%zu skipped=%zu", self->path, self->n_tokens, bad);
}

/* Re-reads the file when it is not the one loaded (new, changed, replaced
 * or gone). Called with the lock held. */
static void
s_refresh (gateway_auth_t *self)
{
    struct stat st;
    if (stat (self->path, &st) != 0) {
        if (self->has_file || self->last_problem != errno)
            s_close (self, errno);
        return;
    }
    if (!self->has_file || !s_same_file (&st, &self->loaded))
        s_load (self, &st);
}

gateway_auth_t *
gateway_auth_new (bc_config_t *config)
{
    if (sodium_init () < 0) {
        bc_error ("event=sodium_init_failed");
        return NULL;
    }
    gateway_auth_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    bc_token_file (config, self->path, sizeof self->path);
    self->peers = zhash_new ();
    pthread_mutex_lock (&self->lock);
    s_refresh (self);
    pthread_mutex_unlock (&self->lock);
    return self;
}

void
gateway_auth_destroy (gateway_auth_t **self_p)
{
    gateway_auth_t *self = *self_p;
    if (!self)
        return;
    zhash_destroy (&self->peers);
    free (self->tokens);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

gateway_auth_result_t
gateway_auth_check (gateway_auth_t *self, const char *authorization, char *principal, size_t size)
{
    assert (self);
    const char *token;
    size_t len;
    unsigned char hash[BC_TOKEN_HASH_SIZE];
    bool is_bearer = authorization && gateway_parse_bearer (authorization, &token, &len);
    if (is_bearer)
        bc_token_hash (token, len, hash);
    pthread_mutex_lock (&self->lock);
    s_refresh (self);
    gateway_auth_result_t result = !self->has_file ? GATEWAY_AUTH_NO_TOKENS
                                   : !authorization ? GATEWAY_AUTH_MISSING
                                   : !is_bearer     ? GATEWAY_AUTH_MALFORMED
                                                    : GATEWAY_AUTH_UNKNOWN;
    if (result == GATEWAY_AUTH_UNKNOWN) {
        /* Every stored hash is compared, in constant time each: how long
         * this takes says nothing about how close the token came. */
        size_t found = SIZE_MAX;
        for (size_t i = 0; i < self->n_tokens; i++)
            if (sodium_memcmp (hash, self->tokens[i].hash, sizeof hash) == 0 && found == SIZE_MAX)
                found = i;
        if (found != SIZE_MAX) {
            snprintf (principal, size, "service:%s", self->tokens[found].name);
            result = GATEWAY_AUTH_OK;
        }
    }
    pthread_mutex_unlock (&self->lock);
    sodium_memzero (hash, sizeof hash);
    return result;
}

const char *
gateway_auth_reason (gateway_auth_result_t result)
{
    switch (result) {
    case GATEWAY_AUTH_OK:
        return "ok";
    case GATEWAY_AUTH_MISSING:
        return "missing";
    case GATEWAY_AUTH_MALFORMED:
        return "malformed";
    case GATEWAY_AUTH_UNKNOWN:
        return "unknown";
    case GATEWAY_AUTH_NO_TOKENS:
        return "no_tokens";
    }
    return "?";
}

void
gateway_auth_log_refusal (gateway_auth_t *self, const char *peer, const char *reason)
{
    assert (self);
    int64_t now = bc_mono_ms ();
    pthread_mutex_lock (&self->lock);
    s_peer_t *p = zhash_lookup (self->peers, peer);
    if (!p) {
        if (zhash_size (self->peers) >= GATEWAY_MAX_PEERS) {
            /* A flood from many addresses: start counting afresh rather
             * than grow without bound. */
            bc_warn ("event=refusals_forgotten peers=%zu", zhash_size (self->peers));
            zhash_destroy (&self->peers);
            self->peers = zhash_new ();
        }
        p = calloc (1, sizeof *p);
        if (!p) {
            pthread_mutex_unlock (&self->lock);
            return;
        }
        p->logged_ms = now - 1000;
        zhash_insert (self->peers, peer, p);
        zhash_freefn (self->peers, peer, free);
    }
    p->pending++;
    if (now - p->logged_ms >= 1000) {
        bc_warn ("event=api_refused peer=%s reason=%s count=%u", peer, reason, p->pending);
        p->pending = 0;
        p->logged_ms = now;
    }
    pthread_mutex_unlock (&self->lock);
}

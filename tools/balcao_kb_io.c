/* balcao_kb_io: `balcao kb import` and `balcao kb export`: articles from and
 * to a folder of Markdown files with front matter, or JSON lines.
 *
 * Import keeps each id as given ("KB-0042", "Conta.Bloqueada",
 * "faq/senha"). An article that cannot be imported (an id that is no
 * article id, bc_article_id.h; no title; an id that two articles share)
 * is named, with its file and line, and left out; the others are
 * imported, and the exit code is 2. A line that is not JSON stops the
 * whole import: the file is not what it seems. */
#include "balcao_cli.h"

#include "balcao/v1/kb.pb-c.h"
#include "bc_article_id.h"
#include "bc_store.h"

#include <czmq.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))
#define MAX_TAGS 32

/* What import collected, sent in requests of about 256 KiB. where[i] says
 * where items[i] came from ("arquivo.jsonl:3", "pasta/KB-1.md"). */
typedef struct {
    Balcao__V1__Article **items;
    char **where;
    size_t n, cap;
    char **owned; /* texts and ids to free */
    size_t nowned, owned_cap;
} s_batch_t;

static void
s_own (s_batch_t *b, char *p)
{
    if (b->nowned == b->owned_cap) {
        b->owned_cap = b->owned_cap ? 2 * b->owned_cap : 64;
        b->owned = realloc (b->owned, b->owned_cap * sizeof *b->owned);
    }
    b->owned[b->nowned++] = p;
}

static Balcao__V1__Article *
s_add (s_batch_t *b, const char *where)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->items = realloc (b->items, b->cap * sizeof *b->items);
        b->where = realloc (b->where, b->cap * sizeof *b->where);
    }
    Balcao__V1__Article *a = calloc (1, sizeof *a);
    balcao__v1__article__init (a);
    a->tags = calloc (MAX_TAGS, sizeof (char *));
    s_own (b, (char *) a->tags);
    b->items[b->n] = a;
    b->where[b->n++] = strdup (where);
    return a;
}

static void
s_batch_free (s_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free (b->items[i]);
        free (b->where[i]);
    }
    for (size_t i = 0; i < b->nowned; i++)
        free (b->owned[i]);
    free (b->items);
    free (b->where);
    free (b->owned);
}

/* Parses a Markdown file with front matter ("---" lines around key: value
 * lines) into a (strings point into text, which is changed). */
static void
s_front_matter (char *text, Balcao__V1__Article *a)
{
    a->body = text;
    if (strncmp (text, "---\n", 4) != 0)
        return;
    char *end = strstr (text + 4, "\n---");
    if (!end)
        return;
    *end = 0;
    /* The body starts after the closing line and one blank line. */
    char *after = strchr (end + 1, '\n');
    after = after ? after + 1 : end + 4;
    if (*after == '\r')
        after++;
    if (*after == '\n')
        after++;
    a->body = after;
    char *save = NULL;
    for (char *line = strtok_r (text + 4, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        char *colon = strchr (line, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *value = colon + 1;
        while (*value == ' ')
            value++;
        size_t len = strlen (value);
        while (len && (value[len - 1] == '\r' || value[len - 1] == ' '))
            value[--len] = 0;
        if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
            value[len - 1] = 0;
            value++;
        }
        if (strcmp (line, "id") == 0)
            a->id = value;
        else if (strcmp (line, "title") == 0)
            a->title = value;
        else if (strcmp (line, "type") == 0)
            a->type = value;
        else if (strcmp (line, "audience") == 0)
            a->audience = value;
        else if (strcmp (line, "category") == 0)
            a->category = value;
        else if (strcmp (line, "language") == 0)
            a->language = value;
        else if (strcmp (line, "status") == 0)
            a->status = value;
        else if (strcmp (line, "tags") == 0)
            a->n_tags = balcao_cli_tags (value, a->tags, MAX_TAGS);
    }
}

static int
s_cmp_names (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Every *.md in the folder, by name; the id defaults to the file's name
 * without ".md", as it is. */
static void
s_read_dir (s_batch_t *b, const char *path)
{
    zdir_t *dir = zdir_new (path, NULL);
    zlist_t *files = dir ? zdir_list (dir) : NULL;
    size_t n = files ? zlist_size (files) : 0, k = 0;
    char **names = calloc (n + 1, sizeof *names);
    for (zfile_t *f = files ? zlist_first (files) : NULL; f; f = zlist_next (files)) {
        const char *name = zfile_filename (f, NULL);
        if (strlen (name) > 3 && strcmp (name + strlen (name) - 3, ".md") == 0)
            names[k++] = strdup (name);
    }
    qsort (names, k, sizeof *names, s_cmp_names);
    for (size_t i = 0; i < k; i++) {
        char *text = bc_read_file (names[i]);
        const char *base = strrchr (names[i], '/') ? strrchr (names[i], '/') + 1 : names[i];
        if (text) {
            s_own (b, text);
            Balcao__V1__Article *a = s_add (b, base);
            s_front_matter (text, a);
            if (!*a->id) {
                char *id = strdup (base);
                id[strlen (id) - 3] = 0;
                s_own (b, id);
                a->id = id;
            }
        }
        free (names[i]);
    }
    free (names);
    zlist_destroy (&files);
    zdir_destroy (&dir);
}

/* JSON lines: id, title, body (and optional article fields). An id may be
 * a string or a whole number (as other systems number their articles).
 * Returns 0, or EXIT_USAGE at a line that is not a JSON object. */
static int
s_read_jsonl (s_batch_t *b, const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        fprintf (stderr, T ("balcao: não consegui ler %s\n", "balcao: could not read %s\n"), path);
        return EXIT_USAGE;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    while (getline (&line, &cap, f) > 0) {
        lineno++;
        if (strspn (line, " \t\r\n") == strlen (line))
            continue;
        json_error_t err;
        json_t *o = json_loads (line, 0, &err);
        if (!o || !json_is_object (o)) {
            fprintf (stderr, T ("balcao: %s:%d: JSON inválido (%s); nada foi importado\n",
                                "balcao: %s:%d: invalid JSON (%s); nothing was imported\n"),
                     path, lineno, o ? T ("não é um objeto", "not an object") : err.text);
            json_decref (o);
            rc = EXIT_USAGE;
            break;
        }
        char where[4200];
        snprintf (where, sizeof where, "%s:%d", path, lineno);
        Balcao__V1__Article *a = s_add (b, where);
        static const char *const keys[] = {"id", "title", "body", "type", "audience",
                                           "category", "language", "status"};
        char **fields[] = {&a->id, &a->title, &a->body, &a->type, &a->audience,
                           &a->category, &a->language, &a->status};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            json_t *v = json_object_get (o, keys[i]);
            char number[32];
            const char *text = json_string_value (v);
            if (i == 0 && json_is_integer (v)) {
                snprintf (number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
                text = number;
            }
            if (text) {
                *fields[i] = strdup (text);
                s_own (b, *fields[i]);
            }
        }
        json_t *tags = json_object_get (o, "tags");
        for (size_t i = 0; json_is_array (tags) && i < json_array_size (tags) && a->n_tags < MAX_TAGS; i++)
            if (json_string_value (json_array_get (tags, i))) {
                a->tags[a->n_tags] = strdup (json_string_value (json_array_get (tags, i)));
                s_own (b, a->tags[a->n_tags++]);
            }
        json_decref (o);
    }
    free (line);
    fclose (f);
    return rc;
}

/* Says why article i cannot be imported and returns 1, or returns 0. */
static int
s_refused (const s_batch_t *b, size_t i)
{
    const Balcao__V1__Article *a = b->items[i];
    char shown[128];
    bc_article_id_printable (a->id, shown, sizeof shown);
    bc_article_id_rc_t why = bc_article_id_check (a->id);
    if (why == BC_ARTICLE_ID_EMPTY)
        fprintf (stderr, T ("balcao: %s: o artigo não tem id; não foi importado\n",
                            "balcao: %s: the article has no id; not imported\n"),
                 b->where[i]);
    else if (why != BC_ARTICLE_ID_OK)
        fprintf (stderr, T ("balcao: %s: o id '%s' é inválido: %s; não foi importado\n",
                            "balcao: %s: id '%s' is invalid: %s; not imported\n"),
                 b->where[i], shown, bc_article_id_problem (why, balcao_cli_en ()));
    else if (!*a->title)
        fprintf (stderr, T ("balcao: %s: o artigo '%s' não tem título; não foi importado\n",
                            "balcao: %s: article '%s' has no title; not imported\n"),
                 b->where[i], shown);
    else
        return 0;
    return 1;
}

/* Marks in skip[] the articles that share an id with another one (all of
 * them: which one was meant is not ours to guess), saying where each is.
 * Ids compare byte for byte: "FAQ-1" and "faq-1" are two articles. */
static void
s_mark_duplicates (const s_batch_t *b, char *skip)
{
    zhashx_t *count = zhashx_new (); /* id -> how many articles have it */
    for (size_t i = 0; i < b->n; i++)
        if (!skip[i])
            zhashx_update (count, b->items[i]->id,
                           (void *) ((uintptr_t) zhashx_lookup (count, b->items[i]->id) + 1));
    for (size_t i = 0; i < b->n; i++) {
        const char *id = b->items[i]->id;
        size_t n = (size_t) (uintptr_t) zhashx_lookup (count, id);
        if (skip[i] || n < 2)
            continue;
        /* i is the first with this id: name them all, then skip them. */
        char shown[128], places[2048] = "";
        size_t k = 0;
        for (size_t j = i; j < b->n; j++)
            if (!skip[j] && strcmp (b->items[j]->id, id) == 0) {
                k++;
                snprintf (places + strlen (places), sizeof places - strlen (places), "%s%s",
                          k == 1 ? "" : k == n ? T (" e ", " and ") : ", ", b->where[j]);
                if (j > i)
                    skip[j] = 1;
            }
        skip[i] = 1;
        fprintf (stderr, T ("balcao: o id '%s' aparece %zu vezes (%s): nenhum desses artigos foi "
                            "importado\n",
                            "balcao: id '%s' appears %zu times (%s): none of those articles was "
                            "imported\n"),
                 bc_article_id_printable (id, shown, sizeof shown), n, places);
    }
    zhashx_destroy (&count);
}

static int
s_send (bc_config_t *config, Balcao__V1__Article **items, size_t n, int publish)
{
    unsigned created = 0, updated = 0, unchanged = 0;
    size_t from = 0;
    while (from < n) {
        size_t to = from, bytes = 0;
        while (to < n && (to == from || bytes + protobuf_c_message_get_packed_size (&items[to]->base) < 256 * 1024))
            bytes += protobuf_c_message_get_packed_size (&items[to++]->base);
        Balcao__V1__ImportArticles req = BALCAO__V1__IMPORT_ARTICLES__INIT;
        req.articles = items + from;
        req.n_articles = to - from;
        req.publish = publish;
        Balcao__V1__ImportResult *r = (Balcao__V1__ImportResult *) balcao_cli_fetch (
            config, "kb", &req.base, &balcao__v1__import_result__descriptor);
        if (!r) {
            if (from)
                fprintf (stderr, T ("balcao: os %zu primeiros artigos foram importados\n",
                                    "balcao: the first %zu articles were imported\n"), from);
            return balcao_cli_exit ();
        }
        created += r->created, updated += r->updated, unchanged += r->unchanged;
        balcao__v1__import_result__free_unpacked (r, NULL);
        from = to;
    }
    printf (T ("Importados: %u novos, %u atualizados, %u sem mudança.\n",
               "Imported: %u new, %u updated, %u unchanged.\n"), created, updated, unchanged);
    return 0;
}

int
balcao_kb_import (bc_config_t *config, const char *path, int publish)
{
    s_batch_t b = {0};
    struct stat st;
    if (stat (path, &st) != 0) {
        fprintf (stderr, T ("balcao: %s não existe\n", "balcao: %s does not exist\n"), path);
        return EXIT_USAGE;
    }
    int rc = 0;
    if (S_ISDIR (st.st_mode))
        s_read_dir (&b, path);
    else
        rc = s_read_jsonl (&b, path);
    if (rc) {
        s_batch_free (&b);
        return rc;
    }
    char *skip = calloc (b.n + 1, 1);
    Balcao__V1__Article **good = calloc (b.n + 1, sizeof *good);
    size_t n_good = 0, n_skipped = 0;
    for (size_t i = 0; i < b.n; i++)
        skip[i] = (char) s_refused (&b, i);
    s_mark_duplicates (&b, skip);
    for (size_t i = 0; i < b.n; i++)
        if (skip[i])
            n_skipped++;
        else
            good[n_good++] = b.items[i];
    if (n_good)
        rc = s_send (config, good, n_good, publish);
    else if (!b.n)
        printf (T ("Nenhum artigo em %s.\n", "No article in %s.\n"), path);
    if (n_skipped) {
        printf (T ("Não importados: %zu de %zu artigos (os motivos estão acima).\n",
                   "Not imported: %zu of %zu articles (the reasons are above).\n"),
                n_skipped, b.n);
        if (!rc)
            rc = EXIT_REFUSED;
    }
    free (skip);
    free (good);
    s_batch_free (&b);
    return rc;
}

/* The file an article is exported to: its id, '/' as "%2F" and '%' as
 * "%25" (its front matter keeps the id as it is). */
static void
s_file_name (const char *dir, const char *id, char *out, size_t size)
{
    char name[3 * BC_ARTICLE_ID_MAX_BYTES + 1];
    size_t o = 0;
    for (const char *p = id; *p && o + 4 < sizeof name; p++)
        if (*p == '/' || *p == '%')
            o += (size_t) snprintf (name + o, sizeof name - o, "%%%02X", (unsigned char) *p);
        else
            name[o++] = *p;
    name[o] = 0;
    snprintf (out, size, "%s/%s.md", dir, name);
}

int
balcao_kb_export (bc_config_t *config, const char *path)
{
    Balcao__V1__ExportArticles req = BALCAO__V1__EXPORT_ARTICLES__INIT;
    Balcao__V1__ArticleList *list = (Balcao__V1__ArticleList *) balcao_cli_fetch (config, "kb", &req.base, &balcao__v1__article_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    size_t len = strlen (path);
    int is_jsonl = len > 6 && strcmp (path + len - 6, ".jsonl") == 0;
    FILE *out = is_jsonl ? fopen (path, "w") : NULL;
    if (!is_jsonl && zsys_dir_create ("%s", path) != 0)
        out = NULL;
    int rc = 0;
    for (size_t i = 0; i < list->n_articles && rc == 0; i++) {
        const Balcao__V1__Article *a = list->articles[i];
        if (is_jsonl) {
            if (!out) {
                rc = EXIT_USAGE;
                break;
            }
            json_t *tags = json_array ();
            for (size_t t = 0; t < a->n_tags; t++)
                json_array_append_new (tags, json_string (a->tags[t]));
            json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", a->id,
                                   "title", a->title, "body", a->body, "type", a->type,
                                   "audience", a->audience, "category", a->category,
                                   "language", a->language, "status", a->status, "tags", tags);
            char *line = json_dumps (o, JSON_COMPACT);
            fprintf (out, "%s\n", line);
            free (line);
            json_decref (o);
            continue;
        }
        char file[4096];
        s_file_name (path, a->id, file, sizeof file);
        FILE *f = fopen (file, "w");
        if (!f) {
            rc = EXIT_USAGE;
            break;
        }
        /* The id in quotes: import takes off one pair, so an id that
         * starts and ends with a quote comes back as it was. */
        fprintf (f, "---\nid: \"%s\"\ntitle: \"%s\"\ntype: %s\naudience: %s\ncategory: %s\n"
                    "language: %s\nstatus: %s\ntags: [",
                 a->id, a->title, a->type, a->audience, a->category, a->language, a->status);
        for (size_t t = 0; t < a->n_tags; t++)
            fprintf (f, "%s%s", t ? ", " : "", a->tags[t]);
        fprintf (f, "]\n---\n\n%s", a->body);
        fclose (f);
    }
    if (out)
        fclose (out);
    if (rc)
        fprintf (stderr, T ("balcao: não consegui escrever em %s\n", "balcao: could not write to %s\n"),
                 path);
    else
        printf (T ("Exportados %zu artigos para %s.\n", "Exported %zu articles to %s.\n"),
                list->n_articles, path);
    balcao__v1__article_list__free_unpacked (list, NULL);
    return rc;
}

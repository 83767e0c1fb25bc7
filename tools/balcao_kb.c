/* balcao_kb: the agent CLI's commands on the knowledge base: `balcao kb search|ask|show|create|edit|publish|
 * import|export|from-ticket|similar|gaps …`, talking to kb. */
#include "balcao_cli.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_curve.h"
#include "bc_log.h"
#include "bc_store.h"

#include <czmq.h>
#include <dirent.h>
#include <jansson.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

/* The value after option name in argv (NULL if absent). */
static const char *
s_kb_opt (int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp (argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int
s_kb_flag (int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], name) == 0)
            return 1;
    return 0;
}

/* The words of argv that are neither options nor their values, joined. */
static const char *
s_kb_words (int argc, char **argv, char *buf, size_t size)
{
    static const char *const with_value[] = {"--type", "--category", "--audience", "--tags",
                                             "--lang", "--id", "--title", "--body", "--file",
                                             "--version", "--base", "--status", "--base-draft",
                                             "--revision", NULL};
    buf[0] = 0;
    for (int i = 0; i < argc; i++) {
        int skip = 0;
        for (int k = 0; with_value[k]; k++)
            if (strcmp (argv[i], with_value[k]) == 0)
                skip = 1;
        if (skip) {
            i++;
            continue;
        }
        if (strncmp (argv[i], "--", 2) == 0)
            continue;
        if (*buf)
            strncat (buf, " ", size - strlen (buf) - 1);
        strncat (buf, argv[i], size - strlen (buf) - 1);
    }
    return buf;
}

/* Splits "a, b,c" into tags (pointers into buf, which is changed). */
static size_t
s_kb_tags (char *buf, char **tags, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok (buf, ",[]"); tok && n < max; tok = strtok (NULL, ",[]")) {
        while (*tok == ' ' || *tok == '"' || *tok == '\'')
            tok++;
        char *end = tok + strlen (tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '"' || end[-1] == '\''))
            *--end = 0;
        if (*tok)
            tags[n++] = tok;
    }
    return n;
}

static void
s_kb_print_article (const Balcao__V1__Article *a, int with_body)
{
    char when[32];
    balcao_cli_time (a->updated_us, when, sizeof when);
    printf ("%s  v%u  [%s]  %s / %s / %s  %s\n", a->id, a->version, a->status, a->type,
            a->audience, *a->category ? a->category : "-", a->language);
    printf ("%s\n", a->title);
    if (a->n_tags) {
        printf (T ("Etiquetas:", "Tags:"));
        for (size_t i = 0; i < a->n_tags; i++)
            printf (" %s", a->tags[i]);
        printf ("\n");
    }
    printf (T ("Versão %u por %s em %s", "Version %u by %s on %s"), a->version, a->author, when);
    if (a->from_ticket)
        printf (T (" (do chamado #%llu)", " (from ticket #%llu)"),
                (unsigned long long) a->from_ticket);
    printf ("\n");
    if (with_body) {
        printf (T ("Visualizações: %llu  Ajudou: %llu sim, %llu não\n",
                   "Views: %llu  Helpful: %llu yes, %llu no\n"),
                (unsigned long long) a->views, (unsigned long long) a->helpful_yes,
                (unsigned long long) a->helpful_no);
        printf ("\n%s\n", a->body);
    }
}

static int
s_kb_article_reply (bc_envelope_t *reply, int with_body)
{
    if (!reply)
        return balcao_cli_exit ();
    Balcao__V1__Article *a =
        (Balcao__V1__Article *) bc_envelope_payload (reply, &balcao__v1__article__descriptor);
    bc_envelope_destroy (&reply);
    if (!a)
        return EXIT_UNAVAILABLE;
    s_kb_print_article (a, with_body);
    balcao__v1__article__free_unpacked (a, NULL);
    return 0;
}

/* A snippet for the terminal: <mark>x</mark> as *x*, entities decoded. */
static void
s_kb_print_snippet (const char *html)
{
    static const struct {
        const char *from, *to;
    } map[] = {{"<mark>", "*"}, {"</mark>", "*"}, {"&lt;", "<"}, {"&gt;", ">"},
               {"&quot;", "\""}, {"&amp;", "&"}};
    printf ("    ");
    for (const char *p = html; *p;) {
        size_t i;
        for (i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strncmp (p, map[i].from, strlen (map[i].from)) == 0)
                break;
        if (i < sizeof map / sizeof map[0]) {
            fputs (map[i].to, stdout);
            p += strlen (map[i].from);
        }
        else
            putchar (*p++);
    }
    printf ("\n");
}

static int
s_kb_results (bc_envelope_t *reply)
{
    if (!reply)
        return balcao_cli_exit ();
    Balcao__V1__ArticleResults *r = (Balcao__V1__ArticleResults *) bc_envelope_payload (
        reply, &balcao__v1__article_results__descriptor);
    bc_envelope_destroy (&reply);
    if (!r)
        return EXIT_UNAVAILABLE;
    if (*r->did_you_mean)
        printf (T ("Você quis dizer: %s\n", "Did you mean: %s\n"), r->did_you_mean);
    if (!r->n_hits)
        printf (T ("Nenhum artigo encontrado.\n", "No article found.\n"));
    for (size_t i = 0; i < r->n_hits; i++) {
        const Balcao__V1__ArticleHit *h = r->hits[i];
        printf ("%-32s %5.2f  %s/%s%s  %s\n", h->id, h->score, h->type, h->audience,
                strcmp (h->status, "publicado") ? T (" (rascunho)", " (draft)") : "", h->title);
        if (*h->snippet)
            s_kb_print_snippet (h->snippet);
    }
    if (r->n_facets) {
        const char *field = "";
        for (size_t i = 0; i < r->n_facets; i++) {
            if (strcmp (field, r->facets[i]->field) != 0) {
                field = r->facets[i]->field;
                printf ("%s%s:", i ? "\n" : "", field);
            }
            printf (" %s (%s%u)", r->facets[i]->value, r->facets_estimated ? "~" : "",
                    r->facets[i]->count);
        }
        printf ("\n");
    }
    balcao__v1__article_results__free_unpacked (r, NULL);
    return 0;
}

/* Article fields from the command line options (pointers into argv, tags
 * into tag_buf). Body: --body TEXT or --file PATH ("-": stdin), in *body. */
static int
s_kb_fields (int argc, char **argv, Balcao__V1__Article *a, char **tags, char *tag_buf,
             size_t tag_size, char **body)
{
    const char *v;
    if ((v = s_kb_opt (argc, argv, "--title")))
        a->title = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--type")))
        a->type = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--audience")))
        a->audience = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--category")))
        a->category = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--lang")))
        a->language = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--status")))
        a->status = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--tags"))) {
        snprintf (tag_buf, tag_size, "%s", v);
        a->n_tags = s_kb_tags (tag_buf, tags, 32);
        a->tags = tags;
    }
    *body = NULL;
    if ((v = s_kb_opt (argc, argv, "--body")))
        *body = strdup (v);
    else if ((v = s_kb_opt (argc, argv, "--file"))) {
        *body = bc_read_file (v);
        if (!*body) {
            fprintf (stderr, T ("balcao: não consegui ler %s\n", "balcao: could not read %s\n"), v);
            return EXIT_USAGE;
        }
    }
    if (*body)
        a->body = *body;
    return 0;
}

/* Parses a Markdown file with front matter ("---" lines around key: value
 * lines) into a (strings point into text, which is changed). */
static void
s_kb_front_matter (char *text, Balcao__V1__Article *a, char **tags, size_t max_tags)
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
        else if (strcmp (line, "tags") == 0) {
            a->n_tags = s_kb_tags (value, tags, max_tags);
            a->tags = tags;
        }
    }
}

/* An id made of lowercase letters, digits and '-' from any name. */
static void
s_kb_id_of (const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < size && n < 64; p++) {
        char c = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[n++] = c;
        else if (n && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n && out[n - 1] == '-')
        n--;
    out[n] = 0;
}

/* Sends what import collected, in requests of about 256 KiB. */
typedef struct {
    Balcao__V1__Article **items;
    size_t n, cap;
    char **owned; /* texts and ids to free */
    size_t nowned, owned_cap;
} s_kb_batch_t;

static void
s_kb_own (s_kb_batch_t *b, char *p)
{
    if (b->nowned == b->owned_cap) {
        b->owned_cap = b->owned_cap ? 2 * b->owned_cap : 64;
        b->owned = realloc (b->owned, b->owned_cap * sizeof *b->owned);
    }
    b->owned[b->nowned++] = p;
}

static Balcao__V1__Article *
s_kb_add (s_kb_batch_t *b)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->items = realloc (b->items, b->cap * sizeof *b->items);
    }
    Balcao__V1__Article *a = calloc (1, sizeof *a);
    balcao__v1__article__init (a);
    a->tags = calloc (32, sizeof (char *));
    s_kb_own (b, (char *) a->tags);
    b->items[b->n++] = a;
    return a;
}

static int
s_kb_send (bc_config_t *config, s_kb_batch_t *b, int publish)
{
    unsigned created = 0, updated = 0, unchanged = 0;
    size_t from = 0;
    while (from < b->n) {
        size_t to = from, bytes = 0;
        while (to < b->n && (to == from || bytes + protobuf_c_message_get_packed_size (&b->items[to]->base) < 256 * 1024))
            bytes += protobuf_c_message_get_packed_size (&b->items[to++]->base);
        Balcao__V1__ImportArticles req = BALCAO__V1__IMPORT_ARTICLES__INIT;
        req.articles = b->items + from;
        req.n_articles = to - from;
        req.publish = publish;
        bc_envelope_t *reply = balcao_cli_call (config, "kb", &req.base);
        if (!reply)
            return balcao_cli_exit ();
        Balcao__V1__ImportResult *r = (Balcao__V1__ImportResult *) bc_envelope_payload (
            reply, &balcao__v1__import_result__descriptor);
        bc_envelope_destroy (&reply);
        if (!r)
            return EXIT_UNAVAILABLE;
        created += r->created, updated += r->updated, unchanged += r->unchanged;
        balcao__v1__import_result__free_unpacked (r, NULL);
        from = to;
    }
    printf (T ("Importados: %u novos, %u atualizados, %u sem mudança.\n",
               "Imported: %u new, %u updated, %u unchanged.\n"), created, updated, unchanged);
    return 0;
}

static int
s_kb_cmp_names (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
s_kb_import (bc_config_t *config, const char *path, int publish)
{
    s_kb_batch_t b = {0};
    struct stat st;
    int rc = 0;
    if (stat (path, &st) != 0) {
        fprintf (stderr, T ("balcao: %s não existe\n", "balcao: %s does not exist\n"), path);
        return EXIT_USAGE;
    }
    if (S_ISDIR (st.st_mode)) {
        /* Every *.md in the folder, by name; the id defaults to the name. */
        zdir_t *dir = zdir_new (path, NULL);
        zlist_t *files = dir ? zdir_list (dir) : NULL;
        size_t n = files ? zlist_size (files) : 0, k = 0;
        char **names = calloc (n + 1, sizeof *names);
        for (zfile_t *f = files ? zlist_first (files) : NULL; f; f = zlist_next (files))
            if (strlen (zfile_filename (f, NULL)) > 3
                && strcmp (zfile_filename (f, NULL) + strlen (zfile_filename (f, NULL)) - 3, ".md") == 0)
                names[k++] = strdup (zfile_filename (f, NULL));
        qsort (names, k, sizeof *names, s_kb_cmp_names);
        for (size_t i = 0; i < k; i++) {
            char *text = bc_read_file (names[i]);
            if (!text)
                continue;
            s_kb_own (&b, text);
            Balcao__V1__Article *a = s_kb_add (&b);
            s_kb_front_matter (text, a, a->tags, 32);
            if (!*a->id) {
                const char *base = strrchr (names[i], '/') ? strrchr (names[i], '/') + 1 : names[i];
                char *id = malloc (72);
                s_kb_id_of (base, id, 72);
                if (strlen (id) > 3 && strcmp (id + strlen (id) - 3, "-md") == 0)
                    id[strlen (id) - 3] = 0;
                s_kb_own (&b, id);
                a->id = id;
            }
            free (names[i]);
        }
        free (names);
        zlist_destroy (&files);
        zdir_destroy (&dir);
    }
    else {
        /* JSON lines: id, title, body (and optional article fields). */
        FILE *f = fopen (path, "r");
        char *line = NULL;
        size_t cap = 0;
        int lineno = 0;
        while (f && getline (&line, &cap, f) > 0) {
            lineno++;
            json_error_t err;
            json_t *o = json_loads (line, 0, &err);
            if (!o || !json_is_object (o)) {
                fprintf (stderr, T ("balcao: %s:%d: JSON inválido (%s); nada foi importado\n",
                                    "balcao: %s:%d: invalid JSON (%s); nothing was imported\n"),
                         path, lineno, err.text);
                json_decref (o);
                rc = EXIT_USAGE;
                break;
            }
            Balcao__V1__Article *a = s_kb_add (&b);
            static const char *const keys[] = {"id", "title", "body", "type", "audience",
                                               "category", "language", "status"};
            char **fields[] = {&a->id, &a->title, &a->body, &a->type, &a->audience,
                               &a->category, &a->language, &a->status};
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
                const char *v = json_string_value (json_object_get (o, keys[i]));
                if (v) {
                    *fields[i] = strdup (v);
                    s_kb_own (&b, *fields[i]);
                }
            }
            json_t *tags = json_object_get (o, "tags");
            for (size_t i = 0; json_is_array (tags) && i < json_array_size (tags) && a->n_tags < 32; i++)
                if (json_string_value (json_array_get (tags, i))) {
                    a->tags[a->n_tags] = strdup (json_string_value (json_array_get (tags, i)));
                    s_kb_own (&b, a->tags[a->n_tags++]);
                }
            char *id = malloc (72);
            s_kb_id_of (a->id, id, 72);
            s_kb_own (&b, id);
            a->id = id;
            json_decref (o);
        }
        free (line);
        if (f)
            fclose (f);
        else {
            fprintf (stderr, T ("balcao: não consegui ler %s\n", "balcao: could not read %s\n"), path);
            rc = EXIT_USAGE;
        }
    }
    if (!rc) {
        if (b.n)
            rc = s_kb_send (config, &b, publish);
        else
            printf (T ("Nenhum artigo em %s.\n", "No article in %s.\n"), path);
    }
    for (size_t i = 0; i < b.n; i++)
        free (b.items[i]);
    for (size_t i = 0; i < b.nowned; i++)
        free (b.owned[i]);
    free (b.items);
    free (b.owned);
    return rc;
}

static int
s_kb_export (bc_config_t *config, const char *path)
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
        snprintf (file, sizeof file, "%s/%s.md", path, a->id);
        FILE *f = fopen (file, "w");
        if (!f) {
            rc = EXIT_USAGE;
            break;
        }
        fprintf (f, "---\nid: %s\ntitle: \"%s\"\ntype: %s\naudience: %s\ncategory: %s\n"
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

static int
s_kb_history (bc_config_t *config, const char *id)
{
    Balcao__V1__GetArticleHistory req = BALCAO__V1__GET_ARTICLE_HISTORY__INIT;
    req.id = (char *) id;
    Balcao__V1__ArticleList *list = (Balcao__V1__ArticleList *) balcao_cli_fetch (config, "kb", &req.base, &balcao__v1__article_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    for (size_t i = 0; i < list->n_articles; i++) {
        const Balcao__V1__Article *a = list->articles[i];
        char when[32];
        balcao_cli_time (a->updated_us, when, sizeof when);
        printf ("v%-3u %s  %-28s %-10s %-10s %s\n", a->version, when, a->author, a->change,
                a->status, a->title);
    }
    balcao__v1__article_list__free_unpacked (list, NULL);
    return 0;
}

static int
s_kb_ask (bc_config_t *config, const char *question)
{
    Balcao__V1__AskBot req = BALCAO__V1__ASK_BOT__INIT;
    req.question = (char *) question;
    Balcao__V1__BotAnswer *a = (Balcao__V1__BotAnswer *) balcao_cli_fetch (config, "kb", &req.base, &balcao__v1__bot_answer__descriptor);
    if (!a)
        return balcao_cli_exit ();
    if (a->confident)
        printf (T ("Resposta (confiança %.2f): %s\n  %s\n  artigo: %s\n",
                   "Answer (confidence %.2f): %s\n  %s\n  article: %s\n"),
                a->confidence, a->title, a->excerpt, a->article);
    else
        printf (T ("Sem resposta confiável (confiança %.2f < %.2f): passar para um atendente.\n",
                   "No confident answer (confidence %.2f < %.2f): hand over to a person.\n"),
                a->confidence, a->threshold);
    balcao__v1__bot_answer__free_unpacked (a, NULL);
    return 0;
}

static int
s_kb_gaps (bc_config_t *config, int argc, char **argv)
{
    Balcao__V1__GetKbGaps req = BALCAO__V1__GET_KB_GAPS__INIT;
    long days = argc > 0 ? strtol (argv[0], NULL, 10) : 30;
    req.since_us = (int64_t) time (NULL) * 1000000LL - (int64_t) (days > 0 ? days : 30) * 86400000000LL;
    req.limit = 30;
    Balcao__V1__KbGaps *g = (Balcao__V1__KbGaps *) balcao_cli_fetch (config, "kb", &req.base, &balcao__v1__kb_gaps__descriptor);
    if (!g)
        return balcao_cli_exit ();
    if (!g->n_gaps)
        printf (T ("Nenhuma busca sem resposta nos últimos %ld dias.\n",
                   "No unanswered search in the last %ld days.\n"), days > 0 ? days : 30);
    for (size_t i = 0; i < g->n_gaps; i++)
        printf (T ("%5u  (%u do bot)  %s\n", "%5u  (%u from the bot)  %s\n"), g->gaps[i]->count,
                g->gaps[i]->bot, g->gaps[i]->query);
    balcao__v1__kb_gaps__free_unpacked (g, NULL);
    return 0;
}

static int
s_kb_tickets (bc_envelope_t *reply)
{
    if (!reply)
        return balcao_cli_exit ();
    Balcao__V1__SearchTicketsReply *r = (Balcao__V1__SearchTicketsReply *) bc_envelope_payload (
        reply, &balcao__v1__search_tickets_reply__descriptor);
    bc_envelope_destroy (&reply);
    if (!r)
        return EXIT_UNAVAILABLE;
    if (!r->n_hits)
        printf (T ("Nenhum chamado semelhante.\n", "No similar ticket.\n"));
    for (size_t i = 0; i < r->n_hits; i++) {
        const Balcao__V1__TicketHit *h = r->hits[i];
        printf ("#%-6llu %6.2f  %s%s%s%s\n", (unsigned long long) h->ticket, h->score, h->subject,
                *h->status ? "  [" : "", h->status, *h->status ? "]" : "");
        if (*h->resolution)
            printf (T ("        solução: %s\n", "        resolution: %s\n"), h->resolution);
    }
    balcao__v1__search_tickets_reply__free_unpacked (r, NULL);
    return 0;
}

/* kb draft ID: the article's pending draft (what publish-draft would
 * publish), or a sentence saying there is none. */
static int
s_kb_draft (bc_config_t *config, const char *id)
{
    Balcao__V1__GetArticle req = BALCAO__V1__GET_ARTICLE__INIT;
    req.id = (char *) id;
    Balcao__V1__Article *a = (Balcao__V1__Article *) balcao_cli_fetch (
        config, "kb", &req.base, &balcao__v1__article__descriptor);
    if (!a)
        return balcao_cli_exit ();
    const Balcao__V1__Article *d = a->pending_draft;
    if (!d)
        printf (T ("O artigo %s não tem rascunho pendente (versão publicada: %u).\n",
                   "Article %s has no pending draft (published version: %u).\n"),
                a->id, a->version);
    else {
        char when[32];
        balcao_cli_time (d->updated_us, when, sizeof when);
        printf (T ("Rascunho pendente de %s, revisão %u, salvo por %s em %s, feito a partir da "
                   "versão %u\n",
                   "Pending draft of %s, revision %u, saved by %s on %s, made from version %u\n"),
                a->id, d->draft_revision, d->author, when, d->version);
        printf (T ("Publicar: balcao kb publish-draft %s --revision %u\n\n",
                   "Publish: balcao kb publish-draft %s --revision %u\n\n"),
                a->id, d->draft_revision);
        printf ("%s\n\n%s\n", d->title, d->body);
    }
    balcao__v1__article__free_unpacked (a, NULL);
    return 0;
}

/* kb preview FILE|-: the HTML kb would show for this Markdown. */
static int
s_kb_preview (bc_config_t *config, const char *path)
{
    char *markdown = bc_read_file (path);
    if (!markdown) {
        fprintf (stderr, T ("balcao: não consegui ler %s\n", "balcao: could not read %s\n"), path);
        return EXIT_USAGE;
    }
    Balcao__V1__RenderMarkdown req = BALCAO__V1__RENDER_MARKDOWN__INIT;
    req.markdown = markdown;
    Balcao__V1__RenderedMarkdown *r = (Balcao__V1__RenderedMarkdown *) balcao_cli_fetch (
        config, "kb", &req.base, &balcao__v1__rendered_markdown__descriptor);
    free (markdown);
    if (!r)
        return balcao_cli_exit ();
    fputs (r->html, stdout);
    balcao__v1__rendered_markdown__free_unpacked (r, NULL);
    return 0;
}

/* kb list [--status S] [--audience A]: every article, newest change first. */
static int
s_kb_list (bc_config_t *config, int argc, char **argv)
{
    Balcao__V1__ListArticles req = BALCAO__V1__LIST_ARTICLES__INIT;
    const char *v;
    if ((v = s_kb_opt (argc, argv, "--status")))
        req.status = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--audience")))
        req.audience = (char *) v;
    req.limit = 200;
    Balcao__V1__ArticleList *list = (Balcao__V1__ArticleList *) balcao_cli_fetch (
        config, "kb", &req.base, &balcao__v1__article_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    if (!list->total)
        printf (T ("Nenhum artigo.\n", "No article.\n"));
    for (size_t i = 0; i < list->n_articles; i++) {
        const Balcao__V1__Article *a = list->articles[i];
        char when[32];
        balcao_cli_time (a->updated_us, when, sizeof when);
        printf ("%-32s v%-3u %-9s %-7s %s  %s%s\n", a->id, a->version, a->status, a->audience, when,
                a->title, a->has_draft ? T ("  (rascunho pendente)", "  (pending draft)") : "");
    }
    if (list->total > list->n_articles)
        printf (T ("(%zu de %u)\n", "(%zu of %u)\n"), list->n_articles, list->total);
    balcao__v1__article_list__free_unpacked (list, NULL);
    return 0;
}

int
balcao_kb (bc_config_t *config, int argc, char **argv)
{
    if (argc < 1)
        return EXIT_USAGE;
    const char *sub = argv[0];
    argc--, argv++;
    char text[8192], tag_buf[2048];
    char *tags[32];
    const char *words = s_kb_words (argc, argv, text, sizeof text);
    const char *v;
    if (strcmp (sub, "search") == 0 || strcmp (sub, "suggest") == 0) {
        if (!*words)
            return EXIT_USAGE;
        if (strcmp (sub, "suggest") == 0) {
            Balcao__V1__SuggestArticles req = BALCAO__V1__SUGGEST_ARTICLES__INIT;
            req.text = (char *) words;
            return s_kb_results (balcao_cli_call (config, "kb", &req.base));
        }
        Balcao__V1__SearchArticles req = BALCAO__V1__SEARCH_ARTICLES__INIT;
        req.query = (char *) words;
        if ((v = s_kb_opt (argc, argv, "--type")))
            req.type = (char *) v;
        if ((v = s_kb_opt (argc, argv, "--category")))
            req.category = (char *) v;
        if ((v = s_kb_opt (argc, argv, "--audience")))
            req.audience = (char *) v;
        req.include_drafts = s_kb_flag (argc, argv, "--drafts");
        return s_kb_results (balcao_cli_call (config, "kb", &req.base));
    }
    if (strcmp (sub, "ask") == 0)
        return *words ? s_kb_ask (config, words) : EXIT_USAGE;
    if (strcmp (sub, "gaps") == 0)
        return s_kb_gaps (config, argc, argv);
    if (strcmp (sub, "list") == 0)
        return s_kb_list (config, argc, argv);
    if (strcmp (sub, "create") == 0 || strcmp (sub, "edit") == 0) {
        Balcao__V1__Article a = BALCAO__V1__ARTICLE__INIT;
        char *body = NULL;
        int rc = s_kb_fields (argc, argv, &a, tags, tag_buf, sizeof tag_buf, &body);
        if (rc)
            return rc;
        bc_envelope_t *reply;
        if (strcmp (sub, "create") == 0) {
            if ((v = s_kb_opt (argc, argv, "--id")))
                a.id = (char *) v;
            Balcao__V1__CreateArticle req = BALCAO__V1__CREATE_ARTICLE__INIT;
            req.article = &a;
            reply = balcao_cli_call (config, "kb", &req.base);
        }
        else {
            if (!*words) {
                free (body);
                return EXIT_USAGE;
            }
            a.id = (char *) words;
            Balcao__V1__EditArticle req = BALCAO__V1__EDIT_ARTICLE__INIT;
            req.article = &a;
            if ((v = s_kb_opt (argc, argv, "--base")))
                req.base_version = (uint32_t) strtoul (v, NULL, 10);
            /* --draft: the change waits as the article's pending draft;
             * customers keep seeing the published version. */
            req.as_draft = s_kb_flag (argc, argv, "--draft");
            if ((v = s_kb_opt (argc, argv, "--base-draft")))
                req.base_draft = (uint32_t) strtoul (v, NULL, 10);
            reply = balcao_cli_call (config, "kb", &req.base);
        }
        free (body);
        return s_kb_article_reply (reply, 0);
    }
    if (!*words)
        return EXIT_USAGE;
    if (strcmp (sub, "show") == 0) {
        Balcao__V1__GetArticle req = BALCAO__V1__GET_ARTICLE__INIT;
        req.id = (char *) words;
        if ((v = s_kb_opt (argc, argv, "--version")))
            req.version = (uint32_t) strtoul (v, NULL, 10);
        return s_kb_article_reply (balcao_cli_call (config, "kb", &req.base), 1);
    }
    if (strcmp (sub, "draft") == 0)
        return s_kb_draft (config, words);
    if (strcmp (sub, "publish-draft") == 0) {
        Balcao__V1__PublishDraft req = BALCAO__V1__PUBLISH_DRAFT__INIT;
        req.id = (char *) words;
        if ((v = s_kb_opt (argc, argv, "--revision")))
            req.draft_revision = (uint32_t) strtoul (v, NULL, 10);
        return s_kb_article_reply (balcao_cli_call (config, "kb", &req.base), 0);
    }
    if (strcmp (sub, "discard-draft") == 0) {
        Balcao__V1__DiscardDraft req = BALCAO__V1__DISCARD_DRAFT__INIT;
        req.id = (char *) words;
        if ((v = s_kb_opt (argc, argv, "--revision")))
            req.draft_revision = (uint32_t) strtoul (v, NULL, 10);
        return s_kb_article_reply (balcao_cli_call (config, "kb", &req.base), 0);
    }
    if (strcmp (sub, "publish") == 0 || strcmp (sub, "unpublish") == 0) {
        Balcao__V1__SetArticleStatus req = BALCAO__V1__SET_ARTICLE_STATUS__INIT;
        req.id = (char *) words;
        req.status = strcmp (sub, "publish") == 0 ? "publicado" : "rascunho";
        return s_kb_article_reply (balcao_cli_call (config, "kb", &req.base), 0);
    }
    if (strcmp (sub, "revert") == 0 && argc >= 2) {
        Balcao__V1__RevertArticle req = BALCAO__V1__REVERT_ARTICLE__INIT;
        req.id = argv[0];
        req.version = (uint32_t) strtoul (argv[1], NULL, 10);
        return s_kb_article_reply (balcao_cli_call (config, "kb", &req.base), 0);
    }
    if (strcmp (sub, "rate") == 0 && argc >= 2) {
        Balcao__V1__RateArticle req = BALCAO__V1__RATE_ARTICLE__INIT;
        req.id = argv[0];
        req.helpful = strcmp (argv[1], "sim") == 0 || strcmp (argv[1], "yes") == 0;
        return s_kb_article_reply (balcao_cli_call (config, "kb", &req.base), 0);
    }
    if (strcmp (sub, "history") == 0)
        return s_kb_history (config, words);
    if (strcmp (sub, "import") == 0)
        return s_kb_import (config, words, s_kb_flag (argc, argv, "--publish"));
    if (strcmp (sub, "export") == 0)
        return s_kb_export (config, words);
    if (strcmp (sub, "from-ticket") == 0) {
        Balcao__V1__ArticleFromTicket req = BALCAO__V1__ARTICLE_FROM_TICKET__INIT;
        req.ticket = balcao_cli_number (words);
        return req.ticket ? s_kb_article_reply (balcao_cli_call (config, "kb", &req.base), 1) : EXIT_USAGE;
    }
    if (strcmp (sub, "similar") == 0) {
        Balcao__V1__SimilarTickets req = BALCAO__V1__SIMILAR_TICKETS__INIT;
        req.ticket = balcao_cli_number (words);
        req.resolved_only = s_kb_flag (argc, argv, "--resolved");
        return req.ticket ? s_kb_tickets (balcao_cli_call (config, "kb", &req.base)) : EXIT_USAGE;
    }
    if (strcmp (sub, "related") == 0) {
        Balcao__V1__SimilarArticles req = BALCAO__V1__SIMILAR_ARTICLES__INIT;
        req.ticket = balcao_cli_number (words);
        return req.ticket ? s_kb_results (balcao_cli_call (config, "kb", &req.base)) : EXIT_USAGE;
    }
    if (strcmp (sub, "preview") == 0)
        return s_kb_preview (config, words);
    return EXIT_USAGE;
}

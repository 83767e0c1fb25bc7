/* balcao_kb: the agent CLI's commands on the knowledge base: `balcao kb search|ask|show|create|edit|publish|
 * import|export|from-ticket|similar|gaps …`, talking to kb. */
#include "balcao_cli.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_article_id.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_curve.h"
#include "bc_log.h"
#include "bc_store.h"

#include <czmq.h>
#include <jansson.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* kb's snippet (HTML-escaped text, the query's words in <mark>) as plain
 * text on out: the marks as mark, entities decoded. */
static void
s_kb_snippet (FILE *out, const char *html, const char *mark)
{
    static const struct {
        const char *from, *to;
    } map[] = {{"<mark>", NULL}, {"</mark>", NULL}, {"&lt;", "<"}, {"&gt;", ">"},
               {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
    for (const char *p = html; *p;) {
        size_t i;
        for (i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strncmp (p, map[i].from, strlen (map[i].from)) == 0)
                break;
        if (i < sizeof map / sizeof map[0]) {
            fputs (map[i].to ? map[i].to : mark, out);
            p += strlen (map[i].from);
        }
        else
            fputc (*p++, out);
    }
}

/* The portal's page of a published public article (the dashboard's API's
 * url), or JSON null. */
static json_t *
s_kb_url (bc_config_t *config, const Balcao__V1__ArticleHit *h)
{
    if (strcmp (h->audience, "publico") != 0 || strcmp (h->status, "publicado") != 0)
        return json_null ();
    char base[512], escaped[3 * BC_ARTICLE_ID_MAX_BYTES + 1], url[1300];
    bc_config_public_url (config, base, sizeof base);
    if (!bc_article_id_escape (h->id, escaped, sizeof escaped))
        return json_null ();
    snprintf (url, sizeof url, "%s/ajuda/%s", base, escaped);
    return json_string (url);
}

/* kb search|suggest|related --json: the results as one object (the format
 * is in docs/API.md, "The CLI's JSON"). */
static int
s_kb_results_json (bc_config_t *config, const Balcao__V1__ArticleResults *r, const char *query,
                   uint64_t ticket)
{
    json_t *hits = json_array (), *facets = json_array ();
    for (size_t i = 0; i < r->n_hits; i++) {
        const Balcao__V1__ArticleHit *h = r->hits[i];
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream (&text, &size);
        s_kb_snippet (f, h->snippet, "");
        fclose (f);
        json_array_append_new (
            hits, json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:o}", "id", h->id,
                             "title", h->title, "type", h->type, "category", h->category,
                             "audience", h->audience, "status", h->status, "score", h->score,
                             "snippet", text, "snippet_html", h->snippet, "url",
                             s_kb_url (config, h)));
        free (text);
    }
    for (size_t i = 0; i < r->n_facets; i++) {
        const Balcao__V1__Facet *f = r->facets[i];
        json_t *group = json_array_size (facets) ? json_array_get (facets, json_array_size (facets) - 1) : NULL;
        if (!group || strcmp (json_string_value (json_object_get (group, "field")), f->field) != 0) {
            group = json_pack ("{s:s, s:[]}", "field", f->field, "values");
            json_array_append_new (facets, group);
        }
        json_array_append_new (json_object_get (group, "values"),
                               json_pack ("{s:s, s:I}", "value", f->value, "count", (json_int_t) f->count));
    }
    json_t *o = json_object ();
    json_object_set_new (o, "query", query ? json_string (query) : json_null ());
    if (ticket)
        json_object_set_new (o, "ticket", json_integer ((json_int_t) ticket));
    json_object_set_new (o, "estimated", json_integer ((json_int_t) r->estimated));
    json_object_set_new (o, "did_you_mean",
                         *r->did_you_mean ? json_string (r->did_you_mean) : json_null ());
    json_object_set_new (o, "showing_results_for", *r->showing_results_for
                                                       ? json_string (r->showing_results_for)
                                                       : json_null ());
    json_object_set_new (o, "hits", hits);
    json_object_set_new (o, "facets", facets);
    json_object_set_new (o, "facets_estimated", json_boolean (r->facets_estimated));
    return balcao_cli_print_json (o);
}

/* The answer of a search, suggest or related request: for people, or
 * (json) as s_kb_results_json. */
static int
s_kb_results (bc_config_t *config, bc_envelope_t *reply, int json, const char *query,
              uint64_t ticket)
{
    if (!reply)
        return balcao_cli_exit ();
    Balcao__V1__ArticleResults *r = (Balcao__V1__ArticleResults *) bc_envelope_payload (
        reply, &balcao__v1__article_results__descriptor);
    bc_envelope_destroy (&reply);
    if (!r)
        return EXIT_UNAVAILABLE;
    if (json) {
        int rc = s_kb_results_json (config, r, query, ticket);
        balcao__v1__article_results__free_unpacked (r, NULL);
        return rc;
    }
    if (*r->showing_results_for)
        printf (T ("Mostrando resultados para: %s\n", "Showing results for: %s\n"),
                r->showing_results_for);
    else if (*r->did_you_mean)
        printf (T ("Você quis dizer: %s\n", "Did you mean: %s\n"), r->did_you_mean);
    if (!r->n_hits)
        printf (T ("Nenhum artigo encontrado.\n", "No article found.\n"));
    for (size_t i = 0; i < r->n_hits; i++) {
        const Balcao__V1__ArticleHit *h = r->hits[i];
        printf ("%-32s %5.2f  %s/%s%s  %s\n", h->id, h->score, h->type, h->audience,
                strcmp (h->status, "publicado") ? T (" (rascunho)", " (draft)") : "", h->title);
        if (*h->snippet) {
            printf ("    ");
            s_kb_snippet (stdout, h->snippet, "*");
            printf ("\n");
        }
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
        a->n_tags = balcao_cli_tags (tag_buf, tags, 32);
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
    int json = balcao_cli_take_json (&argc, argv);
    if (json && strcmp (sub, "search") != 0 && strcmp (sub, "suggest") != 0
        && strcmp (sub, "related") != 0) {
        fprintf (stderr, T ("balcao: --json vale para kb search, kb suggest e kb related\n",
                            "balcao: --json is for kb search, kb suggest and kb related\n"));
        return EXIT_USAGE;
    }
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
            return s_kb_results (config, balcao_cli_call (config, "kb", &req.base), json, words,
                                 0);
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
        return s_kb_results (config, balcao_cli_call (config, "kb", &req.base), json, words, 0);
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
        return balcao_kb_import (config, words, s_kb_flag (argc, argv, "--publish"));
    if (strcmp (sub, "export") == 0)
        return balcao_kb_export (config, words);
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
        return req.ticket ? s_kb_results (config, balcao_cli_call (config, "kb", &req.base), json,
                                          NULL, req.ticket)
                          : EXIT_USAGE;
    }
    if (strcmp (sub, "preview") == 0)
        return s_kb_preview (config, words);
    return EXIT_USAGE;
}

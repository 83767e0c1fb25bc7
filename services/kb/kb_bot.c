/* kb_bot: the bot's conversations with WhatsApp and web-chat customers who
 * have no open ticket (the router's BotTurn). kb keeps each conversation
 * (LMDB `bot_conv`, by its address "whatsapp:+<digits>", the number's
 * identity of lib/bc_phone.h, or "chat:<id>"):
 *
 *   asking      a question: the best public article above kb/bot/threshold
 *               (kb_bot_answer) with its link, then "Isso resolveu?" with
 *               buttons                                   -> answered
 *               a person asked for, upset (kb_bot_rules), or no confident
 *               answer                                    -> hand-off
 *   answered    yes (button or words)                     -> deflected
 *               no: the first time "tell me again"        -> asking
 *                   the second time                       -> hand-off
 *               anything else is a new question, as in asking
 *   hand-off    the category (the router's catalog, sent on each BotTurn)
 *               -> a description when the customer gave none
 *               -> web chat: a name and e-mail when anonymous
 *               -> BotHandoff (the router opens the categorized ticket with
 *               the transcript), and the customer is told a person goes on,
 *               or, outside business hours (router/calendar), when the
 *               team is back                              -> handed_off
 *
 * Every answer is a BotReplied event (notify sends it by WhatsApp; the
 * gateway pushes it to the web chat). A message that comes while the
 * hand-off is on its way to the router follows it (BotHandoff with
 * is_followup). A conversation starts over after its ticket closed, after
 * it was deflected or ended, or after kb/bot/idle_s (a day) of silence.
 * Deflection (confirmed by the customer, no ticket) is counted for the
 * reports (kb_deflection_bot). The bot's words: kb_bot_words.c. */
#include "kb_bot.h"

#include "bc_calendar.h"
#include "bc_phone.h"
#include "bc_log.h"
#include "kb_bot_rules.h"
#include "kb_bot_words.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S_MAX_LINES 100
#define S_MAX_REPLIES 50
#define S_MAX_TEXT 2000
#define S_MAX_DESCRIPTION 4000
#define S_MAX_ATTACHMENTS 10

struct kb_bot_t {
    kb_t *kb;
    MDB_dbi db;
    bc_config_t *cfg;
    bc_calendar_t *calendar;
    char public_url[256];
    int64_t idle_us;
};

/* One turn's work: the conversation being changed and what came. */
typedef struct {
    kb_bot_t *bot;
    bc_tx_t *tx;
    Balcao__V1__BotConversation *c;
    const Balcao__V1__BotTurn *turn; /* NULL for EndConversation */
    int64_t now;
} s_turn_t;

/* ---- the conversation as stored ------------------------------------------ */

static void
s_set (char **field, const char *value)
{
    if (*field && *field != protobuf_c_empty_string)
        free (*field);
    *field = strdup (value ? value : "");
}

/* A heap copy of any message (for repeated fields of a stored one). */
static void *
s_copy (const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size (m);
    uint8_t *buf = malloc (len + 1);
    if (!buf)
        return NULL;
    protobuf_c_message_pack (m, buf);
    void *out = protobuf_c_message_unpack (m->descriptor, NULL, len, buf);
    free (buf);
    return out;
}

/* A conversation's key: a WhatsApp number's identity (lib/bc_phone.h), so
 * a Brazilian customer with or without the ninth digit is one conversation;
 * any other address as it is. */
static const char *
s_key (const char *conversation, char *key, size_t size)
{
    return bc_phone_whatsapp_address (conversation, key, size) == 0 ? key : conversation;
}

static Balcao__V1__BotConversation *
s_load (kb_bot_t *bot, MDB_txn *txn, const char *conversation, int *rc)
{
    char buf[448], alias[BC_PHONE_MAX], old[32];
    const char *key = s_key (conversation, buf, sizeof buf);
    MDB_val k = {strlen (key), (void *) key}, v;
    *rc = mdb_get (txn, bot->db, &k, &v);
    /* Kept before the identity had the ninth digit: under the number
     * without it (saved under the identity from now on). */
    if (*rc == MDB_NOTFOUND && strncmp (key, "whatsapp:+", 10) == 0
        && bc_phone_whatsapp_alias (key + 10, alias, sizeof alias) == 0) {
        snprintf (old, sizeof old, "whatsapp:+%s", alias);
        k = (MDB_val) {strlen (old), old};
        *rc = mdb_get (txn, bot->db, &k, &v);
    }
    if (*rc) {
        if (*rc == MDB_NOTFOUND)
            *rc = 0;
        return NULL;
    }
    Balcao__V1__BotConversation *c =
        balcao__v1__bot_conversation__unpack (NULL, v.mv_size, v.mv_data);
    if (!c)
        bc_warn ("event=bot_conversation_unreadable conversation=%s", key);
    else if (strcmp (c->conversation, key) != 0)
        s_set (&c->conversation, key);
    return c;
}

static Balcao__V1__BotConversation *
s_new (const char *conversation, const char *channel, const char *language, int64_t now)
{
    Balcao__V1__BotConversation *c = malloc (sizeof *c);
    if (!c)
        return NULL;
    balcao__v1__bot_conversation__init (c);
    s_set (&c->conversation, conversation);
    s_set (&c->channel, channel);
    s_set (&c->state, "new");
    s_set (&c->language, language && strncmp (language, "en", 2) == 0 ? "en" : "pt-BR");
    c->started_us = c->updated_us = now;
    return c;
}

static int
s_save (kb_bot_t *bot, MDB_txn *txn, const Balcao__V1__BotConversation *c)
{
    return kb_put_msg (txn, bot->db, c->conversation, strlen (c->conversation), &c->base);
}

static void
s_line (Balcao__V1__BotConversation *c, int64_t now, const char *who, const char *text)
{
    Balcao__V1__BotLine *l = malloc (sizeof *l);
    if (!l)
        return;
    balcao__v1__bot_line__init (l);
    l->time_us = now;
    s_set (&l->who, who);
    char cut[S_MAX_TEXT + 4];
    snprintf (cut, sizeof cut, "%s", text);
    s_set (&l->text, cut);
    if (c->n_transcript >= S_MAX_LINES) {
        /* The first lines say what it was about: the middle goes. */
        balcao__v1__bot_line__free_unpacked (c->transcript[S_MAX_LINES / 2], NULL);
        memmove (&c->transcript[S_MAX_LINES / 2], &c->transcript[S_MAX_LINES / 2 + 1],
                 (c->n_transcript - S_MAX_LINES / 2 - 1) * sizeof *c->transcript);
        c->n_transcript--;
    }
    Balcao__V1__BotLine **more = realloc (c->transcript, (c->n_transcript + 1) * sizeof *more);
    if (!more) {
        balcao__v1__bot_line__free_unpacked (l, NULL);
        return;
    }
    c->transcript = more;
    c->transcript[c->n_transcript++] = l;
}

static void
s_push_string (char ***list, size_t *n, const char *value)
{
    char **more = realloc (*list, (*n + 1) * sizeof *more);
    if (!more)
        return;
    *list = more;
    more[(*n)++] = strdup (value);
}

static int
s_is_en (const Balcao__V1__BotConversation *c)
{
    return strncmp (c->language, "en", 2) == 0;
}

/* ---- what the bot says ---------------------------------------------------- */

static Balcao__V1__BotOption *
s_option (const char *id, const char *title)
{
    Balcao__V1__BotOption *o = malloc (sizeof *o);
    if (!o)
        return NULL;
    balcao__v1__bot_option__init (o);
    s_set (&o->id, id);
    s_set (&o->title, title);
    return o;
}

/* A reply being written: text, its buttons or options, then s_say. */
typedef struct {
    char *text;
    const char *buttons[3][2]; /* id, title */
    size_t n_buttons;
    int with_categories;
    const char *article, *article_url;
    int asks_contact;
} s_reply_t;

/* Emits BotReplied and keeps it on the conversation (GetConversation). */
static int
s_say (s_turn_t *x, const s_reply_t *r)
{
    Balcao__V1__BotConversation *c = x->c;
    const char *lang = c->language;
    Balcao__V1__BotReplied *out = malloc (sizeof *out);
    if (!out)
        return ENOMEM;
    balcao__v1__bot_replied__init (out);
    s_set (&out->conversation, c->conversation);
    s_set (&out->channel, c->channel);
    s_set (&out->text, r->text);
    s_set (&out->in_reply_to, x->turn ? x->turn->message_ref : "");
    s_set (&out->language, lang);
    s_set (&out->article, r->article ? r->article : "");
    s_set (&out->article_url, r->article_url ? r->article_url : "");
    s_set (&out->state, c->state);
    out->asks_contact = r->asks_contact;
    out->seq = ++c->replies_seq;
    if (r->n_buttons) {
        out->buttons = calloc (r->n_buttons, sizeof *out->buttons);
        for (size_t i = 0; out->buttons && i < r->n_buttons; i++)
            if ((out->buttons[out->n_buttons] = s_option (r->buttons[i][0], r->buttons[i][1])))
                out->n_buttons++;
    }
    if (r->with_categories && x->turn && x->turn->n_categories) {
        size_t n = x->turn->n_categories < 10 ? x->turn->n_categories : 10;
        out->options = calloc (n, sizeof *out->options);
        for (size_t i = 0; out->options && i < n; i++) {
            const Balcao__V1__Category *cat = x->turn->categories[i];
            char id[64];
            snprintf (id, sizeof id, "cat:%s", cat->id);
            const char *name = s_is_en (c) && *cat->name_en ? cat->name_en : cat->name;
            if ((out->options[out->n_options] = s_option (id, name)))
                out->n_options++;
        }
        /* None fits: the router's default category, triage classifies it. */
        Balcao__V1__BotOption **more = realloc (out->options, (n + 1) * sizeof *more);
        if (more) {
            out->options = more;
            if ((more[out->n_options] =
                     s_option ("cat:other", kb_bot_word (x->bot->cfg, KB_BOT_W_OTHER, lang))))
                out->n_options++;
        }
        s_set (&out->options_label,
               kb_bot_word (x->bot->cfg, KB_BOT_W_CATEGORY_LABEL, lang));
    }
    int rc = bc_tx_emit (x->tx, &out->base);
    s_line (c, x->now, "bot", r->text);
    if (c->n_replies >= S_MAX_REPLIES) {
        balcao__v1__bot_replied__free_unpacked (c->replies[0], NULL);
        memmove (&c->replies[0], &c->replies[1], (c->n_replies - 1) * sizeof *c->replies);
        c->n_replies--;
    }
    Balcao__V1__BotReplied **more = realloc (c->replies, (c->n_replies + 1) * sizeof *more);
    if (more) {
        c->replies = more;
        c->replies[c->n_replies++] = out;
    }
    else
        balcao__v1__bot_replied__free_unpacked (out, NULL);
    return rc;
}

static int
s_say_word (s_turn_t *x, kb_bot_word_t word, int with_person)
{
    s_reply_t r = {.text = (char *) kb_bot_word (x->bot->cfg, word, x->c->language)};
    if (with_person) {
        r.buttons[0][0] = "bot:person";
        r.buttons[0][1] = kb_bot_word (x->bot->cfg, KB_BOT_W_PERSON, x->c->language);
        r.n_buttons = 1;
    }
    return s_say (x, &r);
}

/* ---- hand-off -------------------------------------------------------------- */

static int
s_is_chat (const Balcao__V1__BotConversation *c)
{
    return strcmp (c->channel, "chat") == 0;
}

/* The next question before the hand-off, or the hand-off itself. */
static int s_handoff_next (s_turn_t *x);

/* Emits BotHandoff *h (its conversation's fields filled here, the rest
 * by the caller) under the conversation's next hand-off id. */
static int
s_emit_handoff (s_turn_t *x, Balcao__V1__BotHandoff *h)
{
    Balcao__V1__BotConversation *c = x->c;
    c->handoffs++;
    char id[512];
    snprintf (id, sizeof id, "%s#%lld#%u", c->conversation, (long long) c->started_us,
              c->handoffs);
    h->conversation = c->conversation;
    h->handoff_id = id;
    h->channel = c->channel;
    h->customer_address = s_is_chat (c) && *c->contact_address ? c->contact_address
                                                               : c->conversation;
    h->customer_name = c->customer_name;
    h->reason = c->handoff_reason;
    h->language = c->language;
    return bc_tx_emit (x->tx, &h->base);
}

static int
s_handoff (s_turn_t *x)
{
    Balcao__V1__BotConversation *c = x->c;
    kb_bot_t *bot = x->bot;
    time_t now = (time_t) (x->now / 1000000);
    time_t back = bot->calendar ? bc_calendar_next_open (bot->calendar, now) : now;
    int after_hours = back && back > now;
    Balcao__V1__BotHandoff h = BALCAO__V1__BOT_HANDOFF__INIT;
    h.category = c->category;
    h.description = c->description;
    h.transcript = c->transcript;
    h.n_transcript = c->n_transcript;
    h.attachments = c->attachments;
    h.n_attachments = c->n_attachments;
    h.after_hours = after_hours;
    h.message_id = c->last_message_id;
    h.message_ref = c->last_message_ref;
    s_set (&c->state, "handed_off");
    int rc = s_emit_handoff (x, &h);
    if (!rc)
        rc = kb_deflection_bot (bot->kb, bc_tx_txn (x->tx), KB_BOT_HANDED_OFF, NULL, x->now);
    bc_info ("event=bot_handoff conversation=%s reason=%s category=%s after_hours=%d",
             c->conversation, c->handoff_reason, c->category, after_hours);
    if (rc || !x->turn)
        return rc; /* the visitor left: nobody to tell */
    s_reply_t r = {0};
    if (after_hours) {
        char when[96];
        kb_bot_back_at (now, back, c->language, when, sizeof when);
        const char *vars[][2] = {{"horario", kb_bot_word (bot->cfg, KB_BOT_W_HOURS, c->language)},
                                 {"volta", when}};
        r.text = kb_bot_fill (kb_bot_word (bot->cfg, KB_BOT_W_AFTER_HOURS, c->language), vars, 2);
    }
    else
        r.text = strdup (kb_bot_word (bot->cfg,
                                      s_is_chat (c) ? KB_BOT_W_HANDED_OFF_CHAT : KB_BOT_W_HANDED_OFF,
                                      c->language));
    rc = r.text ? s_say (x, &r) : ENOMEM;
    free (r.text);
    return rc;
}

static int
s_handoff_next (s_turn_t *x)
{
    Balcao__V1__BotConversation *c = x->c;
    if (!x->turn)
        return s_handoff (x);
    if (!*c->category && c->missed_choices < 2 && x->turn->n_categories) {
        s_set (&c->state, "category");
        s_reply_t r = {.text = (char *) kb_bot_word (x->bot->cfg, KB_BOT_W_ASK_CATEGORY, c->language),
                       .with_categories = 1};
        return s_say (x, &r);
    }
    if (!*c->description) {
        s_set (&c->state, "description");
        return s_say_word (x, KB_BOT_W_ASK_DESCRIPTION, 0);
    }
    if (s_is_chat (c) && !*c->contact_address) {
        s_set (&c->state, "contact");
        s_reply_t r = {.text = (char *) kb_bot_word (x->bot->cfg, KB_BOT_W_ASK_CONTACT, c->language),
                       .asks_contact = 1};
        return s_say (x, &r);
    }
    return s_handoff (x);
}

/* Starts handing off: says why, then asks what N1 needs. */
static int
s_handoff_start (s_turn_t *x, const char *reason)
{
    s_set (&x->c->handoff_reason, reason);
    kb_bot_word_t why = strcmp (reason, "asked_for_person") == 0 ? KB_BOT_W_TO_PERSON
                        : strcmp (reason, "upset") == 0          ? KB_BOT_W_UPSET
                        : strcmp (reason, "unhelpful") == 0      ? KB_BOT_W_UNHELPFUL
                                                                 : KB_BOT_W_NO_ANSWER;
    int rc = s_say_word (x, why, 0);
    return rc ? rc : s_handoff_next (x);
}

/* ---- a turn ---------------------------------------------------------------- */

static void
s_describe (Balcao__V1__BotConversation *c, const char *text)
{
    if (!text || !*text)
        return;
    size_t have = strlen (c->description), add = strlen (text);
    if (have + add + 2 > S_MAX_DESCRIPTION)
        return;
    char *d = malloc (have + add + 2);
    if (!d)
        return;
    memcpy (d, c->description, have);
    if (have)
        d[have++] = '\n';
    memcpy (d + have, text, add + 1);
    s_set (&c->description, d);
    free (d);
}

/* The public link of an article: <gateway/public_url>/ajuda/<id>, the id
 * percent-encoded. */
static void
s_article_url (kb_bot_t *bot, const char *id, char *out, size_t size)
{
    int used = snprintf (out, size, "%s/ajuda/", bot->public_url);
    for (const unsigned char *p = (const unsigned char *) id; *p && used > 0 && (size_t) used + 4 < size;
         p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
            || strchr ("-._~", *p))
            out[used++] = (char) *p;
        else
            used += snprintf (out + used, size - (size_t) used, "%%%02X", *p);
    }
    out[used > 0 && (size_t) used < size ? used : 0] = 0;
}

/* A question: an article, or a hand-off. */
static int
s_ask (s_turn_t *x, const char *text)
{
    Balcao__V1__BotConversation *c = x->c;
    kb_bot_answer_t a;
    int rc = kb_bot_answer (x->bot->kb, x->tx, text, "customer:bot", &a);
    if (rc == -1) {
        /* The index failed: a person, rather than silence. */
        bc_warn ("event=bot_search_failed conversation=%s", c->conversation);
        kb_bot_answer_free (&a);
        s_describe (c, text);
        return s_handoff_start (x, "low_confidence");
    }
    if (rc) {
        kb_bot_answer_free (&a);
        return rc;
    }
    const char *handoff = a.answer.handoff;
    int offered = 0;
    for (size_t i = 0; a.answer.confident && i < c->n_articles; i++)
        offered |= strcmp (c->articles[i], a.answer.article) == 0;
    if (*handoff && strcmp (handoff, "asked_for_person") != 0)
        s_describe (c, text); /* "upset", "low_confidence": the words say what is wrong */
    if (*handoff || offered) {
        kb_bot_answer_free (&a);
        return s_handoff_start (x, *handoff ? handoff : "unhelpful");
    }
    s_set (&c->question, text);
    s_describe (c, text);
    char url[1024];
    s_article_url (x->bot, a.answer.article, url, sizeof url);
    const char *vars[][2] = {{"titulo", a.answer.title}, {"trecho", a.answer.excerpt}, {"link", url}};
    s_reply_t r = {.article = a.answer.article, .article_url = url};
    /* WhatsApp shows the link in the text; the web chat as its own link. */
    r.text = kb_bot_fill (kb_bot_word (x->bot->cfg,
                                       s_is_chat (c) ? KB_BOT_W_ANSWER_CHAT : KB_BOT_W_ANSWER,
                                       c->language),
                          vars, 3);
    r.buttons[0][0] = "bot:yes";
    r.buttons[0][1] = kb_bot_word (x->bot->cfg, KB_BOT_W_YES, c->language);
    r.buttons[1][0] = "bot:no";
    r.buttons[1][1] = kb_bot_word (x->bot->cfg, KB_BOT_W_NO, c->language);
    r.buttons[2][0] = "bot:person";
    r.buttons[2][1] = kb_bot_word (x->bot->cfg, KB_BOT_W_PERSON, c->language);
    r.n_buttons = 3;
    s_push_string (&c->articles, &c->n_articles, a.answer.article);
    s_set (&c->state, "answered");
    rc = r.text ? s_say (x, &r) : ENOMEM;
    if (!rc)
        rc = kb_deflection_bot (x->bot->kb, bc_tx_txn (x->tx), KB_BOT_ANSWERED, a.answer.article,
                                x->now);
    free (r.text);
    kb_bot_answer_free (&a);
    return rc;
}

/* The category the customer chose: a tapped option ("cat:<id>"), its
 * number in the list, or its name typed; "-" for "Outro assunto" (the
 * last option), "" when none. */
static const char *
s_chosen_category (kb_bot_t *bot, const Balcao__V1__BotTurn *t, const char *language)
{
    const char *other = kb_bot_word (bot->cfg, KB_BOT_W_OTHER, language);
    char *end;
    long n = strtol (t->text, &end, 10);
    if (strcmp (t->reply_id, "cat:other") == 0 || strcasecmp (t->text, other) == 0
        || (end != t->text && *end == 0 && (size_t) n == t->n_categories + 1))
        return "-";
    if (strncmp (t->reply_id, "cat:", 4) == 0) {
        for (size_t i = 0; i < t->n_categories; i++)
            if (strcmp (t->categories[i]->id, t->reply_id + 4) == 0)
                return t->categories[i]->id;
        return "";
    }
    if (end != t->text && *end == 0 && n >= 1 && (size_t) n <= t->n_categories)
        return t->categories[n - 1]->id;
    for (size_t i = 0; i < t->n_categories; i++)
        if (strcasecmp (t->text, t->categories[i]->name) == 0
            || strcasecmp (t->text, t->categories[i]->name_en) == 0
            || strcasecmp (t->text, t->categories[i]->id) == 0)
            return t->categories[i]->id;
    return "";
}

static int
s_on_answered (s_turn_t *x, const char *text)
{
    Balcao__V1__BotConversation *c = x->c;
    const char *id = x->turn->reply_id;
    kb_bot_feedback_t f = strcmp (id, "bot:yes") == 0 ? KB_BOT_FEEDBACK_YES
                          : strcmp (id, "bot:no") == 0 ? KB_BOT_FEEDBACK_NO
                          : *id                        ? KB_BOT_FEEDBACK_OTHER
                                                       : kb_bot_feedback (text);
    if (f == KB_BOT_FEEDBACK_YES) {
        s_set (&c->state, "deflected");
        const char *article = c->n_articles ? c->articles[c->n_articles - 1] : NULL;
        int rc = kb_deflection_bot (x->bot->kb, bc_tx_txn (x->tx), KB_BOT_DEFLECTED, article,
                                    x->now);
        bc_info ("event=bot_deflected conversation=%s article=%s", c->conversation,
                 article ? article : "");
        return rc ? rc : s_say_word (x, KB_BOT_W_DEFLECTED, 0);
    }
    if (f == KB_BOT_FEEDBACK_NO) {
        c->unhelpful++;
        if (c->unhelpful >= 2)
            return s_handoff_start (x, "unhelpful");
        /* "Não, o boleto continua sem sair": the words are the new question. */
        int words = 0;
        for (const char *p = text; *p; p++)
            words += (*p == ' ' && p[1] && p[1] != ' ');
        if (!*id && words >= 3)
            return s_ask (x, text);
        s_set (&c->state, "asking");
        return s_say_word (x, KB_BOT_W_RETRY, 1);
    }
    return s_ask (x, text);
}

static int
s_turn (s_turn_t *x)
{
    Balcao__V1__BotConversation *c = x->c;
    const Balcao__V1__BotTurn *t = x->turn;
    const char *state = c->state;
    char text[S_MAX_TEXT + 1];
    snprintf (text, sizeof text, "%s", t->text);
    /* A person, whatever the state, when the customer taps it or says so. */
    int asks_person = strcmp (t->reply_id, "bot:person") == 0;
    if (strncmp (t->reply_id, "resolved:", 9) == 0 || (strncmp (t->reply_id, "bot:", 4) == 0
                                                     && !c->n_articles && !asks_person)) {
        /* A button of something else (a closed ticket's resolution, an
         * answer of a conversation that is over): nothing to answer. */
        bc_info ("event=bot_stale_button conversation=%s reply_id=%s", c->conversation,
                 t->reply_id);
        return 0;
    }
    if (strcmp (state, "handed_off") == 0) {
        /* On its way to the router: this message follows it. */
        Balcao__V1__BotHandoff h = BALCAO__V1__BOT_HANDOFF__INIT;
        h.description = text;
        h.attachments = t->attachments;
        h.n_attachments = t->n_attachments;
        h.message_id = t->message_id;
        h.message_ref = t->message_ref;
        h.is_followup = 1;
        return s_emit_handoff (x, &h);
    }
    if (strcmp (state, "category") == 0 && !asks_person) {
        const char *cat = s_chosen_category (x->bot, t, c->language);
        if (strcmp (cat, "-") == 0) {
            c->missed_choices = 2; /* "Outro assunto": triage classifies it */
            return s_handoff_next (x);
        }
        if (!*cat && ++c->missed_choices < 2) {
            s_reply_t r = {.text = (char *) kb_bot_word (x->bot->cfg, KB_BOT_W_CATEGORY_AGAIN,
                                                         c->language),
                           .with_categories = 1};
            return s_say (x, &r);
        }
        s_set (&c->category, cat);
        if (!*cat)
            s_describe (c, text); /* they wrote about it instead */
        return s_handoff_next (x);
    }
    if (strcmp (state, "description") == 0 && !asks_person) {
        s_describe (c, *text ? text : (s_is_en (c) ? "(a file)" : "(um arquivo)"));
        return s_handoff_next (x);
    }
    if (strcmp (state, "contact") == 0) {
        if (!*c->contact_address)
            return s_handoff_next (x); /* asks again */
        return s_handoff (x);
    }
    if (asks_person)
        return strcmp (state, "category") == 0 || strcmp (state, "description") == 0
                   ? s_handoff_next (x)
                   : s_handoff_start (x, "asked_for_person");
    if (!*text && t->n_attachments) {
        /* A file on its own: nothing to search; a person looks at it. */
        s_describe (c, s_is_en (c) ? "(a file)" : "(um arquivo)");
        return s_handoff_start (x, "low_confidence");
    }
    /* A button of an earlier answer tapped later ("Sim, resolveu" after
     * "tell me again"): read as the answer it was, not as a question. */
    if (strcmp (state, "answered") == 0
        || (c->n_articles && strncmp (t->reply_id, "bot:", 4) == 0))
        return s_on_answered (x, text);
    return s_ask (x, text);
}

/* Whether the stored conversation is over: a new one starts. */
static int
s_is_over (kb_bot_t *bot, const Balcao__V1__BotConversation *c, int64_t now)
{
    return strcmp (c->state, "deflected") == 0 || c->ended_us
           || (strcmp (c->state, "handed_off") == 0 && c->ticket)
           || now - c->updated_us > bot->idle_us;
}

int
kb_bot_on_turn (kb_bot_t *bot, bc_tx_t *tx, const Balcao__V1__BotTurn *t)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    if (!*t->conversation || strlen (t->conversation) > 400) {
        bc_warn ("event=bot_turn_refused reason=\"no conversation\" message_ref=%s",
                 t->message_ref);
        return 0;
    }
    int rc;
    Balcao__V1__BotConversation *c = s_load (bot, txn, t->conversation, &rc);
    if (rc)
        return rc;
    if (c && s_is_over (bot, c, now)) {
        balcao__v1__bot_conversation__free_unpacked (c, NULL);
        c = NULL;
    }
    char key[448];
    if (!c && !(c = s_new (s_key (t->conversation, key, sizeof key), t->channel, t->language,
                           now)))
        return ENOMEM;
    if (*t->from_name)
        s_set (&c->customer_name, t->from_name);
    if (*t->contact_address)
        s_set (&c->contact_address, t->contact_address);
    s_set (&c->last_message_ref, t->message_ref);
    s_set (&c->last_message_id, t->message_id);
    c->updated_us = now;
    /* The transcript: what they wrote, and the files they sent. */
    if (*t->text && strcmp (t->reply_id, "contact") != 0)
        s_line (c, now, "customer", t->text);
    for (size_t i = 0; i < t->n_attachments; i++) {
        char line[600];
        snprintf (line, sizeof line, s_is_en (c) ? "[file] %s" : "[arquivo] %s",
                  t->attachments[i]->filename);
        s_line (c, now, "customer", line);
        if (c->n_attachments < S_MAX_ATTACHMENTS && strcmp (c->state, "handed_off") != 0) {
            Balcao__V1__Attachment **more =
                realloc (c->attachments, (c->n_attachments + 1) * sizeof *more);
            Balcao__V1__Attachment *copy = s_copy (&t->attachments[i]->base);
            if (more && copy) {
                c->attachments = more;
                c->attachments[c->n_attachments++] = copy;
            }
            else if (more)
                c->attachments = more;
        }
    }
    s_turn_t x = {bot, tx, c, t, now};
    rc = s_turn (&x);
    if (!rc)
        rc = s_save (bot, txn, c);
    bc_info ("event=bot_turn conversation=%s state=%s message_ref=%s rc=%d", c->conversation,
             c->state, t->message_ref, rc);
    balcao__v1__bot_conversation__free_unpacked (c, NULL);
    return rc;
}

int
kb_bot_on_ticket (kb_bot_t *bot, bc_tx_t *tx, const Balcao__V1__Ticket *t)
{
    if (!t || !*t->conversation)
        return 0;
    int rc;
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__BotConversation *c = s_load (bot, txn, t->conversation, &rc);
    if (!c)
        return rc;
    if (strcmp (c->state, "handed_off") == 0 && !c->ticket) {
        c->ticket = t->number;
        rc = s_save (bot, txn, c);
    }
    balcao__v1__bot_conversation__free_unpacked (c, NULL);
    return rc;
}

/* ---- requests ---------------------------------------------------------------- */

static int
s_may (bc_tx_t *tx, bc_reply_t *reply)
{
    if (kb_is_staff (bc_tx_principal (tx)))
        return 1;
    bc_reply_error (reply, "forbidden", "só a equipe e o gateway leem as conversas do assistente",
                    "only staff and the gateway read the assistant's conversations");
    return 0;
}

/* The conversation a request names, when the caller may read it; else
 * NULL with the reply set (*rc an LMDB code, or 0). */
static Balcao__V1__BotConversation *
s_requested (kb_bot_t *bot, bc_tx_t *tx, const char *conversation, bc_reply_t *reply, int *rc)
{
    *rc = 0;
    if (!s_may (tx, reply))
        return NULL;
    Balcao__V1__BotConversation *c = s_load (bot, bc_tx_txn (tx), conversation, rc);
    if (!c && !*rc)
        bc_reply_error (reply, "not_found", "conversa não encontrada", "no such conversation");
    return c;
}

static int
s_get (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
       bc_reply_t *reply)
{
    (void) request;
    const Balcao__V1__GetConversation *req = (const Balcao__V1__GetConversation *) payload;
    int rc;
    Balcao__V1__BotConversation *c =
        s_requested (((kb_t *) state)->bot, tx, req->conversation, reply, &rc);
    if (!c)
        return rc;
    bc_reply_ok (reply, &c->base);
    balcao__v1__bot_conversation__free_unpacked (c, NULL);
    return 0;
}

static int
s_end (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
       bc_reply_t *reply)
{
    (void) request;
    kb_bot_t *bot = ((kb_t *) state)->bot;
    const Balcao__V1__EndConversation *req = (const Balcao__V1__EndConversation *) payload;
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__BotConversation *c = s_requested (bot, tx, req->conversation, reply, &rc);
    if (!c)
        return rc;
    if (!c->ended_us) {
        int64_t now = bc_tx_now_us (tx);
        c->ended_us = now;
        /* Left unanswered: a person answers by e-mail (or sees it, when the
         * visitor never left one). */
        int has_question = 0;
        for (size_t i = 0; i < c->n_transcript; i++)
            has_question |= strcmp (c->transcript[i]->who, "customer") == 0;
        const char *st = c->state;
        if (has_question && strcmp (st, "handed_off") != 0 && strcmp (st, "deflected") != 0) {
            if (!*c->handoff_reason || strcmp (st, "answered") == 0 || strcmp (st, "asking") == 0)
                s_set (&c->handoff_reason, "chat_ended");
            s_turn_t x = {bot, tx, c, NULL, now};
            rc = s_handoff (&x);
        }
        Balcao__V1__ConversationEnded ev = BALCAO__V1__CONVERSATION_ENDED__INIT;
        ev.conversation = c->conversation;
        ev.channel = c->channel;
        ev.state = c->state;
        ev.contact_address = c->contact_address;
        if (!rc)
            rc = bc_tx_emit (tx, &ev.base);
        if (!rc)
            rc = s_save (bot, txn, c);
        bc_info ("event=bot_conversation_ended conversation=%s state=%s", c->conversation,
                 c->state);
    }
    if (!rc)
        bc_reply_ok (reply, &c->base);
    balcao__v1__bot_conversation__free_unpacked (c, NULL);
    return rc;
}

/* ---- set-up ------------------------------------------------------------------ */

kb_bot_t *
kb_bot_new (kb_t *kb)
{
    kb_bot_t *bot = calloc (1, sizeof *bot);
    if (!bot)
        return NULL;
    bot->kb = kb;
    bot->cfg = bc_service_config (kb->svc);
    bot->db = bc_service_dbi (kb->svc, "bot_conv");
    bot->idle_us = bc_config_int (bot->cfg, "kb/bot/idle_s", 24 * 3600) * 1000000LL;
    bc_config_public_url (bot->cfg, bot->public_url, sizeof bot->public_url);
    char err[256];
    /* The team's hours, as the router counts SLAs (router/calendar). */
    bot->calendar = bc_calendar_new (bot->cfg, err, sizeof err);
    if (!bot->calendar)
        bc_warn ("event=bot_calendar_unusable reason=\"%s\" hint=\"the bot will not say when "
                 "the team is back\"",
                 err);
    bc_service_on_command (kb->svc, &balcao__v1__get_conversation__descriptor, 0, s_get);
    bc_service_on_command (kb->svc, &balcao__v1__end_conversation__descriptor, 1, s_end);
    return bot;
}

void
kb_bot_destroy (kb_bot_t **bot_p)
{
    if (!bot_p || !*bot_p)
        return;
    bc_calendar_destroy (&(*bot_p)->calendar);
    free (*bot_p);
    *bot_p = NULL;
}

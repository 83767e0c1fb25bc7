/* bc_scrub: the LGPD scrubber (see bc_scrub.h): a walk of any protobuf
 * message by its descriptor that takes a data subject's texts, names,
 * addresses and files out of it. */
#include "bc_scrub.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/router.pb-c.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern const ProtobufCMessageDescriptor *const bc_proto_registry[];

struct bc_scrub_t {
    char label[80];
    char **terms;
    size_t nterms, terms_cap;
    uint64_t *tickets;
    size_t ntickets, tickets_cap;
    int tickets_sorted;
    char **refs;
    size_t nrefs, refs_cap;
    int refs_sorted;
    char (*allowed)[65];
    size_t nallowed;
    int owned_only;
};

/* Fields by what they hold. */
static const char *const s_text_fields[] = {
    "subject", "body", "reply", "text", "texts", "comment", "csat_comment", "html",
    "description", "steps_to_reproduce", "environment", "note", "notes", "question",
    "snippet", "excerpt", "filename", "files", "refused_files", "resolution",
    "handoff_reason", "markdown", "message", "summary", "summary_en", "affected_customers",
    "report_recipient", "last_error", NULL};
static const char *const s_name_fields[] = {"from_name", "customer_name", "name", NULL};
/* Customer-side: the value is the subject's address, number or tax id. */
static const char *const s_customer_fields[] = {
    "from_address", "customer_address", "customer", "contact_address", "conversation",
    "whatsapp_number", "email", "phone", "tax_id", "to", "recipient", NULL};
/* Customer-side only when the value is a customer's principal. */
static const char *const s_principal_fields[] = {"author", "id", "principal", "person",
                                                 "requested_by", NULL};
/* Raw content: a MIME message, a rendered mail, a file. */
static const char *const s_raw_fields[] = {"raw_mime", "content", "mail", "whatsapp_fallback",
                                           NULL};

static int
s_in (const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp (*list, name) == 0)
            return 1;
    return 0;
}

bc_scrub_t *
bc_scrub_new (const char *label)
{
    bc_scrub_t *self = calloc (1, sizeof *self);
    if (self)
        snprintf (self->label, sizeof self->label, "titular-%s", label ? label : "");
    return self;
}

bc_scrub_t *
bc_scrub_from_event (const void *payload, size_t len)
{
    Balcao__V1__PersonErased *ev = balcao__v1__person_erased__unpack (NULL, len, payload);
    if (!ev)
        return NULL;
    bc_scrub_t *self = bc_scrub_new (ev->erasure);
    for (size_t i = 0; self && i < ev->n_tickets; i++)
        bc_scrub_add_ticket (self, ev->tickets[i]);
    for (size_t i = 0; self && i < ev->n_message_refs; i++)
        bc_scrub_add_ref (self, ev->message_refs[i]);
    for (size_t i = 0; self && i < ev->n_term_hashes; i++)
        bc_scrub_allow_hash (self, ev->term_hashes[i]);
    if (self && ev->tickets_only)
        self->owned_only = 1;
    balcao__v1__person_erased__free_unpacked (ev, NULL);
    return self;
}

void
bc_scrub_set_owned_only (bc_scrub_t *self)
{
    self->owned_only = 1;
}

int
bc_scrub_is_owned_only (const bc_scrub_t *self)
{
    return self->owned_only;
}

void
bc_scrub_destroy (bc_scrub_t **self_p)
{
    bc_scrub_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nterms; i++)
        free (self->terms[i]);
    for (size_t i = 0; i < self->nrefs; i++)
        free (self->refs[i]);
    free (self->terms);
    free (self->refs);
    free (self->allowed);
    free (self->tickets);
    free (self);
    *self_p = NULL;
}

const char *
bc_scrub_label (const bc_scrub_t *self)
{
    return self->label;
}

size_t
bc_scrub_terms (const bc_scrub_t *self)
{
    return self->nterms;
}

/* Where needle (nlen > 0) first occurs in hay, without ASCII case. */
static const char *
s_find (const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0 || hlen < nlen)
        return NULL;
    int first = tolower ((unsigned char) needle[0]);
    for (size_t i = 0; i + nlen <= hlen; i++) {
        if (tolower ((unsigned char) hay[i]) != first)
            continue;
        /* By hand, not strncasecmp: hay may hold NUL bytes. */
        size_t j = 1;
        while (j < nlen
               && tolower ((unsigned char) hay[i + j]) == tolower ((unsigned char) needle[j]))
            j++;
        if (j == nlen)
            return hay + i;
    }
    return NULL;
}

void
bc_scrub_allow_hash (bc_scrub_t *self, const char *hex)
{
    if (!hex || strlen (hex) != 64)
        return;
    char (*grown)[65] = realloc (self->allowed, (self->nallowed + 1) * sizeof *grown);
    if (!grown)
        return;
    self->allowed = grown;
    memcpy (self->allowed[self->nallowed++], hex, 65);
}

char **
bc_scrub_term_hashes (const bc_scrub_t *self, size_t *n)
{
    char **out = calloc (self->nterms + 1, sizeof *out);
    *n = 0;
    for (size_t i = 0; out && i < self->nterms; i++)
        if ((out[*n] = malloc (65)))
            bc_scrub_subject_hash (self->terms[i], out[(*n)++]);
    return out;
}

/* While learning with an allow list: whether term (len bytes) is on it. */
static int
s_allowed (const bc_scrub_t *self, const char *term, size_t len)
{
    if (!self->nallowed)
        return 1;
    char *copy = strndup (term, len), hex[65];
    if (!copy)
        return 0;
    bc_scrub_subject_hash (copy, hex);
    free (copy);
    for (size_t i = 0; i < self->nallowed; i++)
        if (strcmp (self->allowed[i], hex) == 0)
            return 1;
    return 0;
}

static void
s_add (bc_scrub_t *self, const char *term, size_t len)
{
    while (len && isspace ((unsigned char) *term))
        term++, len--;
    while (len && isspace ((unsigned char) term[len - 1]))
        len--;
    if (len < 4 || len > 320 || !s_allowed (self, term, len))
        return;
    if (s_find (self->label, strlen (self->label), term, len))
        return; /* never the label itself */
    for (size_t i = 0; i < self->nterms; i++)
        if (strlen (self->terms[i]) == len && strncasecmp (self->terms[i], term, len) == 0)
            return;
    if (self->nterms == self->terms_cap) {
        size_t cap = self->terms_cap ? self->terms_cap * 2 : 16;
        char **t = realloc (self->terms, cap * sizeof *t);
        if (!t)
            return;
        self->terms = t;
        self->terms_cap = cap;
    }
    char *copy = strndup (term, len);
    if (!copy)
        return;
    /* Longest first: a longer term is replaced before a shorter one in it. */
    size_t at = 0;
    while (at < self->nterms && strlen (self->terms[at]) >= len)
        at++;
    memmove (self->terms + at + 1, self->terms + at, (self->nterms - at) * sizeof *self->terms);
    self->terms[at] = copy;
    self->nterms++;
}

/* The value without a "customer:", "whatsapp:" or "chat:" prefix. */
static const char *
s_unprefixed (const char *v)
{
    static const char *const prefixes[] = {"customer:", "whatsapp:", "chat:", "conv:", NULL};
    for (int again = 1; again;) {
        again = 0;
        for (int i = 0; prefixes[i]; i++) {
            size_t n = strlen (prefixes[i]);
            if (strncasecmp (v, prefixes[i], n) == 0) {
                v += n;
                again = 1;
            }
        }
    }
    return v;
}

void
bc_scrub_add_term (bc_scrub_t *self, const char *term)
{
    if (!term)
        return;
    term = s_unprefixed (term);
    s_add (self, term, strlen (term));
    /* An address's usual spellings: with and without "+", digits only. */
    char digits[40];
    size_t n = 0;
    int other = 0;
    for (const char *p = term; *p; p++) {
        if (isdigit ((unsigned char) *p)) {
            if (n + 1 < sizeof digits)
                digits[n++] = *p;
        } else if (!strchr ("+ ()-.", *p))
            other = 1;
    }
    digits[n] = 0;
    if (!other && n >= 8)
        bc_scrub_add_phone (self, digits);
}

void
bc_scrub_add_name (bc_scrub_t *self, const char *name)
{
    if (!name)
        return;
    while (isspace ((unsigned char) *name))
        name++;
    const char *space = strchr (name, ' ');
    if (space && space[1] && !isspace ((unsigned char) space[1]))
        s_add (self, name, strlen (name));
}

void
bc_scrub_add_phone (bc_scrub_t *self, const char *phone)
{
    char d[32];
    size_t n = 0;
    for (const char *p = phone ? phone : ""; *p && n + 1 < sizeof d; p++)
        if (isdigit ((unsigned char) *p))
            d[n++] = *p;
    d[n] = 0;
    if (n < 8)
        return;
    s_add (self, d, n);
    /* Brazil: the national number, spelled as people write it, with and
     * without the mobile's 9th digit. */
    if (n < 12 || strncmp (d, "55", 2) != 0)
        return;
    char local[32], alt[34], buf[48];
    snprintf (local, sizeof local, "%s", d + 4);
    size_t ln = strlen (local);
    if (ln == 9 && local[0] == '9')
        snprintf (alt, sizeof alt, "%s", local + 1);
    else if (ln == 8 && local[0] >= '6')
        snprintf (alt, sizeof alt, "9%s", local);
    else
        alt[0] = 0;
    const char *forms[2] = {local, alt};
    for (int i = 0; i < 2; i++) {
        const char *l = forms[i];
        size_t k = strlen (l);
        if (k < 8)
            continue;
        snprintf (buf, sizeof buf, "55%.2s%s", d + 2, l);
        s_add (self, buf, strlen (buf));
        snprintf (buf, sizeof buf, "%.2s%s", d + 2, l);
        s_add (self, buf, strlen (buf));
        snprintf (buf, sizeof buf, "(%.2s) %.*s-%s", d + 2, (int) (k - 4), l, l + k - 4);
        s_add (self, buf, strlen (buf));
        snprintf (buf, sizeof buf, "%.*s-%s", (int) (k - 4), l, l + k - 4);
        s_add (self, buf, strlen (buf));
    }
}

void
bc_scrub_add_tax_id (bc_scrub_t *self, const char *tax_id)
{
    char t[20];
    size_t n = 0;
    for (const char *p = tax_id ? tax_id : ""; *p && n + 1 < sizeof t; p++)
        if (isalnum ((unsigned char) *p))
            t[n++] = (char) toupper ((unsigned char) *p);
    t[n] = 0;
    if (n < 11)
        return;
    s_add (self, t, n);
    char buf[32];
    if (n == 11)
        snprintf (buf, sizeof buf, "%.3s.%.3s.%.3s-%.2s", t, t + 3, t + 6, t + 9);
    else if (n == 14)
        snprintf (buf, sizeof buf, "%.2s.%.3s.%.3s/%.4s-%.2s", t, t + 2, t + 5, t + 8, t + 12);
    else
        return;
    s_add (self, buf, strlen (buf));
}

void
bc_scrub_add_ticket (bc_scrub_t *self, uint64_t number)
{
    if (!number || bc_scrub_has_ticket (self, number))
        return;
    if (self->ntickets == self->tickets_cap) {
        size_t cap = self->tickets_cap ? self->tickets_cap * 2 : 16;
        uint64_t *t = realloc (self->tickets, cap * sizeof *t);
        if (!t)
            return;
        self->tickets = t;
        self->tickets_cap = cap;
    }
    self->tickets[self->ntickets++] = number;
    self->tickets_sorted = 0;
}

void
bc_scrub_add_ref (bc_scrub_t *self, const char *ref)
{
    if (!ref || !*ref || bc_scrub_has_ref (self, ref))
        return;
    if (self->nrefs == self->refs_cap) {
        size_t cap = self->refs_cap ? self->refs_cap * 2 : 16;
        char **r = realloc (self->refs, cap * sizeof *r);
        if (!r)
            return;
        self->refs = r;
        self->refs_cap = cap;
    }
    char *copy = strdup (ref);
    if (copy) {
        self->refs[self->nrefs++] = copy;
        self->refs_sorted = 0;
    }
}

static int
s_cmp_u64 (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static int
s_cmp_str (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

int
bc_scrub_has_ticket (const bc_scrub_t *self, uint64_t number)
{
    if (!self->tickets_sorted) {
        bc_scrub_t *s = (bc_scrub_t *) self;
        if (s->ntickets)
            qsort (s->tickets, s->ntickets, sizeof *s->tickets, s_cmp_u64);
        s->tickets_sorted = 1;
    }
    return self->ntickets
           && bsearch (&number, self->tickets, self->ntickets, sizeof *self->tickets, s_cmp_u64);
}

size_t
bc_scrub_tickets (const bc_scrub_t *self, const uint64_t **list)
{
    bc_scrub_has_ticket (self, 0); /* sorts them */
    *list = self->tickets;
    return self->ntickets;
}

size_t
bc_scrub_refs (const bc_scrub_t *self, char *const **list)
{
    bc_scrub_has_ref (self, ""); /* sorts them */
    *list = self->refs;
    return self->nrefs;
}

int
bc_scrub_has_ref (const bc_scrub_t *self, const char *ref)
{
    if (!self->refs_sorted) {
        bc_scrub_t *s = (bc_scrub_t *) self;
        if (s->nrefs)
            qsort (s->refs, s->nrefs, sizeof *s->refs, s_cmp_str);
        s->refs_sorted = 1;
    }
    return self->nrefs && bsearch (&ref, self->refs, self->nrefs, sizeof *self->refs, s_cmp_str);
}

int
bc_scrub_mentions (const bc_scrub_t *self, const void *data, size_t len)
{
    for (size_t i = 0; i < self->nterms; i++)
        if (s_find (data, len, self->terms[i], strlen (self->terms[i])))
            return 1;
    return 0;
}

char *
bc_scrub_text (const bc_scrub_t *self, const char *text, size_t len, size_t *out_len)
{
    if (!text || !bc_scrub_mentions (self, text, len))
        return NULL;
    size_t cap = len + 64, n = 0;
    char *out = malloc (cap);
    if (!out)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t hit = 0;
        for (size_t t = 0; t < self->nterms && !hit; t++) {
            size_t tl = strlen (self->terms[t]);
            if (tl <= len - i && s_find (text + i, tl, self->terms[t], tl))
                hit = tl;
        }
        const char *piece = hit ? BC_SCRUB_TERM : text + i;
        size_t plen = hit ? strlen (BC_SCRUB_TERM) : 1;
        if (n + plen + 1 > cap) {
            cap = cap * 2 + plen;
            char *grown = realloc (out, cap);
            if (!grown) {
                free (out);
                return NULL;
            }
            out = grown;
        }
        memcpy (out + n, piece, plen);
        n += plen;
        i += hit ? hit : 1;
    }
    out[n] = 0;
    if (out_len)
        *out_len = n;
    return out;
}

/* ---- the walk ---- */

typedef struct {
    const bc_scrub_t *scrub;
    bc_scrub_t *learner; /* learning: add terms here, change nothing */
    int changed;
} walk_t;

static int s_walk (walk_t *w, ProtobufCMessage *m, int mine);

/* Whether the field is present (a oneof member only when chosen). */
static int
s_present (const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *) ((const char *) m + f->quantifier_offset) == f->id;
    return 1;
}

static uint64_t
s_uint (const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const char *at = (const char *) m + f->offset;
    switch (f->type) {
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return *(const uint64_t *) at;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return *(const uint32_t *) at;
    default:
        return 0;
    }
}

/* A principal that is the support team's or a system's, never a
 * customer's. */
static int
s_is_staff (const char *v)
{
    static const char *const kinds[] = {"agent:", "supervisor:", "admin:", "service:", "system:",
                                        NULL};
    for (int i = 0; kinds[i]; i++)
        if (strncmp (v, kinds[i], strlen (kinds[i])) == 0)
            return 1;
    return 0;
}

static int
s_is_customer_value (const char *field, const char *v)
{
    if (s_in (s_customer_fields, field))
        return 1;
    /* An author, id or principal: a customer's ("customer:x", or a
     * message's author as its bare address), not the team's. */
    return s_in (s_principal_fields, field) && !s_is_staff (v)
           && (strncmp (v, "customer:", 9) == 0 || strchr (v, '@') || strchr (v, ':'));
}

/* Whether m is the subject's own message. */
static int
s_is_mine (const walk_t *w, const ProtobufCMessage *m)
{
    const bc_scrub_t *s = w->scrub;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED || !s_present (m, f))
            continue;
        if ((strcmp (f->name, "number") == 0 || strcmp (f->name, "ticket") == 0)
            && bc_scrub_has_ticket (s, s_uint (m, f)))
            return 1;
        if (f->type != PROTOBUF_C_TYPE_STRING)
            continue;
        const char *v = *(char *const *) ((const char *) m + f->offset);
        if (!v || !*v)
            continue;
        if (strcmp (f->name, "message_ref") == 0 && bc_scrub_has_ref (s, v))
            return 1;
        if (!s->owned_only && s_is_customer_value (f->name, v)
            && bc_scrub_mentions (s, v, strlen (v)))
            return 1;
    }
    return 0;
}

static char *
s_label_for (const bc_scrub_t *s, const char *v)
{
    const char *rest = s_unprefixed (v);
    size_t plen = (size_t) (rest - v);
    size_t len = plen + strlen (s->label) + 1;
    char *out = malloc (len);
    if (out)
        snprintf (out, len, "%.*s%s", (int) plen, v, s->label);
    return out;
}

/* What a string field's value becomes: a new string, or NULL to keep it. */
static char *
s_string (walk_t *w, const char *field, const char *v, int mine)
{
    if (!v || !*v)
        return NULL;
    const bc_scrub_t *s = w->scrub;
    if (w->learner) {
        /* With the router's hashes, any record may teach a term (only one
         * of the subject's passes); without, only the subject's own. */
        mine = mine || w->learner->nallowed;
        if (mine && s_is_customer_value (field, v)) {
            if (strcmp (field, "phone") == 0 || strcmp (field, "whatsapp_number") == 0)
                bc_scrub_add_phone (w->learner, v);
            else if (strcmp (field, "tax_id") == 0)
                bc_scrub_add_tax_id (w->learner, v);
            else if (w->learner->nallowed
                     || (strcmp (field, "conversation") != 0 && strcmp (field, "to") != 0
                         && strcmp (field, "recipient") != 0))
                bc_scrub_add_term (w->learner, v);
        } else if (mine && s_in (s_name_fields, field))
            bc_scrub_add_name (w->learner, v);
        return NULL;
    }
    if (mine && s_in (s_text_fields, field))
        return strcmp (v, BC_SCRUB_TEXT) ? strdup (BC_SCRUB_TEXT) : NULL;
    if (mine && s_in (s_name_fields, field))
        return strcmp (v, BC_SCRUB_NAME) ? strdup (BC_SCRUB_NAME) : NULL;
    if (s->owned_only && !mine)
        return NULL;
    if (s_is_customer_value (field, v) && (mine || bc_scrub_mentions (s, v, strlen (v)))) {
        char *label = s_label_for (s, v);
        if (label && strcmp (label, v) == 0) {
            free (label);
            return NULL;
        }
        return label;
    }
    return bc_scrub_text (s, v, strlen (v), NULL);
}

static void
s_set_string (walk_t *w, const ProtobufCFieldDescriptor *f, char **slot, char *value)
{
    if (!value)
        return;
    if (*slot && *slot != (const char *) f->default_value)
        free (*slot);
    *slot = value;
    w->changed = 1;
}

/* A message of type desc encoded in bin, walked; re-encoded when changed.
 * Returns whether it was the subject's. */
static int
s_nested (walk_t *w, const ProtobufCMessageDescriptor *desc, ProtobufCBinaryData *bin,
          int mine)
{
    if (!desc || !bin->len)
        return 0;
    ProtobufCMessage *inner = protobuf_c_message_unpack (desc, NULL, bin->len, bin->data);
    if (!inner)
        return 0;
    walk_t sub = {w->scrub, w->learner, 0};
    int inner_mine = s_walk (&sub, inner, mine);
    if (sub.changed && !w->learner) {
        size_t len = protobuf_c_message_get_packed_size (inner);
        uint8_t *data = malloc (len ? len : 1);
        if (data) {
            protobuf_c_message_pack (inner, data);
            free (bin->data);
            bin->data = data;
            bin->len = len;
            w->changed = 1;
        }
    }
    protobuf_c_message_free_unpacked (inner, NULL);
    return inner_mine;
}

static void
s_bytes (walk_t *w, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
         ProtobufCBinaryData *bin, int mine, int *payload_mine)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (strcmp (f->name, "payload") == 0) {
        const ProtobufCFieldDescriptor *tf = protobuf_c_message_descriptor_get_field_by_name (d, "type");
        const char *type = tf && tf->type == PROTOBUF_C_TYPE_STRING
                               ? *(char *const *) ((const char *) m + tf->offset)
                               : NULL;
        if (s_nested (w, type ? bc_proto_find (type) : NULL, bin, mine))
            *payload_mine = 1;
        return;
    }
    if (strcmp (f->name, "envelope") == 0) {
        s_nested (w, &balcao__v1__envelope__descriptor, bin, mine);
        return;
    }
    if (w->learner || !bin->len)
        return;
    if (w->scrub->owned_only && !mine)
        return;
    if (mine && s_in (s_raw_fields, f->name)) {
        free (bin->data);
        bin->data = NULL;
        bin->len = 0;
        w->changed = 1;
        return;
    }
    size_t n;
    char *text = bc_scrub_text (w->scrub, (const char *) bin->data, bin->len, &n);
    if (text) {
        free (bin->data);
        bin->data = (uint8_t *) text;
        bin->len = n;
        w->changed = 1;
    }
}

static int
s_walk (walk_t *w, ProtobufCMessage *m, int mine)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    mine = mine || s_is_mine (w, m);
    int payload_mine = 0;
    /* Bytes first: an envelope whose payload is the subject's has the
     * subject's principal. */
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_BYTES || !s_present (m, f))
            continue;
        char *at = (char *) m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *) ((char *) m + f->quantifier_offset);
            ProtobufCBinaryData *arr = *(ProtobufCBinaryData **) at;
            for (size_t k = 0; k < n; k++)
                s_bytes (w, m, f, &arr[k], mine, &payload_mine);
        } else
            s_bytes (w, m, f, (ProtobufCBinaryData *) at, mine, &payload_mine);
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!s_present (m, f))
            continue;
        char *at = (char *) m + f->offset;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            int own = mine || (payload_mine && strcmp (f->name, "principal") == 0);
            if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                size_t n = *(size_t *) ((char *) m + f->quantifier_offset);
                char **arr = *(char ***) at;
                for (size_t k = 0; k < n; k++)
                    s_set_string (w, f, &arr[k], s_string (w, f->name, arr[k], own));
            } else
                s_set_string (w, f, (char **) at, s_string (w, f->name, *(char **) at, own));
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                size_t n = *(size_t *) ((char *) m + f->quantifier_offset);
                ProtobufCMessage **arr = *(ProtobufCMessage ***) at;
                for (size_t k = 0; k < n; k++)
                    if (arr[k])
                        s_walk (w, arr[k], mine);
            } else if (*(ProtobufCMessage **) at)
                s_walk (w, *(ProtobufCMessage **) at, mine);
        }
    }
    return mine || payload_mine;
}

void
bc_scrub_learn (bc_scrub_t *self, const ProtobufCMessage *msg)
{
    walk_t w = {self, self, 0};
    s_walk (&w, (ProtobufCMessage *) msg, 0);
}

void
bc_scrub_learn_packed (bc_scrub_t *self, const ProtobufCMessageDescriptor *desc, const void *data,
                       size_t len)
{
    ProtobufCMessage *m = protobuf_c_message_unpack (desc ? desc : &balcao__v1__envelope__descriptor,
                                                     NULL, len, data);
    if (m) {
        bc_scrub_learn (self, m);
        protobuf_c_message_free_unpacked (m, NULL);
    }
}

int
bc_scrub_message (const bc_scrub_t *self, ProtobufCMessage *msg)
{
    walk_t w = {self, NULL, 0};
    s_walk (&w, msg, 0);
    return w.changed;
}

int
bc_scrub_owned (const bc_scrub_t *self, ProtobufCMessage *msg)
{
    walk_t w = {self, NULL, 0};
    s_walk (&w, msg, 1);
    return w.changed;
}

int
bc_scrub_packed (const bc_scrub_t *self, const ProtobufCMessageDescriptor *desc, const void *data,
                 size_t len, uint8_t **out, size_t *out_len)
{
    ProtobufCMessage *m = protobuf_c_message_unpack (desc ? desc : &balcao__v1__envelope__descriptor,
                                                     NULL, len, data);
    if (!m)
        return -1;
    int changed = bc_scrub_message (self, m);
    if (changed) {
        *out_len = protobuf_c_message_get_packed_size (m);
        *out = malloc (*out_len ? *out_len : 1);
        if (*out)
            protobuf_c_message_pack (m, *out);
        else
            changed = -1;
    }
    protobuf_c_message_free_unpacked (m, NULL);
    return changed;
}

void
bc_scrub_subject_hash (const char *person, char out[65])
{
    crypto_generichash_state st;
    unsigned char h[32];
    crypto_generichash_init (&st, NULL, 0, sizeof h);
    crypto_generichash_update (&st, (const unsigned char *) "balcao-lgpd:", 12);
    for (const char *p = person ? person : ""; *p; p++) {
        unsigned char c = (unsigned char) tolower ((unsigned char) *p);
        crypto_generichash_update (&st, &c, 1);
    }
    crypto_generichash_final (&st, h, sizeof h);
    sodium_bin2hex (out, 65, h, sizeof h);
}

const char *
bc_scrub_log_id (const char *address, char out[16])
{
    char person[400], hex[65];
    const char *a = address ? address : "";
    snprintf (person, sizeof person, "%s%s", strncmp (a, "customer:", 9) == 0 ? "" : "customer:",
              a);
    bc_scrub_subject_hash (person, hex);
    snprintf (out, 16, "c:%.10s", hex);
    return out;
}

const ProtobufCMessageDescriptor *
bc_proto_find (const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; bc_proto_registry[i]; i++)
        if (strcmp (bc_proto_registry[i]->name, name) == 0)
            return bc_proto_registry[i];
    return NULL;
}

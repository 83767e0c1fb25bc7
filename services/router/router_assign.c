/* router_assign: people (agents, supervisors, admins, customers), the tier
 * queues and the fair choice of an agent (router_people.c has the storage). */
#include "router_internal.h"

#include "bc_log.h"
#include "bc_taxid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
s_emit_assigned (router_t *self, bc_tx_t *tx, const Balcao__V1__Ticket *t, const char *agent,
                 const char *previous, const char *reason)
{
    Balcao__V1__TicketAssigned ev = BALCAO__V1__TICKET_ASSIGNED__INIT;
    ev.number = t->number;
    ev.agent = (char *) agent;
    ev.previous = (char *) previous;
    ev.reason = (char *) reason;
    ev.tier = t->tier;
    ev.by = (char *) bc_tx_principal (tx);
    bc_info ("event=assigned ticket=%llu agent=%s reason=%s", (unsigned long long) t->number,
             *agent ? agent : "-", reason);
    return router_emit_for (self, tx, t->number, &ev.base);
}

/* Gives t to agent_id (who must exist): their load grows by one. The caller
 * stores t. */
static int
s_give (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *agent_id,
        const char *reason)
{
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Person *a;
    int rc = router_people_get (txn, &self->pdbs, agent_id, &a);
    if (rc)
        return rc;
    uint64_t counter = 0;
    rc = bc_store_get_u64 (txn, self->db_meta, "assign_counter", &counter);
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = bc_store_put_u64 (txn, self->db_meta, "assign_counter", counter + 1);
    if (rc == 0) {
        a->open_tickets++;
        a->last_assigned = counter + 1;
        rc = router_people_put (txn, &self->pdbs, a);
    }
    if (rc == 0)
        rc = router_queue_del (txn, &self->pdbs, t);
    if (rc == 0)
        rc = s_emit_assigned (self, tx, t, agent_id, t->assignee, reason);
    if (rc == 0)
        router_set_string (&t->assignee, agent_id);
    balcao__v1__person__free_unpacked (a, NULL);
    return rc;
}

/* Puts t in its tier's queue: no agent fits now (reason "queue"), or a
 * supervisor took it from its agent ("unassign"). */
static int
s_enqueue (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *reason)
{
    int rc = router_queue_put (bc_tx_txn (tx), &self->pdbs, t);
    if (rc == 0)
        rc = s_emit_assigned (self, tx, t, "", t->assignee, reason);
    if (rc == 0)
        router_set_string (&t->assignee, "");
    return rc;
}

/* The fair choice, or the queue. */
int
router_assign_auto (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t)
{
    char *agent;
    int rc = router_people_pick (bc_tx_txn (tx), &self->pdbs, t->tier, t->category, t->organization,
                                 &agent);
    if (rc)
        return rc;
    rc = agent ? s_give (self, tx, t, agent, "auto") : s_enqueue (self, tx, t, "queue");
    free (agent);
    return rc;
}

typedef struct {
    router_t *self;
    bc_tx_t *tx;
    const char *agent;
    int rc;
} s_drain_t;

static int
s_drain_one (void *arg, uint64_t number)
{
    s_drain_t *d = arg;
    MDB_txn *txn = bc_tx_txn (d->tx);
    Balcao__V1__Person *a;
    int rc = router_people_get (txn, &d->self->pdbs, d->agent, &a);
    if (rc)
        return rc;
    int has_room = strcmp (a->status, "online") == 0 && a->open_tickets < a->capacity;
    if (!has_room) {
        balcao__v1__person__free_unpacked (a, NULL);
        return 1;
    }
    Balcao__V1__Ticket *t = router_get_ticket (d->self, txn, number, &rc);
    if (t && router_people_has_skill (a, t->category)
        && router_people_serves (&d->self->pdbs, a, t->organization)) {
        rc = s_give (d->self, d->tx, t, d->agent, "auto");
        if (rc == 0)
            rc = router_put_ticket (d->self, txn, t);
    }
    if (t)
        balcao__v1__ticket__free_unpacked (t, NULL);
    balcao__v1__person__free_unpacked (a, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The agent takes waiting tickets of their tier while they have room. */
static int
s_drain (router_t *self, bc_tx_t *tx, const char *agent_id)
{
    Balcao__V1__Person *a;
    int rc = router_people_get (bc_tx_txn (tx), &self->pdbs, agent_id, &a);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    char tier[4];
    snprintf (tier, sizeof tier, "%s", a->tier);
    balcao__v1__person__free_unpacked (a, NULL);
    s_drain_t d = {self, tx, agent_id, 0};
    return router_queue_walk (bc_tx_txn (tx), &self->pdbs, tier, s_drain_one, &d);
}

/* agent_id has one ticket less to work on: they may take a waiting one. */
int
router_release (router_t *self, bc_tx_t *tx, const char *agent_id)
{
    if (!agent_id || !*agent_id)
        return 0;
    Balcao__V1__Person *a;
    int rc = router_people_get (bc_tx_txn (tx), &self->pdbs, agent_id, &a);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    if (a->open_tickets > 0)
        a->open_tickets--;
    rc = router_people_put (bc_tx_txn (tx), &self->pdbs, a);
    balcao__v1__person__free_unpacked (a, NULL);
    return rc ? rc : s_drain (self, tx, agent_id);
}

/* Keeps load and queues right when a ticket changes status. */
int
router_after_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int sla_rc = router_sla_status (self, tx, t, from);
    if (sla_rc == 0)
        sla_rc = router_auto_close_schedule (self, tx, t, from);
    if (sla_rc)
        return sla_rc;
    if (router_is_done (t->status) && !router_is_done (from)) {
        if (!*t->assignee)
            return router_queue_del (txn, &self->pdbs, t);
        router_set_string (&t->resolved_by, t->assignee);
        return router_release (self, tx, t->assignee);
    }
    if (strcmp (t->status, "reaberto") == 0) {
        /* Back to the agent who resolved it, whatever their load. */
        Balcao__V1__Person *a = NULL;
        int rc = *t->resolved_by ? router_people_get (txn, &self->pdbs, t->resolved_by, &a)
                                 : MDB_NOTFOUND;
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        int same_tier = a && strcmp (a->tier, t->tier) == 0;
        if (a)
            balcao__v1__person__free_unpacked (a, NULL);
        return same_tier ? s_give (self, tx, t, t->resolved_by, "reopened")
                         : router_assign_auto (self, tx, t);
    }
    return 0;
}

static int
s_is_admin (const char *principal)
{
    return strncmp (principal, "admin:", 6) == 0;
}

int
router_is_supervisor (const char *principal)
{
    return strncmp (principal, "supervisor:", 11) == 0 || s_is_admin (principal);
}

/* Validates and stores a person (new, or changing: the router's own
 * counters and their key are kept) and emits PersonChanged. A refusal is
 * not an error: 0 with a sentence in err. */
static int
s_store_person (router_t *self, bc_tx_t *tx, const Balcao__V1__Person *in, char *err,
                size_t err_size)
{
    *err = 0;
    static const char *const kinds[] = {"agent:", "supervisor:", "admin:", "customer:", "service:"};
    int kind = -1;
    for (int i = 0; in && in->id && i < 5; i++)
        if (strncmp (in->id, kinds[i], strlen (kinds[i])) == 0 && in->id[strlen (kinds[i])])
            kind = i;
    if (kind < 0) {
        snprintf (err, err_size, "a person's id is agent:, supervisor:, admin:, customer: or "
                                 "service: followed by an e-mail or name");
        return 0;
    }
    int works_tickets = kind <= 1;
    if (works_tickets && !router_tier_is_valid (in->tier)) {
        snprintf (err, err_size, "agents and supervisors need a tier: N1, N2 or N3");
        return 0;
    }
    if (*in->status && strcmp (in->status, "online") != 0 && strcmp (in->status, "away") != 0
        && strcmp (in->status, "offline") != 0) {
        snprintf (err, err_size, "status is online, away or offline");
        return 0;
    }
    for (size_t i = 0; i < in->n_skills; i++)
        if (!router_catalog_find (self->catalog, in->skills[i])) {
            snprintf (err, err_size, "unknown skill '%s': skills are category ids", in->skills[i]);
            return 0;
        }
    if (in->n_organizations > 32 || (in->n_organizations && kind != 0)) {
        snprintf (err, err_size, "organizations (at most 32) are for agents: the restricted "
                                 "organizations whose tickets they serve");
        return 0;
    }
    for (size_t i = 0; i < in->n_organizations; i++)
        if (!*in->organizations[i] || strlen (in->organizations[i]) > 200) {
            snprintf (err, err_size, "an organization's name is 1 to 200 characters");
            return 0;
        }
    for (size_t i = 0; i < in->n_permissions; i++)
        if (kind != 4 || strcmp (in->permissions[i], "read") != 0) {
            snprintf (err, err_size, "permissions are for service principals, and are: read");
            return 0;
        }
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Person *old;
    int rc = router_people_get (txn, &self->pdbs, in->id, &old);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__Person p = *in;
    p.capacity = in->capacity ? in->capacity : 10;
    p.status = *in->status ? in->status : (old ? old->status : "offline");
    p.open_tickets = old ? old->open_tickets : 0;
    p.last_assigned = old ? old->last_assigned : 0;
    p.created_us = old ? old->created_us : bc_tx_now_us (tx);
    p.curve_key = old ? old->curve_key : "";
    p.curve_key_checked = old ? old->curve_key_checked : 0;
    if (!*p.language)
        p.language = "pt-BR";
    rc = router_people_put (txn, &self->pdbs, &p);
    if (rc == 0 && kind == 3 && strcasecmp (old ? old->organization : "", p.organization) != 0)
        rc = router_customer_org_changed (self, tx, p.id, old ? old->organization : "",
                                          p.organization);
    if (rc == 0) {
        Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
        ev.person = &p;
        rc = bc_tx_emit (tx, &ev.base);
    }
    if (rc == 0 && kind == 0)
        rc = s_drain (self, tx, p.id);
    if (old)
        balcao__v1__person__free_unpacked (old, NULL);
    return rc;
}

static int
s_upsert_person (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                 const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__UpsertPerson *req = (const Balcao__V1__UpsertPerson *) payload;
    if (!s_is_admin (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só administradores cadastram pessoas",
                        "only admins manage people");
        return 0;
    }
    /* The CPF or CNPJ, customers' only, stored normalized. */
    Balcao__V1__Person in = BALCAO__V1__PERSON__INIT;
    if (req->person)
        in = *req->person;
    char tax_id[BC_TAXID_SIZE] = "";
    if (*in.tax_id) {
        bc_taxid_kind_t kind;
        bc_taxid_error_t why = bc_taxid_parse (in.tax_id, tax_id, &kind);
        if (strncmp (in.id, "customer:", 9) != 0) {
            bc_reply_error (reply, "invalid", "só clientes têm CPF ou CNPJ",
                            "only customers have a CPF or CNPJ");
            return 0;
        }
        if (why) {
            bc_reply_error (reply, "invalid", "CPF ou CNPJ inválido: %s%.0s",
                            "invalid CPF or CNPJ: %.0s%s", bc_taxid_problem (why, 0),
                            bc_taxid_problem (why, 1));
            return 0;
        }
        in.tax_id = tax_id;
    }
    char err[256];
    int rc = s_store_person (self, tx, &in, err, sizeof err);
    if (rc || *err) {
        if (*err)
            bc_reply_error (reply, "invalid", "%s",
                        "%s", err);
        return rc;
    }
    Balcao__V1__Person *now;
    if ((rc = router_people_get (bc_tx_txn (tx), &self->pdbs, in.id, &now)))
        return rc;
    bc_reply_ok (reply, &now->base);
    balcao__v1__person__free_unpacked (now, NULL);
    return 0;
}

/* The people of the config's seed section (router/people/<name>/...), and
 * the web portal's gateway, each created unless it exists (what admins
 * changed since wins). Runs in the router's first transaction. */
int
router_people_seed (router_t *self, bc_tx_t *tx)
{
    bc_config_t *config = bc_service_config (self->svc);
    const char *names[256];
    int n = bc_config_children (config, "router/people", names, 256);
    bc_tx_set_principal (tx, "system:router");
    for (int i = -1; i < n; i++) {
        Balcao__V1__Person p = BALCAO__V1__PERSON__INIT;
        char *skills[64], *perms[4], *orgs[32], skills_buf[1024], perms_buf[128], orgs_buf[1024];
        if (i < 0) {
            p.id = "service:gateway";
            p.name = "Portal web (gateway)";
            perms[0] = "read";
            p.permissions = perms;
            p.n_permissions = 1;
        }
        else {
            char key[300];
#define S_FIELD(field, dflt)                                                                   \
    (snprintf (key, sizeof key, "router/people/%s/" #field, names[i]),                         \
     (char *) bc_config_str (config, key, dflt))
            p.id = S_FIELD (id, "");
            p.name = S_FIELD (name, names[i]);
            p.email = S_FIELD (email, "");
            p.phone = S_FIELD (phone, "");
            p.organization = S_FIELD (organization, "");
            p.tier = S_FIELD (tier, "");
            p.status = S_FIELD (status, "");
            p.language = S_FIELD (language, "pt-BR");
            p.capacity = (uint32_t) atoi (S_FIELD (capacity, "0"));
            p.sees_organization = strcmp (S_FIELD (sees_organization, "0"), "1") == 0;
            snprintf (skills_buf, sizeof skills_buf, "%s", S_FIELD (skills, ""));
            snprintf (perms_buf, sizeof perms_buf, "%s", S_FIELD (permissions, ""));
            snprintf (orgs_buf, sizeof orgs_buf, "%s", S_FIELD (organizations, ""));
#undef S_FIELD
            for (char *t = strtok (skills_buf, ", "); t && p.n_skills < 64; t = strtok (NULL, ", "))
                skills[p.n_skills++] = t;
            for (char *t = strtok (perms_buf, ", "); t && p.n_permissions < 4; t = strtok (NULL, ", "))
                perms[p.n_permissions++] = t;
            for (char *t = strtok (orgs_buf, ";"); t && p.n_organizations < 32; t = strtok (NULL, ";"))
                orgs[p.n_organizations++] = t;
            p.skills = skills;
            p.permissions = perms;
            p.organizations = orgs;
            if (!*p.email && strchr (p.id, ':') && strchr (p.id, '@'))
                p.email = strchr (p.id, ':') + 1;
        }
        Balcao__V1__Person *known;
        int rc = router_people_get (bc_tx_txn (tx), &self->pdbs, p.id, &known);
        if (rc == 0) {
            balcao__v1__person__free_unpacked (known, NULL);
            continue;
        }
        if (rc != MDB_NOTFOUND)
            return rc;
        char err[256];
        if ((rc = s_store_person (self, tx, &p, err, sizeof err)))
            return rc;
        if (*err)
            bc_error ("event=seed_invalid person=%s reason=\"%s\"", i < 0 ? p.id : names[i], err);
        else
            bc_info ("event=seeded person=%s", p.id);
    }
    bc_tx_set_principal (tx, NULL);
    return 0;
}

/* A Z85 public key: 40 characters that decode to 32 bytes. */
static int
s_is_z85_key (const char *key)
{
    static const char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    if (strlen (key) != 40)
        return 0;
    for (const char *c = key; *c; c++)
        if (!strchr (alphabet, *c))
            return 0;
    return 1;
}

static int
s_set_person_key (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                  const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__SetPersonKey *req = (const Balcao__V1__SetPersonKey *) payload;
    if (!s_is_admin (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só administradores registram chaves",
                        "only admins register keys");
        return 0;
    }
    if (*req->curve_key && !bc_service_is_curve (self->svc)) {
        /* On an open bus anyone on the host may claim to be an admin: a key
         * registered so would let them in as one once CURVE is on. */
        bc_reply_error (reply, "forbidden",
                        "chaves só podem ser registradas com o CURVE ligado (balcao/curve_dir): sem ele, qualquer conta desta máquina poderia registrar a sua como administrador",
                        "keys can only be registered with CURVE on (balcao/curve_dir): without "
                        "it, any account on this host could register its own as an admin");
        return 0;
    }
    if (*req->curve_key && !s_is_z85_key (req->curve_key)) {
        bc_reply_error (reply, "invalid",
                        "a chave pública são os 40 caracteres que o `balcao login` mostrou (Z85)",
                        "a public key is the 40 characters `balcao login` printed (Z85)");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_val k = {strlen (req->curve_key), req->curve_key}, v;
    int rc = *req->curve_key ? mdb_get (txn, self->keys.keys, &k, &v) : MDB_NOTFOUND;
    size_t mark = strlen (BC_KEYS_CHECKED);
    if (rc == 0 && v.mv_size >= mark && memcmp (v.mv_data, BC_KEYS_CHECKED, mark) == 0) {
        v.mv_data = (char *) v.mv_data + mark;
        v.mv_size -= mark;
    }
    if (rc == 0 && (v.mv_size != strlen (req->person) || memcmp (v.mv_data, req->person, v.mv_size))) {
        bc_reply_error (reply, "conflict", "esta chave já pertence a %.*s",
                        "this key belongs to %.*s", (int) v.mv_size,
                        (char *) v.mv_data);
        return 0;
    }
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__Person *p;
    rc = router_people_get (txn, &self->pdbs, req->person, &p);
    if (rc == MDB_NOTFOUND) {
        bc_reply_error (reply, "not_found", "%s não está cadastrado; cadastre antes",
                        "%s is not registered; add them first", req->person);
        return 0;
    }
    if (rc)
        return rc;
    router_set_string (&p->curve_key, req->curve_key);
    p->curve_key_checked = *req->curve_key != 0;
    rc = bc_keys_on_person (&self->keys, txn, p);
    if (rc == 0)
        rc = router_people_put (txn, &self->pdbs, p);
    if (rc == 0) {
        Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
        ev.person = p;
        rc = bc_tx_emit (tx, &ev.base);
    }
    if (rc == 0) {
        bc_info ("event=person_key person=%s key=%s", p->id, *p->curve_key ? "set" : "revoked");
        bc_reply_ok (reply, &p->base);
    }
    balcao__v1__person__free_unpacked (p, NULL);
    return rc;
}

static int
s_set_agent_status (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                    const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__SetAgentStatus *req = (const Balcao__V1__SetAgentStatus *) payload;
    const char *who = bc_tx_principal (tx);
    if (strcmp (req->status, "online") != 0 && strcmp (req->status, "away") != 0
        && strcmp (req->status, "offline") != 0) {
        bc_reply_error (reply, "invalid", "a disponibilidade é online, away ou offline",
                        "status is online, away or offline");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Person *a;
    int rc = router_people_get (txn, &self->pdbs, who, &a);
    if (rc == MDB_NOTFOUND || (rc == 0 && strncmp (a->id, "agent:", 6) != 0)) {
        if (a)
            balcao__v1__person__free_unpacked (a, NULL);
        if (strncmp (who, "agent:", 6) == 0)
            bc_reply_error (reply, "forbidden",
                            "este agente não está cadastrado; um administrador cadastra os agentes",
                            "this agent is not registered; an admin adds agents");
        else
            bc_reply_error (reply, "forbidden",
                            "só agentes informam disponibilidade (supervisores e administradores "
                            "não recebem chamados da fila)",
                            "only agents set their availability (supervisors and admins get no "
                            "tickets from the queue)");
        return 0;
    }
    if (rc)
        return rc;
    router_set_string (&a->status, req->status);
    rc = router_people_put (txn, &self->pdbs, a);
    if (rc == 0) {
        Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
        ev.person = a;
        rc = bc_tx_emit (tx, &ev.base);
    }
    if (rc == 0 && strcmp (req->status, "online") == 0)
        rc = s_drain (self, tx, who);
    balcao__v1__person__free_unpacked (a, NULL);
    if (rc)
        return rc;
    if ((rc = router_people_get (txn, &self->pdbs, who, &a)))
        return rc;
    bc_reply_ok (reply, &a->base);
    balcao__v1__person__free_unpacked (a, NULL);
    return 0;
}

/* AssignTicket with unassign: the ticket goes back to its tier's queue.
 * Its agent or a supervisor may. The agent's load drops first (they may
 * take another waiting ticket), then the ticket is queued, so it is not
 * drained straight back to them; it waits like any queued ticket. */
static int
s_unassign (router_t *self, bc_tx_t *tx, uint64_t number, bc_reply_t *reply)
{
    const char *who = bc_tx_principal (tx);
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, number, reply, &rc);
    if (!t)
        return rc;
    if (router_is_done (t->status))
        bc_reply_error (reply, "conflict", "o chamado #%llu está %s; reabra-o antes",
                        "ticket #%llu is %s; reopen it first", (unsigned long long) t->number,
                        t->status);
    else if (!*t->assignee)
        bc_reply_ok (reply, &t->base);
    else if (strcmp (t->assignee, who) != 0 && !router_is_supervisor (who))
        bc_reply_error (reply, "forbidden",
                        "só quem está com o chamado ou um supervisor o devolve à fila",
                        "only the ticket's agent or a supervisor puts it back in the queue");
    else {
        char previous[320];
        snprintf (previous, sizeof previous, "%s", t->assignee);
        rc = router_release (self, tx, previous);
        if (rc == 0)
            rc = s_enqueue (self, tx, t, "unassign");
        if (rc == 0)
            rc = router_put_ticket (self, bc_tx_txn (tx), t);
        if (rc == 0)
            bc_reply_ok (reply, &t->base);
    }
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_assign (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__AssignTicket *req = (const Balcao__V1__AssignTicket *) payload;
    const char *who = bc_tx_principal (tx);
    const char *agent = *req->agent ? req->agent : who;
    int taking = strcmp (agent, who) == 0;
    if (!router_is_agent (who)) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte atribui chamados",
                        "only the support team assigns tickets");
        return 0;
    }
    if (req->unassign)
        return s_unassign (self, tx, req->number, reply);
    if (taking && strncmp (who, "agent:", 6) != 0) {
        bc_reply_error (reply, "forbidden",
                        "só agentes assumem chamados; atribua o chamado a um agente",
                        "only agents take tickets; assign the ticket to an agent");
        return 0;
    }
    if (!taking && !router_is_supervisor (who)) {
        bc_reply_error (reply, "forbidden", "só supervisores atribuem chamados a outras pessoas",
                        "only supervisors assign tickets to others");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Person *a;
    int rc = router_people_get (txn, &self->pdbs, agent, &a);
    if (rc == MDB_NOTFOUND || (rc == 0 && strncmp (a->id, "agent:", 6) != 0)) {
        if (a)
            balcao__v1__person__free_unpacked (a, NULL);
        bc_reply_error (reply, "invalid", "%s não é um agente cadastrado",
                        "%s is not a registered agent", agent);
        return 0;
    }
    if (rc)
        return rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t) {
        balcao__v1__person__free_unpacked (a, NULL);
        return rc;
    }
    if (router_is_done (t->status))
        bc_reply_error (reply, "conflict", "o chamado #%llu está %s; reabra-o antes",
                        "ticket #%llu is %s; reopen it first",
                        (unsigned long long) t->number, t->status);
    else if (taking && strcmp (a->tier, t->tier) != 0)
        bc_reply_error (reply, "forbidden", "o chamado #%llu está no %s e você está no %s",
                        "ticket #%llu is at %s and you are at %s",
                        (unsigned long long) t->number, t->tier, a->tier);
    else if (!router_people_serves (&self->pdbs, a, t->organization))
        bc_reply_error (reply, "forbidden",
                        "%s não atende a organização %s (acesso restrito); escolha um agente "
                        "que a atenda",
                        "%s does not serve %s (restricted access); pick an agent who does",
                        agent, t->organization);
    else if (strcmp (t->assignee, agent) == 0)
        bc_reply_ok (reply, &t->base);
    else {
        char previous[320];
        snprintf (previous, sizeof previous, "%s", t->assignee);
        rc = s_give (self, tx, t, agent, taking ? "take" : "assign");
        if (rc == 0)
            rc = router_put_ticket (self, txn, t);
        if (rc == 0)
            rc = router_release (self, tx, previous);
        if (rc == 0)
            bc_reply_ok (reply, &t->base);
    }
    balcao__v1__person__free_unpacked (a, NULL);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_people (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__ListPeople *req = (const Balcao__V1__ListPeople *) payload;
    /* The web gateway signs staff in by e-mail: it may list the staff (not
     * customers). */
    const char *who = bc_tx_principal (tx);
    int is_staff_kind = strcmp (req->kind, "agent") == 0 || strcmp (req->kind, "supervisor") == 0 ||
                        strcmp (req->kind, "admin") == 0;
    if (!router_is_agent (who) && !(is_staff_kind && strcmp (who, "service:gateway") == 0)) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte lista as pessoas",
                        "only the support team lists people");
        return 0;
    }
    char prefix[32];
    snprintf (prefix, sizeof prefix, "%s%s", req->kind, *req->kind ? ":" : "");
    size_t plen = strlen (prefix), cap = 64, n = 0;
    Balcao__V1__Person **list = calloc (cap, sizeof *list);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (bc_tx_txn (tx), self->pdbs.people, &cur);
    if (rc) {
        free (list);
        return rc;
    }
    MDB_val k = {plen, prefix}, v;
    /* A query that is a person's whole id ("customer:ana@x", as the ticket
     * view asks): that person, one lookup, not a walk of everyone. */
    MDB_val exact = {strlen (req->query), req->query};
    if (plen && strncmp (req->query, prefix, plen) == 0
        && mdb_cursor_get (cur, &exact, &v, MDB_SET_KEY) == 0
        && (list[0] = balcao__v1__person__unpack (NULL, v.mv_size, v.mv_data)))
        n = 1;
    rc = n ? MDB_NOTFOUND : mdb_cursor_get (cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0 && n < 1000 && k.mv_size >= plen && memcmp (k.mv_data, prefix, plen) == 0) {
        if (n == cap)
            list = realloc (list, (cap *= 2) * sizeof *list);
        if ((list[n] = balcao__v1__person__unpack (NULL, v.mv_size, v.mv_data))) {
            if (router_people_matches (list[n], req->query))
                n++;
            else
                balcao__v1__person__free_unpacked (list[n], NULL);
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    if (rc == 0) {
        Balcao__V1__PersonList out = BALCAO__V1__PERSON_LIST__INIT;
        out.people = list;
        out.n_people = n;
        bc_reply_ok (reply, &out.base);
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__person__free_unpacked (list[i], NULL);
    free (list);
    return rc;
}

void
router_assign_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__assign_ticket__descriptor, 1, s_assign);
    bc_service_on_command (svc, &balcao__v1__list_people__descriptor, 0, s_people);
    bc_service_on_command (svc, &balcao__v1__set_agent_status__descriptor, 1, s_set_agent_status);
    bc_service_on_command (svc, &balcao__v1__upsert_person__descriptor, 1, s_upsert_person);
    bc_service_on_command (svc, &balcao__v1__set_person_key__descriptor, 1, s_set_person_key);
}

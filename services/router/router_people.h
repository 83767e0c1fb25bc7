/* router_people: the people the router knows (agents, supervisors, admins,
 * customers, services), each tier's queue of tickets waiting for an agent,
 * and the fair choice of an agent. Functions work inside the caller's LMDB
 * write transaction and return 0 or an LMDB code.
 *
 * LMDB:
 *   people  principal id ("agent:ana@x.com")            -> balcao.v1.Person
 *   queue   tier(2) ‖ priority rank(1) ‖ created_us(8 BE) ‖ ticket(8 BE) -> ""
 *   organizations  name in lower case (ASCII letters)  -> balcao.v1.Organization
 *                  (router_orgs.c: SaveOrganization, ListOrganizations)
 */
#ifndef ROUTER_PEOPLE_H
#define ROUTER_PEOPLE_H

#include "balcao/v1/router.pb-c.h"
#include "bc_service.h"

#include <lmdb.h>

typedef struct {
    MDB_dbi people;
    MDB_dbi queue;
    MDB_dbi organizations;
    /* The config's router/access/restricted_organizations: organizations
     * whose tickets only the agents who list them serve (';'-separated;
     * "" none). */
    const char *restricted;
} router_people_dbs_t;

/* Reads a person; MDB_NOTFOUND when unknown. Free with
 * balcao__v1__person__free_unpacked. */
int router_people_get (MDB_txn *txn, const router_people_dbs_t *dbs, const char *id,
                       Balcao__V1__Person **out);
int router_people_put (MDB_txn *txn, const router_people_dbs_t *dbs, const Balcao__V1__Person *p);

/* 1 when a search for query (ListPeople.query) finds p: query is part of
 * their id, name, e-mail or phone (compared without case; a phone also by
 * its digits alone), or of their tax id with or without punctuation (at
 * least 3 characters, bc_taxid_matches). An empty query finds everyone. */
int router_people_matches (const Balcao__V1__Person *p, const char *query);

/* router_orgs.c: SaveOrganization and ListOrganizations, on dbs->organizations
 * (the actor's state is a router_t; see router_internal.h). */
void router_orgs_register (bc_service_t *svc);

/* True when the agent handles tickets of this category (no skills: all;
 * "geral", the unclassified tickets of triage: everyone). */
int router_people_has_skill (const Balcao__V1__Person *agent, const char *category);

/* 1 when organization is one of restricted (';'-separated, compared
 * without case and surrounding spaces). */
int router_org_is_restricted (const char *restricted, const char *organization);
/* 1 when agent may serve a ticket of organization: it is not restricted,
 * or the agent lists it in organizations. */
int router_people_serves (const router_people_dbs_t *dbs, const Balcao__V1__Person *agent,
                          const char *organization);

/* The agent a new ticket of tier/category/organization goes to: online,
 * with the skill, serving the organization, below capacity; fewest open tickets first, then the one who waited longest
 * since their last ticket (round-robin among equals). *out is a malloc'd id,
 * or NULL when nobody fits. */
int router_people_pick (MDB_txn *txn, const router_people_dbs_t *dbs, const char *tier,
                        const char *category, const char *organization, char **out);

/* The queue of tickets waiting for an agent in their tier. */
/* A ticket's place in its tier's order: tier(2) ‖ priority rank(1, urgente
 * first) ‖ created_us(8 BE) ‖ ticket(8 BE). */
void router_queue_key (const Balcao__V1__Ticket *t, unsigned char key[19]);
int router_queue_put (MDB_txn *txn, const router_people_dbs_t *dbs, const Balcao__V1__Ticket *t);
int router_queue_del (MDB_txn *txn, const router_people_dbs_t *dbs, const Balcao__V1__Ticket *t);

/* Walks the tier's queue in order (most urgent, then oldest) and calls fn
 * with each ticket number until it returns non-zero (1 = stop, other =
 * error code returned). fn may remove the ticket it is given from the
 * queue. */
typedef int (router_queue_fn) (void *arg, uint64_t number);
int router_queue_walk (MDB_txn *txn, const router_people_dbs_t *dbs, const char *tier,
                       router_queue_fn *fn, void *arg);

#endif

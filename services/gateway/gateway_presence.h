/* gateway_presence: who of the support team has a ticket open in the
 * dashboard, and who is writing its customer a reply ("Ana está
 * respondendo…"), so that two agents do not answer the same customer. In
 * the gateway's memory only: nothing goes to LMDB or the router, a restart
 * forgets it, and the browsers say it again within a heartbeat.
 *
 * One entry per (ticket, session): the person, their name, viewing or
 * typing. A viewing entry lasts gateway/presence_ttl_s (30 s) without a
 * heartbeat, a typing claim gateway/presence_typing_s (8 s); every entry of
 * a session goes when its last live stream closes (the browser went away,
 * gateway_sse.c). At most gateway/presence_max entries (4096) in all and
 * 16 tickets per session (the oldest goes first), so it cannot grow
 * without bound.
 *
 * The rooms (docs/API.md, "Presence"), staff sessions only:
 *   GET  /desk/presence                  every ticket someone views
 *   GET  /desk/tickets/N/presence        one ticket's viewers
 *   POST /desk/tickets/N/presence        {"state": "viewing"|"typing"|"left"}
 * Who may read ticket N is the router's answer to GetTicket as that person
 * (kept a minute); only where the config restricts organizations does it
 * differ between agents. Every change is told to the live streams
 * (gateway_sse.c) as a `presence` event. */
#ifndef GATEWAY_PRESENCE_H
#define GATEWAY_PRESENCE_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct gateway_presence_t gateway_presence_t;

/* Told, outside the table's lock, that ticket number's viewers changed. */
typedef void(gateway_presence_changed_fn) (void *arg, uint64_t number);

/* NULL when out of memory. */
gateway_presence_t *gateway_presence_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_presence_destroy (gateway_presence_t **self_p);

/* Who is told of changes made by the rooms (the live streams); set once,
 * before requests are served. */
void gateway_presence_on_change (gateway_presence_t *self, gateway_presence_changed_fn *fn,
                                 void *arg);

/* Answers the request when its path is one of this room's; false (and
 * *out untouched) otherwise. */
bool gateway_presence_route (gateway_presence_t *self, gateway_req_t *req, enum MHD_Result *out);

/* Ticket number's viewers now, one per person: [{"principal", "name",
 * "typing"}], in the order they came. A new reference. */
json_t *gateway_presence_viewers (gateway_presence_t *self, uint64_t number);

/* Whether principal (a staff person) may be told who views ticket number
 * without asking the router: true for supervisors and admins, and for
 * every agent unless the config restricts organizations; then only when
 * the router showed the agent the ticket within the last minute. */
bool gateway_presence_may_tell (gateway_presence_t *self, const char *principal, uint64_t number);

/* The session's last live stream closed: its entries go. The tickets whose
 * viewers changed into changed (at most max); returns how many. Never
 * calls the change function. */
size_t gateway_presence_session_gone (gateway_presence_t *self, const char *session,
                                      uint64_t *changed, size_t max);

/* Entries and typing claims past their time go; as session_gone. */
size_t gateway_presence_sweep (gateway_presence_t *self, uint64_t *changed, size_t max);

#endif

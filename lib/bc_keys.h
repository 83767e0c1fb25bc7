/* bc_keys: people's CURVE public keys, for the ZAP handler of a service that
 * people connect to (see bc_curve.h). The router owns the registry (admins
 * set keys with SetPersonKey); other services keep a copy from the router's
 * PersonChanged events, in their own LMDB:
 *
 *   keys     Z85 public key -> "checked:" person id (registered over
 *            CURVE; an entry without the mark, from before keys were
 *            checked, is never admitted)
 *   key_of   person id      -> Z85 public key (copies only: to drop the old
 *                              key when a person's key changes)
 */
#ifndef BC_KEYS_H
#define BC_KEYS_H

#include "balcao/v1/router.pb-c.h"
#include "bc_service.h"

typedef struct {
    bc_service_t *svc;
    MDB_dbi keys, key_of;
} bc_keys_t;

#define BC_KEYS_CHECKED "checked:"

/* Opens the two databases (which the service must list among its own) and
 * makes the service's ZAP handler admit the keys in them. */
void bc_keys_attach (bc_keys_t *self, bc_service_t *svc);
/* Follows a PersonChanged: the person's key (if any) replaces their old one. */
int bc_keys_on_person (bc_keys_t *self, MDB_txn *txn, const Balcao__V1__Person *person);
/* bc_curve_lookup_fn over self->keys: the person id of a key, or NULL. */
char *bc_keys_lookup (void *self, const char *z85);

#endif

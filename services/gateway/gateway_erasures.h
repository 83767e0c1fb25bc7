/* gateway_erasures: portal accounts of people the router erased (LGPD),
 * deleted by a thread of their own (see gateway_erasures.c). */
#ifndef GATEWAY_ERASURES_H
#define GATEWAY_ERASURES_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_store.h"

typedef struct gateway_erasures_t gateway_erasures_t;

gateway_erasures_t *gateway_erasures_new (bc_config_t *config, gateway_store_t *store,
                                          gateway_bus_t *bus);
void gateway_erasures_destroy (gateway_erasures_t **self_p);
/* One pass: the erasures since the last applied. 0, -1 (the router away)
 * or an LMDB/errno code. */
int gateway_erasures_sync (gateway_store_t *store, gateway_bus_t *bus);

#endif

/* router_orgs: the organizations customers belong to (Person.organization
 * names one) with their CNPJ: SaveOrganization (admins and supervisors)
 * and ListOrganizations (the support team). Customers never read them.
 *
 * LMDB:
 *   organizations  name in lower case (ASCII letters) -> balcao.v1.Organization
 */
#include "router_internal.h"

#include "bc_log.h"
#include "bc_taxid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_NAME_MAX 200
#define S_LIST_MAX 1000

/* The key of an organization: its name in lower case. */
static size_t
s_key (const char *name, char key[S_NAME_MAX + 1])
{
    size_t n = 0;
    for (; name[n] && n < S_NAME_MAX; n++)
        key[n] = (name[n] >= 'A' && name[n] <= 'Z') ? (char) (name[n] - 'A' + 'a') : name[n];
    key[n] = 0;
    return n;
}

/* 1 when name is 1 to S_NAME_MAX bytes without a control character, and
 * not only spaces. */
static int
s_name_is_valid (const char *name)
{
    size_t n = strlen (name);
    if (n == 0 || n > S_NAME_MAX || strspn (name, " ") == n)
        return 0;
    for (const char *p = name; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int
s_save (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__SaveOrganization *req = (const Balcao__V1__SaveOrganization *) payload;
    const Balcao__V1__Organization *in = req->organization;
    if (!router_is_supervisor (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden",
                        "só administradores e supervisores cadastram organizações",
                        "only admins and supervisors manage organizations");
        return 0;
    }
    if (!in || !s_name_is_valid (in->name)) {
        bc_reply_error (reply, "invalid",
                        "o nome de uma organização tem de 1 a 200 caracteres, sem caracteres "
                        "de controle",
                        "an organization's name is 1 to 200 characters, without control "
                        "characters");
        return 0;
    }
    char tax_id[BC_TAXID_SIZE] = "";
    if (*in->tax_id) {
        bc_taxid_kind_t kind;
        bc_taxid_error_t why = bc_taxid_parse (in->tax_id, tax_id, &kind);
        if (why) {
            bc_reply_error (reply, "invalid", "CNPJ inválido: %s%.0s", "invalid CNPJ: %.0s%s",
                            bc_taxid_problem (why, 0), bc_taxid_problem (why, 1));
            return 0;
        }
        if (kind != BC_TAXID_CNPJ) {
            bc_reply_error (reply, "invalid",
                            "uma organização tem CNPJ (14 caracteres), não CPF",
                            "an organization has a CNPJ (14 characters), not a CPF");
            return 0;
        }
    }
    char key[S_NAME_MAX + 1];
    MDB_val k = {s_key (in->name, key), key}, v;
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t created_us = bc_tx_now_us (tx);
    int rc = mdb_get (txn, self->pdbs.organizations, &k, &v);
    if (rc == 0) {
        Balcao__V1__Organization *old = balcao__v1__organization__unpack (NULL, v.mv_size, v.mv_data);
        if (old) {
            created_us = old->created_us;
            balcao__v1__organization__free_unpacked (old, NULL);
        }
    }
    else if (rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__Organization org = BALCAO__V1__ORGANIZATION__INIT;
    org.name = in->name;
    org.tax_id = tax_id;
    org.created_us = created_us;
    org.updated_us = bc_tx_now_us (tx);
    v.mv_size = balcao__v1__organization__get_packed_size (&org);
    v.mv_data = NULL;
    rc = mdb_put (txn, self->pdbs.organizations, &k, &v, MDB_RESERVE);
    if (rc)
        return rc;
    balcao__v1__organization__pack (&org, v.mv_data);
    /* The log line says which organization, never its CNPJ. */
    char clean[S_NAME_MAX * 2 + 1];
    bc_info ("event=organization_saved name=\"%s\" has_tax_id=%d by=%s",
             bc_log_clean (org.name, clean, sizeof clean), *tax_id != 0, bc_tx_principal (tx));
    bc_reply_ok (reply, &org.base);
    return 0;
}

static int
s_list (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__ListOrganizations *req = (const Balcao__V1__ListOrganizations *) payload;
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte lista as organizações",
                        "only the support team lists organizations");
        return 0;
    }
    const char *query = req->query ? req->query : "";
    size_t cap = 16, n = 0;
    Balcao__V1__Organization **list = calloc (cap, sizeof *list);
    if (!list)
        return ENOMEM;
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open (bc_tx_txn (tx), self->pdbs.organizations, &cur);
    MDB_val k, v;
    if (rc == 0)
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0 && n < S_LIST_MAX) {
        Balcao__V1__Organization *o = balcao__v1__organization__unpack (NULL, v.mv_size, v.mv_data);
        if (o && (!*query || strcasestr (o->name, query) || bc_taxid_matches (o->tax_id, query))) {
            if (n == cap) {
                Balcao__V1__Organization **more = realloc (list, (cap *= 2) * sizeof *list);
                if (!more) {
                    balcao__v1__organization__free_unpacked (o, NULL);
                    rc = ENOMEM;
                    break;
                }
                list = more;
            }
            list[n++] = o;
        }
        else if (o)
            balcao__v1__organization__free_unpacked (o, NULL);
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    if (cur)
        mdb_cursor_close (cur);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    if (rc == 0) {
        Balcao__V1__OrganizationList out = BALCAO__V1__ORGANIZATION_LIST__INIT;
        out.organizations = list;
        out.n_organizations = n;
        bc_reply_ok (reply, &out.base);
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__organization__free_unpacked (list[i], NULL);
    free (list);
    return rc;
}

void
router_orgs_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__list_organizations__descriptor, 0, s_list);
    bc_service_on_command (svc, &balcao__v1__save_organization__descriptor, 1, s_save);
}

/* bc_orgs: lists of organizations as the config and people carry them
 * ("Banco Seguro S.A.; Prefeitura de Lagoa": ';'-separated, spaces around
 * a name ignored, compared without case). The router decides who may see a
 * restricted organization's tickets (router/access/restricted_organizations
 * and Person.organizations); kb applies the same rule to its ticket search. */
#ifndef BC_ORGS_H
#define BC_ORGS_H

/* 1 when list has name, 0 otherwise (and for an empty name). */
int bc_orgs_has (const char *list, const char *name);

/* 1 when an agent whose organizations are `serves` (a list) may see a
 * ticket of `organization` where `restricted` (a list) are restricted. */
int bc_orgs_serves (const char *restricted, const char *serves, const char *organization);

#endif

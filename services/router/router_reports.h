/* router_reports: the reports' read model, kept with every ticket change,
 * and GetReport (router_reports.c says what is counted and how). */
#ifndef ROUTER_REPORTS_H
#define ROUTER_REPORTS_H

#include "balcao/v1/router.pb-c.h"
#include "bc_service.h"

#include <lmdb.h>
#include <stdint.h>


/* 1 when text is a real date "YYYY-MM-DD" (its days since 1970 in *day). */
int router_reports_parse_day (const char *text, int32_t *day);

#endif

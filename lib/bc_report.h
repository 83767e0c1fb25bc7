/* bc_report: a router Report (GetReport) as CSV, the same file from the CLI
 * (`balcao report --csv`) and the dashboard's export. One line per group
 * (the total first, group ""), durations in business seconds, percentages
 * 0-100 with "" where there is nothing to divide; a cell that a spreadsheet
 * would read as a formula (= + - @ at its start) gets a leading '. */
#ifndef BC_REPORT_H
#define BC_REPORT_H

#include "balcao/v1/router.pb-c.h"

#include <stddef.h>

/* The CSV (malloc'd, NUL-terminated; its length in *len), or NULL when out
 * of memory. */
char *bc_report_csv (const Balcao__V1__Report *r, size_t *len);

#endif

/* bc_calendar: business time (the router's SLA clocks; the bot's "we are
 * back on ...") — weekly working hours, holidays (Brazil's national holidays by default, Good Friday computed from
 * Easter) and the time zone (America/Sao_Paulo by default). Pure arithmetic
 * on instants; the router owns the process's TZ setting.
 *
 * Config (router/calendar/...):
 *   timezone = "America/Sao_Paulo"
 *   mon .. sun = "08:00-12:00,13:00-18:00"   (missing day: closed; default
 *                                            mon-fri 08:00-18:00)
 *   holidays = "2026-02-16,2026-02-17"       extra dates (Carnaval, local)
 *   national_holidays = "yes"                 "no" to use only `holidays` */
#ifndef BC_CALENDAR_H
#define BC_CALENDAR_H

#include "bc_config.h"

#include <stdint.h>
#include <time.h>

typedef struct bc_calendar_t bc_calendar_t;

/* NULL with a sentence in err when the config is wrong. Sets the process's
 * time zone. */
bc_calendar_t *bc_calendar_new (bc_config_t *config, char *err, size_t err_size);
void bc_calendar_destroy (bc_calendar_t **self_p);

/* Business seconds between two instants (0 if to <= from). */
int64_t bc_calendar_between (bc_calendar_t *self, time_t from, time_t to);
/* The instant at which `seconds` business seconds have passed since from. */
time_t bc_calendar_add (bc_calendar_t *self, time_t from, int64_t seconds);
/* The same local time `days` working days (days with hours, not holidays)
 * after from. */
time_t bc_calendar_add_days (bc_calendar_t *self, time_t from, int days);
/* The first business instant at or after from (from itself while open);
 * 0 when there are no business hours in the next months. */
time_t bc_calendar_next_open (bc_calendar_t *self, time_t from);
/* True when `when` is within business hours. */
int bc_calendar_is_open (bc_calendar_t *self, time_t when);
/* True when the local date is a holiday. */
int bc_calendar_is_holiday (bc_calendar_t *self, int year, int month, int day);

#endif

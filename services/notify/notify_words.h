/* notify_words: the small pieces of text a notification is made of, in
 * pt-BR or English: how we greet a person, a moment in the business time
 * zone with its offset, a business duration, a size in megabytes or kilobytes. Pure
 * functions (GLib for time zones and UTF-8), no state. */
#ifndef NOTIFY_WORDS_H
#define NOTIFY_WORDS_H

#include <stddef.h>
#include <stdint.h>

/* The business time zone when the install names none
 * (router/calendar/timezone). */
#define NOTIFY_DEFAULT_TIME_ZONE "America/Sao_Paulo"

/* Nonzero when language is English ("en", "en-US"...); anything else is
 * pt-BR. */
int notify_words_is_english (const char *language);

/* The name to greet someone by, from the display name their mail or
 * account gave ("Ana Souza" -> "Ana"), written into out; "" when there is
 * none fit to use (empty, an address, no letters, too long). A name in
 * all capitals or all small letters is written as a name ("ANA SOUZA" ->
 * "Ana"); "Souza, Ana" -> "Ana"; a title stays with the name ("Dr. João
 * Silva" -> "Dr. João"); a lone initial keeps the surname after it
 * ("J. Silva"). */
void notify_words_first_name (char *out, size_t size, const char *display_name);

/* Whether time_zone is a zone this system knows (else the dates fall back
 * to São Paulo's fixed UTC-03:00). */
int notify_words_zone_is_known (const char *time_zone);

/* A moment in time_zone (NULL or "": the default) for people, with the
 * zone's offset at that moment: "4 de dezembro de 2026, 14:30 (horário de
 * Brasília, UTC−03:00)" in pt-BR, "December 4, 2026, 2:30 PM (Brasília
 * time, UTC−03:00)" in English. Other zones show only the offset. */
void notify_words_moment (char *out, size_t size, int64_t at_us, const char *time_zone,
                          const char *language);

/* The calendar day of at_us in time_zone: "4 de dezembro de 2026",
 * "December 4, 2026". */
void notify_words_date (char *out, size_t size, int64_t at_us, const char *time_zone,
                        const char *language);

/* A target in business seconds, as a promise: "4 horas úteis", "1 hora
 * útil", "30 minutos úteis" / "4 business hours", "30 business minutes".
 * Whole hours read as hours, the rest as minutes (rounded up: a promise
 * is never shorter than the target). */
void notify_words_business_duration (char *out, size_t size, int64_t business_s,
                                     const char *language);

/* When we will answer, as the acknowledgement promises it, from the
 * router's first-response target (business seconds) and due time (each 0:
 * unknown): "em até 4 horas úteis, ou seja, até <moment>", "within 4
 * business hours, that is by <moment>", what is known of it, or without
 * either "o quanto antes" / "as soon as possible" (no number we cannot
 * keep). */
void notify_words_promise (char *out, size_t size, int64_t target_s, int64_t due_us,
                           const char *time_zone, const char *language);

/* A size with its unit (1 MB = 1024 * 1024 bytes): "25 MB", "2,5 MB" in
 * pt-BR ("2.5 MB" in English); under 1 MB in KB ("2 KB", rounded up). */
void notify_words_size (char *out, size_t size, uint64_t bytes, const char *language);

#endif

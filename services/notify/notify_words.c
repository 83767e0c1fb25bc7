/* notify_words: names, moments, durations and sizes as customers read
 * them. Dates are in the business time zone with its UTC offset, so a
 * customer elsewhere knows when we mean; a greeting uses the first name
 * the way people write it, whatever case their mail client sent. */
#include "notify_words.h"

#include "bc_size.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

/* São Paulo's offset since 2019 (no daylight saving time): the fallback
 * when the system has no time zone data or the zone is unknown. */
#define NOTIFY_FALLBACK_OFFSET_S (-3 * 3600)

/* 9999-12-29T00:00:00Z: any zone's local time is still in GLib's range. */
#define NOTIFY_LAST_SECOND 253402041600LL

/* A first name longer than this is not one (a pasted signature...). */
#define NOTIFY_NAME_MAX 40

int
notify_words_is_english (const char *language)
{
    return language && strncmp (language, "en", 2) == 0;
}

/* ---- names ---- */

/* Courtesy titles people put before their name: kept with it. */
static int
s_is_title (const char *word)
{
    static const char *const titles[] = {"dr",  "dra", "sr", "sra", "srta", "prof", "profa",
                                         "eng", "mr",  "mrs", "ms", "miss", "mx"};
    char folded[16];
    size_t n = strlen (word);
    if (n && word[n - 1] == '.')
        n--;
    if (n == 0 || n >= sizeof folded)
        return 0;
    for (size_t i = 0; i < n; i++)
        folded[i] = g_ascii_tolower (word[i]);
    folded[n] = '\0';
    for (size_t i = 0; i < sizeof titles / sizeof *titles; i++)
        if (strcmp (folded, titles[i]) == 0)
            return 1;
    return 0;
}

/* "J" or "J." */
static int
s_is_initial (const char *word)
{
    if (!g_unichar_isalpha (g_utf8_get_char (word)))
        return 0;
    const char *rest = g_utf8_next_char (word);
    return !*rest || strcmp (rest, ".") == 0;
}

/* Appends word with the case of a name: a word in one case only ("ANA",
 * "ana") becomes "Ana"; mixed case ("McDonald") stays as written. Each
 * part of "ANA-MARIA" is a word. */
static void
s_append_name_case (GString *out, const char *word)
{
    int has_upper = 0, has_lower = 0;
    for (const char *p = word; *p; p = g_utf8_next_char (p)) {
        gunichar c = g_utf8_get_char (p);
        has_upper |= g_unichar_isupper (c);
        has_lower |= g_unichar_islower (c);
    }
    if (has_upper && has_lower) {
        g_string_append (out, word);
        return;
    }
    int at_start = 1;
    for (const char *p = word; *p; p = g_utf8_next_char (p)) {
        gunichar c = g_utf8_get_char (p);
        g_string_append_unichar (out, at_start ? g_unichar_totitle (c) : g_unichar_tolower (c));
        at_start = c == '-' || c == '\'';
    }
}

void
notify_words_first_name (char *out, size_t size, const char *display_name)
{
    out[0] = '\0';
    if (!display_name || !g_utf8_validate (display_name, -1, NULL) || strchr (display_name, '@'))
        return;
    char *name = g_strstrip (g_strdup (display_name));
    /* Quotes some clients leave around the name. */
    size_t len = strlen (name);
    if (len >= 2 && (name[0] == '"' || name[0] == '\'') && name[len - 1] == name[0]) {
        name[len - 1] = '\0';
        memmove (name, name + 1, len - 1);
        g_strstrip (name);
    }
    /* "Souza, Ana" (directory order): the name is after the comma. Only
     * for one word before it: "Ana Souza, Financeiro" keeps "Ana". */
    char *comma = strchr (name, ',');
    const char *use = name;
    if (comma) {
        *comma = '\0';
        const char *after = comma + 1;
        while (*after == ' ')
            after++;
        if (!strchr (g_strstrip (name), ' ') && *after)
            use = after;
    }
    char **words = g_strsplit_set (use, " \t", -1);
    const char *parts[2] = {NULL, NULL};
    size_t n = 0;
    for (char **w = words; *w && n < 2; w++) {
        if (!**w)
            continue;
        parts[n++] = *w;
        /* A title or an initial alone is not how to call someone: the
         * next word goes with it. */
        if (n == 1 && !s_is_title (*w) && !s_is_initial (*w))
            break;
    }
    if (n == 2 && !(s_is_title (parts[0]) || s_is_initial (parts[0])))
        n = 1;
    else if (n == 1 && (s_is_title (parts[0]) || s_is_initial (parts[0])))
        n = 0; /* "Dr." alone names no one */
    GString *first = g_string_new (NULL);
    int has_letter = 0, is_fit = n > 0;
    for (size_t i = 0; i < n && is_fit; i++) {
        if (i)
            g_string_append_c (first, ' ');
        s_append_name_case (first, parts[i]);
        for (const char *p = parts[i]; *p; p = g_utf8_next_char (p)) {
            gunichar c = g_utf8_get_char (p);
            has_letter |= g_unichar_isalpha (c);
            /* Digits and symbols: a login or a role, not a name. */
            if (g_unichar_isdigit (c) || g_unichar_iscntrl (c)
                || (c < 0x80 && strchr ("<>()[]{}/\\|_=+*&#;:", (int) c)))
                is_fit = 0;
        }
    }
    if (is_fit && has_letter && first->len <= NOTIFY_NAME_MAX && first->len < size)
        memcpy (out, first->str, first->len + 1);
    g_string_free (first, TRUE);
    g_strfreev (words);
    g_free (name);
}

/* ---- moments ---- */

static GTimeZone *
s_zone (const char *time_zone)
{
    GTimeZone *tz = g_time_zone_new_identifier (time_zone && *time_zone ? time_zone
                                                                        : NOTIFY_DEFAULT_TIME_ZONE);
    return tz ? tz : g_time_zone_new_offset (NOTIFY_FALLBACK_OFFSET_S);
}

int
notify_words_zone_is_known (const char *time_zone)
{
    GTimeZone *tz = g_time_zone_new_identifier (time_zone);
    if (tz)
        g_time_zone_unref (tz);
    return tz != NULL;
}

static GDateTime *
s_local (int64_t at_us, const char *time_zone)
{
    /* GLib's range (years 1 to 9999): a wild instant is written as its
     * nearest end, never a crash. */
    int64_t at_s = at_us / 1000000;
    if (at_s < 0)
        at_s = 0;
    if (at_s > NOTIFY_LAST_SECOND)
        at_s = NOTIFY_LAST_SECOND;
    GTimeZone *tz = s_zone (time_zone);
    GDateTime *utc = g_date_time_new_from_unix_utc (at_s);
    GDateTime *local = g_date_time_to_timezone (utc, tz);
    g_date_time_unref (utc);
    g_time_zone_unref (tz);
    return local;
}

static void
s_date (char *out, size_t size, GDateTime *local, int en)
{
    static const char *const months_en[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
    static const char *const months_pt[] = {"janeiro", "fevereiro", "março",    "abril",
                                            "maio",    "junho",     "julho",    "agosto",
                                            "setembro", "outubro",  "novembro", "dezembro"};
    int day = g_date_time_get_day_of_month (local);
    int month = g_date_time_get_month (local);
    int year = g_date_time_get_year (local);
    if (en)
        snprintf (out, size, "%s %d, %d", months_en[month - 1], day, year);
    else
        snprintf (out, size, "%d de %s de %d", day, months_pt[month - 1], year);
}

void
notify_words_date (char *out, size_t size, int64_t at_us, const char *time_zone,
                   const char *language)
{
    GDateTime *local = s_local (at_us, time_zone);
    s_date (out, size, local, notify_words_is_english (language));
    g_date_time_unref (local);
}

void
notify_words_moment (char *out, size_t size, int64_t at_us, const char *time_zone,
                     const char *language)
{
    int en = notify_words_is_english (language);
    GDateTime *local = s_local (at_us, time_zone);
    char day[64], clock[16], offset[24];
    s_date (day, sizeof day, local, en);
    int hour = g_date_time_get_hour (local), minute = g_date_time_get_minute (local);
    if (en)
        snprintf (clock, sizeof clock, "%d:%02d %s", hour % 12 ? hour % 12 : 12, minute,
                  hour < 12 ? "AM" : "PM");
    else
        snprintf (clock, sizeof clock, "%02d:%02d", hour, minute);
    int64_t off_min = g_date_time_get_utc_offset (local) / G_TIME_SPAN_MINUTE;
    /* U+2212 MINUS SIGN, as typeset offsets are written. */
    snprintf (offset, sizeof offset, "UTC%s%02d:%02d", off_min < 0 ? "\u2212" : "+",
              (int) (off_min < 0 ? -off_min : off_min) / 60,
              (int) (off_min < 0 ? -off_min : off_min) % 60);
    const char *zone = time_zone && *time_zone ? time_zone : NOTIFY_DEFAULT_TIME_ZONE;
    if (strcmp (zone, NOTIFY_DEFAULT_TIME_ZONE) == 0)
        snprintf (out, size, en ? "%s, %s (Brasília time, %s)" : "%s, %s (horário de Brasília, %s)",
                  day, clock, offset);
    else
        snprintf (out, size, "%s, %s (%s)", day, clock, offset);
    g_date_time_unref (local);
}

/* ---- durations and sizes ---- */

void
notify_words_business_duration (char *out, size_t size, int64_t business_s, const char *language)
{
    int en = notify_words_is_english (language);
    long long minutes = (business_s + 59) / 60;
    if (minutes < 1)
        minutes = 1;
    if (minutes % 60 == 0) {
        long long hours = minutes / 60;
        if (en)
            snprintf (out, size, "%lld business hour%s", hours, hours == 1 ? "" : "s");
        else
            snprintf (out, size, "%lld %s", hours, hours == 1 ? "hora útil" : "horas úteis");
    }
    else if (en)
        snprintf (out, size, "%lld business minute%s", minutes, minutes == 1 ? "" : "s");
    else
        snprintf (out, size, "%lld %s", minutes, minutes == 1 ? "minuto útil" : "minutos úteis");
}

void
notify_words_promise (char *out, size_t size, int64_t target_s, int64_t due_us,
                      const char *time_zone, const char *language)
{
    int en = notify_words_is_english (language);
    char target[64] = "", due[160] = "";
    if (target_s > 0)
        notify_words_business_duration (target, sizeof target, target_s, language);
    if (due_us > 0)
        notify_words_moment (due, sizeof due, due_us, time_zone, language);
    if (*target && *due)
        snprintf (out, size, en ? "within %s, that is by %s" : "em até %s, ou seja, até %s",
                  target, due);
    else if (*target)
        snprintf (out, size, en ? "within %s" : "em até %s", target);
    else if (*due)
        snprintf (out, size, en ? "by %s" : "até %s", due);
    else
        snprintf (out, size, en ? "as soon as possible" : "o quanto antes");
}

void
notify_words_size (char *out, size_t size, uint64_t bytes, const char *language)
{
    bc_size_words (out, size, bytes, language);
}

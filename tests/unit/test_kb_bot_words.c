/* kb_bot_words and kb_bot_feedback: what the bot says (the standard
 * messages in both languages, placeholders filled, config overriding
 * them, "a equipe volta segunda-feira, 7 de dezembro, às 8h" in the
 * business time zone) and how it reads a typed answer to "Isso
 * resolveu?" (yes, no, or a new question). */
#include "kb_bot_rules.h"
#include "kb_bot_words.h"
#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* A local São Paulo time (UTC-3) as an instant. */
static time_t
sp (int y, int mo, int d, int h, int mi)
{
    struct tm t = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h + 3, .tm_min = mi};
    return timegm (&t);
}

static void
test_back_at (void **state)
{
    (void) state;
    setenv ("TZ", "America/Sao_Paulo", 1);
    tzset ();
    char out[128];
    /* Friday night: back on Monday. */
    kb_bot_back_at (sp (2026, 12, 4, 21, 0), sp (2026, 12, 7, 8, 0), "pt-BR", out, sizeof out);
    assert_string_equal (out, "segunda-feira, 7 de dezembro, às 8h");
    kb_bot_back_at (sp (2026, 12, 4, 21, 0), sp (2026, 12, 7, 8, 0), "en", out, sizeof out);
    assert_string_equal (out, "on Monday, December 7, at 8:00");
    /* Tuesday night: tomorrow; the lunch break: today at 13h30. */
    kb_bot_back_at (sp (2026, 12, 8, 22, 0), sp (2026, 12, 9, 8, 0), "pt-BR", out, sizeof out);
    assert_string_equal (out, "amanhã às 8h");
    kb_bot_back_at (sp (2026, 12, 9, 12, 10), sp (2026, 12, 9, 13, 30), "pt-BR", out, sizeof out);
    assert_string_equal (out, "hoje às 13h30");
    kb_bot_back_at (sp (2026, 12, 9, 12, 10), sp (2026, 12, 9, 13, 30), "en", out, sizeof out);
    assert_string_equal (out, "today at 13:30");
}

static void
test_words (void **state)
{
    (void) state;
    const char *vars[][2] = {{"horario", "de segunda a sexta, das 8h às 18h"},
                             {"volta", "amanhã às 8h"}};
    char *pt = kb_bot_fill (kb_bot_word (NULL, KB_BOT_W_AFTER_HOURS, "pt-BR"), vars, 2);
    assert_non_null (strstr (pt, "Nosso horário de atendimento é de segunda a sexta, das 8h às "
                                 "18h; a equipe volta amanhã às 8h"));
    assert_null (strchr (pt, '{'));
    /* English texts use {hours} and {back}: the same values fill them. */
    char *en = kb_bot_fill (kb_bot_word (NULL, KB_BOT_W_AFTER_HOURS, "en"), vars, 2);
    assert_non_null (strstr (en, "the team is back amanhã às 8h"));
    assert_null (strchr (en, '{'));
    free (pt);
    free (en);
    /* Button titles fit WhatsApp's 20 characters. */
    kb_bot_word_t buttons[] = {KB_BOT_W_YES, KB_BOT_W_NO, KB_BOT_W_PERSON, KB_BOT_W_CATEGORY_LABEL};
    for (size_t i = 0; i < sizeof buttons / sizeof buttons[0]; i++)
        for (int en_ = 0; en_ < 2; en_++) {
            const char *t = kb_bot_word (NULL, buttons[i], en_ ? "en" : "pt-BR");
            size_t chars = 0;
            for (const unsigned char *p = (const unsigned char *) t; *p; p++)
                chars += (*p & 0xc0) != 0x80;
            assert_true (chars <= 20);
        }
    /* An unknown placeholder stays as written; a missing value too. */
    const char *one[][2] = {{"link", "https://x/ajuda/a"}};
    char *f = kb_bot_fill ("veja {link} e {nada}", one, 1);
    assert_string_equal (f, "veja https://x/ajuda/a e {nada}");
    free (f);
}

static void
test_config_overrides (void **state)
{
    (void) state;
    char dir[64], path[128];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/c.cfg", dir);
    FILE *cf = fopen (path, "w");
    fputs ("kb\n    bot\n        messages\n            deflected = \"Oba! Até a próxima.\"\n"
           "        messages_en\n            deflected = \"Great, see you!\"\n",
           cf);
    fclose (cf);
    bc_config_t *cfg = bc_config_load (path);
    assert_non_null (cfg);
    assert_string_equal (kb_bot_word (cfg, KB_BOT_W_DEFLECTED, "pt-BR"), "Oba! Até a próxima.");
    assert_string_equal (kb_bot_word (cfg, KB_BOT_W_DEFLECTED, "en-US"), "Great, see you!");
    /* What the config does not say stays the built-in text. */
    assert_non_null (strstr (kb_bot_word (cfg, KB_BOT_W_RETRY, "pt-BR"), "outras palavras"));
    bc_config_destroy (&cfg);
    unit_rmdir (dir);
}

static void
test_feedback (void **state)
{
    (void) state;
    const char *yes[] = {"Sim", "sim, deu certo!", "Resolveu, obrigada", "👍", "valeu",
                         "yes it worked", "Funcionou"};
    const char *no[] = {"não", "Nao", "ainda não", "acho que não", "não funcionou",
                        "👎", "no", "didn't work"};
    const char *other[] = {"como emito a segunda via do boleto?", "e para trocar o e-mail?",
                           "", "minha conta está bloqueada"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_int_equal (kb_bot_feedback (yes[i]), KB_BOT_FEEDBACK_YES);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_int_equal (kb_bot_feedback (no[i]), KB_BOT_FEEDBACK_NO);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        assert_int_equal (kb_bot_feedback (other[i]), KB_BOT_FEEDBACK_OTHER);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test (test_back_at), cmocka_unit_test (test_words),
                                       cmocka_unit_test (test_config_overrides),
                                       cmocka_unit_test (test_feedback)};
    return cmocka_run_group_tests (tests, NULL, NULL);
}

/* balcao_catalog: the categories and macros as the router has them
 * (`balcao categories`, `balcao macros`) and as admins change them
 * (`category-save`, `macro-save`, `macro-remove`), the same as the
 * dashboard's page "Categorias e mensagens". A save names only what
 * changes: the other fields keep the values the router has. */
#include "balcao_cli.h"

#include "balcao/v1/router.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))
#define S_TEXT_MAX 8192

/* Pads s to width characters (UTF-8 aware). */
static void
s_padded (const char *s, int width)
{
    int chars = 0;
    for (const char *p = s; *p; p++)
        chars += ((unsigned char) *p & 0xC0) != 0x80;
    printf ("%s%*s", s, width > chars ? width - chars : 0, "");
}

static Balcao__V1__CategoryList *
s_categories (bc_config_t *config)
{
    Balcao__V1__ListCategories req = BALCAO__V1__LIST_CATEGORIES__INIT;
    return (Balcao__V1__CategoryList *) balcao_cli_fetch (config, "router", &req.base,
                                                         &balcao__v1__category_list__descriptor);
}

static Balcao__V1__MacroList *
s_macros (bc_config_t *config)
{
    Balcao__V1__ListMacros req = BALCAO__V1__LIST_MACROS__INIT;
    return (Balcao__V1__MacroList *) balcao_cli_fetch (config, "router", &req.base,
                                                      &balcao__v1__macro_list__descriptor);
}

static void
s_print_categories (const Balcao__V1__CategoryList *list)
{
    for (size_t i = 0; i < list->n_categories; i++) {
        const Balcao__V1__Category *c = list->categories[i];
        printf ("%-14s ", c->id);
        s_padded (balcao_cli_en () && *c->name_en ? c->name_en : c->name, 26);
        printf (T (" prioridade %-8s nível %s", " priority %-8s tier %s"), c->priority, c->tier);
        if (*c->procedure)
            printf (T ("  procedimento: %s", "  procedure: %s"), c->procedure);
        printf ("\n");
    }
}

static void
s_print_macros (const Balcao__V1__MacroList *list)
{
    for (size_t i = 0; i < list->n_macros; i++) {
        const Balcao__V1__Macro *m = list->macros[i];
        printf ("%-22s ", m->id);
        s_padded (balcao_cli_en () && *m->name_en ? m->name_en : m->name, 32);
        printf (" %-12s%s\n", m->action,
                *m->text_en ? "" : T ("  (só em português)", "  (Portuguese only)"));
    }
}

int
balcao_catalog_list (bc_config_t *config, int macros)
{
    ProtobufCMessage *list = macros ? (ProtobufCMessage *) s_macros (config)
                                    : (ProtobufCMessage *) s_categories (config);
    if (!list)
        return balcao_cli_exit ();
    if (macros)
        s_print_macros ((Balcao__V1__MacroList *) list);
    else
        s_print_categories ((Balcao__V1__CategoryList *) list);
    protobuf_c_message_free_unpacked (list, NULL);
    return 0;
}

/* A file's text ("-": standard input) into buf; -1 when unreadable or too
 * long. */
static int
s_read_text (const char *path, char *buf, size_t size)
{
    FILE *f = strcmp (path, "-") == 0 ? stdin : fopen (path, "r");
    if (!f) {
        fprintf (stderr, T ("balcao: não consegui ler %s\n", "balcao: cannot read %s\n"), path);
        return -1;
    }
    size_t n = fread (buf, 1, size - 1, f);
    int too_long = !feof (f);
    if (f != stdin)
        fclose (f);
    buf[n] = 0;
    if (too_long) {
        fprintf (stderr, T ("balcao: %s passa de %zu bytes\n", "balcao: %s is over %zu bytes\n"),
                 path, size - 1);
        return -1;
    }
    return 0;
}

/* The value after option name in argv, or NULL. */
static const char *
s_option (int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp (argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

/* Every argument after the id is an --option VALUE pair among known. */
static int
s_options_ok (int argc, char **argv, const char *const *known)
{
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            return 0;
        int found = 0;
        for (int k = 0; known[k] && !found; k++)
            found = strcmp (argv[i], known[k]) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

/* balcao category-save ID [--name N] [--name-en N] [--priority P] [--tier T]
 * [--procedure MACRO] */
static int
s_category_save (bc_config_t *config, int argc, char **argv)
{
    static const char *const known[] = {"--name",      "--name-en", "--priority",
                                        "--tier",      "--procedure", NULL};
    if (argc < 3 || !s_options_ok (argc, argv, known))
        return EXIT_USAGE;
    Balcao__V1__CategoryList *list = s_categories (config);
    if (!list)
        return balcao_cli_exit ();
    Balcao__V1__Category c = BALCAO__V1__CATEGORY__INIT;
    c.id = argv[0];
    c.priority = "normal";
    c.tier = "N1";
    for (size_t i = 0; i < list->n_categories; i++)
        if (strcmp (list->categories[i]->id, argv[0]) == 0) {
            c = *list->categories[i];
            c.base.unknown_fields = NULL, c.base.n_unknown_fields = 0;
        }
    const char *v;
    if ((v = s_option (argc, argv, "--name")))
        c.name = (char *) v;
    if ((v = s_option (argc, argv, "--name-en")))
        c.name_en = (char *) v;
    if ((v = s_option (argc, argv, "--priority")))
        c.priority = (char *) v;
    if ((v = s_option (argc, argv, "--tier")))
        c.tier = (char *) v;
    if ((v = s_option (argc, argv, "--procedure")))
        c.procedure = (char *) v;
    Balcao__V1__SaveCategory req = BALCAO__V1__SAVE_CATEGORY__INIT;
    req.category = &c;
    Balcao__V1__CategoryList *after = (Balcao__V1__CategoryList *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__category_list__descriptor);
    balcao__v1__category_list__free_unpacked (list, NULL);
    if (!after)
        return balcao_cli_exit ();
    printf (T ("Categoria %s salva.\n", "Category %s saved.\n"), argv[0]);
    s_print_categories (after);
    balcao__v1__category_list__free_unpacked (after, NULL);
    return 0;
}

/* balcao macro-save ID [--name N] [--name-en N] [--text-file F|-]
 * [--text-en-file F|-] [--category C] [--priority P] [--action A];
 * balcao macro-remove ID */
static int
s_macro_save (bc_config_t *config, int argc, char **argv, int remove)
{
    static const char *const known[] = {"--name",     "--name-en",  "--text-file", "--text-en-file",
                                        "--category", "--priority", "--action",    NULL};
    if (argc < 1 || (remove && argc != 1) || (!remove && (argc < 3 || !s_options_ok (argc, argv, known))))
        return EXIT_USAGE;
    Balcao__V1__MacroList *list = s_macros (config);
    if (!list)
        return balcao_cli_exit ();
    Balcao__V1__Macro m = BALCAO__V1__MACRO__INIT;
    m.id = argv[0];
    for (size_t i = 0; i < list->n_macros; i++)
        if (strcmp (list->macros[i]->id, argv[0]) == 0) {
            m = *list->macros[i];
            m.base.unknown_fields = NULL, m.base.n_unknown_fields = 0;
        }
    static char text[S_TEXT_MAX], text_en[S_TEXT_MAX];
    const char *v;
    int rc = 0;
    if ((v = s_option (argc, argv, "--name")))
        m.name = (char *) v;
    if ((v = s_option (argc, argv, "--name-en")))
        m.name_en = (char *) v;
    if ((v = s_option (argc, argv, "--category")))
        m.category = (char *) v;
    if ((v = s_option (argc, argv, "--priority")))
        m.priority = (char *) v;
    if ((v = s_option (argc, argv, "--action")))
        m.action = (char *) v;
    if ((v = s_option (argc, argv, "--text-file")) && (rc = s_read_text (v, text, sizeof text)) == 0)
        m.text = text;
    if (rc == 0 && (v = s_option (argc, argv, "--text-en-file"))
        && (rc = s_read_text (v, text_en, sizeof text_en)) == 0)
        m.text_en = text_en;
    Balcao__V1__MacroList *after = NULL;
    if (rc == 0) {
        Balcao__V1__SaveMacro req = BALCAO__V1__SAVE_MACRO__INIT;
        req.macro = &m;
        req.remove = remove;
        after = (Balcao__V1__MacroList *) balcao_cli_fetch (config, "router", &req.base,
                                                           &balcao__v1__macro_list__descriptor);
    }
    balcao__v1__macro_list__free_unpacked (list, NULL);
    if (rc)
        return EXIT_USAGE;
    if (!after)
        return balcao_cli_exit ();
    printf (remove ? T ("Mensagem padrão %s removida.\n", "Macro %s removed.\n")
                   : T ("Mensagem padrão %s salva.\n", "Macro %s saved.\n"),
            argv[0]);
    s_print_macros (after);
    balcao__v1__macro_list__free_unpacked (after, NULL);
    return 0;
}

int
balcao_catalog (bc_config_t *config, const char *cmd, int argc, char **argv)
{
    if (strcmp (cmd, "categories") == 0)
        return balcao_catalog_list (config, 0);
    if (strcmp (cmd, "macros") == 0)
        return balcao_catalog_list (config, 1);
    if (strcmp (cmd, "category-save") == 0)
        return s_category_save (config, argc, argv);
    if (strcmp (cmd, "macro-save") == 0)
        return s_macro_save (config, argc, argv, 0);
    return s_macro_save (config, argc, argv, 1);
}

/* balcao_settings: `balcao settings` (every setting admins may change at run
 * time, with the ones changed so) and `balcao settings set KEY VALUE [KEY
 * VALUE ...]` (admins; all or nothing). The same as the dashboard's
 * settings page. */
#include "balcao_cli.h"

#include "balcao/v1/router.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

static void
s_print (const Balcao__V1__Settings *s)
{
    for (size_t i = 0; i < s->n_settings; i++) {
        int changed = 0;
        for (size_t j = 0; j < s->n_changed_keys; j++)
            changed |= strcmp (s->changed_keys[j], s->settings[i]->key) == 0;
        const char *value = s->settings[i]->value;
        printf ("%-28s %s%s\n", s->settings[i]->key,
                *value ? value : T ("(fechado / nenhum)", "(closed / none)"),
                changed ? T ("   * alterado", "   * changed") : "");
    }
    printf (T ("Fuso horário: %s\n", "Time zone: %s\n"), s->time_zone);
    if (*s->updated_by) {
        char when[32];
        balcao_cli_time (s->updated_us, when, sizeof when);
        printf (T ("* alterado por %s em %s; o resto vem do arquivo de configuração\n",
                   "* changed by %s on %s; the rest comes from the config file\n"),
                s->updated_by, when);
    }
}

int
balcao_settings (bc_config_t *config, int argc, char **argv)
{
    ProtobufCMessage *reply;
    if (argc == 0) {
        Balcao__V1__GetSettings req = BALCAO__V1__GET_SETTINGS__INIT;
        reply = balcao_cli_fetch (config, "router", &req.base, &balcao__v1__settings__descriptor);
    }
    else if (strcmp (argv[0], "set") == 0 && argc >= 3 && argc % 2 == 1) {
        size_t n = (size_t) (argc - 1) / 2;
        Balcao__V1__Setting *items = calloc (n, sizeof *items);
        Balcao__V1__Setting **ptrs = calloc (n, sizeof *ptrs);
        for (size_t i = 0; i < n; i++) {
            balcao__v1__setting__init (&items[i]);
            items[i].key = argv[1 + 2 * i];
            items[i].value = argv[2 + 2 * i];
            ptrs[i] = &items[i];
        }
        Balcao__V1__UpdateSettings req = BALCAO__V1__UPDATE_SETTINGS__INIT;
        req.changes = ptrs;
        req.n_changes = n;
        reply = balcao_cli_fetch (config, "router", &req.base, &balcao__v1__settings__descriptor);
        free (items);
        free (ptrs);
    }
    else
        return EXIT_USAGE;
    if (!reply)
        return balcao_cli_exit ();
    s_print ((Balcao__V1__Settings *) reply);
    protobuf_c_message_free_unpacked (reply, NULL);
    return 0;
}

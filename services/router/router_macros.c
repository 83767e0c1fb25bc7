/* router_macros: standard messages and their placeholders. */
#include "router_macros.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MACROS_MAX 64

struct router_macros_t {
    router_macro_t macros[MACROS_MAX];
    int count;
};

static const router_macro_t s_defaults[] = {
    {"pedir-print", "Pedir print e passo a passo",
     "Olá, {{cliente.nome}}!\n\n"
     "Para entendermos melhor o que está acontecendo em “{{chamado.assunto}}”, você poderia nos "
     "enviar um print da tela com a mensagem que aparece e o passo a passo do que fez até ela "
     "surgir? Com isso conseguimos analisar o seu caso e responder em até 1 dia útil.\n\n"
     "Obrigado,\n{{agente.nome}}",
     "", "", "request_info", "Ask for a screenshot and the steps",
     "Hello, {{cliente.nome}}!\n\n"
     "To understand what is happening in “{{chamado.assunto}}”, could you send us a screenshot "
     "of the screen with the message you see and the steps you took before it appeared? With "
     "that we can look into your case and answer within 1 business day.\n\n"
     "Thank you,\n{{agente.nome}}"},
    {"reset-senha", "Redefinição de senha",
     "Olá, {{cliente.nome}}!\n\n"
     "Entendemos que você não está conseguindo entrar no sistema. Acabamos de enviar para o seu "
     "e-mail cadastrado um link para criar uma nova senha; ele vale por 24 horas. Se não o "
     "encontrar em alguns minutos, confira a caixa de spam.\n\n"
     "Depois de criar a senha, é só responder confirmando que deu certo para encerrarmos o "
     "chamado #{{chamado.numero}}.\n\n"
     "Atenciosamente,\n{{agente.nome}}",
     "acesso", "", "resolve", "Password reset",
     "Hello, {{cliente.nome}}!\n\n"
     "We understand you cannot sign in. We have just sent a link to create a new password to "
     "your registered e-mail address; it is valid for 24 hours. If you do not find it within a "
     "few minutes, please check your spam folder.\n\n"
     "Once you have created the password, just reply to confirm it worked and we will close "
     "ticket #{{chamado.numero}}.\n\n"
     "Kind regards,\n{{agente.nome}}"},
    {"encaminhado-tecnico", "Encaminhado à equipe técnica",
     "Olá, {{cliente.nome}}!\n\n"
     "Seu chamado #{{chamado.numero}} foi encaminhado para a nossa equipe técnica, que vai "
     "investigar o problema com mais profundidade. Vamos mantê-lo informado a cada novidade; o "
     "próximo retorno será em até 1 dia útil.\n\n"
     "Atenciosamente,\n{{agente.nome}}",
     "", "", "", "Sent to the technical team",
     "Hello, {{cliente.nome}}!\n\n"
     "Your ticket #{{chamado.numero}} has been passed to our technical team, who will look into "
     "the problem in more depth. We will keep you posted on every step; you will hear from us "
     "again within 1 business day.\n\n"
     "Kind regards,\n{{agente.nome}}"},
};

router_macros_t *
router_macros_new_from (const router_macro_t *items, int n)
{
    if (n < 0 || n > MACROS_MAX)
        return NULL;
    router_macros_t *self = calloc (1, sizeof *self);
    for (int i = 0; i < n; i++) {
        if (router_macros_find (self, items[i].id)) {
            free (self);
            return NULL;
        }
        router_macro_t *m = &self->macros[self->count++];
        *m = items[i];
        if (!m->name_en)
            m->name_en = "";
        if (!m->text_en)
            m->text_en = "";
    }
    return self;
}

router_macros_t *
router_macros_new (bc_config_t *config)
{
    const char *ids[MACROS_MAX];
    int n = bc_config_children (config, "router/macros", ids, MACROS_MAX);
    if (n == 0)
        return router_macros_new_from (s_defaults, (int) (sizeof s_defaults / sizeof *s_defaults));
    router_macro_t items[MACROS_MAX];
    for (int i = 0; i < n; i++) {
        router_macro_t *m = &items[i];
        char key[160];
        m->id = ids[i];
#define S_FIELD(field, dflt)                                                                       \
    snprintf (key, sizeof key, "router/macros/%s/" #field, ids[i]);                               \
    m->field = bc_config_str (config, key, dflt);
        S_FIELD (name, ids[i]);
        S_FIELD (text, "");
        S_FIELD (category, "");
        S_FIELD (priority, "");
        S_FIELD (action, "");
        S_FIELD (name_en, "");
        S_FIELD (text_en, "");
#undef S_FIELD
    }
    return router_macros_new_from (items, n);
}

const char *
router_macro_name (const router_macro_t *m, const char *language)
{
    return language && strcmp (language, "en") == 0 && *m->name_en ? m->name_en : m->name;
}

const char *
router_macro_text (const router_macro_t *m, const char *language)
{
    return language && strcmp (language, "en") == 0 && *m->text_en ? m->text_en : m->text;
}

void
router_macros_destroy (router_macros_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

const router_macro_t *
router_macros_find (router_macros_t *self, const char *id)
{
    for (int i = 0; id && i < self->count; i++)
        if (strcmp (self->macros[i].id, id) == 0)
            return &self->macros[i];
    return NULL;
}

int
router_macros_count (router_macros_t *self)
{
    return self->count;
}

const router_macro_t *
router_macros_at (router_macros_t *self, int index)
{
    return index >= 0 && index < self->count ? &self->macros[index] : NULL;
}

char *
router_macro_render (const char *text, const char *const *names, const char *const *values,
                     int count)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&out, &size);
    const char *p = text;
    while (*p) {
        const char *open = strstr (p, "{{");
        const char *close = open ? strstr (open, "}}") : NULL;
        if (!close) {
            fputs (p, f);
            break;
        }
        fwrite (p, 1, (size_t) (open - p), f);
        size_t len = (size_t) (close - open - 2);
        int found = 0;
        for (int i = 0; i < count && !found; i++)
            if (strlen (names[i]) == len && strncmp (open + 2, names[i], len) == 0) {
                fputs (values[i], f);
                found = 1;
            }
        if (!found)
            fwrite (open, 1, len + 4, f);
        p = close + 2;
    }
    fclose (f);
    return out;
}

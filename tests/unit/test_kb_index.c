/* kb_index: the Xapian shim. Accented and unaccented, singular and plural
 * forms of a word meet; stopwords, synonyms, filters, snippets, spelling,
 * similar documents, and re-indexing the same document (a replayed event)
 * does not duplicate it. */
#include "../utf8_check.h"
#include "kb_index.h"
#include "kb_stopwords.h"
#include "kb_index_util.h"
#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* The pitfall of folding before stemming: every form of these words must
 * give one key, with and without accents, singular and plural. */
static void
test_keys_meet (void **state)
{
    (void) state;
    char dir[64];
    kb_index_t *idx = s_open (dir, sizeof dir);
    static const char *groups[][4] = {
        {"solicitação", "solicitações", "solicitacao", "solicitacoes"},
        {"configuração", "configurações", "configuracao", "configuracoes"},
        {"relatório", "relatórios", "relatorio", "relatorios"},
        {"notificação", "notificações", "notificacao", "notificacoes"},
        {"avaliação", "avaliações", "avaliacao", "avaliacoes"},
        {"disponível", "disponíveis", "disponivel", "disponiveis"},
        {"padrão", "padrões", "padrao", "padroes"},
        {"Região", "REGIÕES", "regiao", "Regioes"},
        {"experiência", "experiências", "experiencia", "experiencias"},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        char *first = kb_index_key (idx, groups[g][0]);
        for (int i = 1; i < 4; i++) {
            char *k = kb_index_key (idx, groups[g][i]);
            if (strcmp (k, first) != 0)
                fail_msg ("%s -> %s but %s -> %s", groups[g][0], first, groups[g][i], k);
            free (k);
        }
        free (first);
    }
    kb_index_close (&idx);
    unit_rmdir (dir);
}

static void
test_search_forms_and_reindex (void **state)
{
    (void) state;
    char dir[64], ids[256];
    kb_index_t *idx = s_open (dir, sizeof dir);
    s_put (idx, "1", "Solicitações de acesso", "Como abrir solicitações de acesso ao sistema.");
    s_put (idx, "2", "Senha bloqueada", "Não consigo entrar: a senha foi bloqueada.");
    s_put (idx, "3", "Exportar relatorio", "O relatorio mensal exporta em planilha.");
    /* The same document again (a replayed event): still one. */
    s_put (idx, "1", "Solicitações de acesso", "Como abrir solicitações de acesso ao sistema.");
    assert_int_equal (kb_index_commit (idx), 0);
    assert_int_equal (kb_index_count (idx), 3);
    const char *forms[] = {"solicitação", "solicitacao", "solicitações", "solicitacoes"};
    for (int i = 0; i < 4; i++)
        assert_string_equal (s_ids (idx, forms[i], ids, sizeof ids), "1");
    /* Written without accents in the text, searched with them. */
    assert_string_equal (s_ids (idx, "relatórios", ids, sizeof ids), "3");
    /* Only stopwords, or an unknown word: nothing. */
    assert_string_equal (s_ids (idx, "de um para o", ids, sizeof ids), "");
    assert_string_equal (s_ids (idx, "impressora", ids, sizeof ids), "");
    assert_int_equal (kb_index_delete (idx, "3"), 0);
    assert_string_equal (s_ids (idx, "relatorio", ids, sizeof ids), "");
    kb_index_close (&idx);
    /* Durable: reopen and find it again. */
    char path[128], err[256];
    snprintf (path, sizeof path, "%s/x", dir);
    idx = kb_index_open (path, err, sizeof err);
    assert_string_equal (s_ids (idx, "senha", ids, sizeof ids), "2");
    kb_index_close (&idx);
    assert_null (idx);
    unit_rmdir (dir);
}

static void
test_synonyms_weights_filters (void **state)
{
    (void) state;
    char dir[64], ids[256];
    kb_index_t *idx = s_open (dir, sizeof dir);
    kb_index_add_synonyms (idx, "senha, password, palavra-passe");
    kb_index_add_synonyms (idx, "chamado, ticket");
    kb_doc_t pub = {.id = "pub", .title = "Trocar a senha", .body = "Passo a passo.",
                    .filters = {"Apublico"}, .nfilters = 1, .facets = {NULL, "guia"}};
    kb_doc_t in = {.id = "int", .title = "Procedimento interno",
                   .body = "Ao abrir um ticket, confira a senha do cliente duas vezes.",
                   .filters = {"Ainterno"}, .nfilters = 1, .facets = {NULL, "manual"}};
    assert_int_equal (kb_index_put (idx, &pub), 0);
    assert_int_equal (kb_index_put (idx, &in), 0);
    /* A synonym finds both; the title counts more than the body. */
    assert_string_equal (s_ids (idx, "password", ids, sizeof ids), "pub int");
    assert_string_equal (s_ids (idx, "chamado", ids, sizeof ids), "int");
    /* Filters: only public. */
    kb_query_t q = {.text = "senha", .limit = 10, .filters = {"Apublico"}, .nfilters = 1,
                    .want_facets = 1, .snippet_chars = 60};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_int_equal (r->nhits, 1);
    assert_string_equal (r->hits[0].id, "pub");
    assert_int_equal (r->nfacets, 1);
    assert_string_equal (r->facets[0].value, "guia");
    kb_results_destroy (&r);
    /* Facets follow changes once counted: a new type, then a deletion. */
    kb_query_t all = {.text = "senha", .limit = 10, .want_facets = 1};
    assert_int_equal (kb_index_search (idx, &all, &r), 0);
    assert_int_equal (r->nfacets, 2); /* guia 1, manual 1 */
    kb_results_destroy (&r);
    in.facets[1] = "faq";
    assert_int_equal (kb_index_put (idx, &in), 0);
    kb_doc_t more = {.id = "more", .title = "Senha esquecida", .facets = {NULL, "faq"}};
    assert_int_equal (kb_index_put (idx, &more), 0);
    assert_int_equal (kb_index_search (idx, &all, &r), 0);
    assert_int_equal (r->nfacets, 2);
    assert_string_equal (r->facets[0].value, "faq");
    assert_int_equal (r->facets[0].count, 2);
    assert_string_equal (r->facets[1].value, "guia");
    assert_int_equal (r->facets[1].count, 1);
    assert_int_equal (r->facets_estimated, 0); /* every match counted */
    kb_results_destroy (&r);
    assert_int_equal (kb_index_delete (idx, "more"), 0);
    assert_int_equal (kb_index_search (idx, &all, &r), 0);
    assert_int_equal (r->nfacets, 2);
    assert_int_equal (r->facets[0].count, 1);
    kb_results_destroy (&r);
    /* Exclusions: none of the excluded terms. */
    kb_query_t ex = {.text = "senha", .limit = 10, .excludes = {"Ainterno"}, .nexcludes = 1};
    assert_int_equal (kb_index_search (idx, &ex, &r), 0);
    assert_int_equal (r->nhits, 1);
    assert_string_equal (r->hits[0].id, "pub");
    kb_results_destroy (&r);
    /* Snippets mark the matched words, HTML-escaped. */
    kb_doc_t esc = {.id = "esc", .title = "Erro <script>", .body = "Ao exportar o relatório <b>x</b> & ver."};
    assert_int_equal (kb_index_put (idx, &esc), 0);
    kb_query_t q2 = {.text = "relatorios", .limit = 1, .snippet_chars = 100};
    assert_int_equal (kb_index_search (idx, &q2, &r), 0);
    assert_int_equal (r->nhits, 1);
    assert_non_null (strstr (r->hits[0].snippet, "<mark>relatório</mark>"));
    assert_non_null (strstr (r->hits[0].snippet, "&lt;b&gt;"));
    assert_null (strstr (r->hits[0].snippet, "<b>"));
    kb_results_destroy (&r);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

static void
test_spelling_partial_excerpt (void **state)
{
    (void) state;
    char dir[64];
    kb_index_t *idx = s_open (dir, sizeof dir);
    kb_index_set_spelling (idx, 1);
    s_put (idx, "n", "Configurar notificações", "Escolha quais notificações receber por e-mail.");
    s_put (idx, "e", "Exportar relatório", "Use o botão Exportar. O arquivo chega por e-mail.");
    kb_index_commit (idx);
    /* The query as typed finds nothing: the corrected one's results. */
    kb_query_t q = {.text = "notifcações", .limit = 5, .want_spelling = 1};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_int_equal (r->nhits, 1);
    assert_string_equal (r->hits[0].id, "n");
    assert_non_null (r->corrected);
    assert_string_equal (r->corrected, "notificações");
    assert_null (r->spelling);
    kb_results_destroy (&r);
    /* Typing: "configur" is a prefix of the word. */
    kb_query_t p = {.text = "como configur", .limit = 5, .is_partial = 1};
    assert_int_equal (kb_index_search (idx, &p, &r), 0);
    assert_int_equal (r->nhits, 1);
    assert_string_equal (r->hits[0].id, "n");
    kb_results_destroy (&r);
    char *ex = kb_index_excerpt (idx, "# Título\n\nPrimeiro passo. O arquivo chega por **e-mail** "
                                      "em minutos. Fim.", "quando chega o arquivo", 200);
    assert_string_equal (ex, "O arquivo chega por e-mail em minutos. Fim.");
    free (ex);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* Issue 15: a typo is searched as corrected when the typed query finds
 * far less, a word the articles have is never corrected, "chamado" (a
 * ticket) is not "chamadas" (phone calls), the built-in synonyms find what
 * people call otherwise, and a query the articles do not answer covers
 * little of itself. */
static void
test_corrections_and_synonyms (void **state)
{
    (void) state;
    char dir[64], ids[256];
    kb_index_t *idx = s_open (dir, sizeof dir);
    kb_index_set_spelling (idx, 1);
    s_put (idx, "abrir", "Abrir um chamado", "Abra um chamado pelo portal ou por e-mail.");
    s_put (idx, "ligacoes", "Registro de ligações",
           "Veja as chamadas telefônicas recebidas e realizadas.");
    s_put (idx, "modulos", "Módulos de texto", "Digite dois pontos e escolha o módulo.");
    s_put (idx, "formatar", "Formatar textos", "Negrito e itálico nos textos e nos títulos.");
    s_put (idx, "movel", "Visualização móvel", "Use o sistema em movimento, na tela pequena.");
    s_put (idx, "nota", "Nota interna", "Uma nota que o cliente não vê.");
    kb_index_commit (idx);
    assert_string_equal (s_ids (idx, "chamado", ids, sizeof ids), "abrir");
    assert_string_equal (s_ids (idx, "chamadas", ids, sizeof ids), "ligacoes");
    /* A typo: the corrected query's results, and it says so. */
    kb_query_t q = {.text = "abrir chamdo", .limit = 5, .want_spelling = 1};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_true (r->nhits >= 1);
    assert_string_equal (r->hits[0].id, "abrir");
    assert_non_null (r->corrected);
    assert_string_equal (r->corrected, "abrir chamado");
    kb_results_destroy (&r);
    /* Words the articles have are never corrected (nor offered one). */
    kb_query_t known = {.text = "chamadas recebidas", .limit = 5, .want_spelling = 1};
    assert_int_equal (kb_index_search (idx, &known, &r), 0);
    assert_string_equal (r->hits[0].id, "ligacoes");
    assert_null (r->corrected);
    assert_null (r->spelling);
    kb_results_destroy (&r);
    /* Built-in synonyms (data/kb/synonyms.txt): a phrase and a word. */
    assert_string_equal (s_ids (idx, "textos prontos", ids, sizeof ids), "modulos formatar");
    assert_string_equal (s_ids (idx, "usar pelo celular", ids, sizeof ids), "movel");
    /* "nota fisc": the best hit covers little of what was typed. */
    kb_query_t junk = {.text = "nota fisc", .limit = 5, .is_partial = 1};
    assert_int_equal (kb_index_search (idx, &junk, &r), 0);
    assert_true (r->nhits == 0 || r->hits[0].coverage < 0.5);
    kb_results_destroy (&r);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

static void
test_similar (void **state)
{
    (void) state;
    char dir[64];
    kb_index_t *idx = s_open (dir, sizeof dir);
    s_put (idx, "1", "Boleto não gerado", "O boleto de outubro não foi gerado no vencimento.");
    s_put (idx, "2", "Boleto sem gerar", "Não consigo gerar o boleto, vencimento hoje.");
    s_put (idx, "3", "Impressora travada", "A impressora do escritório parou.");
    s_put (idx, "4", "Senha", "Esqueci a senha do portal.");
    kb_query_t q = {.limit = 5};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_similar (idx, "1", &q, &r), 0);
    assert_true (r->nhits >= 1);
    assert_string_equal (r->hits[0].id, "2");
    kb_results_destroy (&r);
    assert_true (kb_index_similarity (idx, "1", "2") > 0.3);
    assert_true (kb_index_similarity (idx, "1", "3") < 0.05);
    const char *ids[] = {"1", "2"};
    char *words[4];
    int n = kb_index_shared_words (idx, ids, 2, NULL, NULL, words, 4);
    assert_true (n >= 2);
    int has_boleto = 0;
    for (int i = 0; i < n; i++) {
        has_boleto |= strcmp (words[i], "boleto") == 0;
        free (words[i]);
    }
    assert_true (has_boleto);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* In an index of 1,000 or more, a word in more than a fifth of it only
 * re-ranks; the best hit's coverage still counts it. */
static void
test_frequent_words (void **state)
{
    (void) state;
    char dir[64], id[16], body[128];
    kb_index_t *idx = s_open (dir, sizeof dir);
    for (int i = 0; i < 1200; i++) {
        snprintf (id, sizeof id, "d%d", i);
        snprintf (body, sizeof body, "%s item %d", i % 4 == 0 ? "sistema lento" : "impressora",
                  i);
        kb_doc_t d = {.id = id, .title = "Documento", .body = body};
        assert_int_equal (kb_index_put (idx, &d), 0);
    }
    kb_doc_t target = {.id = "alvo", .title = "Faturamento", .body = "O sistema de faturamento."};
    assert_int_equal (kb_index_put (idx, &target), 0);
    kb_index_commit (idx);
    kb_query_t q = {.text = "sistema faturamento", .limit = 5};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_true (r->nhits >= 1);
    assert_string_equal (r->hits[0].id, "alvo");
    assert_true (r->hits[0].coverage > 0.99);
    kb_results_destroy (&r);
    /* The frequent word alone is still searched. */
    kb_query_t alone = {.text = "sistema", .limit = 5};
    assert_int_equal (kb_index_search (idx, &alone, &r), 0);
    assert_int_equal (r->nhits, 5);
    kb_results_destroy (&r);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* The second pass weighs candidates from their term lists: with document
 * lengths that follow replacements, and with every word of a long
 * question, not only the rarest ones that found the candidates. */
static void
test_second_pass (void **state)
{
    (void) state;
    char dir[64], ids[256], body[2048];
    kb_index_t *idx = s_open (dir, sizeof dir);
    const char *filler = " Texto sobre outro assunto qualquer para alongar o documento com "
                         "palavras diversas como janela, cadeira, mesa, caneta, papel, livro,"
                         " tinta, porta, parede, teto, piso, lâmpada, cortina e tapete.";
    /* Loaded before any document (as kb does at start), the lengths in
     * memory follow every put. */
    assert_int_equal (kb_index_warm (idx), 0);
    s_put (idx, "curto", "Impressora fiscal", "Como configurar a impressora fiscal.");
    snprintf (body, sizeof body, "Como configurar a impressora fiscal.%s%s", filler, filler);
    s_put (idx, "longo", "Impressora fiscal", body);
    s_put (idx, "outro", "Cadeira", filler);
    /* The same words, the shorter document first (BM25's lengths). */
    assert_string_equal (s_ids (idx, "impressora fiscal", ids, sizeof ids), "curto longo");
    /* The short one grows: its new length counts at once. */
    snprintf (body, sizeof body, "Como configurar a impressora fiscal.%s%s%s%s", filler, filler,
              filler, filler);
    s_put (idx, "curto", "Impressora fiscal", body);
    assert_string_equal (s_ids (idx, "impressora fiscal", ids, sizeof ids), "longo curto");
    /* Six words: the five rarest find the candidates; "sistema", in many
     * documents, still ranks them (no pair or word as written differs). */
    s_put (idx, "b", "Cobrança", "Faturamento, boleto, vencimento, juros e multa. Cadeira.");
    s_put (idx, "a", "Cobrança", "Faturamento, boleto, vencimento, juros e multa. Sistema.");
    for (int i = 0; i < 12; i++) {
        char id[16];
        snprintf (id, sizeof id, "s%d", i);
        s_put (idx, id, "Sistema", "O sistema lento.");
    }
    kb_query_t q = {.text = "sistema faturamento boleto vencimento juros multa", .limit = 2};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_int_equal (r->nhits, 2);
    assert_string_equal (r->hits[0].id, "a");
    assert_string_equal (r->hits[1].id, "b");
    assert_true (r->hits[0].coverage > 0.99);
    assert_true (r->hits[1].coverage < 0.99);
    kb_results_destroy (&r);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* Facets of a query with more matches than the matcher looks at: counts of
 * those it saw, scaled to the estimate, marked as estimated. */
static void
test_facets_estimated (void **state)
{
    (void) state;
    char dir[64], id[16], body[512];
    kb_index_t *idx = s_open (dir, sizeof dir);
    for (int i = 0; i < 600; i++) {
        snprintf (id, sizeof id, "d%d", i);
        body[0] = 0; /* "senha" 1 to 4 times: the matcher skips the fewer */
        for (int w = 0; w <= i % 4; w++)
            strcat (body, "Redefinir a senha. ");
        kb_doc_t d = {.id = id, .title = "Acesso", .body = body,
                      .facets = {NULL, i % 3 == 2 ? "faq" : "guia"}};
        assert_int_equal (kb_index_put (idx, &d), 0);
    }
    kb_index_commit (idx);
    kb_query_t q = {.text = "senha", .limit = 10, .want_facets = 1};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_int_equal (r->nhits, 10);
    assert_int_equal (r->facets_estimated, 1);
    assert_int_equal (r->nfacets, 2);
    assert_string_equal (r->facets[0].value, "faq");
    assert_string_equal (r->facets[1].value, "guia");
    unsigned faq = r->facets[0].count, guia = r->facets[1].count;
    /* They add up to the estimate (rounding aside), two guides a FAQ. */
    assert_true (faq + guia + 2 >= r->estimated && faq + guia <= r->estimated + 2);
    assert_true (guia > faq * 3 / 2 && guia < faq * 5 / 2);
    kb_results_destroy (&r);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* Committed, the index is read by two threads (term lists, then the
 * page's data): every search shows what the index holds at that moment,
 * whichever thread read it: after a change, after a rebuild, and with
 * changes not yet committed. */
static void
test_two_readers (void **state)
{
    (void) state;
    char dir[64], id[16], body[256];
    kb_index_t *idx = s_open (dir, sizeof dir);
    /* Versions 0 and 1 committed, the index rebuilt, version 2 committed,
     * version 3 not committed. */
    for (int round = 0; round < 4; round++) {
        if (round == 2) { /* a rebuild: the files are replaced */
            assert_int_equal (kb_index_clear (idx), 0);
            assert_int_equal (kb_index_count (idx), 0);
        }
        for (int i = 0; i < 40; i++) {
            snprintf (id, sizeof id, "d%d", i);
            /* A quarter of them, another each time, say "emitir". */
            snprintf (body, sizeof body, "Como %s a nota fiscal, versão %d, passo %d.",
                      i % 4 == round ? "emitir" : "cancelar", round, i);
            s_put (idx, id, "Nota fiscal", body);
        }
        if (round < 3)
            assert_int_equal (kb_index_commit (idx), 0);
        char version[32];
        snprintf (version, sizeof version, "versão %d", round);
        for (int again = 0; again < 20; again++) {
            kb_query_t q = {.text = "emitir nota fiscal", .limit = 10, .snippet_chars = 200};
            kb_results_t *r = NULL;
            assert_int_equal (kb_index_search (idx, &q, &r), 0);
            assert_int_equal (r->nhits, 10);
            for (int h = 0; h < r->nhits; h++) {
                assert_non_null (r->hits[h].snippet);
                assert_non_null (strstr (r->hits[h].snippet, version));
                assert_non_null (strstr (r->hits[h].snippet, "<mark>emitir</mark>"));
                assert_string_equal (r->hits[h].title, "Nota fiscal");
            }
            kb_results_destroy (&r);
        }
    }
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* A query of common words only looks for candidates among the documents
 * that have them side by side: those come first, and the estimate and the
 * facets still count every document with the words. */
static void
test_common_words (void **state)
{
    (void) state;
    char dir[64], id[16];
    kb_index_t *idx = s_open (dir, sizeof dir);
    static const char *bodies[] = {
        "Sistemas de computação.",          "Um sistema lento, a computação parada.",
        "O sistema caiu.",                 "O sistema voltou.",
        "A computação em nuvem.",          "A computação gráfica.",
        "Impressora fiscal.",              "Impressora térmica.",
        "Impressora de etiquetas.",        "Impressora nova.",
    };
    for (int i = 0; i < 1200; i++) {
        snprintf (id, sizeof id, "d%d", i);
        kb_doc_t d = {.id = id, .title = "Documento", .body = bodies[i % 10],
                      .filters = {i % 10 == 1 ? "Tapart" : "Toutro"}, .nfilters = 1,
                      .facets = {NULL, i % 2 ? "faq" : "guia"}};
        assert_int_equal (kb_index_put (idx, &d), 0);
    }
    kb_index_commit (idx);
    kb_query_t q = {.text = "sistemas de computação", .limit = 10, .want_facets = 1};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_int_equal (r->nhits, 10);
    for (int h = 0; h < r->nhits; h++)
        assert_int_equal (atoi (r->hits[h].id + 1) % 10, 0); /* side by side */
    /* 480 documents have "sistema", 480 "computação", 120 both together. */
    assert_true (r->estimated >= 600 && r->estimated <= 960);
    assert_int_equal (r->facets_estimated, 1);
    unsigned total = 0;
    for (int f = 0; f < r->nfacets; f++)
        total += r->facets[f].count;
    assert_true (total + 2 >= r->estimated && total <= r->estimated + 2);
    kb_results_destroy (&r);
    /* Filtered to documents with the words apart (no pair): found all the
     * same. */
    kb_query_t apart = {.text = "sistemas de computação", .limit = 10, .filters = {"Tapart"},
                        .nfilters = 1};
    assert_int_equal (kb_index_search (idx, &apart, &r), 0);
    assert_int_equal (r->nhits, 10);
    for (int h = 0; h < r->nhits; h++)
        assert_int_equal (atoi (r->hits[h].id + 1) % 10, 1);
    kb_results_destroy (&r);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* Recurring-problem candidates: the newest like tickets, ids only, found
 * by widening a docid range; sparse matches and the time window too. */
static void
test_similar_recent (void **state)
{
    (void) state;
    char dir[64];
    kb_index_t *idx = s_open (dir, sizeof dir);
    char id[16];
    for (int i = 1; i <= 1000; i++) {
        snprintf (id, sizeof id, "%d", i);
        int is_printer = i == 10 || i == 20 || i == 1000;
        kb_doc_t d = {.id = id,
                      .title = is_printer ? "Impressora travada" : "Boleto não gerado",
                      .body = is_printer ? "A impressora do escritório parou de imprimir."
                                         : "O boleto de outubro não foi gerado no vencimento.",
                      .time_us = (int64_t) i * 1000000};
        assert_int_equal (kb_index_put (idx, &d), 0);
    }
    kb_index_commit (idx);
    kb_results_t *r = NULL;
    kb_query_t q = {.limit = 5, .is_recent_first = 1, .is_ids_only = 1};
    assert_int_equal (kb_index_similar (idx, "999", &q, &r), 0);
    assert_int_equal (r->nhits, 5);
    const char *newest[] = {"998", "997", "996", "995", "994"};
    for (int i = 0; i < 5; i++) {
        assert_string_equal (r->hits[i].id, newest[i]);
        assert_string_equal (r->hits[i].title, "");
    }
    kb_results_destroy (&r);
    /* Only two other printers, far back: the range widens to them. */
    assert_int_equal (kb_index_similar (idx, "1000", &q, &r), 0);
    assert_int_equal (r->nhits, 2);
    assert_string_equal (r->hits[0].id, "20");
    assert_string_equal (r->hits[1].id, "10");
    kb_results_destroy (&r);
    /* Within a window that starts after ticket 10. */
    q.min_time_us = 15 * 1000000LL;
    q.max_time_us = 1000 * 1000000LL;
    assert_int_equal (kb_index_similar (idx, "1000", &q, &r), 0);
    assert_int_equal (r->nhits, 1);
    assert_string_equal (r->hits[0].id, "20");
    kb_results_destroy (&r);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* The facet count of value among the hits for text (0 when absent). */
static unsigned
s_facet (kb_index_t *idx, const char *text, const char *value)
{
    kb_query_t q = {.text = text, .limit = 10, .want_facets = 1};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    unsigned count = 0;
    for (int i = 0; i < r->nfacets; i++)
        if (strcmp (r->facets[i].value, value) == 0)
            count = r->facets[i].count;
    kb_results_destroy (&r);
    return count;
}

/* A batch's changes are seen by its own searches, and dropped whole when
 * it is cancelled (its LMDB transaction aborted): documents, facets, and
 * the docids it gave, which a later batch gives again. The batch number
 * and its ids are committed with it, and only with it. */
static void
test_batches (void **state)
{
    (void) state;
    char dir[64], out[256], path[128], err[256];
    kb_index_t *idx = s_open (dir, sizeof dir);
    kb_doc_t a = {.id = "a", .title = "Impressora travada", .facets = {NULL, "faq"}};
    assert_int_equal (kb_index_put (idx, &a), 0);
    assert_int_equal (kb_index_commit (idx), 0);

    kb_index_begin (idx);
    kb_doc_t b = {.id = "b", .title = "Impressora sem papel", .facets = {NULL, "guia"}};
    kb_doc_t a2 = {.id = "a", .title = "Scanner quebrado", .facets = {NULL, "faq"}};
    assert_int_equal (kb_index_put (idx, &b), 0);
    assert_int_equal (kb_index_put (idx, &a2), 0);
    assert_true (kb_index_changed (idx));
    assert_string_equal (s_ids (idx, "impressora", out, sizeof out), "b");
    kb_index_cancel (idx);
    assert_false (kb_index_changed (idx));
    assert_string_equal (s_ids (idx, "impressora", out, sizeof out), "a");
    assert_string_equal (s_ids (idx, "scanner", out, sizeof out), "");
    assert_int_equal (kb_index_count (idx), 1);
    assert_int_equal (s_facet (idx, "impressora", "guia"), 0);

    /* The next batch gets b's docid for c; deleting the absent b must not
     * touch c. */
    kb_index_begin (idx);
    kb_doc_t c = {.id = "c", .title = "Impressora nova", .facets = {NULL, "guia"}};
    assert_int_equal (kb_index_put (idx, &c), 0);
    assert_int_equal (kb_index_delete (idx, "b"), 0);
    assert_int_equal (kb_index_mark (idx, 7), 0);
    assert_int_equal (kb_index_commit (idx), 0);
    assert_string_equal (s_ids (idx, "impressora", out, sizeof out), "a c");
    assert_int_equal (s_facet (idx, "impressora", "guia"), 1);
    assert_int_equal (s_facet (idx, "impressora", "faq"), 1);

    /* Batch 8 is marked but never committed: closing drops it. */
    kb_index_begin (idx);
    kb_doc_t d = {.id = "d", .title = "Impressora fiscal"};
    assert_int_equal (kb_index_put (idx, &d), 0);
    assert_int_equal (kb_index_mark (idx, 8), 0);
    kb_index_close (&idx);
    snprintf (path, sizeof path, "%s/x", dir);
    idx = kb_index_open (path, err, sizeof err);
    assert_non_null (idx);
    uint64_t batch = 0;
    char *ids = kb_index_marked (idx, &batch);
    assert_int_equal (batch, 7);
    assert_string_equal (ids, "b\nc\n");
    free (ids);
    assert_string_equal (s_ids (idx, "impressora", out, sizeof out), "a c");
    kb_index_close (&idx);
    unit_rmdir (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_keys_meet),
        cmocka_unit_test (test_search_forms_and_reindex),
        cmocka_unit_test (test_synonyms_weights_filters),
        cmocka_unit_test (test_spelling_partial_excerpt),
        cmocka_unit_test (test_corrections_and_synonyms),
        cmocka_unit_test (test_similar),
        cmocka_unit_test (test_similar_recent),
        cmocka_unit_test (test_frequent_words),
        cmocka_unit_test (test_second_pass),
        cmocka_unit_test (test_facets_estimated),
        cmocka_unit_test (test_two_readers),
        cmocka_unit_test (test_common_words),
        cmocka_unit_test (test_batches),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}

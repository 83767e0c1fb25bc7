#!/usr/bin/python3
"""The knowledge base against the running system, through the CLI and the bus.

  - `balcao kb import data/kb --publish` loads the project's starter articles;
    importing again changes nothing; a JSONL file imports too, its ids as
    given;
  - search forgives accents and plurals ("notificacoes", "relatorios"), has
    snippets with the words marked, facets, a typo's corrected results
    ("Mostrando resultados para"), filters and synonyms from the config;
  - a customer never sees an internal article: not in search, suggest, the
    bot's answer, nor by id; an agent does; customers search an index of the
    public articles (facets count those only), which an unpublished article
    leaves;
  - Markdown is rendered safe: <script> and javascript: links never survive;
  - every edit is a version with its author; history, a stale edit is a
    conflict, revert makes a new version with the old content; customers may
    not edit; bad input is refused and stores nothing;
  - the bot answers a covered question with confidence and hands over an
    uncovered one; both the unanswered question and an empty search are
    listed by `balcao kb gaps`;
  - feedback and views are counted;
  - a resolved ticket becomes a draft article linked to it; similar tickets
    are found, and a customer finds only their own tickets, never by an
    internal note;
  - kb rebuilds its indexes from its own records when they are missing or
    were built under another term scheme (new weights), not on a plain
    restart.
"""

import json
import os
import shutil

from harness import (REPO, BusError, System, check, intake_pb2, kb_pb2, log, router_pb2,
                     run_test, wait_until)

AGENT = "agent:ana@balcao.test"
CUSTOMER = "customer:rita@cliente.example"


def cli(s, *args, principal=AGENT):
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": principal})
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def search(s, query, principal=AGENT, **kw):
    return s.call("kb", kb_pb2.SearchArticles(query=query, **kw), principal=principal)


def ids(results):
    return [h.id for h in results.hits]


def refused(s, msg, code, principal=AGENT):
    try:
        s.call("kb", msg, principal=principal)
    except BusError as e:
        return e.code == code
    return False


def main():
    synonyms = {"kb": '    synonyms\n        senha = "password, palavra-passe"\n'}
    with System("kb", extra_config=synonyms) as s:
        s.start_all(("intake", "router", "kb"))

        # ---- 1. import the starter articles -------------------------------
        starter = os.path.join(REPO, "data", "kb")
        n_md = len([f for f in os.listdir(starter) if f.endswith(".md")])
        rc, out, err = cli(s, "kb", "import", starter, "--publish")
        check(rc == 0 and ("Importados: %d novos" % n_md) in out, "starter articles imported",
              (rc, out, err))
        rc, out, _ = cli(s, "kb", "import", starter, "--publish")
        check(rc == 0 and ("%d sem mudança" % n_md) in out, "importing again changes nothing", out)
        jsonl = os.path.join(s.dir, "extra.jsonl")
        with open(jsonl, "w") as f:
            f.write(json.dumps({"id": "guides/Boleto.rst", "title": "Segunda via do boleto",
                                "body": "Para emitir a segunda via do boleto, abra Financeiro."}) + "\n")
            f.write(json.dumps({"id": "nota-fiscal", "title": "Nota fiscal",
                                "body": "A nota fiscal chega por e-mail."}) + "\n")
        rc, out, err = cli(s, "kb", "import", jsonl, "--publish")
        check(rc == 0 and "2 novos" in out, "JSONL imported", (out, err))
        check(ids(search(s, "segunda via boleto"))[:1] == ["guides/Boleto.rst"],
              "a JSONL id is kept as given", ids(search(s, "segunda via boleto")))

        # ---- 2. search forgives accents and plurals -----------------------
        for query in ("notificações", "notificacoes", "notificacao"):
            r = search(s, query)
            check(ids(r)[:1] == ["configurar-notificacoes"], "search %r" % query, ids(r))
        r = search(s, "relatorios excel")
        check(ids(r)[:1] == ["exportar-relatorio"], "search 'relatorios excel'", ids(r))
        check("<mark>" in r.hits[0].snippet, "the snippet marks the words", r.hits[0].snippet)
        check({f.field for f in r.facets} >= {"type", "category", "audience"}, "facets",
              [(f.field, f.value, f.count) for f in r.facets])
        r = search(s, "notifcações")
        check(r.did_you_mean == "notificações" and r.showing_results_for == "notificações"
              and ids(r)[:1] == ["configurar-notificacoes"],
              "a typo: the corrected query's results, said so", (r.did_you_mean, ids(r)))
        rc, out, _ = cli(s, "kb", "search", "notifcações")
        check(rc == 0 and "Mostrando resultados para: notificações" in out,
              "the CLI says 'Mostrando resultados para'", out)
        r = search(s, "password")
        check(ids(r)[:1] == ["redefinir-senha"], "a synonym from kb/synonyms", ids(r))
        r = search(s, "api", type="manual")
        check(ids(r) == ["integrar-via-api"], "filtered by type", ids(r))

        # ---- 3. audience: customers never see internal articles ------------
        question = "desbloquear conta tentativas suspeitas"
        check("desbloqueio-manual-interno" in ids(search(s, question)), "an agent finds the internal article")
        check("desbloqueio-manual-interno" not in ids(search(s, question, principal=CUSTOMER)),
              "a customer's search never shows it")
        sug = s.call("kb", kb_pb2.SuggestArticles(text="desbloquear conta tentativas susp"),
                     principal=CUSTOMER)
        check("desbloqueio-manual-interno" not in ids(sug) and sug.hits, "nor suggest", ids(sug))
        sug = s.call("kb", kb_pb2.SuggestArticles(text="desbloquear conta tentativas susp"))
        check("desbloqueio-manual-interno" in ids(sug), "suggest shows it to an agent", ids(sug))
        bot = s.call("kb", kb_pb2.AskBot(question="procedimento interno desbloquear verificar tentativas suspeitas"),
                     principal=CUSTOMER)
        check(bot.article != "desbloqueio-manual-interno", "nor the bot", bot.article)
        check(refused(s, kb_pb2.GetArticle(id="desbloqueio-manual-interno"), "not_found", CUSTOMER),
              "nor by id")
        rc, out, _ = cli(s, "kb", "search", question, principal=CUSTOMER)
        check(rc == 0 and "desbloqueio-manual-interno" not in out, "nor through the CLI", out)
        # Customers search an index of the public articles alone: their
        # facets count only those, and an unpublished article leaves it.
        r = search(s, "conta senha acesso", principal=CUSTOMER)
        audiences = {f.value for f in r.facets if f.field == "audience"}
        check(r.hits and audiences == {"publico"}, "a customer's facets count public articles only",
              [(f.field, f.value, f.count) for f in r.facets])
        r = search(s, "conta senha acesso")
        counts = {(f.field, f.value): f.count for f in r.facets}
        check(counts.get(("audience", "interno"), 0) >= 1, "an agent's facets count internal ones",
              counts)
        rc, out, err = cli(s, "kb", "unpublish", "redefinir-senha")
        check(rc == 0, "unpublish", (out, err))
        check("redefinir-senha" not in ids(search(s, "redefinir senha", principal=CUSTOMER)),
              "an unpublished article leaves customers' search")
        check("redefinir-senha" not in ids(search(s, "redefinir senha")),
              "and agents' search without drafts")
        check("redefinir-senha" in ids(search(s, "redefinir senha", include_drafts=True)),
              "agents find it among drafts")
        rc, out, err = cli(s, "kb", "publish", "redefinir-senha")
        check(rc == 0 and ids(search(s, "redefinir senha", principal=CUSTOMER))[:1] == ["redefinir-senha"],
              "published again, customers find it again", (out, err))

        # ---- 4. versions, Markdown safety, authorization, bad input --------
        body = ("# Teste\n\n<script>alert('x')</script>\n\n[clique](javascript:alert(1)) "
                "e <img src=x onerror=alert(1)> **fim**\n")
        rc, out, err = cli(s, "kb", "create", "--title", "Artigo de teste", "--body", body,
                           "--type", "guia", "--tags", "teste, versão")
        check(rc == 0 and out.startswith("artigo-de-teste  v1  [rascunho]"), "create", (out, err))
        a = s.call("kb", kb_pb2.GetArticle(id="artigo-de-teste"))
        check("<script" not in a.html and "javascript:" not in a.html and "onerror" not in a.html
              and "<strong>fim</strong>" in a.html, "the HTML is safe", a.html)
        check(a.author == AGENT and a.version == 1 and list(a.tags) == ["teste", "versão"],
              "author, version and tags", (a.author, a.version, list(a.tags)))
        rc, out, _ = cli(s, "kb", "edit", "artigo-de-teste", "--body", "Texto novo.", "--base", "1",
                         principal="agent:bia@balcao.test")
        check(rc == 0 and "v2" in out, "edit makes version 2", out)
        rc, _, err = cli(s, "kb", "edit", "artigo-de-teste", "--body", "Outro.", "--base", "1")
        check(rc == 2 and "mudou" in err, "an edit of a stale version is a conflict", err)
        rc, out, _ = cli(s, "kb", "publish", "artigo-de-teste")
        check(rc == 0 and "v3  [publicado]" in out, "publish makes version 3", out)
        rc, out, _ = cli(s, "kb", "history", "artigo-de-teste")
        lines = out.strip().splitlines()
        check(len(lines) == 3 and "agent:bia@balcao.test" in lines[1] and "edit" in lines[1]
              and "publish" in lines[2], "history lists the versions with authors", out)
        rc, out, _ = cli(s, "kb", "revert", "artigo-de-teste", "1")
        check(rc == 0 and "v4  [rascunho]" in out, "revert to 1 makes version 4", out)
        a = s.call("kb", kb_pb2.GetArticle(id="artigo-de-teste"))
        check(a.body == body and a.change == "revert", "version 4 has version 1's content", a.body)
        old = s.call("kb", kb_pb2.GetArticle(id="artigo-de-teste", version=2))
        check(old.body == "Texto novo.", "an old version can be read", old.body)
        check(refused(s, kb_pb2.CreateArticle(article=kb_pb2.Article(title="x")), "forbidden", CUSTOMER),
              "a customer may not create articles")
        check(refused(s, kb_pb2.SetArticleStatus(id="redefinir-senha", status="rascunho"), "forbidden",
                      CUSTOMER), "nor unpublish them")
        before = len(s.call("kb", kb_pb2.ExportArticles()).articles)
        for bad in (kb_pb2.Article(title="Tipo errado", type="blog"),
                    kb_pb2.Article(title="Público errado", audience="todos"),
                    kb_pb2.Article(title="Id errado", id="Não Vale"),
                    kb_pb2.Article(title=""),
                    kb_pb2.Article(title="x" * 300)):
            check(refused(s, kb_pb2.CreateArticle(article=bad), "invalid"), "bad input refused: %s" % bad.title[:20])
        check(refused(s, kb_pb2.ImportArticles(articles=[kb_pb2.Article(id="ok-1", title="Ok"),
                                                         kb_pb2.Article(id="ok-2", title="")]),
                      "invalid"), "an import with one bad article is refused")
        check(len(s.call("kb", kb_pb2.ExportArticles()).articles) == before, "and nothing was stored")
        rc, _, err = cli(s, "kb", "create", "--title", "T", "--type", "blog")
        check(rc == 2 and "tipo 'blog' desconhecido" in err, "the CLI says why", err)

        # ---- 5. the bot, gaps, feedback and views ---------------------------
        bot = s.call("kb", kb_pb2.AskBot(question="Como faço para redefinir minha senha?"),
                     principal=CUSTOMER)
        check(bot.confident and bot.article == "redefinir-senha" and bot.excerpt,
              "the bot answers a covered question", bot)
        bot = s.call("kb", kb_pb2.AskBot(question="Vocês vendem passagens aéreas para Lisboa?"),
                     principal=CUSTOMER)
        check(not bot.confident, "the bot hands over an uncovered question", bot)
        rc, out, _ = cli(s, "kb", "ask", "qual o horario do restaurante da empresa", principal=CUSTOMER)
        check(rc == 0 and "Sem resposta confiável" in out, "the CLI says 'Sem resposta confiável'", out)
        search(s, "impressora fiscal travada", principal=CUSTOMER)
        search(s, "Impressora fiscal travada!", principal=CUSTOMER)
        gaps = s.call("kb", kb_pb2.GetKbGaps()).gaps
        found = {g.query: g for g in gaps}
        check(found.get("impressora fiscal travada") and found["impressora fiscal travada"].count == 2,
              "an empty search is a gap, counted per folded query", [(g.query, g.count) for g in gaps])
        check(found.get("voces vendem passagens aereas para lisboa") is not None
              and found["voces vendem passagens aereas para lisboa"].bot == 1, "a bot question is a gap")
        rc, out, _ = cli(s, "kb", "gaps", "7")
        check(rc == 0 and "impressora fiscal travada" in out, "balcao kb gaps lists it", out)
        check(refused(s, kb_pb2.GetKbGaps(), "forbidden", CUSTOMER), "gaps are for staff")
        s.call("kb", kb_pb2.RateArticle(id="redefinir-senha", helpful=True), principal=CUSTOMER)
        s.call("kb", kb_pb2.RateArticle(id="redefinir-senha", helpful=False), principal=CUSTOMER)
        s.call("kb", kb_pb2.GetArticle(id="redefinir-senha", count_view=True), principal=CUSTOMER)
        a = s.call("kb", kb_pb2.GetArticle(id="redefinir-senha"))
        check((a.helpful_yes, a.helpful_no, a.views) == (1, 1, 1), "feedback and views counted",
              (a.helpful_yes, a.helpful_no, a.views))

        # ---- 6. tickets: draft from a resolved ticket, similar, scope ---------
        s.submit_api("kb-t1", "Boleto de outubro não foi gerado",
                     "O boleto com vencimento em outubro não foi gerado no portal.",
                     from_address="rita@cliente.example")
        s.submit_api("kb-t2", "Não consigo gerar o boleto",
                     "Ao gerar o boleto do mês aparece erro; o vencimento é amanhã.",
                     from_address="joao@outro.example")
        s.submit_api("kb-t3", "Impressora não imprime", "A impressora da recepção parou.",
                     from_address="ana@outro.example")
        wait_until(lambda: len(s.call("kb", kb_pb2.SearchTickets(query="boleto impressora")).hits) == 3,
                   20, "kb indexes the three tickets", system=s)
        s.call("router", router_pb2.AddMessage(number=1, body="Cliente VIP: conferir cadastro zeta.",
                                               is_internal=True))
        s.call("router", router_pb2.TicketAction(number=1, action="open"))
        s.call("router", router_pb2.TicketAction(
            number=1, action="resolve", text="Regeramos o boleto em Financeiro > Cobranças > Regerar."))
        wait_until(lambda: s.call("kb", kb_pb2.SearchTickets(query="zeta")).hits, 20,
                   "kb indexes the internal note", system=s)
        check(not s.call("kb", kb_pb2.SearchTickets(query="zeta"), principal=CUSTOMER).hits,
              "a customer never finds a ticket by an internal note")
        mine = s.call("kb", kb_pb2.SearchTickets(query="boleto"), principal=CUSTOMER)
        check([h.ticket for h in mine.hits] == [1], "a customer finds only their own tickets",
              [h.ticket for h in mine.hits])
        sim = s.call("kb", kb_pb2.SimilarTickets(ticket=1))
        check([h.ticket for h in sim.hits][:1] == [2], "similar tickets", [h.ticket for h in sim.hits])
        rc, out, _ = cli(s, "kb", "similar", "1")
        check(rc == 0 and "#2" in out, "balcao kb similar", out)

        def resolved():
            try:
                return s.call("kb", kb_pb2.ArticleFromTicket(ticket=1))
            except BusError as e:
                if e.code == "conflict":
                    return None
                raise
        a = wait_until(resolved, 20, "kb sees the resolution", system=s)
        check(a.from_ticket == 1 and a.status == "rascunho" and a.audience == "interno"
              and "Regeramos o boleto" in a.body and "não foi gerado" in a.body,
              "a resolved ticket becomes a draft article linked to it", a)
        check(refused(s, kb_pb2.ArticleFromTicket(ticket=2), "conflict"),
              "an unresolved ticket is refused")
        rc, out, _ = cli(s, "kb", "export", os.path.join(s.dir, "export"))
        check(rc == 0 and os.path.exists(os.path.join(s.dir, "export", "redefinir-senha.md")),
              "export to a folder", out)
        rc, out, _ = cli(s, "kb", "import", os.path.join(s.dir, "export"))
        check(rc == 0 and "0 novos, 0 atualizados" in out, "what was exported imports unchanged", out)

        # ---- 7. indexes rebuilt from kb's own records -----------------------
        def restart_kb():
            s.stop("kb")
            s.start("kb")
            with open(s.log_path("kb"), errors="replace") as f:
                return f.read().rsplit("---- e2e: starting kb", 1)[1]

        out = restart_kb()
        check("event=index_rebuild" not in out, "a plain restart rebuilds nothing", out[-2000:])
        # Gone (or from before term schemes): rebuilt at start, from LMDB.
        for name in ("articles", "articles-public", "tickets"):
            shutil.rmtree(os.path.join(s.var, "kb", name))
        out = restart_kb()
        check(out.count("event=index_rebuilt") == 3, "the three indexes are rebuilt", out[-2000:])
        r = search(s, "notificacoes", principal=CUSTOMER)
        check(ids(r)[:1] == ["configurar-notificacoes"], "customers search again", ids(r))
        check("desbloqueio-manual-interno" not in ids(search(s, question, principal=CUSTOMER))
              and "desbloqueio-manual-interno" in ids(search(s, question)),
              "the internal article for agents only, as before")
        check([h.ticket for h in s.call("kb", kb_pb2.SearchTickets(query="zeta")).hits] == [1]
              and not s.call("kb", kb_pb2.SearchTickets(query="zeta"), principal=CUSTOMER).hits,
              "tickets are found again, internal notes for staff only")
        check([h.ticket for h in s.call("kb", kb_pb2.SimilarTickets(ticket=1)).hits][:1] == [2],
              "similar tickets again")
        # New field weights change every document's terms: rebuilt too.
        with open(s.config) as f:
            config = f.read()
        check("\nkb\n" in config, "the config has a kb section", config)
        with open(s.config, "w") as f:
            f.write(config.replace("\nkb\n", '\nkb\n    weights\n        title = "5"\n', 1))
        out = restart_kb()
        check(out.count("event=index_rebuilt") == 3 and "weights=5/2/1" in out,
              "new weights rebuild the indexes", out[-2000:])
        check(ids(search(s, "notificacoes", principal=CUSTOMER))[:1] == ["configurar-notificacoes"],
              "and search goes on")

        # ---- 8. a broad search's facets are estimates, and say so -----------
        r = search(s, "relatorios excel")
        check(r.facets and not r.facets_estimated, "a narrow search's facets are exact",
              [(f.field, f.value, f.count) for f in r.facets])
        jsonl = os.path.join(s.dir, "many.jsonl")
        with open(jsonl, "w") as f:
            for i in range(160):  # "cashback" 1 to 4 times: kb skips the fewer
                f.write(json.dumps({"id": "cashback-%d" % i, "title": "Cashback, caso %d" % i,
                                    "body": "Como funciona o cashback. " * (1 + i % 4)}) + "\n")
        rc, out, err = cli(s, "kb", "import", jsonl, "--publish")
        check(rc == 0 and "160 novos" in out, "160 articles imported", (out, err))
        r = search(s, "cashback")
        types = sum(f.count for f in r.facets if f.field == "type")
        # (160 match; the estimate leaves out drafts by Xapian's guess.)
        check(len(r.hits) == 10 and r.facets_estimated and 150 <= r.estimated <= 170
              and abs(types - r.estimated) <= 2,
              "more matches than kb looked at: the facets are scaled estimates",
              (r.estimated, [(f.field, f.value, f.count) for f in r.facets]))
        rc, out, _ = cli(s, "kb", "search", "cashback")
        check(rc == 0 and "(~" in out, "the CLI marks them", out)
        log("ok: knowledge base through the CLI and the bus")


if __name__ == "__main__":
    run_test(main)

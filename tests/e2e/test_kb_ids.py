#!/usr/bin/python3
"""Article ids kept as given, and the CLI's JSON (issue 15, the last search
item), against every service running.

Proves:
- `balcao kb import` keeps ids as given: "KB-0042", "Conta.Bloqueada", one
  with accents, "faq/senha", a number (42), "FAQ-1" and "faq-1" as two
  articles; an id with a control character, one of 129 characters, one
  ending in "/feedback", one two lines share and one without a title are
  each named with their file and line and left out, the others imported,
  exit code 2; a folder's file name is the id as it is ("KB-0100.md");
- `balcao kb show` finds them; `kb export DIR` writes "faq%2Fsenha.md"
  and importing the export changes nothing;
- the portal reads an article whose id has upper case and a dot, one with
  '/' (encodeURIComponent), takes its feedback; the dashboard's API reads
  and publishes one and its url is escaped; bad ids are 400 saying why;
- `balcao kb search --json` and `balcao search --json` are one JSON object
  each, with the hits people see (ids, scores, plain and marked snippets,
  the portal's link; tickets with status, tier, customer and ISO 8601 times
  with an offset); a search without hits is an empty list; with kb down,
  stdout stays empty, stderr says why and the exit code is 69.
"""

import json
import os
import urllib.parse

from datetime import datetime

from harness import System, check, kb_pb2, run_test, wait_until
from portal import Portal, staff_sign_in

DOMAIN = "suporte.example"
ANA = "ana@" + DOMAIN
SEEDS = {
    # The CLI gives up on a stopped service quickly (section 5).
    "cli": '    timeout_ms = "400"',
    "router": "\n".join([
        "    people",
        "        ana",
        '            id = "agent:%s"' % ANA,
        '            name = "Ana Lima"',
        '            tier = "N1"']) + "\n",
    "gateway": "    logins_per_ip_minute = 1000\n",
}
ACCENTED = "Ação-Rápida.Ümlaut"


def cli(s, *args, principal="agent:" + ANA):
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": principal})
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def exported_ids(s):
    return sorted(a.id for a in s.call("kb", kb_pb2.ExportArticles()).articles)


def article(i, title, body):
    return {"id": i, "title": title, "body": body, "audience": "publico"}


def main():
    with System("kb_ids", extra_config=SEEDS) as s:
        s.start_all()

        # ---- 1. import: ids as given, bad ones left out with their line ---
        path = os.path.join(s.dir, "artigos.jsonl")
        lines = [
            article("KB-0042", "Limite do cartão corporativo",
                    "O limite do cartão corporativo é definido pelo gestor financeiro."),
            article("Conta.Bloqueada", "Conta bloqueada por tentativas",
                    "Depois de cinco tentativas erradas a conta fica bloqueada por trinta minutos."),
            article(ACCENTED, "Atalho de teclado", "Use Ctrl+K para abrir a busca rápida."),
            article("faq/senha", "Trocar a senha", "Abra Perfil e escolha Trocar senha."),
            article(42, "Artigo numerado", "Um artigo cujo id veio como número."),
            article("FAQ-1", "Pergunta em maiúsculas", "Primeira pergunta frequente."),
            article("faq-1", "Pergunta em minúsculas", "Outra pergunta frequente."),
            article("KB\u00070", "Id com controle", "Não entra."),                     # line 8
            article("x" * 129, "Id longo", "Não entra."),                              # line 9
            article("dup-1", "Primeira cópia", "Texto um."),                         # line 10
            article("faq/feedback", "Id de ação", "Não entra."),                      # line 11
            article("dup-1", "Segunda cópia", "Texto dois."),                        # line 12
            article("sem-titulo", "", "Não entra."),                                  # line 13
        ]
        with open(path, "w", encoding="utf-8") as f:
            for a in lines:
                f.write(json.dumps(a, ensure_ascii=False) + "\n")
        rc, out, err = cli(s, "kb", "import", path, "--publish")
        check(rc == 2 and "Importados: 7 novos" in out and "Não importados: 6 de 13" in out,
              "7 articles imported, 6 left out, exit code 2", (rc, out, err))
        check("%s:8: o id 'KB\\x070' é inválido: tem um caractere de controle" % path in err,
              "a control character: its line and why", err)
        check("%s:9: o id '%s…' é inválido: tem mais de 128 caracteres" % (path, "x" * 80) in err,
              "an id of 129 characters: its line and why", err)
        check("%s:11: o id 'faq/feedback' é inválido: termina com" % path in err,
              "an id ending in /feedback: its line and why", err)
        check("o id 'dup-1' aparece 2 vezes (%s:10 e %s:12)" % (path, path) in err,
              "two lines with one id: both named", err)
        check("%s:13: o artigo 'sem-titulo' não tem título" % path in err,
              "no title: its line", err)
        want = sorted(["42", "Conta.Bloqueada", "FAQ-1", "KB-0042", ACCENTED, "faq-1", "faq/senha"])
        check(exported_ids(s) == want, "kb holds exactly the good ids, as given", exported_ids(s))
        folder = os.path.join(s.dir, "pasta")
        os.mkdir(folder)
        with open(os.path.join(folder, "KB-0100.md"), "w", encoding="utf-8") as f:
            f.write("---\ntitle: Reembolso de despesas\naudience: interno\n---\n\n"
                    "Envie as notas fiscais do reembolso até o dia cinco.\n")
        rc, out, err = cli(s, "kb", "import", folder)
        check(rc == 0 and "1 novos" in out and "KB-0100" in exported_ids(s),
              "a file's name is its id as it is", (rc, out, err, exported_ids(s)))

        rc, out, err = cli(s, "kb", "show", "Conta.Bloqueada")
        check(rc == 0 and out.startswith("Conta.Bloqueada  v1") and "cinco tentativas" in out,
              "balcao kb show Conta.Bloqueada", (rc, out, err))
        rc, out, err = cli(s, "kb", "show", "faq/senha")
        check(rc == 0 and "Trocar a senha" in out, "balcao kb show faq/senha", (rc, out, err))
        rc, out, err = cli(s, "kb", "show", "faq-1")
        check(rc == 0 and "Pergunta em minúsculas" in out, "faq-1 is not FAQ-1", (rc, out, err))
        export = os.path.join(s.dir, "export")
        rc, out, err = cli(s, "kb", "export", export)
        check(rc == 0 and os.path.exists(os.path.join(export, "faq%2Fsenha.md"))
              and os.path.exists(os.path.join(export, ACCENTED + ".md")),
              "export: '/' in a file name as %2F, accents as they are", (rc, out, os.listdir(export)))
        rc, out, err = cli(s, "kb", "import", export)
        check(rc == 0 and "0 novos, 0 atualizados, 8 sem mudança" in out,
              "what was exported imports unchanged", (rc, out, err))

        # ---- 2. the portal and the dashboard take any id ------------------
        visitor = Portal(s.http)
        status, body, _ = visitor.get("/kb/articles/Conta.Bloqueada")
        check(status == 200 and body["id"] == "Conta.Bloqueada" and "cinco tentativas" in body["html"],
              "the portal reads Conta.Bloqueada", (status, body))
        quoted = urllib.parse.quote("faq/senha", safe="")
        status, body, _ = visitor.get("/kb/articles/" + quoted)
        check(status == 200 and body["id"] == "faq/senha", "the portal reads faq%2Fsenha", (status, body))
        status, body, _ = visitor.get("/kb/articles/" + urllib.parse.quote(ACCENTED, safe=""))
        check(status == 200 and body["id"] == ACCENTED, "and the accented id", (status, body))
        status, body, _ = visitor.post("/kb/articles/%s/feedback" % quoted, {"helpful": True})
        check(status == 200 and body["helpful"] == 1, "feedback on faq/senha", (status, body))
        status, body, _ = visitor.get("/kb/articles/a%20b")
        check(status == 400 and "espaço" in body["message_pt"] and "space" in body["message"],
              "an id with a space is 400 saying why", (status, body))
        agent = staff_sign_in(s, ANA)
        status, body, _ = agent.get("/desk/kb/articles/KB-0100")
        check(status == 200 and body["id"] == "KB-0100" and body["url"] is None,
              "the dashboard reads KB-0100 (internal: no link)", (status, body))
        status, body, _ = agent.post("/desk/kb/articles/%s/unpublish" % quoted, {})
        check(status == 200 and body["id"] == "faq/senha" and body["status"] == "rascunho",
              "the dashboard unpublishes faq/senha", (status, body))
        status, body, _ = agent.post("/desk/kb/articles/%s/publish" % quoted, {})
        check(status == 200 and body["status"] == "publicado"
              and body["url"].endswith("/ajuda/faq%2Fsenha"),
              "and publishes it again; its link is escaped", (status, body))
        status, body, _ = agent.post("/desk/kb/articles", {"title": "Novo", "id": "Novo.Artigo_1"})
        check(status == 201 and body["id"] == "Novo.Artigo_1", "a new article keeps its id",
              (status, body))

        # ---- 3. balcao kb search --json -----------------------------------
        rc, out, err = cli(s, "kb", "search", "--json", "conta bloqueada tentativas")
        r = json.loads(out)
        check(rc == 0 and r["query"] == "conta bloqueada tentativas" and r["hits"]
              and r["hits"][0]["id"] == "Conta.Bloqueada", "kb search --json: the hit", (rc, out, err))
        hit = r["hits"][0]
        check(hit["title"] == "Conta bloqueada por tentativas" and isinstance(hit["score"], float)
              and hit["status"] == "publicado" and hit["audience"] == "publico"
              and hit["type"] and "<mark>" in hit["snippet_html"] and "<" not in hit["snippet"]
              and "tentativas" in hit["snippet"], "a hit's fields, plain and marked snippet", hit)
        check(hit["url"].endswith("/ajuda/Conta.Bloqueada") and hit["url"].startswith("http"),
              "and the portal's link", hit)
        check(isinstance(r["estimated"], int) and r["did_you_mean"] is None
              and isinstance(r["facets"], list) and isinstance(r["facets_estimated"], bool),
              "estimated, did_you_mean, facets", r)
        rc, out, err = cli(s, "kb", "search", "trocar", "senha", "--json")
        r = json.loads(out)
        check(rc == 0 and r["hits"][0]["id"] == "faq/senha"
              and r["hits"][0]["url"].endswith("/ajuda/faq%2Fsenha"),
              "--json after the words; an id with '/' has an escaped link", (rc, out, err))
        rc, out, err = cli(s, "kb", "search", "--json", "xylofone")
        r = json.loads(out)
        check(rc == 0 and r["hits"] == [] and r["estimated"] == 0, "no hit: an empty list", r)
        rc, out, err = cli(s, "kb", "search", "--json", "tentatvas")
        r = json.loads(out)
        check(rc == 0 and r["did_you_mean"] == "tentativas", "did_you_mean", r)
        rc, out, err = cli(s, "kb", "suggest", "--json", "conta bloqueada")
        r = json.loads(out)
        check(rc == 0 and "Conta.Bloqueada" in [h["id"] for h in r["hits"]], "kb suggest --json", r)
        rc, out, err = cli(s, "kb", "show", "--json", "KB-0042")
        check(rc == 64 and "--json vale para kb search" in err and not out,
              "--json elsewhere is refused", (rc, out, err))

        # ---- 4. balcao search --json --------------------------------------
        s.submit_api("ids-1", "Boleto vencido não abre", "O boleto de março venceu e não abre.",
                     from_address="rita@cliente.example", from_name="Rita Souza")
        s.submit_api("ids-2", "Impressora parada", "A impressora da recepção parou.",
                     from_address="joao@cliente.example")
        wait_until(lambda: len(s.call("kb", kb_pb2.SearchTickets(query="boleto impressora")).hits) == 2,
                   20, "kb indexes the two tickets", system=s)
        rc, out, err = cli(s, "search", "boleto", "vencido", "--json")
        r = json.loads(out)
        check(rc == 0 and r["query"] == "boleto vencido" and [h["number"] for h in r["hits"]] == [1]
              and r["estimated"] == 1, "search --json: ticket 1 only", (rc, out, err))
        t = r["hits"][0]
        check(t["subject"] == "Boleto vencido não abre" and t["status"] == "novo" and t["tier"] == "N1"
              and t["customer"] == {"name": "Rita Souza", "address": "rita@cliente.example"}
              and isinstance(t["score"], float) and t["priority"] and "assignee" in t,
              "a ticket: subject, status, tier, customer", t)
        updated = datetime.fromisoformat(t["updated_at"])
        created = datetime.fromisoformat(t["created_at"])
        check(updated.tzinfo is not None and created <= updated
              and abs((datetime.now(updated.tzinfo) - updated).total_seconds()) < 600,
              "times in ISO 8601 with an offset", t)
        rc, out, err = cli(s, "search", "--json", "xylofone")
        check(rc == 0 and json.loads(out)["hits"] == [], "no ticket: an empty list", out)

        # ---- 5. errors: stderr and the exit code, nothing on stdout -------
        s.stop("kb")
        rc, out, err = cli(s, "kb", "search", "--json", "conta")
        check(rc == 69 and out == "" and "kb" in err, "kb down: 69, stderr, empty stdout",
              (rc, out, err))
        rc, out, err = cli(s, "search", "--json", "boleto")
        check(rc == 69 and out == "" and "kb" in err, "the same for balcao search", (rc, out, err))


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Knowledge at the agents' hand (issue 14, item 5; docs/API.md, "Dashboard:
knowledge at hand"): the gateway's /desk/kb/… and /desk/tickets/N/similar|
article routes over kb, with every service running and staff signed in
through the web.

Proves:
- beside a ticket: kb's published articles for its subject and first
  message (internal ones too, marked, with the portal's link only for
  public ones) and similar solved tickets with their resolution (an open
  look-alike is not listed);
- the editor's whole cycle: create a draft (customers cannot read it), save
  (a stale base_version is 409), preview = the HTML kb shows once
  published (the agent's GET and the customer's portal page), publish,
  versions listed, a public article reaches customers and an internal one
  never does, revert makes a new version with the old content (a draft
  again: customers lose it), the list filters drafts and visibility and
  searches;
- a draft article from a resolved ticket (its problem and resolution),
  409 for an unresolved one, 404 for one kb never saw;
- gaps: a customer's portal search that finds nothing is counted (count,
  last time), per day range; bad days are 400;
- authorization: a customer's session 403, a visitor 401, a Bearer token
  403; kb refuses RenderMarkdown and ListArticles to a customer on the bus
  too;
- bad input: bad JSON, wrong types, a 300 KB body or preview (413), an
  unknown id (404), an id or ticket number out of form (400), no CSRF
  token (403), another content type (415) — nothing stored;
- XSS: <script>, raw HTML and javascript: links are gone from the preview
  and the published HTML;
- `balcao kb preview`, `related`, `similar --resolved`, `list`, `gaps`;
- kill -9 of kb right after a publish loses nothing.
"""

import os

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from harness import BusError, System, check, kb_pb2, log, router_pb2, run_test, wait_until
from portal import Portal, sign_in, staff_sign_in

DOMAIN = "suporte.example"
ANA = "ana@" + DOMAIN      # agent N1
ROOT = "root@" + DOMAIN    # admin
CUSTOMER = "rita@cliente.example"
PASSWORD = "senha-do-painel-123"

SEEDS = {
    "router": "\n".join([
        "    people",
        "        ana",
        '            id = "agent:%s"' % ANA,
        '            name = "Ana Lima"',
        '            tier = "N1"',
        "        root",
        '            id = "admin:%s"' % ROOT,
        '            name = "Root"']) + "\n",
    "gateway": "    logins_per_ip_minute = 1000\n    mails_per_ip_hour = 1000\n",
}

EVIL = ("# Como limpar o cache\n\nAbra **Configurações** e clique em *Limpar*.\n\n"
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[clique aqui](javascript:alert(document.cookie)) e [ajuda](https://exemplo.com/ajuda)\n")


def staff(s, address):
    return staff_sign_in(s, address, PASSWORD)


def cli(s, *args, principal="agent:" + ANA):
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": principal})
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def no_xss(html):
    low = html.lower()
    return "<script" not in low and "javascript:" not in low and "onerror" not in low


def article_count(agent):
    status, body, _ = agent.get("/desk/kb/articles?limit=200")
    assert status == 200, (status, body)
    return body["total"]


def main():
    with System("desk_kb", extra_config=SEEDS) as s:
        s.start_all()
        starter = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "kb")
        rc, out, err = cli(s, "kb", "import", starter, "--publish")
        check(rc == 0, "starter articles imported", (out, err))
        agent = staff(s, ANA)
        admin = staff(s, ROOT)

        # ---- 1. beside a ticket: similar articles and solved tickets -------
        s.submit_api("dk-1", "Esqueci minha senha e não consigo entrar",
                     "Esqueci a senha do sistema e o acesso está bloqueado.",
                     from_address=CUSTOMER)
        s.submit_api("dk-2", "Não consigo redefinir a senha",
                     "Pedi para redefinir a senha mas o link de redefinição não chega.",
                     from_address="joao@outro.example")
        s.submit_api("dk-3", "Esqueci a senha de novo",
                     "Não consigo entrar: esqueci a senha e preciso redefinir.",
                     from_address="lia@outro.example")
        s.submit_api("dk-4", "Impressora não imprime", "A impressora da recepção parou.",
                     from_address="ana@outro.example")
        wait_until(lambda: len(s.call("kb", kb_pb2.SearchTickets(query="senha impressora")).hits)
                   == 4, 20, "kb indexes the four tickets", system=s)
        s.call("router", router_pb2.TicketAction(number=1, action="open"))
        s.call("router", router_pb2.TicketAction(
            number=1, action="resolve",
            text="Enviamos um novo link de redefinição; o antigo tinha expirado."))
        wait_until(lambda: [h for h in s.call("kb", kb_pb2.SimilarTickets(
            ticket=3, resolved_only=True)).hits if h.ticket == 1], 20,
            "kb sees ticket 1 resolved", system=s)
        status, body, _ = agent.get("/desk/tickets/3/similar")
        check(status == 200, "GET /desk/tickets/3/similar", (status, body))
        ids = [a["id"] for a in body["articles"]]
        check("redefinir-senha" in ids, "kb's article for the ticket", ids)
        a = [a for a in body["articles"] if a["id"] == "redefinir-senha"][0]
        check(a["visibility"] == "publico" and a["url"].endswith("/ajuda/redefinir-senha")
              and a["title"] and "snippet" in a and a["status"] == "publicado",
              "an article: id, title, snippet, url, visibility", a)
        check(all((x["url"] is None) == (x["visibility"] == "interno") for x in body["articles"]),
              "only public articles have a customer's link", body["articles"])
        every = [h.ticket for h in s.call("kb", kb_pb2.SimilarTickets(ticket=3)).hits]
        check(2 in every and 1 in every, "ticket 2 is alike too, but still open", every)
        numbers = [t["number"] for t in body["tickets"]]
        check(numbers == [1], "the similar solved ticket, not the open look-alikes", body["tickets"])
        t = body["tickets"][0]
        check(t["resolution"].startswith("Enviamos um novo link") and t["status"] == "resolvido"
              and t["subject"].startswith("Esqueci minha senha"),
              "a solved ticket with its resolution", t)
        rc, out, _ = cli(s, "kb", "similar", "3", "--resolved")
        check(rc == 0 and "#1" in out and "#2" not in out and "solução: Enviamos" in out,
              "balcao kb similar --resolved", out)
        rc, out, _ = cli(s, "kb", "related", "3")
        check(rc == 0 and "redefinir-senha" in out, "balcao kb related", out)
        status, body, _ = agent.get("/desk/tickets/999/similar")
        check(status == 404, "similar for a ticket kb never saw: 404", (status, body))

        # ---- 2. article from a ticket -------------------------------------
        before = article_count(agent)
        status, body, _ = agent.post("/desk/tickets/1/article", {})
        check(status == 201 and body["from_ticket"] == 1 and body["status"] == "rascunho"
              and body["visibility"] == "interno" and "novo link de redefinição" in body["body"]
              and "Esqueci a senha do sistema" in body["body"]
              and body["title"] == "Esqueci minha senha e não consigo entrar"
              and body["author"] == "agent:" + ANA,
              "a draft from the resolved ticket: problem and resolution, by the agent", body)
        from_ticket = body["id"]
        status, body, _ = agent.post("/desk/tickets/2/article", {})
        check(status == 409 and body["error"] == "conflict", "an unresolved ticket: 409",
              (status, body))
        status, body, _ = agent.post("/desk/tickets/999/article", {})
        check(status == 404, "a ticket kb never saw: 404", (status, body))
        check(article_count(agent) == before + 1, "only the one draft stored")

        # ---- 3. the editor's whole cycle ----------------------------------
        customer = sign_in(s, CUSTOMER)
        status, body, _ = agent.post("/desk/kb/articles", {
            "title": "Limpar o cache do navegador", "body": "Primeira versão.",
            "category": "acesso", "tags": ["cache", "navegador"], "visibility": "publico"})
        check(status == 201 and body["id"] == "limpar-o-cache-do-navegador"
              and body["status"] == "rascunho" and body["version"] == 1
              and body["tags"] == ["cache", "navegador"] and body["author"] == "agent:" + ANA,
              "a new draft", (status, body))
        aid = body["id"]
        status, _, _ = customer.get("/kb/articles/" + aid)
        check(status == 404, "customers cannot read a draft", status)
        status, body, _ = agent.post("/desk/kb/articles/" + aid, {"body": EVIL, "base_version": 1})
        check(status == 200 and body["version"] == 2 and body["body"] == EVIL
              and body["status"] == "rascunho", "saved: version 2, still a draft", (status, body))
        status, body, _ = agent.post("/desk/kb/articles/" + aid, {"title": "Outro",
                                                                   "base_version": 1})
        check(status == 409, "a stale base_version is a conflict", (status, body))
        status, body, _ = agent.post("/desk/kb/preview", {"markdown": EVIL})
        check(status == 200 and "<strong>Configurações</strong>" in body["html"],
              "the preview renders Markdown", body)
        preview = body["html"]
        check(no_xss(preview) and 'href="https://exemplo.com/ajuda"' in preview,
              "the preview drops <script>, raw HTML and javascript: links", preview)
        md_file = os.path.join(s.dir, "evil.md")
        with open(md_file, "w") as f:
            f.write(EVIL)
        rc, out, err = cli(s, "kb", "preview", md_file)
        check(rc == 0 and out == preview, "balcao kb preview prints the same HTML", (out, err))
        status, body, _ = agent.post("/desk/kb/articles/%s/publish" % aid, {})
        check(status == 200 and body["status"] == "publicado" and body["version"] == 3,
              "published: version 3", (status, body))
        status, body, _ = agent.get("/desk/kb/articles/" + aid)
        check(status == 200 and body["html"] == preview, "the published HTML is the preview",
              (body.get("html"), preview))
        check([(v["version"], v["change"]) for v in body["versions"]]
              == [(1, "create"), (2, "edit"), (3, "publish")]
              and body["url"].endswith("/ajuda/" + aid), "its versions", body.get("versions"))
        status, body, _ = customer.get("/kb/articles/" + aid)
        check(status == 200 and body["html"] == preview and no_xss(body["html"]),
              "a customer reads the public article: the same safe HTML", (status, body))
        status, body, _ = agent.get("/desk/kb/articles/%s?version=1" % aid)
        check(status == 200 and body["body"] == "Primeira versão." and body["version"] == 1,
              "an old version by ?version=", body)

        status, body, _ = agent.post("/desk/kb/articles", {
            "id": "procedimento-cache-interno", "title": "Procedimento interno de cache",
            "body": "Só para a equipe: limpar o cache do servidor zeta.",
            "visibility": "interno"})
        check(status == 201, "an internal draft", (status, body))
        status, body, _ = agent.post("/desk/kb/articles/procedimento-cache-interno/publish", {})
        check(status == 200 and body["url"] is None, "published internal: no customer link",
              body)
        status, _, _ = customer.get("/kb/articles/procedimento-cache-interno")
        check(status == 404, "a customer never reads an internal article", status)
        status, body, _ = customer.get("/kb/search?q=cache+servidor+zeta")
        check(status == 200 and "procedimento-cache-interno" not in
              [h["id"] for h in body["hits"]], "nor finds it", body)

        status, body, _ = agent.get("/desk/kb/articles?status=rascunho")
        check(status == 200 and from_ticket in [a["id"] for a in body["articles"]]
              and aid not in [a["id"] for a in body["articles"]]
              and all(a["status"] == "rascunho" for a in body["articles"]),
              "the list of drafts", body)
        status, body, _ = agent.get("/desk/kb/articles?visibility=interno&limit=200")
        got = [a["id"] for a in body["articles"]]
        check(status == 200 and "procedimento-cache-interno" in got
              and "desbloqueio-manual-interno" in got and aid not in got
              and "body" not in body["articles"][0], "the list of internal articles", body)
        status, body, _ = agent.get("/desk/kb/articles?limit=2&offset=1")
        check(status == 200 and len(body["articles"]) == 2 and body["total"] == before + 3,
              "a page of the list, with the total", body)
        status, body, _ = agent.get("/desk/kb/articles?q=cache")
        got = [a["id"] for a in body["articles"]]
        check(status == 200 and aid in got and "procedimento-cache-interno" in got,
              "the editor searches every article", body)
        rc, out, _ = cli(s, "kb", "list", "--status", "rascunho")
        check(rc == 0 and from_ticket in out and aid not in out, "balcao kb list", out)

        # kill -9 right after a publish: nothing lost.
        status, body, _ = agent.post("/desk/kb/articles/%s/publish" % from_ticket, {})
        check(status == 200 and body["status"] == "publicado", "publish the ticket's draft", body)
        version = body["version"]
        s.kill9("kb")
        s.restart("kb")
        status, body, _ = agent.get("/desk/kb/articles/" + from_ticket)
        check(status == 200 and body["status"] == "publicado" and body["version"] == version,
              "after kill -9 of kb the publish is still there", (status, body))
        status, body, _ = agent.get("/desk/kb/articles?q=novo+link+redefini%C3%A7%C3%A3o")
        check(from_ticket in [a["id"] for a in body["articles"]],
              "and in the index", body)

        status, body, _ = agent.post("/desk/kb/articles/%s/revert" % aid, {"version": 1})
        check(status == 200 and body["version"] == 4 and body["body"] == "Primeira versão."
              and body["status"] == "rascunho", "revert: version 4 with version 1's content",
              (status, body))
        status, _, _ = customer.get("/kb/articles/" + aid)
        check(status == 404, "reverted to a draft, customers lose it", status)
        status, body, _ = agent.post("/desk/kb/articles/%s/unpublish" % aid, {})
        check(status == 200 and body["version"] == 4, "unpublishing a draft changes nothing",
              body)

        # ---- 4. gaps ------------------------------------------------------
        for _ in range(2):
            status, body, _ = customer.get("/kb/search?q=xilofone+qu%C3%A2ntico")
            check(status == 200 and not body["hits"], "a search that finds nothing", body)
        status, body, _ = agent.get("/desk/kb/gaps")
        gap = [g for g in body.get("gaps", []) if g["query"] == "xilofone quantico"]
        check(status == 200 and gap and gap[0]["count"] == 2 and gap[0]["searches"] == 2
              and gap[0]["bot"] == 0 and gap[0]["last_at"], "the gap is counted", body)
        today = body["to"]
        now = datetime.now(ZoneInfo("America/Sao_Paulo"))
        local = {now.date().isoformat(), (now - timedelta(minutes=1)).date().isoformat()}
        check(body["time_zone"] == "America/Sao_Paulo" and today in local,
              "the gaps' days are the business time zone's (today there: %s)" % sorted(local),
              (body["time_zone"], today))
        status, body, _ = agent.get("/desk/kb/gaps?from=%s&to=%s" % (today, today))
        check(status == 200 and [g for g in body["gaps"] if g["query"] == "xilofone quantico"],
              "today's gaps", body)
        status, body, _ = agent.get("/desk/kb/gaps?from=2020-01-01&to=2020-01-31")
        check(status == 200 and body["gaps"] == [] and body["from"] == "2020-01-01",
              "another period's gaps", body)
        for bad in ("from=2026-02-31", "to=ontem", "from=2026-12-05&to=2026-12-01", "limit=0"):
            status, body, _ = agent.get("/desk/kb/gaps?" + bad)
            check(status == 400 and body["message_pt"], "gaps?%s: 400" % bad, (status, body))
        rc, out, _ = cli(s, "kb", "gaps")
        check(rc == 0 and "xilofone quantico" in out, "balcao kb gaps", out)

        # ---- 5. authorization ---------------------------------------------
        visitor = Portal(s.http)
        routes = [("GET", "/desk/kb/articles"), ("GET", "/desk/kb/articles/" + aid),
                  ("POST", "/desk/kb/articles"), ("POST", "/desk/kb/articles/" + aid),
                  ("POST", "/desk/kb/articles/%s/publish" % aid), ("POST", "/desk/kb/preview"),
                  ("GET", "/desk/kb/gaps"), ("GET", "/desk/tickets/1/similar"),
                  ("POST", "/desk/tickets/1/article")]
        for method, path in routes:
            body = {"markdown": "x", "title": "Invasor"}
            status, answer, _ = (customer.get(path) if method == "GET"
                                 else customer.post(path, body))
            check(status == 403, "a customer: %s %s 403" % (method, path), (status, answer))
            status, answer, _ = (visitor.get(path) if method == "GET"
                                 else visitor.post(path, body))
            check(status in (401, 403) and answer["message_pt"],
                  "a visitor: %s %s refused" % (method, path), (status, answer))
        status, _, _ = visitor.get("/desk/kb/articles")
        check(status == 401, "a visitor: 401", status)
        token = s.api_token("painel")
        status, _, _ = Portal(s.http).get("/desk/kb/articles",
                                          headers={"Authorization": "Bearer " + token})
        check(status == 403, "a Bearer token: 403", status)
        for msg in (kb_pb2.RenderMarkdown(markdown="x"), kb_pb2.ListArticles(),
                    kb_pb2.SimilarArticles(ticket=1)):
            try:
                s.call("kb", msg, principal="customer:" + CUSTOMER)
                check(False, "kb refuses %s to a customer" % type(msg).__name__)
            except BusError as e:
                check(e.code == "forbidden", "kb refuses %s to a customer" % type(msg).__name__,
                      e.code)
        status, body, _ = admin.post("/desk/kb/preview", {"markdown": "*ok*"})
        check(status == 200 and body["html"] == "<p><em>ok</em></p>\n", "an admin previews too",
              body)

        # ---- 6. bad input: clear errors, nothing stored -------------------
        before = article_count(agent)
        huge = "a" * (300 * 1024)
        cases = [
            ("POST", "/desk/kb/articles", None, b"{not json", 400),
            ("POST", "/desk/kb/articles", {"title": 5}, None, 400),
            ("POST", "/desk/kb/articles", {"title": "Tags", "tags": "a,b"}, None, 400),
            ("POST", "/desk/kb/articles", {"title": "Sem"}, b"[1, 2]", 400),
            ("POST", "/desk/kb/articles", {"title": "Enorme", "body": huge}, None, 413),
            ("POST", "/desk/kb/articles", {"body": "sem título"}, None, 400),
            ("POST", "/desk/kb/articles", {"title": "Id", "id": "Não Vale"}, None, 400),
            ("POST", "/desk/kb/articles", {"title": "Tipo", "type": "romance"}, None, 400),
            ("POST", "/desk/kb/preview", {"markdown": huge}, None, 413),
            ("POST", "/desk/kb/preview", {"markdown": 12}, None, 400),
            ("POST", "/desk/kb/preview", None, b"\xff\xfe", 400),
            ("POST", "/desk/kb/articles/" + aid, {"body": huge}, None, 413),
            ("POST", "/desk/kb/articles/" + aid, {"status": "publicado"}, None, 400),
            ("POST", "/desk/kb/articles/" + aid, {"base_version": "x"}, None, 400),
            ("POST", "/desk/kb/articles/nao-existe", {"body": "x"}, None, 404),
            ("GET", "/desk/kb/articles/nao-existe", None, None, 404),
            ("GET", "/desk/kb/articles/N%C3%83O", None, None, 404),
            ("GET", "/desk/kb/articles/a%20b", None, None, 400),
            ("GET", "/desk/kb/articles/a%01b", None, None, 400),
            ("GET", "/desk/kb/articles/faq/..%2Fsenha", None, None, 400),
            ("GET", "/desk/kb/articles/" + "a" * 200, None, None, 400),
            ("GET", "/desk/kb/articles/%s?version=99" % aid, None, None, 404),
            ("GET", "/desk/kb/articles/%s?version=0" % aid, None, None, 400),
            ("POST", "/desk/kb/articles/%s/revert" % aid, {"version": 99}, None, 404),
            ("POST", "/desk/kb/articles/%s/revert" % aid, {}, None, 400),
            ("POST", "/desk/kb/articles/nao-existe/publish", {}, None, 404),
            ("GET", "/desk/kb/articles?status=outro", None, None, 400),
            ("GET", "/desk/kb/articles?limit=0", None, None, 400),
            ("GET", "/desk/kb/articles?q=" + "a" * 600, None, None, 400),
            ("GET", "/desk/tickets/01/similar", None, None, 400),
            ("GET", "/desk/tickets/abc/similar", None, None, 400),
            ("GET", "/desk/kb/preview", None, None, 405),
            ("GET", "/desk/kb/articles/%s/publish" % aid, None, None, 405),
            ("GET", "/desk/kb/outra-coisa", None, None, 404),
        ]
        for method, path, body, raw, want in cases:
            if method == "GET":
                status, answer, _ = agent.get(path)
            else:
                status, answer, _ = agent.post(path, body, raw=raw)
            check(status == want and answer and answer.get("message_pt") and answer.get("message"),
                  "%s %s → %d in both languages" % (method, path[:60], want), (status, answer))
        status, answer, _ = agent.post("/desk/kb/articles", {"title": "Sem CSRF"}, csrf=False)
        check(status == 403 and answer["error"] == "csrf", "no CSRF token: 403", answer)
        status, answer, _ = agent.post("/desk/kb/articles", {"title": "Texto"},
                                       headers={"Content-Type": "text/plain"})
        check(status == 415, "another content type: 415", (status, answer))
        status, answer, _ = agent.post("/desk/kb/articles", {"title": "Origem"},
                                       headers={"Origin": "https://evil.example"})
        check(status == 403, "another origin: 403", (status, answer))
        check(article_count(agent) == before, "nothing stored by a refused request")
        status, body, _ = agent.get("/desk/kb/articles/" + aid)
        check(body["version"] == 4, "the article is untouched", body["version"])
        s.check_alive()
        log("desk kb: %d articles" % article_count(agent))


if __name__ == "__main__":
    run_test(main)

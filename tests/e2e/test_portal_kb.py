#!/usr/bin/python3
"""The knowledge base as the portal shows it (issue 13; docs/API.md
"Knowledge base").

Proves, with a public article, an internal one and a public draft in kb:
- a visitor's search and suggest list the public published article only
  (facets count only it, snippets carry <b> marks and nothing else), the
  internal one and the draft are 404 by id exactly as an id never used,
  while a staff token reads the internal one (kb decides, not the gateway);
- an article's html is kb's safe HTML: the <script> and the javascript:
  link of its Markdown are gone; opening it counts a view;
- "Isto ajudou?": a visitor with the pre-session CSRF token answers yes and
  no and the counts show on the article; without the token it is 403 csrf
  and nothing is counted;
- deflection: opened and deflected from the portal, sent_after_opening
  from the bus (as POST /tickets sends it); the same client_ref twice
  counts once; the figures and the rate are for staff only (a visitor and a
  customer get 403);
- bad input is 400 with a message in both languages, and stores nothing:
  an article id out of format, an outcome outside the enum (including
  sent_after_opening, which only POST /tickets may send), a client_ref over
  64 characters, a body that is not {"helpful": bool}, a search over 500
  characters, an offset that is not a number.
"""

import http.cookiejar
import json
import urllib.error
import urllib.request

from harness import BusError, System, check, kb_pb2, log, run_test
from portal import sign_in

AGENT = "agent:ana@balcao.test"

PUBLIC = kb_pb2.Article(
    id="trocar-senha", title="Como trocar a senha do portal", type="guia", category="acesso",
    audience="publico",
    body="Para trocar a senha, abra Minha conta e escolha Trocar senha.\n\n"
         "<script>alert('xss')</script>\n\n[clique aqui](javascript:alert(1))\n")
INTERNAL = kb_pb2.Article(
    id="senha-mestra", title="Senha mestra do servidor de acesso", type="manual",
    category="acesso", audience="interno",
    body="A senha mestra do servidor fica no cofre da equipe. Nunca passe ao cliente.")
DRAFT = kb_pb2.Article(
    id="senha-rascunho", title="Rascunho sobre senha esquecida", type="faq", category="acesso",
    audience="publico", body="Texto ainda em revisão sobre senha esquecida.")


class Browser:
    """A visitor's browser: cookies kept, the CSRF token from GET /session."""

    def __init__(self, s):
        self.s = s
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None

    def request(self, method, path, body=None, headers=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.s.http + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=10) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw.decode())
        except ValueError:
            return status, None

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, csrf=True):
        if csrf and self.csrf is None:
            status, session = self.get("/api/v1/session")
            check(status == 200 and session.get("csrf_token"), "GET /session gives a CSRF token",
                  (status, session))
            self.csrf = session["csrf_token"]
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        return self.request("POST", path, body, headers=headers)


def bilingual_400(status, body):
    return (status == 400 and isinstance(body, dict) and body.get("error") == "invalid"
            and body.get("message") and body.get("message_pt")
            and body["message"] != body["message_pt"])


def main():
    with System("portal_kb") as s:
        s.start_all()
        s.call("kb", kb_pb2.ImportArticles(articles=[PUBLIC, INTERNAL], publish=True),
               principal=AGENT)
        s.call("kb", kb_pb2.ImportArticles(articles=[DRAFT]), principal=AGENT)
        token = s.api_token("painel")
        b = Browser(s)

        log("a visitor searches: public published articles only")
        status, r = b.get("/api/v1/kb/search?q=senha")
        ids = [h["id"] for h in r.get("hits", [])] if status == 200 else None
        check(ids == ["trocar-senha"], "search 'senha' lists the public article only", (status, r))
        hit = r["hits"][0]
        check(set(hit) == {"id", "title", "type", "category", "snippet_html"}
              and hit["type"] == "guia" and hit["category"] == "acesso",
              "a hit has id, title, type, category and snippet_html", hit)
        snippet = hit["snippet_html"].replace("<b>", "").replace("</b>", "")
        check("<b>" in hit["snippet_html"] and "<" not in snippet and "mark" not in hit["snippet_html"],
              "the snippet marks the words with <b> and holds no other tag", hit["snippet_html"])
        counts = {(f["field"], v["value"]): v["count"] for f in r["facets"] for v in f["values"]}
        check(counts.get(("category", "acesso")) == 1 and counts.get(("type", "manual")) is None
              and ("audience", "interno") not in counts, "facets count only what a visitor may read", r["facets"])
        check("estimated" in r and "did_you_mean" in r, "estimated and did_you_mean are there", r)
        status, r = b.get("/api/v1/kb/search?q=senha%20mestra%20cofre")
        check(status == 200 and all(h["id"] != "senha-mestra" for h in r["hits"]),
              "the internal article's own words do not find it for a visitor", r)
        status, r = b.get("/api/v1/kb/suggest?q=trocar%20sen")
        check(status == 200 and [h["id"] for h in r["hits"]] == ["trocar-senha"]
              and len(r["hits"]) <= 5, "suggest completes the last word, public only", r)
        status, r = b.get("/api/v1/kb/suggest?q=")
        check(status == 200 and r == {"hits": []}, "suggest with nothing typed: no hits", r)
        status, r = b.get("/api/v1/kb/search?q=senha", token=token)
        check(status == 200 and "senha-mestra" in [h["id"] for h in r["hits"]],
              "a staff token's search finds the internal article (kb decides)", r)

        log("articles: safe HTML, hidden ones absent")
        status, a = b.get("/api/v1/kb/articles/trocar-senha")
        check(status == 200 and a["id"] == "trocar-senha" and a["title"] == PUBLIC.title
              and "Minha conta" in a["html"], "a visitor reads the public article", (status, a))
        check("<script" not in a["html"] and "javascript:" not in a["html"],
              "its html is kb's safe HTML: no script, no javascript: link", a["html"])
        check(set(a) == {"id", "title", "type", "category", "html", "updated_at", "helpful",
                         "not_helpful"} and a["updated_at"].endswith("Z"),
              "the article has the fields of docs/API.md", a)
        views = s.call("kb", kb_pb2.GetArticle(id="trocar-senha"), principal=AGENT).views
        check(views >= 1, "opening it on the portal counted a view", views)
        never = b.get("/api/v1/kb/articles/nunca-existiu")
        for hidden in ("senha-mestra", "senha-rascunho"):
            status, r = b.get("/api/v1/kb/articles/" + hidden)
            check(status == 404 and r["error"] == "not_found" and never[0] == 404,
                  "%s is 404 for a visitor, as an id never used" % hidden, (status, r))
        status, r = b.get("/api/v1/kb/articles/senha-mestra", token=token)
        check(status == 200 and r["id"] == "senha-mestra", "a staff token reads the internal article", r)

        log("Isto ajudou?")
        status, r = b.post("/api/v1/kb/articles/trocar-senha/feedback", {"helpful": True}, csrf=False)
        check(status == 403 and r["error"] == "csrf", "feedback without the CSRF token is 403 csrf", (status, r))
        for helpful in (True, True, False):
            status, r = b.post("/api/v1/kb/articles/trocar-senha/feedback", {"helpful": helpful})
            check(status == 200, "feedback %s is taken" % helpful, (status, r))
        status, a = b.get("/api/v1/kb/articles/trocar-senha")
        check(a["helpful"] == 2 and a["not_helpful"] == 1,
              "the article shows 2 helpful and 1 not (the refused one not counted)", a)
        status, r = b.post("/api/v1/kb/articles/senha-mestra/feedback", {"helpful": True})
        check(status == 404, "feedback on an internal article is 404 for a visitor", (status, r))

        log("deflection")
        status, r = b.get("/api/v1/kb/deflection")
        check(status == 403 and r["error"] == "forbidden", "a visitor may not read the figures", (status, r))
        status, r = b.post("/api/v1/kb/deflection", {"article_id": "trocar-senha", "outcome": "opened",
                                                      "client_ref": "form-1"}, csrf=False)
        check(status == 403 and r["error"] == "csrf", "recording without the CSRF token is 403", (status, r))
        for outcome, ref in (("opened", "form-1"), ("opened", "form-1"), ("deflected", "form-1"),
                             ("opened", "form-2"), ("deflected", "form-1")):
            status, r = b.post("/api/v1/kb/deflection", {"article_id": "trocar-senha",
                                                          "outcome": outcome, "client_ref": ref})
            check(status == 202, "%s (%s) is taken" % (outcome, ref), (status, r))
        reply = s.call("kb", kb_pb2.RecordDeflection(outcome="sent_after_opening",
                                                      articles=["trocar-senha"],
                                                      client_ref="form-2"),
                       principal="customer:rita@cliente.example")
        check(reply.recorded and reply.sent_after_opening == 1,
              "sent_after_opening from the bus (as POST /tickets sends it) counts", reply)
        again = s.call("kb", kb_pb2.RecordDeflection(outcome="sent_after_opening",
                                                      articles=["trocar-senha"], client_ref="form-2"),
                       principal="customer:rita@cliente.example")
        check(not again.recorded and again.sent_after_opening == 1, "the same ref again counts once", again)
        status, r = b.get("/api/v1/kb/deflection", token=token)
        check(status == 200 and r == {"opened": 2, "deflected": 1, "sent_after_opening": 1, "rate": 0.5},
              "staff see opened 2, deflected 1, sent 1, rate 0.5 (each client_ref once)", (status, r))
        per = s.call("kb", kb_pb2.GetDeflection(article="trocar-senha"), principal=AGENT)
        check((per.opened, per.deflected, per.sent_after_opening) == (2, 1, 1),
              "the article's own counters say the same", per)
        rita = sign_in(s, "rita@cliente.example")
        status, r, _ = rita.get("/kb/deflection")
        check(status == 403 and r["error"] == "forbidden", "a signed-in customer may not read them", (status, r))
        status, r, _ = rita.post("/kb/deflection", {"article_id": "trocar-senha", "outcome": "deflected",
                                                     "client_ref": "form-3"})
        check(status == 202 and r == {"recorded": True}, "a signed-in customer records a deflection", (status, r))
        status, r = b.get("/api/v1/kb/deflection", token=token)
        check(r == {"opened": 2, "deflected": 2, "sent_after_opening": 1, "rate": 2 / 3},
              "the customer's deflection counts", r)
        try:
            s.call("kb", kb_pb2.GetDeflection(), principal="customer:rita@cliente.example")
            check(False, "a customer may not read the figures on the bus either")
        except BusError as e:
            check(e.code == "forbidden", "a customer asking kb directly is forbidden", e.code)

        log("bad input: 400, nothing stored")
        bad = [
            ("/api/v1/kb/deflection", {"article_id": "Trocar Senha", "outcome": "opened", "client_ref": "x"}),
            ("/api/v1/kb/deflection", {"article_id": "trocar-senha", "outcome": "talvez", "client_ref": "x"}),
            ("/api/v1/kb/deflection", {"article_id": "trocar-senha", "outcome": "sent_after_opening",
                                        "client_ref": "x"}),
            ("/api/v1/kb/deflection", {"article_id": "trocar-senha", "outcome": "opened",
                                        "client_ref": "r" * 65}),
            ("/api/v1/kb/deflection", {"article_id": "trocar-senha", "outcome": "opened",
                                        "client_ref": "a b"}),
            ("/api/v1/kb/deflection", {"outcome": "opened", "client_ref": "x"}),
            ("/api/v1/kb/articles/trocar-senha/feedback", {"helpful": "sim"}),
            ("/api/v1/kb/articles/trocar-senha/feedback", {}),
            ("/api/v1/kb/articles/" + "a" * 129 + "/feedback", {"helpful": True}),
        ]
        for path, body in bad:
            status, r = b.post(path, body)
            check(bilingual_400(status, r), "%s %s is 400 in both languages" % (path, json.dumps(body)[:60]),
                  (status, r))
        for path in ("/api/v1/kb/search?q=" + "a" * 501, "/api/v1/kb/search?q=a&offset=-1",
                     "/api/v1/kb/search?q=a&offset=x", "/api/v1/kb/articles/a%5Cb",
                     "/api/v1/kb/articles/a%20b"):
            status, r = b.get(path)
            check(bilingual_400(status, r), "GET %s is 400" % path[:60], (status, r))
        status, r = b.get("/api/v1/kb/deflection", token=token)
        check(r == {"opened": 2, "deflected": 2, "sent_after_opening": 1, "rate": 2 / 3},
              "the refused requests changed nothing", r)
        status, a = b.get("/api/v1/kb/articles/trocar-senha")
        check(a["helpful"] == 2 and a["not_helpful"] == 1, "nor the feedback counts", a)
        s.check_alive()


if __name__ == "__main__":
    run_test(main)

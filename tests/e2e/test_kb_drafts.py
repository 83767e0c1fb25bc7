#!/usr/bin/python3
"""A published article's pending draft (docs/API.md, "Dashboard: knowledge
at hand"; kb_drafts.c): staff prepare changes to a published article while
customers keep reading the published version, then publish or discard them.

Proves, with every service running and staff signed in through the web:
- saved as a draft (`as_draft`), the change reaches no customer: the
  portal's article page, its search, kb's suggestions and the bot still give
  the published text; staff see the draft beside it (text, kb's HTML, who,
  revision) and the list marks the article;
- a second person saving from the same starting point gets 409 (the draft's
  revision is part of base_version's rule), and so does a publish naming an
  old revision;
- kill -9 of kb between saving and publishing keeps the draft;
- publishing makes one new version (change "publish", who wrote the draft
  kept) that customers read and search finds by its new words;
- a direct edit after a draft was made blocks its publishing until the
  draft is saved again from the new version;
- discarding drops the draft and changes nothing customers see;
- unpublishing keeps the draft, and publishing the article then publishes
  it;
- the command line does the same (`balcao kb edit --draft`, `kb draft`,
  `kb publish-draft --revision`, `kb discard-draft`, `kb list` marking it);
- bad input (as_draft not a boolean, a negative or textual revision) is
  400 and stores nothing; a customer gets 403, and kb refuses them too;
- kb killed between the Xapian commit and the LMDB commit of a publish
  (BALCAO_KB_FAILPOINT=index_committed): the index is repaired to the
  published version, the draft is still there, and the client's retry
  publishes it once.
"""

from harness import BusError, ServiceDied, System, Unreachable, check, kb_pb2, log, run_test, wait_until
from portal import sign_in, staff_sign_in

DOMAIN = "suporte.example"
ANA = "ana@" + DOMAIN      # agent N1
ROOT = "root@" + DOMAIN    # admin
CUSTOMER = "rita@cliente.example"
PASSWORD = "senha-do-painel-123"
FAILPOINT = {"BALCAO_KB_FAILPOINT": "index_committed"}

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

PUBLISHED = "Para trocar o toner, abra a tampa frontal e puxe o cartucho."
DRAFT = "Para trocar o toner, desligue a impressora e gire a alavanca turquesa."
AID = "trocar-o-toner"


def staff(s, address):
    return staff_sign_in(s, address, PASSWORD)


def customer_sees(s, customer, published_word, draft_word):
    """What a customer gets: the portal page and search, kb's suggestions and
    the bot, all of the published version."""
    status, body, _ = customer.get("/kb/articles/" + AID)
    check(status == 200 and published_word in body["html"] and draft_word not in body["html"],
          "the portal's article page shows the published text", (status, body))
    status, body, _ = customer.get("/kb/search?q=" + draft_word)
    check(status == 200 and AID not in [h["id"] for h in body["hits"]],
          "the portal's search does not find the draft's words", body)
    status, body, _ = customer.get("/kb/search?q=" + published_word)
    check(status == 200 and AID in [h["id"] for h in body["hits"]],
          "the portal's search finds the published words", body)
    r = s.call("kb", kb_pb2.SuggestArticles(text="alavanca " + draft_word),
               principal="customer:" + CUSTOMER)
    check(AID not in [h.id for h in r.hits], "suggestions do not offer the draft", r)
    r = s.call("kb", kb_pb2.GetArticle(id=AID), principal="customer:" + CUSTOMER)
    check(published_word in r.body and not r.HasField("pending_draft"),
          "kb gives a customer the published version only, no draft", r)
    r = s.call("kb", kb_pb2.SearchArticles(query=draft_word, include_drafts=True),
               principal="agent:" + ANA)
    check(AID not in [h.id for h in r.hits], "not even staff search finds unpublished words", r)


def main():
    with System("kb_drafts", extra_config=SEEDS) as s:
        s.start_all()
        agent = staff(s, ANA)
        admin = staff(s, ROOT)
        customer = sign_in(s, CUSTOMER)

        status, body, _ = agent.post("/desk/kb/articles", {
            "id": AID, "title": "Como trocar o toner", "body": PUBLISHED,
            "visibility": "publico", "tags": ["impressora"]})
        check(status == 201, "a new article", (status, body))
        status, body, _ = agent.post("/desk/kb/articles/%s/publish" % AID, {})
        check(status == 200 and body["version"] == 2 and body["status"] == "publicado",
              "published: version 2", (status, body))

        # ---- 1. save as a draft ---------------------------------------------
        status, body, _ = agent.post("/desk/kb/articles/" + AID, {
            "body": DRAFT, "base_version": 2, "as_draft": True, "base_draft": 0})
        check(status == 200 and body["change"] == "draft" and body["revision"] == 1
              and body["version"] == 2 and body["body"] == DRAFT
              and body["author"] == "agent:" + ANA, "saved as the pending draft", (status, body))
        customer_sees(s, customer, "cartucho", "turquesa")
        status, body, _ = agent.get("/desk/kb/articles/" + AID)
        d = body.get("draft") or {}
        check(status == 200 and body["version"] == 2 and body["body"] == PUBLISHED
              and d.get("body") == DRAFT and "turquesa" in d.get("html", "")
              and d.get("revision") == 1 and d.get("author") == "agent:" + ANA
              and d.get("updated_at") and d.get("version") == 2,
              "staff see the published version and the draft beside it", (status, body))
        check([v["version"] for v in body["versions"]] == [1, 2],
              "a draft is not a version", body["versions"])
        status, body, _ = agent.get("/desk/kb/articles?limit=200")
        listed = [a for a in body["articles"] if a["id"] == AID]
        check(listed and listed[0]["has_draft"] is True, "the list marks the article", listed)

        # Someone else from the same starting point: 409, the draft is kept.
        status, body, _ = admin.post("/desk/kb/articles/" + AID, {
            "title": "Outro título", "base_version": 2, "as_draft": True, "base_draft": 0})
        check(status == 409 and body["error"] == "conflict" and ANA in body["message"],
              "a second draft from the same start is a conflict naming who saved", (status, body))
        status, body, _ = agent.post("/desk/kb/articles/" + AID, {
            "title": "Como trocar o toner da impressora", "base_version": 2, "as_draft": True,
            "base_draft": 1})
        check(status == 200 and body["revision"] == 2 and body["body"] == DRAFT
              and body["title"] == "Como trocar o toner da impressora",
              "the draft edited again: revision 2, built on the draft", (status, body))

        # ---- 2. kill -9 between saving and publishing -------------------------
        s.kill9("kb")
        s.restart("kb")
        status, body, _ = agent.get("/desk/kb/articles/" + AID)
        check(status == 200 and (body.get("draft") or {}).get("revision") == 2
              and body["draft"]["body"] == DRAFT, "after kill -9 of kb the draft is there",
              (status, body))
        customer_sees(s, customer, "cartucho", "turquesa")

        # ---- 3. publish -------------------------------------------------------
        status, body, _ = admin.post("/desk/kb/articles/%s/draft/publish" % AID, {"revision": 1})
        check(status == 409 and body["error"] == "conflict",
              "publishing a revision one did not see is a conflict", (status, body))
        status, body, _ = admin.post("/desk/kb/articles/%s/draft/publish" % AID, {"revision": 2})
        check(status == 200 and body["version"] == 3 and body["change"] == "publish"
              and body["body"] == DRAFT and body["status"] == "publicado"
              and body["author"] == "admin:" + ROOT, "published: version 3", (status, body))
        status, body, _ = customer.get("/kb/articles/" + AID)
        check(status == 200 and "turquesa" in body["html"] and "cartucho" not in body["html"],
              "customers read the new text", (status, body))
        status, body, _ = customer.get("/kb/search?q=turquesa")
        check(status == 200 and [h["id"] for h in body["hits"]] == [AID],
              "the portal's search finds the new words", body)
        status, body, _ = customer.get("/kb/search?q=cartucho")
        check(status == 200 and AID not in [h["id"] for h in body["hits"]],
              "and no longer the old ones", body)
        status, body, _ = agent.get("/desk/kb/articles/" + AID)
        last = body["versions"][-1]
        check(body["draft"] is None and body["title"] == "Como trocar o toner da impressora"
              and [(v["version"], v["change"]) for v in body["versions"]]
              == [(1, "create"), (2, "publish"), (3, "publish")]
              and last["draft_author"] == "agent:" + ANA and last["author"] == "admin:" + ROOT,
              "the draft is gone; history: published by the admin, written by the agent", body)
        status, body, _ = agent.post("/desk/kb/articles/%s/draft/publish" % AID, {})
        check(status == 404, "nothing left to publish", (status, body))

        # ---- 4. an edit after the draft blocks it until saved again ----------
        status, body, _ = agent.post("/desk/kb/articles/" + AID, {
            "body": DRAFT + " Use luvas.", "base_version": 3, "as_draft": True})
        check(status == 200 and body["revision"] == 1, "a new draft", (status, body))
        status, body, _ = admin.post("/desk/kb/articles/" + AID, {"tags": ["toner"],
                                                                  "base_version": 3})
        check(status == 200 and body["version"] == 4 and body["tags"] == ["toner"],
              "a direct edit publishes at once (version 4)", (status, body))
        status, body, _ = agent.post("/desk/kb/articles/%s/draft/publish" % AID, {"revision": 1})
        check(status == 409 and "4" in body["message"],
              "the draft started from version 3: publishing it would undo version 4",
              (status, body))
        status, body, _ = agent.post("/desk/kb/articles/" + AID, {
            "base_version": 4, "as_draft": True, "base_draft": 1})
        check(status == 200 and body["revision"] == 2 and body["version"] == 4,
              "saved again from version 4", (status, body))

        # ---- 5. discard -------------------------------------------------------
        status, body, _ = agent.post("/desk/kb/articles/%s/draft/discard" % AID, {"revision": 2})
        check(status == 200 and body["version"] == 4, "discarded", (status, body))
        status, body, _ = agent.get("/desk/kb/articles/" + AID)
        check(body["draft"] is None and body["version"] == 4 and "luvas" not in body["body"],
              "the draft is gone, the article unchanged", body)
        status, body, _ = customer.get("/kb/articles/" + AID)
        check(status == 200 and "luvas" not in body["html"], "customers never saw it", body)
        status, body, _ = agent.post("/desk/kb/articles/%s/draft/discard" % AID, {})
        check(status == 404, "no draft to discard", (status, body))

        # ---- 6. unpublish keeps the draft; publish then publishes it --------
        status, body, _ = agent.post("/desk/kb/articles/" + AID, {
            "body": "Troque o toner com a impressora fria.", "base_version": 4, "as_draft": True})
        check(status == 200 and body["revision"] == 1, "a draft before unpublishing", body)
        status, body, _ = agent.post("/desk/kb/articles/%s/unpublish" % AID, {})
        check(status == 200 and body["version"] == 5 and body["status"] == "rascunho",
              "unpublished: version 5", (status, body))
        status, _, _ = customer.get("/kb/articles/" + AID)
        check(status == 404, "customers lose the unpublished article", status)
        status, body, _ = agent.get("/desk/kb/articles/" + AID)
        check((body.get("draft") or {}).get("version") == 5
              and body["draft"]["body"] == "Troque o toner com a impressora fria.",
              "the draft stays, carried to version 5 (no content changed)", body)
        status, body, _ = agent.post("/desk/kb/articles/%s/publish" % AID, {})
        check(status == 200 and body["version"] == 6 and body["status"] == "publicado"
              and body["body"] == "Troque o toner com a impressora fria.",
              "publishing the article publishes its draft: version 6", (status, body))
        status, body, _ = customer.get("/kb/articles/" + AID)
        check(status == 200 and "impressora fria" in body["html"], "customers read it", body)

        # ---- 7. bad input, and customers cannot touch drafts -------------------
        for path, bad in (("/desk/kb/articles/" + AID, {"body": "x", "as_draft": "sim"}),
                          ("/desk/kb/articles/" + AID, {"as_draft": True, "base_draft": -1}),
                          ("/desk/kb/articles/%s/draft/publish" % AID, {"revision": "1"})):
            status, body, _ = agent.post(path, bad)
            check(status == 400 and body["error"] == "invalid" and body["message_pt"],
                  "POST %s %s: 400" % (path, bad), (status, body))
        status, body, _ = agent.get("/desk/kb/articles/" + AID)
        check(body["version"] == 6 and body["draft"] is None, "bad input stored nothing", body)
        for path in ("/desk/kb/articles/%s/draft/publish" % AID,
                     "/desk/kb/articles/%s/draft/discard" % AID):
            status, _, _ = customer.post(path, {})
            check(status == 403, "a customer: POST %s is 403" % path, status)
        try:
            s.call("kb", kb_pb2.PublishDraft(id=AID), principal="customer:" + CUSTOMER)
            check(False, "kb refuses PublishDraft to a customer")
        except BusError as e:
            check("forbidden" in str(e), "kb refuses PublishDraft to a customer", str(e))

        # ---- 8. kb killed between the two commits of a publish -----------------
        status, body, _ = agent.post("/desk/kb/articles/" + AID, {
            "body": "Chame o técnico: a peça é a engrenagem violeta.", "base_version": 6,
            "as_draft": True, "base_draft": 0})
        check(status == 200 and body["revision"] == 1, "one more draft", (status, body))
        s.stop("kb")
        s.start("kb", env=FAILPOINT)
        publish = kb_pb2.PublishDraft(id=AID, draft_revision=1)
        try:
            s.call("kb", publish, request_id="publish-violeta", timeout=2, retries=1,
                   principal="agent:" + ANA)
            answered = True
        except (Unreachable, ServiceDied):
            answered = False
        check(not answered, "a publish whose LMDB commit never happened is not acknowledged")
        proc = s.procs["kb"]
        wait_until(lambda: proc.poll() is not None, 20, "kb to die at its failpoint")
        del s.procs["kb"]
        s.start("kb")
        out = s.log_text("kb").rsplit("---- e2e: starting kb", 1)[1]
        check("event=index_repaired index=articles " in out, "kb repairs the index at start",
              out[-1500:])
        status, body, _ = customer.get("/kb/search?q=violeta")
        check(status == 200 and not body["hits"],
              "the repaired index does not have the unpublished words", body)
        status, body, _ = agent.get("/desk/kb/articles/" + AID)
        check(body["version"] == 6 and (body.get("draft") or {}).get("revision") == 1,
              "still version 6, with its draft", body)
        reply = s.call("kb", publish, request_id="publish-violeta", principal="agent:" + ANA)
        check(reply.version == 7 and "violeta" in reply.body, "the client's retry publishes it",
              reply)
        status, body, _ = customer.get("/kb/search?q=violeta")
        check(status == 200 and [h["id"] for h in body["hits"]] == [AID],
              "customers find it now, once", body)
        status, body, _ = agent.get("/desk/kb/articles/" + AID)
        check([v["version"] for v in body["versions"]] == list(range(1, 8)) and body["draft"] is None,
              "one version for the publish, the draft gone", body)

        # ---- 9. the same from the command line ------------------------------
        def cli(*args):
            r = s.run_tool("balcao", ("kb",) + args,
                           env={"BALCAO_PRINCIPAL": "agent:" + ANA, "BALCAO_LANG": "pt-BR"})
            return r.returncode, r.stdout.decode(), r.stderr.decode()

        rc, out, err = cli("edit", AID, "--draft", "--base", "7", "--body",
                           "Use o toner original: a garantia cobre a troca.")
        check(rc == 0, "balcao kb edit --draft saves a draft", (rc, out, err))
        rc, out, err = cli("list")
        check(rc == 0 and AID in out and "(rascunho pendente)" in out,
              "balcao kb list marks the article with a pending draft", out)
        rc, out, err = cli("draft", AID)
        check(rc == 0 and "revisão 1" in out and "garantia cobre" in out
              and "publish-draft %s --revision 1" % AID in out,
              "balcao kb draft shows it, with how to publish it", out)
        status, body, _ = customer.get("/kb/articles/" + AID)
        check(status == 200 and "garantia" not in body["html"], "customers do not see it", body)
        rc, out, err = cli("publish-draft", AID, "--revision", "2")
        check(rc != 0 and "rascunho" in err, "publish-draft naming another revision is refused",
              (rc, out, err))
        rc, out, err = cli("publish-draft", AID, "--revision", "1")
        check(rc == 0 and " v8 " in out,
              "balcao kb publish-draft publishes it as version 8", (rc, out, err))
        status, body, _ = customer.get("/kb/articles/" + AID)
        check(status == 200 and "garantia cobre" in body["html"], "customers read it now", body)
        rc, out, err = cli("edit", AID, "--draft", "--base", "8", "--body", "Rascunho a descartar.")
        rc, out, err = cli("discard-draft", AID)
        check(rc == 0, "balcao kb discard-draft drops a draft", (rc, out, err))
        rc, out, err = cli("draft", AID)
        check(rc == 0 and "não tem rascunho pendente" in out and "versão publicada: 8" in out,
              "and it is gone", out)
        log("ok: pending drafts reach customers only when published, and survive kill -9")


if __name__ == "__main__":
    run_test(main)

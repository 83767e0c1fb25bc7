#!/usr/bin/python3
"""kb killed between its two commits: nothing lost, nothing kept twice.

kb commits a batch's Xapian changes first, then the LMDB transaction that
records them (and the router cursor). BALCAO_KB_FAILPOINT=index_committed
makes kb kill itself with SIGKILL right between the two, the worst moment a
kill -9 can hit. Proves:
  - an article created in that batch, never acknowledged, leaves no trace
    once kb is back: no search counts it (no hit, no estimate, no facet),
    for agents or customers, and kb's log says which indexes it repaired;
  - the client's retry of the same request creates it once, found and
    counted once;
  - a ticket indexed in such a batch (from a router event) is indexed again
    from the replay, exactly once, and a plain restart afterwards finds
    nothing to repair.
"""

from harness import ServiceDied, System, Unreachable, check, kb_pb2, log, run_test, wait_until

AGENT = "agent:ana@balcao.test"
CUSTOMER = "customer:rita@cliente.example"
FAILPOINT = {"BALCAO_KB_FAILPOINT": "index_committed"}


def search(s, query, principal=AGENT):
    return s.call("kb", kb_pb2.SearchArticles(query=query, include_drafts=principal == AGENT),
                  principal=principal)


def tickets(s, query):
    return s.call("kb", kb_pb2.SearchTickets(query=query))


def killed(s):
    """Waits for kb to die by its failpoint; its exit status."""
    proc = s.procs["kb"]
    wait_until(lambda: proc.poll() is not None, 20, "kb to die at its failpoint")
    del s.procs["kb"]
    return proc.returncode


def start_log(s):
    """kb's log since its last start."""
    return s.log_text("kb").rsplit("---- e2e: starting kb", 1)[1]


def main():
    with System("kb_crash") as s:
        # ---- 1. a request: CreateArticle ------------------------------------
        # kb alone, so that nothing but the request changes an index.
        s.start("kb", env=FAILPOINT)
        article = kb_pb2.Article(id="toner-acabou", title="O toner acabou: como trocar",
                                 body="Abra a tampa frontal e troque o cartucho de toner.",
                                 status="publicado")
        create = kb_pb2.CreateArticle(article=article)
        try:
            s.call("kb", create, request_id="create-toner", timeout=2, retries=1, principal=AGENT)
            answered = True
        except (Unreachable, ServiceDied):
            answered = False
        check(not answered, "a batch that never reached LMDB is never acknowledged")
        check(killed(s) == -9 and "event=failpoint name=index_committed" in start_log(s),
              "kb was killed between the index commit and the LMDB commit", start_log(s)[-800:])

        s.start("kb")
        out = start_log(s)
        check("event=index_repaired index=articles " in out
              and "event=index_repaired index=articles-public " in out,
              "at start kb finds both article indexes a batch ahead and repairs them", out[-1500:])
        for who in (AGENT, CUSTOMER):
            r = search(s, "toner", principal=who)
            check(not r.hits and r.estimated == 0 and not r.facets,
                  "no search counts the article LMDB never stored (%s)" % who.split(":")[0],
                  (list(r.hits), r.estimated, [(f.value, f.count) for f in r.facets]))

        reply = s.call("kb", create, request_id="create-toner", principal=AGENT)
        check(reply.id == "toner-acabou" and reply.version == 1, "the client's retry creates it",
              reply)
        for who in (AGENT, CUSTOMER):
            r = search(s, "toner", principal=who)
            types = sum(f.count for f in r.facets if f.field == "type")
            check([h.id for h in r.hits] == ["toner-acabou"] and r.estimated == 1 and types == 1,
                  "found and counted once (%s)" % who.split(":")[0],
                  ([h.id for h in r.hits], r.estimated, types))

        # ---- 2. an event: the router's TicketCreated -----------------------
        s.stop("kb")
        s.start_all(("intake", "router"))
        s.start("kb", env=FAILPOINT)
        s.submit_api("crash-1", "Scanner não liga", "O scanner do caixa não liga desde ontem.")
        check(killed(s) == -9, "kb killed again, indexing the router's ticket")
        s.start("kb")
        check("event=index_repaired index=tickets " in start_log(s),
              "the tickets' index is repaired", start_log(s)[-1500:])
        wait_until(lambda: tickets(s, "scanner").hits, 20, "kb to index the replayed ticket",
                   system=s)
        r = tickets(s, "scanner")
        check([h.ticket for h in r.hits] == [1] and r.estimated == 1,
              "the ticket is in the index exactly once", ([h.ticket for h in r.hits], r.estimated))

        s.stop("kb")
        s.start("kb")
        check("index_repaired" not in start_log(s) and "index_rebuil" not in start_log(s),
              "a plain restart afterwards repairs and rebuilds nothing", start_log(s)[-1500:])
        check([h.ticket for h in tickets(s, "scanner").hits] == [1], "and the ticket is still there")
        log("ok: kb killed between its commits loses nothing and keeps nothing twice")


if __name__ == "__main__":
    run_test(main)

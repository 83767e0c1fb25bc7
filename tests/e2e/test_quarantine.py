#!/usr/bin/python3
"""An input a service cannot apply never stops it.

kb runs with handlers made to fail on purpose (BALCAO_FAILPOINT_EVENT for
the router's TicketCreated, BALCAO_FAILPOINT_REQUEST for CreateArticle).
Proves, through the bus and the CLI:
  - kb stays up and keeps serving; the failed events are quarantined (Ping
    counts them, the log says so once each) and the cursor moves past them,
    so a restart does not replay them;
  - the failed request gets an `internal` error and stores nothing; the next
    request is served;
  - `balcao quarantine` lists and shows them to an admin, refuses an agent,
    and after the fix (kb restarted without the failpoint) `retry` applies
    each once: the ticket is then found by search, the count drops to zero.
"""

from harness import BusError, System, bus_pb2, check, kb_pb2, log, run_test, wait_until

ADMIN = {"BALCAO_PRINCIPAL": "admin:root", "BALCAO_LANG": "pt_BR"}
FAIL = {"BALCAO_FAILPOINT_EVENT": "balcao.v1.TicketCreated",
        "BALCAO_FAILPOINT_REQUEST": "balcao.v1.CreateArticle"}


def quarantined(s):
    return s.call("kb", bus_pb2.Ping()).quarantined


def found(s, word):
    return [h.ticket for h in s.call("kb", kb_pb2.SearchTickets(query=word)).hits]


def main():
    with System("quarantine") as s:
        s.start_all(("intake", "router", "notify"))
        s.start("kb", env=FAIL)
        pid = s.procs["kb"].pid
        s.submit_api("q-1", "Impressora parou", "A impressora zebra parou de imprimir etiquetas.")
        s.submit_api("q-2", "Boleto duplicado", "Recebi o boleto cobrado em dobro.")
        wait_until(lambda: quarantined(s) == 2, 20, "kb to quarantine both TicketCreated", system=s)
        check(s.procs["kb"].pid == pid and s.procs["kb"].poll() is None,
              "kb kept running (same process) after two events it could not apply")
        text = s.log_text("kb")
        check(text.count("event=event_quarantined") == 2 and "failpoint" in text,
              "kb's log says, once per event, which it set aside and why")
        check(found(s, "zebra") == [], "a quarantined ticket is not indexed")

        article = kb_pb2.Article(id="fila", title="Fila de impressão", body="Limpe a fila.",
                                 status="publicado")
        try:
            s.call("kb", kb_pb2.CreateArticle(article=article), principal="agent:ana@x")
            raise AssertionError("CreateArticle succeeded through its failpoint")
        except BusError as e:
            check(e.code == "internal" and "failpoint" in e.message,
                  "a request whose handler fails gets an internal error saying why", e)
        try:
            s.call("kb", kb_pb2.GetArticle(id="fila"), principal="agent:ana@x")
            raise AssertionError("the failed CreateArticle stored its article")
        except BusError as e:
            check(e.code == "not_found", "and nothing of it was stored")
        check(s.call("kb", kb_pb2.SearchArticles(query="fila")) is not None,
              "kb serves the next request")

        out = s.run_tool("balcao", ["quarantine"], env=ADMIN)
        lines = out.stdout.decode()
        check(out.returncode == 0 and len([l for l in lines.splitlines() if l.startswith("kb ") and "TicketCreated" in l]) == 2
              and "2 evento(s) em quarentena" in lines,
              "balcao quarantine lists both, for an admin", (out.returncode, lines, out.stderr.decode()))
        seqs = sorted(int(l.split("#")[1].split()[0]) for l in lines.splitlines()
                      if l.startswith("kb "))
        denied = s.run_tool("balcao", ["quarantine", "list", "kb"],
                            env={"BALCAO_PRINCIPAL": "agent:ana@x", "BALCAO_LANG": "pt_BR"})
        check(denied.returncode != 0 and "administradores" in denied.stderr.decode(),
              "an agent is refused", denied.stderr.decode())
        show = s.run_tool("balcao", ["quarantine", "show", "kb", "router", str(seqs[0])],
                          env=ADMIN).stdout.decode()
        check("Impressora parou" in show and "failpoint" in show and "retry kb router" in show,
              "show gives the event's content, the reason and how to retry", show)

        # The fix: kb without the failpoint. A restart replays nothing.
        s.stop("kb")
        s.start("kb")
        check(quarantined(s) == 2, "the quarantine is durable across a restart")
        check(found(s, "zebra") == [], "the restart did not replay the quarantined events")
        for seq in seqs:
            r = s.run_tool("balcao", ["quarantine", "retry", "kb", "router", str(seq)], env=ADMIN)
            check(r.returncode == 0 and "saiu da quarentena" in r.stdout.decode(),
                  "retry router #%d applies it" % seq, r.stdout.decode() + r.stderr.decode())
        check(quarantined(s) == 0, "nothing left in quarantine")
        check(len(found(s, "zebra")) == 1 and len(found(s, "boleto")) == 1,
              "both tickets are now found by search, once each")
        again = s.run_tool("balcao", ["quarantine", "retry", "kb", "router", str(seqs[0])],
                           env=ADMIN)
        check(again.returncode != 0, "a second retry of the same event finds nothing to do")
        log("kb served throughout; quarantine emptied by retries")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Retention (issue 17): logs and delivered notifications are pruned after
their period, and nothing a lagging consumer still needs goes.

Every service reports its cursors each second here (cursor_report_s = 1);
the periods are the defaults (30 days). BALCAO_CLOCK_SKEW_S = 31 days on a
restarted service makes what it holds 31 days old, as a month of running
would. Proves:
  - with kb stopped (a consumer behind), the router prunes its log only up
    to what kb applied, and intake its log up to what the router and
    notify applied;
  - kb, started again, catches up from the log (the tickets it missed are
    found by search), and the router then prunes the rest;
  - a ticket's history reads the same after its events left the log (the
    router keeps them in `history`);
  - notify deletes delivered notifications older than 30 days, their
    .eml files with them, and keeps acknowledging new tickets;
  - a consumer whose cursor is before what the log still holds (a kb
    restored alone, here a fresh one) says so in its log
    (event=replay_pruned) instead of waiting silently;
  - no service logs an error or leaves the bus on the way.
"""

import os
import re
import shutil
import time

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import bus_pb2, kb_pb2, router_pb2

MONTH = str(31 * 86400)
ADMIN = "admin:root@suporte.example"
FAST = {svc: "    cursor_report_s = 1" for svc in ("intake", "router", "kb", "notify")}
FAST["kb"] += "\n    recurring\n        min_tickets = 0"


def first_seq(s, svc):
    """The oldest event a service's log still holds (its ReplayReply says)."""
    reply = s.call(svc, bus_pb2.ReplayRequest(from_seq=1, max_events=1), timeout=10,
                   principal="service:e2e-test")
    return reply.first_seq, reply.head_seq


def history(s, number):
    return [(e.type, e.summary) for e in
            s.call("router", router_pb2.GetHistory(number=number), principal=ADMIN).entries]


def kb_finds(s, word):
    return [h.ticket for h in s.call("kb", kb_pb2.SearchTickets(query=word, limit=50),
                                     principal=ADMIN).hits]


def main():
    with System("retention", extra_config=FAST) as s:
        s.start_all()
        for i in range(1, 11):
            s.submit_api("ret-%d" % i, "Boleto %d não chega" % i,
                         "O boleto de número %d não chegou por e-mail." % i,
                         from_address="cliente%d@example.com" % i)
        wait_until(lambda: s.ack_count() == 10, 20, "10 acknowledgements", system=s)
        s.call("router", router_pb2.AddMessage(number=1, body="Reenviamos o boleto agora."), principal=ADMIN)
        wait_until(lambda: len(history(s, 1)) >= 3, 10, "ticket 1's reply", system=s)
        wait_until(lambda: kb_finds(s, "boleto"), 20, "kb to index the tickets", system=s)
        before = history(s, 1)
        log("ticket 1's history: %d entries" % len(before))
        files_before = sorted(os.listdir(s.mail_dir))

        # kb stops, caught up; two more tickets come that it has not seen.
        check(first_seq(s, "router")[0] == 1, "the router's log is whole before a month passes",
              first_seq(s, "router"))
        time.sleep(2)  # kb's report (every second) says it has applied it all
        s.stop("kb")
        kb_at = s.head_seq("router")
        for i in (11, 12):
            s.submit_api("ret-%d" % i, "Senha bloqueada %d" % i, "Minha senha %d bloqueou." % i,
                         from_address="cliente%d@example.com" % i)
        wait_until(lambda: s.ack_count() == 12, 20, "12 acknowledgements", system=s)
        wait_until(lambda: all(i.state == "delivered" for i in s.outbox_list(principal=ADMIN).items),
                   10, "notify to record every delivery", system=s)

        # A month later, for intake, the router and notify.
        month_ago = s.head_seq("router")  # what the router wrote before
        for svc in ("intake", "router", "notify"):
            s.stop(svc)
        for svc in ("router", "intake", "notify"):
            s.start(svc, env={"BALCAO_CLOCK_SKEW_S": MONTH})
        intake_head = s.head_seq("intake")
        wait_until(lambda: first_seq(s, "intake")[0] == intake_head + 1, 20,
                   "intake to prune every event its readers applied", system=s)
        log("intake pruned its whole log (%d events)" % intake_head)
        wait_until(lambda: first_seq(s, "router")[0] > 1, 20, "the router to prune", system=s)
        first, head = first_seq(s, "router")
        check(first == kb_at + 1,
              "the router pruned its log up to what kb (stopped) applied, not beyond",
              (first, kb_at, head))
        m = wait_until(lambda: (lambda m: m if m.get(("balcao_log_first_seq", "")) == first
                                else None)(s.scrape("router")), 10,
                       "the router's /metrics to say where its log begins", system=s)
        check(m.get(("balcao_log_pruned_events", "")) == first - 1,
              "the router's /metrics shows how many events retention deleted",
              {k: v for k, v in m.items() if k[0].startswith("balcao_log_")})
        # (a month later its SLA clocks ran out: those events follow)
        check(history(s, 1)[:len(before)] == before,
              "ticket 1's history reads the same after its events left the log",
              (history(s, 1), before))

        # notify: the month-old deliveries go, files and all.
        wait_until(lambda: s.ack_count() == 0, 30, "notify to delete month-old deliveries",
                   system=s)
        listed = s.outbox_list(principal=ADMIN).items
        check(not any(i.state == "delivered" for i in listed),
              "no delivered notification older than 30 days is listed", listed)
        log("notify deleted %d delivered notifications and their files" % len(files_before))

        # kb comes back: it catches up on the two tickets it missed, then
        # the router prunes the rest.
        s.start("kb")
        found = wait_until(lambda: {11, 12} <= set(kb_finds(s, "senha")) and kb_finds(s, "senha"),
                           20, "kb to catch up on tickets 11 and 12", system=s)
        check(sorted(found) == [11, 12], "kb found the tickets it missed while stopped", found)
        # (what it wrote since the month passed is young: it stays)
        wait_until(lambda: first_seq(s, "router")[0] == month_ago + 1, 20,
                   "the router to prune the month-old events kb has now applied", system=s)

        # The pages retention freed back to the disk: balcaoctl compact asks
        # each service; notify's file, which held the month of
        # notifications, is now smaller.
        sizes = {svc: os.path.getsize(os.path.join(s.var, svc, "data.mdb"))
                 for svc in ("intake", "router", "notify", "kb")}
        r = s.run_tool("balcaoctl", ("compact", "gateway"))
        check(r.returncode == 64 and "gateway" in r.stderr.decode(),
              "balcaoctl compact names what it cannot compact", r.stderr)
        r = s.run_tool("balcaoctl", ("compact",), timeout=120)
        out = r.stdout.decode()
        check(r.returncode == 0 and all(re.search(r"^%s: [0-9,]+ [KM]B → [0-9,]+ [KM]B$" % svc,
                                                  out, re.M)
                                        for svc in sizes),
              "balcaoctl compact: each service's size before and after", (out, r.stderr))
        after = {svc: os.path.getsize(os.path.join(s.var, svc, "data.mdb")) for svc in sizes}
        check(after["notify"] < sizes["notify"] and all(after[v] <= sizes[v] for v in sizes),
              "the files are smaller (notify %d -> %d bytes)" % (sizes["notify"], after["notify"]),
              (sizes, after))
        for svc in sizes:
            check(re.search(r"event=store_compacted reason=asked ", s.log_text(svc)),
                  "%s logged its compaction" % svc)
        try:
            s.call("router", bus_pb2.CompactStore(), principal="agent:ana@suporte.example")
            refused = None
        except BusError as e:
            refused = e.code
        check(refused == "forbidden", "an agent may not ask for a compaction", refused)
        log("balcaoctl compact: %s" % " ".join(out.split()))

        # Life goes on: a new ticket is opened, acknowledged and indexed.
        s.submit_api("ret-13", "Nota fiscal rejeitada", "A nota fiscal 13 foi rejeitada.",
                     from_address="cliente13@example.com")
        wait_until(lambda: s.ticket_total() == 13, 10, "ticket 13", system=s)
        wait_until(lambda: s.ack_count() == 1, 20, "ticket 13's acknowledgement", system=s)
        wait_until(lambda: 13 in kb_finds(s, "fiscal"), 20, "kb to index ticket 13", system=s)
        check(s.outbox_files()[0] == {13: 1}, "the new ticket's acknowledgement is delivered "
                                              "once", s.outbox_files())

        # A kb with no data (restored alone, say): the events it would need
        # are gone, and it says so.
        s.stop("kb")
        shutil.rmtree(os.path.join(s.var, "kb"))
        s.start("kb")
        wait_until(lambda: "event=replay_pruned source=router" in s.log_text("kb"), 20,
                   "kb to say the router's log no longer has what it needs", system=s)
        log("a kb behind the pruned log says so: event=replay_pruned")

        for svc in ("intake", "router", "notify"):
            text = s.log_text(svc)
            check("level=error" not in text, "%s logged no error" % svc,
                  [l for l in text.splitlines() if "level=error" in l][:3])
        s.check_alive()


if __name__ == "__main__":
    run_test(main)

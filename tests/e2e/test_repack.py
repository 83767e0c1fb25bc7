#!/usr/bin/python3
"""Records packed again when their pages are sparse (issue 17, bounded
disk; lib/bc_service_repack.c).

A ticket's record (router `tickets`, kb `tickets`) and its thread (router
`thread`) grow after they are written (a resolution, a closing), and LMDB
splits a full page in two: closed tickets leave pages about half full.
With <service>/repack/check_s = 1, proves:
  - the router packs `tickets` (a quarter fewer pages at least, its
    estimate of the packed size within 10%), kb its own `tickets`, each
    logged with the pages before and after; what is not sparse (the
    router's `thread` here) is left alone;
  - every ticket reads byte for byte as before (read with packing off,
    then the router restarted with it on), kb finds them, and a new ticket
    after the repack is numbered next;
  - a store already packed is left alone (no second repack).
"""

import re
import time

from harness import System, check, log, run_test, wait_until
from pipeline import bench_tickets, pipeline
from balcao.v1 import kb_pb2, router_pb2

N = 2000
ADMIN = "admin:root@suporte.example"
REPACK = "    repack\n        check_s = 1"


def repacked(s, svc):
    """{db: (pages before, pages after)} from the service's log."""
    return {m.group(1): (int(m.group(2)), int(m.group(3))) for m in re.finditer(
        r"event=records_repacked db=(\w+) pages_before=(\d+) pages_after=(\d+)", s.log_text(svc))}


def view(s, number):
    t = s.ticket(number)
    return (t.status, t.subject, t.resolution, [(m.direction, m.body) for m in t.messages])


def everything(s):
    """Every ticket as the router gives it, whole."""
    return {t.number: t.SerializeToString(deterministic=True) for t in s.all_tickets()}


def main():
    # Packing off while the tickets are made, so that they can be read
    # before; on (every second) after a restart of the router.
    with System("repack", extra_config={"router": "    repack\n        check_s = 0",
                                        "kb": REPACK}) as s:
        s.start_all()
        bench_tickets(s, N, clients=8, window=64)
        wait_until(lambda: s.ticket_total() >= N, 120, "the router to open every ticket",
                   system=s)
        for action in ("resolve", "close"):
            reqs = [(ADMIN, router_pb2.TicketAction(
                number=n, action=action, text="Reenviamos o boleto; pode conferir?"))
                    for n in range(1, N + 1)]
            errors, took = pipeline(s, "router", reqs)
            check(errors == 0, "%s: %d tickets in %.1f s" % (action, N, took), errors)
        samples = (1, 2, N // 2, N - 1, N)
        views = {n: view(s, n) for n in samples}
        check(all(v[0] == "fechado" and v[2] == "Reenviamos o boleto; pode conferir?" and v[3]
                  for v in views.values()),
              "every ticket closed, with its resolution and the customer's message", views)
        before_all = everything(s)
        s.stop("router")
        s.extra_config["router"] = REPACK
        s.write_config()
        s.start("router")

        wait_until(lambda: "tickets" in repacked(s, "router") or None, 60,
                   "the router to pack its tickets", system=s)
        before, after = repacked(s, "router")["tickets"]
        check(after * 4 <= before * 3,
              "the router's tickets: %d pages packed into %d" % (before, after),
              repacked(s, "router"))
        due = re.search(r"event=repack_due db=tickets leaf_pages=(\d+) packed_pages=(\d+) "
                        r"walk_ms=\d+", s.log_text("router"))
        check(due and abs(after - int(due.group(2))) * 10 <= after,
              "the estimate of the pages packed was within 10%%: %s, got %d"
              % (due.group(0), after))
        # The threads (one record a ticket, its one message here) are not
        # sparse: left alone.
        check("thread" not in repacked(s, "router"), "what is not sparse is not repacked",
              repacked(s, "router"))
        # kb's records grow as it takes the resolutions and closings in.
        wait_until(lambda: "tickets" in repacked(s, "kb") or None, 30, "kb to pack its records",
                   system=s)
        before, after = repacked(s, "kb")["tickets"]
        check(after * 4 <= before * 3, "kb's tickets: %d pages packed into %d" % (before, after))
        check(everything(s) == before_all,
              "all %d tickets read byte for byte as before the repack" % len(before_all))
        hits = s.call("kb", kb_pb2.SearchTickets(query="boleto", limit=5), principal=ADMIN)
        check(len(hits.hits) > 0, "kb still finds the tickets", hits)

        # Nothing more to pack: the next checks leave the store alone.
        count = len(re.findall("records_repacked", s.log_text("router")))
        time.sleep(3)
        check(len(re.findall("records_repacked", s.log_text("router"))) == count,
              "a packed store is not packed again", s.log_text("router")[-800:])
        r = s.mailgate(b"From: Nova <nova@cliente.example>\r\nTo: suporte@balcao.test\r\n"
                       b"Subject: Depois do repack\r\nMessage-ID: <after@cliente.example>\r\n"
                       b"\r\nOi.\r\n")
        check(r.returncode == 0, "a new message after the repack", r.stderr)
        total = len(before_all)
        wait_until(lambda: s.ticket_total() == total + 1, 10, "its ticket", system=s)
        check(s.ticket(total + 1).subject == "Depois do repack", "numbered next",
              s.ticket(total + 1))
        s.check_alive()
        log("repack: router %s, kb %s" % (repacked(s, "router"), repacked(s, "kb")))


if __name__ == "__main__":
    run_test(main)

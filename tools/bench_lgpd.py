#!/usr/bin/python3
"""What an LGPD erasure costs on a store of N tickets, for
tools/bench-lgpd.sh (docs/benchmarks.md).

Starts the five services from ./build (the e2e harness's System), opens N
tickets (balcao-bench, each from its own address; acknowledged by notify,
indexed by kb) and 20 more from one customer, then runs `balcao lgpd
erase` on that customer and measures: the CLI's wall time (the router's
transaction: its tickets, its whole log, stored replies and history
rewritten), the time until every service logged its compaction, each
service's compaction (`event=store_compacted ... ms=`) and the data files'
sizes before and after.

  bench_lgpd.py [N]
"""

import os
import re
import sys
import time

from harness import System, log, wait_until
from pipeline import bench_tickets

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
ADMIN = "admin:root@suporte.example"
PERSON = "customer:cliente.bench@lgpd.example"
CONFIG = {svc: "    cursor_report_s = 1" for svc in ("intake", "router", "kb", "notify")}
CONFIG["gateway"] = "    erasure_sync_s = 1"


def size(s, svc):
    path = os.path.join(s.var, svc, "data.mdb")
    if svc == "gateway":
        path = os.path.join(s.var, "gateway", "db", "data.mdb")
    return os.path.getsize(path) if os.path.exists(path) else 0


def main():
    with System("bench-lgpd", extra_config=CONFIG) as s:
        s.start_all()
        t0 = time.time()
        bench_tickets(s, N)
        for i in range(20):
            s.submit_api("lgpd-bench-%d" % i, "Pedido %d" % i,
                         "Mensagem número %d da cliente do teste." % i,
                         from_address=PERSON[9:], from_name="Cliente Bench")
        wait_until(lambda: s.ticket_total() >= N + 20, 3600, "the router to open every ticket")
        log("%d tickets in %.1f s" % (N + 20, time.time() - t0))
        # Every consumer caught up: no lag on any source (Prometheus), and
        # no log head moving, for 3 s.
        def lag():
            return sum(v for svc in ("intake", "router", "kb", "notify")
                       for (name, _), v in s.scrape(svc).items()
                       if name == "balcao_consumer_lag_events")
        last, since = None, time.time()
        while time.time() - since < 3:
            now = (lag(),) + tuple(s.head_seq(svc) for svc in ("intake", "router", "kb", "notify"))
            if now != last or now[0] > 0:
                last, since = now, time.time()
            time.sleep(0.5)
        log("caught up: heads %s" % (last[1:],))
        before = {svc: size(s, svc) for svc in ("intake", "router", "kb", "notify")}
        t1 = time.time()
        r = s.run_tool("balcao", ["lgpd", "erase", PERSON, "--reason", "bench", "--yes"],
                       env={"BALCAO_PRINCIPAL": ADMIN}, timeout=3600)
        cli = time.time() - t1
        assert r.returncode == 0, r.stderr
        for svc in ("intake", "router", "kb", "notify"):
            wait_until(lambda: "event=store_compacted" in s.log_text(svc), 3600,
                       "%s compacted" % svc)
        done = time.time() - t1
        after = {svc: size(s, svc) for svc in before}
        print("tickets=%d erase_cli_s=%.2f all_compacted_s=%.2f" % (N + 20, cli, done))
        for svc in before:
            m = re.search(r"event=person_erased .*", s.log_text(svc))
            c = re.search(r"event=store_compacted reason=erasure .*ms=(\d+)", s.log_text(svc))
            print("%-7s data.mdb %6.1f MB -> %6.1f MB  compaction %s ms  %s" % (
                svc, before[svc] / 1e6, after[svc] / 1e6, c.group(1) if c else "?",
                m.group(0)[m.group(0).find("tickets="):] if m else ""))


if __name__ == "__main__":
    main()

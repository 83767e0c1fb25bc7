#!/usr/bin/python3
"""Disk per ticket before and after retention, for tools/bench-disk.sh
(docs/benchmarks.md).

Starts the five services from ./build (the e2e harness's System), opens N
tickets (balcao-bench: each acknowledged by notify, indexed by kb), then,
unless CLOSE=0, resolves and closes each (TicketAction resolve, close by an
admin, WINDOW requests in flight: the customer gets the resolution notice).
It measures every service's data directory, restarts intake, router,
notify and kb with their clocks 31 days ahead (BALCAO_CLOCK_SKEW_S: a
month of running, without the month) so that the default retention (30
days: logs, delivered notifications and their files) applies, waits until
nothing more is pruned or packed (the router's and kb's records are packed
again when sparse, checked every 10 s here instead of every hour), and
measures again.

Per service, bytes per ticket:
  - "used": LMDB pages in use (the map's last page minus the free list;
    LMDB reuses freed pages, the file does not shrink) plus every other
    file (Xapian, .eml files, attachments);
  - "compact": the same with LMDB copied compacted (mdb_copy -c: what a
    backup holds, and what a new file would take).

  bench_disk.py [N] [WINDOW]
"""

import os
import re
import subprocess
import sys
import tempfile
import time

from harness import System, log, wait_until
from pipeline import bench_tickets, pipeline
from balcao.v1 import router_pb2

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
WINDOW = int(sys.argv[2]) if len(sys.argv) > 2 else 256
CLOSE = os.environ.get("CLOSE", "1") != "0"
MONTH = str(31 * 86400)
ADMIN = "admin:bench@suporte.example"
SERVICES = ("intake", "router", "notify", "kb")
CONFIG = {svc: "    cursor_report_s = 5" for svc in SERVICES}
# The router and kb measure their records against their pages every hour
# and pack them again when sparse (bc_service_repack); here every 10 s, so
# the month later is not an hour later.
for svc in ("router", "kb"):
    CONFIG[svc] += "\n    repack\n        check_s = 10"
CONFIG["kb"] += "\n    recurring\n        min_tickets = 0"
CONFIG["notify"] = CONFIG["notify"] + "\n    retention_batch = 20000"


def lmdb_used(path):
    """Bytes of an LMDB environment's pages in use."""
    env = subprocess.run(["mdb_stat", "-ef", path], capture_output=True, text=True).stdout
    psize = int(re.search(r"Page size: (\d+)", env).group(1))
    last = int(re.search(r"Number of pages used: (\d+)", env).group(1))
    free = int(re.search(r"Free pages: (\d+)", env).group(1))
    return (last - free) * psize


def lmdb_compact(path):
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path)) as tmp:
        subprocess.run(["mdb_copy", "-c", path, tmp], check=True)
        return os.path.getsize(os.path.join(tmp, "data.mdb"))


def other_files(path):
    """Bytes on disk of every file under path but LMDB's own."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            if root == path and name in ("data.mdb", "lock.mdb"):
                continue
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def measure(s, what):
    rows = {}
    for svc in SERVICES:
        d = os.path.join(s.var, svc)
        extra = other_files(d) + (other_files(s.outbox) if svc == "notify" else 0)
        rows[svc] = (lmdb_used(d) + extra, lmdb_compact(d) + extra,
                     os.path.getsize(os.path.join(d, "data.mdb")))
    print("%s (bytes per ticket, %d tickets):" % (what, N))
    print("  %-8s %8s %8s %12s" % ("service", "used", "compact", "data.mdb"))
    for svc, (used, compact, size) in rows.items():
        print("  %-8s %8.0f %8.0f %10.0f MB" % (svc, used / N, compact / N, size / 1e6))
    print("  %-8s %8.0f %8.0f" % ("total", sum(r[0] for r in rows.values()) / N,
                                   sum(r[1] for r in rows.values()) / N), flush=True)
    return rows


def steady(s, what, probe, quiet_s=15, limit_s=3600):
    """Waits until probe() stops changing for quiet_s seconds."""
    last, since, start = None, time.time(), time.time()
    while time.time() - start < limit_s:
        now = probe()
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= quiet_s:
            log("%s: settled after %.0f s (%s)" % (what, time.time() - start, now))
            return now
        time.sleep(1)
    raise AssertionError("%s did not settle" % what)


def per_db(path):
    """{db: bytes} of an LMDB environment's pages in use, per database."""
    out = subprocess.run(["mdb_stat", "-a", path], capture_output=True, text=True).stdout
    sizes, db = {}, None
    for line in out.splitlines():
        m = re.match(r"Status of (.*)", line)
        if m:
            db = m.group(1).strip()
        m = re.match(r"\s+(Branch|Leaf|Overflow) pages: (\d+)", line)
        if m and db:
            sizes[db] = sizes.get(db, 0) + int(m.group(2)) * 4096
    return sizes


def entries(s, svc, db):
    out = subprocess.run(["mdb_stat", "-s", db, os.path.join(s.var, svc)], capture_output=True,
                         text=True).stdout
    m = re.search(r"Entries: (\d+)", out)
    return int(m.group(1)) if m else 0


def main():
    with System("disk", extra_config=CONFIG) as s:
        s.start_all()
        t0 = time.time()
        bench_tickets(s, N)
        wait_until(lambda: s.ticket_total() >= N, 3600, "the router to open every ticket")
        log("%d tickets opened in %.0f s" % (N, time.time() - t0))
        if CLOSE:
            for action in ("resolve", "close"):
                reqs = [(ADMIN, router_pb2.TicketAction(
                    number=n, action=action, text="Reenviamos o boleto; pode conferir?"))
                        for n in range(1, N + 1)]
                errors, took = pipeline(s, "router", reqs, WINDOW)
                log("%s: %d tickets in %.0f s (%d refused)" % (action, N, took, errors))
        steady(s, "every consumer caught up",
               lambda: tuple(s.head_seq(svc) for svc in SERVICES) +
               (entries(s, "notify", "pending"),), quiet_s=10)
        before = measure(s, "before retention")
        for svc in SERVICES:
            s.stop(svc)
        for svc in ("router", "intake", "notify", "kb"):
            s.start(svc, env={"BALCAO_CLOCK_SKEW_S": MONTH})
        t1 = time.time()
        # Settled: nothing more pruned, and nothing more packed.
        steady(s, "retention", lambda: tuple(entries(s, svc, "log") for svc in SERVICES) +
               (entries(s, "notify", "outbox"),
                tuple(sorted(per_db(os.path.join(s.var, "router")).items())),
                tuple(sorted(per_db(os.path.join(s.var, "kb")).items()))), quiet_s=25)
        for svc in ("router", "kb"):
            for line in re.findall(r"event=records_repacked .*", s.log_text(svc)):
                log("%s: %s" % (svc, line))
        log("retention done in %.0f s" % (time.time() - t1))
        after = measure(s, "after retention (a month later)")
        for svc in SERVICES:
            print("  %-8s log events left: %d" % (svc, entries(s, svc, "log")))
        print("where the bytes are after retention (LMDB pages per ticket, the largest):")
        for svc in SERVICES:
            dbs = sorted(per_db(os.path.join(s.var, svc)).items(), key=lambda x: -x[1])
            print("  %-8s %s" % (svc, ", ".join("%s %.0f" % (d, b / N) for d, b in dbs[:8] if b)))
        print("  router history records: %d; notify outbox entries left: %d"
              % (entries(s, "router", "history"), entries(s, "notify", "outbox")))
        print("total per ticket: %.0f B used before, %.0f B used after, %.0f B compacted after"
              % (sum(r[0] for r in before.values()) / N, sum(r[0] for r in after.values()) / N,
                 sum(r[1] for r in after.values()) / N))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""How long `balcaoctl backup` pauses the services, and how large the backup
is, for N tickets (docs/benchmarks.md, "Backup and restore (issue 17)").

    BALCAO_BUILD=build-h5 PYTHONPATH=build-h5/python \
        python3 tests/e2e/bench_backup.py [TICKETS] [RUNS] [quiet]

Makes TICKETS tickets (one in ten with a 2 KB attachment) and the starter kb
articles, then runs the backup RUNS times while a client keeps submitting
(with "quiet": with nothing else going on),
and prints per run: the freeze (first BackupFreeze sent to last thaw
answered, from the manifest), each service's own copy time, the bytes, the
longest a Submit waited, then the restore's time onto a fresh data dir.
Not a test (not registered)."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from harness import REPO, BusError, System, intake_pb2, log, new_id, wait_until


def main():
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    is_quiet = len(sys.argv) > 3 and sys.argv[3] == "quiet"
    with System("bench-backup") as s:
        s.start_all()
        subprocess.run([s.binary("balcao"), "-c", s.config, "kb", "import",
                        os.path.join(REPO, "data", "kb"), "--publish"],
                       env=dict(os.environ, BALCAO_PRINCIPAL="agent:ana@balcao.test"),
                       check=True, stdout=subprocess.DEVNULL)
        t0 = time.monotonic()
        for i in range(tickets):
            files = []
            if i % 10 == 0:
                files = [intake_pb2.SubmitFile(filename="anexo-%d.txt" % i,
                                               content_type="text/plain",
                                               content=(b"%06d " % i) * 300)]
            s.call("intake", intake_pb2.Submit(
                channel="portal", external_id="bench-%d" % i,
                from_address="cliente%d@cliente.test" % i, from_name="Cliente",
                subject="Pedido %d" % i, body="Preciso de ajuda com o pedido %d." % i,
                files=files), principal="service:gateway")
        wait_until(lambda: s.ticket_total() == tickets, 300, "%d tickets" % tickets)
        log("%d tickets in %.1f s" % (tickets, time.monotonic() - t0))

        waits, stop = [], threading.Event()

        def burst():
            i = 0
            while not stop.is_set():
                i += 1
                rid, t = new_id(), time.monotonic()
                msg = intake_pb2.Submit(channel="api", external_id="live-%d" % i,
                                        from_address="live@cliente.test", subject="Ao vivo %d" % i,
                                        body="Durante a cópia.")
                while True:
                    try:
                        s.call("intake", msg, request_id=rid, timeout=10)
                        break
                    except BusError as e:
                        if e.code != "unavailable":
                            raise
                        time.sleep(0.02)
                waits.append(time.monotonic() - t)

        th = threading.Thread(target=burst, daemon=True)
        if not is_quiet:
            th.start()
            time.sleep(1)
        last = None
        for run in range(runs):
            d = os.path.join(s.dir, "backup-%d" % run)
            waits.clear()
            held = s.ticket_total()
            t = time.monotonic()
            r = subprocess.run([s.binary("balcaoctl"), "-c", s.config, "backup", d],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            wall = time.monotonic() - t
            time.sleep(0.5)
            if r.returncode != 0:
                raise AssertionError(r.stderr.decode())
            with open(os.path.join(d, "MANIFEST.json")) as f:
                m = json.load(f)
            copies = ", ".join("%s %s%.2f MiB" % (n, "%d ms " % v["copy_ms"] if "copy_ms" in v
                                                  else "", v["bytes"] / 1048576)
                               for n, v in sorted(m["services"].items()))
            print("run %d (%d tickets): freeze %d ms (balcaoctl %.0f ms wall), %.2f MiB; "
                  "copies: %s; "
                  "longest Submit wait %.0f ms over %d Submits"
                  % (run + 1, held, m["freeze_ms"], wall * 1000, m["bytes"] / 1048576, copies,
                     max(waits) * 1000 if waits else 0, len(waits)), flush=True)
            last = d
        stop.set()
        if not is_quiet:
            th.join()
        du = subprocess.run(["du", "-sb", os.path.join(s.var)], stdout=subprocess.PIPE)
        print("live data dir: %s bytes" % du.stdout.split()[0].decode())
        s.stop_all()
        with System("bench-restore") as r2:
            t = time.monotonic()
            r = subprocess.run([r2.binary("balcaoctl"), "-c", r2.config, "restore", last],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            print("restore: %.0f ms, rc %d" % ((time.monotonic() - t) * 1000, r.returncode))
            r2.start_all()
            print("restored tickets: %d" % r2.ticket_total())
        shutil.rmtree(last, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A consumer that was down catches up from the producer's log.

With notify stopped (SIGTERM), balcao-bench submits 1000 messages; the router
opens 1000 tickets and no acknowledgement is written. When notify starts again
it replays the router's log and proves:
  - exactly one ack file per ticket, t1..t1000-ack.eml, none missing, none twice
    (also checked in notify's own event log), no other files;
  - no temporary (dot) files are left behind in the outbox.
"""

import time

from harness import System, check, log, run_test, wait_until

N = 1000


def main():
    with System("replay") as s:
        s.start_all()
        s.stop("notify")
        log("notify stopped (SIGTERM, exit 0)")

        t0 = time.monotonic()
        r = s.run_tool("balcao-bench", ["-n", str(N), "-C", "16"], timeout=100)
        log("bench: exit %d in %.1fs\n%s" % (r.returncode, time.monotonic() - t0,
                                             r.stdout.decode(errors="replace").strip()[-1500:]))
        check(r.returncode == 0, "bench -n %d exits 0" % N, r.stderr.decode(errors="replace")[-1500:])
        wait_until(lambda: s.ticket_total() == N, 60, "router total == %d" % N, system=s)
        log("router has %d tickets" % N)
        time.sleep(0.5)
        acks, others, temps = s.outbox_files()
        check(not acks and not others and not temps, "no ack files while notify is down",
              (sum(acks.values()), others[:5], temps[:5]))

        t0 = time.monotonic()
        s.start("notify")
        wait_until(lambda: s.ack_count() >= N, 60, "%d ack files" % N, system=s)
        log("notify caught up in %.1fs" % (time.monotonic() - t0))
        time.sleep(0.5)  # let a wrong extra ack show up
        acks, others, temps = s.outbox_files()
        check(set(acks) == set(range(1, N + 1)) and all(c == 1 for c in acks.values()),
              "exactly one ack file for each ticket 1..%d" % N,
              "%d files, unexpected numbers %s" % (sum(acks.values()),
                                                   sorted(set(acks) - set(range(1, N + 1)))[:10]))
        check(not others, "no other files in the outbox", others[:10])
        check(not temps, "no temporary files left in the outbox", temps[:10])
        queued = s.queued_acks()
        check(set(queued) == set(range(1, N + 1)) and all(c == 1 for c in queued.values()),
              "notify's log queued exactly one ack per ticket",
              "%d events, doubled: %s" % (sum(queued.values()),
                                          [k for k, v in queued.items() if v > 1][:10]))
        ack = s.read_ack(N)
        check("[Chamado #%d]" % N in str(ack["Subject"]), "t%d-ack.eml is the ack of ticket %d" % (N, N),
              ack["Subject"])
    log("test_replay passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""No message is lost or doubled when services are killed -9 under load.

While balcao-bench submits 10000 api messages (64 concurrent, Lazy Pirate
retries with the same request id), the router and then intake are killed with
SIGKILL at random points of the run and restarted about 0.3 s later. Proves:
  - every submission is eventually acknowledged (bench exits 0);
  - the router ends with exactly 10000 tickets, numbered 1..10000, whose
    origin_message_ids are exactly the external ids bench submitted, none twice;
  - notify writes exactly one acknowledgement per ticket, t1..t10000-ack.eml.

The kill points are drawn from the run's progress (intake's head_seq;
intake's within what is left once the router is back), and bench submits at
most RATE messages a second (open loop), so that both land inside the run
however fast the machine is: on a fast one, 10000 messages took 2 s, less
than the router's restart under ASan, and the run was over before intake's
kill point. BALCAO_SEED=<n>
reproduces a run; BALCAO_CRASH_N=<n> changes the number of messages.
"""

import os
import random
import time
from collections import Counter

from harness import System, Unreachable, check, log, run_test, wait_until

N = int(os.environ.get("BALCAO_CRASH_N", "10000"))
CONCURRENCY = 64
RATE = 800  # submissions started per second, at most: the run lasts 12.5 s or more


def progress(s):
    """intake's head_seq, or None while intake is down."""
    try:
        return s.head_seq("intake")
    except Unreachable:
        return None


def main():
    seed = int(os.environ.get("BALCAO_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    # intake's point is drawn once the router is back, in what is left of the
    # run: a loaded machine restarted the router under ASan in 7.5 s, while
    # intake went on accepting to the end.
    kills = [("router", rng.uniform(0.10, 0.30) * N), ("intake", rng.uniform(0.10, 0.50))]
    log("seed %d (BALCAO_SEED=%d reproduces the kill points); N=%d" % (seed, seed, N))

    with System("crash") as s:
        s.start_all()
        ids_file = os.path.join(s.dir, "ids.txt")
        t_bench = time.monotonic()
        # --no-wait: the router is killed mid-run, so its live event stream (which
        # bench watches only to time latency) has holes; this test checks the
        # router itself instead.
        bench = s.spawn_tool("balcao-bench", ["-n", str(N), "-C", str(CONCURRENCY), "--no-wait",
                                              "--rate", str(RATE), "--ids", ids_file])
        log("bench started: -n %d -C %d --rate %d" % (N, CONCURRENCY, RATE))

        for svc, at in kills:
            if svc == "intake":
                now = progress(s) or 0
                at = now + at * (N - now)
            def reached():
                if bench.poll() is not None:
                    raise AssertionError("bench exited (%s) before the %s kill point"
                                         % (bench.returncode, svc))
                p = progress(s)
                return p is not None and p >= at
            wait_until(reached, 180, "%s kill point (intake head_seq >= %d)" % (svc, at),
                       system=s)
            s.kill9(svc)
            log("kill -9 %s at %.2fs into the run (intake head_seq >= %d)"
                % (svc, time.monotonic() - t_bench, at))
            time.sleep(0.3)
            s.restart(svc)
            log("%s restarted and answering Ping" % svc)

        wait_until(lambda: bench.poll() is not None, 240, "bench to finish", system=s, poll=0.2)
        bench_s = time.monotonic() - t_bench
        summary = s.tool_output("balcao-bench")
        log("bench exited %d after %.1fs; its summary:\n%s" % (bench.returncode, bench_s,
                                                               summary.strip()[-2000:]))
        # Checked last, so that a failing bench still shows what the system stored.
        bench_rc = bench.returncode

        check(os.path.exists(ids_file), "bench wrote its --ids file", "bench exit %s" % bench_rc)
        with open(ids_file) as f:
            submitted = [line.strip() for line in f if line.strip()]
        check(len(submitted) == N and len(set(submitted)) == N,
              "bench wrote %d distinct external ids" % N, (len(submitted), len(set(submitted))))

        t0 = time.monotonic()
        wait_until(lambda: s.ticket_total() == N, 120, "router total == %d" % N, system=s, poll=0.1)
        log("router reached %d tickets %.1fs after bench exited" % (N, time.monotonic() - t0))
        tickets = s.all_tickets()
        numbers = [t.number for t in tickets]
        check(numbers == list(range(1, N + 1)), "ticket numbers are exactly 1..%d" % N,
              "got %d tickets, first %s, last %s" % (len(numbers), numbers[:3], numbers[-3:]))
        origins = Counter(t.origin_message_id for t in tickets)
        doubled = [k for k, v in origins.items() if v > 1]
        check(not doubled, "no external id opened two tickets", doubled[:10])
        missing = set(submitted) - set(origins)
        extra = set(origins) - set(submitted)
        check(not missing and not extra, "ticket origin ids == submitted ids",
              "missing %d (e.g. %s), unexpected %d (e.g. %s)"
              % (len(missing), sorted(missing)[:5], len(extra), sorted(extra)[:5]))

        t0 = time.monotonic()
        wait_until(lambda: s.ack_count() >= N, 120, "%d ack files" % N, system=s, poll=0.1)
        log("outbox reached %d acks %.1fs after the tickets" % (N, time.monotonic() - t0))
        time.sleep(0.5)  # let a wrong extra ack show up
        acks, others, _ = s.outbox_files()
        check(set(acks) == set(range(1, N + 1)) and all(c == 1 for c in acks.values()),
              "one ack file per ticket 1..%d" % N,
              "%d files, unexpected numbers %s" % (sum(acks.values()),
                                                   sorted(set(acks) - set(range(1, N + 1)))[:10]))
        check(not others, "no other files in the outbox", others[:10])
        queued = s.queued_acks()
        check(set(queued) == set(range(1, N + 1)) and all(c == 1 for c in queued.values()),
              "notify's log queued exactly one ack per ticket",
              "%d events, doubled: %s" % (sum(queued.values()),
                                          [k for k, v in queued.items() if v > 1][:10]))
        log("timings: bench %.1fs (%.0f msg/s)" % (bench_s, N / bench_s))
        check(bench_rc == 0, "bench exits 0: every submission was acknowledged",
              "exit %s although the router and notify hold every message (see its summary above)"
              % bench_rc)
    log("test_crash passed")


if __name__ == "__main__":
    run_test(main)

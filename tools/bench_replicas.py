#!/usr/bin/python3
"""What each replica adds (issue 17), for tools/bench-replicas.sh
(docs/benchmarks.md). For each layout, RUNS times, on a fresh system (the
e2e harness's, services from ./build):

  - intake: N tickets from balcao-bench (16 clients x 128 in flight, the
    clients spread over intake's replicas); the rate intake acknowledged
    them durably, with 1 and with 2 intake replicas (one router);
  - notify: N tickets; the time from the first submission until notify
    has delivered every acknowledgement (.eml files), with 1 and 2 notify
    replicas.

  bench_replicas.py [N] [RUNS]
"""

import os
import re
import subprocess
import sys
import time

from harness import BUILD, System, log, wait_until

N = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
KB = {"kb": "    recurring\n        min_tickets = 0"}


def bench(s, wait):
    out = subprocess.run([os.path.join(BUILD, "balcao-bench"), "-c", s.config, "-n", str(N),
                          "-C", "16", "-W", "128"] + ([] if wait else ["--no-wait"]),
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"ack_rate=(\d+)", out).group(1))


def spread(values):
    values = sorted(values)
    return "median %.0f (min %.0f, max %.0f)" % (values[len(values) // 2], values[0], values[-1])


def intake_rate(replicas):
    rates = []
    for _ in range(RUNS):
        with System("rep-intake", replicas={"intake": replicas}, extra_config=KB) as s:
            s.start_all(("intake", "router") + tuple(i for i in s.instances))
            rates.append(bench(s, wait=False))
    return rates


def notify_time(replicas):
    times = []
    for _ in range(RUNS):
        with System("rep-notify", replicas={"notify": replicas}, extra_config=KB) as s:
            s.start_all(("intake", "router", "notify") + tuple(s.instances))
            t0 = time.time()
            bench(s, wait=False)
            wait_until(lambda: s.ack_count() >= N, 600, "every acknowledgement", poll=0.5)
            times.append(time.time() - t0)
    return times


def main():
    print("N=%d tickets, %d runs each" % (N, RUNS))
    for r in (1, 2):
        print("intake x%d: acknowledged %s tickets/s" % (r, spread(intake_rate(r))), flush=True)
    for r in (1, 2):
        t = notify_time(r)
        print("notify x%d: every acknowledgement delivered after %s s (%s acks/s)"
              % (r, spread(t), spread([N / x for x in t])), flush=True)


if __name__ == "__main__":
    main()

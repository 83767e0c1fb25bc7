#!/usr/bin/python3
"""What each replica adds (issue 17), for tools/bench-replicas.sh
(docs/benchmarks.md). For each layout, RUNS times, on a fresh system (the
e2e harness's, services from ./build):

  - intake: N tickets from balcao-bench (16 clients x 128 in flight, the
    clients spread over intake's replicas); the rate intake acknowledged
    them durably, with 1 and with 2 intake replicas (one router);
  - notify: N tickets; the time from the first submission until notify
    has delivered every acknowledgement (.eml files), with 1 and 2 notify
    replicas;
  - kb: the starter articles and N tickets, then the portal's article
    search (GET /api/v1/kb/search, ten queries in turn) at RATE requests/s
    for 15 s (balcao-portal-bench, open loop), with kb alone and with one
    read replica (kb-2) sharing the searches.

  bench_replicas.py [N] [RUNS] [RATE]
"""

import os
import re
import subprocess
import sys
import time

from harness import BUILD, REPO, System, kb_pb2, log, wait_until

ADMIN = "admin:bench@suporte.example"

N = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
RATE = int(sys.argv[3]) if len(sys.argv) > 3 else 1500
KB = {"kb": "    recurring\n        min_tickets = 0",
      "gateway": "    max_connections = 1024\n    max_connections_per_ip = 1024\n"}
QUERIES = ["senha", "boleto", "nota%20fiscal", "acesso%20bloqueado", "cadastro",
           "relatorio", "pagamento", "cancelar", "chamado", "notificacoes"]


def bench(s, wait):
    out = subprocess.run([os.path.join(BUILD, "balcao-bench"), "-c", s.config, "-n", str(N),
                          "-C", "16", "-W", "128"] + ([] if wait else ["--no-wait"]),
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"ack_rate=(\d+)", out).group(1))


def spread(values, fmt="%.0f"):
    values = sorted(values)
    return ("median %s (min %s, max %s)" % (fmt, fmt, fmt)
            % (values[len(values) // 2], values[0], values[-1]))


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


def kb_search(replicas):
    """p50/p99 (ms) and errors of the portal's search at RATE/s."""
    out = []
    for _ in range(RUNS):
        with System("rep-kb", read_replicas={"kb": replicas - 1} if replicas > 1 else None,
                    extra_config=KB) as s:
            s.start_all()
            subprocess.run([os.path.join(BUILD, "balcao"), "-c", s.config, "kb", "import",
                            os.path.join(REPO, "data", "kb"), "--publish"], check=True,
                           capture_output=True, env=dict(os.environ, BALCAO_PRINCIPAL=ADMIN))
            bench(s, wait=False)
            insts = ["kb"] + [i for i in s.instances if i.startswith("kb-")]
            wait_until(lambda: all(s.call(i, kb_pb2.SearchTickets(query="obrigado", limit=1),
                                          principal=ADMIN).estimated >= N * 0.99
                                   for i in insts), 900, "every kb to index the tickets", poll=1)
            time.sleep(3)
            text = subprocess.run([os.path.join(BUILD, "balcao-portal-bench"), "http", "--rate",
                                   str(RATE), "--seconds", "15"] +
                                  [s.http + "/api/v1/kb/search?q=" + q for q in QUERIES],
                                  capture_output=True, text=True).stdout
            m = re.search(r"all: p50=([\d.]+) ms p90=[\d.]+ ms p99=([\d.]+)", text)
            errors = re.search(r"errors (\d+)", text)
            out.append((float(m.group(1)), float(m.group(2)), int(errors.group(1)) if errors else -1))
            log(" / ".join(text.strip().splitlines()[:2]))
    return out


def main():
    print("N=%d tickets, %d runs each" % (N, RUNS))
    for r in (1, 2):
        print("intake x%d: acknowledged %s tickets/s" % (r, spread(intake_rate(r))), flush=True)
    for r in (1, 2):
        t = notify_time(r)
        print("notify x%d: every acknowledgement delivered after %s s (%s acks/s)"
              % (r, spread(t), spread([N / x for x in t])), flush=True)
    for r in (1, 2):
        runs = kb_search(r)
        print("kb x%d (%s), portal search at %d/s: p50 %s ms, p99 %s ms, errors %s"
              % (r, "kb alone" if r == 1 else "kb + kb-2", RATE,
                 spread([x[0] for x in runs], "%.2f"), spread([x[1] for x in runs], "%.2f"),
                 [x[2] for x in runs]), flush=True)


if __name__ == "__main__":
    main()

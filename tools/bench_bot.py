#!/usr/bin/python3
"""The bot's answer time (issue 16; docs/benchmarks.md): kb's AskBot over
the bus, as the bot's caller asks it, on the starter articles (data/kb)
and, when given, more articles (a JSONL file such as the 41 zammad pt-BR
articles of the team's shared data, given by path), with the help-desk set's 106 questions
(tests/data/kb-helpdesk/queries.tsv) and the 25 it cannot answer, asked
in turn N times in all (default 5,000) by C clients at once (default 4),
RUNS times (default 3) on fresh systems. Prints answers/s and p50/p99 of
the time from sending AskBot to its answer, and how the answers split
(answered, handed off and why).

Run through tools/bench-bot.sh (it sets BALCAO_BUILD and PYTHONPATH)."""

import json
import os
import sys
import threading
import time

import zmq

from harness import REPO, System, envelope, kb_pb2

CUSTOMER = "customer:bench@cliente.example"


def questions():
    out = []
    for name in ("queries.tsv", "unanswerable.tsv"):
        with open(os.path.join(REPO, "tests", "data", "kb-helpdesk", name), encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 2:
                    out.append(cols[1])
    return out


def one_run(n, clients, qs, more):
    with System("bench_bot") as s:
        s.start_all(("intake", "router", "kb"))
        for src in [os.path.join(REPO, "data", "kb")] + ([more] if more else []):
            r = s.run_tool("balcao", ("kb", "import", src, "--publish"),
                           env={"BALCAO_PRINCIPAL": "agent:bench@balcao.test"}, timeout=300)
            if r.returncode not in (0, 2):
                raise SystemExit("import of %s failed: %s" % (src, r.stderr.decode()))
        s.call("kb", kb_pb2.AskBot(question="esqueci minha senha"), principal=CUSTOMER)  # warm
        latencies, why, lock = [], {}, threading.Lock()

        def worker(k):
            sock = s.dealer("kb")
            mine, counts = [], {}
            for i in range(k, n, clients):
                env = envelope(kb_pb2.AskBot(question=qs[i % len(qs)]), None, CUSTOMER)
                start = time.perf_counter()
                sock.send_multipart([b"", env.SerializeToString()])
                if not sock.poll(10000):
                    raise SystemExit("kb did not answer in 10 s")
                frames = sock.recv_multipart()
                mine.append(time.perf_counter() - start)
                reply = type(env).FromString(frames[-1])
                ans = kb_pb2.BotAnswer.FromString(reply.payload)
                key = ans.handoff or "answered"
                counts[key] = counts.get(key, 0) + 1
            sock.close(0)
            with lock:
                latencies.extend(mine)
                for key, c in counts.items():
                    why[key] = why.get(key, 0) + c

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        latencies.sort()
        return (n / elapsed, latencies[len(latencies) // 2] * 1e3,
                latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3, why)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    more = sys.argv[4] if len(sys.argv) > 4 else None
    if more and not os.path.isfile(more):
        raise SystemExit("no articles file %s" % more)
    qs = questions()
    results = []
    for r in range(runs):
        rate, p50, p99, why = one_run(n, clients, qs, more)
        print("run %d: %d questions from %d clients: %.0f answers/s, p50 %.2f ms, p99 %.2f ms; %s"
              % (r + 1, n, clients, rate, p50, p99, json.dumps(why, sort_keys=True)), flush=True)
        results.append((rate, p99))
    print("spread over %d runs: %.0f–%.0f answers/s, p99 %.2f–%.2f ms"
          % (runs, min(x[0] for x in results), max(x[0] for x in results),
             min(x[1] for x in results), max(x[1] for x in results)))


if __name__ == "__main__":
    main()

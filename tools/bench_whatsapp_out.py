#!/usr/bin/python3
"""WhatsApp sends through notify, per second (issue 16's target: >= 500/s).
(The webhook's figures, inbound, are tools/bench_whatsapp.py's.)

Starts intake and router from the build directory with notify pointed at the
Graph API stand-in (tests/e2e/graph_standin.py, which checks each request's
token and shape against the documented request shapes in SHAPES, the
directory given on the command line (the team's shared data has one, whatsapp/send), and
answers as Meta does); opens N WhatsApp tickets (intake Submit, channel "whatsapp", N
different numbers) while notify is stopped; then starts notify and times
its WhatsApp acknowledgements from the first request the stand-in receives
to the N-th one it accepts: notify's outbox (one transaction marks a group
"sending", the worker POSTs it on one kept-alive connection, journals each
wamid, the next transaction records the group) at full speed. Repeats RUNS
times (a fresh system each run) and prints each run and the median.

    BALCAO_BUILD=build /usr/bin/python3 tools/bench_whatsapp_out.py SHAPES [N] [RUNS] [BATCH]
"""
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import harness  # noqa: E402
from harness import System, wait_until  # noqa: E402
from balcao.v1 import intake_pb2  # noqa: E402

TOKEN = "bench-token"


def count(url):
    with urllib.request.urlopen(url + "/_count", timeout=5) as r:
        return json.loads(r.read())


def one_run(n, batch, shapes):
    with System("bench_whatsapp_out") as s:
        standin = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "..", "tests", "e2e", "graph_standin.py"),
             "--token", TOKEN, "--data", shapes],
            stdout=subprocess.PIPE, preexec_fn=harness._die_with_parent)
        try:
            url = "http://127.0.0.1:%d" % int(standin.stdout.readline().split()[1])
            token_file = os.path.join(s.dir, "token")
            with open(token_file, "w") as f:
                f.write(TOKEN + "\n")
            # Tickets, not the bot: every message opens one.
            s.extra_config = {"router": '    bot\n        enabled = "no"', "notify": "\n".join([
                "    whatsapp",
                '        api_url = "%s/v21.0"' % url,
                '        phone_number_id = "106540352242922"',
                '        token_file = "%s"' % token_file,
                "        batch = %d" % batch])}
            s.write_config()
            for svc in ("intake", "router"):
                s.start(svc)
            for i in range(n):
                s.call("intake", intake_pb2.Submit(
                    channel="whatsapp", external_id="wamid.BENCH%06d" % i,
                    from_address="whatsapp:+55119%08d" % i, from_name="Cliente %d" % i,
                    subject="Pedido %d" % i, body="Meu pedido %d não chegou" % i))
            wait_until(lambda: s.ticket_total() >= n, 120, "the router opened every ticket")
            t0 = time.time()
            s.start("notify")
            wait_until(lambda: count(url)["ok"] >= n, 300, "every acknowledgement accepted",
                       poll=0.05)
            c = count(url)
            elapsed = c["last_ok"] - c["first"]
            return n / elapsed, c["requests"], time.time() - t0
        finally:
            standin.kill()
            standin.wait()


def main():
    if len(sys.argv) < 2 or not os.path.isdir(sys.argv[1]):
        raise SystemExit("usage: bench_whatsapp_out.py SHAPES [N] [RUNS] [BATCH]  (SHAPES: the "
                         "documented Graph API request shapes, e.g. whatsapp/send of the team's shared data)")
    shapes = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    rates = []
    for r in range(runs):
        rate, requests, wall = one_run(n, batch, shapes)
        rates.append(rate)
        print("run %d: %d sends accepted (%d requests) in %.2f s of sending: %.0f sends/s "
              "(notify start to last: %.2f s)" % (r + 1, n, requests, n / rate, rate, wall),
              flush=True)
    print("median %.0f sends/s over %d runs (min %.0f, max %.0f), N=%d, batch=%d"
          % (statistics.median(rates), runs, min(rates), max(rates), n, batch))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The WhatsApp webhook's figures (issue 16; docs/benchmarks.md): N signed
POSTs (default 2,000), each one customer message, from C keep-alive
clients (default 16) against the real gateway, which answers 200 only
after intake has stored the message durably; RUNS times (default 3), each
on a fresh system. Prints POSTs/s and p50/p99 per run, and the spread.

Run through tools/bench-whatsapp.sh (it sets BALCAO_BUILD and PYTHONPATH).
The load generator is Python (threads, http.client): on a 2-core machine
it shares the cores with the services it measures."""

import hashlib
import hmac
import http.client
import json
import os
import sys
import tempfile
import threading
import time

from harness import System

SECRET = b"bench-whatsapp-app-secret-32byte"


def body(i):
    customer = "55119%08d" % (i % 50)
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "contacts": [{"profile": {"name": "Cliente %d" % (i % 50)}, "wa_id": customer}],
            "messages": [{"from": customer, "id": "wamid.bench.%d.%d" % (os.getpid(), i),
                          "timestamp": str(int(time.time())), "type": "text",
                          "text": {"body": "Bom dia, a nota fiscal %d não sai" % i}}]}}]}]}).encode()


def one_run(n, clients, secret_file):
    config = {"gateway": '    whatsapp\n        verify_token = "bench"\n'
                         '        app_secret_file = "%s"\n' % secret_file}
    with System("bench_whatsapp", extra_config=config) as s:
        s.start_all()
        bodies = [body(i) for i in range(n)]
        signatures = ["sha256=" + hmac.new(SECRET, b, hashlib.sha256).hexdigest() for b in bodies]
        latencies, lock, bad = [], threading.Lock(), [0]

        def worker(k):
            conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=30)
            mine = []
            for i in range(k, n, clients):
                start = time.perf_counter()
                conn.request("POST", "/webhooks/whatsapp", bodies[i],
                             {"Content-Type": "application/json",
                              "X-Hub-Signature-256": signatures[i]})
                resp = conn.getresponse()
                resp.read()
                mine.append(time.perf_counter() - start)
                if resp.status != 200:
                    with lock:
                        bad[0] += 1
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        latencies.sort()
        stored = s.head_seq("intake")
        return (n / elapsed, latencies[len(latencies) // 2] * 1e3,
                latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3, bad[0], stored)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    d = tempfile.mkdtemp(prefix="bench-whatsapp-")
    secret_file = os.path.join(d, "app_secret")
    with open(secret_file, "wb") as f:
        f.write(SECRET)
    os.chmod(secret_file, 0o600)
    results = []
    for r in range(runs):
        rate, p50, p99, bad, stored = one_run(n, clients, secret_file)
        print("run %d: %d POSTs from %d clients: %.0f/s, p50 %.1f ms, p99 %.1f ms, non-200 %d, "
              "intake's log head %d" % (r + 1, n, clients, rate, p50, p99, bad, stored), flush=True)
        results.append((rate, p50, p99))
    print("spread over %d runs: %.0f–%.0f POSTs/s, p99 %.1f–%.1f ms"
          % (runs, min(x[0] for x in results), max(x[0] for x in results),
             min(x[2] for x in results), max(x[2] for x in results)))


if __name__ == "__main__":
    main()

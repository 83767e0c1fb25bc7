#!/usr/bin/python3
"""The portal's figures for tools/bench-portal.sh (docs/benchmarks.md).

Starts the five services from ./build (the e2e harness's System: a fresh
directory, free loopback ports), stores N tickets (balcao-bench), signs a
customer in through the mailed link (tests/e2e/portal.py), then with
build/balcao-portal-bench, RUNS times each:
  - suggest alone at RATE requests/s (different queries in turn);
  - mixed list / ticket / suggest at RATE requests/s, when the build has
    the tickets room (GET /api/v1/tickets answers 200);
  - STREAMS SSE connections of that customer and an agent's reply to their
    ticket, 20 times: reply-to-stream latency over every stream;
  - STREAMS SSE connections of PEOPLE (50) different customers (STREAMS/PEOPLE
    each), the reply to the first one's ticket: its latency to that
    customer's streams while the gateway watches every other person too.

  bench_portal.py [N] [RATE] [STREAMS] [RUNS] [PEOPLE]
Environment: BALCAO_BUILD (default build), PYTHONPATH with build/python and
tests/e2e (bench-portal.sh sets both).
"""

import os
import subprocess
import sys
import time

from harness import BUILD, System, kb_pb2, log, router_pb2, wait_until
from portal import sign_in

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
RATE = int(sys.argv[2]) if len(sys.argv) > 2 else 500
STREAMS = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
RUNS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
PEOPLE = int(sys.argv[5]) if len(sys.argv) > 5 else 50
CUSTOMER = "cliente.portal@empresa.com.br"
TOOL = os.path.join(BUILD, "balcao-portal-bench")
QUERIES = ["senha", "boleto", "nota fiscal", "acesso bloqueado", "trocar email",
           "relatorio", "pagamento", "cancelar"]

CONFIG = {
    "gateway": "\n".join([
        "    max_connections = %d" % (STREAMS + 512),
        "    max_connections_per_ip = %d" % (STREAMS + 512),
        "    sse_per_session = %d" % (STREAMS + 16),
        "    sse_max_streams = %d" % (STREAMS + 16),
        "    connection_timeout_s = 60",
        "    mails_per_address_hour = 50",
        "    mails_per_ip_hour = 100000",
    ]) + "\n",
}


def tool(args):
    print("load average (1/5/15 min): %.1f %.1f %.1f" % os.getloadavg(), flush=True)
    log("$ balcao-portal-bench " + " ".join(a if len(a) < 60 else a[:40] + "…" for a in args))
    out = subprocess.run([TOOL] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = out.stdout.decode()
    print(text, end="", flush=True)
    return text


def main():
    with System("bench_portal", extra_config=CONFIG) as s:
        s.start_all()
        print("machine: %d cores, %s" % (os.cpu_count(), os.uname().release), flush=True)
        log("storing %d tickets" % N)
        t0 = time.monotonic()
        subprocess.run([os.path.join(BUILD, "balcao-bench"), "-c", s.config, "-n", str(N), "-C", "16",
                        "-W", "128", "--no-wait"], check=True, stdout=subprocess.DEVNULL)
        for i in range(20):
            s.submit_api("portal-%d" % i, "Pedido %d: boleto e nota fiscal" % i,
                         "Preciso da segunda via do boleto %d." % i, from_address=CUSTOMER,
                         from_name="Cliente Portal")
        wait_until(lambda: s.ticket_total() >= N + 20, 900, "the router to have every ticket", system=s)
        log("%d tickets at the router in %.0f s" % (N + 20, time.monotonic() - t0))

        def kb_done():
            r = s.call("kb", kb_pb2.SearchTickets(query="obrigado", limit=1), principal="agent:bench")
            return r.estimated >= N * 0.99
        wait_until(kb_done, 900, "kb to index the tickets", system=s)
        # Then until every consumer is idle (notify's acknowledgements, kb's
        # index): their heads stay put for 3 s.
        last = None
        while True:
            heads = [s.head_seq(svc) for svc in ("intake", "router", "kb", "notify")]
            if heads == last:
                break
            last = heads
            time.sleep(3)
        log("every service idle after %.0f s" % (time.monotonic() - t0))
        s.call("kb", kb_pb2.ImportArticles(articles=[
            kb_pb2.Article(id="artigo-%d" % i, title="Como resolver %s" % q, type="faq",
                           category="geral", audience="publico",
                           body="Passo a passo para %s no portal do cliente." % q)
            for i, q in enumerate(QUERIES)], publish=True), principal="agent:bench")
        p = sign_in(s, CUSTOMER)
        cookie = "Cookie: " + "; ".join("%s=%s" % (c.name, c.value) for c in p.jar)
        mine = [t for t in s.all_tickets() if t.customer_address == CUSTOMER]
        number = mine[0].number
        base = s.http + "/api/v1"
        suggest = [base + "/kb/suggest?q=" + q.replace(" ", "%20") for q in QUERIES]
        time.sleep(3)

        for run in range(1, RUNS + 1):
            print("== suggest alone, %d/s, run %d ==" % (RATE, run), flush=True)
            tool(["http", "--rate", str(RATE), "--seconds", "20", "-H", cookie] + suggest)
        status = p.get("/tickets")[0]
        if status == 200:
            mixed = [base + "/tickets", base + "/tickets/%d" % number] + suggest[:1]
            for run in range(1, RUNS + 1):
                print("== mixed list/ticket/suggest, %d/s, run %d ==" % (RATE, run), flush=True)
                tool(["http", "--rate", str(RATE), "--seconds", "20", "-H", cookie] + mixed)
        else:
            print("== mixed: skipped, GET /api/v1/tickets answers %d in this build "
                  "(the tickets room is not here) ==" % status, flush=True)
        for run in range(1, RUNS + 1):
            print("== SSE: %d streams of one customer, agent reply to every stream, run %d =="
                  % (STREAMS, run), flush=True)
            tool(["sse", "-c", s.config, "-n", str(STREAMS), "--rounds", "20", "--ticket",
                  str(number), "-H", cookie, base + "/events"])
            time.sleep(2)
        log("signing in %d more customers" % (PEOPLE - 1))
        t1 = time.monotonic()
        jars = [cookie[len("Cookie: "):]]
        for i in range(1, PEOPLE):
            other = sign_in(s, "pessoa%d@empresa%d.com.br" % (i, i % 7))
            jars.append("; ".join("%s=%s" % (c.name, c.value) for c in other.jar))
        log("signed in in %.0f s" % (time.monotonic() - t1))
        cookies = os.path.join(s.dir, "cookies.txt")
        with open(cookies, "w") as f:
            f.write("\n".join(jars) + "\n")
        for run in range(1, RUNS + 1):
            print("== SSE: %d streams of %d people, reply to one of them, run %d =="
                  % (STREAMS, PEOPLE, run), flush=True)
            tool(["sse", "-c", s.config, "-n", str(STREAMS), "--rounds", "20", "--ticket",
                  str(number), "--cookies", cookies, base + "/events"])
            time.sleep(2)
        rss = open("/proc/%d/status" % s.procs["gateway"].pid).read()
        print("gateway: " + " ".join(l.split(":")[0] + "=" + l.split(":")[1].strip()
                                     for l in rss.splitlines() if l.startswith(("VmRSS", "Threads"))),
              flush=True)


if __name__ == "__main__":
    main()

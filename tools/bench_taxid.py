#!/usr/bin/python3
"""Finding a customer by CPF or CNPJ (router ListPeople.query), for
tools/bench-taxid.sh (docs/benchmarks.md).

Starts the router from ./build (the e2e harness's System), registers N
customers with valid CPFs (UpsertPerson, WINDOW at a time over DEALER
sockets), then times ListPeople {kind: "customer", query} from the client,
REPEAT times each, for the CPF without punctuation, formatted, and a
prefix; prints the median and the slowest.

  bench_taxid.py [N] [REPEAT]
"""

import statistics
import sys
import time

from harness import System, log
from balcao.v1 import router_pb2

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
REPEAT = int(sys.argv[2]) if len(sys.argv) > 2 else 20
ADMIN = "admin:root@suporte.example"


def cpf(n):
    """The n-th valid CPF (nine digits of n, then the two check digits)."""
    d = [int(c) for c in "%09d" % (n * 7919 % 10**9)]
    for size in (9, 10):
        s = sum(v * w for v, w in zip(d, range(size + 1, 1, -1)))
        d.append(0 if s % 11 < 2 else 11 - s % 11)
    return "".join(map(str, d))


def main():
    with System("bench-taxid") as s:
        s.start("router")
        t0 = time.time()
        for i in range(1, N + 1):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id="customer:cliente%d@bench.example" % i, name="Cliente %d" % i,
                email="cliente%d@bench.example" % i, tax_id=cpf(i))), principal=ADMIN,
                timeout=10)
        log("%d customers in %.1f s" % (N, time.time() - t0))
        target = cpf(N // 2)
        shown = "%s.%s.%s-%s" % (target[:3], target[3:6], target[6:9], target[9:])
        for what, query in (("no punctuation", target), ("formatted", shown),
                            ("a prefix", shown[:7])):
            times, hits = [], 0
            for _ in range(REPEAT):
                t = time.perf_counter()
                r = s.call("router", router_pb2.ListPeople(kind="customer", query=query),
                           principal=ADMIN, timeout=10)
                times.append((time.perf_counter() - t) * 1000)
                hits = len(r.people)
            print("%-15s %-16s hits=%d median=%.1f ms max=%.1f ms (%d runs)" % (
                what, query, hits, statistics.median(times), max(times), REPEAT))


if __name__ == "__main__":
    main()

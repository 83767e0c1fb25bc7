#!/usr/bin/python3
"""Measures the router's timers and queue for tools/bench-timers.sh.

  bench_timers.py queue  ENDPOINT N      p50/p99 of GetQueue (N1, 50 tickets), N calls
  bench_timers.py breach EVENTS SECONDS  lateness of SlaBreached events seen on the
                                         router's event socket for SECONDS
Needs PYTHONPATH=build/python and Debian's python3-zmq / python3-protobuf.
"""
import sys
import time
import uuid

import zmq
from balcao.v1 import bus_pb2, router_pb2


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def queue(endpoint, n):
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.connect(endpoint)
    lat = []
    total = 0
    for _ in range(n):
        req = router_pb2.GetQueue(tier="N1", limit=50)
        env = bus_pb2.Envelope(id=uuid.uuid4().hex, type=req.DESCRIPTOR.full_name, source="bench",
                               principal="agent:bench", payload=req.SerializeToString())
        t0 = time.perf_counter()
        sock.send_multipart([b"", env.SerializeToString()])
        reply = bus_pb2.Envelope.FromString(sock.recv_multipart()[-1])
        lat.append((time.perf_counter() - t0) * 1000)
        total = len(router_pb2.TicketList.FromString(reply.payload).tickets)
    print("queue N1 (limit 50, %d tickets returned): p50=%.2f ms p99=%.2f ms max=%.2f ms over %d calls"
          % (total, pct(lat, 0.5), pct(lat, 0.99), max(lat), n))


def breach(endpoint, seconds):
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.RCVHWM, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(endpoint)
    late = []
    end = time.time() + seconds
    while time.time() < end:
        if not sub.poll(500):
            continue
        env = bus_pb2.Envelope.FromString(sub.recv())
        if env.type == "balcao.v1.SlaBreached":
            ev = router_pb2.SlaBreached.FromString(env.payload)
            late.append((env.time_us - ev.due_us) / 1000)
    if late:
        print("breaches seen: %d; noticed after the deadline: p50=%.0f ms p99=%.0f ms max=%.0f ms"
              % (len(late), pct(late, 0.5), pct(late, 0.99), max(late)))
    else:
        print("no breach seen")


if __name__ == "__main__":
    if sys.argv[1] == "queue":
        queue(sys.argv[2], int(sys.argv[3]))
    else:
        breach(sys.argv[2], float(sys.argv[3]))

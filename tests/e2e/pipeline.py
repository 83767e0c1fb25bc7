"""Load for tests and benchmarks that need thousands of tickets quickly:
balcao-bench opening them, and many requests to one service at once (a
DEALER keeps `window` in flight; ids its own, so a lost reply is sent again
with the same id: applied once)."""

import os
import subprocess
import time
import uuid

from harness import BUILD
from balcao.v1 import bus_pb2


def bench_tickets(s, n, clients=16, window=128):
    """balcao-bench submits n tickets (intake's Submit) and returns without
    waiting for the router to open them."""
    subprocess.run([os.path.join(BUILD, "balcao-bench"), "-c", s.config, "-n", str(n),
                    "-C", str(clients), "-W", str(window), "--no-wait"], check=True,
                   stdout=subprocess.DEVNULL)


def pipeline(s, svc, requests, window=256):
    """Sends (principal, message) pairs; returns (errors, seconds)."""
    sock = s.dealer(svc)
    pending, sent, done, errors = {}, 0, 0, 0
    started = time.time()
    while done < len(requests):
        while sent < len(requests) and len(pending) < window:
            principal, msg = requests[sent]
            env = bus_pb2.Envelope(id=uuid.uuid4().hex, type=msg.DESCRIPTOR.full_name,
                                   source="bench", principal=principal,
                                   payload=msg.SerializeToString())
            pending[env.id] = env
            sock.send_multipart([b"", env.SerializeToString()])
            sent += 1
        if not sock.poll(10000):
            for env in pending.values():  # a lost reply: the same id again
                sock.send_multipart([b"", env.SerializeToString()])
            continue
        reply = bus_pb2.Envelope.FromString(sock.recv_multipart()[-1])
        if pending.pop(reply.correlation_id, None) is not None:
            done += 1
            errors += reply.type == bus_pb2.Error.DESCRIPTOR.full_name
    sock.close()
    return errors, time.time() - started

#!/usr/bin/python3
"""kb's deflection counters, asked on the bus as an agent would:

    kb_deflection.py KB_ENDPOINT [ARTICLE]

prints {"opened", "deflected", "sent_after_opening"} (the totals, or one
article's) as JSON. For the browser flows (no CURVE in their System); the
generated protobuf modules come from $BALCAO_BUILD/python."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import zmq  # noqa: E402

from harness import decode_reply, envelope  # noqa: E402
from balcao.v1 import bus_pb2, kb_pb2  # noqa: E402


def main():
    endpoint = sys.argv[1]
    article = sys.argv[2] if len(sys.argv) > 2 else ""
    env = envelope(kb_pb2.GetDeflection(article=article), principal="agent:ana@balcao.test")
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    sock.send(env.SerializeToString())
    if not sock.poll(5000, zmq.POLLIN):
        sys.exit("kb did not answer within 5 s")
    reply = bus_pb2.Envelope.FromString(sock.recv())
    if reply.type == bus_pb2.Error.DESCRIPTOR.full_name:
        err = bus_pb2.Error.FromString(reply.payload)
        sys.exit("kb refused: %s: %s" % (err.code, err.message))
    counts = decode_reply(reply)
    json.dump({"opened": counts.opened, "deflected": counts.deflected,
               "sent_after_opening": counts.sent_after_opening}, sys.stdout)
    sock.close()
    ctx.term()


if __name__ == "__main__":
    main()

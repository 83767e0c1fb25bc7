#!/usr/bin/python3
"""Open a Balcão ticket from another system, in Python.

What another system needs: python3-zmq, python3-protobuf, and the contract in
proto/balcao/v1/. This script imports the generated modules if they are on
PYTHONPATH (e.g. PYTHONPATH=build/python) and otherwise generates them with
`protoc` into a temporary directory.

    ./submit_ticket.py --endpoint tcp://127.0.0.1:7101 \\
        --from ana@example.com --name "Ana Souza" \\
        --subject "Nota fiscal não emitida" --body "A nota do pedido 123 não saiu."

The submission is idempotent twice over:
  - the envelope id is the request's idempotency key: on a timeout we resend
    the same bytes (same id), so intake applies it at most once;
  - --external-id is your own id for the message: submitting it again (even a
    day later, from another process) gets duplicate=true and no new ticket.
    Later, ListTickets / GetTicket show it as the ticket's origin_message_id.

Exit status: 0 accepted (or duplicate), 1 rejected by intake, 75 no answer.

Without ZeroMQ: http_submit.py opens the same ticket over HTTP with a token
(docs/API.md, "Systems").
"""

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import zmq


def load_protos():
    """Returns (bus_pb2, intake_pb2), generating them with protoc if needed."""
    try:
        from balcao.v1 import bus_pb2, intake_pb2
    except ImportError:
        proto_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto")
        out = tempfile.mkdtemp(prefix="balcao-pb2-")
        atexit.register(shutil.rmtree, out, True)
        subprocess.run(["protoc", "-I", proto_dir, "--python_out", out,
                        "balcao/v1/bus.proto", "balcao/v1/intake.proto"], check=True)
        sys.path.insert(0, out)
        from balcao.v1 import bus_pb2, intake_pb2
    return bus_pb2, intake_pb2


def request(endpoint, frame, timeout_s, tries):
    """Lazy Pirate: a REQ socket that waits `timeout_s` for the reply; on a
    timeout it is closed (a REQ socket cannot send twice in a row) and the
    same frame is sent again on a new one. Returns the reply bytes or None."""
    ctx = zmq.Context.instance()
    for attempt in range(1, tries + 1):
        sock = ctx.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)  # do not hang on exit with unsent data
        sock.connect(endpoint)
        try:
            sock.send(frame)  # REQ adds the empty delimiter frame itself
            if sock.poll(int(timeout_s * 1000), zmq.POLLIN):
                return sock.recv()
            print("no reply in %.1fs (try %d of %d)" % (timeout_s, attempt, tries), file=sys.stderr)
        finally:
            sock.close()
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", default="tcp://127.0.0.1:7101", help="intake's command endpoint")
    p.add_argument("--from", dest="from_address", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--subject", required=True)
    p.add_argument("--body", required=True)
    p.add_argument("--external-id", default=None, help="your id for this message (default: random)")
    p.add_argument("--principal", default="service:example")
    p.add_argument("--timeout", type=float, default=2.5, help="seconds to wait for each try")
    p.add_argument("--tries", type=int, default=3)
    args = p.parse_args()
    bus_pb2, intake_pb2 = load_protos()

    external_id = args.external_id or "example-%s" % uuid.uuid4().hex
    submit = intake_pb2.Submit(
        channel="api", external_id=external_id, from_address=args.from_address,
        from_name=args.name, subject=args.subject, body=args.body, language="pt-BR")
    env = bus_pb2.Envelope(
        id=uuid.uuid4().hex,                       # idempotency key, kept for retries
        type=submit.DESCRIPTOR.full_name,          # "balcao.v1.Submit"
        source="example-submit-ticket",
        time_us=time.time_ns() // 1000,
        principal=args.principal,
        payload=submit.SerializeToString())

    raw = request(args.endpoint, env.SerializeToString(), args.timeout, args.tries)
    if raw is None:
        print("intake did not answer at %s; try again later" % args.endpoint, file=sys.stderr)
        return 75
    reply = bus_pb2.Envelope.FromString(raw)
    if reply.type == bus_pb2.Error.DESCRIPTOR.full_name:
        err = bus_pb2.Error.FromString(reply.payload)
        print("rejected: %s: %s" % (err.code, err.message), file=sys.stderr)
        return 1
    ok = intake_pb2.SubmitReply.FromString(reply.payload)
    print("accepted external_id=%s message_ref=%s duplicate=%s ticket=%d"
          % (external_id, ok.message_ref, str(ok.duplicate).lower(), ok.ticket))
    return 0


if __name__ == "__main__":
    sys.exit(main())

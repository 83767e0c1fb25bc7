#!/usr/bin/python3
"""Receive Balcão's signed webhooks in another system, in Python.

What another system needs: Python 3 alone (http.server, hmac). Balcão's
notify POSTs one JSON document per router event the subscription chose
(docs/API.md, "Webhooks"), with these headers:

    X-Balcao-Event:     ticket.created, ticket.status_changed, ...
    X-Balcao-Delivery:  w<seq>-<subscription>, the same on every retry
    X-Balcao-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">

This receiver does what every subscriber should:
  - checks the signature with the shared secret (the first line of the
    subscription's secret_file) over the raw body, in constant time;
  - refuses a timestamp more than --tolerance seconds (300) away from now,
    so a captured request cannot be replayed later;
  - dedupes by X-Balcao-Delivery: a retry of a delivery it already took
    (notify did not read the answer, a timeout, a restart) is answered 200
    and not handled twice (kept in memory here; keep it in your database);
  - answers at once with 2xx, then prints the event.

    ./webhook_receiver.py --port 8088 --secret-file /etc/balcao/crm.secret

and in balcao.cfg:

    notify
        webhooks
            crm
                url = "http://127.0.0.1:8088/balcao"
                secret_file = "/etc/balcao/crm.secret"
                events = "ticket_created ticket_status_changed message_appended"

Answers: 204 taken (or taken before), 401 a bad or stale signature (notify
makes a dead letter of it: fix the secret, then `balcao outbox resend ID`),
400 not JSON. A 5xx or no answer would make notify try again later.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time


def verify(secret, header, body, tolerance_s, now=None):
    """None when the signature header is Balcão's for this body and fresh,
    else what is wrong."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        t = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        return "no signature"
    if abs((now or time.time()) - t) > tolerance_s:
        return "stale timestamp"
    expected = hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        return "bad signature"
    return None


def describe(event):
    """One line for a person."""
    d = event.get("data", {})
    what = event.get("type", "?")
    if what == "ticket.created":
        extra = "%s <%s>" % (d.get("subject", ""), d.get("customer", {}).get("address", ""))
    elif what == "ticket.status_changed":
        extra = "%s -> %s" % (d.get("from", ""), d.get("to", ""))
    elif what == "ticket.message_appended":
        extra = "%s: %s" % (d.get("message", {}).get("direction", ""),
                            d.get("message", {}).get("body", "")[:60])
    else:
        extra = json.dumps(d, ensure_ascii=False)[:80]
    return "%s #%s %s %s" % (event.get("time", ""), event.get("ticket", "?"), what, extra)


def make_handler(secret, tolerance_s, seen, lock):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            problem = verify(secret, self.headers.get("X-Balcao-Signature", ""), body,
                             tolerance_s)
            if problem:
                print("refused: %s" % problem, file=sys.stderr)
                return self.answer(401)
            try:
                event = json.loads(body)
            except ValueError:
                return self.answer(400)
            delivery = self.headers.get("X-Balcao-Delivery", "")
            with lock:
                is_new = delivery not in seen
                seen.add(delivery)
            self.answer(204)
            if is_new:
                print(describe(event), flush=True)
            else:
                print("(again: %s, already handled)" % delivery, file=sys.stderr)

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8088)
    ap.add_argument("--secret-file", required=True,
                    help="the subscription's secret_file (its first line is the secret)")
    ap.add_argument("--tolerance", type=int, default=300,
                    help="refuse timestamps further than this from now, in seconds")
    args = ap.parse_args()
    with open(args.secret_file, "rb") as f:
        secret = f.readline().rstrip(b"\r\n")
    server = http.server.ThreadingHTTPServer(
        (args.address, args.port), make_handler(secret, args.tolerance, set(), threading.Lock()))
    print("listening on http://%s:%d/" % server.server_address, file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

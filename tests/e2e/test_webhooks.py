#!/usr/bin/python3
"""Signed outbound webhooks (notify's third transport), as another system
receives them: a small receiver here (an http.server thread) checks each
POST exactly as a subscriber would (the HMAC-SHA256 of "<t>.<body>" with
the shared secret, a timestamp no older than 5 minutes), dedupes by
X-Balcao-Delivery, and fails on demand.

Proves:
- a ticket's creation, its status changes and an agent's public reply
  reach the subscriber once each, signed, in the router's order; the
  agent's internal note does not (the subscriber is outside the team);
- a 500 twice, then 200: retried, delivered once (three POSTs with the same
  X-Balcao-Delivery, NotificationDelivered after 3 attempts);
- a 410: a dead letter in `balcao outbox mortas` with the status and the
  answer's first bytes, recipient the subscription's name;
- an answer slower than the subscription's timeout_ms: tried again, and
  delivered (the receiver saw the same X-Balcao-Delivery twice and kept one);
- notify killed with -9 in the middle of a burst of 50 events and
  restarted: every event delivered; duplicates (by X-Balcao-Delivery) at
  most the one POST in flight, counted and printed;
- deliveries per second from notify's start with a backlog (printed);
- the secrets never appear in notify's log;
- examples/python/webhook_receiver.py, subscribed too, verifies and prints
  the events.
"""

import hashlib
import hmac
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

import harness
from harness import System, check, log, run_test, wait_until
from balcao.v1 import notify_pb2, router_pb2

AGENT = "agent:ana@suporte.example"
SECRETS = {"crm": "whsec-crm-7f3a9c1e5b2d4a60", "ops": "whsec-ops-0b1c2d3e4f5a6b7c",
           "example": "whsec-example-5e6f7a8b9c0d"}
EXAMPLE = os.path.join(harness.REPO, "examples", "python", "webhook_receiver.py")
TOLERANCE_S = 300


class Receiver:
    """The subscriber's side: one path per subscription (/crm, /ops)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # every POST: {path, headers, body, verified, status}
        self.plan = {}      # path -> statuses to answer before 200
        self.delay = {}     # path -> seconds to wait before answering (next request only)
        self.slow_each = {} # path -> seconds before every answer
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # Headers and body are two writes: without this, Nagle and
                # the client's delayed ACK add 40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                name = self.path.strip("/")
                verified = verify(SECRETS.get(name, ""), self.headers.get("X-Balcao-Signature", ""),
                                  body)
                with receiver.lock:
                    plan = receiver.plan.get(self.path) or []
                    status = plan.pop(0) if plan else 200
                    wait = receiver.delay.pop(self.path, 0) + receiver.slow_each.get(self.path, 0)
                    receiver.requests.append({
                        "path": self.path, "headers": dict(self.headers), "body": body,
                        "verified": verified, "status": status, "at": time.monotonic()})
                if wait:
                    time.sleep(wait)
                answer = b"gone: this endpoint was retired\nsee the docs" if status == 410 else b"ok"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    if status == 500:
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def got(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def events(self, path):
        """The documents a deduplicating subscriber keeps: the first POST of
        each X-Balcao-Delivery that was answered 2xx, in arrival order."""
        seen, out = set(), []
        for r in self.got(path):
            d = r["headers"].get("X-Balcao-Delivery")
            if r["status"] == 200 and d not in seen:
                seen.add(d)
                out.append(dict(json.loads(r["body"]), _delivery=d, _req=r))
        return out

    def stop(self):
        self.server.shutdown()


def verify(secret, header, body):
    """What a subscriber does with X-Balcao-Signature: True when it is ours
    and fresh."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - t) > TOLERANCE_S:
        return False
    mac = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts.get("v1", ""))


def main():
    receiver = Receiver()
    try:
        with System("webhooks") as s:
            run(s, receiver)
    finally:
        receiver.stop()


def created(receiver, subject, path="/crm"):
    for e in receiver.events(path):
        if e["type"] == "ticket.created" and e["data"]["subject"] == subject:
            return e
    return None


def delivered_event(s, nid):
    for env in s.replay("notify"):
        if env.type == notify_pb2.NotificationDelivered.DESCRIPTOR.full_name:
            d = notify_pb2.NotificationDelivered.FromString(env.payload)
            if d.notification_id == nid:
                return d
    return None


def run(s, receiver):
    example_port = harness.free_port()
    example_out = open(os.path.join(s.dir, "example.out"), "w")
    example = subprocess.Popen(
        [sys.executable, EXAMPLE, "--port", str(example_port), "--secret-file",
         os.path.join(s.dir, "example.secret")], stdout=example_out, stderr=subprocess.STDOUT,
        preexec_fn=harness._die_with_parent)
    try:
        run_with(s, receiver, "http://127.0.0.1:%d" % example_port, example_out.name)
    finally:
        example.kill()
        example.wait()
        example_out.close()


def run_with(s, receiver, example_url, example_out):
    lines = ["    webhooks"]
    for name, events, timeout in (
            ("crm", "ticket_created ticket_status_changed message_appended", 5000),
            ("ops", "ticket_created", 1000),
            ("example", "ticket_created ticket_status_changed", 5000)):
        secret_file = os.path.join(s.dir, "%s.secret" % name)
        with open(secret_file, "w") as f:
            f.write(SECRETS[name] + "\n")
        url = example_url + "/balcao" if name == "example" else "%s/%s" % (receiver.url, name)
        lines += ["        %s" % name,
                  '            url = "%s"' % url,
                  '            secret_file = "%s"' % secret_file,
                  '            events = "%s"' % events,
                  "            timeout_ms = %d" % timeout,
                  "            retry_first_ms = 200",
                  "            retry_max_ms = 1000"]
    s.extra_config = {"notify": "\n".join(lines)}
    s.write_config()
    s.start_all()

    # ---- one ticket's life: created, reply, note, request for info -------
    s.submit_api("wh-1", "Nota fiscal não chega", "Desde ontem a NF-e não chega por e-mail.",
                 from_address="rita@lojadarita.com.br", from_name="Rita")
    e = wait_until(lambda: created(receiver, "Nota fiscal não chega"), 10, "ticket.created")
    number = e["ticket"]
    check(e["data"]["customer"]["address"] == "rita@lojadarita.com.br"
          and e["data"]["status"] == "novo" and "NF-e" in e["data"]["message"]["body"]
          and e["data"]["number"] == number and e["time"].endswith("Z"),
          "ticket.created carries the ticket, its customer and first message", e)
    s.call("router", router_pb2.AddMessage(number=number, body="Rita, reenviamos a NF-e agora."),
           principal=AGENT)
    s.call("router", router_pb2.AddMessage(number=number, body="Nota interna: cliente VIP, cuidado",
                                           is_internal=True), principal=AGENT)
    s.call("router", router_pb2.TicketAction(number=number, action="request_info",
                                             text="Qual o número da nota?"), principal=AGENT)

    def mine():
        return [x for x in receiver.events("/crm") if x["ticket"] == number]
    wait_until(lambda: any(x["type"] == "ticket.status_changed"
                           and x["data"]["to"] == "aguardando_cliente" for x in mine()),
               10, "the request for information at the subscriber")
    time.sleep(0.5)  # a late note or duplicate would show up now
    got = mine()
    log("ticket %d at the subscriber: %s" % (number, [(x["seq"], x["type"]) for x in got]))
    types = [x["type"] for x in got]
    # The request for information is a message on the thread too.
    check(types.count("ticket.created") == 1 and types.count("ticket.message_appended") == 2
          and types.count("ticket.status_changed") == 2,
          "created, the public reply, the request's message and two status changes (opened, "
          "waiting), once each", types)
    check([x["seq"] for x in got] == sorted(x["seq"] for x in got),
          "in the router's order", [x["seq"] for x in got])
    bodies = [x["data"]["message"]["body"] for x in got if x["type"] == "ticket.message_appended"]
    check(bodies == ["Rita, reenviamos a NF-e agora.", "Qual o número da nota?"],
          "the thread's public messages, in order", bodies)
    reply = [x for x in got if x["type"] == "ticket.message_appended"][0]
    check(reply["data"]["message"]["body"] == "Rita, reenviamos a NF-e agora."
          and reply["data"]["message"]["direction"] == "outbound"
          and reply["data"]["subject"] == "Nota fiscal não chega"
          and "is_internal" not in reply["data"]["message"],
          "the public reply with its words and the ticket's subject", reply["data"])
    waiting = [x for x in got if x["data"].get("to") == "aguardando_cliente"][0]
    check(waiting["data"]["text"] == "Qual o número da nota?"
          and waiting["data"]["action"] == "request_info", "the request's words", waiting["data"])
    raw = [r for r in receiver.got("/crm") if json.loads(r["body"])["ticket"] == number]
    check(not any(b"VIP" in r["body"] or b"Nota interna" in r["body"] for r in raw),
          "the internal note never reaches the subscriber")
    for r in raw:
        h, doc = r["headers"], json.loads(r["body"])
        check(r["verified"], "signature verified with the secret, timestamp fresh",
              h.get("X-Balcao-Signature"))
        check(h.get("Content-Type") == "application/json"
              and h.get("User-Agent") == "Balcao-Webhooks/1"
              and h.get("X-Balcao-Event") == doc["type"]
              and h.get("X-Balcao-Delivery") == "w%d-crm" % doc["seq"],
              "the documented headers", h)
    check(len({r["headers"]["X-Balcao-Delivery"] for r in raw}) == len(raw),
          "no POST twice", [r["headers"]["X-Balcao-Delivery"] for r in raw])
    forged = dict(raw[0]["headers"])
    check(not verify(SECRETS["crm"], forged["X-Balcao-Signature"], raw[0]["body"] + b" "),
          "a changed body fails the receiver's check (the signature covers it)")

    def example_printed():
        with open(example_out, encoding="utf-8") as f:
            text = f.read()
        return text if "ticket.status_changed novo -> aberto" in text else None
    text = wait_until(example_printed, 10, "the example receiver's lines")
    check(("#%d ticket.created Nota fiscal não chega <rita@lojadarita.com.br>" % number) in text
          and "refused" not in text and "Nota interna" not in text,
          "examples/python/webhook_receiver.py verified and printed the events", text)

    # ---- 500 twice, then 200: delivered once ---------------------------
    receiver.plan["/ops"] = [500, 500]
    s.submit_api("wh-2", "Boleto duplicado", "Recebi dois boletos iguais.")
    e = wait_until(lambda: created(receiver, "Boleto duplicado", "/ops"), 15,
                   "the event after two 500s")
    posts = [r for r in receiver.got("/ops") if r["headers"]["X-Balcao-Delivery"] == e["_delivery"]]
    check([r["status"] for r in posts] == [500, 500, 200] and all(r["verified"] for r in posts),
          "two 500s, then one 200, each signed, same X-Balcao-Delivery",
          [r["status"] for r in posts])
    d = wait_until(lambda: delivered_event(s, e["_delivery"]), 10, "NotificationDelivered")
    check(d.transport == "webhook" and d.attempts == 3, "delivered after 3 attempts", d)

    # ---- 410: a dead letter --------------------------------------------
    receiver.plan["/ops"] = [410]
    s.submit_api("wh-3", "Cancelar assinatura", "Quero cancelar.")

    def dead_item():
        for item in s.outbox_list("dead").items:
            if item.recipient == "ops" and item.last_code == 410:
                return item
        return None
    item = wait_until(dead_item, 10, "the dead letter in ListOutbox")
    check(item.kind == "webhook" and item.notification_id.endswith("-ops")
          and item.last_error.startswith("HTTP 410: gone: this endpoint was retired see the docs"),
          "dead letter: the status and the answer's first bytes", item)
    os.environ["BALCAO_PRINCIPAL"] = AGENT
    out = s.run_tool("balcao", ["outbox", "mortas"]).stdout.decode()
    check(item.notification_id in out and "<ops>" in out and "HTTP 410" in out,
          "`balcao outbox mortas` shows it", out)
    # The subscriber fixed its endpoint: an admin sends it again.
    proc = s.run_tool("balcao", ["outbox", "resend", item.notification_id],
                      env={"BALCAO_PRINCIPAL": "admin:root"})
    check(proc.returncode == 0, "balcao outbox resend", proc.stderr.decode())
    d = wait_until(lambda: delivered_event(s, item.notification_id), 10, "the resent webhook")
    check(d.transport == "webhook" and created(receiver, "Cancelar assinatura", "/ops"),
          "resent after the fix: delivered, signed", d)

    # ---- slower than timeout_ms: tried again, delivered ------------------
    receiver.delay["/ops"] = 2.0
    s.submit_api("wh-4", "Sistema lento", "O sistema está lento.")
    e = wait_until(lambda: created(receiver, "Sistema lento", "/ops"), 15,
                   "the event at the slow receiver")
    d = wait_until(lambda: delivered_event(s, e["_delivery"]), 15, "delivered after the timeout")
    posts = [r for r in receiver.got("/ops") if r["headers"]["X-Balcao-Delivery"] == e["_delivery"]]
    kept = [x for x in receiver.events("/ops") if x["_delivery"] == e["_delivery"]]
    check(len(posts) == 2 and d.attempts == 2 and len(kept) == 1,
          "the timed-out POST went again with the same X-Balcao-Delivery; the receiver kept one",
          (len(posts), d.attempts, len(kept)))

    # ---- kill -9 in the middle of a burst of 50 -------------------------
    receiver.slow_each["/crm"] = 0.03
    before = len(receiver.got("/crm"))
    for i in range(50):
        s.submit_api("burst-%d" % i, "Rajada %02d" % i, "Evento %d da rajada" % i)
    wait_until(lambda: len(receiver.got("/crm")) - before >= 15, 20, "a third of the burst")
    s.kill9("notify")
    s.restart("notify")
    wait_until(lambda: all(created(receiver, "Rajada %02d" % i) for i in range(50)), 30,
               "every event of the burst")
    time.sleep(1.0)  # a late duplicate would show up now
    receiver.slow_each.pop("/crm")
    burst = [r for r in receiver.got("/crm")[before:]]
    per = {}
    for r in burst:
        per[r["headers"]["X-Balcao-Delivery"]] = per.get(r["headers"]["X-Balcao-Delivery"], 0) + 1
    extra = sum(per.values()) - len(per)
    log("kill -9 mid-burst: %d POSTs for %d deliveries (duplicates by X-Balcao-Delivery: %d)"
        % (sum(per.values()), len(per), extra))
    check(len(per) == 50 and extra <= 1,
          "every event once, but at most the one POST whose answer notify never read", per)
    check(all(r["verified"] for r in burst), "every POST of the burst signed")

    # ---- speed: a backlog of 200 from notify's start ----------------------
    s.stop("notify")
    before = len(receiver.got())
    for i in range(200):
        s.submit_api("speed-%d" % i, "Velocidade %03d" % i, "x")
    time.sleep(1.0)
    t0 = time.monotonic()
    s.restart("notify")

    def example_speed_lines():
        with open(example_out, encoding="utf-8") as f:
            return f.read().count(" Velocidade ")
    wait_until(lambda: len(receiver.got()) - before >= 400 and example_speed_lines() >= 200, 60,
               "the backlog delivered")
    spent = time.monotonic() - t0
    log("backlog of 200 ticket.created x 3 subscriptions (600 POSTs, two local receivers): "
        "%.2f s from notify's start, %.0f deliveries/s" % (spent, 600 / spent))

    text = s.log_text("notify")
    check(all(secret not in text for secret in SECRETS.values()),
          "the secrets never appear in notify's log")
    s.check_alive()

    # ---- a subscription notify cannot serve: it says which key, and stops --
    s.stop("notify")
    good = s.extra_config["notify"]
    for bad, key in ((good.replace("ticket_created ticket_status_changed message_appended",
                                   "ticket_created ticket_deleted"), "notify/webhooks/crm/events"),
                     (good.replace("%s/ops" % receiver.url, "ftp://example.com/x"),
                      "notify/webhooks/ops/url")):
        s.extra_config["notify"] = bad
        s.write_config()
        proc = subprocess.run([s.binary("balcao-notify"), "-c", s.config], timeout=20,
                              stdin=subprocess.DEVNULL, capture_output=True)
        said = (proc.stdout + proc.stderr).decode(errors="replace")
        check(proc.returncode != 0 and "event=config_invalid key=%s" % key in said,
              "notify refuses to start, naming %s" % key, said[-400:])
    log("test_webhooks passed")


if __name__ == "__main__":
    run_test(main)

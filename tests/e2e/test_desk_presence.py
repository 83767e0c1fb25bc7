#!/usr/bin/python3
"""Agents who never collide (docs/API.md, "Presence"): who else has a
ticket open, the typing claim, and a reply that raced a change, over HTTP
against the real services.

Proves:
- POST /desk/tickets/N/presence {"state": "viewing"|"typing"|"left"} puts
  the agent in the ticket's viewers (GET /desk/tickets/N/presence, GET
  /desk/presence) and a colleague's live stream gets a `presence` event
  with the viewers within a second; typing shows as typing;
- a typing claim ends by itself (gateway/presence_typing_s), a viewer
  without heartbeat goes (gateway/presence_ttl_s), "left" goes at once, and
  closing the agent's live stream (the browser went away) takes them away
  before their time, each told to the colleague's stream;
- a customer's session may neither post nor see presence (403), and gets
  no `presence` event on its stream; no session 401; bad bodies 400, an
  unknown ticket 404;
- a reply with seen_updated_us older than the ticket (a customer message
  came after the agent opened it) is 409 with the ticket now and the new
  message, and nothing is written; sent again with the ticket's updated_us
  it is stored once; a bad seen_updated_us is 400.
"""

import json
import socket
import threading
import time
import uuid

from harness import System, check, log, run_test, wait_until
from balcao.v1 import intake_pb2, router_pb2
from portal import Portal, sign_in, staff_sign_in

ADMIN = "admin:root@suporte.example"
ANA = "agent:ana@suporte.example"
BIA = "agent:bia@suporte.example"
RITA = "rita@loja.com.br"
TTL_S = 4
TYPING_S = 2


class Stream:
    """A live stream read by a thread: [(event, data, monotonic time)]."""

    def __init__(self, s, p):
        cookie = "; ".join("%s=%s" % (c.name, c.value) for c in p.jar)
        self.sock = socket.create_connection(("127.0.0.1", s.http_port), timeout=30)
        self.sock.sendall(("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Accept: text/event-stream\r\nCookie: %s\r\n\r\n" % cookie).encode())
        self.events = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf, kind = b"", "message"
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return
                buf += data
                lines = buf.split(b"\n")
                buf = lines[-1]
                for line in lines[:-1]:
                    text = line.decode(errors="replace").strip()
                    if text.startswith("event: "):
                        kind = text[7:]
                    elif text.startswith("data: "):
                        with self.lock:
                            self.events.append((kind, json.loads(text[6:]), time.monotonic()))
                    elif not text:
                        kind = "message"
        except (OSError, ValueError):
            pass

    def presence(self, since, number, test, what, timeout=5):
        """The first presence event of number after since whose viewers
        pass test: (viewers, when)."""
        def found():
            with self.lock:
                for kind, data, when in self.events:
                    if (kind == "presence" and when >= since and data.get("number") == number
                            and test(data["viewers"])):
                        return data["viewers"], when
            return None
        wait_until(found, timeout, what)
        return found()

    def kinds(self):
        with self.lock:
            return [k for k, _, _ in self.events]

    def close(self):
        """As a browser going away: the connection ends (FIN), even while
        the reader thread waits on it."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def names(viewers):
    return sorted((v["name"], v["typing"]) for v in viewers)


def main():
    gateway = "    presence_ttl_s = %d\n    presence_typing_s = %d\n" % (TTL_S, TYPING_S)
    with System("desk-presence", extra_config={"gateway": gateway}) as s:
        s.start_all()
        for who, name in ((ANA, "Ana Souza"), (BIA, "Bia Reis")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=name, email=who.split(":")[1], tier="N1", status="offline")),
                principal=ADMIN)
        before = s.ticket_total()
        s.call("intake", intake_pb2.Submit(
            channel="api", external_id="p-1", from_address=RITA, from_name="Rita Alves",
            subject="Boleto não chegou", body="O boleto de dezembro não chegou."))
        wait_until(lambda: s.ticket_total() == before + 1, 20, "the ticket", system=s)
        n = before + 1
        path = "/desk/tickets/%d/presence" % n

        log("who may: no session 401, a customer 403 (post, read, stream)")
        code, body, _ = Portal(s.http).post(path, {"state": "viewing"})
        check(code in (401, 403), "no session: refused", (code, body))
        code, body, _ = Portal(s.http).get("/desk/presence")
        check(code == 401, "no session on /desk/presence: 401", (code, body))
        rita = sign_in(s, RITA)
        code, body, _ = rita.post(path, {"state": "viewing"})
        check(code == 403 and body["error"] == "forbidden", "a customer posting presence: 403",
              (code, body))
        for p in (path, "/desk/presence"):
            code, body, _ = rita.get(p)
            check(code == 403, "a customer reading %s: 403" % p, (code, body))
        rita_stream = Stream(s, rita)

        ana, bia = staff_sign_in(s, ANA), staff_sign_in(s, BIA)
        log("bad bodies 400, an unknown ticket 404, no CSRF 403")
        for bad in ({}, {"state": "dancing"}, {"state": 1}, {"state": None}):
            code, body, _ = bia.post(path, bad)
            check(code == 400 and body["error"] == "invalid" and body["message_pt"]
                  and body["message"], "body %r: 400 in both languages" % (bad,), (code, body))
        code, body, _ = bia.post(path, raw=b"{not json", headers={"Content-Type": "application/json"})
        check(code == 400, "broken JSON: 400", (code, body))
        code, body, _ = bia.post("/desk/tickets/99999/presence", {"state": "viewing"})
        check(code == 404, "an unknown ticket: 404", (code, body))
        code, body, _ = bia.post(path, {"state": "viewing"}, csrf=False)
        check(code == 403 and body["error"] == "csrf", "no CSRF token: 403", (code, body))
        code, body, _ = bia.get("/desk/presence")
        check(code == 200 and body == {"tickets": []}, "no one views anything yet", body)

        log("Bia views, then types: Ana's stream and the GETs say so")
        stream = Stream(s, ana)
        time.sleep(0.5)
        t0 = time.monotonic()
        code, body, _ = bia.post(path, {"state": "viewing"})
        check(code == 200 and body["number"] == n
              and names(body["viewers"]) == [("Bia Reis", False)]
              and body["viewers"][0]["principal"] == BIA,
              "POST viewing answers the viewers", (code, body))
        viewers, when = stream.presence(t0, n, lambda v: names(v) == [("Bia Reis", False)],
                                        "Ana's stream: Bia viewing")
        check(when - t0 < 1.0, "told within a second (%.3f s)" % (when - t0))
        code, body, _ = ana.get("/desk/presence")
        check(code == 200 and body["tickets"] == [{"number": n, "viewers": viewers}],
              "GET /desk/presence lists the ticket with Bia", body)
        t1 = time.monotonic()
        code, body, _ = bia.post(path, {"state": "typing"})
        check(code == 200 and names(body["viewers"]) == [("Bia Reis", True)], "Bia typing", body)
        stream.presence(t1, n, lambda v: names(v) == [("Bia Reis", True)], "Ana sees Bia typing")
        code, body, _ = ana.get(path)
        check(code == 200 and names(body["viewers"]) == [("Bia Reis", True)],
              "GET /desk/tickets/N/presence: Bia typing", body)
        log("the typing claim ends by itself after %d s" % TYPING_S)
        _, when = stream.presence(t1, n, lambda v: names(v) == [("Bia Reis", False)],
                                  "Bia's claim ended", timeout=TYPING_S + 3)
        check(when - t1 >= TYPING_S - 0.1, "not before its time (%.2f s)" % (when - t1))
        log("a viewer without heartbeat goes after %d s" % TTL_S)
        _, when = stream.presence(t1, n, lambda v: v == [], "Bia gone", timeout=TTL_S + 3)
        check(when - t1 >= TTL_S - 0.1, "not before its time (%.2f s)" % (when - t1))
        code, body, _ = ana.get("/desk/presence")
        check(body["tickets"] == [], "the list is empty again", body)

        log("'left' goes at once")
        bia.post(path, {"state": "viewing"})
        t2 = time.monotonic()
        code, body, _ = bia.post(path, {"state": "left"})
        check(code == 200 and body["viewers"] == [], "POST left: no viewers", (code, body))
        stream.presence(t2, n, lambda v: v == [], "Ana told Bia left", timeout=1)

        log("Bia's browser goes away: her stream closes, her presence goes")
        bia_stream = Stream(s, bia)
        time.sleep(0.5)
        bia.post(path, {"state": "typing"})
        stream.presence(t2, n, lambda v: names(v) == [("Bia Reis", True)], "Bia back, typing")
        t3 = time.monotonic()
        bia_stream.close()
        _, when = stream.presence(t3, n, lambda v: v == [], "Bia's presence gone with her stream",
                                  timeout=2)
        check(when - t3 < 1.5, "within 1.5 s of the close, before any expiry (%.2f s)"
              % (when - t3))
        check("presence" not in rita_stream.kinds(), "the customer's stream got no presence",
              rita_stream.kinds())

        log("a reply that raced a customer message: 409, nothing written")
        seen = ana.get("/desk/tickets/%d" % n)[1]["updated_us"]
        check(isinstance(seen, int) and seen > 0, "the desk ticket has updated_us", seen)
        code, body, _ = rita.post("/tickets/%d/messages" % n, {
            "body": "Esqueci: mudei de endereço.", "client_ref": str(uuid.uuid4())})
        check(code in (200, 201, 202), "Rita writes again", (code, body))
        wait_until(lambda: ana.get("/desk/tickets/%d" % n)[1]["updated_us"] > seen, 10,
                   "Rita's message on the ticket")
        for bad in ("123", -1, 1.5):
            code, body, _ = ana.post("/desk/tickets/%d/reply" % n,
                                     {"body": "Segue o boleto.", "seen_updated_us": bad})
            check(code == 400 and body["error"] == "invalid", "seen_updated_us %r: 400" % (bad,),
                  (code, body))
        code, body, _ = ana.post("/desk/tickets/%d/reply" % n,
                                 {"body": "Segue o boleto.", "seen_updated_us": seen})
        check(code == 409 and body["error"] == "conflict" and "mudou" in body["message_pt"]
              and "changed" in body["message"], "the stale reply: 409 in both languages",
              (code, body))
        check([m["body"] for m in body["new_messages"]] == ["Esqueci: mudei de endereço."]
              and body["ticket"]["updated_us"] > seen
              and body["ticket"]["messages"][-1]["direction"] == "inbound",
              "the 409 carries the ticket now and the new message", body)
        now = body["ticket"]["updated_us"]
        thread = ana.get("/desk/tickets/%d" % n)[1]["messages"]
        check(not [m for m in thread if m["direction"] == "outbound"],
              "nothing was written", thread)
        code, body, _ = ana.post("/desk/tickets/%d/reply" % n,
                                 {"body": "Segue o boleto.", "seen_updated_us": now})
        check(code == 200 and body["updated_us"] > now, "sent again with the new value: 200",
              (code, body))
        thread = ana.get("/desk/tickets/%d" % n)[1]["messages"]
        sent = [m for m in thread if m["direction"] == "outbound"]
        check(len(sent) == 1 and sent[0]["body"] == "Segue o boleto.", "stored once", thread)
        code, body, _ = ana.post("/desk/tickets/%d/reply" % n, {"body": "Sem conferir."})
        check(code == 200, "a reply without seen_updated_us is not checked", (code, body))
        stream.close()
        rita_stream.close()


if __name__ == "__main__":
    run_test(main)

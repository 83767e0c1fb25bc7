#!/usr/bin/python3
"""Bad input at the portal's HTTP API (issue 13: "fuzz every parser,
including HTTP/JSON").

A seeded random stream of requests, as a visitor and as a signed-in
customer, at every /api/v1 endpoint of docs/API.md (and, with a staff session, the
dashboard's knowledge room, /desk/kb/… and /desk/tickets/N/similar|article):
bodies that are not
JSON, JSON of the wrong shape and types, huge and empty strings, invalid
UTF-8, NUL bytes, deep nesting, bad base64 files, odd numbers and ids in
paths, odd query strings, odd cookies and CSRF headers; the dashboard's
/desk routes too, mostly as a signed-in agent (every ticket action with
random bodies); plus raw HTTP the
browser would never send (broken request lines, huge headers, a body
longer than its Content-Length says).

Proves, after every request: the answer is a 4xx with a JSON error in
pt-BR and English (never a 5xx, never a dropped connection for a
well-formed HTTP request), the gateway and every service are still running,
and the router has exactly the tickets the accepted requests made (an
accepted one is 201/202; none of the random ones is, except by the valid
body kept in the mix as a control, which must be accepted). The seed is
printed, and BALCAO_FUZZ_SEED replays a run.
"""

import base64
import json
import os
import random
import urllib.parse

from harness import System, check, log, router_pb2, run_test
from portal import Portal, sign_in

N_REQUESTS = int(os.environ.get("BALCAO_PORTAL_FUZZ_N", "600"))

ENDPOINTS = [
    ("GET", "/session"), ("POST", "/session/language"), ("POST", "/signup"),
    ("POST", "/confirm"), ("POST", "/login"), ("POST", "/login-link"),
    ("POST", "/login-link/use"), ("POST", "/password-reset"),
    ("POST", "/password-reset/use"),
    ("GET", "/categories"), ("GET", "/tickets"), ("GET", "/tickets/{n}"),
    ("POST", "/tickets"), ("POST", "/tickets/{n}/messages"),
    ("POST", "/tickets/{n}/accept"), ("POST", "/tickets/{n}/reject"),
    ("POST", "/tickets/{n}/rating"), ("GET", "/tickets/{n}/attachments/{sha}"),
    ("GET", "/kb/search?q={q}"), ("GET", "/kb/suggest?q={q}"),
    ("GET", "/kb/articles/{id}"), ("POST", "/kb/articles/{id}/feedback"),
    ("POST", "/kb/deflection"), ("GET", "/kb/deflection"),
    # The dashboard's (a staff session mostly; customers and visitors too).
    ("GET", "/desk/counts"), ("GET", "/desk/queue?{query}"), ("GET", "/desk/macros"),
    ("GET", "/desk/tickets/{n}"), ("GET", "/desk/tickets/{n}/attachments/{sha}"),
    ("GET", "/desk/tickets/{n}/macros/{id}/preview"), ("POST", "/desk/status"),
    ("POST", "/desk/tickets/{n}/{action}"), ("GET", "/desk/tickets/{n}/{action}"),
]
DESK_ACTIONS = ["take", "assign", "reply", "note", "phone", "macro", "request-info", "open",
                "reopen", "close", "resolve", "category", "priority", "escalate", "deescalate",
                "merge", "link", "nada", ""]
DESK_QUERIES = ["view=x", "view=mine&limit=0", "tier=N9", "limit=201", "limit=-1", "offset=x",
                "offset=99999999", "limit=1e3", "category=%00", "customer=" + "a" * 3000,
                "view=open&tier=N1&priority=alta", "view=&tier="]
AGENT = "agent:fuzz-agent@suporte.example"

# The dashboard's knowledge room (gateway_desk_kb.c), fuzzed with a staff
# session (and sometimes a customer's or none): it may accept a request (a
# draft made of odd text is still a draft), never fail with a 5xx.
DESK_ENDPOINTS = [
    ("GET", "/desk/tickets/{n}/similar"), ("POST", "/desk/tickets/{n}/article"),
    ("GET", "/desk/kb/articles?q={q}&status={q}&visibility={q}&offset={n}&limit={n}"),
    ("GET", "/desk/kb/articles?q={q}"), ("POST", "/desk/kb/articles"),
    ("GET", "/desk/kb/articles/{id}"), ("GET", "/desk/kb/articles/{id}?version={n}"),
    ("POST", "/desk/kb/articles/{id}"), ("POST", "/desk/kb/articles/{id}/publish"),
    ("POST", "/desk/kb/articles/{id}/unpublish"), ("POST", "/desk/kb/articles/{id}/revert"),
    ("POST", "/desk/kb/preview"), ("GET", "/desk/kb/gaps?from={q}&to={q}&limit={n}"),
]
DESK_FIELDS = ["title", "body", "markdown", "tags", "visibility", "type", "category",
               "language", "version", "base_version", "id", "status"]
STAFF = "ana@suporte.example"
SEEDS = "\n".join(["    people", "        ana", '            id = "agent:%s"' % STAFF,
                    '            name = "Ana"', '            tier = "N1"']) + "\n"

NUMBERS = ["1", "0", "-1", "01", "+1", "1x", "18446744073709551616", "99999999999999999999",
           "%00", "1%00", "..", "%2e%2e", "1/../2", "", "9" * 300, "1.0", "0x10"]
IDS = ["", "..", "a" * 500, "%00", "acesso/../../x", "<script>", "A-B", "ação", "x%2fy"]
SHAS = ["", "0" * 63, "0" * 65, "G" * 64, "A" * 64, "%00" * 3, "../" * 10]
QUERIES = ["", "%", "%zz", "a" * 5000, "%00", "senha&q=2", "\u00e7".encode().hex(), "%C3",
           "%FF%FE", "+" * 100]

WEIRD_STRINGS = ["", " ", "\u0000", "a" * 70000, "\ud800", "\U0001F600" * 50, "<img src=x>",
                 "\r\n\r\n", "%s%s%n", "null", "-1", "1e309"]
WEIRD_VALUES = [None, True, False, 0, -1, 2 ** 63, 2 ** 64 + 5, 1.5, float("1e300"), [], {},
                [None], {"a": {"b": {}}}]

FIELDS = ["email", "password", "name", "language", "token", "everywhere", "subject", "body",
          "category", "attachments", "client_ref", "suggestions_opened", "reason", "score",
          "comment", "helpful", "article_id", "outcome", "agent", "text", "fix_reference",
          "priority", "tried", "steps_to_reproduce", "environment", "affected_customers",
          "note", "into", "problem", "macro", "status"]


def weird_value(rng):
    r = rng.random()
    if r < 0.4:
        return rng.choice(WEIRD_STRINGS)
    if r < 0.7:
        return rng.choice(WEIRD_VALUES)
    if r < 0.75:
        return rng.choice(["N1", "N2", "alta", "urgente", "online", "x", AGENT, "pedir-print"])
    if r < 0.85:
        return [weird_file(rng) for _ in range(rng.randint(0, 3))]
    return "x" * rng.randint(0, 300)


def weird_file(rng):
    choice = rng.randint(0, 5)
    if choice == 0:
        return {"filename": rng.choice(WEIRD_STRINGS), "content_type": "text/plain",
                "content_base64": "not base64!"}
    if choice == 1:
        return {"filename": "a.txt", "content_type": rng.choice(WEIRD_STRINGS),
                "content_base64": base64.b64encode(b"ok").decode() + "="}
    if choice == 2:
        return {"filename": None, "content_base64": 12}
    if choice == 3:
        return "file"
    if choice == 4:
        return {"filename": "../../etc/passwd", "content_type": "text/plain",
                "content_base64": "%%%%"}
    return {}


def weird_body(rng, fields=FIELDS):
    """Raw bytes of a body that must be refused, and a label."""
    r = rng.random()
    if r < 0.15:
        return rng.choice([b"", b"{", b"[]", b"null", b"\"x\"", b"{\"a\":}", b"\xff\xfe{}",
                           b"{\"subject\": \"\xc3\x28\"}", b"{}" * 100, b"\x00{}"]), "not an object"
    if r < 0.25:
        depth = rng.randint(50, 5000)
        return (b"[" * depth + b"]" * depth), "deep nesting"
    obj = {}
    for _ in range(rng.randint(0, 6)):
        obj[rng.choice(fields)] = weird_value(rng)
    if rng.random() < 0.1:
        obj[rng.choice(WEIRD_STRINGS) or "k"] = 1
    text = json.dumps(obj)
    return text.encode("utf-8", "surrogatepass"), "object"


def fill(path, rng):
    """The path with random parts; non-ASCII and spaces percent-encoded (as a
    browser sends them), everything else as it is."""
    return urllib.parse.quote(_fill(path, rng), safe="".join(
        chr(c) for c in range(0x21, 0x7f) if chr(c) not in " "))


def _fill(path, rng):
    return (path.replace("{n}", rng.choice(NUMBERS)).replace("{sha}", rng.choice(SHAS))
            .replace("{id}", rng.choice(IDS)).replace("{q}", rng.choice(QUERIES))
            .replace("{action}", rng.choice(DESK_ACTIONS))
            .replace("{query}", rng.choice(DESK_QUERIES)))


def main():
    seed = int(os.environ.get("BALCAO_FUZZ_SEED", random.randrange(1 << 32)))
    log("seed %d (BALCAO_FUZZ_SEED=%d replays this run)" % (seed, seed))
    rng = random.Random(seed)
    extra = {"gateway": "    mails_per_address_hour = 100000\n    mails_per_ip_hour = 100000\n"
                        "    logins_per_ip_minute = 100000\n"}
    extra["router"] = SEEDS
    with System("portal_fuzz", extra_config=extra) as s:
        s.start_all()
        customer = sign_in(s, "fuzz@example.com")
        r = s.run_tool("balcao-gateway", ["staff-add", STAFF], input=b"senha-do-fuzz-123\n")
        check(r.returncode == 0, "a staff password", r.stderr)
        staff = Portal(s)
        status, body, _ = staff.post("/staff/login", {"email": STAFF,
                                                      "password": "senha-do-fuzz-123"})
        check(status == 200, "the staff person signs in", (status, body))
        visitor = Portal(s)
        visitor.session()
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=AGENT, name="Fuzz Agent", email=AGENT.split(":")[1], tier="N1")),
            principal="admin:root@suporte.example")
        r = s.run_tool("balcao-gateway", ["staff-add", AGENT.split(":")[1]],
                       input=b"senha-do-painel-123\n")
        check(r.returncode == 0, "the fuzzing agent has a password", r.stderr)
        agent = Portal(s)
        status, body, _ = agent.post("/staff/login", {"email": AGENT.split(":")[1],
                                                      "password": "senha-do-painel-123"})
        check(status == 200, "the fuzzing agent signs in", (status, body))
        status, body, _ = customer.post("/tickets", {
            "subject": "Control ticket", "body": "valid body", "client_ref": "control-1"})
        check(status in (201, 202), "the control ticket is accepted", (status, body))
        tickets_before = s.ticket_total()
        statuses = {}
        desk_statuses = {}
        for i in range(N_REQUESTS):
            is_desk = rng.random() < 0.25
            method, template = rng.choice(DESK_ENDPOINTS if is_desk else ENDPOINTS)
            path = fill(template, rng)
            who = customer if rng.random() < 0.7 else visitor
            if (is_desk or template.startswith("/desk")) and rng.random() < 0.8:
                who = staff if is_desk else agent
            if method == "GET":
                status, parsed, _ = who.get(path)
            else:
                raw, kind = weird_body(rng, DESK_FIELDS if is_desk else FIELDS)
                csrf = True if rng.random() < 0.85 else rng.choice([False, "x", "A" * 5000])
                status, parsed, _ = who.post(path, raw=raw, csrf=csrf)
            counts = desk_statuses if is_desk else statuses
            counts[status] = counts.get(status, 0) + 1
            check(status < 500 or status == 503,
                  "request %d (%s %s) is refused as bad input, not a server failure" %
                  (i, method, path[:80]), (status, parsed))
            if status >= 400:
                check(isinstance(parsed, dict) and parsed.get("message_pt")
                      and parsed.get("message"),
                      "request %d (%s %s) gets its error in pt-BR and English" %
                      (i, method, path[:80]), parsed)
            if i % 100 == 99:
                s.check_alive()
        log("answers by status: %s" % sorted(statuses.items()))
        log("desk kb answers by status: %s" % sorted(desk_statuses.items()))
        check(statuses.get(201, 0) + statuses.get(202, 0) == 0,
              "no random request was accepted as a new ticket or message", statuses)

        # Raw HTTP a browser would not send.
        garbage = [
            b"GARBAGE\r\n\r\n",
            b"GET /api/v1/session HTTP/9.9\r\nHost: x\r\n\r\n",
            b"GET /api/v1/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /api/v1/session HTTP/1.1\r\nHost: x\r\nCookie: " + b"=" * 60000 + b"\r\n\r\n",
            b"GET /api/v1/session HTTP/1.1\r\nHost: x\r\nCookie: balcao_session=\xff\x00\r\n\r\n",
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5\r\n\r\n{\"subject\": \"longer than said\"}",
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n",
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999"
            b"\r\n\r\n",
        ]
        for data in garbage:
            status = s.http_raw(data)[0]
            check(status == 0 or 400 <= status < 500 or status == 505,
                  "raw request %r is refused" % data[:50], status)
        s.check_alive()
        check(s.ticket_total() == tickets_before,
              "the router has no ticket from any refused request",
              (tickets_before, s.ticket_total()))
        status, body, _ = customer.get("/session")
        check(status == 200 and body["signed_in"], "the customer is still signed in", body)
        status, body, _ = staff.post("/desk/kb/preview", {"markdown": "*ainda*"})
        check(status == 200 and body["html"] == "<p><em>ainda</em></p>\n",
              "the desk's knowledge room still answers", (status, body))
        status, body, _ = customer.post("/tickets", {
            "subject": "Second control", "body": "still working", "client_ref": "control-2"})
        check(status in (201, 202), "a valid ticket is still accepted afterwards", (status, body))


if __name__ == "__main__":
    run_test(main)

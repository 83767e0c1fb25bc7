#!/usr/bin/python3
"""The gateway's doors (issue 12, item 3).

Proves:
- credentials: with no tokens file every /api/ request is 401 (with
  `WWW-Authenticate: Bearer` and a JSON error in pt-BR and English) while
  /healthz stays open; after `balcaoctl api-token erp` the token reads ticket
  1 as JSON; no token, a wrong token, a malformed header and a revoked token
  (its line deleted from the file) are 401; the file holds only a hash and
  the gateway's log never holds a token; a token of a system the router has
  not given "read" gets 404 (the router decides); refusals are logged at most
  once a second per peer, with a count;
- strict ids: every number or SHA-256 that is not in its one canonical form
  (-1, +1, " 1", %201, 1x, 01, 0, empty, 2^64, 21 digits; a SHA-256 that is
  not 64 lower-case hex) is 400, and nothing reaches the router;
- concurrency: with the router stopped (SIGSTOP) for 4 s, /healthz (which
  names the router as slow) and 10 other concurrent requests answer each in
  far less than 4 s, although three ticket reads are waiting on the router;
  after SIGCONT the ticket reads answer;
- 1,100 idle connections from 127.0.0.1 to a gateway with systemd's default
  file limit: 50 clients from other addresses are answered at once (the
  per-address cap refused most idle ones), and a client from 127.0.0.1
  itself is answered once the idle ones time out, which all of them do;
- with CURVE on, the same tokens work: the gateway's key acts as the token's
  service:NAME, and the router still decides what it reads.
"""

import json
import os
import resource
import signal
import socket
import threading
import time

from harness import System, check, log, run_test, wait_until

IDLE_TIMEOUT_S = 3
# Idle connections held open: the old one-thread gateway, with the 1,024
# files systemd gives a service by default and 21 of its own, locked every
# client out from about 1,004 on.
N_IDLE = 1100
GATEWAY = {"gateway": "\n".join([
    "    connection_timeout_s = %d" % IDLE_TIMEOUT_S,
    "    max_connections_per_ip = 32",
    "    health_timeout_ms = 300"]) + "\n"}


def raw_get(s, target, headers=(), source="127.0.0.1", timeout=5):
    """GET with a request line written by hand (urllib refuses some of the
    targets tested here). Returns (status, headers dict, body bytes)."""
    return s.http_raw_request(target, headers=headers, source=source, timeout=timeout)


def tokens_file(s):
    return os.path.join(s.var, "gateway", "tokens")


def is_bilingual_error(body):
    return (isinstance(body, dict) and body.get("error") and body.get("message")
            and body.get("message_pt") and body["message"] != body["message_pt"])


def doors_tokens(s):
    status, health, raw = s.http_get("/healthz", token=None)
    check(status == 200, "/healthz is open without a token", (status, raw[:200]))
    check(not os.path.exists(tokens_file(s)), "no tokens file yet")
    status, fields, body = raw_get(s, "/api/tickets/1")
    check(status == 401 and fields.get("www-authenticate", "").startswith("Bearer"),
          "no tokens file: /api/tickets/1 is 401 with WWW-Authenticate: Bearer", (status, fields))
    check(is_bilingual_error(json.loads(body)), "with a JSON error in English and pt-BR", body)
    status, _, _ = s.http_get("/api/tickets/1", token="balcao_" + "x" * 43)
    check(status == 401, "no tokens file: any token is refused", status)

    erp = s.api_token("erp")
    with open(tokens_file(s)) as f:
        stored = f.read()
    check(erp not in stored and stored.startswith("erp ") and len(stored.split()[1]) == 64,
          "the tokens file holds the name and a hash, not the token", stored)
    check(os.stat(tokens_file(s)).st_mode & 0o077 == 0, "the tokens file is private")
    status, doc, raw = s.http_get("/api/tickets/1")
    check(status == 200 and doc.get("number") == 1 and doc.get("subject") == "Portas do gateway",
          "a good token reads ticket 1 as JSON", (status, raw[:300]))
    status, doc, raw = s.http_get("/api/tickets/1", token=None)
    check(status == 401 and is_bilingual_error(doc), "no token: 401", (status, raw[:300]))
    status, doc, raw = s.http_get("/api/tickets/1", token=erp[:-1] + ("A" if erp[-1] != "A" else "B"))
    check(status == 401 and is_bilingual_error(doc), "a wrong token: 401", (status, raw[:300]))
    for header in ("Basic " + erp, "Bearer", "Bearer  ", "Bearer " + erp + " extra",
                   "Bearer " + erp + ","):
        status, fields, _ = raw_get(s, "/api/tickets/1", ["Authorization: " + header])
        check(status == 401 and "Bearer" in fields.get("www-authenticate", ""),
              "a malformed Authorization header is 401", (header, status))
    status, fields, _ = raw_get(s, "/api/tickets/1", ["Authorization: bearer " + erp])
    check(status == 200, "the scheme's case does not matter (RFC 7235)", status)

    # A system the router does not let read: the gateway lets it in, the
    # router answers as for a ticket that does not exist.
    outsider = s.api_token("semleitura", read=False)
    status, doc, _ = s.http_get("/api/tickets/1", token=outsider)
    check(status == 404, "a token of a system without the read permission gets 404", status)

    # Revoking: delete the token's line; the gateway re-reads the file.
    bi = s.api_token("bi")
    check(s.http_get("/api/tickets/1", token=bi)[0] == 200, "a second token works")
    with open(tokens_file(s)) as f:
        kept = [line for line in f if not line.startswith("erp ")]
    with open(tokens_file(s), "w") as f:
        f.writelines(kept)
    status, doc, raw = s.http_get("/api/tickets/1", token=erp)
    check(status == 401, "a revoked token (its line deleted) is 401 at once", (status, raw[:200]))
    check(s.http_get("/api/tickets/1", token=bi)[0] == 200, "the other token still works")

    # A flood of refusals: at most one log line a second, with a count.
    t0 = time.monotonic()
    for _ in range(60):
        s.http_get("/api/tickets/1", token=None)
    elapsed = time.monotonic() - t0
    time.sleep(1.1)
    s.http_get("/api/tickets/1", token=None)
    lines = [line for line in s.log_text("gateway").splitlines() if "event=api_refused" in line]
    counts = [int(line.split("count=")[1].split()[0]) for line in lines]
    check(1 <= len(lines) <= elapsed + 4 and max(counts) > 1,
          "refusals are logged at most once a second per peer, with a count",
          (len(lines), elapsed, counts))
    text = s.log_text("gateway")
    check(all(t not in text for t in (erp, bi, outsider)), "no token in the gateway's log")


def doors_ids(s):
    before = s.head_seq("router")
    bad_numbers = ["-1", "+1", "%201", "1x", "01", "0", "", "18446744073709551616",
                   "1" * 21, "1.0", "0x1", "%2D1", "1%00", "%E2%80%8B1"]
    for text in bad_numbers:
        status, doc, raw = s.http_get("/api/tickets/" + text)
        check(status == 400 and is_bilingual_error(doc), "/api/tickets/%s is 400" % text,
              (status, raw[:200]))
    status, _, _ = raw_get(s, "/api/tickets/ 1", ["Authorization: Bearer " + s.token])
    check(status == 400, "/api/tickets/ 1 (a raw space) is 400", status)
    status, doc, _ = s.http_get("/api/tickets/18446744073709551615")
    check(status == 404, "the largest number parses (and is not a ticket)", status)
    good = "ab" * 32
    for sha in (good[:-1], good + "a", good.upper(), good[:-1] + "g", "../" + good[3:],
                "%20" + good[1:], ""):
        status, doc, raw = s.http_get("/api/attachments/" + sha)
        check(status == 400 and is_bilingual_error(doc), "/api/attachments/%s is 400" % sha,
              (status, raw[:200]))
    status, _, _ = s.http_get("/api/attachments/" + good)
    check(status == 404, "a well-formed unknown attachment id reaches intake (404)", status)
    check(s.head_seq("router") == before, "bad ids change nothing")


def timed(fn):
    t0 = time.monotonic()
    try:
        result = fn()
    except OSError as e:
        result = (None, None, str(e).encode())
    return result, time.monotonic() - t0


def doors_stall(s):
    router = s.procs["router"]
    os.kill(router.pid, signal.SIGSTOP)
    stopped_at = time.monotonic()
    try:
        results = {}

        def run(key, fn):
            results[key] = timed(fn)

        waiting = [threading.Thread(target=run, args=("ticket%d" % i, lambda: s.http_get(
            "/api/tickets/1", timeout=30))) for i in range(3)]
        for t in waiting:
            t.start()
        time.sleep(0.3)  # the ticket reads are now waiting on the router
        others = {"healthz": lambda: s.http_get("/healthz", token=None, timeout=30)}
        for i in range(4):
            others["attachment%d" % i] = lambda: s.http_get("/api/attachments/" + "0" * 64,
                                                            timeout=30)
        for i in range(2):
            others["bad%d" % i] = lambda: s.http_get("/api/tickets/1x", timeout=30)
            others["missing%d" % i] = lambda: s.http_get("/api/nada", timeout=30)
            others["refused%d" % i] = lambda: s.http_get("/api/tickets/1", token=None, timeout=30)
        threads = [threading.Thread(target=run, args=item) for item in others.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        slowest = max(results[k][1] for k in others)
        log("router stopped: the 11 other requests took at most %.2fs" % slowest)
        expected = {"healthz": 503, "attachment": 404, "bad": 400, "missing": 404, "refused": 401}
        for key in others:
            (status, body, raw), took = results[key]
            check(took < 2.0, "%s answers in %.2fs (< 2 s) while the router is stopped"
                  % (key, took), raw[:200])
            check(status == expected[key.rstrip("0123456789")], "%s is %s" % (key, status), raw[:200])
        health = results["healthz"][0][1]
        check(health.get("slow") == ["router"] and not health["services"]["router"]["ok"]
              and health["services"]["intake"]["ok"],
              "/healthz names the router as slow, the others as ok", health)
    finally:
        time.sleep(max(0, 4 - (time.monotonic() - stopped_at)))
        os.kill(router.pid, signal.SIGCONT)
    for t in waiting:
        t.join(30)
    log("ticket reads queued behind the stopped router: %s"
        % ", ".join("%d in %.1fs" % (results[k][0][0], results[k][1])
                    for k in sorted(results) if k.startswith("ticket")))
    status, doc, _ = wait_until(
        lambda: (lambda r: r if r[0] == 200 else None)(s.http_get("/api/tickets/1")), 10,
        "ticket 1 again after SIGCONT", system=s)
    check(doc["number"] == 1, "after SIGCONT the router answers through the gateway")
    wait_until(lambda: s.http_get("/healthz")[0] == 200, 10, "/healthz 200 after SIGCONT", system=s)


def doors_idle(s):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    # The gateway gets the file limit systemd gives a service by default.
    gw = s.procs["gateway"].pid
    gw_hard = resource.prlimit(gw, resource.RLIMIT_NOFILE)[1]
    resource.prlimit(gw, resource.RLIMIT_NOFILE, (min(1024, gw_hard), gw_hard))
    idle = []
    t0 = time.monotonic()
    try:
        for _ in range(N_IDLE):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", s.http_port))
            idle.append(c)
        time.sleep(0.5)
        log("%d idle connections opened in %.2fs" % (N_IDLE, time.monotonic() - t0))
        # 50 clients at once, each from its own address, each reads ticket 1.
        results = {}

        def client(i):
            results[i] = timed(lambda: raw_get(
                s, "/api/tickets/1", ["Authorization: Bearer " + s.token],
                source="127.0.0.%d" % (i + 2), timeout=10))
        threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        served = [i for i, ((status, _, _), took) in results.items() if status == 200 and took < 2.0]
        check(len(served) == 50,
              "with %d idle connections from 127.0.0.1, 50 clients from other addresses "
              "read ticket 1 at once (slowest %.2fs)" % (N_IDLE, max(r[1] for r in results.values())),
              {i: (r[0][0], round(r[1], 2), r[0][2][:80]) for i, r in results.items()
               if i not in served})

        # A client on 127.0.0.1 itself retries as browsers do, and is served
        # once the idle connections have timed out.
        def served():
            try:
                return s.http_get("/healthz", token=None, timeout=2)[0] == 200
            except OSError:
                return False
        t1 = time.monotonic()
        wait_until(served, IDLE_TIMEOUT_S + 10, "a client from 127.0.0.1 to be served", system=s)
        log("a client from 127.0.0.1 was served after %.1fs" % (time.monotonic() - t1))

        def all_closed():
            still = 0
            for c in idle:
                try:
                    still += c.recv(1) != b""
                except BlockingIOError:
                    still += 1
                except OSError:
                    pass
            return still == 0
        wait_until(all_closed, IDLE_TIMEOUT_S + 10, "every idle connection to be closed", system=s)
    finally:
        for c in idle:
            c.close()
    check(s.http_get("/healthz", token=None)[0] == 200, "the gateway still serves")


def doors_curve():
    """With CURVE the gateway's key is service:gateway; it acts for the
    token's principal, and the router still decides."""
    with System("gateway_doors_curve", curve=True) as s:
        s.start_all()
        s.submit_api("doors-c1", "Portas com CURVE", "Quem pode ler?")
        wait_until(lambda: s.ticket(1), 20, "ticket 1", system=s)
        check(s.http_get("/api/tickets/1", token=None)[0] == 401, "CURVE: no token, 401")
        s.api_token("erp")
        status, doc, raw = s.http_get("/api/tickets/1")
        check(status == 200 and doc.get("subject") == "Portas com CURVE",
              "CURVE: a token with read reads ticket 1", (status, raw[:200]))
        outsider = s.api_token("semleitura", read=False)
        check(s.http_get("/api/tickets/1", token=outsider)[0] == 404,
              "CURVE: the gateway acts as the token's service, not as itself")


def main():
    with System("gateway_doors", extra_config=GATEWAY) as s:
        s.start_all()
        s.submit_api("doors-1", "Portas do gateway", "Quem pode ler este chamado?")
        wait_until(lambda: s.ticket(1), 20, "ticket 1", system=s)
        doors_tokens(s)
        doors_ids(s)
        doors_stall(s)
        doors_idle(s)
    doors_curve()
    log("test_gateway_doors passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Other systems open tickets over HTTP (issue 17, "Other systems").

Proves:
- with a token from `balcaoctl api-token erp` (and "read" at the router),
  POST /api/v1/tickets with an Idempotency-Key answers 201 with the new
  ticket's number; `balcao show N` shows its subject, body and customer,
  and GET /api/tickets/N with the same token shows them too (channel api);
- the same key again answers 200 with duplicate true and the same ticket,
  and no second ticket exists; another key opens a second ticket;
- a missing or malformed key, bad JSON, an unknown field, a bad address, a
  subject over 300 characters, an unknown category or language, and a
  session cookie beside the token are 400 with messages in pt-BR and
  English, and nothing reaches intake (the ticket count does not move);
- no token, a wrong token and a revoked token (its line deleted) are 401;
- a token whose service intake/submitters leaves out is 403 with intake's
  sentence, and nothing is stored; a token without "read" may still open a
  ticket (it gets the message_ref, the number stays unknown to it).
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from harness import System, check, log, run_test, wait_until

INTAKE = '    submitters = "service:gateway, service:erp, service:semleitura"'


def post(s, token, body, key=None, headers=None, raw=None):
    """POST /api/v1/tickets; returns (status, parsed JSON or None)."""
    data = raw if raw is not None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(s.http + "/api/v1/tickets", data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if key is not None:
        request.add_header("Idempotency-Key", key)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=15) as resp:
            status, raw_answer = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw_answer = e.code, e.read()
    try:
        return status, json.loads(raw_answer.decode("utf-8"))
    except ValueError:
        return status, None


def ticket_body(**changes):
    body = {"from": "Cliente@Example.com", "name": "Rita Lima",
            "subject": "Pedido 4471 não faturado",
            "body": "O ERP marcou o pedido 4471 como pago,\nmas a nota não saiu.",
            "language": "pt-BR"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def main():
    with System("api_tickets", extra_config={"intake": INTAKE}) as s:
        s.start_all()
        erp = s.api_token("erp")

        # A new ticket, by key.
        status, answer = post(s, erp, ticket_body(), key="pedido-4471")
        check(status == 201, "POST /api/v1/tickets is 201", (status, answer))
        check(answer["duplicate"] is False and answer["message_ref"].startswith("m"),
              "the answer has intake's ref, not a duplicate", answer)
        number = answer["ticket"]
        check(isinstance(number, int) and number > 0, "the answer has the ticket's number", answer)
        shown = s.run_tool("balcao", ["show", str(number)],
                           env={"BALCAO_LANG": "pt-BR"}).stdout.decode()
        for text in ("Pedido 4471 não faturado", "a nota não saiu", "cliente@example.com"):
            check(text in shown, "balcao show %d shows %r" % (number, text), shown)
        code, got, _ = s.http_get("/api/tickets/%d" % number, token=erp)
        check(code == 200 and got["subject"] == "Pedido 4471 não faturado"
              and got["customer"]["address"] == "cliente@example.com"
              and got["channel"] == "api" and "a nota não saiu" in got["messages"][0]["body"],
              "GET /api/tickets/N with the token shows the ticket", (code, got))
        log("ticket %d opened over HTTP by service:erp" % number)

        # The same key: the same ticket, no second one.
        total = s.ticket_total()
        status, again = post(s, erp, ticket_body(), key="pedido-4471")
        check(status == 200 and again["duplicate"] is True and again["ticket"] == number
              and again["message_ref"] == answer["message_ref"],
              "the same key answers the same ticket, duplicate true", (status, again))
        time.sleep(0.5)
        check(s.ticket_total() == total, "no second ticket for the same key",
              (total, s.ticket_total()))

        # Another key: another ticket.
        status, second = post(s, erp, ticket_body(subject="Outro pedido"), key="pedido-4472")
        check(status == 201 and second["ticket"] not in (None, number),
              "another key opens another ticket", (status, second))
        wait_until(lambda: s.ticket_total() == total + 1, 5, "the second ticket", s)

        # The example client (examples/python/http_submit.py), twice.
        example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                               "examples", "python", "http_submit.py")
        runs = []
        for _ in range(2):
            runs.append(subprocess.run(
                [sys.executable, example, "--url", s.http, "--key", "exemplo-1",
                 "--from", "ana@example.com", "--name", "Ana Souza",
                 "--subject", "Nota fiscal não emitida", "--body", "A nota não saiu."],
                env=dict(os.environ, BALCAO_TOKEN=erp), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, timeout=60))
        first, again = (r.stdout.decode() for r in runs)
        check(all(r.returncode == 0 for r in runs) and "duplicate=False" in first
              and "duplicate=True" in again
              and first.split()[0] == again.split()[0] != "ticket=None",
              "the example opens one ticket, and its retry is a duplicate",
              (first, again, runs[0].stderr))
        wait_until(lambda: s.ticket_total() == total + 2, 5, "the example's ticket", s)
        total = s.ticket_total()

        # Bad requests: 400, both languages, nothing at intake.
        intake_head = s.head_seq("intake")
        bad = [
            ("no key", ticket_body(), None, None, None),
            ("a key with a space", ticket_body(), "pedido 1", None, None),
            ("a key of 65 characters", ticket_body(), "k" * 65, None, None),
            ("not JSON", None, "bad-1", None, b"{\"from\": "),
            ("a JSON array", None, "bad-2", None, b"[]"),
            ("an unknown field", ticket_body(subjet="x"), "bad-3", None, None),
            ("no from", ticket_body(**{"from": None}), "bad-4", None, None),
            ("a bad address", ticket_body(**{"from": "cliente.example.com"}), "bad-5", None, None),
            ("a subject of 301 characters", ticket_body(subject="a" * 301), "bad-6", None, None),
            ("an empty body", ticket_body(body=""), "bad-7", None, None),
            ("a number as subject", ticket_body(subject=42), "bad-8", None, None),
            ("an unknown language", ticket_body(language="fr"), "bad-9", None, None),
            ("an unknown category", ticket_body(category="nao-existe"), "bad-10", None, None),
            ("a session cookie beside the token", ticket_body(), "bad-11",
             {"Cookie": "balcao_session=" + "A" * 43}, None),
        ]
        for what, body, key, headers, raw in bad:
            status, err = post(s, erp, body, key=key, headers=headers, raw=raw)
            check(status == 400 and err and err.get("error") == "invalid"
                  and err.get("message") and err.get("message_pt"),
                  "%s is 400 with a message in both languages" % what, (status, err))
        check(s.head_seq("intake") == intake_head, "no bad request reached intake",
              (intake_head, s.head_seq("intake")))
        check(s.ticket_total() == total, "no ticket from a bad request")

        # Who may not: 401 without, with a wrong and with a revoked token.
        revoked = s.api_token("revogado")
        status, err = post(s, revoked, ticket_body(), key="antes")
        check(status == 403, "service:revogado is not among intake/submitters: 403", (status, err))
        tokens = os.path.join(s.var, "gateway", "tokens")
        with open(tokens) as f:
            lines = [line for line in f if not line.startswith("revogado ")]
        with open(tokens, "w") as f:
            f.writelines(lines)
        for what, token in (("no token", None), ("a wrong token", "balcao_" + "x" * 43),
                            ("a revoked token", revoked)):
            status, err = post(s, token, ticket_body(), key="sem-token")
            check(status == 401 and err.get("error") == "unauthorized",
                  "%s is 401" % what, (status, err))

        # A token intake/submitters leaves out: intake's 403, nothing stored.
        leitor = s.api_token("leitor")
        status, err = post(s, leitor, ticket_body(), key="leitor-1")
        check(status == 403 and err.get("error") == "forbidden"
              and "intake/submitters" in err.get("message", ""),
              "a service intake/submitters leaves out is 403 with intake's reason",
              (status, err))
        check(s.head_seq("intake") == intake_head and s.ticket_total() == total,
              "nothing stored for it")

        # A token without "read" opens a ticket, but does not learn its number.
        semleitura = s.api_token("semleitura", read=False)
        status, blind = post(s, semleitura, ticket_body(subject="Sem leitura"), key="s-1")
        check(status == 201 and blind["ticket"] is None and blind["message_ref"],
              "a token without read opens a ticket and gets its ref", (status, blind))
        wait_until(lambda: s.ticket_total() == total + 1, 5, "its ticket", s)
        check(not s.log_text("gateway").count(erp), "the gateway never logs a token")
        check("event=api_ticket service=erp key=pedido-4471" in s.log_text("gateway"),
              "the gateway logs the system and its key")
        s.check_alive()


if __name__ == "__main__":
    run_test(main)

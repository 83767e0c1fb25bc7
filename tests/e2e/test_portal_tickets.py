#!/usr/bin/python3
"""The customer's tickets over the portal's HTTP API (issue 13; docs/API.md,
"Tickets"), with the real services and gateway.

Proves:
- a signed-in customer opens a ticket with a category and a file (201 with
  its number), sees it listed and shown with its status, category, tier and
  promise, downloads the file (as a download, sandboxed); the same
  client_ref twice is one ticket; the suggested article they opened before
  sending is counted once in kb's deflection numbers;
- they reply with a file; the agent's public reply shows, their internal
  note never does (not even its words); the promise follows the ticket;
- the agent resolves: the customer may accept or reject; rejecting needs a
  reason, reopens the ticket and gives it back to the agent who resolved
  it; resolved again, accepting closes it; rating 1-5 once (a second is
  409); a message on the closed ticket answers the number of the ticket
  the router opened for it;
- another customer B cannot read, reply to, accept, reject, rate or
  download A's files by guessing numbers or the SHA-256: every answer is
  byte for byte the answer for a number never used (or a file never
  stored), and A's ticket is unchanged; B does not see it listed;
- a colleague who follows the organization's tickets sees A's ticket but
  cannot accept, reject or rate it;
- XSS payloads in subject, body and file name come back as the same text;
- bad fields are 400 naming the field, in pt-BR and English; a body over
  gateway/max_body_bytes and a file over intake's limit are 413; nothing of
  any of them is stored;
- with the router stopped, a new ticket is 202 with intake's reference;
  once the router is back it is listed, and the same form sent again
  answers its number;
- a customer whose address opened a ticket by e-mail sees it once signed
  in; a service token reads a ticket but writes nothing; a visitor is 401;
- with CURVE on the same: the gateway's key acts for the customer at the
  router and as service:gateway at intake.
"""

import base64
import hashlib
import json
import os
import socket
import urllib.error
import urllib.request
import uuid

from harness import System, check, kb_pb2, log, router_pb2, run_test, wait_until
from portal import Portal, sign_in

CONFIG = {
    "gateway": "    mails_per_address_hour = 50\n"
               "    mails_per_ip_hour = 1000\n"
               "    max_body_bytes = 2000000\n",
    "intake": "    max_attachment_bytes = 100000\n"
              "    max_message_attachments_bytes = 150000\n",
    # A message on a closed ticket opens a new one at once.
    "router": "    reopen_days = 0\n",
}
A, B, C, RITA = "ana@cliente.test", "bruno@outro.test", "chefe@cliente.test", "rita@loja.test"
AGENT = "agent:lia@balcao.test"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def ref():
    return str(uuid.uuid4())


def file(name, data, content_type="image/png"):
    return {"filename": name, "content_type": content_type,
            "content_base64": base64.b64encode(data).decode()}


def raw(p, method, path, body=None):
    """(status, body bytes): the answer exactly as sent."""
    headers = {}
    data = None
    if method == "POST":
        if p.csrf is None:
            p.session()
        headers = {"Content-Type": "application/json", "Origin": p.base,
                   "X-CSRF-Token": p.csrf}
        data = json.dumps(body or {}).encode()
    req = urllib.request.Request(p.base + "/api/v1" + path, data=data, method=method,
                                 headers=headers)
    try:
        with p.opener.open(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def oversized(s, p, data):
    """POSTs data to /tickets on a raw socket: the gateway answers 413 from
    the headers and may close before the body is all sent (urllib would
    only see a broken pipe). (status, JSON body)."""
    cookies = "; ".join("%s=%s" % (c.name, c.value) for c in p.jar)
    head = ("POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nOrigin: %s\r\nX-CSRF-Token: %s\r\n"
            "Cookie: %s\r\nContent-Length: %d\r\n\r\n" % (p.base, p.csrf, cookies, len(data)))
    answer = b""
    with socket.create_connection(("127.0.0.1", s.http_port), timeout=10) as c:
        c.sendall(head.encode())
        try:
            c.sendall(data)
        except OSError:
            pass
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body.decode())


def stored_files(s):
    found = []
    for _dirpath, _dirs, names in os.walk(os.path.join(s.var, "intake", "attachments")):
        found += [n for n in names if not n.startswith(".")]
    return sorted(found)


def agent(s, msg):
    return s.call("router", msg, principal=AGENT)


def main():
    with System("portal_tickets", extra_config=CONFIG) as s:
        s.start_all()
        for pid, org, sees in (("customer:" + A, "Cliente A", False),
                               ("customer:" + C, "Cliente A", True)):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=pid, name=pid[9:], email=pid[9:], organization=org, sees_organization=sees)),
                principal="admin:e2e")
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=AGENT, name="Lia", email="lia@balcao.test", tier="N1", status="online")),
            principal="admin:e2e")

        s.call("kb", kb_pb2.CreateArticle(article=kb_pb2.Article(
            id="trocar-senha", title="Como trocar a senha", status="publicado",
            body="Use o link Esqueci minha senha na tela de entrada.")), principal=AGENT)

        status, body, _ = Portal(s).get("/tickets")
        check(status == 401 and body["error"] == "unauthorized", "a visitor's list is 401")

        a = sign_in(s, A)
        status, body, _ = a.get("/categories")
        check(status == 200 and {"id": "acesso", "name": "Acesso e senha",
                                 "name_en": "Login and password", "description": ""}
              in body["categories"], "the router's categories, named in both languages", body)

        # ---- open, list, show, download --------------------------------
        form = ref()
        new = {"subject": "Não consigo entrar no sistema", "body": "Desde ontem a senha falha.\nAjuda!",
               "category": "acesso", "attachments": [file("tela.png", PNG)], "client_ref": form,
               "suggestions_opened": ["trocar-senha"]}
        status, body, _ = a.post("/tickets", new)
        check(status == 201 and body["number"] == 1, "a ticket opens: 201 with its number", body)
        n = body["number"]
        status, body, _ = a.post("/tickets", new)
        check(status == 201 and body["number"] == n and s.ticket_total() == 1,
              "the same client_ref again is the same ticket", body)
        counts = s.call("kb", kb_pb2.GetDeflection(), principal=AGENT)
        article = s.call("kb", kb_pb2.GetDeflection(article="trocar-senha"), principal=AGENT)
        check(counts.sent_after_opening == 1 and article.sent_after_opening == 1,
              "the suggestion opened before sending is counted once, for kb's reports",
              (counts, article))

        status, body, _ = a.get("/tickets")
        summary = body["tickets"][0]
        check(status == 200 and [t["number"] for t in body["tickets"]] == [n]
              and summary["status"] == "novo" and summary["category"] == "acesso"
              and summary["tier"] == "N1" and summary["promise"]["kind"] == "first_response"
              and summary["promise"]["due"] and summary["promise"]["state"] == "running",
              "listed with its status, category and first-response promise", body)
        status, t, _ = a.get("/tickets/%d" % n)
        m = t["messages"][0]
        check(status == 200 and m["direction"] == "inbound" and m["body"] == new["body"]
              and m["channel"] == "portal" and t["customer"]["address"] == A
              and t["can_reply"] and not t["can_accept"] and not t["can_rate"],
              "shown with its thread and what the customer may do", t)
        sha = hashlib.sha256(PNG).hexdigest()
        url = "/api/v1/tickets/%d/attachments/%s" % (n, sha)
        check(m["attachments"] == [{"sha256": sha, "filename": "tela.png",
                                    "content_type": "image/png", "size": len(PNG), "url": url}],
              "the file is on the message, with its URL", m["attachments"])
        req = urllib.request.Request(s.http + url)
        with a.opener.open(req, timeout=10) as resp:
            data, headers = resp.read(), resp.headers
        check(data == PNG and headers["Content-Disposition"].startswith("attachment")
              and headers["Content-Security-Policy"] == "sandbox"
              and headers["X-Content-Type-Options"] == "nosniff",
              "the customer downloads their file, as a sandboxed download")

        # ---- reply, the agent's answer, resolve ---------------------------
        notes = "log de erro\n".encode() * 20
        status, body, _ = a.post("/tickets/%d/messages" % n, {
            "body": "Segue o log.", "client_ref": ref(),
            "attachments": [file("erro.log", notes, "text/plain")]})
        t = a.get("/tickets/%d" % n)[1]
        check(status == 201 and body == {"number": n} and len(t["messages"]) == 2
              and t["messages"][1]["attachments"][0]["filename"] == "erro.log",
              "the customer replies with a file", (status, body))
        agent(s, router_pb2.AddMessage(number=n, body="NOTA-INTERNA: cliente VIP", is_internal=True))
        agent(s, router_pb2.AddMessage(number=n, body="Olá, Ana! Já estamos vendo."))
        status, rawt = raw(a, "GET", "/tickets/%d" % n)
        t = json.loads(rawt)
        check(t["messages"][-1]["direction"] == "outbound"
              and t["messages"][-1]["body"] == "Olá, Ana! Já estamos vendo."
              and t["status"] == "aberto" and t["promise"]["kind"] == "resolution"
              and b"NOTA-INTERNA" not in rawt and b"VIP" not in rawt
              and t["message_count"] == 3,
              "the agent's reply shows, the internal note never does", t)
        listed = a.get("/tickets")[1]["tickets"][0]
        check(listed["message_count"] == 3 and s.ticket(n).message_count == 4,
              "the list counts the public messages only (not the note)", listed)
        agent(s, router_pb2.TicketAction(number=n, action="request_info",
                                         text="Qual navegador você usa?"))
        t = a.get("/tickets/%d" % n)[1]
        check(t["status"] == "aguardando_cliente" and t["messages"][-1]["direction"] == "outbound"
              and t["messages"][-1]["body"] == "Qual navegador você usa?" and t["can_reply"],
              "the agent's question shows in the portal, to be answered there", t["messages"][-1])
        status, body, _ = a.post("/tickets/%d/messages" % n, {"body": "Chrome.", "client_ref": ref()})
        check(status in (200, 201) and a.get("/tickets/%d" % n)[1]["status"] == "aberto",
              "the customer's answer in the portal reopens the conversation", (status, body))
        agent(s, router_pb2.TicketAction(number=n, action="resolve", text="Senha redefinida."))
        t = a.get("/tickets/%d" % n)[1]
        check(t["status"] == "resolvido" and t["promise"]["kind"] == "validation"
              and t["promise"]["due"] == t["auto_close_at"] and t["auto_close_at"]
              and t["can_accept"] and t["can_reject"] and t["resolution"] == "Senha redefinida.",
              "resolved: the customer is asked to validate, with the auto-close time", t)

        # ---- another customer guesses ------------------------------------
        b = sign_in(s, B)
        status, body, _ = b.post("/tickets", {"subject": "Minha dúvida", "body": "Oi.",
                                              "client_ref": ref()})
        nb = body["number"]
        before = s.ticket(n)
        files_before = stored_files(s)
        never = 999999
        other_sha = hashlib.sha256(b"never stored").hexdigest()
        tries = [
            ("GET", "/tickets/%d", None),
            ("POST", "/tickets/%d/messages", {"body": "Invadi", "client_ref": ref(),
                                              "attachments": [file("x.png", b"x")]}),
            ("POST", "/tickets/%d/accept", {}),
            ("POST", "/tickets/%d/reject", {"reason": "não gostei"}),
            ("POST", "/tickets/%d/rating", {"score": 1}),
        ]
        for method, path, payload in tries:
            mine = raw(b, method, path % n, payload)
            unused = raw(b, method, path % never, payload)
            check(mine[0] == 404 and mine == unused,
                  "B: %s %s answers as a number never used" % (method, path % n), (mine, unused))
        for path, other in (("/tickets/%d/attachments/%s" % (n, sha),
                             "/tickets/%d/attachments/%s" % (never, other_sha)),
                            ("/tickets/%d/attachments/%s" % (nb, sha),
                             "/tickets/%d/attachments/%s" % (nb, other_sha))):
            mine, unused = raw(b, "GET", path), raw(b, "GET", other)
            check(mine[0] == 404 and mine == unused,
                  "B: GET %s answers as a file never stored" % path, (mine, unused))
        after = s.ticket(n)
        check(after == before and stored_files(s) == files_before,
              "A's ticket is unchanged and nothing was stored")
        check([t["number"] for t in b.get("/tickets")[1]["tickets"]] == [nb],
              "B's list has only B's ticket")

        # ---- a colleague who follows the organization ----------------------
        c = sign_in(s, C)
        listed = [t["number"] for t in c.get("/tickets")[1]["tickets"]]
        status, t, _ = c.get("/tickets/%d" % n)
        check(n in listed and status == 200 and not t["can_accept"] and not t["can_reject"]
              and not t["can_rate"], "the colleague sees the organization's ticket, read only")
        for path, payload in (("/tickets/%d/accept", {}), ("/tickets/%d/reject", {"reason": "x"})):
            status, body, _ = c.post(path % n, payload)
            check(status in (403, 409) and s.ticket(n).status == "resolvido",
                  "the colleague cannot %s" % path.split("/")[-1], (status, body))

        # ---- reject, resolve again, accept, rate ----------------------------
        status, body, _ = a.post("/tickets/%d/reject" % n, {"reason": ""})
        check(status == 400 and "reason" in body["message"] and body["message_pt"],
              "rejecting needs a reason", body)
        status, t, _ = a.post("/tickets/%d/reject" % n, {"reason": "Ainda não consigo entrar."})
        check(status == 200 and t["status"] == "reaberto" and s.ticket(n).assignee == AGENT,
              "rejected: reopened, back to the agent who resolved it", (status, t.get("status")))
        agent(s, router_pb2.TicketAction(number=n, action="resolve", text="Conta desbloqueada."))
        status, t, _ = a.post("/tickets/%d/accept" % n, {})
        check(status == 200 and t["status"] == "fechado" and t["promise"]["kind"] == "done"
              and t["can_rate"] and not t["can_reply"], "accepted: closed, ready to rate", t)
        status, body, _ = c.post("/tickets/%d/rating" % n, {"score": 1})
        check(status in (403, 409) and s.ticket(n).csat_score == 0,
              "the colleague cannot rate", (status, body))
        status, body, _ = a.post("/tickets/%d/rating" % n, {"score": 6})
        check(status == 400 and "score" in body["message"], "a score is 1 to 5", body)
        status, t, _ = a.post("/tickets/%d/rating" % n, {"score": 5, "comment": "Ótimo!"})
        check(status == 200 and t["rating"] == {"score": 5, "comment": "Ótimo!"}
              and not t["can_rate"], "rated once", t)
        status, body, _ = a.post("/tickets/%d/rating" % n, {"score": 1})
        check(status == 409 and s.ticket(n).csat_score == 5, "a second rating is 409", body)
        status, body, _ = a.post("/tickets/%d/messages" % n, {"body": "Voltou a falhar.",
                                                             "client_ref": ref()})
        check(status == 201 and body["number"] != n and s.ticket(body["number"]).previous == n
              and s.ticket(n).status == "fechado",
              "a message on the closed ticket answers the new ticket it opened", body)

        # ---- XSS as text --------------------------------------------------
        xss = {"subject": "<script>alert('s')</script>", "body": "<img src=x onerror=alert('b')>",
               "attachments": [file("\"><svg onload=alert('f')>.png", b"\x89PNG xss")],
               "client_ref": ref()}
        status, body, _ = a.post("/tickets", xss)
        t = a.get("/tickets/%d" % body["number"])[1]
        check(t["subject"] == xss["subject"] and t["messages"][0]["body"] == xss["body"]
              and t["messages"][0]["attachments"][0]["filename"] == xss["attachments"][0]["filename"],
              "markup comes back as the same text")

        # ---- bad input: 400 / 413, nothing stored ---------------------------
        total, files_before = s.ticket_total(), stored_files(s)
        good = {"subject": "Assunto", "body": "Texto", "client_ref": ref()}
        bad = [("subject", dict(good, subject="")), ("subject", dict(good, subject="x" * 201)),
               ("subject", dict(good, subject="a\x07b")), ("body", dict(good, body="é" * 20001)),
               ("body", dict(good, body=7)), ("client_ref", dict(good, client_ref="")),
               ("category", dict(good, category="impressoras")),
               ("content_base64", dict(good, attachments=[{"filename": "a.txt",
                                                           "content_base64": "abc"}])),
               ("content_base64", dict(good, attachments=[{"filename": "a.txt",
                                                           "content_base64": "YQ==\n"}])),
               ("filename", dict(good, attachments=[{"filename": "../a", "content_base64": ""}])),
               ("attachments", dict(good, attachments=[file("%d.png" % i, b"x") for i in range(11)]))]
        for field, payload in bad:
            status, body, _ = a.post("/tickets", payload)
            check(status == 400 and field in body["message"] and field in body["message_pt"]
                  and body["error"] == "invalid", "a bad %s is 400 naming it" % field, body)
        status, body = oversized(s, a, json.dumps(dict(good, body="x" * 2100000)).encode())
        check(status == 413 and body["error"] == "too_large", "a body over max_body_bytes is 413",
              (status, body))
        status, body, _ = a.post("/tickets", dict(good, attachments=[
            file("grande.bin", os.urandom(100001), "application/octet-stream")]))
        check(status == 413 and body["error"] == "too_large" and "100000" in body["message"]
              and "grande.bin" in body["message_pt"], "a file over intake's limit is 413 with "
              "intake's sentence", body)
        status, body, _ = a.post("/tickets/%d/messages" % n, {"body": "", "client_ref": ref()})
        check(status == 400 and "body" in body["message"], "an empty reply is 400", body)
        check(s.ticket_total() == total and stored_files(s) == files_before,
              "nothing of the refused requests is stored")

        # ---- an e-mail customer signs in; tokens; the service still runs -----
        s.mailgate(b"From: Rita <rita@loja.test>\r\nTo: suporte@balcao.test\r\n"
                   b"Subject: Pedido travado\r\nMessage-ID: <rita-1@loja.test>\r\n\r\n"
                   b"O pedido 42 travou.\r\n")
        wait_until(lambda: s.ticket_total() == total + 1, 20, "Rita's ticket", system=s)
        r = sign_in(s, RITA)
        listed = r.get("/tickets")[1]["tickets"]
        check([t["subject"] for t in listed] == ["Pedido travado"],
              "an address's e-mail tickets are there once it signs in", listed)
        # ---- the router late: 202, then the same form finds its ticket -----
        s.stop("router")
        late = {"subject": "Enquanto o roteador dorme", "body": "Oi.", "client_ref": ref()}
        status, body, _ = a.post("/tickets", late, timeout=30)
        check(status == 202 and body["number"] == 0 and body["message_ref"].startswith("m"),
              "with the router stopped: 202 with intake's reference", (status, body))
        s.start("router")
        wait_until(lambda: any(t["subject"] == late["subject"]
                               for t in a.get("/tickets")[1]["tickets"]),
                   20, "the late ticket listed", system=s)
        status, again, _ = a.post("/tickets", late)
        check(status == 201 and s.ticket(again["number"]).subject == late["subject"],
              "sending the same form again answers its number", (status, again))

        s.api_token("erp")
        status, t, _ = s.http_get("/api/v1/tickets/%d" % n)
        check(status == 200 and t["number"] == n and not t["can_reply"],
              "a service token reads a ticket, with nothing to do on it", t)

    log("with CURVE on")
    with System("portal_tickets_curve", curve=True, extra_config=CONFIG) as s:
        s.start_all()
        a, b = sign_in(s, A), sign_in(s, B)
        status, body, _ = a.post("/tickets", {"subject": "Com CURVE", "body": "Olá.",
                                              "category": "duvida", "client_ref": ref(),
                                              "attachments": [file("tela.png", PNG)]})
        check(status == 201, "a ticket opens under CURVE (intake as service:gateway)", body)
        n = body["number"]
        t = a.get("/tickets/%d" % n)[1]
        check(t["category"] == "duvida" and t["customer"]["address"] == A,
              "the router reads it as the customer under CURVE", t)
        url = t["messages"][0]["attachments"][0]["url"]
        with a.opener.open(urllib.request.Request(s.http + url), timeout=10) as resp:
            check(resp.read() == PNG, "the file comes back under CURVE")
        mine = raw(b, "GET", url[len("/api/v1"):])
        unused = raw(b, "GET", "/tickets/999/attachments/" + "0" * 64)
        check(mine[0] == 404 and mine == unused, "another customer still gets the one 404")


if __name__ == "__main__":
    run_test(main)

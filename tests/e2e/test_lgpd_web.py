#!/usr/bin/python3
"""The LGPD rights on the web (docs/API.md, "LGPD"): a customer downloads
their data from the portal; an admin exports, anonymises and reads the
audit from the dashboard's API.

A customer with a portal account writes by e-mail with a binary file
whose name has an accent; an agent answers her and adds an internal note;
another customer has a ticket of his own. Then, over HTTP:
  - she signs in and POST /me/export gives a ZIP file (application/zip,
    balcao-dados-<date>.zip) that Python's zipfile opens: the manifest's
    parts, router.json with her ticket and the agent's answer but not the
    internal note (nowhere in the archive), the file's exact bytes under
    its UTF-8 name, gateway.json with her portal account, nothing of the
    other customer;
  - the other customer, even naming her in the body, gets only his own;
  - no session: 401; no CSRF token: 403; a few per hour, then 429;
  - an agent's session gets 403 on the desk's LGPD routes, a customer's
    too; an admin's gets her ZIP (audited with the reason), is refused an
    erasure whose confirmation differs (400, nothing erased), erases with
    it, and reads the audit: her portal export, the admin's, the erasure.
"""

import io
import json
import re
import urllib.error
import urllib.request
import zipfile

from harness import System, check, log, log_id, run_test, wait_until
from portal import Portal, staff_sign_in
from balcao.v1 import router_pb2

ADMIN = "admin:renata@suporte.example"
AGENT = "agent:bruno@suporte.example"
NAME = "Joana Prudêncio"
EMAIL = "joana.prudencio@cliente-web.com.br"
PERSON = "customer:" + EMAIL
OTHER = "marcos@outra-empresa.com.br"
PASSWORD = "uma senha bem longa 123"
PHRASE = "girassol quântico sete"
OTHER_PHRASE = "pinguim estatístico nove"
NOTE = "nota interna: cliente difícil, não contar do desconto"
FILE_NAME = "relatório fiscal.bin"
FILE_BYTES = bytes(range(256)) * 4 + "ção".encode()


def mail_with_file():
    import base64
    boundary = "b-lgpd-web"
    body = "Bom dia, a nota não sai: %s." % PHRASE
    data = base64.encodebytes(FILE_BYTES).decode().replace("\n", "\r\n")
    return ("From: %s <%s>\r\nTo: suporte@balcao.test\r\nSubject: Nota fiscal rejeitada\r\n"
            "Message-ID: <lgpd-web-1@cliente-web.com.br>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
            "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n"
            "--%s\r\nContent-Type: application/octet-stream\r\n"
            "Content-Disposition: attachment; filename*=utf-8''relat%%C3%%B3rio%%20fiscal.bin\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--%s--\r\n"
            % (NAME, EMAIL, boundary, boundary, body, boundary, data, boundary)).encode()


def post_raw(p, path, body, csrf=True):
    """POST JSON as Portal.post does; (status, bytes, headers)."""
    if csrf and p.csrf is None:
        p.session()
    req = urllib.request.Request(p.base + "/api/v1" + path, data=json.dumps(body).encode(),
                                 method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Origin", p.base)
    if csrf:
        req.add_header("X-CSRF-Token", p.csrf)
    try:
        with p.opener.open(req, timeout=30) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def unzip(data):
    """{name: bytes} of a ZIP file."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        check(z.testzip() is None, "the ZIP file's checksums are right")
        return {i.filename: z.read(i) for i in z.infolist()}


def export_ok(status, data, headers, what):
    check(status == 200 and headers.get("Content-Type") == "application/zip"
          and re.fullmatch(r'attachment; filename="balcao-dados-\d{4}-\d\d-\d\d\.zip"',
                           headers.get("Content-Disposition", "")),
          what, (status, headers.get("Content-Type"), headers.get("Content-Disposition"),
                 data[:300]))
    return unzip(data)


def login(s, address):
    p = Portal(s.http)
    status, body, _ = p.post("/login", {"email": address, "password": PASSWORD})
    check(status == 200 and body.get("signed_in"), "%s signs in" % address, (status, body))
    return p


def main():
    extra = {"gateway": "    exports_per_hour = 2\n    erasure_sync_s = 1"}
    with System("lgpd-web", extra_config=extra) as s:
        s.start_all()
        for who, name, tier in ((ADMIN, "Renata", ""), (AGENT, "Bruno", "N1")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=name, email=who.split(":", 1)[1], tier=tier)),
                principal="admin:e2e")
        for address, name in ((EMAIL, NAME), (OTHER, "Marcos Outro")):
            r = s.run_tool("balcao-gateway", ["account-add", address, name],
                           input=PASSWORD.encode() + b"\n")
            check(r.returncode == 0, "%s has a portal account" % name, r.stderr)
        r = s.mailgate(mail_with_file())
        check(r.returncode == 0, "her e-mail with the file is accepted", r.stderr)
        s.submit_api("lgpd-web-other", "Boleto duplicado", "Recebi dois boletos: " + OTHER_PHRASE,
                     from_address=OTHER)
        wait_until(lambda: s.ticket_total() == 2, 20, "two tickets", system=s)
        tickets = {t.customer_address: t.number for t in s.all_tickets()}
        mine = tickets[EMAIL]
        sha = s.ticket(mine).messages[0].attachments[0].sha256
        s.call("router", router_pb2.AssignTicket(number=mine), principal=AGENT)
        s.call("router", router_pb2.AddMessage(number=mine, body="Olá, Joana! Reemitimos a nota."),
               principal=AGENT)
        s.call("router", router_pb2.AddMessage(number=mine, body=NOTE, is_internal=True),
               principal=AGENT)

        # ---- the portal: her own data, as a ZIP file ----
        joana = login(s, EMAIL)
        status, data, headers = post_raw(joana, "/me/export", {})
        files = export_ok(status, data, headers, "her download is a ZIP file named by the day")
        manifest = json.loads(files["manifest.json"])
        parts = {p["file"]: p["service"] for p in manifest["parts"]}
        stored = "files/%s-%s" % (sha[:12], FILE_NAME)
        check(manifest["person"] == PERSON and manifest["asked_by"] == PERSON
              and manifest["reason"] == "pedido do titular pelo portal"
              and parts.get("router.json") == "router" and parts.get("notify.json") == "notify"
              and parts.get("kb.json") == "kb" and parts.get("gateway.json") == "gateway"
              and parts.get(stored) == "intake" and not manifest["not_included"]
              and set(parts) | {"manifest.json"} == set(files),
              "the manifest lists every part and where it came from", (manifest, list(files)))
        router = json.loads(files["router.json"])
        bodies = [m["body"] for t in router["tickets"] for m in t["messages"]]
        check([t["number"] for t in router["tickets"]] == [mine]
              and any(PHRASE in b for b in bodies) and any("Reemitimos" in b for b in bodies),
              "router.json: her ticket with her message and the agent's answer", bodies)
        everything = b"".join(files.values())
        check(NOTE.encode() not in everything and not any(
            m.get("is_internal") for t in router["tickets"] for m in t["messages"]),
            "the agent's internal note is nowhere in her download")
        check(files.get(stored) == FILE_BYTES, "her file, byte for byte, under its UTF-8 name",
              list(files))
        account = json.loads(files["gateway.json"])["portal_account"]
        check(account["address"] == EMAIL and account["name"] == NAME and account["confirmed"]
              and account["language"] and account["created_at"]
              and b"$argon2" not in files["gateway.json"],
              "gateway.json: her portal account, without the password's hash", account)
        check(OTHER_PHRASE.encode() not in everything and OTHER.encode() not in everything,
              "nothing of the other customer in hers")

        # Another customer gets his own, whatever the body says.
        marcos = login(s, OTHER)
        status, data, headers = post_raw(marcos, "/me/export", {"person": PERSON})
        his = export_ok(status, data, headers, "the other customer downloads too")
        his_all = b"".join(his.values())
        check(json.loads(his["manifest.json"])["person"] == "customer:" + OTHER
              and OTHER_PHRASE.encode() in his_all and PHRASE.encode() not in his_all
              and EMAIL.encode() not in his_all and stored not in his,
              "the route exports only the session's own customer", list(his))

        status, body, _ = Portal(s.http).post("/me/export", {})
        check(status == 401 and body["error"] == "unauthorized" and body["message_pt"],
              "no session: 401", (status, body))
        status, body, _ = joana.post("/me/export", {}, csrf=False)
        check(status == 403 and body["error"] == "csrf", "no CSRF token: 403", (status, body))
        status, data, headers = post_raw(joana, "/me/export", {})
        check(status == 200, "a second download in the hour", status)
        status, data, headers = post_raw(joana, "/me/export", {})
        body = json.loads(data)
        check(status == 429 and body["error"] == "rate_limited" and "hora" in body["message_pt"]
              and int(headers["Retry-After"]) > 0,
              "a third in the hour: 429 with a sentence and Retry-After", (status, body))

        # ---- the dashboard: admins only ----
        bruno = staff_sign_in(s, AGENT)
        for path, req in (("/desk/lgpd/export", {"person": PERSON, "reason": "pedido"}),
                          ("/desk/lgpd/erase", {"person": PERSON, "reason": "pedido",
                                                "confirm": PERSON})):
            status, body, _ = bruno.post(path, req)
            check(status == 403 and body["error"] == "forbidden",
                  "an agent may not %s" % path, (status, body))
        status, body, _ = bruno.get("/desk/lgpd/audit")
        check(status == 403, "an agent may not read the audit", (status, body))
        status, body, _ = marcos.get("/desk/lgpd/audit")
        check(status == 403, "a customer's session may not read the audit", (status, body))

        renata = staff_sign_in(s, ADMIN)
        status, body, _ = renata.post("/desk/lgpd/export", {"person": " ", "reason": "pedido"})
        check(status == 400 and body["error"] == "invalid" and "endereço" in body["message_pt"]
              and body["message"], "an export without a person: 400 in both languages",
              (status, body))
        status, body, _ = renata.get("/me/export")
        check(status == 405, "the portal's export is a POST", (status, body))
        status, body, _ = renata.post("/desk/lgpd/export", {"person": PERSON, "reason": ""})
        check(status == 400 and body["error"] == "invalid" and "motivo" in body["message_pt"],
              "an admin's export says why (the audit keeps it)", (status, body))
        status, data, headers = post_raw(renata, "/desk/lgpd/export",
                                         {"person": PERSON, "reason": "pedido por e-mail, "
                                          "protocolo 2026-91"})
        files = export_ok(status, data, headers, "the admin downloads her data as a ZIP file")
        manifest = json.loads(files["manifest.json"])
        check(manifest["person"] == PERSON and manifest["asked_by"] == ADMIN
              and manifest["reason"] == "pedido por e-mail, protocolo 2026-91"
              and files.get(stored) == FILE_BYTES
              and json.loads(files["gateway.json"])["portal_account"]["address"] == EMAIL,
              "the admin's export: audited with the reason, her file, her account", manifest)

        status, body, _ = renata.post("/desk/lgpd/erase", {
            "person": PERSON, "reason": "pedido do titular, protocolo 2026-92",
            "confirm": "joana.prudencio@cliente-web.com"})
        check(status == 400 and body["error"] == "confirm" and "digite" in body["message_pt"],
              "a confirmation that differs: 400", (status, body))
        check(s.ticket(mine).customer_address == EMAIL, "... and nothing is erased")
        status, body, _ = renata.get("/desk/lgpd/audit")
        rows = [(e["kind"], e["by"], e["reason"], e["trigger"]) for e in body["erasures"]]
        check(status == 200 and not [r for r in rows if r[0] == "erase"]
              and rows[0] == ("export", ADMIN, "pedido por e-mail, protocolo 2026-91", "")
              and rows.count(("export", PERSON, "pedido do titular pelo portal", "portal")) == 2
              and ("export", "customer:" + OTHER, "pedido do titular pelo portal", "portal") in rows
              and len(rows) == 4
              and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["when"])
                      for e in body["erasures"]),
              "... nor audited: the audit holds the four exports, newest first, who and why "
              "(the refused third download is not one)", rows)

        status, body, _ = renata.post("/desk/lgpd/erase", {
            "person": PERSON, "reason": "pedido do titular, protocolo 2026-92", "confirm": EMAIL})
        check(status == 200 and body["kind"] == "erase" and body["tickets"] == 1
              and body["by"] == ADMIN and not body["already"],
              "the admin erases her, the address typed again", (status, body))
        wait_until(lambda: s.ticket(mine).customer_address != EMAIL, 20,
                   "the ticket no longer names her", system=s)

        status, body, _ = renata.get("/desk/lgpd/audit")
        rows = [(e["kind"], e["by"], e["reason"], e["tickets"]) for e in body["erasures"]]
        check(status == 200 and len(rows) == 5
              and rows[0] == ("erase", ADMIN, "pedido do titular, protocolo 2026-92", 1)
              and rows[1][:3] == ("export", ADMIN, "pedido por e-mail, protocolo 2026-91"),
              "the audit: the erasure first, then the exports", rows)
        # The log is written in blocks: wait for the erasure's line.
        wait_until(lambda: "event=lgpd_erase " in s.log_text("gateway"), 10,
                   "the gateway logs the erasure", system=s)
        lines = [l for l in s.log_text("gateway").splitlines() if "event=lgpd_" in l]
        check(sum("event=lgpd_export by=%s " % log_id(EMAIL) in l for l in lines) == 2
              and sum("event=lgpd_export by=%s " % ADMIN in l for l in lines) == 1
              and sum("event=lgpd_erase by=%s " % ADMIN in l for l in lines) == 1
              and EMAIL not in s.log_text("gateway") and FILE_NAME not in s.log_text("gateway"),
              "the gateway logs each export and erasure, the customer by a pseudonym, never "
              "her address nor her file's name", lines)
        # Her portal account goes with her (gateway_erasures.c).
        wait_until(lambda: Portal(s.http).post("/login", {"email": EMAIL,
                                                          "password": PASSWORD})[0] != 200,
                   20, "her portal account is gone", system=s)
        log("ok")


if __name__ == "__main__":
    run_test(main)

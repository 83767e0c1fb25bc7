#!/usr/bin/python3
"""The support team's web sign-in and accounts (issue 14; docs/API.md,
"Staff: sign-in, accounts and the dashboard"), with every service running,
mail through notify's file transport, TOTP codes computed here (RFC 6238
with hmac/hashlib).

Proves:
- `balcao-gateway staff-add` sets a staff password (a short one is refused,
  exit 65); POST /staff/login signs the router's person in: the session acts
  as agent:<e-mail> with its role, tier and status; a wrong password, an
  unknown address and a customer's own password are the same 401;
- TOTP: begin gives a secret, the otpauth URI and a QR code (SVG); a wrong
  code does not turn it on, a right one does; then a login without a code
  is 401 code_required, a wrong code 401 unauthorized, a code already used
  (replayed) 401, a fresh one signs in; disable needs the password and a
  code;
- rate limits: the customers' counters (failures on /login and on
  /staff/login add up; 429 with Retry-After even for the right password);
- an admin creating a staff person mails an invitation (pt-BR, the link
  at /painel/definir-senha, its expiry in Brasília time; English for an
  English-speaking person); the link sets the password once and signs the
  new agent in as agent:<e-mail>;
- reset-access (admins): every session of the person ends, the password
  and TOTP are cleared, a reset link is mailed and works;
- a password change ends the person's other sessions; logging out
  everywhere ends a person's staff sessions and not the customer's session
  of the same address;
- an agent creating people gets the router's 403; an agent calling
  reset-access 403; a customer's session on /desk/people 403; a visitor
  401; a Bearer token 403;
- bad input (an email that is no text, a 100 000-character password, a
  token out of form, a person with wrong fields) is a clear 400 or 401,
  stores nothing, and the gateway keeps answering;
- no password, token, TOTP secret or session id in any service's log;
- `balcaoctl up --demo` prints working sign-ins for the demo team, and
  `balcaoctl staff-add` registers a person and prints a password that
  works.
"""

import base64
import hashlib
import hmac
import os
import re
import struct
import time

from harness import System, check, log, run_test
from portal import Portal, mail_text, mails_to, sign_in

DOMAIN = "suporte.example"
ANA = "ana@" + DOMAIN        # agent N1, TOTP on later; her access gets reset
BRUNO = "bruno@" + DOMAIN    # agent N2, for the rate limit
ROOT = "root@" + DOMAIN      # admin
SARA = "sara@" + DOMAIN      # supervisor N2

SEEDS = {
    "router": "\n".join([
        "    people",
        "        ana",
        '            id = "agent:%s"' % ANA,
        '            name = "Ana Lima"',
        '            tier = "N1"',
        "        bruno",
        '            id = "agent:%s"' % BRUNO,
        '            name = "Bruno Reis"',
        '            tier = "N2"',
        "        sara",
        '            id = "supervisor:%s"' % SARA,
        '            name = "Sara Nunes"',
        '            tier = "N2"',
        "        root",
        '            id = "admin:%s"' % ROOT,
        '            name = "Root"']) + "\n",
    # The peer limits (everything comes from 127.0.0.1) are raised so they
    # do not mix in; the address limits are the defaults.
    "gateway": "    logins_per_ip_minute = 1000\n    mails_per_ip_hour = 1000\n",
}

SECRETS = set()
LINK = re.compile(r"/painel/definir-senha#t=([A-Za-z0-9_-]{43})")


def totp(secret, step):
    """RFC 6238's code (HMAC-SHA1, 6 digits) of a base32 secret at a step."""
    key = base64.b32decode(secret)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def now_step():
    return int(time.time()) // 30


def remember(p):
    for c in p.jar:
        SECRETS.add(c.value)
    if p.csrf:
        SECRETS.add(p.csrf)


def staff_add(s, address, password):
    SECRETS.add(password)
    return s.run_tool("balcao-gateway", ["staff-add", address], input=password.encode() + b"\n")


def login(s, address, password, code=None, portal=None):
    p = portal or Portal(s)
    body = {"email": address, "password": password}
    if code is not None:
        body["code"] = code
    status, answer, headers = p.post("/staff/login", body)
    remember(p)
    return p, status, answer, headers


def staff_links(s, address):
    """The tokens of the staff links mailed to address, oldest first."""
    found = []
    for m in mails_to(s, address):
        t = LINK.search(mail_text(m))
        if t:
            found.append((m, t.group(1)))
    return found


def wait_staff_link(s, address, seen):
    deadline = time.time() + 10
    while time.time() < deadline:
        found = staff_links(s, address)
        if len(found) > seen:
            SECRETS.add(found[-1][1])
            return found[-1]
        time.sleep(0.05)
    raise AssertionError("no staff link mailed to %s" % address)


def sign_in_and_totp(s):
    r = staff_add(s, ANA, "curta")
    check(r.returncode == 65 and "10 a 128" in r.stderr.decode(),
          "staff-add refuses a short password", r.stderr.decode())
    r = staff_add(s, ANA, "senha da ana no painel")
    check(r.returncode == 0, "staff-add sets Ana's password", r.stderr.decode())

    p, status, body, headers = login(s, "Ana@Suporte.example", "senha da ana no painel")
    person = (body or {}).get("person", {})
    check(status == 200 and body["signed_in"] and person.get("principal") == "agent:" + ANA
          and person.get("role") == "agent" and person.get("tier") == "N1"
          and person.get("status") == "offline" and person.get("totp") is False
          and person.get("has_password") is True and person.get("name") == "Ana Lima",
          "staff login: the session acts as the router's agent, with role, tier and status",
          body)
    cookie = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("balcao_session=")]
    check(cookie and "HttpOnly" in cookie[0] and "SameSite=Lax" in cookie[0],
          "the staff session's cookie is HttpOnly and SameSite=Lax", cookie)
    check(p.session()["person"]["principal"] == "agent:" + ANA,
          "GET /session says who the staff session is")

    _, status, wrong, _ = login(s, ANA, "senha errada da ana")
    _, status2, unknown, _ = login(s, "ninguem@" + DOMAIN, "senha errada da ana")
    check(status == 401 and status2 == 401 and wrong == unknown
          and wrong["error"] == "unauthorized",
          "a wrong password and an unknown address get the same 401", (wrong, unknown))

    # A customer's portal password does not open the dashboard.
    r = s.run_tool("balcao-gateway", ["account-add", "cliente@empresa.com.br", "Cliente"],
                   input=b"senha do cliente 123\n")
    SECRETS.add("senha do cliente 123")
    check(r.returncode == 0, "account-add makes a customer")
    _, status, body, _ = login(s, "cliente@empresa.com.br", "senha do cliente 123")
    check(status == 401 and body == unknown, "a customer's password is refused at /staff/login",
          body)

    # TOTP enrolment.
    status, begun, _ = p.post("/staff/totp/begin", {})
    secret = (begun or {}).get("secret", "")
    SECRETS.add(secret)
    check(status == 200 and re.fullmatch(r"[A-Z2-7]{32}", secret)
          and begun["uri"] == "otpauth://totp/Balc%%C3%%A3o:%s?secret=%s&issuer=Balc%%C3%%A3o"
          % (ANA, secret)
          and begun["qr_svg"].startswith("<svg") and begun["qr_svg"].count("h1v1h-1z") > 200,
          "TOTP begin: a base32 secret, its otpauth URI and a QR code in SVG", begun)
    check(p.session()["person"]["totp"] is False, "begun is not yet on")
    step = now_step()
    wrong_code = "%06d" % ((int(totp(secret, step)) + 1) % 1000000)
    status, body, _ = p.post("/staff/totp/confirm", {"code": wrong_code})
    check(status == 400 and body["error"] == "invalid", "a wrong code does not turn TOTP on",
          body)
    status, body, _ = p.post("/staff/totp/confirm", {"code": "12 345"})
    check(status == 400, "a code that is not 6 digits is refused", body)
    # (A sign-in forgets the address's failures counted so far.)
    _, status, _, _ = login(s, ANA, "senha da ana no painel")
    check(status == 200, "before TOTP is on, the password alone signs in")
    used = totp(secret, step)
    status, body, _ = p.post("/staff/totp/confirm", {"code": used})
    check(status == 200 and body == {"totp": True}, "a right code turns TOTP on", body)
    check(p.session()["person"]["totp"] is True, "the session says TOTP is on")

    _, status, body, _ = login(s, ANA, "senha da ana no painel")
    check(status == 401 and body["error"] == "code_required",
          "TOTP on: the right password without a code is 401 code_required", body)
    _, status, body, _ = login(s, ANA, "senha errada da ana", code=totp(secret, step + 1))
    check(status == 401 and body["error"] == "unauthorized",
          "a wrong password with a right code is 401 unauthorized (and the code is not used)",
          body)
    _, status, body, _ = login(s, ANA, "senha da ana no painel", code=wrong_code)
    check(status == 401 and body["error"] == "unauthorized", "a wrong code is 401 unauthorized",
          body)
    _, status, body, _ = login(s, ANA, "senha da ana no painel", code=used)
    check(status == 401 and body["error"] == "unauthorized",
          "the code that turned TOTP on cannot be used again", body)
    fresh = totp(secret, step + 1)
    q, status, body, _ = login(s, ANA, "senha da ana no painel", code=fresh)
    check(status == 200 and body["person"]["totp"] is True,
          "the password and a fresh code sign in", body)
    _, status, body, _ = login(s, ANA, "senha da ana no painel", code=fresh)
    check(status == 401 and body["error"] == "unauthorized", "a replayed code is refused", body)
    return p, q, secret


def sealed(s, secret, ana):
    """The TOTP seed is stored sealed with a key kept outside the database:
    the database holds no seed in clear, a restart opens it, and with
    another key the person is refused (fail closed) until it is back."""
    db = open(os.path.join(s.var, "gateway", "db", "data.mdb"), "rb").read()
    check(secret.encode() not in db and b"s1:" in db,
          "the gateway's database holds the TOTP seed sealed, not in clear")
    key_file = os.path.join(s.var, "gateway", "seal.key")
    st = os.stat(key_file)
    check(st.st_size == 32 and st.st_mode & 0o777 == 0o600,
          "the seal key is 32 bytes, readable by the gateway only", oct(st.st_mode))
    s.kill9("gateway")
    s.restart("gateway")
    body = ana.session()
    check(body["signed_in"] and body["person"]["totp"] is True,
          "after kill -9 of the gateway the sealed seed opens: TOTP still on", body)
    real = open(key_file, "rb").read()
    s.stop("gateway")
    open(key_file, "wb").write(os.urandom(32))
    s.start("gateway")
    body = ana.session()
    _, status, _, _ = login(s, ANA, "senha da ana no painel", code="000000")
    check(not body["signed_in"] and status != 200
          and "event=totp_seed_unreadable" in s.log_text("gateway"),
          "with another seal key the person is refused, and the log says what to do",
          (body, status))
    s.stop("gateway")
    open(key_file, "wb").write(real)
    s.start("gateway")
    check(ana.session()["signed_in"], "with the key back, the session is good again")


def rate_limit(s):
    staff_add(s, BRUNO, "senha do bruno 2026")
    for i in range(3):
        status, _, _ = Portal(s).post("/login", {"email": BRUNO, "password": "errada %d" % i})
        check(status == 401, "a wrong customer login for Bruno's address is 401")
    for i in range(2):
        _, status, _, _ = login(s, BRUNO, "errada de novo %d" % i)
        check(status == 401, "a wrong staff login for Bruno is 401")
    _, status, body, headers = login(s, BRUNO, "senha do bruno 2026")
    check(status == 429 and body["error"] == "rate_limited" and int(headers["Retry-After"]) > 0,
          "5 failures (portal and dashboard together) make the 6th try 429, right password "
          "or not", (status, body))


def invitation(s, root):
    seen = len(staff_links(s, "dani@" + DOMAIN))
    status, body, _ = root.post("/desk/people", {"id": "agent:dani@" + DOMAIN,
                                                 "name": "Daniela Prado", "tier": "N2"})
    check(status == 200 and body["id"] == "agent:dani@" + DOMAIN and body["tier"] == "N2"
          and body["invited"] is True and body["has_password"] is False,
          "an admin creates an agent; an invitation is mailed", body)
    msg, token = wait_staff_link(s, "dani@" + DOMAIN, seen)
    text = mail_text(msg)
    check("Dashboard do Suporte" in text and "horário de Brasília" in text
          and "uma única vez" in text and s.http + "/painel/definir-senha#t=" in text
          and "Dashboard do Suporte" in str(msg["Subject"]),
          "the invitation is in pt-BR, links to /painel/definir-senha and says until when",
          (msg["Subject"], text))
    status, body, _ = root.post("/desk/people", {"id": "agent:dani@" + DOMAIN,
                                                 "name": "Daniela Prado", "tier": "N3"})
    check(status == 200 and body["invited"] is False and body["tier"] == "N3",
          "changing an existing person mails no new invitation", body)

    d = Portal(s)
    status, body, _ = d.post("/staff/password/use", {"token": token, "password": "curta"})
    check(status == 400, "the link wants a password of 10 to 128 characters", body)
    status, body, _ = d.post("/staff/password/use", {"token": token,
                                                     "password": "senha nova da dani"})
    SECRETS.add("senha nova da dani")
    remember(d)
    check(status == 200 and body["signed_in"]
          and body["person"]["principal"] == "agent:dani@" + DOMAIN
          and body["person"]["tier"] == "N3" and body["person"]["totp"] is False,
          "the invitation link sets the password and signs Dani in as her agent", body)
    status, body, _ = Portal(s).post("/staff/password/use", {"token": token,
                                                             "password": "outra senha qualquer"})
    check(status == 400 and body["error"] == "invalid", "the link works once", body)
    _, status, _, _ = login(s, "dani@" + DOMAIN, "senha nova da dani")
    check(status == 200, "the password she chose signs her in")

    # An English-speaking person gets the invitation in English.
    root.post("/desk/people", {"id": "agent:eve@" + DOMAIN, "name": "Eve Smith", "tier": "N1",
                               "language": "en"})
    msg, token = wait_staff_link(s, "eve@" + DOMAIN, 0)
    text = mail_text(msg)
    check("Support Dashboard" in text and "Brasília" in text and "once" in text,
          "an English-speaking person's invitation is in English", text)

    # Changing the password ends the other sessions.
    other, status, _, _ = login(s, "dani@" + DOMAIN, "senha nova da dani")
    status, body, _ = d.post("/staff/password", {"current": "errada errada",
                                                 "password": "mais uma senha da dani"})
    check(status == 400, "a wrong current password changes nothing", body)
    status, body, _ = d.post("/staff/password", {"current": "senha nova da dani",
                                                 "password": "mais uma senha da dani"})
    SECRETS.add("mais uma senha da dani")
    check(status == 200 and body == {}, "a staff password change answers 200 {}", body)
    check(d.session()["signed_in"] and not other.session()["signed_in"],
          "the change keeps this session and ends the other one")
    _, status, _, _ = login(s, "dani@" + DOMAIN, "mais uma senha da dani")
    check(status == 200, "the new password works")
    return d


def reset_access(s, root, ana_sessions, secret, agent):
    status, body, _ = agent.post("/desk/people/reset-access", {"id": "agent:" + ANA})
    check(status == 403 and body["error"] == "forbidden", "an agent may not reset access", body)
    check(all(p.session()["signed_in"] for p in ana_sessions), "and Ana stays signed in")
    seen = len(staff_links(s, ANA))
    status, body, _ = root.post("/desk/people/reset-access", {"id": "agent:" + ANA})
    check(status == 200 and body == {}, "an admin resets Ana's access", body)
    check(not any(p.session()["signed_in"] for p in ana_sessions),
          "every session of Ana ended")
    _, status, _, _ = login(s, ANA, "senha da ana no painel", code=totp(secret, now_step()))
    check(status == 401, "her old password no longer works")
    msg, token = wait_staff_link(s, ANA, seen)
    check("redefiniu seu acesso" in mail_text(msg), "the reset mail says what happened",
          mail_text(msg))
    a = Portal(s)
    status, body, _ = a.post("/staff/password/use", {"token": token,
                                                     "password": "senha nova da ana 2"})
    SECRETS.add("senha nova da ana 2")
    remember(a)
    check(status == 200 and body["person"]["principal"] == "agent:" + ANA
          and body["person"]["totp"] is False,
          "the reset link sets a new password; TOTP is off", body)
    b, status, body, _ = login(s, ANA, "senha nova da ana 2")
    check(status == 200, "she signs in with the new password and no code", body)

    # The same address as a customer of the portal: apart from her staff
    # sessions.
    r = s.run_tool("balcao-gateway", ["account-add", ANA, "Ana (cliente)"],
                   input=b"senha de cliente da ana\n")
    SECRETS.add("senha de cliente da ana")
    c = Portal(s)
    status, body, _ = c.post("/login", {"email": ANA, "password": "senha de cliente da ana"})
    remember(c)
    check(r.returncode == 0 and status == 200 and body["person"]["role"] == "customer",
          "Ana's address also has a customer's account", body)
    status, body, _ = a.post("/logout", {"everywhere": True})
    check(status == 200 and not a.session()["signed_in"] and not b.session()["signed_in"]
          and c.session()["signed_in"],
          "logging out everywhere ends her staff sessions, not her customer's one")
    status, body, _ = root.post("/desk/people/reset-access", {"id": "agent:ninguem@" + DOMAIN})
    check(status == 404, "resetting someone unknown is 404", body)


def who_may(s, agent, root):
    status, body, _ = agent.post("/desk/people", {"id": "agent:intrusa@" + DOMAIN,
                                                  "name": "Intrusa", "tier": "N1"})
    check(status == 403 and body["error"] == "forbidden" and "admin" in body["message"],
          "an agent creating a person gets the router's 403", body)
    status, body, _ = agent.get("/desk/people?kind=agent")
    ids = [p["id"] for p in (body or {}).get("people", [])]
    check(status == 200 and "agent:" + ANA in ids and "agent:" + BRUNO in ids
          and all(i.startswith("agent:") for i in ids), "an agent lists the agents", body)
    status, body, _ = agent.get("/desk/people?kind=robots")
    check(status == 400, "an unknown kind is 400", body)

    customer = Portal(s)
    status, body, _ = customer.post("/login", {"email": "cliente@empresa.com.br",
                                               "password": "senha do cliente 123"})
    remember(customer)
    check(status == 200 and body["person"]["role"] == "customer"
          and body["person"]["principal"] == "customer:cliente@empresa.com.br",
          "a customer's session says role customer", body)
    status, body, _ = customer.get("/desk/people?kind=agent")
    check(status == 403 and body["error"] == "forbidden", "a customer on /desk/people: 403", body)
    status, body, _ = customer.post("/desk/people/reset-access", {"id": "agent:" + ANA})
    check(status == 403, "a customer on reset-access: 403", body)
    status, body, _ = customer.post("/staff/totp/begin", {})
    check(status == 403, "a customer cannot enrol staff TOTP", body)
    status, body, _ = Portal(s).get("/desk/people")
    check(status == 401 and body["error"] == "unauthorized", "a visitor on /desk/people: 401",
          body)
    token = s.api_token("painel", read=False)
    SECRETS.add(token)
    status, body, _ = s.http_get("/api/v1/desk/people", token=token)
    check(status == 403, "a Bearer token on /desk/people: 403", body)


def bad_input(s, root):
    p = Portal(s)
    status, body, _ = p.post("/staff/login", {"email": 5, "password": "x"})
    check(status == 400 and body["error"] == "invalid", "a login whose email is no text: 400",
          body)
    _, status, body, _ = login(s, "sara@" + DOMAIN, "x" * 100000)
    check(status == 401, "a 100 000-character password is a plain 401", body)
    status, body, _ = p.post("/staff/password/use", {"token": "../../etc/passwd",
                                                     "password": "uma senha boa o bastante"})
    check(status == 400, "a token out of form: 400", body)
    status, body, _ = p.get("/staff/login")
    check(status == 405, "GET on a staff form: 405", body)
    for person, what in (({"id": 5, "name": "X"}, "an id that is no text"),
                         ({"id": "agent:x@" + DOMAIN, "name": "X", "tier": "N1",
                           "skills": "acesso"}, "skills that are no list"),
                         ({"id": "agent:x@" + DOMAIN, "name": "X", "tier": "N1",
                           "capacity": -1}, "a negative capacity"),
                         ({"id": "agent:x@" + DOMAIN, "name": "X", "tier": "N9"},
                          "a tier the router does not know")):
        status, body, _ = root.post("/desk/people", person)
        check(status == 400 and body["error"] == "invalid", "creating a person with %s: 400"
              % what, body)
    status, body, _ = root.get("/desk/people?kind=agent")
    check(status == 200 and "agent:x@" + DOMAIN not in [p["id"] for p in body["people"]],
          "and nothing was stored")
    status, body, _ = root.post("/desk/people/reset-access", {"id": "cliente@empresa.com.br"})
    check(status == 400, "reset-access for an id that is no staff id: 400", body)


def main():
    with System("desk_staff", extra_config=SEEDS) as s:
        s.start_all()
        ana, ana2, secret = sign_in_and_totp(s)
        sealed(s, secret, ana2)
        rate_limit(s)
        staff_add(s, ROOT, "senha do administrador")
        root, status, body, _ = login(s, ROOT, "senha do administrador")
        check(status == 200 and body["person"]["role"] == "admin", "the admin signs in", body)
        staff_add(s, SARA, "senha da supervisora")
        sara, status, body, _ = login(s, SARA, "senha da supervisora")
        check(status == 200 and body["person"]["role"] == "supervisor"
              and body["person"]["tier"] == "N2", "a supervisor signs in with her tier", body)
        dani = invitation(s, root)
        who_may(s, dani, root)
        bad_input(s, root)
        reset_access(s, root, [ana, ana2], secret, dani)

        # Disabling TOTP needs the password and a code.
        status, begun, _ = dani.post("/staff/totp/begin", {})
        SECRETS.add(begun["secret"])
        step = now_step()
        dani.post("/staff/totp/confirm", {"code": totp(begun["secret"], step)})
        status, body, _ = dani.post("/staff/totp/disable", {"password": "mais uma senha da dani",
                                                            "code": "000000"
                                                            if totp(begun["secret"], step + 1)
                                                            != "000000" else "111111"})
        check(status == 400 and dani.session()["person"]["totp"] is True,
              "disabling TOTP with a wrong code changes nothing", body)
        status, body, _ = dani.post("/staff/totp/disable", {
            "password": "mais uma senha da dani", "code": totp(begun["secret"], step + 1)})
        check(status == 200 and body == {"totp": False}
              and dani.session()["person"]["totp"] is False,
              "the password and a code turn TOTP off", body)

        logs = "".join(s.log_text(svc) for svc in ("gateway", "notify", "router", "intake", "kb"))
        leaked = [x for x in SECRETS if x and x in logs]
        check(not leaked, "no password, token, TOTP secret or session id in any log", leaked)
    demo()
    log("test_desk_staff passed")


def demo():
    with System("desk_staff_demo") as s:
        try:
            r = s.run_tool("balcaoctl", ["up", "--demo"], timeout=120)
            out = r.stdout.decode()
            lines = re.findall(r"Dashboard do Suporte: (\S+)/painel  —  ([^:]+): entre como "
                               r"(\S+), senha: (\S+)", out)
            roles = {label: (url, address, password) for url, label, address, password in lines}
            check(r.returncode == 0 and {"N1", "N2", "N3", "supervisora", "administrador"}
                  <= set(roles), "up --demo prints the demo team's sign-ins",
                  (out, r.stderr.decode()))
            expected = {"N1": ("agent", "N1"), "N2": ("agent", "N2"), "N3": ("agent", "N3"),
                        "supervisora": ("supervisor", "N1"), "administrador": ("admin", "")}
            for label, (role, tier) in expected.items():
                url, address, password = roles[label]
                _, status, body, _ = login(s, address, password)
                check(url == s.http and status == 200 and body["person"]["role"] == role
                      and body["person"]["tier"] == tier
                      and address.endswith("@suporte.balcao.example"),
                      "the demo's %s sign-in works" % label, body)
                SECRETS.add(password)

            r = s.run_tool("balcaoctl", ["staff-add", "agent:joana@empresa.example", "Joana Prado", "N2"])
            out = r.stdout.decode()
            m = re.search(r"Dashboard do Suporte: \S+/painel  —  entre como (\S+), senha: (\S+)",
                          out)
            check(r.returncode == 0 and m, "balcaoctl staff-add prints a one-time password",
                  (out, r.stderr.decode()))
            SECRETS.add(m.group(2))
            _, status, body, _ = login(s, m.group(1), m.group(2))
            check(status == 200 and body["person"]["principal"] == "agent:joana@empresa.example"
                  and body["person"]["tier"] == "N2", "and that password signs her in", body)
            r = s.run_tool("balcaoctl", ["staff-add", "customer:x@empresa.example", "X"])
            check(r.returncode == 64, "staff-add refuses an id that is not staff")
        finally:
            s.run_tool("balcaoctl", ["down"])
        logs = ""
        for name in os.listdir(os.path.join(s.var, "log")):
            with open(os.path.join(s.var, "log", name), errors="replace") as f:
                logs += f.read()
        leaked = [x for x in SECRETS if x and x in logs]
        check(logs and not leaked, "the demo passwords are in no log", leaked)


if __name__ == "__main__":
    run_test(main)

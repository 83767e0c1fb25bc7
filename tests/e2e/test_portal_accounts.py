#!/usr/bin/python3
"""The portal's accounts and sessions (issue 13; docs/API.md, "Session and
accounts"), with every service running and mail through notify's file
transport.

Proves:
- sign-up mails a confirmation (pt-BR, with when the link expires in
  Brasília time; English for an English browser); opening it signs the new customer in; their password then
  works from another browser; sign-up again for the same address answers the
  same 202 and cannot change the password;
- a wrong password is 401, and after 5 failures for one address 429 with
  Retry-After; an unknown address gets exactly the same 401;
- a sign-in link works once, and not after it expired; a link of one kind
  is refused by another form;
- a password reset ends every other session of the account, the old
  password stops working and the new one works; a reset for an unknown
  address says the same 202 and mails nothing;
- 3 mails per address an hour, the 4th is 429;
- logout ends this browser's session only; logout everywhere ends all;
- cookies: HttpOnly, SameSite=Lax, Path=/, Max-Age on sign-in, no Secure on
  http; Secure with an https gateway/public_url;
- a write without the CSRF token, with a wrong one, or from another Origin
  is 403 and changes nothing;
- kill -9 of the gateway keeps accounts and sessions; a session unused for
  gateway/session_idle_s ends;
- a malformed or oversized Cookie header and a body that is not JSON are a
  clear 400, and the gateway keeps answering;
- notify takes SendAccountMail only from the gateway (and admins), with
  CURVE on too;
- no password, token, link, session id or CSRF token in any service's log.
"""

import http.client
import json
import os
import time

from harness import BusError, System, check, log, run_test
from balcao.v1 import notify_pb2
from portal import Portal, mail_text, mails_to, sign_in, tokens, wait_link

LINK_S = 6
GATEWAY = "\n".join([
    "    link_s = %d" % LINK_S,
    # The address limits are the defaults; the peer limits (everything here
    # comes from 127.0.0.1) are raised so they do not mix in.
    "    logins_per_ip_minute = 1000",
    "    mails_per_ip_hour = 1000",
])

# Every secret seen, to look for in the logs at the end.
SECRETS = set()


def cookies_of(headers):
    """{name: the whole Set-Cookie line} of an answer."""
    out = {}
    for line in headers.get_all("Set-Cookie") or []:
        out[line.split("=", 1)[0]] = line
    return out


def remember(portal):
    for c in portal.jar:
        SECRETS.add(c.value)
    if portal.csrf:
        SECRETS.add(portal.csrf)


def raw_request(s, method, path, headers, body=b""):
    c = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=10)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, None


def signup_and_confirm(s):
    address, password = "Ana.Souza@Example.com.br", "pão de queijo quentinho"
    SECRETS.add(password)
    p = Portal(s)
    status, body, _ = p.post("/signup", {"email": address, "name": "Ana Souza",
                                        "password": password})
    check(status == 202 and body == {"sent": True}, "sign-up answers 202 {sent: true}", body)
    token = wait_link(s, "ana.souza@example.com.br", "confirm")
    SECRETS.add(token)
    text = mail_text(mails_to(s, "ana.souza@example.com.br")[-1])
    check("Portal do Cliente" in text and "horário de Brasília" in text
          and "uma única vez" in text,
          "the confirmation mail is in pt-BR and says until when the link works", text)
    check(p.session()["signed_in"] is False, "not signed in before the link is opened")
    status, body, headers = p.post("/confirm", {"token": token})
    remember(p)
    check(status == 200 and body["signed_in"] and body["person"]["address"]
          == "ana.souza@example.com.br" and body["person"]["name"] == "Ana Souza"
          and body["person"]["has_password"] is True,
          "opening the confirmation link signs the new customer in", body)
    line = cookies_of(headers).get("balcao_session", "")
    check("HttpOnly" in line and "SameSite=Lax" in line and "Path=/" in line
          and "Max-Age=2592000" in line and "Secure" not in line,
          "the session cookie is HttpOnly, SameSite=Lax, Path=/, 30 days, not Secure on http",
          line)
    status, _, _ = p.post("/confirm", {"token": token})
    check(status == 400, "a confirmation link works once")

    other = Portal(s)
    status, body, _ = other.post("/login", {"email": "ANA.SOUZA@example.com.br",
                                            "password": password})
    remember(other)
    check(status == 200 and body["signed_in"], "the password works from another browser", body)

    # Sign-up again for the same address: the same answer, and the link it
    # mails signs in without touching the password.
    intruder = "outra senha qualquer 123"
    status, body, _ = Portal(s).post("/signup", {"email": address, "name": "Intrusa",
                                                "password": intruder})
    check(status == 202 and body == {"sent": True},
          "sign-up of an existing address answers the same 202", body)
    token = wait_link(s, "ana.souza@example.com.br", "confirm", seen=1)
    SECRETS.add(token)
    q = Portal(s)
    status, body, _ = q.post("/confirm", {"token": token})
    check(status == 200 and body["person"]["name"] == "Ana Souza",
          "its link signs the owner in, the account unchanged", body)
    status, _, _ = Portal(s).post("/login", {"email": address, "password": intruder})
    check(status == 401, "a second sign-up does not change the password")
    return p, address, password


def login_limits(s):
    # An account of its own: its address stays locked for 15 minutes.
    address, password = "fabio@example.com", "senha do fábio 2026"
    SECRETS.add(password)
    Portal(s).post("/signup", {"email": address, "name": "Fábio", "password": password})
    token = wait_link(s, address, "confirm")
    SECRETS.add(token)
    status, _, _ = Portal(s).post("/confirm", {"token": token})
    check(status == 200, "another customer signed up")
    p = Portal(s)
    answers = []
    for _ in range(5):
        status, body, _ = p.post("/login", {"email": address, "password": "senha errada 12345"})
        answers.append((status, body))
    check(all(a == (401, answers[0][1]) for a in answers) and answers[0][1]["error"]
          == "unauthorized", "5 wrong passwords are each 401 unauthorized", answers[0])
    status, body, headers = p.post("/login", {"email": address, "password": password})
    check(status == 429 and body["error"] == "rate_limited" and body["retry_after"] > 0
          and int(headers["Retry-After"]) == body["retry_after"],
          "the 6th attempt for that address, even with the right password, is 429 "
          "with Retry-After", (status, body, headers["Retry-After"]))
    status, unknown, _ = p.post("/login", {"email": "ninguem@example.com",
                                           "password": "senha errada 12345"})
    check(status == 401 and unknown == answers[0][1],
          "an unknown address gets exactly the same 401", unknown)
    status, body, _ = p.post("/login", {"email": "sem-senha@example.com", "password": "x"})
    check(status == 401 and body == answers[0][1], "so does a password that is too short")


def links(s):
    address = "bruno@example.com"
    p = sign_in(s, address)
    remember(p)
    check(p.session()["person"]["has_password"] is False,
          "a sign-in link makes a confirmed account without a password")
    token = tokens(s, address, "login")[-1]
    SECRETS.add(token)
    status, body, _ = Portal(s).post("/login-link/use", {"token": token})
    check(status == 400 and body["error"] == "invalid" and "message_pt" in body,
          "a sign-in link works once", body)

    q = Portal(s)
    status, _, _ = q.post("/login-link", {"email": address})
    token = wait_link(s, address, "login", seen=1)
    SECRETS.add(token)
    status, _, _ = q.post("/confirm", {"token": token})
    check(status == 400, "a sign-in link is refused by the confirmation form")
    log("waiting %ds for a link to expire" % (LINK_S + 1))
    time.sleep(LINK_S + 1)
    status, body, _ = q.post("/login-link/use", {"token": token})
    check(status == 400 and not q.session()["signed_in"],
          "a sign-in link no longer works after gateway/link_s", body)

    status, _, _ = q.post("/login-link", {"email": address})
    check(status == 202, "a third link within the hour is still sent")
    status, body, _ = q.post("/login-link", {"email": address})
    check(status == 429 and body["error"] == "rate_limited",
          "the 4th mail to one address within an hour is 429", body)
    status, _, _ = Portal(s, language="en").post("/login-link", {"email": "gina@example.com"})
    token = wait_link(s, "gina@example.com", "login")
    SECRETS.add(token)
    msg = mails_to(s, "gina@example.com")[-1]
    text = mail_text(msg)
    check(status == 202 and "Customer Portal" in str(msg["Subject"]) and "Brasília time" in text
          and "works once" in text, "an English browser gets the mail in English", text)
    status, body, _ = q.post("/login-link", {"email": "não é endereço"})
    check(status == 400 and body["error"] == "invalid", "a malformed address is 400", body)


def reset(s, address, password):
    a = Portal(s)
    a.post("/login", {"email": address, "password": password})
    b = sign_in(s, "carla@example.com")
    remember(a)
    remember(b)
    status, body, _ = b.post("/password-reset", {"email": "carla@example.com"})
    check(status == 202, "a reset is asked for", body)
    status, body, _ = Portal(s).post("/password-reset", {"email": "ninguem@example.com"})
    check(status == 202 and body == {"sent": True} and not mails_to(s, "ninguem@example.com"),
          "a reset for an unknown address answers the same 202 and mails nothing", body)

    # The account of the test's first customer: two browsers signed in.
    first, second = Portal(s), Portal(s)
    for p in (first, second):
        status, _, _ = p.post("/login", {"email": address, "password": password})
        check(status == 200, "signed in with the password")
        remember(p)
    status, _, _ = Portal(s).post("/password-reset", {"email": address})
    token = wait_link(s, address.lower(), "reset")
    SECRETS.add(token)
    text = mail_text(mails_to(s, address.lower())[-1])
    check("nova senha" in text and "/redefinir-senha#t=" in text,
          "the reset mail says what it is for, with the link", text)
    new_password = "uma senha novinha em folha"
    SECRETS.add(new_password)
    c = Portal(s)
    status, body, _ = c.post("/password-reset/use", {"token": token, "password": "curta"})
    check(status == 400, "a new password under 10 characters is 400 (the link still works)")
    status, body, _ = c.post("/password-reset/use", {"token": token, "password": new_password})
    remember(c)
    check(status == 200 and body["signed_in"], "the reset link sets the password and signs in",
          body)
    check(not first.session()["signed_in"] and not second.session()["signed_in"],
          "every other session of the account ended")
    status, _, _ = Portal(s).post("/login", {"email": address, "password": password})
    check(status == 401, "the old password no longer works")
    status, _, _ = Portal(s).post("/login", {"email": address, "password": new_password})
    check(status == 200, "the new one does")
    return new_password


def logout(s):
    address = "daniel@example.com"
    one = sign_in(s, address)
    two = Portal(s)
    token = None
    two.post("/login-link", {"email": address})
    token = wait_link(s, address, "login", seen=1)
    two.post("/login-link/use", {"token": token})
    remember(one)
    remember(two)
    status, body, headers = one.post("/logout", {"everywhere": False})
    line = cookies_of(headers).get("balcao_session", "")
    check(status == 200 and body == {"signed_in": False} and "Max-Age=0" in line,
          "logout answers signed_in false and clears the cookie", (body, line))
    check(not one.session()["signed_in"] and two.session()["signed_in"],
          "logout ends this browser's session only")
    three = sign_in(s, "daniel@example.com")
    status, _, _ = three.post("/logout", {"everywhere": True})
    check(status == 200 and not two.session()["signed_in"],
          "logout everywhere ends the other browsers' sessions too")


def csrf_and_origin(s, p):
    before = p.session()
    check(before["signed_in"], "a signed-in browser")
    for what, kwargs in [("without X-CSRF-Token", {"csrf": False}),
                         ("with a wrong X-CSRF-Token", {"csrf": "x" * 43}),
                         ("with a visitor's token", {"csrf": Portal(s).session()["csrf_token"]}),
                         ("from another Origin",
                          {"headers": {"Origin": "https://malicioso.example"}})]:
        status, body, _ = p.post("/session/language", {"language": "en"}, **kwargs)
        check(status == 403 and body["error"] == "csrf", "a write %s is 403 csrf" % what, body)
        status, body, _ = p.post("/logout", {"everywhere": True}, **kwargs)
        check(status == 403, "logout %s is 403" % what)
    after = p.session()
    check(after["signed_in"] and after["language"] == "pt-BR",
          "and nothing changed: still signed in, language unchanged", after)
    v = Portal(s)
    status, _, _ = v.post("/signup", {"email": "eva@example.com", "name": "Eva",
                                     "password": "senha segura 123"}, csrf=False)
    time.sleep(0.5)
    check(status == 403 and not mails_to(s, "eva@example.com"),
          "a visitor's sign-up without the token is 403 and mails nothing")
    status, body, _ = p.post("/session/language", {"language": "en"})
    check(status == 200 and body["language"] == "en" and body["person"]["language"] == "en",
          "with the token, the language switch is kept on the account", body)
    p.post("/session/language", {"language": "pt-BR"})


def bad_input(s, p):
    session_id = p.cookie("balcao_session")
    for what, cookie in [("a value with a space", "balcao_session=a b"),
                         ("a pair without '='", "balcao_session"),
                         ("a control character", "balcao_pre=\x01abc"),
                         ("over 4 KiB", "balcao_session=" + session_id + "; x=" + "a" * 5000)]:
        status, body = raw_request(s, "GET", "/api/v1/session", {"Cookie": cookie})
        check(status == 400 and body["error"] == "invalid" and "Cookie" in body["message"],
              "a Cookie header with %s is a clear 400" % what, body)
    status, body, _ = p.post("/login", raw=b'{"email": "a@b.c", ')
    check(status == 400 and body["error"] == "invalid", "a body that is not JSON is 400", body)
    status, body, _ = p.post("/login", raw=b'[1, 2]')
    check(status == 400, "a JSON array is 400")
    check(p.session()["signed_in"], "the gateway keeps answering, the session intact")


def main():
    with System("portal_accounts", extra_config={"gateway": GATEWAY}) as s:
        s.start_all()
        visitor = Portal(s)
        status, body, headers = visitor.get("/session")
        pre = cookies_of(headers).get("balcao_pre", "")
        check(status == 200 and body["signed_in"] is False and len(body["csrf_token"]) == 43
              and body["time_zone"] == "America/Sao_Paulo" and body["language"] == "pt-BR",
              "a visitor's session: not signed in, a CSRF token, the business time zone", body)
        check("HttpOnly" in pre and "SameSite=Lax" in pre and "Secure" not in pre,
              "the pre-session cookie is HttpOnly and SameSite=Lax", pre)
        status, body, _ = Portal(s, language="en-US,en;q=0.8").get("/session")
        check(body["language"] == "en", "Accept-Language en gives English")

        for principal in ("customer:ana@example.com", "agent:maria", "service:erp"):
            try:
                s.call("notify", notify_pb2.SendAccountMail(
                    to="ana@example.com", kind="login", link="http://x/entrar/link#t=abc",
                    expires_us=int(time.time() * 1e6) + 60000000), principal=principal)
                refused = None
            except BusError as e:
                refused = e.code
            check(refused == "forbidden", "notify refuses SendAccountMail from %s" % principal,
                  refused)
        check(not mails_to(s, "ana@example.com"), "and mails nothing")

        p, address, password = signup_and_confirm(s)
        login_limits(s)
        links(s)
        password = reset(s, address, password)
        logout(s)
        main_browser = Portal(s)
        main_browser.post("/login", {"email": address, "password": password})
        remember(main_browser)
        csrf_and_origin(s, main_browser)
        bad_input(s, main_browser)

        log("kill -9 of the gateway")
        s.kill9("gateway")
        s.start("gateway")
        check(main_browser.session()["signed_in"], "after kill -9 the session is still there")
        status, _, _ = Portal(s).post("/login", {"email": address, "password": password})
        check(status == 200, "and so is the account")

        log("https public_url")
        s.stop("gateway")
        s.extra_config["gateway"] = GATEWAY + '\n    public_url = "https://portal.example"'
        s.write_config()
        s.start("gateway")
        # The jar keeps Secure cookies off plain http: send them by hand.
        v = Portal(s)
        v.origin = False
        _, body, headers = v.get("/session")
        pre = cookies_of(headers).get("balcao_pre", "")
        check("Secure" in pre, "with an https public_url the pre-session cookie is Secure", pre)
        status, body, headers = v.post("/login", {"email": address, "password": password},
                                       csrf=body["csrf_token"],
                                       headers={"Origin": "https://portal.example",
                                                "Cookie": pre.split(";")[0]})
        line = cookies_of(headers).get("balcao_session", "")
        check(status == 200 and "Secure" in line, "and so is the session cookie", (body, line))

        log("sessions idle for gateway/session_idle_s end")
        s.stop("gateway")
        s.extra_config["gateway"] = GATEWAY + "\n    session_idle_s = 2"
        s.write_config()
        s.start("gateway")
        idle = Portal(s)
        status, _, _ = idle.post("/login", {"email": address, "password": password})
        remember(idle)
        check(status == 200 and idle.session()["signed_in"], "signed in")
        time.sleep(3)
        check(not idle.session()["signed_in"], "after 3 s without a request the session ended")
        s.check_alive()
        s.stop_all()

        logs = ""
        for name in os.listdir(s.logs):
            with open(os.path.join(s.logs, name), errors="replace") as f:
                logs += f.read()
        secrets = {x for x in SECRETS if x and len(x) >= 8}
        leaked = [x for x in secrets if x in logs]
        check(len(secrets) > 20 and not leaked,
              "none of %d passwords, tokens, session ids and CSRF tokens is in any log"
              % len(secrets), leaked)
        check("/entrar/link" not in logs and "#t=" not in logs, "nor any link")

    with System("portal_accounts_curve", curve=True) as s:
        s.start_all()
        p = sign_in(s, "cliente@example.com")
        check(p.session()["person"]["address"] == "cliente@example.com",
              "with CURVE on, the gateway's key mails through notify as service:gateway, and "
              "the link signs in")


if __name__ == "__main__":
    run_test(main)

"""A browser of the portal's API for e2e tests (docs/API.md): a cookie jar,
the CSRF token from GET /api/v1/session, JSON in and out; and signing in
the way a customer does, through the mailed link.

    from portal import Portal, sign_in
    p = sign_in(system, "cliente@example.com")      # a Portal, signed in
    status, body, headers = p.get("/tickets")        # path after /api/v1
    status, body, headers = p.post("/logout", {"everywhere": True})

Only the standard library (urllib, http.cookiejar).
"""

import email
import email.policy
import http.cookiejar
import json
import os
import re
import time
import urllib.error
import urllib.request

KINDS = {"confirm": "/confirmar", "login": "/entrar/link", "reset": "/redefinir-senha"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Portal:
    """One browser: its own cookies. base: the gateway's URL
    ("http://127.0.0.1:PORT"), or a harness System (its .http)."""

    def __init__(self, base, language=None, origin=True):
        self.base = getattr(base, "http", base).rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.language = language  # Accept-Language, when given
        self.origin = origin      # send Origin (as browsers do) on writes
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=None, timeout=10):
        """(status, parsed JSON or None, headers as an email.message.Message:
        .get_all("Set-Cookie")). path is after /api/v1 ("/session"), or a
        whole path starting with "/api/" or "/"; raw: bytes sent as they are."""
        url = self.base + (path if path.startswith("/api/") else "/api/v1" + path)
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(url, data=data, method=method)
        if self.language:
            req.add_header("Accept-Language", self.language)
        for k, v in (headers or {}).items():
            if v is not None:
                req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                status, text, hdrs = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as e:
            status, text, hdrs = e.code, e.read(), e.headers
        try:
            parsed = json.loads(text.decode("utf-8")) if text else None
        except ValueError:
            parsed = None
        return status, parsed, hdrs

    def get(self, path, headers=None, timeout=10):
        return self.request("GET", path, headers=headers, timeout=timeout)

    def session(self):
        """GET /session; remembers its csrf_token. Returns its JSON."""
        status, body, _ = self.get("/session")
        if status != 200:
            raise AssertionError("GET /api/v1/session: %s %s" % (status, body))
        self.csrf = body["csrf_token"]
        return body

    def post(self, path, body=None, headers=None, csrf=True, timeout=10, raw=None):
        """POST JSON with Content-Type, Origin and X-CSRF-Token (fetched from
        /session first when not known yet; csrf=False sends none, a string
        sends that one). headers may override or (with None) drop any."""
        h = {"Content-Type": "application/json"}
        if self.origin:
            h["Origin"] = self.base
        if csrf is True:
            if self.csrf is None:
                self.session()
            h["X-CSRF-Token"] = self.csrf
        elif csrf:
            h["X-CSRF-Token"] = csrf
        h.update(headers or {})
        status, parsed, hdrs = self.request("POST", path, body=body if body is not None else {},
                                            headers=h, raw=raw, timeout=timeout)
        # Signing in or out changes the session, and so the CSRF token.
        if status == 200 and isinstance(parsed, dict):
            if "csrf_token" in parsed:
                self.csrf = parsed["csrf_token"]
            elif parsed.get("signed_in") is False:
                self.csrf = None
        return status, parsed, hdrs

    def cookie(self, name):
        """The value of one of our cookies in the jar, or None."""
        for c in self.jar:
            if c.name == name:
                return c.value
        return None


def _mail_dir(system):
    return getattr(system, "mail_dir", None) or os.path.join(system.outbox, "mail")


def mails_to(system, address):
    """Every account mail (confirm, login, reset) delivered to address by
    the file transport, oldest first: a list of email.message objects."""
    found = []
    d = _mail_dir(system)
    try:
        names = [n for n in os.listdir(d) if n.startswith("a-") and n.endswith(".eml")]
    except FileNotFoundError:
        return found
    for name in names:
        path = os.path.join(d, name)
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        if address.lower() in str(msg["To"]).lower():
            found.append((os.path.getmtime(path), name, msg))
    found.sort(key=lambda t: (t[0], t[1]))
    return [m for _, _, m in found]


def mail_text(msg):
    """The text/plain part of a mail, decoded."""
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def link_token(msg, kind):
    """The token of the link of kind ("confirm", "login", "reset") in msg,
    or None."""
    m = re.search(re.escape(KINDS[kind]) + r"#t=([A-Za-z0-9_-]{43})", mail_text(msg))
    return m.group(1) if m else None


def wait_link(system, address, kind, seen=0, timeout=10):
    """Waits for the (seen+1)-th account mail to address with a link of
    kind and returns its token. seen: how many such mails were there
    before (len(tokens(system, address, kind)))."""
    deadline = time.time() + timeout
    while True:
        found = tokens(system, address, kind)
        if len(found) > seen:
            return found[-1]
        if time.time() > deadline:
            raise AssertionError("no %s mail to %s within %ss (in %s)"
                                 % (kind, address, timeout, _mail_dir(system)))
        time.sleep(0.05)


def tokens(system, address, kind):
    """The tokens of every delivered mail to address with a link of kind."""
    return [t for t in (link_token(m, kind) for m in mails_to(system, address)) if t]


def sign_in(system, address, portal=None, language=None):
    """Signs address in by a mailed link, as a customer does: POST
    /login-link, the link from the delivered mail, POST /login-link/use.
    Returns the Portal (a new one unless given), signed in."""
    p = portal or Portal(system, language=language)
    seen = len(tokens(system, address, "login"))
    status, body, _ = p.post("/login-link", {"email": address})
    if status != 202:
        raise AssertionError("POST /login-link for %s: %s %s" % (address, status, body))
    token = wait_link(system, address, "login", seen)
    status, body, _ = p.post("/login-link/use", {"token": token})
    if status != 200 or not body.get("signed_in"):
        raise AssertionError("POST /login-link/use for %s: %s %s" % (address, status, body))
    return p


STAFF_PASSWORD = "senha-do-painel-123"


def staff_sign_in(system, who, password=STAFF_PASSWORD):
    """A staff person's signed-in client: their web password set with
    `balcao-gateway staff-add` (who: a principal like "agent:ana@x" or an
    address), then POST /staff/login."""
    address = who.split(":", 1)[1] if ":" in who else who
    r = system.run_tool("balcao-gateway", ["staff-add", address], input=password.encode() + b"\n")
    if r.returncode != 0:
        raise AssertionError("staff-add %s: %s" % (address, r.stderr.decode()))
    p = Portal(system.http)
    status, body, _ = p.post("/staff/login", {"email": address, "password": password})
    if status != 200:
        raise AssertionError("staff login %s: %s %s" % (address, status, body))
    return p

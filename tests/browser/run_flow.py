#!/usr/bin/python3
"""Runs one browser flow of the customer portal or the dashboard against a
real Balcão.

    BALCAO_BUILD=build /usr/bin/python3 tests/browser/run_flow.py portal_pt

(ctest: browser_<flow>, label `browser`; tests/browser/setup.sh first.)

For the flow it starts, with tests/e2e/harness.py's System, every service
and balcao-gateway serving the web app (`gateway/web_root` = web/dist,
`gateway/public_url` = the gateway's own URL), notify delivering to a real
SMTP server (aiosmtpd, tests/e2e/mailservers.py), so that every mail the
portal sends really arrives and the flow opens the link it carries. It then
seeds what the flow needs as an agent would (the starter knowledge base,
articles, tickets by e-mail; for the dashboard's flows, desk_*, the support
team with web passwords and a customer account) and runs tests/browser/flows/<flow>.mjs with
Node.js: Debian's Chromium driven by playwright-core. The Node test gets

    BASE_URL          the gateway (and the web app)
    BALCAO_CLI        build/balcao, to act as an agent (BALCAO_CONFIG, and
    BALCAO_MAILGATE   build/balcao-mailgate for mail coming in)
    MAIL_DIR          what the SMTP server received (one .eml per message)
    MAIL_TOOL         tests/browser/mail_links.py: the messages as JSON
    SMTP_REFUSE_FILE  the SMTP server's list of refused recipients (one
                      address a line, read at every RCPT: "550 5.1.1 ...
                      User unknown"); a flow writes it to make a dead letter
                      and empties it when "the address was fixed"
    KB_ENDPOINT       kb's command socket, for KB_DEFLECTION_TOOL
                      (tests/browser/kb_deflection.py: kb's counters)
    STAFF_TOKEN       a Bearer token (service:portal-e2e, read) for staff calls
    SCREENSHOTS       <build>/screenshots/<flow>/ (emptied first)
    SEED              JSON: what was seeded (article ids, ticket numbers)

and fails this test when it fails. Afterwards no link token from a mail may
appear in any service's log, and every service must still be running (and
stop cleanly, as the harness checks).

Skipped (exit 77) only when the web app is not built (web/dist) and cannot
be (no npm, or no web app in this tree); the `smoke` flow needs no web app
and checks the machinery itself: Chromium through playwright-core reads the
gateway's /healthz and saves a screenshot.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from harness import BUILD, REPO, System, check, log, run_test, wait_until  # noqa: E402

SKIP = 77
NODE_TIMEOUT = 170  # seconds; ctest's TIMEOUT for the test is 240
AGENT = "agent:ana@balcao.test"
# The web app's build; BALCAO_WEB_DIST points elsewhere (a build of a web
# app being written, say).
WEB_DIST = os.environ.get("BALCAO_WEB_DIST") or os.path.join(REPO, "web", "dist")
XSS_IMG = "<img src=x onerror=window.__xss=1>"
XSS_SCRIPT = "<script>window.__xss=1</script>"

# A customer whose e-mail opened a ticket before she ever used the portal.
JOANA_MAIL = ("From: Joana Prado <joana@padaria-prado.example>\r\n"
              "To: suporte@balcao.test\r\n"
              "Subject: =?UTF-8?Q?Nota_fiscal_rejeitada_na_emiss=C3=A3o?=\r\n"
              "Message-ID: <joana-1@padaria-prado.example>\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n\r\n"
              "A nota fiscal 4512 volta rejeitada com o código 539 desde hoje cedo.\r\n"
              ).encode("utf-8")


def cli(s, *args):
    """The agent CLI as agent:ana; raises with its output when it fails."""
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": AGENT, "BALCAO_LANG": "pt-BR"})
    if proc.returncode != 0:
        raise AssertionError("balcao %s failed (%d): %s%s" % (
            " ".join(args), proc.returncode, proc.stdout.decode(), proc.stderr.decode()))
    return proc.stdout.decode()


def seed_kb(s, seed):
    out = cli(s, "kb", "import", os.path.join(REPO, "data", "kb"), "--publish")
    check("Importados" in out, "the starter knowledge base is published", out.strip())
    seed["article"] = "redefinir-senha"
    seed["article_title"] = "Como redefinir a sua senha"


def seed_kb_en(s, seed):
    seed_kb(s, seed)
    body = ("Open **Sign in**, choose *Forgot my password* and follow the link we send "
            "to your e-mail. The link works for 30 minutes.\n")
    out = cli(s, "kb", "create", "--id", "reset-password", "--title", "How to reset your password",
              "--body", body, "--type", "faq", "--audience", "publico", "--category", "acesso",
              "--lang", "en", "--tags", "password, sign in")
    check(out.startswith("reset-password"), "an English article", out)
    cli(s, "kb", "publish", "reset-password")


def seed_xss(s, seed):
    seed_kb(s, seed)
    title = "Artigo %s %s" % (XSS_IMG, XSS_SCRIPT)
    body = ("Texto do artigo com `%s` e `%s` em código.\n\n"
            "E solto no texto: %s %s\n" % (XSS_IMG, XSS_SCRIPT, XSS_IMG, XSS_SCRIPT))
    out = cli(s, "kb", "create", "--id", "artigo-xss", "--title", title, "--body", body,
              "--type", "faq", "--audience", "publico", "--category", "acesso",
              "--tags", "xss, teste")
    check(out.startswith("artigo-xss"), "an article with markup in its title and body", out)
    cli(s, "kb", "publish", "artigo-xss")
    seed["xss_article"] = "artigo-xss"
    seed["xss_article_title"] = title


def seed_mail_ticket(s, seed):
    before = s.ticket_total()
    check(s.mailgate(JOANA_MAIL).returncode == 0, "Joana's e-mail is accepted by the mail gate")
    wait_until(lambda: s.ticket_total() == before + 1, 20, "Joana's ticket", system=s)
    seed["mail_ticket"] = before + 1
    seed["mail_address"] = "joana@padaria-prado.example"
    seed["mail_subject"] = "Nota fiscal rejeitada na emissão"


# The support team of the dashboard's flows (desk_*): router people (as an
# admin, UpsertPerson) with web passwords (`balcao-gateway staff-add`).
STAFF_PASSWORD = "senha-do-painel-123"
TEAM = (
    # key, id, name, tier
    ("ana", AGENT, "Ana Souza", "N1"),
    ("bruno", "agent:bruno@balcao.test", "Bruno Reis", "N2"),
    ("carla", "agent:carla@balcao.test", "Carla Dias", "N3"),
    ("sara", "supervisor:sara@balcao.test", "Sara Nunes", "N2"),
    ("root", "admin:root@balcao.test", "Rui Admin", ""),
)
CUSTOMER = ("Marina Costa", "marina@loja-costa.example", "senha-da-marina-123")


def seed_team(s, seed):
    from balcao.v1 import router_pb2
    team = {}
    for key, pid, name, tier in TEAM:
        address = pid.split(":", 1)[1]
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=pid, name=name, email=address, tier=tier, status="offline")),
            principal="admin:e2e")
        r = s.run_tool("balcao-gateway", ["staff-add", address],
                       input=(STAFF_PASSWORD + "\n").encode())
        check(r.returncode == 0, "staff-add %s" % address, r.stderr.decode())
        team[key] = {"id": pid, "email": address, "name": name, "tier": tier,
                     "password": STAFF_PASSWORD}
    seed["team"] = team


def seed_customer(s, seed):
    """One customer account with a password: POST /signup, the confirmation
    link from the mail the SMTP server received, POST /confirm."""
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from portal import Portal
    name, address, password = CUSTOMER
    p = Portal(s.http)
    status, body, _ = p.post("/signup", {"email": address, "name": name, "password": password})
    check(status == 202, "the customer's sign-up is accepted", (status, body))
    token = []

    def confirm_link():
        for rcpt, msg in s.sink.messages():
            if address in rcpt:
                for part in msg.walk():
                    if part.get_content_maintype() == "text":
                        found = re.findall(r"/confirmar#t=([A-Za-z0-9_-]+)", part.get_content())
                        if found:
                            token.append(found[0])
                            return True
        return False
    wait_until(confirm_link, 20, "the confirmation mail to %s" % address, system=s)
    status, body, _ = p.post("/confirm", {"token": token[0]})
    check(status == 200, "the customer's account is confirmed", (status, body))
    seed["customer"] = {"name": name, "email": address, "password": password}


# flow -> (needs the web app, seeders)
FLOWS = {
    "smoke": (False, ()),
    "portal_pt": (True, (seed_kb,)),
    "portal_en": (True, (seed_kb_en,)),
    "login_link": (True, (seed_mail_ticket,)),
    "xss": (True, (seed_xss,)),
    "idor": (True, ()),
    "axe": (True, (seed_kb,)),
    "reject": (True, ()),
    "password": (True, ()),
    "desk_seed_flow": (True, (seed_team, seed_customer)),
    "desk_xss": (True, (seed_team,)),
    "desk_axe": (True, (seed_team, seed_customer)),
    "desk_en": (True, (seed_team, seed_customer)),
    "desk_totp": (True, (seed_team,)),
    "desk_catalog": (True, (seed_team, seed_customer)),
    "desk_actions": (True, (seed_team,)),
    "desk_presence": (True, (seed_team, seed_customer)),
    "desk_admin_pages": (True, (seed_team,)),
    "desk_kb": (True, (seed_team, seed_customer, seed_kb)),
    "webchat": (True, (seed_team, seed_kb)),
    "lgpd": (True, (seed_team, seed_customer)),
    # The seed flow on the system `balcaoctl up --demo` starts (what
    # `scripts/run.sh --demo` runs), signed in with what it printed.
    "demo_seed_flow": (True, ()),
}
# A flow run on the demo system: which flow file it runs.
DEMO_FLOWS = {"demo_seed_flow": "desk_seed_flow"}
# What `balcaoctl up --demo` prints for the team, and which member it is.
DEMO_ROLES = {"N1": "ana", "N2": "bruno", "N3": "carla", "supervisora": "sara",
              "administrador": "root"}


def ctl(s, *args):
    return subprocess.run([System.binary("balcaoctl"), "-c", s.config, *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                          env=dict(os.environ, BALCAO_LANG="pt-BR"))


def start_demo(s, seed):
    """`balcaoctl up --demo`, then the seed from what it printed: the
    demo customer and the team (names as the router has them)."""
    r = ctl(s, "up", "--demo")
    out = r.stdout.decode()
    log("balcaoctl up --demo printed:\n" + re.sub(r"senha: \S+", "senha: …", out))
    check(r.returncode == 0, "balcaoctl up --demo starts the system", (out, r.stderr.decode()))
    m = re.search(r"Portal do Cliente: \S+  —  entre como (\S+), senha: (\S+)", out)
    check(m, "it prints the demo customer's sign-in", out)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from portal import Portal
    status, body, _ = Portal(s.http).post("/login", {"email": m.group(1), "password": m.group(2)})
    check(status == 200, "the demo customer signs in with what was printed", (status, body))
    seed["customer"] = {"name": body["person"]["name"], "email": m.group(1),
                        "password": m.group(2)}
    from balcao.v1 import router_pb2
    people = s.call("router", router_pb2.ListPeople(), principal="admin:e2e").people
    names = {p.id.split(":", 1)[1]: p for p in people}
    team = {}
    for role, address, password in re.findall(
            r"Dashboard do Suporte: \S+  —  (\S+): entre como (\S+), senha: (\S+)", out):
        p = names[address]
        team[DEMO_ROLES[role]] = {"id": p.id, "email": address, "name": p.name, "tier": p.tier,
                                  "password": password}
    check(set(team) == set(DEMO_ROLES.values()), "it prints a sign-in for each of the team",
          sorted(team))
    seed["team"] = team


def skip(why):
    print("SKIP: " + why, flush=True)
    sys.exit(SKIP)


def preflight(flow, needs_web):
    """Says why this flow cannot run (skip or fail), or returns the node binary."""
    npm = shutil.which("npm")
    if needs_web and not os.path.isfile(os.path.join(WEB_DIST, "index.html")):
        if npm is None:
            skip("web/dist is not built and npm is not installed to build it")
        if not os.path.isfile(os.path.join(REPO, "web", "package.json")):
            skip("this tree has no web app (web/package.json) to test")
        raise AssertionError("web/dist is missing although npm is here: run tests/browser/setup.sh")
    node = shutil.which("node")
    if node is None:
        raise AssertionError("node is not installed (scripts/bootstrap.sh installs it)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        raise AssertionError("tests/browser/node_modules is missing: run tests/browser/setup.sh")
    if not os.access("/usr/bin/chromium", os.X_OK):
        raise AssertionError("/usr/bin/chromium is missing (scripts/bootstrap.sh installs it)")
    return node


def link_tokens(sink):
    """Every token a delivered mail carried in a link (#t=...)."""
    tokens = set()
    for _, msg in sink.messages():
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                tokens.update(re.findall(r"#t=([A-Za-z0-9_\-.~%]+)", part.get_content()))
    return tokens


def main():
    flow = sys.argv[1] if len(sys.argv) > 1 else ""
    if flow not in FLOWS:
        print("usage: run_flow.py %s" % "|".join(FLOWS), file=sys.stderr)
        sys.exit(64)
    needs_web, seeders = FLOWS[flow]
    node = preflight(flow, needs_web)
    shots = os.path.join(BUILD, "screenshots", flow)
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)

    with System("browser-" + flow, ack_per_hour=None) as s:
        gateway = ['    web_root = "%s"' % WEB_DIST, '    public_url = "%s"' % s.http]
        if flow.startswith("desk_"):
            # Five people sign in from 127.0.0.1 within a minute.
            gateway += ["    logins_per_ip_minute = 1000", "    mails_per_ip_hour = 1000"]
        if flow == "webchat":
            # A customer's site (the flow serves it on localhost, another
            # site than the gateway's 127.0.0.1) embeds the chat with chat.js.
            gateway += ["    chat", '        embed_origins = "http://localhost:*"']
        s.extra_config = dict(s.extra_config, gateway="\n".join(gateway))
        demo = flow in DEMO_FLOWS
        if demo:
            # Every service started by balcaoctl, as scripts/run.sh --demo
            # does, with this test's config (ports, the SMTP server).
            sink = s.start_with_smtp(retry_first_ms=200, retry_max_ms=1000, start=False)
        else:
            sink = s.start_with_smtp(retry_first_ms=200, retry_max_ms=1000)
        s.sink = sink
        try:
            seed = {}
            if demo:
                start_demo(s, seed)
            token = s.api_token("portal-e2e", read=True)
            for seeder in seeders:
                seeder(s, seed)
            env = dict(os.environ,
                       FLOW=flow,
                       BASE_URL=s.http,
                       BALCAO_BUILD=BUILD,
                       BALCAO_CLI=os.path.join(BUILD, "balcao"),
                       BALCAO_MAILGATE=os.path.join(BUILD, "balcao-mailgate"),
                       BALCAO_CONFIG=s.config,
                       AGENT_PRINCIPAL=AGENT,
                       MAIL_DIR=sink.dir,
                       MAIL_TOOL=os.path.join(HERE, "mail_links.py"),
                       SMTP_REFUSE_FILE=sink.refuse_file,
                       KB_ENDPOINT=s.endpoints["kb"],
                       KB_DEFLECTION_TOOL=os.path.join(HERE, "kb_deflection.py"),
                       PYTHON="/usr/bin/python3",
                       STAFF_TOKEN=token,
                       SCREENSHOTS=shots,
                       SEED=json.dumps(seed),
                       PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
            log("running flows/%s.mjs in Chromium (screenshots in %s)" % (flow, shots))
            t0 = time.monotonic()
            try:
                proc = subprocess.run([node, os.path.join(HERE, "flows",
                                                      DEMO_FLOWS.get(flow, flow) + ".mjs")],
                                      cwd=HERE, env=env, timeout=NODE_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise AssertionError("the browser flow took more than %d s" % NODE_TIMEOUT)
            log("the browser flow took %.1f s" % (time.monotonic() - t0))
            check(proc.returncode == 0, "the browser flow %s passes" % flow,
                  "node exited %d (its output is above)" % proc.returncode)
            if demo:
                r = ctl(s, "status")
                check(r.returncode == 0, "balcaoctl status: every service still runs",
                      r.stdout.decode() + r.stderr.decode())
                logs = ""
                for name in os.listdir(os.path.join(s.var, "log")):
                    with open(os.path.join(s.var, "log", name), errors="replace") as f:
                        logs += f.read()
                passwords = [m["password"] for m in seed["team"].values()]
                check(not [p for p in passwords + [seed["customer"]["password"]] if p in logs],
                      "no printed password is in a service's log")
            else:
                s.check_alive()
                logs = "".join(s.log_text(svc) for svc in ("intake", "router", "kb", "notify",
                                                           "gateway"))
            tokens = link_tokens(sink)
            leaked = [t for t in tokens if len(t) >= 16 and t in logs]
            check(not leaked, "no link token from the %d mailed links is in a service log"
                  % len(tokens), leaked)
        finally:
            if demo:
                ctl(s, "down")
            sink.stop()
    log("browser flow %s passed" % flow)


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""The demo's portal account (issue 13): `balcaoctl up --demo` prints the
portal's address and a sign-in for the demo customer, whose password works
on the portal; the password appears in no log. `balcao-gateway account-add`
refuses a short password and a malformed address (exit 65) and makes
nothing.
"""

import os
import re
import subprocess

from harness import System, check, log, run_test
from portal import Portal


def ctl(s, *args):
    return subprocess.run([System.binary("balcaoctl"), "-c", s.config, *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


def main():
    with System("portal_demo") as s:
        try:
            r = ctl(s, "up", "--demo")
            out = r.stdout.decode()
            m = re.search(r"Portal do Cliente: (\S+)  —  entre como (\S+), senha: (\S+)", out)
            check(r.returncode == 0 and m, "balcaoctl up --demo prints the portal and a sign-in",
                  (out, r.stderr.decode()))
            url, address, password = m.groups()
            check(url == s.http + "/" and address == "mariana@padaria-pao-quente.com.br"
                  and len(password) >= 10, "the portal's address and the demo customer", m.groups())
            p = Portal(s)
            status, body, _ = p.post("/login", {"email": address, "password": password})
            check(status == 200 and body["person"]["name"] == "Mariana Souza"
                  and body["person"]["has_password"], "the printed password signs her in", body)

            r = s.run_tool("balcao-gateway", ["account-add", "novo@example.com", "Novo"],
                           input=b"curta\n")
            check(r.returncode == 65 and "10 a 128" in r.stderr.decode(),
                  "account-add refuses a short password", r.stderr.decode())
            r = s.run_tool("balcao-gateway", ["account-add", "sem arroba", "Novo"],
                           input=b"uma senha boa o bastante\n")
            check(r.returncode == 65, "and a malformed address")
            status, _, _ = Portal(s).post("/login", {"email": "novo@example.com",
                                                     "password": "curta"})
            check(status == 401, "and makes no account")
        finally:
            r = ctl(s, "down")
        logs = ""
        for d in (os.path.join(s.var, "log"), s.logs):
            for name in os.listdir(d) if os.path.isdir(d) else ():
                with open(os.path.join(d, name), errors="replace") as f:
                    logs += f.read()
        check(logs and password not in logs, "the demo password is in no log")
    log("test_portal_demo passed")


if __name__ == "__main__":
    run_test(main)

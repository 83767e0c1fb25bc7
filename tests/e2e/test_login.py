#!/usr/bin/python3
"""Agents authenticate with their own CURVE key pair; the router maps the key
to the agent through ZAP, whatever the request claims.

Proves, with CURVE on:
  - `balcao login` makes a key pair (secret readable only by its owner) and
    prints the public key and the admin's command to register it;
  - an unregistered key gets no answer (exit 69, with a hint);
  - once an admin registers it (`balcao person-key`), the agent's commands act
    as the agent: an agent claiming to be an admin in BALCAO_PRINCIPAL is
    still refused admin commands, and history records the agent;
  - kb admits the same key (it follows the router's PersonChanged events);
  - `queue --mine` lists the agent's tickets in progress; `tail N` shows the
    ticket's events live;
  - a key belongs to one person; revoking it locks the agent out again.
"""

import os
import re
import signal
import stat
import time

from harness import System, check, log, run_test, wait_until

ANA = "agent:ana@suporte.example"
ADMIN_ENV = {"BALCAO_PRINCIPAL": "admin:root@suporte.example", "BALCAO_KEY": None}

MAIL = (b"From: Paula Reis <paula@example.com.br>\r\n"
        b"Subject: =?UTF-8?Q?Integra=C3=A7=C3=A3o_sem_resposta?=\r\n"
        b"Message-ID: <login-1@example.com.br>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"A integracao com o ERP parou de responder.\r\n")


def main():
    with System("login", curve=True) as s:
        s.start_all()
        key_path = os.path.join(s.dir, "ana", "chave.cert")
        ana_env = {"BALCAO_KEY": key_path, "BALCAO_PRINCIPAL": ANA}

        def ana(*args):
            return s.run_tool("balcao", args, env=ana_env)

        def admin(*args):
            return s.run_tool("balcao", args, env=ADMIN_ENV)

        r = admin("person-add", ANA, "Ana Lima", "N1")
        check(r.returncode == 0, "the operator's CLI (the server's own certificate) adds an agent",
              r.stderr)

        r = ana("login")
        out = r.stdout.decode()
        check(r.returncode == 0 and "Chave pública:" in out, "balcao login makes a key pair", out)
        key = re.search(r"Chave pública: (\S{40})", out).group(1)
        check("balcao person-key %s %s" % (ANA, key) in out,
              "login prints the admin's command to register the key", out)
        mode = stat.S_IMODE(os.stat(key_path + "_secret").st_mode)
        check(mode & 0o077 == 0, "the secret key is readable only by its owner (%o)" % mode)
        again = ana("login").stdout.decode()
        check("já tem uma chave" in again and key in again, "a second login keeps the same key")

        r = ana("queue", "N1")
        check(r.returncode == 69, "an unregistered key gets no answer (exit 69)", r.returncode)
        check("balcao login" in r.stderr.decode(), "with a hint about registering the key",
              r.stderr.decode())

        r = admin("person-key", ANA, key)
        check(r.returncode == 0, "an admin registers the key", r.stderr)
        r = admin("person-key", "agent:nobody@suporte.example", key)
        check(r.returncode == 2, "nobody else can register the same key (exit 2)")
        r = admin("person-key", ANA, "not-a-key")
        check(r.returncode == 2 and "40 caracteres" in r.stderr.decode(),
              "a malformed key is refused with a clear message", r.stderr)

        r = ana("status", "online")
        check(r.returncode == 0, "the agent works with their registered key", r.stderr)
        spoof = dict(ana_env, BALCAO_PRINCIPAL="admin:root@suporte.example")
        r = s.run_tool("balcao", ["person-add", "agent:eve@suporte.example", "Eve", "N3"], env=spoof)
        check(r.returncode == 2 and "só administradores" in r.stderr.decode(),
              "claiming to be an admin with an agent's key is refused (the key decides)",
              (r.returncode, r.stderr))

        proc = s.mailgate(MAIL)
        check(proc.returncode == 0, "a customer's mail arrives", proc.stderr)
        wait_until(lambda: s.ticket_total() == 1, 20, "ticket 1", system=s)
        wait_until(lambda: "#1" in ana("queue", "--mine").stdout.decode(), 10,
                   "ticket 1 assigned to the only agent online", system=s)
        mine = ana("queue", "--mine").stdout.decode()
        check("1 chamado(s) com você" in mine, "queue --mine lists the agent's ticket", mine)
        en = s.run_tool("balcao", ["queue", "--mine"], env=dict(ana_env, BALCAO_LANG="en"))
        check("1 ticket(s) assigned to you" in en.stdout.decode(), "in English with BALCAO_LANG=en",
              en.stdout)

        tail = s.spawn_tool("balcao", ["tail", "1"], env=ana_env)
        time.sleep(1.0)
        r = ana("set-priority", "1", "alta", "cliente parado")
        check(r.returncode == 0, "the agent raises the priority", r.stderr)
        r = ana("reply", "1", "Olá, Paula! Já estamos verificando a integração.")
        check(r.returncode == 0, "the agent replies", r.stderr)
        wait_until(lambda: "prioridade: normal → alta" in s.tool_output("balcao"), 10,
                   "tail shows the priority change", system=s)
        tail.send_signal(signal.SIGINT)
        check(tail.wait(timeout=10) == 0, "tail ends cleanly on Ctrl+C")
        out = s.tool_output("balcao")
        check(ANA in out and "#1" in out, "tail says who did it, on which ticket", out)

        hist = ana("history", "1").stdout.decode()
        check(re.search(r"%s\s+resposta de" % re.escape(ANA), hist) is not None,
              "history records the agent the key belongs to", hist)

        wait_until(lambda: "#1" in ana("search", "ERP").stdout.decode(), 20,
                   "kb to admit the agent's key and find ticket 1", system=s)
        log("ok: kb admits the agent's key")

        r = ana("resolve", "1", "Reativamos a integração com o ERP.")
        check(r.returncode == 0, "the agent resolves ticket 1", r.stderr)
        r = ana("queue", "--mine")
        check(r.returncode == 0 and "0 chamado(s) com você" in r.stdout.decode(),
              "a resolved ticket leaves queue --mine", r.stdout)
        r = admin("person-key", ANA)
        check(r.returncode == 0 and "revogada" in r.stdout.decode(), "an admin revokes the key")
        r = ana("queue", "--mine")
        check(r.returncode == 69, "a revoked key gets no answer", r.returncode)
    log("test_login passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""balcaoctl runs the whole system, the IMAP poller included when configured.

Proves, with a real Dovecot: `balcaoctl up` starts the five services and,
because intake/imap/url is set, balcao-imapgate after intake answers; a mail
put in the mailbox becomes a ticket; `balcaoctl status` reports every process
(exit 0); `balcaoctl down` stops them all, the poller first, each with
SIGTERM, leaving no process and no pid file behind.
"""

import os
import subprocess

from harness import Dovecot, System, check, log, run_test, wait_until


def ctl(s, *args):
    return subprocess.run([System.binary("balcaoctl"), "-c", s.config, *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)


def main():
    with System("balcaoctl") as s:
        with Dovecot(s.dir) as imap:
            s.extra_config["intake"] = imap.intake_config()
            s.write_config()
            run_dir = os.path.join(s.var, "run")
            try:
                r = ctl(s, "up")
                out = r.stdout.decode()
                check(r.returncode == 0 and "5 serviços saudáveis" in out,
                      "balcaoctl up starts the five services", (out, r.stderr))
                check("balcao-imapgate" in out, "and the IMAP poller, since intake/imap/url is set",
                      out)
                imap.append("INBOX", (b"From: Lucia <lucia@cliente.com.br>\r\n"
                                      b"Subject: Acesso bloqueado\r\n"
                                      b"Message-ID: <ctl-1@cliente.com.br>\r\n\r\n"
                                      b"Minha conta foi bloqueada.\r\n"))
                wait_until(lambda: s.ticket_total() == 1, 30, "the mail to become ticket 1")
                check(s.ticket(1).subject == "Acesso bloqueado", "fetched by the poller balcaoctl started")
                r = ctl(s, "status")
                out = r.stdout.decode()
                check(r.returncode == 0 and "imapgate" in out, "status lists the poller too", out)
                pid = int(open(os.path.join(run_dir, "imapgate.pid")).read())
            finally:
                r = ctl(s, "down")
            check(r.returncode == 0 and "Balcão parado" in r.stdout.decode(), "balcaoctl down")
            check(not os.path.exists(os.path.join(run_dir, "imapgate.pid"))
                  and not [f for f in os.listdir(run_dir) if f.endswith(".pid")],
                  "no pid file left", os.listdir(run_dir))
            try:
                os.kill(pid, 0)
                alive = True
            except ProcessLookupError:
                alive = False
            check(not alive, "the poller is gone")
            gate_log = open(os.path.join(s.var, "log", "imapgate.log"), errors="replace").read()
            check("segredo-imap" not in gate_log, "its log never shows the password")
    log("test_balcaoctl passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Mail over TLS, with a private CA, against real servers.

Proves:
  - balcao-imapgate reads a Dovecot mailbox that requires STARTTLS, trusting
    the server's certificate through intake/imap/ca_file (and logs in only
    inside TLS: Dovecot refuses plaintext logins here);
  - notify delivers to an SMTP server (aiosmtpd) that requires STARTTLS and
    AUTH, trusting it through notify/smtp/ca_file, with the password read
    from its file: the server saw a TLS session authenticated as our user;
    and the same over smtps:// (TLS from the first byte);
  - without the private CA, notify refuses to talk to the same server (the
    certificate cannot be verified): the notification waits in the outbox,
    retrying, with the TLS error as its last error, and is never sent in the
    clear.
"""

import os

from harness import (Dovecot, SmtpSink, System, check, log, make_tls_certs, run_test,
                     wait_until)


def main():
    with System("tls") as s:
        tls = make_tls_certs(os.path.join(s.dir, "tls"))
        sink = SmtpSink(s.dir, tls=tls, login=("suporte@balcao.test", "senha-smtp"))
        sink.start()
        with Dovecot(s.dir, tls=tls) as imap:
            s.extra_config["intake"] = imap.intake_config()
            s.extra_config["notify"] = sink.notify_config(retry_first_ms=200)
            s.write_config()
            s.start_all()
            gate = s.spawn_tool("balcao-imapgate")
            try:
                imap.append("INBOX", (b"From: Bia <bia@cliente.com.br>\r\n"
                                      b"Subject: Certificado expirado\r\n"
                                      b"Message-ID: <tls-1@cliente.com.br>\r\n\r\n"
                                      b"O certificado digital venceu.\r\n"))
                wait_until(lambda: s.ticket_total() == 1, 30,
                           "the mail read over IMAP with STARTTLS", system=s)
                wait_until(lambda: sink.by_subject("Recebemos seu chamado"), 30,
                           "the acknowledgement over SMTP with STARTTLS and AUTH", system=s)
                sessions = sink.sessions()
                check(sessions and sessions[0] == "tls=1 auth=suporte@balcao.test",
                      "the SMTP server saw TLS and our login", sessions)
                dovecot_log = open(imap.log, errors="replace").read()
                check("TLS" in dovecot_log and "user=<suporte>" in dovecot_log,
                      "Dovecot logged a TLS login for the poller", dovecot_log[-600:])
                check("senha-smtp" not in s.log_text("notify")
                      and "segredo-imap" not in s.tool_output("balcao-imapgate"),
                      "no password in any log")
            finally:
                gate.terminate()
                gate.wait(20)

        # SMTPS: TLS from the first byte (port 465 style), same CA and login.
        sink.stop()
        smtps = SmtpSink(s.dir, tls=tls, login=("suporte@balcao.test", "senha-smtp"),
                         implicit_tls=True, name="smtps-sink")
        smtps.start()
        s.stop("notify")
        s.extra_config["notify"] = smtps.notify_config(retry_first_ms=200)
        s.write_config()
        s.start("notify")
        s.submit_api("tls-s", "Pedido por SMTPS", "Mensagem por SMTPS.",
                     from_address="bia@cliente.com.br")
        wait_until(lambda: smtps.by_subject("Pedido por SMTPS"), 30,
                   "the acknowledgement over smtps://", system=s)
        check(smtps.sessions() == ["tls=1 auth=suporte@balcao.test"],
              "the SMTPS server saw TLS from the start and our login", smtps.sessions())
        smtps.stop()
        sink.start()

        # The same server, but notify trusts only the system's CAs.
        s.stop("notify")
        s.extra_config["notify"] = sink.notify_config(retry_first_ms=200, ca_file="")
        s.write_config()
        s.start("notify")
        s.submit_api("tls-2", "Outro pedido", "Segunda mensagem.", from_address="bia@cliente.com.br")
        wait_until(lambda: any(i.state == "retrying" for i in s.outbox_list("retrying").items), 30,
                   "the untrusted server to put the ack in retry", system=s)
        item = [i for i in s.outbox_list("retrying").items][0]
        check("certificate" in item.last_error.lower() or "ssl" in item.last_error.lower(),
              "the last error says the certificate could not be verified", item.last_error)
        check(len(sink.messages()) == 1, "nothing was sent to it", len(sink.messages()))
        sink.stop()
    log("test_tls passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Outbound e-mail over SMTP to a real server (aiosmtpd, tests/e2e/harness.py
SmtpSink), with notify's outbox states.

- Rita's e-mail opens ticket 1: the acknowledgement arrives at the SMTP
  server once, with our headers (From, To, Subject with the tag, our
  Message-ID, In-Reply-To her mail, Auto-Submitted, X-Loop, text + HTML);
  an agent's reply arrives too, without Auto-Submitted. notify's log says
  NotificationDelivered (transport smtp) with the server's 250.
- A robot's message (Auto-Submitted: auto-generated) opens a ticket: no
  acknowledgement (counted).
- One sender opens 4 tickets: 3 acknowledgements, the 4th is not sent
  (notify's default of 3 per hour, counted).
- The SMTP server stops: the acknowledgement goes to "retrying" with
  attempts and a next attempt in the future, the wait grows (backoff);
  the server comes back: it arrives, once.
- The server answers 550 for a recipient: a dead letter with the server's
  reason, shown by `balcao outbox mortas`; an agent may not resend it, an
  admin may after the address is fixed: delivered, once.
- Every Message-ID the server received, it received once.
"""

import os
import time

from harness import System, check, log, run_test, wait_until
from balcao.v1 import notify_pb2

RITA = "rita@lojadarita.com.br"
MAIL = (b"From: Rita Gomes <rita@lojadarita.com.br>\r\n"
        b"To: suporte@balcao.test\r\n"
        b"Subject: =?UTF-8?Q?Relat=C3=B3rio_de_estoque_vazio?=\r\n"
        b"Message-ID: <rita-1@lojadarita.com.br>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"O relatorio de estoque aparece vazio desde ontem.\r\n")
ROBOT = (b"From: Monitor <monitor@example.org>\r\n"
         b"To: suporte@balcao.test\r\n"
         b"Subject: ALERTA: fila de notas fiscais parada\r\n"
         b"Auto-Submitted: auto-generated\r\n"
         b"Message-ID: <alerta-1@example.org>\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
         b"A fila de emissao esta parada ha 15 minutos.\r\n")
REFUSED = "inexistente@example.com"


def to(sink, address):
    return [m for rcpt, m in sink.messages() if rcpt == address]


def item(s, notification_id, filter=""):
    for it in s.outbox_list(filter).items:
        if it.notification_id == notification_id:
            return it
    return None


def open_ticket(s, external_id, address, subject):
    """An API ticket; returns its number once the router has it."""
    before = s.ticket_total()
    s.submit_api(external_id, subject, "Preciso de ajuda.", from_address=address, from_name="")
    wait_until(lambda: s.ticket_total() == before + 1, 20, "ticket " + external_id, system=s)
    return before + 1


def main():
    with System("smtp_delivery", ack_per_hour=None) as s:
        sink = s.start_with_smtp(retry_first_ms=400, retry_max_ms=3000)
        try:
            run(s, sink)
        finally:
            sink.stop()
    log("test_smtp_delivery passed")


def run(s, sink):
    # ---- the acknowledgement and a reply, with their headers --------------
    check(s.mailgate(MAIL).returncode == 0, "Rita's e-mail is accepted")
    wait_until(lambda: to(sink, RITA), 20, "Rita's acknowledgement at the SMTP server", system=s)
    ack = to(sink, RITA)[0]
    check(str(ack["Subject"]) == "[Chamado #1] Recebemos seu chamado: Relatório de estoque vazio",
          "the ack's subject carries the ticket tag", ack["Subject"])
    check(str(ack["To"]).endswith("<%s>" % RITA) or str(ack["To"]) == RITA, "To is Rita", ack["To"])
    check(str(ack["From"]).endswith("<suporte@balcao.test>"), "From is the support address",
          ack["From"])
    check(str(ack["Message-ID"]).startswith("<balcao.bc.t1."), "our Message-ID names ticket 1",
          ack["Message-ID"])
    check(str(ack["In-Reply-To"]) == "<rita-1@lojadarita.com.br>", "threaded to Rita's e-mail",
          ack["In-Reply-To"])
    check(str(ack["Auto-Submitted"]) == "auto-replied" and ack["X-Loop"] is not None,
          "Auto-Submitted and X-Loop on the ack")
    check([p.get_content_type() for p in ack.iter_parts()] == ["text/plain", "text/html"],
          "text and HTML alternatives")
    check("Recebemos seu chamado #1" in ack.get_body(("plain",)).get_content(),
          "the ack's text, decoded after SMTP")

    os.environ["BALCAO_PRINCIPAL"] = "agent:ana@suporte.example"
    proc = s.run_tool("balcao", ["reply", "1", "Olá, Rita! Vamos verificar agora."])
    check(proc.returncode == 0, "the agent replies", proc.stderr)
    wait_until(lambda: len(to(sink, RITA)) == 2, 20, "the reply at the SMTP server", system=s)
    reply = to(sink, RITA)[1]
    check(str(reply["Subject"]).startswith("Re: [Chamado #1]") and reply["Auto-Submitted"] is None,
          "the agent's reply: Re: subject, not Auto-Submitted", reply["Subject"])
    delivered = [notify_pb2.NotificationDelivered.FromString(e.payload) for e in s.replay("notify")
                 if e.type == "balcao.v1.NotificationDelivered"]
    check(len(delivered) == 2 and all(d.transport == "smtp" and d.location.startswith("250")
                                      and d.attempts == 1 for d in delivered),
          "NotificationDelivered: smtp, the server's 250, one attempt each",
          [(d.notification_id, d.location, d.attempts) for d in delivered])

    # ---- a robot's ticket gets nothing -----------------------------------
    check(s.mailgate(ROBOT).returncode == 0, "a monitoring robot's alert is accepted")
    wait_until(lambda: s.ticket_total() == 2, 20, "ticket 2 (the robot's alert)", system=s)
    msg0 = s.ticket(2).messages[0]
    check(msg0.mail_class == "auto", "the router says who opened ticket 2", msg0.mail_class)
    wait_until(lambda: s.outbox_list().skipped_robot == 1, 20, "notify to skip the robot",
               system=s)
    time.sleep(0.5)
    check(not to(sink, "monitor@example.org"), "no acknowledgement to a robot")

    # ---- 3 acknowledgements an hour per sender ---------------------------
    numbers = [open_ticket(s, "pressa-%d" % i, "pressa@example.com", "Urgente %d" % i)
               for i in range(4)]
    wait_until(lambda: s.outbox_list().skipped_ack_rate == 1, 20,
               "notify to hold back the 4th acknowledgement", system=s)
    wait_until(lambda: len(to(sink, "pressa@example.com")) == 3, 20, "3 acknowledgements",
               system=s)
    time.sleep(0.5)
    got = sorted(str(m["Subject"]) for m in to(sink, "pressa@example.com"))
    check(len(got) == 3 and not any("#%d]" % numbers[3] in g for g in got),
          "the 4th acknowledgement within the hour is not sent", got)

    # ---- the server is down: retrying with backoff, then once ------------
    sink.stop()
    log("SMTP server stopped")
    n = open_ticket(s, "paciente", "paciente@example.com", "Sem acesso")
    ack_id = "t%d-ack" % n
    first = wait_until(lambda: (lambda it: it if it and it.attempts == 1 else None)(
        item(s, ack_id, "retrying")), 20, "the ack to be retrying", system=s)
    check(first.state == "retrying" and first.last_error and first.last_code == 0,
          "retrying, with why (no connection)", (first.state, first.last_error))
    check(first.next_attempt_us > time.time() * 1e6 - 1e6, "a next attempt is scheduled")
    third = wait_until(lambda: (lambda it: it if it and it.attempts == 3 else None)(
        item(s, ack_id, "retrying")), 30, "two more attempts", system=s)
    # From the attempt's start to the next one: the wait, which counts from
    # the attempt's end, plus the attempt itself (a refused connection: a few
    # ms, more under the sanitizers).
    wait1 = (first.next_attempt_us - first.last_attempt_us) / 1e3
    wait3 = (third.next_attempt_us - third.last_attempt_us) / 1e3
    slack = 100
    check(320 <= wait1 <= 480 + slack and 4 * 320 <= wait3 <= min(4 * 480, 3000 * 1.2) + slack,
          "the wait doubles at each attempt, with jitter (400 ms, then ~1600 ms)",
          (first.attempts, wait1, third.attempts, wait3))
    sink.start()
    log("SMTP server back")
    wait_until(lambda: to(sink, "paciente@example.com"), 30, "the ack after the server is back",
               system=s)
    wait_until(lambda: item(s, ack_id) is None, 10, "the ack off the outbox list", system=s)

    # ---- 550: a dead letter, resent by an admin --------------------------
    sink.refuse(REFUSED)
    n = open_ticket(s, "recusado", REFUSED, "Erro 500 no portal")
    dead_id = "t%d-ack" % n
    dead = wait_until(lambda: item(s, dead_id, "dead"), 20, "the refused ack to be dead", system=s)
    check(dead.last_code == 550 and "User unknown" in dead.last_error and dead.attempts == 1,
          "dead at once, with the server's reason", (dead.last_code, dead.last_error))
    proc = s.run_tool("balcao", ["outbox", "mortas"], env={"BALCAO_LANG": "pt-BR"})
    out = proc.stdout.decode()
    check(proc.returncode == 0 and dead_id in out and "morta" in out and "User unknown" in out,
          "`balcao outbox mortas` shows it with the reason", out)
    log("balcao outbox mortas:\n" + out)
    proc = s.run_tool("balcao", ["outbox", "resend", dead_id],
                      env={"BALCAO_PRINCIPAL": "agent:ana@suporte.example"})
    check(proc.returncode == 2 and "administradores" in proc.stderr.decode(),
          "an agent may not resend", proc.stderr)
    sink.refuse()  # the address was fixed on the server
    proc = s.run_tool("balcao", ["outbox", "resend", dead_id],
                      env={"BALCAO_PRINCIPAL": "admin:root"})
    check(proc.returncode == 0, "an admin resends it", proc.stderr)
    wait_until(lambda: to(sink, REFUSED), 20, "the resent ack at the server", system=s)
    wait_until(lambda: s.outbox_list().dead == 0 and s.outbox_list().pending == 0, 10,
               "nothing left in the outbox", system=s)
    failed = [e for e in s.replay("notify") if e.type == "balcao.v1.NotificationFailed"]
    check(len(failed) == 1, "one NotificationFailed event, for the refusal")

    # ---- exactly once ----------------------------------------------------
    time.sleep(1)
    ids = sink.message_ids()
    check(ids and set(ids.values()) == {1}, "every Message-ID arrived once", ids)
    check(len(ids) == 2 + 3 + 1 + 1, "2 to Rita, 3 acks to one sender, 1 after the outage, "
          "1 resent", len(ids))


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""The whole e-mail loop against real servers, and every shared sample.

Proves:
  - the full loop: a customer's mail lands in a real IMAP mailbox (Dovecot);
    balcao-imapgate brings it in; the router opens a ticket; notify's
    acknowledgement arrives at a real SMTP server (aiosmtpd) with our
    threading headers and pt-BR text; the customer's reply, built from the
    acknowledgement that arrived (In-Reply-To its Message-ID, its subject),
    goes back into the mailbox and threads into the same ticket; the agent's
    answer arrives too, in the same thread;
  - conformance: every real message in ../shared/data/email/ goes through the
    mail gate without crashing anything, and none of the delivery reports,
    read receipts or abuse reports among them opens a ticket.
"""

import email
import email.policy
import os

from harness import Dovecot, SmtpSink, System, check, log, run_test, shared_data, wait_until
from balcao.v1 import router_pb2

SAMPLES = shared_data("email")
AGENT = "agent:ana@suporte.example"
REPORTS = ("bounce", "read_receipt", "feedback_report")


def main():
    with System("mailloop") as s:
        sink = SmtpSink(s.dir)
        sink.start()
        with Dovecot(s.dir) as imap:
            s.extra_config["intake"] = imap.intake_config()
            s.extra_config["notify"] = sink.notify_config()
            s.write_config()
            s.start_all()
            gate = s.spawn_tool("balcao-imapgate")
            try:
                imap.append("INBOX", (
                    "From: Joana Prado <joana@padaria.com.br>\r\n"
                    "To: suporte@balcao.test\r\n"
                    "Subject: =?UTF-8?Q?N=C3=A3o_consigo_emitir_nota?=\r\n"
                    "Message-ID: <joana-1@padaria.com.br>\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                    "A emissão de nota fiscal dá erro desde ontem.\r\n").encode())
                wait_until(lambda: s.ticket_total() == 1, 30, "ticket 1 from the mailbox", system=s)
                wait_until(lambda: sink.by_subject("Recebemos seu chamado"), 30,
                           "the acknowledgement at the SMTP server", system=s)
                ack = sink.by_subject("Recebemos seu chamado")[0]
                text = ack.get_body(preferencelist=("plain",)).get_content()
                check(str(ack["Subject"]).startswith("[Chamado #1]")
                      and ack["In-Reply-To"] == "<joana-1@padaria.com.br>"
                      and "Não consigo emitir nota" in text,
                      "the ack arrived threaded to her mail, in pt-BR", (ack["Subject"], text))

                reply = email.message.EmailMessage(policy=email.policy.SMTP)
                reply["From"] = "Joana Prado <joana@padaria.com.br>"
                reply["To"] = str(ack["Reply-To"] or ack["From"])
                reply["Subject"] = "Re: " + str(ack["Subject"])
                reply["Message-ID"] = "<joana-2@padaria.com.br>"
                reply["In-Reply-To"] = str(ack["Message-ID"])
                reply["References"] = "%s %s" % (ack["References"] or "", ack["Message-ID"])
                reply.set_content("O erro é 'Rejeição 539'.\n\nEm 25/11, Suporte escreveu:\n> " +
                                  text.splitlines()[0] + "\n")
                imap.append("INBOX", bytes(reply))
                wait_until(lambda: s.ticket(1).message_count == 2, 30,
                           "her reply (built from the ack that arrived) in ticket 1", system=s)
                check(s.ticket_total() == 1 and s.ticket(1).messages[1].reply.strip()
                      == "O erro é 'Rejeição 539'.",
                      "threaded into the same ticket, the quote set apart")

                s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                    id=AGENT, name="Ana Souza", tier="N1")), principal="admin:root@x")
                s.call("router", router_pb2.AddMessage(
                    number=1, body="Olá, Joana! A SEFAZ voltou; pode emitir de novo."),
                    principal=AGENT)
                wait_until(lambda: sink.by_subject("Re: [Chamado #1]"), 30,
                           "the agent's answer at the SMTP server", system=s)
                answer = sink.by_subject("Re: [Chamado #1]")[0]
                check(answer["In-Reply-To"] == "<joana-2@padaria.com.br>"
                      and answer["Auto-Submitted"] is None
                      and "Ana Souza" in answer.get_body(preferencelist=("plain",)).get_content(),
                      "the answer continues her thread, signed by the agent")
            finally:
                gate.terminate()
                gate.wait(20)
                sink.stop()

        # Conformance: every shared sample through the mail gate.
        if not SAMPLES:
            log("skipped: the shared e-mail samples (BALCAO_SHARED_DATA) are not on this machine")
            return
        before = s.ticket_total()
        names = sorted(n for n in os.listdir(SAMPLES) if n.endswith(".eml"))
        check(len(names) >= 20, "the shared samples are there", len(names))
        codes = {}
        for name in names:
            with open(os.path.join(SAMPLES, name), "rb") as f:
                codes[name] = s.mailgate(f.read()).returncode
        check(all(c in (0, 65) for c in codes.values()),
              "the mail gate accepts or refuses each sample, never a temporary failure", codes)
        s.check_alive()
        accepted = [n for n, c in codes.items() if c == 0]
        intake_log = s.log_text("intake")
        reports = intake_log.count("class=bounce") + intake_log.count("class=read_receipt") + \
            intake_log.count("class=feedback_report")
        check(reports >= 5, "the samples include delivery reports, receipts and abuse reports",
              reports)
        wait_until(lambda: s.head_seq("router") > 0 and
                   s.call("router", router_pb2.ListTickets(limit=1000)).total >= before, 20,
                   "the router to catch up", system=s)
        import time
        time.sleep(1.5)
        tickets = s.call("router", router_pb2.ListTickets(limit=1000)).tickets
        opened_by_reports = []
        for t in tickets:
            first = s.ticket(t.number).messages[0]
            if first.mail_class in REPORTS:
                opened_by_reports.append((t.number, first.mail_class))
        check(not opened_by_reports, "no report opened a ticket", opened_by_reports)
        log("conformance: %d samples, %d accepted, %d refused, %d tickets, %d report(s) seen"
            % (len(names), len(accepted), len(names) - len(accepted), len(tickets) - before, reports))
    log("test_mail_loop passed")


if __name__ == "__main__":
    run_test(main)

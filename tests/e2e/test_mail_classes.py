#!/usr/bin/python3
"""What the router does with each kind of inbound mail (intake classifies it).

Proves, with real mail through the mail gate:
  - an out-of-office reply threads into the ticket but does not move it
    (a ticket waiting on the customer keeps waiting) and, on its own, opens
    no ticket;
  - a robot's message (Auto-Submitted: auto-generated) does not count as the
    customer's answer either;
  - a read receipt leaves no trace on any ticket;
  - the customer's own reply to a resolved ticket that says it still fails
    rejects the solution (reopened, back to the agent who resolved it, their
    words the reason), an acceptance ("Funcionou, obrigada!") closes it (the
    unclear ones are test_customer_answers.py's); a rating by mail ("Nota 5 - ...") on a closed ticket is recorded as
    their rating and does not reopen it;
  - a reply to a closed ticket within router/reopen_days reopens it; with
    reopen_days = 0 (closed is final) it opens a new ticket that names the
    closed one (Ticket.previous);
  - the reply part (without the quoted history) is kept next to the whole
    body;
  - a delivery status report about our acknowledgement becomes an internal
    note on that ticket and marks the customer's address as failing, until
    they write again;
  - someone who is not the ticket's customer (nor a colleague of their
    organization) cannot join a ticket by its Message-ID or subject tag: their
    message opens a ticket of its own;
  - a message whose attachment is over intake/max_attachment_bytes is kept
    without that file (issue 15, item 6): its text opens the ticket, the
    agent sees which file was left out, and the sender gets a notice naming
    the file and the limit.
"""

import os
import re

from harness import System, check, log, log_id, run_test, wait_until
from balcao.v1 import router_pb2

AGENT = "agent:ana@suporte.example"
ADMIN = "admin:root@suporte.example"


def mail(msg_id, subject, body, extra="", in_reply_to=None, sender="Rita Gomes <rita@loja.com.br>"):
    head = "From: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n" % (sender, subject, msg_id)
    if in_reply_to:
        head += "In-Reply-To: <%s>\r\nReferences: <%s>\r\n" % (in_reply_to, in_reply_to)
    head += extra
    head += "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return (head + body).encode()


def deliver(s, raw):
    proc = s.mailgate(raw)
    check(proc.returncode == 0, "the mail gate accepts the message", proc.stderr)


def main():
    with System("mailclass") as s:
        s.start_all()
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=AGENT, name="Ana", tier="N1", status="online")), principal=ADMIN)
        deliver(s, mail("rita-1@loja.com.br", "Nota fiscal não sai", "A nota fiscal não é emitida."))
        wait_until(lambda: s.ticket_total() == 1, 20, "ticket 1", system=s)
        s.call("router", router_pb2.TicketAction(number=1, action="request_info",
                                                 text="Qual é a mensagem de erro?"), principal=AGENT)

        deliver(s, mail("ooo-1@loja.com.br", "Resposta automática: Nota fiscal não sai",
                        "Estou de férias até segunda-feira.", "Auto-Submitted: auto-replied\r\n",
                        in_reply_to="rita-1@loja.com.br"))
        deliver(s, mail("robot-1@loja.com.br", "Re: Nota fiscal não sai", "Alerta: fila cheia.",
                        "Auto-Submitted: auto-generated\r\n", in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: s.ticket(1).message_count == 4, 20, "both messages on ticket 1", system=s)
        t = s.ticket(1)
        ask = t.messages[1]
        check((ask.direction, ask.channel, ask.body, ask.is_internal)
              == ("outbound", "request_info", "Qual é a mensagem de erro?", False),
              "the agent's question is in the public thread (the portal shows it)", ask)
        check(t.status == "aguardando_cliente",
              "an out-of-office reply and a robot do not count as the customer's answer", t.status)
        check([m.mail_class for m in t.messages[2:]] == ["out_of_office", "auto"],
              "each message keeps its class", [m.mail_class for m in t.messages])

        deliver(s, mail("ooo-2@outra.com.br", "Out of Office: seu boletim", "I am away.",
                        "Auto-Submitted: auto-replied\r\n", sender="Bob <bob@outra.com.br>"))
        deliver(s, ("From: Rita Gomes <rita@loja.com.br>\r\n"
                    "Subject: Lida: [Chamado #1] Precisamos de mais informações\r\n"
                    "Message-ID: <mdn-1@loja.com.br>\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/report; report-type=disposition-notification; "
                    "boundary=m\r\n\r\n--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                    "Sua mensagem foi lida.\r\n--m\r\n"
                    "Content-Type: message/disposition-notification\r\n\r\n"
                    "Final-Recipient: rfc822; rita@loja.com.br\r\n"
                    "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
                    "--m--\r\n").encode())
        deliver(s, mail("rita-2@loja.com.br", "Re: Nota fiscal não sai",
                        "O erro é 539.\r\n\r\nEm seg., 23 de nov. de 2026, Suporte escreveu:\r\n"
                        "> Qual é a mensagem de erro?\r\n", in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: s.ticket(1).status == "aberto", 20, "the customer's answer", system=s)
        check(s.ticket_total() == 1,
              "an unthreaded out-of-office reply and a read receipt open no ticket", s.ticket_total())
        t = s.ticket(1)
        check(t.message_count == 5, "the read receipt left no trace on ticket 1", t.message_count)
        last = t.messages[-1]
        check(last.reply.strip() == "O erro é 539." and "> Qual é a mensagem" in last.body,
              "the reply part is kept next to the whole body", (last.reply, last.body))

        s.call("router", router_pb2.TicketAction(number=1, action="resolve",
                                                 text="Certificado renovado."), principal=AGENT)
        deliver(s, mail("rita-3@loja.com.br", "Re: Nota fiscal não sai", "Ainda dá erro 539.",
                        in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: s.ticket(1).status == "reaberto", 20, "reopened by the reply", system=s)
        t = s.ticket(1)
        check(t.assignee == AGENT, "back to the agent who resolved it", t.assignee)
        hist = s.run_tool("balcao", ["history", "1"]).stdout.decode()
        check(re.search(r"customer:rita@loja.com.br\s+resolvido → reaberto \(reject\): "
                        r"Ainda dá erro 539.", hist),
              "her reply rejects the solution, her words the reason", hist)

        s.call("router", router_pb2.TicketAction(number=1, action="resolve",
                                                 text="Serviço da SEFAZ normalizado."), principal=AGENT)
        deliver(s, mail("rita-3b@loja.com.br", "Re: Nota fiscal não sai", "Funcionou, obrigada!",
                        in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: s.ticket(1).status == "fechado", 20,
                   "a short acceptance by mail closes the resolved ticket", system=s)
        check(s.ticket(1).closed_us > 0, "a closed ticket records when it closed")
        deliver(s, mail("rita-3c@loja.com.br", "Re: Nota fiscal não sai",
                        "Nota 5 - resolveram rápido", in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: s.ticket(1).csat_score == 5, 20, "her rating by mail", system=s)
        t = s.ticket(1)
        check(t.status == "fechado" and t.csat_comment == "resolveram rápido",
              "a rating answers the survey and does not reopen the ticket", (t.status, t.csat_comment))
        deliver(s, mail("rita-4@loja.com.br", "Re: Nota fiscal não sai", "Voltou a falhar hoje.",
                        in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: s.ticket(1).status == "reaberto", 20,
                   "a reply within reopen_days reopens the closed ticket", system=s)
        check(s.ticket_total() == 1, "and opens no other ticket")

        # Our acknowledgement bounced: a delivery status report about it.
        ack_id = s.read_ack(1)["Message-ID"].strip("<>")
        dsn = ("From: Mail Delivery System <MAILER-DAEMON@mx.loja.com.br>\r\n"
               "To: suporte@balcao.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
               "Message-ID: <dsn-1@mx.loja.com.br>\r\nAuto-Submitted: auto-replied\r\n"
               "MIME-Version: 1.0\r\n"
               "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
               "--r\r\nContent-Type: text/plain\r\n\r\nMailbox full.\r\n"
               "--r\r\nContent-Type: message/delivery-status\r\n\r\n"
               "Reporting-MTA: dns; mx.loja.com.br\r\n\r\n"
               "Final-Recipient: rfc822; rita@loja.com.br\r\nAction: failed\r\n"
               "Status: 5.2.2\r\n\r\n"
               "--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
               "From: Suporte <suporte@balcao.test>\r\nTo: rita@loja.com.br\r\n"
               "Message-ID: <%s>\r\nSubject: [Chamado #1] Recebemos seu chamado\r\n\r\n"
               "--r--\r\n" % ack_id).encode()
        before = s.ticket(1).message_count
        deliver(s, dsn)
        wait_until(lambda: s.ticket(1).message_count == before + 1, 20, "the bounce on ticket 1",
                   system=s)
        note = s.ticket(1).messages[-1]
        check(note.is_internal and "Falha na entrega do e-mail para rita@loja.com.br" in note.body
              and s.ticket(1).status == "reaberto" and s.ticket_total() == 1,
              "a bounce is an internal note on the ticket it is about, and opens nothing", note.body)
        rita = [p for p in s.call("router", router_pb2.ListPeople(kind="customer"),
                                  principal=AGENT).people if p.id == "customer:rita@loja.com.br"][0]
        check(rita.email_failing and "chamado #1" in rita.email_failure,
              "the customer's address is marked as failing", rita.email_failure)
        out = s.run_tool("balcao", ["people", "customer"], env={"BALCAO_PRINCIPAL": AGENT}).stdout.decode()
        check("e-mail falhando" in out, "balcao people shows it", out)
        deliver(s, mail("rita-5@loja.com.br", "Re: Nota fiscal não sai", "Liberei espaço na caixa.",
                        in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: not [p for p in s.call("router", router_pb2.ListPeople(kind="customer"),
                                                  principal=AGENT).people
                                if p.id == "customer:rita@loja.com.br"][0].email_failing,
                   20, "her own mail clears the mark", system=s)

        # Someone else who knows the thread (or the subject tag) writes.
        before = s.ticket(1).message_count
        deliver(s, mail("eve-1@outro.com", "Re: [Chamado #1] Nota fiscal não sai",
                        "Me passa os dados da nota?", in_reply_to="rita-1@loja.com.br",
                        sender="Eve <eve@outro.com>"))
        wait_until(lambda: s.ticket_total() == 2, 20, "the stranger's own ticket", system=s)
        check(s.ticket(1).message_count == before and s.ticket(2).customer_address == "eve@outro.com",
              "a stranger's message does not join someone else's ticket: it opens its own")
        check("event=thread_refused ticket=1 from=%s" % log_id("eve@outro.com")
              in s.log_text("router"),
              "and the router logs why")

    # Attachments over intake's limit: left out, the text kept, the sender told.
    limits = {"intake": '    max_attachment_bytes = "2000"\n'}
    with System("mailclass-attach", extra_config=limits) as s:
        s.start_all()
        big = "QUJD" * 1500  # 6000 bytes of base64, 4500 decoded
        raw = ("From: Rita Gomes <rita@loja.com.br>\r\nSubject: Planilha do estoque\r\n"
               "Message-ID: <rita-big@loja.com.br>\r\nMIME-Version: 1.0\r\n"
               "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\nSegue a planilha.\r\n--b\r\n"
               "Content-Type: application/vnd.ms-excel\r\n"
               "Content-Disposition: attachment; filename*=UTF-8''relat%C3%B3rio.xls\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" + big + "\r\n--b--\r\n").encode()
        deliver(s, raw)

        def notice():
            names = [n for n in os.listdir(s.mail_dir) if n.endswith("-rejected.eml")]
            return names[0] if names else None
        wait_until(notice, 20, "notify to tell the sender", system=s)
        import email
        import email.policy
        with open(os.path.join(s.mail_dir, notice()), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",)).get_content()
        check(str(msg["To"]).endswith("rita@loja.com.br>") and "relatório.xls" in text
              and msg["In-Reply-To"] == "<rita-big@loja.com.br>",
              "the notice names the file, in pt-BR, threaded to the message", text)
        flat = " ".join(text.split())
        check("Sua mensagem chegou à nossa equipe e já está registrada" in flat
              and "limite de 2 KB por arquivo" in flat and "Portal do Cliente, em http://" in flat
              and "não foi registrada" not in flat
              and str(msg["Subject"]).startswith("Mensagem recebida, mas um anexo é grande demais"),
              "it says the message was kept, the limit, and the portal as a way to send the file",
              (str(msg["Subject"]), flat))
        wait_until(lambda: s.ticket_total() == 1, 20, "the message's ticket", system=s)
        t = s.ticket(1)
        check("Segue a planilha." in t.messages[0].body and not t.messages[0].attachments
              and list(t.messages[0].refused_files) == ["relatório.xls (5 KB)"],
              "the text is on a ticket, without the file, which is named as left out",
              (t.messages[0].body, list(t.messages[0].refused_files)))
        shown = s.run_tool("balcao", ["show", "1"]).stdout.decode()
        check("[anexo recusado, acima do limite; o cliente foi avisado] relatório.xls (5 KB)" in shown,
              "balcao show tells the agent which file was left out", shown)

    final = {"router": '    reopen_days = "0"\n'}
    with System("mailclass-final", extra_config=final) as s:
        s.start_all()
        deliver(s, mail("caio-1@x.com.br", "Boleto", "Cadê o boleto?", sender="Caio <caio@x.com.br>"))
        wait_until(lambda: s.ticket_total() == 1, 20, "ticket 1", system=s)
        s.call("router", router_pb2.TicketAction(number=1, action="resolve", text="Enviado."),
               principal=AGENT)
        s.call("router", router_pb2.TicketAction(number=1, action="close"), principal=AGENT)
        deliver(s, mail("caio-2@x.com.br", "Re: Boleto", "Outro boleto, de dezembro.",
                        in_reply_to="caio-1@x.com.br", sender="Caio <caio@x.com.br>"))
        wait_until(lambda: s.ticket_total() == 2, 20, "a new ticket", system=s)
        t1, t2 = s.ticket(1), s.ticket(2)
        check(t1.status == "fechado" and t1.message_count == 1,
              "with reopen_days = 0 a closed ticket stays closed and untouched")
        check(t2.previous == 1 and t2.customer_address == "caio@x.com.br",
              "the new ticket names the closed one it continues", (t2.previous, t2.customer_address))

        # A follow-up that comes before the router has told intake the first
        # message's ticket (here: the router is down) still joins it; a
        # stranger answering the same message still opens a ticket of their own.
        s.stop("router")
        deliver(s, mail("lia-1@x.com.br", "Senha", "Não consigo entrar.", sender="Lia <lia@x.com.br>"))
        deliver(s, mail("lia-2@x.com.br", "Re: Senha", "Esqueci de dizer: aparece erro 403.",
                        in_reply_to="lia-1@x.com.br", sender="Lia <lia@x.com.br>"))
        deliver(s, mail("zeca-1@y.com.br", "Re: Senha", "Comigo também.",
                        in_reply_to="lia-1@x.com.br", sender="Zeca <zeca@y.com.br>"))
        s.start("router")
        wait_until(lambda: s.ticket_total() == 4, 20, "the router caught up", system=s)
        t3, t4 = s.ticket(3), s.ticket(4)
        check(t3.customer_address == "lia@x.com.br" and t3.message_count == 2
              and "403" in t3.messages[1].body,
              "a quick follow-up joins the ticket its first message opened",
              (t3.customer_address, [m.body for m in t3.messages]))
        check(t4.customer_address == "zeca@y.com.br" and t4.message_count == 1,
              "a stranger's answer to it opens its own", (t4.customer_address, t4.message_count))
        check(s.ticket_total() == 4, "and nothing else")
    log("test_mail_classes passed")


if __name__ == "__main__":
    run_test(main)

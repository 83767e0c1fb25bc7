#!/usr/bin/python3
"""What the router does with each kind of inbound mail (intake classifies it).

Proves, with real mail through the mail gate:
  - an out-of-office reply threads into the ticket but does not move it
    (a ticket waiting on the customer keeps waiting) and, on its own, opens
    no ticket;
  - a robot's message (Auto-Submitted: auto-generated) does not count as the
    customer's answer either;
  - a read receipt leaves no trace on any ticket;
  - the customer's own reply to a resolved ticket reopens it, back to the
    agent who resolved it, with their words as the reason;
  - a reply to a closed ticket within router/reopen_days reopens it; with
    reopen_days = 0 (closed is final) it opens a new ticket that names the
    closed one (Ticket.previous);
  - the reply part (without the quoted history) is kept next to the whole
    body.
"""

import os

from harness import System, check, log, run_test, wait_until
from balcao.v1 import router_pb2

AGENT = "agent:ana@suporte.example"
ADMIN = "admin:root@suporte.example"
SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                       "data", "email")


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
        wait_until(lambda: s.ticket(1).message_count == 3, 20, "both messages on ticket 1", system=s)
        t = s.ticket(1)
        check(t.status == "aguardando_cliente",
              "an out-of-office reply and a robot do not count as the customer's answer", t.status)
        check([m.mail_class for m in t.messages[1:]] == ["out_of_office", "auto"],
              "each message keeps its class", [m.mail_class for m in t.messages])

        deliver(s, mail("ooo-2@outra.com.br", "Out of Office: seu boletim", "I am away.",
                        "Auto-Submitted: auto-replied\r\n", sender="Bob <bob@outra.com.br>"))
        with open(os.path.join(SAMPLES, "mimekit__disposition-notification.eml"), "rb") as f:
            deliver(s, f.read())
        deliver(s, mail("rita-2@loja.com.br", "Re: Nota fiscal não sai",
                        "O erro é 539.\r\n\r\nEm seg., 23 de nov. de 2026, Suporte escreveu:\r\n"
                        "> Qual é a mensagem de erro?\r\n", in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: s.ticket(1).status == "aberto", 20, "the customer's answer", system=s)
        check(s.ticket_total() == 1,
              "an unthreaded out-of-office reply and a read receipt open no ticket", s.ticket_total())
        t = s.ticket(1)
        check(t.message_count == 4, "the read receipt left no trace on ticket 1", t.message_count)
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
        check("resolvido → reaberto (customer_reply): Ainda dá erro 539." in hist,
              "the customer's words are the reason", hist)

        s.call("router", router_pb2.TicketAction(number=1, action="resolve",
                                                 text="Serviço da SEFAZ normalizado."), principal=AGENT)
        s.call("router", router_pb2.TicketAction(number=1, action="accept"),
               principal="customer:rita@loja.com.br")
        check(s.ticket(1).closed_us > 0, "a closed ticket records when it closed")
        deliver(s, mail("rita-4@loja.com.br", "Re: Nota fiscal não sai", "Voltou a falhar hoje.",
                        in_reply_to="rita-1@loja.com.br"))
        wait_until(lambda: s.ticket(1).status == "reaberto", 20,
                   "a reply within reopen_days reopens the closed ticket", system=s)
        check(s.ticket_total() == 1, "and opens no other ticket")

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
    log("test_mail_classes passed")


if __name__ == "__main__":
    run_test(main)

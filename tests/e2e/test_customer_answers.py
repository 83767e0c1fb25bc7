#!/usr/bin/python3
"""The customer's answer to "confirme a solução", read as people write it,
and an out-of-office reply kept as a system note (issue 15, items 3 and 4).

Proves, with real mail through the mail gate and one system:
  - on a resolved ticket, "Bom dia! Funcionou, obrigada." and "Consegui
    entrar agora, obrigada! Pode encerrar." close it (the customer's accept;
    they used to reopen it);
  - "Continua dando erro" reopens it (their reject), back to the agent;
  - "Vou testar amanhã e te falo" neither closes nor reopens it: it stays
    resolvido, the customer gets no notice, and the agent sees it: the answer
    and, under it, the note "Resposta do cliente não é clara…" in
    `balcao show` and in the dashboard's ticket, and the ticket back in the
    agent's "mine" view (GET /api/v1/desk/queue?view=mine) until they write
    to the customer;
  - an out-of-office reply on an open ticket is an internal note from the
    system about an automatic reply (`balcao show`, the dashboard's ticket),
    not the customer's message: status, SLA clocks and first response stay
    as they were.
"""

import re

from harness import System, check, run_test, wait_until
from balcao.v1 import router_pb2
from portal import staff_sign_in

ADMIN = "admin:root@suporte.example"
ANA = "agent:ana@suporte.example"
PASSWORD = "senha-do-painel-123"
RITA = "Rita Gomes <rita@loja.com.br>"

SUBJECTS = ["Nota fiscal não sai", "Senha do portal", "Relatório vazio", "Boleto com erro",
            "Impressora fiscal"]


def mail(msg_id, subject, body, extra="", in_reply_to=None):
    head = "From: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n" % (RITA, subject, msg_id)
    if in_reply_to:
        head += "In-Reply-To: <%s>\r\nReferences: <%s>\r\n" % (in_reply_to, in_reply_to)
    head += extra + "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return (head + body).encode()


def deliver(s, raw):
    proc = s.mailgate(raw)
    check(proc.returncode == 0, "the mail gate accepts the message", proc.stderr)


def answer(s, number, text):
    """Rita answers ticket number's thread by mail, quoting our message."""
    deliver(s, mail("rita-%d-answer-%d@loja.com.br" % (number, s.ticket(number).message_count),
                    "Re: [Chamado #%d] %s" % (number, SUBJECTS[number - 1]),
                    text + "\r\n\r\nEm qui., 3 de dez. de 2026, Suporte escreveu:\r\n"
                    "> Seu chamado foi resolvido. Confirme a solução respondendo.\r\n",
                    in_reply_to="rita-%d@loja.com.br" % number))


def show(s, number):
    proc = s.run_tool("balcao", ["show", str(number)],
                      env={"BALCAO_PRINCIPAL": ANA, "BALCAO_LANG": "pt-BR"})
    return proc.stdout.decode()


def mine(ana):
    code, body, _ = ana.get("/desk/queue?view=mine")
    check(code == 200, "GET /desk/queue?view=mine", (code, body))
    return {t["number"]: t["status"] for t in body["tickets"]}


def main():
    with System("answers") as s:
        s.start_all()
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=ANA, name="Ana Souza", email="ana@suporte.example", tier="N1", status="online")),
            principal=ADMIN)
        ana = staff_sign_in(s, ANA, PASSWORD)
        for n, subject in enumerate(SUBJECTS, 1):
            deliver(s, mail("rita-%d@loja.com.br" % n, subject, "Não funciona: %s." % subject))
            wait_until(lambda: s.ticket_total() == n, 20, "ticket %d" % n, system=s)
        wait_until(lambda: all(s.ticket(n).assignee == ANA for n in range(1, 6)), 20,
                   "the tickets are Ana's", system=s)
        for n in range(1, 5):
            t = s.call("router", router_pb2.TicketAction(number=n, action="resolve",
                                                         text="Certificado renovado."),
                       principal=ANA)
            check(t.status == "resolvido", "ticket %d resolved" % n)
        check(not set(mine(ana)) & {1, 2, 3, 4}, "resolved tickets leave Ana's 'mine' view",
              mine(ana))

        # Unclear: stays resolved, no notice, and Ana sees it.
        before = s.ticket(4).message_count
        answer(s, 4, "Vou testar amanhã e te falo")
        wait_until(lambda: s.ticket(4).message_count == before + 2, 20,
                   "the unclear answer and its note on ticket 4", system=s)
        t = s.ticket(4)
        said, note = t.messages[-2], t.messages[-1]
        check(t.status == "resolvido", "an unclear answer neither closes nor reopens", t.status)
        check(said.direction == "inbound" and not said.is_internal
              and said.reply.strip() == "Vou testar amanhã e te falo",
              "the customer's words are kept as theirs", said)
        check(note.is_internal and note.author == "system:router"
              and note.body.startswith("Resposta do cliente não é clara: confirme com ele se o "
                                       "problema foi resolvido.")
              and "The customer's answer is unclear" in note.body,
              "a system note under it asks the agent to judge it", note.body)
        out = show(s, 4)
        check("[resolvido]" in out and "Vou testar amanhã e te falo" in out
              and re.search(r"system:router \(email\)  \[nota interna\]\nResposta do cliente "
                            r"não é clara", out),
              "balcao show: still resolved, her words, then the note", out)
        check(mine(ana).get(4) == "resolvido",
              "the ticket is back in Ana's 'mine' view on the dashboard", mine(ana))
        code, desk, _ = ana.get("/desk/tickets/4")
        check(code == 200 and desk["status"] == "resolvido"
              and desk["messages"][-2]["direction"] == "inbound"
              and desk["messages"][-1]["internal"]
              and desk["messages"][-1]["author_name"] == "Balcão"
              and "não é clara" in desk["messages"][-1]["body"]
              and desk.get("awaits_judgement") is True,
              "the dashboard's ticket shows her answer, the system's note, and that it awaits judgement",
              desk["messages"][-2:] if code == 200 else desk)
        hist = s.run_tool("balcao", ["history", "4"], env={"BALCAO_PRINCIPAL": ANA}).stdout.decode()
        check("resolvido → " not in hist, "no status change in the history", hist)

        # Clear answers: accept, accept, reject.
        answer(s, 1, "Bom dia! Funcionou, obrigada.")
        answer(s, 2, "Consegui entrar agora, obrigada! Pode encerrar.")
        answer(s, 3, "Continua dando erro")
        wait_until(lambda: [s.ticket(n).status for n in (1, 2, 3)]
                   == ["fechado", "fechado", "reaberto"], 20, "the clear answers", system=s)
        for n in (1, 2):
            hist = s.run_tool("balcao", ["history", str(n)],
                              env={"BALCAO_PRINCIPAL": ANA}).stdout.decode()
            check(re.search(r"customer:rita@loja.com.br\s+resolvido → fechado \(accept\)", hist),
                  "ticket %d: her greeting and thanks are her acceptance" % n, hist)
        check(s.ticket(3).assignee == ANA and mine(ana).get(3) == "reaberto",
              "the rejection goes back to Ana")
        # notify works in log order: ticket 3's reopening notice means ticket
        # 4's answer, before it, was seen too.
        wait_until(lambda: any(re.match(r"t3-reopened-", n) for n in s.outbox_files()[1]), 20,
                   "the reopening notice of ticket 3", system=s)
        names = s.outbox_files()[1]
        check(not [n for n in names if n.startswith("t4-") and "resolved" not in n],
              "the customer got no notice for her unclear answer", names)

        # Ana asks her: the ticket leaves "mine" again, still resolved.
        s.call("router", router_pb2.AddMessage(number=4, body="Oi Rita, conseguiu testar?"),
               principal=ANA)
        check(4 not in mine(ana) and s.ticket(4).status == "resolvido",
              "once Ana writes to her, the ticket waits for her again", mine(ana))

        # Out-of-office on an open ticket: a system note, nothing moves.
        was = s.ticket(5)
        deliver(s, mail("ooo-5@loja.com.br", "Resposta automática: Impressora fiscal",
                        "Estou fora do escritório até segunda-feira, com acesso limitado ao "
                        "e-mail.", "Auto-Submitted: auto-replied\r\n",
                        in_reply_to="rita-5@loja.com.br"))
        wait_until(lambda: s.ticket(5).message_count == was.message_count + 1, 20,
                   "the out-of-office reply on ticket 5", system=s)
        t = s.ticket(5)
        note = t.messages[-1]
        check(note.is_internal and note.direction == "internal" and note.author == "system:router"
              and note.mail_class == "out_of_office"
              and note.body.startswith("Resposta automática de ausência de rita@loja.com.br: "
                                       "não é uma resposta do cliente")
              and "Estou fora do escritório até segunda-feira" in note.body,
              "an out-of-office reply is a system note, its text quoted", note)
        check((t.status, t.first_response_us, t.first_response_sla, t.first_response_due_us,
               t.resolution_sla, t.resolution_due_us)
              == (was.status, was.first_response_us, was.first_response_sla,
                  was.first_response_due_us, was.resolution_sla, was.resolution_due_us),
              "status and SLA clocks are as they were", (t, was))
        out = show(s, 5)
        check(re.search(r"system:router \(email\)  \[nota interna\]\nResposta automática de "
                        r"ausência de rita@loja.com.br", out),
              "balcao show: a system note about an automatic reply", out)
        code, desk, _ = ana.get("/desk/tickets/5")
        last = desk["messages"][-1] if code == 200 else {}
        check(last.get("direction") == "internal" and last.get("internal")
              and last.get("author_name") == "Balcão" and last.get("mail_class") == "out_of_office"
              and last.get("reply") == "",
              "the dashboard shows it as the system's note, not as her message", last)
        check(mine(ana).get(5) == "novo", "and the ticket is where it was in Ana's view")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""The ticket lifecycle through the agent's CLI and the customer's own mail.

An e-mail opens ticket 1. With `balcao` (the agent CLI) the agent replies
(novo -> aberto, first response recorded), writes an internal note, asks for
information (-> aguardando_cliente); the customer's e-mail reply threads in
and moves it back to aberto; the agent resolves it (a resolution text is
required); only the ticket's customer can accept or reject the resolution;
rejecting reopens it; resolving again and accepting closes it. Illegal moves
are refused with exit code 2 and a sentence naming the allowed states, and
change nothing. `balcao history 1` shows every step in order.
"""

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import router_pb2

MAIL = (b"From: Rita Gomes <rita@lojadarita.com.br>\r\n"
        b"Subject: =?UTF-8?Q?Relat=C3=B3rio_de_estoque_vazio?=\r\n"
        b"Message-ID: <rita-1@lojadarita.com.br>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"O relatorio de estoque aparece vazio desde ontem.\r\n")


def cli(s, *args):
    proc = s.run_tool("balcao", args)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def status(s):
    return s.ticket(1).status


def action(s, name, principal, text=""):
    return s.call("router", router_pb2.TicketAction(number=1, action=name, text=text),
                  principal=principal)


def refused(s, name, principal, code, text=""):
    try:
        action(s, name, principal, text)
    except BusError as e:
        return e.code == code
    return False


def refused_rate(s, score, principal, code):
    try:
        s.call("router", router_pb2.Rate(number=1, score=score), principal=principal)
    except BusError as e:
        return e.code == code
    return False


def main():
    with System("lifecycle") as s:
        s.start_all()
        check(s.mailgate(MAIL).returncode == 0, "the customer's e-mail is accepted")
        wait_until(lambda: s.ticket(1) is not None, 20, "ticket 1", system=s)

        rc, out, _ = cli(s, "reply", "1", "Olá, Rita! Vamos verificar o relatório agora.")
        check(rc == 0 and "aberto" in out, "a public reply opens the ticket", out)
        t = s.ticket(1)
        check(t.first_response_us > 0, "the first response time is recorded")
        check(t.messages[1].direction == "outbound" and not t.messages[1].is_internal,
              "the reply is a public outbound message")

        rc, out, _ = cli(s, "log-call", "1", "Cliente ligou: o problema é na filial Centro.")
        t = s.ticket(1)
        check(rc == 0 and t.messages[-1].channel == "phone" and not t.messages[-1].is_internal,
              "a logged phone call is a message on the ticket")
        rc, out, _ = cli(s, "note", "1", "Job de estoque falhou às 03:00.")
        check(rc == 0 and s.ticket(1).messages[3].is_internal, "an internal note is internal")
        check(status(s) == "aberto", "a note does not change the status")

        rc, out, err = cli(s, "open", "1")
        check(rc == 2 and "só vale a partir de novo, aguardando_cliente, reaberto" in err,
              "an illegal move exits 2 and names the allowed states", (rc, err))

        rc, out, _ = cli(s, "request-info", "1", "Qual filial aparece vazia?")
        check(rc == 0 and status(s) == "aguardando_cliente", "request-info waits on the customer")

        wait_until(lambda: s.ack_count() == 1, 20, "acknowledgement", system=s)
        ack_id = str(s.read_ack(1)["Message-ID"]).strip("<>")
        reply = ("From: rita@lojadarita.com.br\r\nSubject: Re: [Chamado #1]\r\n"
                 "Message-ID: <rita-2@lojadarita.com.br>\r\nIn-Reply-To: <%s>\r\n\r\n"
                 "A filial Centro.\r\n" % ack_id).encode()
        check(s.mailgate(reply).returncode == 0, "the customer's reply is accepted")
        wait_until(lambda: status(s) == "aberto", 20, "customer reply reopens the clock", system=s)
        log("ok: the customer's reply moved the ticket from aguardando_cliente to aberto")

        rc, _, err = cli(s, "resolve", "1")
        check(rc == 2 and "escreva a solução" in err, "resolving without a resolution is refused", err)
        check(status(s) == "aberto", "the refused resolve changed nothing")
        rc, out, _ = cli(s, "resolve", "1", "Reprocessamos", "o", "job", "de", "estoque.")
        t = s.ticket(1)
        check(rc == 0 and t.status == "resolvido" and t.resolution == "Reprocessamos o job de estoque.",
              "resolve stores the resolution")
        days = (t.auto_close_us - t.updated_us) / 86400e6
        check(0 < t.auto_close_reminder_us < t.auto_close_us and 5 <= days <= 11,
              "a resolved ticket is set to remind the customer, then close by itself after 5 "
              "business days (%.1f calendar days)" % days)

        check(refused(s, "accept", "agent:test", "forbidden"), "an agent cannot accept for the customer")
        check(refused(s, "accept", "customer:outra@example.com", "not_found"),
              "another customer cannot accept it (to them the ticket does not exist)")
        check(refused(s, "reject", "customer:rita@lojadarita.com.br", "invalid"),
              "rejecting needs a reason")
        t = action(s, "reject", "customer:RITA@lojadarita.com.br", "Ainda aparece vazio.")
        check(t.status == "reaberto" and t.auto_close_us == 0 and t.auto_close_reminder_us == 0,
              "the customer's rejection reopens the ticket and cancels the auto-close")
        rc, _, _ = cli(s, "resolve", "1", "Corrigido o filtro da filial Centro.")
        check(rc == 0 and status(s) == "resolvido", "the agent resolves it again")
        t = action(s, "accept", "customer:rita@lojadarita.com.br")
        check(t.status == "fechado", "the customer's acceptance closes it")
        check(refused_rate(s, 5, "customer:outra@example.com", "not_found"), "only the customer rates")
        check(refused_rate(s, 6, "customer:rita@lojadarita.com.br", "invalid"), "ratings are 1 to 5")
        t = s.call("router", router_pb2.Rate(number=1, score=5, comment="Atendimento ótimo!"),
                   principal="customer:rita@lojadarita.com.br")
        check((t.csat_score, t.csat_comment) == (5, "Atendimento ótimo!"), "the customer rates 5/5")
        check(refused_rate(s, 4, "customer:rita@lojadarita.com.br", "conflict"), "a ticket is rated once")
        rc, _, err = cli(s, "reply", "1", "mais uma coisa")
        check(rc == 2 and "está fechado" in err, "no public reply on a closed ticket", err)

        s.api_token("e2e-lifecycle")
        status_code, body, _ = s.http_get("/api/tickets/1")
        check(status_code == 200 and all("Job de estoque" not in m["body"] for m in body["messages"])
              and any("Vamos verificar" in m["body"] for m in body["messages"]),
              "the HTTP API never shows an internal note", body)
        rc, out, _ = cli(s, "history", "1")
        lines = out.strip().splitlines()
        steps = [l for l in lines if "→" in l]
        want = ["novo → aberto (agent_reply)", "aberto → aguardando_cliente (request_info)",
                "aguardando_cliente → aberto (customer_reply)", "aberto → resolvido (resolve)",
                "resolvido → reaberto (reject)", "reaberto → resolvido (resolve)",
                "resolvido → fechado (accept)"]
        check(rc == 0 and len(steps) == len(want) and all(w in l for w, l in zip(want, steps)),
              "history lists every status change in order", out)
        check("mensagem do cliente de rita@lojadarita.com.br" in out, "history speaks pt-BR", out)
        en = s.run_tool("balcao", ["history", "1"], env={"BALCAO_LANG": "en"}).stdout.decode()
        check("customer message from rita@lojadarita.com.br" in en and "ticket opened by" in en,
              "and English with BALCAO_LANG=en", en)
        check("chamado aberto por rita@lojadarita.com.br" in lines[0], "history starts with the opening")
        check(any("customer:RITA@lojadarita.com.br" in l and "(reject): Ainda aparece vazio." in l
                  for l in lines), "history says who rejected and why")
        check(sum("nota interna" in l for l in lines) == 1, "history shows the note once")
        check("avaliação do cliente: 5/5 — Atendimento ótimo!" in out, "history shows the rating")
    log("test_lifecycle passed")


if __name__ == "__main__":
    run_test(main)

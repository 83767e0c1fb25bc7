#!/usr/bin/python3
"""Customer notifications for every customer-facing step of a ticket, exactly
once, across notify crashes.

An e-mail opens ticket 1 (pt-BR). Through the agent CLI and the customer's
own requests it goes: public reply -> logged phone call and internal note
(no mail) -> request_info -> the customer's e-mail answer -> escalation up ->
de-escalation (no mail) -> resolve -> the customer rejects (reopened) ->
resolve -> the customer accepts (closed, with the rating invitation). Two
English tickets of one customer (2 and 3) get merged, 3 into 2, after an
agent replied on 3: the customer of 3 is told it continues in 2, the merge's
close is not announced as a close, and the reply copied over to 2 is not sent
again. notify is killed with -9 right after the request for information, and
again as soon as it writes files while catching up (before they are on
record).

Proves: the outbox holds exactly the expected files, named
t<N>-<kind>-<router seq> (t<N>-ack for the acknowledgement) from the router's
own log; notify's log queued each exactly once; no temporary file is left;
and the mail itself: multipart/alternative with text and HTML, decoded
pt-BR/English text, Auto-Submitted on automatic mail only, In-Reply-To and
References continuing the customer's thread, no internal escalation details.
"""

import email
import email.policy
import os
import re
import time
from collections import Counter

from harness import System, check, log, run_test, wait_until
from balcao.v1 import intake_pb2, notify_pb2, router_pb2

AGENT = "agent:ana@suporte.example"
RITA = "rita@lojadarita.com.br"
JOHN = "john@example.com"
MAIL = (b"From: Rita Gomes <rita@lojadarita.com.br>\r\n"
        b"Subject: =?UTF-8?Q?Relat=C3=B3rio_de_estoque_vazio?=\r\n"
        b"Message-ID: <rita-1@lojadarita.com.br>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"O relatorio de estoque aparece vazio desde ontem.\r\n")
NAME = re.compile(r"^t([0-9]+)-([a-z]+)(?:-([0-9]+))?\.eml$")
TRIED = "Limpei o cache do servidor de relatórios"


def cli(s, *args):
    os.environ["BALCAO_PRINCIPAL"] = AGENT
    proc = s.run_tool("balcao", args)
    check(proc.returncode == 0, "balcao %s" % " ".join(args[:2]), proc.stderr.decode())
    return proc.stdout.decode()


def customer(s, action, text=""):
    return s.call("router", router_pb2.TicketAction(number=1, action=action, text=text),
                  principal="customer:" + RITA)


def outbox(s):
    """Visible .eml names and temporary names in the outbox."""
    names = sorted(os.listdir(s.mail_dir)) if os.path.isdir(s.mail_dir) else []
    return [n for n in names if not n.startswith(".")], [n for n in names if n.startswith(".")]


def read(s, name):
    with open(os.path.join(s.mail_dir, name), "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def texts(msg):
    """(decoded text/plain, decoded text/html) of a multipart/alternative mail."""
    parts = [p.get_content_type() for p in msg.iter_parts()]
    if msg.get_content_type() != "multipart/alternative" or parts != ["text/plain", "text/html"]:
        raise AssertionError("not text + HTML alternatives: %s %s" % (msg.get_content_type(), parts))
    return tuple(p.get_content() for p in msg.iter_parts())


def expected_names(s):
    """The notifications the router's log calls for, by the rules notify
    states: the ack per ticket; an agent's written public reply (not a copy
    made by a merge: its ref is another request's); request_info; resolved;
    reopened; closed unless by a merge; escalation up; merge."""
    names = []
    for env in s.replay("router"):
        kind = number = None
        if env.type == "balcao.v1.TicketCreated":
            names.append("t%d-ack.eml" % router_pb2.TicketCreated.FromString(env.payload).ticket.number)
            continue
        if env.type == "balcao.v1.MessageAppended":
            e = router_pb2.MessageAppended.FromString(env.payload)
            m = e.message
            if (m.direction == "outbound" and not m.is_internal and m.channel == "agent"
                    and m.message_ref == env.correlation_id):
                kind, number = "reply", e.ticket
        elif env.type == "balcao.v1.TicketStatusChanged":
            e = router_pb2.TicketStatusChanged.FromString(env.payload)
            number = e.number
            if e.to_status == "aguardando_cliente" and e.action == "request_info":
                kind = "info"
            elif e.to_status == "resolvido":
                kind = "resolved"
            elif e.to_status == "reaberto":
                kind = "reopened"
            elif e.to_status == "fechado" and e.action != "merge":
                kind = "closed"
        elif env.type == "balcao.v1.TicketEscalated":
            e = router_pb2.TicketEscalated.FromString(env.payload)
            if e.direction == "up":
                kind, number = "escalated", e.number
        elif env.type == "balcao.v1.TicketMerged":
            kind, number = "merged", getattr(router_pb2.TicketMerged.FromString(env.payload), "from")
        if kind:
            names.append("t%d-%s-%d.eml" % (number, kind, env.seq))
    return sorted(names)


def kinds_by_ticket(names):
    """{ticket: [kind, ...] in router order} from file names."""
    parsed = []
    for n in names:
        m = NAME.match(n)
        assert m, n
        parsed.append((int(m.group(3) or 0), int(m.group(1)), m.group(2)))
    out = {}
    for _, ticket, kind in sorted(parsed):
        out.setdefault(ticket, []).append(kind)
    return out


def one(names, ticket, kind, index=0):
    found = [n for n in names if n.startswith("t%d-%s" % (ticket, kind))]
    found.sort(key=lambda n: int(NAME.match(n).group(3) or 0))
    return found[index]


def main():
    with System("notify_events") as s:
        s.start_all()
        check(s.mailgate(MAIL).returncode == 0, "Rita's e-mail is accepted")
        wait_until(lambda: s.ticket(1) is not None, 20, "ticket 1", system=s)
        wait_until(lambda: "t1-ack.eml" in outbox(s)[0], 20, "t1-ack.eml", system=s)
        ack_id = str(read(s, "t1-ack.eml")["Message-ID"]).strip("<>")

        cli(s, "reply", "1", "Olá, Rita! Vamos verificar o relatório agora.")
        cli(s, "log-call", "1", "Cliente ligou: o problema é na filial Centro.")
        cli(s, "note", "1", "Job de estoque falhou às 03:00.")
        cli(s, "request-info", "1", "Qual filial aparece vazia?")
        s.kill9("notify")
        log("notify killed with -9 right after the request for information")

        answer = ("From: Rita Gomes <rita@lojadarita.com.br>\r\nSubject: Re: [Chamado #1]\r\n"
                  "Message-ID: <rita-2@lojadarita.com.br>\r\nIn-Reply-To: <%s>\r\n\r\n"
                  "A filial Centro.\r\n" % ack_id).encode()
        check(s.mailgate(answer).returncode == 0, "Rita's answer is accepted")
        wait_until(lambda: s.ticket(1).status == "aberto", 20, "Rita's answer on ticket 1", system=s)
        cli(s, "escalate", "1", "--reason", "Falha no job noturno", "--tried", TRIED)
        cli(s, "deescalate", "1", "Job", "corrigido;", "confirmar", "com", "a", "cliente")
        cli(s, "resolve", "1", "Reprocessamos o job de estoque.")
        check(customer(s, "reject", "Ainda aparece vazio.").status == "reaberto", "Rita rejects")
        cli(s, "resolve", "1", "Corrigido o filtro da filial Centro.")
        check(customer(s, "accept").status == "fechado", "Rita accepts")

        for ext in ("en-1", "en-2"):
            s.call("intake", intake_pb2.Submit(
                channel="api", external_id=ext, from_address=JOHN, from_name="John Smith",
                subject="Cannot export the sales report", body="It fails.", language="en"))
        wait_until(lambda: s.ticket_total() == 3, 20, "tickets 2 and 3", system=s)
        cli(s, "reply", "3", "Hi John, we are looking into it.")
        cli(s, "merge", "3", "2")
        check(s.ticket(3).merged_into == 2, "ticket 3 is merged into 2")

        want = expected_names(s)
        check(kinds_by_ticket(want) == {
            1: ["ack", "reply", "info", "escalated", "resolved", "reopened", "resolved", "closed"],
            2: ["ack"],
            3: ["ack", "reply", "merged"]},
            "the router's log calls for one notification per customer-facing step", want)

        # The worst moment: files written, their delivery not yet on record
        # (that waits for the next syncfs, every 200 ms).
        before = len(outbox(s)[0])
        s.start("notify", wait=False)
        wait_until(lambda: len(outbox(s)[0]) > before, 20, "notify to write again", system=s,
                   poll=0.002)
        s.kill9("notify")
        log("notify killed with -9 again while catching up (%d of %d files then)"
            % (len(outbox(s)[0]), len(want)))
        s.start("notify")
        wait_until(lambda: outbox(s)[0] == want, 30, "every expected file", system=s)
        time.sleep(0.5)  # let a wrong extra file show up
        names, temps = outbox(s)
        check(names == want, "exactly the expected files, no duplicate", names)
        check(not temps, "no temporary file left", temps)
        queued = Counter()
        for env in s.replay("notify"):
            if env.type == "balcao.v1.NotificationQueued":
                queued[notify_pb2.NotificationQueued.FromString(env.payload).notification_id] += 1
        check(sorted(queued) == [n[:-4] for n in want] and set(queued.values()) == {1},
              "notify's log queued each notification exactly once", queued)

        # ---- what Rita reads ---------------------------------------------
        ack = read(s, "t1-ack.eml")
        check(str(ack["Subject"]) == "[Chamado #1] Recebemos seu chamado: Relatório de estoque vazio",
              "the ack's subject, decoded", ack["Subject"])
        reply = read(s, one(names, 1, "reply"))
        plain, html = texts(reply)
        check("Olá, Rita! Vamos verificar o relatório agora." in plain
              and "Vamos verificar o relatório agora." in html,
              "the agent's reply, in both parts", plain)
        check(reply["Auto-Submitted"] is None, "an agent's reply is not Auto-Submitted")
        check(str(reply["Subject"]) == "Re: [Chamado #1] Relatório de estoque vazio", "reply subject",
              reply["Subject"])
        check(str(reply["In-Reply-To"]) == "<rita-1@lojadarita.com.br>",
              "the reply answers Rita's first e-mail", reply["In-Reply-To"])
        check(str(reply["Reply-To"]).endswith("<suporte@balcao.test>"), "Reply-To is the support address",
              reply["Reply-To"])
        mid = str(reply["Message-ID"])
        check(mid.startswith("<balcao.bc.t1.") and mid.endswith("@balcao.test>"),
              "our Message-ID carries the ticket", mid)

        info = read(s, one(names, 1, "info"))
        plain, _ = texts(info)
        check("Qual filial aparece vazia?" in plain and "precisamos de mais algumas informações" in plain,
              "the request for information says what we need", plain)
        check(str(info["Auto-Submitted"]) == "auto-generated"
              and "OOF" in str(info["X-Auto-Response-Suppress"]),
              "a notice is Auto-Submitted (auto-generated: not an answer to a mail) and asks for "
              "no out-of-office back", (info["Auto-Submitted"], info["X-Auto-Response-Suppress"]))

        escalated = read(s, one(names, 1, "escalated"))
        plain, html = texts(escalated)
        check("foi encaminhado para nossa equipe técnica" in plain, "escalation told in pt-BR", plain)
        check(TRIED not in plain + html and "Falha no job noturno" not in plain + html,
              "the escalation's internal reason and what was tried stay internal")

        resolved = read(s, one(names, 1, "resolved", 1))
        plain, _ = texts(resolved)
        check("Corrigido o filtro da filial Centro." in plain and "responda confirmando" in plain,
              "the second resolution asks Rita to confirm it", plain)
        check(str(resolved["In-Reply-To"]) == "<rita-2@lojadarita.com.br>"
              and str(resolved["References"]).split() == ["<rita-1@lojadarita.com.br>",
                                                          "<rita-2@lojadarita.com.br>"],
              "later mail answers Rita's latest e-mail, in her thread",
              (resolved["In-Reply-To"], resolved["References"]))
        plain, _ = texts(read(s, one(names, 1, "reopened")))
        check("Reabrimos seu chamado #1" in plain and "Ainda aparece vazio." in plain,
              "the reopening repeats Rita's reason", plain)
        plain, _ = texts(read(s, one(names, 1, "closed")))
        check("Obrigado por confirmar a solução" in plain and "de 1 (muito insatisfeito) a 5" in plain,
              "the close invites a 1-5 rating", plain)

        # ---- what John reads ---------------------------------------------
        merged = read(s, one(names, 3, "merged"))
        plain, _ = texts(merged)
        check("we continue in ticket #2" in plain and "Hi John," in plain,
              "the merge is told in English", plain)
        check(str(merged["Subject"]) == "[Chamado #3] Continues in ticket #2: Cannot export the sales report",
              "merge subject", merged["Subject"])
    log("test_notify_events passed")


if __name__ == "__main__":
    run_test(main)

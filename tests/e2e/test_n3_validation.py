#!/usr/bin/python3
"""At N3 a ticket closes only after the customer validates the fix.

The seed: "O chamado é encerrado após validação do cliente." Proves, over the
bus and the agent CLI (`balcao close N [--reason TEXT]`):
  - an agent resolves at N3 and tries to close: refused (forbidden) with a
    sentence, in pt-BR and English, that says the ticket waits for the
    customer's validation and who can close it; the ticket stays resolvido,
    and a reason does not help an agent;
  - a supervisor closing without a reason (none, or only blanks) or with one
    over 500 characters is refused; with a reason the ticket closes, and
    `balcao history N` shows who closed it and why, in both languages;
  - the customer's acceptance closes it: TicketAction accept, or an e-mail
    reply the router reads as acceptance;
  - a ticket resolved at N3 cannot be de-escalated round the rule (the
    router asks to reopen it first) and stays waiting;
  - an incident at N3 resolved by its problem (an N2 ticket, which closes as
    before) still waits for its own customer;
  - with nobody answering, the reminder goes out and the ticket closes by
    itself (auto-close set to seconds on a 24/7 calendar);
  - an N2 ticket still closes at once when an agent says so.
"""

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import router_pb2

AGENT = "agent:lia@suporte.example"
SUPERVISOR = "supervisor:rui@suporte.example"
ANA = "ana@cliente-a.com.br"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def cli(s, *args, who=AGENT, lang="pt-BR"):
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": who, "BALCAO_LANG": lang})
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def error_of(s, msg, principal):
    try:
        s.call("router", msg, principal=principal)
    except BusError as e:
        return e.code, e.message
    return None, None


def new_ticket(s, external_id, address, tier):
    before = s.ticket_total()
    s.submit_api(external_id, "Erro ao emitir nota fiscal", "A nota volta rejeitada.",
                 from_address=address)
    wait_until(lambda: s.ticket_total() == before + 1, 20, "ticket %s" % external_id, system=s)
    number = before + 1
    if tier in ("N2", "N3"):
        s.call("router", router_pb2.Escalate(number=number, reason="Erro no emissor",
                                             tried="Reenviar a nota"), principal=AGENT)
    if tier == "N3":
        s.call("router", router_pb2.Escalate(number=number, steps_to_reproduce="Emitir NF-e",
                                             environment="v5.1", affected_customers="1 loja"),
               principal=AGENT)
    check(s.ticket(number).tier == tier, "ticket #%d is at %s" % (number, tier))
    return number


def resolve(s, number, fix="patch 5.1.3"):
    t = s.call("router", router_pb2.TicketAction(number=number, action="resolve",
                                                 text="Certificado corrigido no emissor.",
                                                 fix_reference=fix), principal=AGENT)
    check(t.status == "resolvido", "#%d resolved at %s" % (number, t.tier))


def main():
    with System("n3-validation") as s:
        s.start_all()

        # An agent cannot close an N3 ticket the customer has not validated.
        n = new_ticket(s, "n3-1", ANA, "N3")
        resolve(s, n)
        rc, out, err = cli(s, "close", str(n))
        check(rc == 2 and "aguarda a validação do cliente" in err and "supervisor" in err
              and "motivo" in err, "balcao close by an agent at N3 is refused, in pt-BR", err)
        rc, out, err = cli(s, "close", str(n), lang="en")
        check(rc == 2 and "waits for the customer's validation" in err and "supervisor" in err,
              "and in English", err)
        rc, out, err = cli(s, "close", str(n), "--reason", "O cliente sumiu")
        check(rc == 2 and "aguarda a validação do cliente" in err,
              "a reason does not let an agent close it", err)
        code, _ = error_of(s, router_pb2.TicketAction(number=n, action="close"), AGENT)
        check(code == "forbidden", "over the bus the refusal is forbidden", code)
        check(s.ticket(n).status == "resolvido", "the ticket stays resolvido")

        # A supervisor closes it, but only with a written reason.
        rc, out, err = cli(s, "close", str(n), who=SUPERVISOR)
        check(rc == 2 and "escreva o motivo" in err, "a supervisor without a reason is refused", err)
        rc, out, err = cli(s, "close", str(n), "--reason", "   ", who=SUPERVISOR)
        check(rc == 2 and "escreva o motivo" in err, "a blank reason is no reason", err)
        rc, out, err = cli(s, "close", str(n), "--reason", "x" * 501, who=SUPERVISOR)
        check(rc == 2 and "500 caracteres" in err, "a reason over 500 characters is refused", err)
        code, _ = error_of(s, router_pb2.TicketAction(number=n, action="close"), SUPERVISOR)
        check(code == "invalid", "over the bus a missing reason is invalid", code)
        check(s.ticket(n).status == "resolvido", "still resolvido after the refusals")
        reason = "Cliente confirmou por telefone que a nota saiu."
        rc, out, err = cli(s, "close", str(n), "--reason", reason, who=SUPERVISOR)
        check(rc == 0 and "fechado" in out and s.ticket(n).status == "fechado",
              "a supervisor with a reason closes it", (rc, out, err))
        rc, out, _ = cli(s, "history", str(n))
        check(("resolvido → fechado por %s, sem a validação do cliente (N3); motivo: %s"
               % (SUPERVISOR, reason)) in out, "the history says who closed it and why", out)
        rc, out, _ = cli(s, "history", str(n), lang="en")
        check(("resolvido → fechado by %s, without the customer's validation (N3); reason: %s"
               % (SUPERVISOR, reason)) in out, "in English too", out)

        # The customer's acceptance closes it.
        n = new_ticket(s, "n3-2", ANA, "N3")
        resolve(s, n)
        code, _ = error_of(s, router_pb2.TicketAction(number=n, action="accept"),
                           "customer:bruno@cliente-b.com.br")
        check(code == "not_found", "another customer cannot accept it", code)
        t = s.call("router", router_pb2.TicketAction(number=n, action="accept"),
                   principal="customer:" + ANA)
        check(t.status == "fechado", "the customer's acceptance closes the N3 ticket")

        # By e-mail: a reply the router reads as acceptance — the customer's
        # own, not a colleague's from the same organization.
        for name in ("carla", "davi"):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id="customer:%s@cliente-c.com.br" % name, name=name.title(),
                email="%s@cliente-c.com.br" % name, organization="Cliente C")),
                principal="admin:root@suporte.example")
        check(s.mailgate(b"From: Carla <carla@cliente-c.com.br>\r\nSubject: NF-e rejeitada\r\n"
                         b"Message-ID: <carla-1@cliente-c.com.br>\r\n\r\n"
                         b"A nota volta rejeitada.\r\n").returncode == 0, "Carla writes in")
        n = s.ticket_total()
        wait_until(lambda: s.ticket(n) is not None and s.ticket(n).customer_address
                   == "carla@cliente-c.com.br", 20, "Carla's ticket", system=s)
        s.call("router", router_pb2.Escalate(number=n, reason="r", tried="t"), principal=AGENT)
        s.call("router", router_pb2.Escalate(number=n, steps_to_reproduce="s", environment="e",
                                             affected_customers="a"), principal=AGENT)
        resolve(s, n)
        rc, _, err = cli(s, "close", str(n))
        check(rc == 2, "Carla's N3 ticket waits for her too", err)
        wait_until(lambda: s.outbox_files()[0][n] == 1, 20, "Carla's acknowledgement", system=s)
        ack_id = str(s.read_ack(n)["Message-ID"]).strip("<>")
        check(s.mailgate(("From: davi@cliente-c.com.br\r\nSubject: Re: NF-e rejeitada\r\n"
                          "Message-ID: <davi-1@cliente-c.com.br>\r\nIn-Reply-To: <%s>\r\n\r\n"
                          "Funcionou, obrigado!\r\n" % ack_id).encode()).returncode == 0,
              "her colleague Davi's reply is accepted")
        wait_until(lambda: s.ticket(n).message_count == 2, 20, "Davi's message on the ticket",
                   system=s)
        check(s.ticket(n).status == "resolvido",
              "a colleague's thanks is recorded but does not validate the fix")
        check(s.mailgate(("From: carla@cliente-c.com.br\r\nSubject: Re: NF-e rejeitada\r\n"
                          "Message-ID: <carla-2@cliente-c.com.br>\r\nIn-Reply-To: <%s>\r\n\r\n"
                          "Funcionou, obrigada!\r\n" % ack_id).encode()).returncode == 0,
              "Carla's reply is accepted")
        wait_until(lambda: s.ticket(n).status == "fechado", 20, "the e-mail acceptance closes it",
                   system=s)
        last = [h for h in s.call("router", router_pb2.GetHistory(number=n), principal=AGENT).entries
                if h.type == "balcao.v1.TicketStatusChanged"][-1]
        check(last.principal == "customer:carla@cliente-c.com.br" and "(accept)" in last.summary,
              "recorded as the customer's acceptance", last)

        # De-escalating does not get round the rule.
        n = new_ticket(s, "n3-3", ANA, "N3")
        resolve(s, n)
        code, message = error_of(s, router_pb2.Deescalate(number=n, note="Volta para o N2"), AGENT)
        check(code == "conflict" and "reopen it first" in message,
              "a resolved N3 ticket is not de-escalated", (code, message))
        t = s.ticket(n)
        check((t.status, t.tier) == ("resolvido", "N3"), "it stays resolved at N3, waiting")
        code, _ = error_of(s, router_pb2.TicketAction(number=n, action="close"), AGENT)
        check(code == "forbidden", "and an agent still cannot close it", code)

        # A problem resolves its incidents; the N3 incident waits for its customer.
        problem = new_ticket(s, "n3-p", "dani@cliente-d.com.br", "N2")
        incident = new_ticket(s, "n3-i", "edu@cliente-e.com.br", "N3")
        s.call("router", router_pb2.LinkTicket(problem=problem, incident=incident), principal=AGENT)
        resolve(s, problem, fix="")
        check(s.ticket(incident).status == "resolvido", "the problem resolved its N3 incident")
        t = s.call("router", router_pb2.TicketAction(number=problem, action="close"),
                   principal=AGENT)
        check(t.status == "fechado", "the N2 problem closes at the agent's word, as before")
        code, _ = error_of(s, router_pb2.TicketAction(number=incident, action="close"), AGENT)
        check(code == "forbidden" and s.ticket(incident).status == "resolvido",
              "the N3 incident waits for its own customer", code)
        t = s.call("router", router_pb2.TicketAction(number=incident, action="accept"),
                   principal="customer:edu@cliente-e.com.br")
        check(t.status == "fechado", "and closes when he accepts")

        # Other tiers keep their rule.
        n = new_ticket(s, "n2-1", ANA, "N2")
        resolve(s, n, fix="")
        rc, out, err = cli(s, "close", str(n))
        check(rc == 0 and s.ticket(n).status == "fechado", "an agent closes an N2 ticket at once",
              (rc, out, err))

    # Nobody answers: the reminder, then the auto-close.
    fast = {"router": "\n".join(
        ["    calendar"] + ['        %s = "00:00-24:00"' % d for d in DAYS]
        + ['    auto_close_reminder_days = "2s"', '    auto_close_days = "4s"']) + "\n"}
    with System("n3-autoclose", extra_config=fast) as s:
        s.start_all(("intake", "router"))
        n = new_ticket(s, "n3-auto", ANA, "N3")
        resolve(s, n)
        t = s.ticket(n)
        check(0 < t.auto_close_reminder_us < t.auto_close_us, "reminder and auto-close are set")
        code, _ = error_of(s, router_pb2.TicketAction(number=n, action="close"), AGENT)
        check(code == "forbidden", "an agent cannot close it meanwhile", code)
        wait_until(lambda: s.ticket(n).status == "fechado", 20, "the auto-close", system=s)
        events = [e for e in s.replay("router")
                  if e.type in ("balcao.v1.AutoCloseReminder", "balcao.v1.TicketStatusChanged")]
        kinds = []
        for e in events:
            if e.type == "balcao.v1.AutoCloseReminder":
                kinds.append("reminder")
            else:
                m = router_pb2.TicketStatusChanged.FromString(e.payload)
                if m.number == n and m.to_status == "fechado":
                    kinds.append(m.action)
        check(kinds == ["reminder", "auto_close"],
              "the customer was reminded, then the ticket closed by itself", kinds)
    log("test_n3_validation passed")


if __name__ == "__main__":
    run_test(main)

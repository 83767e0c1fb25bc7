#!/usr/bin/python3
"""Escalation N1 -> N2 -> N3 and back, with what each step requires.

Proves, through the agent CLI: N1 -> N2 is refused without the reason and
what was tried; N2 -> N3 is refused without the diagnosis (steps to
reproduce, environment, affected customers); each escalation moves the ticket
to an agent of the new tier (or its queue) and frees the previous agent;
N3 cannot go higher; resolving at N3 needs the fix's reference; a
de-escalation needs a note; the history tells the whole story; every
escalation is an event (TicketEscalated) in the router's log with the
customer's address, for notify to tell the customer.
"""

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import router_pb2

ADMIN = "admin:root@suporte.example"


def cli(s, *args, who="agent:ana@suporte.example"):
    import os
    env_before = os.environ.get("BALCAO_PRINCIPAL")
    os.environ["BALCAO_PRINCIPAL"] = who
    try:
        proc = s.run_tool("balcao", args)
    finally:
        if env_before is None:
            del os.environ["BALCAO_PRINCIPAL"]
        else:
            os.environ["BALCAO_PRINCIPAL"] = env_before
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def main():
    with System("escalation") as s:
        s.start_all()
        for email, tier in (("ana", "N1"), ("caio", "N2"), ("lia", "N3")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id="agent:%s@suporte.example" % email, name=email, tier=tier, status="online")),
                principal=ADMIN)
        s.submit_api("esc-1", "Sistema lento ao fechar o caixa", "Demora 5 minutos.",
                     from_address="loja@cliente.com.br")
        wait_until(lambda: s.ticket(1) is not None and s.ticket(1).assignee, 20, "ticket 1", system=s)
        check(s.ticket(1).assignee == "agent:ana@suporte.example", "N1's agent has it")

        rc, _, err = cli(s, "escalate", "1", "--reason", "Lentidão no servidor")
        check(rc == 2 and "o que já foi tentado" in err, "N1 -> N2 needs what was tried", err)
        rc, out, _ = cli(s, "escalate", "1", "--reason", "Lentidão no servidor",
                         "--tried", "Limpar cache; reiniciar o app")
        t = s.ticket(1)
        check(rc == 0 and (t.tier, t.assignee) == ("N2", "agent:caio@suporte.example"),
              "escalated to N2 and given to its agent", out)
        ana = [p for p in s.call("router", router_pb2.ListPeople(kind="agent"),
                                 principal="agent:ana@suporte.example").people if p.id.startswith("agent:ana")][0]
        check(ana.open_tickets == 0, "the N1 agent is free of it")

        rc, _, err = cli(s, "escalate", "1", "--steps", "Fechar o caixa com 500 itens", who="agent:caio@suporte.example")
        check(rc == 2 and "diagnóstico" in err, "N2 -> N3 needs the whole diagnosis", err)
        rc, out, _ = cli(s, "escalate", "1", "--steps", "Fechar o caixa com 500 itens",
                         "--env", "v4.2, PostgreSQL 15", "--affected", "3 lojas",
                         "--attach", "att:sha256:abc", who="agent:caio@suporte.example")
        t = s.ticket(1)
        check(rc == 0 and (t.tier, t.assignee) == ("N3", "agent:lia@suporte.example"),
              "escalated to N3", out)
        rc, _, err = cli(s, "escalate", "1", "--reason", "x", "--tried", "y", who="agent:lia@suporte.example")
        check(rc == 2 and "último nível" in err, "N3 is the last tier", err)

        rc, _, err = cli(s, "resolve", "1", "Índice criado", who="agent:lia@suporte.example")
        check(rc == 2 and "referência da correção" in err, "resolving at N3 needs the fix's reference", err)

        try:
            s.call("router", router_pb2.Deescalate(number=1, note=""), principal="agent:lia@suporte.example")
            check(False, "de-escalating needs a note")
        except BusError as e:
            check(e.code == "invalid" and "note" in e.message, "de-escalating needs a note", e)
        rc, out, _ = cli(s, "deescalate", "1", "Correção", "publicada;", "confirmar", "com", "o", "cliente",
                         who="agent:lia@suporte.example")
        t = s.ticket(1)
        check(rc == 0 and (t.tier, t.assignee) == ("N2", "agent:caio@suporte.example"),
              "de-escalated back to N2", out)

        rc, out, _ = cli(s, "history", "1")
        check("escalado N1 → N2: Lentidão no servidor (já tentado: Limpar cache; reiniciar o app)" in out
              and "escalado N2 → N3" in out and "afetados: 3 lojas" in out
              and "devolvido N3 → N2: Correção publicada; confirmar com o cliente" in out,
              "the history tells each escalation", out)

        events = [e for e in s.replay("router") if e.type == "balcao.v1.TicketEscalated"]
        ups = [router_pb2.TicketEscalated.FromString(e.payload) for e in events]
        check(len(ups) == 3 and ups[0].customer_address == "loja@cliente.com.br"
              and ups[1].attachments == ["att:sha256:abc"],
              "each escalation is an event carrying what notify needs")
    log("test_escalation passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Authorization in the router, the service that owns tickets (no IDOR).

Proves: a customer reads their own ticket without its internal notes, and
someone else's ticket looks like no ticket at all (not_found, whatever the
number); a customer lists only their own tickets; callers that say nothing
about who they are get nothing; history, replies, classification and
assignment are for the support team; only the ticket's customer validates or
rates it.
"""

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import router_pb2

ANA = "customer:ana@cliente-a.com.br"
BRUNO = "customer:bruno@cliente-b.com.br"
AGENT = "agent:lia@suporte.example"


def code_of(s, msg, principal):
    try:
        return s.call("router", msg, principal=principal)
    except BusError as e:
        return e.code


def main():
    with System("authz") as s:
        s.start_all()
        s.submit_api("a-1", "Boleto não chegou", "Preciso do boleto.", from_address="ana@cliente-a.com.br")
        s.submit_api("b-1", "Erro ao logar", "Senha inválida.", from_address="bruno@cliente-b.com.br")
        s.submit_api("a-2", "Segunda via", "Outra dúvida.", from_address="Ana@Cliente-A.com.br")
        wait_until(lambda: s.ticket_total() == 3, 20, "three tickets", system=s)
        s.call("router", router_pb2.AddMessage(number=1, body="Cliente inadimplente, cuidado.",
                                               is_internal=True), principal=AGENT)
        s.call("router", router_pb2.AddMessage(number=1, body="Olá, Ana! Segue o boleto."),
               principal=AGENT)

        t = s.call("router", router_pb2.GetTicket(number=1), principal=ANA)
        bodies = [m.body for m in t.messages]
        check("Olá, Ana! Segue o boleto." in bodies and not any("inadimplente" in b for b in bodies),
              "a customer reads their ticket without internal notes", bodies)
        check(code_of(s, router_pb2.GetTicket(number=2), ANA) == "not_found",
              "another customer's ticket looks like no ticket")
        check(code_of(s, router_pb2.GetTicket(number=999), ANA) == "not_found", "a missing ticket too")
        check(code_of(s, router_pb2.GetTicket(number=1), "") == "not_found",
              "an anonymous caller reads nothing")
        t = s.call("router", router_pb2.GetTicket(number=1), principal=AGENT)
        check(any("inadimplente" in m.body for m in t.messages), "agents see internal notes")

        mine = s.call("router", router_pb2.ListTickets(limit=100), principal=ANA)
        check(sorted(t.number for t in mine.tickets) == [1, 3],
              "a customer lists only their own tickets (address case ignored)",
              [t.number for t in mine.tickets])
        check(code_of(s, router_pb2.ListTickets(), "") == "forbidden", "anonymous list is refused")
        check(len(s.call("router", router_pb2.ListTickets(limit=100), principal=AGENT).tickets) == 3,
              "agents list every ticket")

        check(code_of(s, router_pb2.GetHistory(number=1), ANA) == "forbidden",
              "history is for the support team")
        for msg in (router_pb2.AddMessage(number=1, body="oi"),
                    router_pb2.SetCategory(number=1, category="faturamento"),
                    router_pb2.SetPriority(number=1, priority="urgente"),
                    router_pb2.AssignTicket(number=1),
                    router_pb2.TicketAction(number=1, action="resolve", text="x")):
            check(code_of(s, msg, ANA) == "forbidden",
                  "a customer cannot %s" % msg.DESCRIPTOR.name)
        s.call("router", router_pb2.TicketAction(number=1, action="resolve", text="Boleto enviado."),
               principal=AGENT)
        check(code_of(s, router_pb2.TicketAction(number=1, action="accept"), BRUNO) == "forbidden",
              "another customer cannot accept the resolution")
        check(s.call("router", router_pb2.TicketAction(number=1, action="accept"), principal=ANA).status
              == "fechado", "the ticket's customer accepts it")
        check(code_of(s, router_pb2.Rate(number=1, score=1), BRUNO) == "forbidden",
              "another customer cannot rate it")
    log("test_authz passed")


if __name__ == "__main__":
    run_test(main)

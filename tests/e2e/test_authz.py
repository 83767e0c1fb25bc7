#!/usr/bin/python3
"""Authorization in the router, the service that owns tickets (no IDOR).

Proves: a customer reads their own ticket without its internal notes, and
someone else's ticket looks like no ticket at all (not_found, whatever the
number); a customer lists only their own tickets; callers that say nothing
about who they are get nothing; history, replies, classification and
assignment are for the support team; only the ticket's customer validates or
rates it, and to anyone else it does not exist. A customer allowed to follow their organization's tickets reads and
lists them (public part only), including those opened before the organization
was set; colleagues without that right and other organizations see nothing.
People and systems come from the config's seed section too; a system reads
only when registered with the read permission, and submits only when intake's
submitters list names it.
"""

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import intake_pb2, router_pb2

ANA = "customer:ana@cliente-a.com.br"
BRUNO = "customer:bruno@cliente-b.com.br"
AGENT = "agent:lia@suporte.example"


SEEDS = {"router": "\n".join([
    "    people",
    "        lia",
    '            id = "%s"' % AGENT,
    '            name = "Lia Souza"',
    '            tier = "N1"',
    '            capacity = "7"',
    "        erp",
    '            id = "service:erp"',
    '            name = "ERP do cliente"',
    '            permissions = "read"',
    "        bi",
    '            id = "service:bi"',
    '            name = "Relatórios"',
    "        broken",
    '            id = "agent:semnivel@suporte.example"',
    '            name = "Sem nível"']) + "\n"}


def code_of_on(s, svc, msg, principal):
    try:
        return s.call(svc, msg, principal=principal)
    except BusError as e:
        return e.code


def code_of(s, msg, principal):
    try:
        return s.call("router", msg, principal=principal)
    except BusError as e:
        return e.code


def main():
    with System("authz", extra_config=SEEDS) as s:
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
        check(code_of(s, router_pb2.TicketAction(number=1, action="accept"), BRUNO) == "not_found",
              "another customer cannot accept the resolution (the ticket looks like no ticket)")
        check(s.call("router", router_pb2.TicketAction(number=1, action="accept"), principal=ANA).status
              == "fechado", "the ticket's customer accepts it")
        check(code_of(s, router_pb2.Rate(number=1, score=1), BRUNO) == "not_found",
              "another customer cannot rate it (the ticket looks like no ticket)")

        # Organizations: Carla (created on first contact) and Ana both work at
        # Cliente A. Ana may follow her organization's tickets; Carla may not.
        s.submit_api("c-1", "Nota fiscal rejeitada", "A SEFAZ recusou.",
                     from_address="carla@cliente-a.com.br")
        wait_until(lambda: s.ticket_total() == 4, 20, "Carla's ticket", system=s)
        s.call("router", router_pb2.AddMessage(number=4, body="Verificar certificado A1.",
                                               is_internal=True), principal=AGENT)
        check(code_of(s, router_pb2.GetTicket(number=4), ANA) == "not_found",
              "before organizations are set, a colleague's ticket is invisible")
        admin = "admin:root@suporte.example"
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id="customer:ana@cliente-a.com.br", name="Ana", email="ana@cliente-a.com.br",
            organization="Cliente A", sees_organization=True)), principal=admin)
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id="customer:carla@cliente-a.com.br", name="Carla", email="carla@cliente-a.com.br",
            organization="Cliente A")), principal=admin)
        t = s.call("router", router_pb2.GetTicket(number=4), principal=ANA)
        check(t.subject == "Nota fiscal rejeitada" and t.organization == "Cliente A"
              and not any("certificado" in m.body for m in t.messages),
              "Ana follows her colleague's earlier ticket, without internal notes")
        s.submit_api("c-2", "Outra nota rejeitada", "De novo.", from_address="carla@cliente-a.com.br")
        wait_until(lambda: s.ticket_total() == 5, 20, "Carla's second ticket", system=s)
        listed = sorted(t.number for t in s.call("router", router_pb2.ListTickets(limit=100),
                                                  principal=ANA).tickets)
        check(listed == [1, 3, 4, 5], "Ana lists her organization's tickets", listed)
        check(code_of(s, router_pb2.GetTicket(number=1), "customer:carla@cliente-a.com.br")
              == "not_found", "Carla, not allowed to follow the organization, does not see Ana's")
        check(code_of(s, router_pb2.GetTicket(number=4), BRUNO) == "not_found",
              "another organization sees nothing")
        s.call("router", router_pb2.TicketAction(number=4, action="resolve", text="Certificado renovado."),
               principal=AGENT)
        check(code_of(s, router_pb2.TicketAction(number=4, action="accept"), ANA) == "forbidden",
              "following a colleague's ticket does not let Ana validate it")
        check(code_of(s, router_pb2.AddMessage(number=4, body="oi"), ANA) == "forbidden",
              "nor write on it as an agent would")

        # People from the config's seed section, and service principals.
        people = {p.id: p for p in s.call("router", router_pb2.ListPeople(), principal=AGENT).people}
        check(people[AGENT].name == "Lia Souza" and people[AGENT].capacity == 7,
              "a seeded agent exists from the start")
        check("service:gateway" in people and list(people["service:erp"].permissions) == ["read"],
              "the portal's gateway and a configured system are registered", list(people))
        check("agent:semnivel@suporte.example" not in people, "an invalid seed is left out")
        check("event=seed_invalid person=broken reason=\"agents and supervisors need a tier"
              in s.log_text("router"), "and the router's log says why")
        t = s.call("router", router_pb2.GetTicket(number=1), principal="service:erp")
        check(t.number == 1 and not any("inadimplente" in m.body for m in t.messages),
              "a system with the read permission reads tickets without internal notes")
        check(len(s.call("router", router_pb2.ListTickets(limit=100), principal="service:erp").tickets) == 5,
              "and lists them")
        for who in ("service:bi", "service:intruso"):
            check(code_of(s, router_pb2.GetTicket(number=1), who) == "not_found",
                  "%s (without the read permission) reads nothing" % who)
            check(code_of(s, router_pb2.ListTickets(), who) == "forbidden", "%s lists nothing" % who)
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=AGENT, name="Lia Souza", tier="N1", capacity=3)), principal=admin)
        s.stop("router")
        s.start("router")
        lia = [p for p in s.call("router", router_pb2.ListPeople(kind="agent"), principal=AGENT).people
               if p.id == AGENT][0]
        check(lia.capacity == 3, "after a restart the admin's change wins over the seed", lia.capacity)

    # Who may submit, in intake: only the systems the config names.
    gate = {"intake": '    submitters = "service:mailgate, service:erp"\n'}
    with System("authz-submit", extra_config=gate) as s:
        s.start_all(("intake", "router"))
        s.call("intake", intake_pb2.Submit(channel="api", external_id="erp-1", subject="Pedido",
                                           body="Pedido 42 travado.", from_address="erp@x.com"),
               principal="service:erp")
        check(code_of_on(s, "intake", intake_pb2.Submit(
            channel="api", external_id="x-1", subject="Oi", body="Oi",
            from_address="a@b.com"), "service:intruso") == "forbidden",
              "a system not in intake/submitters cannot submit")
        proc = s.mailgate(b"From: Ana <ana@x.com>\r\nSubject: Oi\r\nMessage-ID: <g1@x.com>\r\n\r\noi\r\n")
        check(proc.returncode == 0, "the mail gate (service:mailgate) can", proc.stderr)
        wait_until(lambda: s.ticket_total() == 2, 20, "two tickets", system=s)
    log("test_authz passed")


if __name__ == "__main__":
    run_test(main)

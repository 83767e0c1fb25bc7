#!/usr/bin/python3
"""Restricted organizations over the real services: where the config says
an organization's tickets are for the agents who serve it
(router/access/restricted_organizations), the router hides them from every
other agent — in the dashboard, the CLI and assignment.

Proves, with "Banco Seguro S.A." restricted, Ana serving it and Bia not:
  - Bia's dashboard queue does not list the bank's ticket and its page is a
    404, as is `balcao show` for her (exit 2); taking it is refused the same
    way; the bakery's ticket (not restricted) she sees and takes; her queue
    counts (the badges) leave the bank's ticket out too;
  - Ana, and the supervisor, see the bank's ticket in the queue and open it;
  - the supervisor cannot assign the bank's ticket to Bia (403, a sentence
    that says why) but can to Ana;
  - fair assignment never gives a bank ticket to Bia: with only Bia online
    it waits in the queue while a bakery ticket goes to her; when Ana comes
    online it is hers;
  - Bia's live feed (the router's ReplayRequest as her, what the SSE
    streams read) carries no event of the bank's tickets; Ana's does;
  - kb's ticket search (`balcao search`) and similar tickets leave the
    bank's tickets out for Bia, as the router does; Ana and the supervisor
    find them;
  - the agent's organizations are refused on a customer (only agents serve).
"""

from harness import BusError, System, check, log, run_test, wait_until
from portal import staff_sign_in
from balcao.v1 import bus_pb2, intake_pb2, router_pb2

BANK = "Banco Seguro S.A."
CONFIG = {"router": '    access\n        restricted_organizations = "%s; Prefeitura de Lagoa"\n'
                    % BANK}
SUPERVISOR = "supervisor:rui@suporte.example"
ANA = "agent:ana@suporte.example"
BIA = "agent:bia@suporte.example"


def staff(s, principal):
    return staff_sign_in(s, principal)


def cli(s, *args, who):
    r = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": who, "BALCAO_LANG": "pt-BR"})
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def new_ticket(s, ext, address, subject):
    before = s.ticket_total()
    s.call("intake", intake_pb2.Submit(channel="api", external_id=ext, from_address=address,
                                       from_name="Cliente", subject=subject,
                                       body="O relatório não abre desde ontem."))
    wait_until(lambda: s.ticket_total() == before + 1, 20, "ticket %s" % ext, system=s)
    return before + 1


def queue_numbers(p):
    status, body, _ = p.get("/desk/queue?view=tier&tier=N1")
    assert status == 200, (status, body)
    return [t["number"] for t in body["tickets"]]


def counts(p):
    status, body, _ = p.get("/desk/counts")
    check(status == 200, "GET /desk/counts answers", (status, body))
    return body


def feed_tickets(s, who):
    """Ticket numbers of the router's feed as `who` sees it."""
    reply = s.call("router", bus_pb2.ReplayRequest(from_seq=1, max_events=1000), principal=who,
                   timeout=10)
    numbers = set()
    for raw in reply.events:
        env = bus_pb2.Envelope.FromString(raw)
        if env.type == "balcao.v1.TicketCreated":
            numbers.add(router_pb2.TicketCreated.FromString(env.payload).ticket.number)
    return numbers


def ticket(s, n):
    """As the supervisor (the harness's own agent:test serves no restricted organization)."""
    return s.call("router", router_pb2.GetTicket(number=n), principal=SUPERVISOR)


def status(s, who, value):
    s.call("router", router_pb2.SetAgentStatus(status=value), principal=who)


def main():
    with System("desk_org_access", extra_config=CONFIG) as s:
        s.start_all()
        for who, name, orgs in ((SUPERVISOR, "Rui", []), (ANA, "Ana", [BANK]), (BIA, "Bia", [])):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=name, email=who.split(":", 1)[1], tier="N1", organizations=orgs)),
                principal="admin:e2e")
        for address, org in (("gerente@bancoseguro.example", BANK),
                             ("dona@padaria.example", "Padaria Pão Quente")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id="customer:" + address, name="Cliente", email=address, organization=org)),
                principal="admin:e2e")
        try:
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id="customer:x@example.com", organizations=[BANK])), principal="admin:e2e")
            check(False, "organizations on a customer are refused")
        except BusError as e:
            check(e.code == "invalid", "organizations on a customer are refused", e)

        bank = new_ticket(s, "banco-1", "gerente@bancoseguro.example", "Extrato não fecha")
        bakery = new_ticket(s, "padaria-1", "dona@padaria.example", "Nota fiscal rejeitada")
        check(ticket(s, bank).organization == BANK, "the bank's ticket carries its organization",
              ticket(s, bank).organization)
        rui, ana, bia = staff(s, SUPERVISOR), staff(s, ANA), staff(s, BIA)

        check(queue_numbers(bia) == [bakery],
              "Bia's N1 queue lists the bakery's ticket, not the bank's", queue_numbers(bia))
        check(set(queue_numbers(ana)) == {bank, bakery}, "Ana's lists both", queue_numbers(ana))
        check(set(queue_numbers(rui)) == {bank, bakery}, "the supervisor's lists both",
              queue_numbers(rui))
        cb, ca, cr = counts(bia), counts(ana), counts(rui)
        check(cb["N1"] == 1 and cb["open"]["N1"] == 1,
              "Bia's N1 count leaves the bank's ticket out: the badge says what her list shows",
              cb)
        check(ca["N1"] == 2 and ca["open"]["N1"] == 2 and cr["N1"] == 2,
              "Ana's and the supervisor's counts have both", (ca, cr))
        code, body, _ = bia.get("/desk/tickets/%d" % bank)
        check(code == 404, "the bank's ticket page is a 404 for Bia", (code, body))
        code, body, _ = ana.get("/desk/tickets/%d" % bank)
        check(code == 200 and body["subject"] == "Extrato não fecha", "and opens for Ana",
              (code, body))
        rc, out, err = cli(s, "show", str(bank), who=BIA)
        check(rc == 2 and "não existe" in err and "Extrato" not in out,
              "`balcao show` of the bank's ticket: Bia is told it does not exist", (rc, out, err))
        code, body, _ = bia.post("/desk/tickets/%d/take" % bank, {})
        check(code == 404, "Bia cannot take it", (code, body))

        code, body, _ = rui.post("/desk/tickets/%d/assign" % bank, {"agent": BIA})
        check(code == 403 and "não atende" in body["message_pt"] and BANK in body["message_pt"],
              "the supervisor cannot assign it to Bia, and is told why", (code, body))
        code, body, _ = rui.post("/desk/tickets/%d/assign" % bank, {"agent": ANA})
        check(code == 200 and ticket(s, bank).assignee == ANA, "but can to Ana", (code, body))
        code, body, _ = bia.post("/desk/tickets/%d/take" % bakery, {})
        check(code == 200 and ticket(s, bakery).assignee == BIA,
              "Bia takes the bakery's ticket", (code, body))

        status(s, BIA, "online")
        bank2 = new_ticket(s, "banco-2", "gerente@bancoseguro.example", "Boleto duplicado")
        bakery2 = new_ticket(s, "padaria-2", "dona@padaria.example", "Impressora fiscal")
        wait_until(lambda: ticket(s, bakery2).assignee == BIA, 10, "bakery ticket to Bia", system=s)
        check(ticket(s, bank2).assignee == "",
              "with only Bia online, the bank's new ticket waits in the queue",
              ticket(s, bank2).assignee)
        status(s, ANA, "online")
        wait_until(lambda: ticket(s, bank2).assignee == ANA, 10, "bank ticket to Ana", system=s)

        seen_bia, seen_ana = feed_tickets(s, BIA), feed_tickets(s, ANA)
        check(bank not in seen_bia and bank2 not in seen_bia and bakery in seen_bia,
              "Bia's live feed carries no event of the bank's tickets", seen_bia)
        check({bank, bank2, bakery, bakery2} <= seen_ana, "Ana's carries them all", seen_ana)

        # kb's ticket search follows the same rule (it keeps each ticket's
        # organization and each agent's, from the router's events).
        def found(who, words):
            rc, out, err = cli(s, "search", words, who=who)
            return out if rc == 0 else err

        wait_until(lambda: "#%-6d" % bank in found(ANA, "Extrato"), 20,
                   "kb to index the bank's ticket", system=s)
        check("Extrato" not in found(BIA, "Extrato não fecha"),
              "`balcao search` as Bia finds nothing of the bank's ticket", found(BIA, "Extrato"))
        check("#%-6d" % bank in found(SUPERVISOR, "Extrato"), "the supervisor finds it",
              found(SUPERVISOR, "Extrato"))
        wait_until(lambda: "Impressora" in found(BIA, "Impressora fiscal"), 20,
                   "Bia to find the bakery's ticket", system=s)
        rc, out, err = cli(s, "kb", "similar", str(bank), who=BIA)
        check(rc == 2 and "não está" in err and "Extrato" not in out,
              "`balcao kb similar` of the bank's ticket: not found for Bia", (rc, out, err))
        rc, out, err = cli(s, "kb", "similar", str(bank), who=ANA)
        check(rc == 0, "and answers Ana", (rc, out, err))
    log("test_desk_org_access passed")


if __name__ == "__main__":
    run_test(main)

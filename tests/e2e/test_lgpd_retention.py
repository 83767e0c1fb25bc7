#!/usr/bin/python3
"""LGPD retention by data class (issue 18): closed tickets' personal data
anonymised after router/lgpd/anonymise_closed_after_* by a timer.

Here after 2 seconds (anonymise_closed_after_s, the tests' knob; operators
give days), checked every second. Ana has a closed ticket and an open one;
Bruno a closed one. Proves:
  - the timer anonymises both closed tickets (texts, names, addresses) in
    every service, and nothing else: Ana's open ticket, her person record
    and her place in the customer list stay, her phrase on the open ticket
    is still found by kb's search, and the raw files hold no phrase of the
    closed tickets while they hold the open one's;
  - the audit (`balcao lgpd log`) says what the retention did, by whom
    (system:router) and why; later sweeps find nothing new (one entry);
  - the report's figures are the same.
"""

import datetime
import os
from zoneinfo import ZoneInfo

from harness import System, check, log, run_test, wait_until
from rawfiles import holds
from balcao.v1 import kb_pb2, router_pb2

ADMIN = "admin:root@suporte.example"
AGENT = "agent:bruno.n1@suporte.example"
SUPERVISOR = "supervisor:sara@suporte.example"
ANA, BRUNO = "ana.retencao@cliente.com.br", "bruno.retencao@cliente.com.br"
CLOSED_A = "abacaxi fluorescente quatro"
OPEN_A = "tamanduá elétrico cinco"
CLOSED_B = "jabuticaba orbital seis"


def report(s):
    day = datetime.datetime.now(ZoneInfo("America/Sao_Paulo")).strftime("%Y-%m-%d")
    r = s.call("router", router_pb2.GetReport(from_day=day, group_by="tier"),
               principal=SUPERVISOR)
    return [(g.key, g.created, g.first_responses, g.resolved, g.closed, list(g.csat))
            for g in [r.total, *r.groups]]


def close(s, number, customer):
    s.call("router", router_pb2.AssignTicket(number=number), principal=AGENT)
    s.call("router", router_pb2.AddMessage(number=number, body="Resolvido, obrigado!"),
           principal=AGENT)
    s.call("router", router_pb2.TicketAction(number=number, action="resolve", text="Feito."),
           principal=AGENT)
    s.call("router", router_pb2.TicketAction(number=number, action="accept"),
           principal="customer:" + customer)


def main():
    extra = {"router": "    cursor_report_s = 1\n    lgpd\n        anonymise_closed_after_s = 2\n"
                       "        check_s = 1"}
    with System("lgpd-retention", extra_config=extra) as s:
        s.start_all()
        for who in (AGENT, SUPERVISOR):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=who.split(":")[1], email=who.split(":")[1], tier="N1")),
                principal=ADMIN)
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id="customer:" + ANA, name="Ana Retenção", email=ANA)), principal=ADMIN)
        s.submit_api("ret-a1", "Nota não sai", "Minha nota não sai: " + CLOSED_A,
                     from_address=ANA, from_name="Ana Retenção")
        s.submit_api("ret-b1", "Senha", "Esqueci a senha: " + CLOSED_B,
                     from_address=BRUNO, from_name="Bruno Retenção")
        wait_until(lambda: s.ticket_total() == 2, 20, "two tickets", system=s)
        by = {t.customer_address: t.number for t in s.all_tickets()}
        a1, b1 = by[ANA], by[BRUNO]
        close(s, a1, ANA)
        close(s, b1, BRUNO)
        s.submit_api("ret-a2", "Outra dúvida", "Uma dúvida nova: " + OPEN_A,
                     from_address=ANA, from_name="Ana Retenção")
        wait_until(lambda: s.ticket_total() == 3, 20, "the open ticket", system=s)
        a2 = max(t.number for t in s.all_tickets())
        wait_until(lambda: [h.ticket for h in s.call("kb", kb_pb2.SearchTickets(
            query="tamanduá elétrico")).hits] == [a2], 20, "kb indexed", system=s)
        before = report(s)

        wait_until(lambda: s.ticket(a1).erased_us and s.ticket(b1).erased_us, 30,
                   "the timer anonymised the closed tickets", system=s)
        for svc in ("intake", "kb", "notify"):
            wait_until(lambda: "event=person_erased" in s.log_text(svc), 30,
                       "%s applied it" % svc, system=s)
        wait_until(lambda: "event=store_compacted" in s.log_text("router"), 30,
                   "the router compacted at the sweep's end", system=s)
        t = s.ticket(a1)
        check(t.customer_name == "Titular anonimizado" and t.status == "fechado"
              and all(m.body == "[removido (LGPD)]" for m in t.messages),
              "the closed ticket lost its texts and names, kept its status",
              (t.customer_name, [m.body for m in t.messages]))
        t2 = s.ticket(a2)
        check(not t2.erased_us and t2.customer_address == ANA
              and t2.messages[0].body.endswith(OPEN_A), "Ana's open ticket is untouched")
        people = s.call("router", router_pb2.ListPeople(kind="customer"), principal=ADMIN).people
        check(any(p.id == "customer:" + ANA and p.name == "Ana Retenção" for p in people),
              "Ana's person record stays")
        mine = s.call("router", router_pb2.ListTickets(), principal="customer:" + ANA).tickets
        check([x.number for x in mine] == [a2], "Ana's list holds only her open ticket",
              [x.number for x in mine])
        check([h.ticket for h in s.call("kb", kb_pb2.SearchTickets(
            query="tamanduá elétrico")).hits] == [a2]
              and not s.call("kb", kb_pb2.SearchTickets(query="abacaxi fluorescente")).hits,
              "kb finds the open ticket's words, not the closed one's")
        # kb's index compacts on its own schedule; its LMDB and every other
        # store are compacted after the erasure.
        wait_until(lambda: not any(holds(os.path.join(s.var, svc), CLOSED_A)
                                   or holds(os.path.join(s.var, svc), CLOSED_B)
                                   for svc in ("intake", "router", "notify", "outbox")),
                   30, "no raw file of intake, router and notify holds the closed tickets' "
                   "words", system=s)
        check(holds(s.var, OPEN_A), "the open ticket's words are still on disk")
        r = s.run_tool("balcao", ["lgpd", "log"], env={"BALCAO_PRINCIPAL": ADMIN})
        out = r.stdout.decode()
        check(r.returncode == 0 and "pela retenção" in out and "system:router" in out
              and "2 chamado(s)" in out and out.count("anonimização") == 1,
              "the audit says what the retention did, once", out)
        check(report(s) == before, "the report's figures are the same")
        s.check_alive()
        log("lgpd retention: ok")


if __name__ == "__main__":
    run_test(main)

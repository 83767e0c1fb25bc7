#!/usr/bin/python3
"""SLA clocks: warnings, breaches and their policy, pause while waiting on
the customer — with the real router on a 24/7 calendar and targets of a few
seconds, so the test runs in real time.

Proves:
  - a ticket nobody answers gets SlaWarning at the warning fraction and
    SlaBreached at its due time, noticed within 1 s of the deadline; the
    breach policy raises the priority and escalates to the next tier;
  - a timely public reply meets the first-response target (no warning, no
    breach for it);
  - while a ticket waits on the customer the resolution clock is paused (no
    breach during a pause longer than the target) and it resumes, with the
    time already used, when the customer replies;
  - resolving in time meets the resolution target;
  - a priority change re-times running clocks: lowering it moves the
    deadlines out (no breach at the old time), raising it to a target that is
    already missed breaches at once.
"""

import time

from harness import System, check, log, run_test, wait_until
from balcao.v1 import intake_pb2, router_pb2

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CONFIG = {"router": "\n".join(
    ["    calendar"] + ['        %s = "00:00-24:00"' % d for d in DAYS] +
    ["    sla",
     '        warning = "0.5"',
     '        on_breach = "raise_priority,escalate"',
     "        normal",
     '            first_response = "2s"',
     '            resolution = "5s"',
     "        alta",
     '            first_response = "2s"',
     '            resolution = "5s"',
     "        baixa",
     '            first_response = "60s"',
     '            resolution = "120s"',
     "        urgente",
     '            first_response = "1s"',
     '            resolution = "3s"']) + "\n"}
AGENT = "agent:ana@suporte.example"


def sla_events(s, number):
    out = []
    for e in s.replay("router"):
        if e.type in ("balcao.v1.SlaWarning", "balcao.v1.SlaBreached"):
            cls = router_pb2.SlaWarning if e.type.endswith("Warning") else router_pb2.SlaBreached
            m = cls.FromString(e.payload)
            if m.number == number:
                out.append((e.type.split(".")[-1], m.target, m, e.time_us))
    return out


def main():
    with System("sla", extra_config=CONFIG) as s:
        s.start_all()
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=AGENT, name="Ana", tier="N1", status="online")), principal="admin:root@x")
        s.submit_api("sla-1", "Ninguém responde", "Primeiro chamado.")
        s.submit_api("sla-2", "Respondido a tempo", "Segundo chamado.")
        wait_until(lambda: s.ticket_total() == 2, 20, "two tickets", system=s)
        s.call("router", router_pb2.AddMessage(number=2, body="Olá! Já estamos vendo."), principal=AGENT)
        check(s.ticket(2).first_response_sla == "met", "a reply in time meets the first-response target")

        # Ticket 1: nobody answers.
        wait_until(lambda: any(k == "SlaBreached" and t == "first_response" for k, t, _, _ in sla_events(s, 1)),
                   10, "first-response breach of ticket 1", system=s)
        ev = sla_events(s, 1)
        kinds = [(k, t) for k, t, _, _ in ev]
        check(kinds[:2] == [("SlaWarning", "first_response"), ("SlaBreached", "first_response")],
              "warning first, then breach", kinds)
        _, _, breach, noticed_us = ev[1]
        late_ms = (noticed_us - breach.due_us) / 1000
        check(0 <= late_ms <= 1000, "the breach is noticed within 1 s of its deadline (%.0f ms)" % late_ms)
        check(list(breach.actions) == ["raise_priority", "escalate", "alert"], "the policy's actions",
              breach.actions)
        t = s.ticket(1)
        check((t.first_response_sla, t.priority, t.tier) == ("breached", "alta", "N2"),
              "breached: priority raised to alta and escalated to N2")

        # Ticket 2: pause while waiting on the customer.
        paused_at_us = time.time_ns() // 1000
        s.call("router", router_pb2.TicketAction(number=2, action="request_info",
                                                 text="Qual navegador?"), principal=AGENT)
        t = s.ticket(2)
        check(t.resolution_started_us == 0 and t.resolution_used_s >= 0,
              "waiting on the customer pauses the resolution clock")
        time.sleep(6)  # longer than the 5 s target
        paused_events = [(k, t, at) for k, t, m, at in sla_events(s, 2)
                         if t == "resolution" and at > paused_at_us]
        check(not paused_events, "no resolution warning or breach while paused", paused_events)
        used = s.ticket(2).resolution_used_s
        # The customer's answer, threaded by in_reply_to to the ticket's first message.
        s.call("intake", intake_pb2.Submit(
            channel="api", external_id="sla-2b", from_address="cliente@example.com",
            subject="Re: Respondido a tempo", body="Chrome.", in_reply_to="sla-2"))
        wait_until(lambda: s.ticket(2).status == "aberto", 10, "customer reply resumes ticket 2", system=s)
        t = s.ticket(2)
        left_s = (t.resolution_due_us - t.resolution_started_us) / 1e6
        check(t.resolution_started_us > 0 and abs(left_s - (5 - used)) <= 1,
              "the clock resumes with the time already used (%.1f s left)" % left_s)
        s.call("router", router_pb2.TicketAction(number=2, action="resolve", text="Cache limpo."),
               principal=AGENT)
        check(s.ticket(2).resolution_sla == "met", "resolving in time meets the resolution target")
        # Ticket 3: re-timed by priority changes.
        s.submit_api("sla-3", "Dúvida sem pressa", "Terceiro chamado.")
        wait_until(lambda: s.ticket_total() == 3, 20, "ticket 3", system=s)
        t = s.ticket(3)
        s.call("router", router_pb2.SetPriority(number=3, priority="baixa", reason="sem impacto"),
               principal=AGENT)
        t3 = s.ticket(3)
        check(abs((t3.first_response_due_us - t3.created_us) / 1e6 - 60) <= 1
              and abs((t3.resolution_due_us - t3.resolution_started_us) / 1e6
                      - (120 - t3.resolution_used_s)) <= 1,
              "lowering the priority moves both deadlines to the new targets",
              (t3.first_response_due_us - t3.created_us) / 1e6)
        time.sleep(3)  # past the 2 s first-response target of "normal"
        check(not [k for k, _, _, _ in sla_events(s, 3) if k == "SlaBreached"],
              "no breach at the old priority's deadline", sla_events(s, 3))
        changed_us = time.time_ns() // 1000
        s.call("router", router_pb2.SetPriority(number=3, priority="urgente", reason="cliente parado"),
               principal=AGENT)
        wait_until(lambda: any(k == "SlaBreached" and tg == "first_response"
                               for k, tg, _, _ in sla_events(s, 3)), 5,
                   "first-response breach of ticket 3 once urgente", system=s)
        at = [a for k, tg, _, a in sla_events(s, 3) if k == "SlaBreached"][0]
        check(at - changed_us <= 1_000_000,
              "raised to a target already missed, it breaches at once (%.0f ms)"
              % ((at - changed_us) / 1000))
        rc = s.run_tool("balcao", ["show", "1"]).stdout.decode()
        check("SLA 1ª resposta: estourado" in rc, "balcao show tells the SLA state, in pt-BR", rc)
        rc = s.run_tool("balcao", ["show", "1"], env={"BALCAO_LANG": "en"}).stdout.decode()
        check("SLA first response: breached" in rc, "and in English", rc)
    log("test_sla passed")


if __name__ == "__main__":
    run_test(main)

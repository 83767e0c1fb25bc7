#!/usr/bin/python3
"""Fair assignment, tier queues, taking and assigning, over the real services.

Proves:
  - 1,000 tickets over 5 equal online agents end within +-1 of each other
    (fewest open tickets first, round-robin among ties);
  - when nobody fits (offline, at capacity, missing the category's skill) a
    ticket waits in its tier's queue, most urgent and oldest first, and is
    taken as soon as an agent comes online or frees up (resolves a ticket);
  - an agent takes a ticket of their own tier; only supervisors assign to
    others; only admins register people;
  - a rejected resolution goes back to the agent who resolved it.
"""

from collections import Counter

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import router_pb2

ADMIN = "admin:root@suporte.example"
SUPERVISOR = "supervisor:sara@suporte.example"


def add_agent(s, email, tier="N1", capacity=10, skills=(), status="offline"):
    p = router_pb2.Person(id="agent:" + email, name=email.split("@")[0].title(), email=email,
                          tier=tier, capacity=capacity, skills=list(skills), status=status)
    return s.call("router", router_pb2.UpsertPerson(person=p), principal=ADMIN)


def set_status(s, email, status):
    return s.call("router", router_pb2.SetAgentStatus(status=status), principal="agent:" + email)


def queue(s, tier="N1"):
    return [t.number for t in s.call("router", router_pb2.GetQueue(tier=tier, limit=200)).tickets]


def assignee(s, n):
    return s.ticket(n).assignee


def fairness():
    with System("assign-fair") as s:
        s.start_all()
        agents = ["ana", "bia", "caio", "duda", "edu"]
        for a in agents:
            add_agent(s, a + "@suporte.example", capacity=1000, status="online")
        bench = s.run_tool("balcao-bench", ["-n", "1000", "-C", "16", "--no-wait"], timeout=120)
        check(bench.returncode == 0, "1,000 tickets submitted", bench.stderr.decode()[-500:])
        wait_until(lambda: s.ticket_total() == 1000, 60, "1,000 tickets", system=s)
        counts = Counter(t.assignee for t in s.all_tickets())
        check(set(counts) == {"agent:%s@suporte.example" % a for a in agents},
              "every ticket went to one of the five agents", counts)
        check(max(counts.values()) - min(counts.values()) <= 1,
              "the five agents end within +-1 of each other", dict(counts))
        people = s.call("router", router_pb2.ListPeople(kind="agent"), principal="agent:ana@suporte.example")
        check(sorted(p.open_tickets for p in people.people) == sorted(counts.values()),
              "each agent's open-ticket count matches their tickets")


def queues():
    with System("assign-queue") as s:
        s.start_all()
        add_agent(s, "ana@suporte.example", capacity=2, status="online")
        add_agent(s, "bia@suporte.example", capacity=2)
        add_agent(s, "gil@suporte.example", tier="N2", capacity=5, skills=["erro"], status="online")
        for i in range(1, 7):
            s.submit_api("q-%d" % i, "Pedido %d" % i, "Texto %d" % i)
        wait_until(lambda: s.ticket_total() == 6, 20, "six tickets", system=s)
        check([assignee(s, n) for n in (1, 2)] == ["agent:ana@suporte.example"] * 2,
              "ana (online, capacity 2) takes the first two")
        check(queue(s) == [3, 4, 5, 6], "the rest waits in the N1 queue, oldest first")

        s.call("router", router_pb2.SetPriority(number=6, priority="urgente", reason="cliente parado"),
               principal="agent:ana@suporte.example")
        check(queue(s) == [6, 3, 4, 5], "an urgent ticket moves to the head of the queue")

        set_status(s, "bia@suporte.example", "online")
        check([assignee(s, n) for n in (6, 3)] == ["agent:bia@suporte.example"] * 2,
              "bia coming online takes the two at the head")
        check(queue(s) == [4, 5], "two still wait")

        s.call("router", router_pb2.TicketAction(number=1, action="resolve", text="Feito."),
               principal="agent:ana@suporte.example")
        check(assignee(s, 4) == "agent:ana@suporte.example" and queue(s) == [5],
              "ana resolving a ticket frees her to take the next one")

        # Skills and tiers: classifying a waiting ticket as "erro" (N2) sends
        # it to gil, the N2 agent with that skill.
        s.call("router", router_pb2.SetCategory(number=5, category="erro"),
               principal="agent:ana@suporte.example")
        t = s.ticket(5)
        check((t.tier, t.assignee) == ("N2", "agent:gil@suporte.example") and queue(s) == [],
              "a ticket classified into N2 leaves the N1 queue for the N2 agent with the skill")

        # Take and assign.
        s.submit_api("q-7", "Pedido 7", "Texto 7")
        wait_until(lambda: queue(s) == [7], 20, "ticket 7 queued", system=s)
        try:
            s.call("router", router_pb2.AssignTicket(number=7), principal="agent:gil@suporte.example")
            check(False, "an N2 agent cannot take an N1 ticket")
        except BusError as e:
            check(e.code == "forbidden", "an N2 agent cannot take an N1 ticket", e)
        t = s.call("router", router_pb2.AssignTicket(number=7), principal="agent:ana@suporte.example")
        check(t.assignee == "agent:ana@suporte.example" and queue(s) == [],
              "an agent takes a queued ticket of their tier (even at capacity)")
        try:
            s.call("router", router_pb2.AssignTicket(number=7, agent="agent:bia@suporte.example"),
                   principal="agent:ana@suporte.example")
            check(False, "agents cannot assign to others")
        except BusError as e:
            check(e.code == "forbidden", "agents cannot assign to others", e)
        t = s.call("router", router_pb2.AssignTicket(number=7, agent="agent:bia@suporte.example"),
                   principal=SUPERVISOR)
        check(t.assignee == "agent:bia@suporte.example", "a supervisor reassigns")

        # Back to the queue: the ticket's agent or a supervisor, nobody else.
        try:
            s.call("router", router_pb2.AssignTicket(number=7, unassign=True),
                   principal="agent:ana@suporte.example")
            check(False, "another agent cannot put bia's ticket back in the queue")
        except BusError as e:
            check(e.code == "forbidden" and "supervisor" in e.message,
                  "another agent cannot put bia's ticket back in the queue", e)
        load = {p.id: p.open_tickets for p in s.call(
            "router", router_pb2.ListPeople(kind="agent"), principal=SUPERVISOR).people}
        r = s.run_tool("balcao", ["unassign", "7"],
                       env={"BALCAO_PRINCIPAL": "agent:bia@suporte.example"})
        out = r.stdout.decode()
        check(r.returncode == 0 and "na fila" in out, "balcao unassign puts it back", (r, out))
        check(assignee(s, 7) == "" and queue(s) == [7], "ticket 7 waits in the N1 queue again")
        after = {p.id: p.open_tickets for p in s.call(
            "router", router_pb2.ListPeople(kind="agent"), principal=SUPERVISOR).people}
        check(after["agent:bia@suporte.example"] == load["agent:bia@suporte.example"] - 1,
              "bia has one ticket less", (load, after))
        hist = s.run_tool("balcao", ["history", "7"], env={"BALCAO_LANG": "en"}).stdout.decode()
        check("put back in the N1 queue by bia@suporte.example" in hist
              and "assigned to bia@suporte.example by sara@suporte.example" in hist
              and "taken by ana@suporte.example" in hist,
              "the history says who took, assigned and put it back, in words", hist)
        t = s.call("router", router_pb2.AssignTicket(number=7, agent="agent:bia@suporte.example"),
                   principal=SUPERVISOR)
        t = s.call("router", router_pb2.AssignTicket(number=7, unassign=True), principal=SUPERVISOR)
        check(t.assignee == "" and queue(s) == [7], "a supervisor puts a ticket back in the queue")
        try:
            s.call("router", router_pb2.AssignTicket(number=7), principal=SUPERVISOR)
            check(False, "a supervisor cannot take a ticket")
        except BusError as e:
            check(e.code == "forbidden" and ("a um agente" in e.message
                                         or "to an agent" in e.message),
                  "a supervisor taking is told to assign it to an agent", e)
        try:
            s.call("router", router_pb2.SetAgentStatus(status="online"), principal=SUPERVISOR)
            check(False, "availability is for agents")
        except BusError as e:
            check(e.code == "forbidden" and ("supervisores e administradores" in e.message
                                         or "supervisors and admins get no" in e.message),
                  "a supervisor's availability is refused in one language", e)
        s.call("router", router_pb2.AssignTicket(number=7), principal="agent:ana@suporte.example")

        # A rejected resolution goes back to whoever resolved it.
        s.call("router", router_pb2.TicketAction(number=2, action="resolve", text="Ajustado."),
               principal="agent:ana@suporte.example")
        s.call("router", router_pb2.AssignTicket(number=3, agent="agent:ana@suporte.example"),
               principal=SUPERVISOR)
        t = s.call("router", router_pb2.TicketAction(number=2, action="reject", text="Continua."),
                   principal="customer:cliente@example.com")
        check((t.status, t.assignee) == ("reaberto", "agent:ana@suporte.example"),
              "a rejected resolution returns to the agent who resolved it")

        try:
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id="agent:x@y", tier="N1")), principal="agent:ana@suporte.example")
            check(False, "only admins register people")
        except BusError as e:
            check(e.code == "forbidden", "only admins register people", e)
        rc = s.run_tool("balcao", ["history", "6"]).stdout.decode()
        check("na fila do N1" in rc and "atribuído a bia@suporte.example pela distribuição automática" in rc,
              "the history shows the queue and the assignment", rc)


def main():
    fairness()
    queues()
    log("test_assignment passed")


if __name__ == "__main__":
    run_test(main)

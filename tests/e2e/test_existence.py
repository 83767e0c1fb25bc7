#!/usr/bin/python3
"""Someone else's ticket looks exactly like no ticket, in every request.

Ticket numbers are sequential, so any difference between the answer for
another customer's ticket and for a number that does not exist tells a
customer which numbers are taken, and by whom they were not. Proves, for
every router and kb request that takes a ticket number:
  - customer:bruno asking about ticket #2 before it exists and after Ana's
    ticket #2 exists (resolved, indexed by kb) gets byte-identical replies
    but for the reply's own id, correlation id and time: same type, code and
    sentence in both languages;
  - and the same code and sentence as for #99, which never exists;
  - in the router, a system without the read permission (service:bi) and an
    anonymous caller get the same treatment (kb serves every system as
    staff, as before);
  - the rights of the others stand: Ana reads and accepts her ticket, an
    agent and a system with the read permission (service:erp) read it, and
    such a system is still told that only agents act on tickets.
"""

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import bus_pb2, kb_pb2, router_pb2

ANA = "customer:ana@cliente-a.com.br"
BRUNO = "customer:bruno@cliente-b.com.br"
AGENT = "agent:lia@suporte.example"

SEEDS = {"router": "\n".join([
    "    people",
    "        erp",
    '            id = "service:erp"',
    '            name = "ERP do cliente"',
    '            permissions = "read"',
    "        bi",
    '            id = "service:bi"',
    '            name = "Relatórios"']) + "\n"}


def requests(n, other=1):
    """(service, request) for every request that names ticket n."""
    out = [("router", router_pb2.GetTicket(number=n)),
           ("router", router_pb2.GetHistory(number=n))]
    for action in ("open", "request_info", "resolve", "accept", "reject", "reopen", "close"):
        out.append(("router", router_pb2.TicketAction(number=n, action=action, text="Ok.")))
    out += [("router", router_pb2.TicketAction(number=n, action="accept")),
            ("router", router_pb2.AddMessage(number=n, body="Oi?")),
            ("router", router_pb2.SetCategory(number=n, category="geral")),
            ("router", router_pb2.SetPriority(number=n, priority="alta")),
            ("router", router_pb2.AssignTicket(number=n)),
            ("router", router_pb2.Escalate(number=n, reason="r", tried="t")),
            ("router", router_pb2.Deescalate(number=n, note="n")),
            ("router", router_pb2.Rate(number=n, score=1)),
            ("router", router_pb2.Rate(number=n, score=5, comment="Ótimo")),
            ("router", router_pb2.LinkTicket(problem=n, incident=other)),
            ("router", router_pb2.LinkTicket(problem=other, incident=n)),
            ("router", router_pb2.MergeTicket(**{"from": n, "into": other})),
            ("router", router_pb2.MergeTicket(**{"from": other, "into": n})),
            ("router", router_pb2.ApplyMacro(number=n)),
            ("kb", kb_pb2.SimilarTickets(ticket=n)),
            ("kb", kb_pb2.ArticleFromTicket(ticket=n))]
    return out


def answer(s, svc, msg, principal):
    """The reply as the caller sees it, without what differs on every call
    (the reply's id, its correlation id and its time)."""
    from harness import envelope
    env = envelope(msg, principal=principal)
    reply = s.call_raw(svc, env.SerializeToString())
    check(reply.correlation_id == env.id, "the reply answers the request")
    reply.ClearField("id")
    reply.ClearField("correlation_id")
    reply.ClearField("time_us")
    return reply


def error(reply):
    if reply.type != bus_pb2.Error.DESCRIPTOR.full_name:
        return None
    e = bus_pb2.Error.FromString(reply.payload)
    return e.code, e.message, e.message_pt


def main():
    with System("existence", extra_config=SEEDS) as s:
        s.start_all()
        s.submit_api("b-1", "Erro ao logar", "Senha inválida.", from_address="bruno@cliente-b.com.br")
        wait_until(lambda: s.ticket_total() == 1, 20, "Bruno's ticket #1", system=s)

        callers = (BRUNO, "service:bi", "")
        before = {who: [answer(s, svc, msg, who) for svc, msg in requests(2)] for who in callers}

        s.submit_api("a-1", "Boleto não chegou", "Preciso do boleto de novembro.",
                     from_address="ana@cliente-a.com.br")
        wait_until(lambda: s.ticket_total() == 2, 20, "Ana's ticket #2", system=s)
        s.call("router", router_pb2.TicketAction(number=2, action="resolve", text="Boleto reenviado."),
               principal=AGENT)

        def kb_knows():
            try:
                s.call("kb", kb_pb2.SimilarTickets(ticket=2), principal=AGENT)
                return True
            except BusError:
                return False
        wait_until(kb_knows, 20, "kb to index ticket #2", system=s)

        for who in callers:
            after = [answer(s, svc, msg, who) for svc, msg in requests(2)]
            never = [answer(s, svc, msg, who) for svc, msg in requests(99)]
            for (svc, msg), b, a, nv in zip(requests(2), before[who], after, never):
                if svc == "kb" and who.startswith("service:"):
                    continue  # kb serves every system as staff (its rights, unchanged)
                name = "%s %s as %r" % (svc, msg.DESCRIPTOR.name, who)
                if hasattr(msg, "action") and msg.action:
                    name += " (%s)" % msg.action
                check(a.SerializeToString(deterministic=True)
                      == b.SerializeToString(deterministic=True),
                      "%s: Ana's #2 answers byte for byte as #2 did before it existed" % name,
                      (error(b), error(a)))
                missing = error(nv)
                check(missing is not None and error(a) == tuple(
                    x.replace("#99", "#2") for x in missing),
                      "%s: the same code and sentence as #99, which never exists" % name,
                      (error(a), missing))

        # Everyone else keeps their rights.
        t = s.call("router", router_pb2.GetTicket(number=2), principal=ANA)
        check(t.subject == "Boleto não chegou", "Ana reads her ticket")
        check(s.call("router", router_pb2.GetTicket(number=2), principal=AGENT).number == 2,
              "an agent reads it")
        check(s.call("router", router_pb2.GetTicket(number=2), principal="service:erp").number == 2,
              "a system with the read permission reads it")
        try:
            s.call("router", router_pb2.TicketAction(number=2, action="close"),
                   principal="service:erp")
            check(False, "a system does not close tickets")
        except BusError as e:
            check(e.code == "forbidden" and "only agents" in e.message,
                  "a system that may read is still told only agents act", e)
        s.call("kb", kb_pb2.SimilarTickets(ticket=2), principal="service:erp")
        log("ok: kb still answers a system's SimilarTickets")
        t = s.call("router", router_pb2.TicketAction(number=2, action="accept"), principal=ANA)
        check(t.status == "fechado", "Ana accepts the resolution")
        t = s.call("router", router_pb2.Rate(number=2, score=5), principal=ANA)
        check(t.csat_score == 5, "and rates it")
    log("test_existence passed")


if __name__ == "__main__":
    run_test(main)

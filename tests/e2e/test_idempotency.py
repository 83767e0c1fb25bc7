#!/usr/bin/python3
"""A write sent twice is applied once: the gateway's Idempotency-Key, over
the real services (what the web app sends with every write, and sends again
when the connection dropped before the answer came).

Proves:
  - an agent's reply posted twice with the same key is one message in the
    thread, and the second answer is the same ticket; another key is a
    second message;
  - the same key from another agent is theirs, not a repeat of the first's
    (the key is hashed with who sends it and where);
  - a key sent again after kill -9 of the router (the first call was
    answered, then the router died) is still applied once;
  - an action (escalation) repeated with its key escalates once: one
    TicketEscalated in the log;
  - a malformed key is a 400 and nothing is stored.
"""

from harness import System, check, log, run_test, wait_until
from portal import staff_sign_in
from balcao.v1 import router_pb2

SUPERVISOR = "supervisor:rui@suporte.example"
ANA = "agent:ana@suporte.example"
BIA = "agent:bia@suporte.example"


def staff(s, principal):
    return staff_sign_in(s, principal)


def main():
    with System("idempotency") as s:
        s.start_all()
        for who, name in ((SUPERVISOR, "Rui"), (ANA, "Ana"), (BIA, "Bia")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=name, email=who.split(":", 1)[1], tier="N1")), principal="admin:e2e")
        before = s.ticket_total()
        s.submit_api("idem-1", "Sistema lento", "Está demorando muito para abrir.")
        wait_until(lambda: s.ticket_total() == before + 1, 20, "ticket", system=s)
        n = before + 1
        ana, bia = staff(s, ANA), staff(s, BIA)

        def count():
            t = s.call("router", router_pb2.GetTicket(number=n), principal=SUPERVISOR)
            return len(t.messages)

        start = count()
        url = "/desk/tickets/%d/reply" % n
        key = {"Idempotency-Key": "9b2f6a0e-5d1c-4c3a-8f7e-1a2b3c4d5e6f"}
        code1, body1, _ = ana.post(url, {"body": "Olá! Já estamos olhando."}, headers=key)
        code2, body2, _ = ana.post(url, {"body": "Olá! Já estamos olhando."}, headers=key)
        check(code1 == 200 and code2 == 200 and count() == start + 1,
              "the same reply sent twice with one key is one message", (code1, code2, count()))
        check(len(body1["messages"]) == len(body2["messages"]) == start + 1,
              "and the second answer is the same ticket, with one reply", list(body1))
        code, _, _ = ana.post(url, {"body": "Olá! Já estamos olhando."},
                              headers={"Idempotency-Key": "outra-chave-1"})
        check(code == 200 and count() == start + 2, "another key is another message", count())
        code, _, _ = bia.post(url, {"body": "Sou a Bia, assumo daqui."}, headers=key)
        check(code == 200 and count() == start + 3,
              "the same key from another agent is theirs, not a repeat", count())

        again = {"Idempotency-Key": "depois-do-kill"}
        code, _, _ = ana.post(url, {"body": "Atualização: encontramos a causa."}, headers=again)
        check(code == 200 and count() == start + 4, "a reply with a new key", count())
        s.kill9("router")
        s.restart("router")
        code, _, _ = ana.post(url, {"body": "Atualização: encontramos a causa."}, headers=again)
        check(code == 200 and count() == start + 4,
              "sent again after kill -9 of the router: still one", (code, count()))

        esc = {"Idempotency-Key": "escalar-1"}
        body = {"reason": "Lentidão só no módulo fiscal", "tried": "Limpei o cache e reiniciei"}
        code1, b1, _ = ana.post("/desk/tickets/%d/escalate" % n, body, headers=esc)
        code2, b2, _ = ana.post("/desk/tickets/%d/escalate" % n, body, headers=esc)
        escalations = [e for e in s.replay("router") if e.type == "balcao.v1.TicketEscalated"]
        check(code1 == 200 and code2 == 200 and len(escalations) == 1,
              "an escalation repeated with its key escalates once", (code1, b1, code2, b2,
                                                                     len(escalations)))

        for bad in ("", "com espaço", "x" * 129, "acentuação"):
            code, b, _ = ana.post(url, {"body": "não deveria entrar"},
                                  headers={"Idempotency-Key": bad})
            check(code == 400 and "Idempotency-Key" in b["message"],
                  "a malformed key is a 400 (%r)" % bad[:12], (code, b))
        check(count() == start + 4, "and nothing was stored", count())
    log("test_idempotency passed")


if __name__ == "__main__":
    run_test(main)

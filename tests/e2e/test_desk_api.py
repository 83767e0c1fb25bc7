#!/usr/bin/python3
"""The dashboard's JSON API, /api/v1/desk/… (docs/API.md, "Staff: sign-in,
accounts and the dashboard"), over the real services, with staff signed in
over HTTP (CSRF and all) as a browser does.

Proves:
- every ticket action (take, assign, reply, note, phone, macro,
  request-info, open, reopen, close, resolve, category, priority, escalate,
  deescalate, merge, link) through HTTP, its effect visible in the desk
  ticket the action answers and in GET /desk/tickets/N; `balcao show`
  shows the same assignee, status, tier and priority;
- the counts, the queue's views and its bad parameters (400), the macros,
  a macro's preview being exactly what applying it sends, a file of an
  internal note downloaded, POST /desk/status;
- the router decides: an N1 agent assigning to someone else or taking an N2
  ticket gets its 403 with its sentence; a supervisor puts a ticket back in
  the queue (assign ""); a customer's session on /desk is 403, no session
  401;
- bad input (no body field, a wrong type, broken JSON, a non-numeric merge
  target) is 400 with a sentence in both languages, and nothing reaches the
  router (its log does not move);
- the timeline speaks to people, in pt-BR and English ("Ana Souza escalou
  para N2: …"), never a raw principal or an action's code name, and its
  details are the event's fields (an escalation's reason and tried);
- live: a staff stream gets `escalated` (with the tier) and `assigned`
  within 1 s of the action, `field` and `linked` too, internal notes'
  `message`; a supervisor's stream gets `person` when an agent's status
  changes.
"""

import json
import socket
import threading
import time

from harness import System, check, log, run_test, wait_until
from balcao.v1 import intake_pb2, router_pb2
from portal import Portal, sign_in, staff_sign_in

ADMIN = "admin:root@suporte.example"
ANA = "agent:ana@suporte.example"
BIA = "agent:bia@suporte.example"
GIL = "agent:gil@suporte.example"
SARA = "supervisor:sara@suporte.example"
RITA = "rita@loja.com.br"
CAIO = "caio@loja.com.br"
PASSWORD = "senha-do-painel-123"
SUBJECT = "Cliente não consegue emitir NF-e"


def staff(s, principal):
    return staff_sign_in(s, principal, PASSWORD)


def new_ticket(s, ext, address, subject, files=()):
    before = s.ticket_total()
    s.call("intake", intake_pb2.Submit(
        channel="api", external_id=ext, from_address=address,
        from_name=address.split("@")[0].title() + " Alves", subject=subject,
        body="Texto de " + subject, files=list(files)))
    wait_until(lambda: s.ticket_total() == before + 1, 20, "ticket %s" % ext, system=s)
    return before + 1


def act(p, number, action, body=None, status=200):
    code, answer, _ = p.post("/desk/tickets/%d/%s" % (number, action), body or {})
    check(code == status, "POST /desk/tickets/%d/%s answers %d" % (number, action, status),
          (code, answer))
    return answer


def desk(p, number):
    code, answer, _ = p.get("/desk/tickets/%d" % number)
    check(code == 200, "GET /desk/tickets/%d" % number, (code, answer))
    return answer


class Stream:
    """A staff SSE connection read by a thread: (data, monotonic time)."""

    def __init__(self, s, p):
        cookie = "; ".join("%s=%s" % (c.name, c.value) for c in p.jar)
        self.sock = socket.create_connection(("127.0.0.1", s.http_port), timeout=30)
        self.sock.sendall(("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Accept: text/event-stream\r\nCookie: %s\r\n\r\n" % cookie).encode())
        self.events = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf = b""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return
                buf += data
                for line in buf.split(b"\n")[:-1]:
                    text = line.decode(errors="replace").strip()
                    if text.startswith("data: "):
                        with self.lock:
                            self.events.append((json.loads(text[6:]), time.monotonic()))
                buf = buf.split(b"\n")[-1]
        except (OSError, ValueError):
            pass

    def wait(self, what, since, number, kind):
        def found():
            with self.lock:
                for data, when in self.events:
                    if when >= since and data.get("number") == number and data.get("kind") == kind:
                        return data, when
            return None
        wait_until(found, 5, what)
        return found()

    def close(self):
        self.sock.close()


def human(entry):
    """A timeline sentence shows no raw principal or code name."""
    for text in (entry["summary"], entry["summary_en"]):
        for raw in ("agent:", "supervisor:", "admin:", "(take)", "(assign)", "agent_reply",
                    "request_info", "→"):
            if raw in text:
                return False
    return True


def main():
    with System("desk-api") as s:
        s.start_all()
        for who, name, tier in ((ANA, "Ana Souza", "N1"), (BIA, "Bia Reis", "N1"),
                                (GIL, "Gil Prado", "N2"), (SARA, "Sara Nunes", "N2")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=name, email=who.split(":")[1], tier=tier, status="offline")),
                principal=ADMIN)
        log_file = intake_pb2.SubmitFile(filename="erro.log", content_type="text/plain",
                                         content=b"NF-e rejeitada: 539\n")
        t1 = new_ticket(s, "d-1", RITA, SUBJECT, files=[log_file])
        t2 = new_ticket(s, "d-2", RITA, "Boleto não chega")
        t3 = new_ticket(s, "d-3", CAIO, "Mesmo erro de NF-e")
        t4 = new_ticket(s, "d-4", RITA, "Boleto não chega (de novo)")

        log("who may: no session 401, a customer 403")
        visitor = Portal(s.http)
        code, body, _ = visitor.get("/desk/counts")
        check(code == 401 and body["error"] == "unauthorized", "no session: 401", (code, body))
        rita = sign_in(s, RITA)
        for path in ("/desk/counts", "/desk/queue", "/desk/tickets/%d" % t1, "/desk/macros"):
            code, body, _ = rita.get(path)
            check(code == 403 and body["error"] == "forbidden", "a customer on %s: 403" % path,
                  (code, body))
        code, body, _ = rita.post("/desk/tickets/%d/take" % t1, {})
        check(code == 403, "a customer's POST on /desk: 403", (code, body))

        ana, gil, sara = staff(s, ANA), staff(s, GIL), staff(s, SARA)
        code, body, _ = ana.post("/desk/tickets/%d/take" % t1, {}, csrf=False)
        check(code == 403 and body["error"] == "csrf", "a desk POST without the CSRF token: 403",
              (code, body))

        log("counts, queue, macros")
        code, counts, _ = ana.get("/desk/counts")
        check(code == 200 and counts["N1"] == 4 and counts["mine"] == 0
              and counts["open"]["N1"] == 4, "counts: four tickets waiting at N1", counts)
        code, queue, _ = ana.get("/desk/queue")
        check(code == 200 and [t["number"] for t in queue["tickets"]] == [t1, t2, t3, t4]
              and queue["total"] == 4 and queue["truncated"] is False,
              "the queue defaults to Ana's tier (N1)", queue)
        first = queue["tickets"][0]
        check(first["customer"]["address"] == RITA and first["assignee"] == ""
              and first["assignee_name"] is None and first["sla"]["target"] == "first_response"
              and first["sla"]["state"] == "ok" and first["sla"]["due_at"],
              "a desk summary: customer, no assignee, the first response's SLA", first)
        code, queue, _ = ana.get("/desk/queue?customer=" + CAIO)
        check([t["number"] for t in queue["tickets"]] == [t3], "the customer filter", queue)
        code, queue, _ = ana.get("/desk/queue?limit=1&offset=1")
        check([t["number"] for t in queue["tickets"]] == [t2] and queue["total"] == 4,
              "offset and limit page the queue", queue)
        for bad in ("view=todos", "tier=N4", "limit=0", "limit=201", "offset=x"):
            code, body, _ = ana.get("/desk/queue?" + bad)
            check(code == 400 and body["error"] == "invalid" and body["message_pt"],
                  "queue?%s: 400" % bad, (code, body))
        code, macros, _ = ana.get("/desk/macros")
        check(code == 200 and "pedir-print" in [m["id"] for m in macros["macros"]],
              "the macros", macros)

        log("take, reply, note, phone, category, priority")
        head = s.head_seq("router")
        t = act(ana, t1, "take")
        check(t["assignee"] == ANA and t["assignee_name"] == "Ana Souza", "take: Ana has it", t)
        t = act(ana, t1, "reply", {"body": "Olá, Rita! Vamos verificar."})
        last = t["messages"][-1]
        check(last["direction"] == "outbound" and last["internal"] is False
              and last["author_name"] == "Ana Souza" and t["status"] == "aberto",
              "reply: a public message; the ticket is aberto", last)
        check(t["sla"]["target"] == "resolution", "after the first response the SLA is resolution",
              t["sla"])
        t = act(ana, t1, "note", {"body": "Nota: certificado A1 vencido?"})
        check(t["messages"][-1]["direction"] == "internal" and t["messages"][-1]["internal"],
              "note: an internal message", t["messages"][-1])
        t = act(ana, t1, "phone", {"body": "Liguei: a cliente confirmou o erro 539."})
        check(t["messages"][-1]["channel"] == "phone"
              and t["messages"][-1]["direction"] == "outbound", "phone: a logged call",
              t["messages"][-1])
        inbound = t["messages"][0]
        check(inbound["direction"] == "inbound" and inbound["author_name"] == "Rita Alves"
              and len(inbound["attachments"]) == 1, "the customer's message with its file",
              inbound)
        code, data, headers = ana.request("GET", inbound["attachments"][0]["url"])
        raw = ana.opener.open(ana.base + inbound["attachments"][0]["url"]).read()
        check(raw == b"NF-e rejeitada: 539\n", "the file downloads from its url", raw)
        t = act(ana, t1, "category", {"category": "erro"})
        check(t["category"] == "erro", "category: erro", t["category"])
        t = act(ana, t1, "priority", {"priority": "urgente", "reason": "Faturamento parado"})
        check(t["priority"] == "urgente", "priority: urgente", t["priority"])
        check(s.head_seq("router") > head, "the actions reached the router's log")

        log("bad input: 400, nothing sent")
        head = s.head_seq("router")
        count = len(desk(ana, t1)["messages"])
        for action, body in (("reply", {}), ("reply", {"body": 42}), ("note", {"body": "  "}),
                             ("merge", {"into": "x"}), ("link", {"problem": -1}),
                             ("priority", {}), ("escalate", {"tried": "x"}),
                             ("escalate", {"reason": "x", "attachments": ["nao-e-sha"]}),
                             ("assign", {}), ("request-info", {"text": None})):
            code, answer, _ = ana.post("/desk/tickets/%d/%s" % (t1, action), body)
            check(code == 400 and answer["error"] == "invalid" and answer["message"]
                  and answer["message_pt"], "%s %s: 400 with a sentence" % (action, body),
                  (code, answer))
        code, answer, _ = ana.post("/desk/tickets/%d/reply" % t1, raw=b'{"body": "sem fim')
        check(code == 400 and answer["error"] == "invalid", "broken JSON: 400", (code, answer))
        code, answer, _ = ana.post("/desk/tickets/%d/reply" % t1, raw=b'["body"]')
        check(code == 400, "a JSON array: 400", (code, answer))
        check(s.head_seq("router") == head and len(desk(ana, t1)["messages"]) == count,
              "nothing stored for bad input")

        log("macro preview = what applying sends")
        code, preview, _ = ana.get("/desk/tickets/%d/macros/pedir-print/preview" % t1)
        check(code == 200 and "Rita" in preview["text"] and "{{" not in preview["text"]
              and preview["action"] == "request_info", "the preview fills the placeholders",
              preview)
        code, none, _ = ana.get("/desk/tickets/%d/macros/nao-existe/preview" % t1)
        check(code in (400, 404), "an unknown macro is the router's refusal", (code, none))
        t = act(ana, t1, "macro", {"macro": "pedir-print"})
        check(t["messages"][-1]["body"] == preview["text"]
              and t["status"] == "aguardando_cliente", "macro: the previewed text, sent", t)
        t = act(ana, t1, "open")
        check(t["status"] == "aberto", "open: aberto again", t["status"])
        t = act(ana, t1, "request-info", {"text": "Envie o XML da nota"})
        check(t["status"] == "aguardando_cliente" and t["sla"]["state"] == "paused",
              "request-info: waiting on the customer, the clock paused", t)
        act(ana, t1, "open")

        log("the router decides: 403 for an N1 agent")
        code, body, _ = ana.post("/desk/tickets/%d/assign" % t2, {"agent": BIA})
        check(code == 403 and body["error"] == "forbidden" and "supervisor" in body["message"],
              "an agent assigning to another: the router's 403", (code, body))

        log("escalate, live")
        sg = Stream(s, gil)
        sa = Stream(s, ana)
        time.sleep(0.3)
        since = time.monotonic()
        t = act(ana, t1, "escalate", {"reason": SUBJECT, "tried": "Reenviar a nota",
                                      "attachments": []})
        check(t["tier"] == "N2", "escalate: at N2", t["tier"])
        data, when = sg.wait("Gil's stream: escalated", since, t1, "escalated")
        check(when - since < 1.0 and data.get("tier") == "N2",
              "the escalation on an N2 agent's stream within 1 s, with its tier",
              (data, when - since))
        entries = [e for e in t["timeline"] if e["type"] == "TicketEscalated"]
        check(entries, "the escalation is in the timeline", t["timeline"])
        entry = entries[-1]
        check(entry["summary"] == "Ana Souza escalou para N2: " + SUBJECT
              and entry["summary_en"] == "Ana Souza escalated to N2: " + SUBJECT,
              "the escalation in words, pt-BR and English", entry)
        check(entry["details"].get("reason") == SUBJECT
              and entry["details"].get("tried") == "Reenviar a nota"
              and entry["details"].get("from_tier") == "N1", "its details: the event's fields",
              entry["details"])
        code, body, _ = ana.post("/desk/tickets/%d/take" % t1, {})
        check(code == 403 and body["error"] == "forbidden",
              "an N1 agent taking an N2 ticket: the router's 403", (code, body))

        since = time.monotonic()
        t = act(gil, t1, "take")
        data, when = sa.wait("Ana's stream: assigned", since, t1, "assigned")
        check(when - since < 1.0, "the assignment on a staff stream within 1 s", when - since)
        t = act(gil, t1, "deescalate", {"note": "Era configuração do certificado"})
        check(t["tier"] == "N1", "deescalate: back at N1", t["tier"])

        log("a supervisor assigns and puts back in the queue")
        t = act(sara, t1, "assign", {"agent": ANA})
        check(t["assignee"] == ANA, "assign: to Ana", t["assignee"])
        t = act(sara, t1, "assign", {"agent": ""})
        check(t["assignee"] == "", "assign \"\": back in the queue", t)
        entry = [e for e in t["timeline"] if e["type"] == "TicketAssigned"][-1]
        check(entry["summary"] == "Sara Nunes devolveu o chamado à fila do N1"
              and entry["summary_en"] == "Sara Nunes put the ticket back in the N1 queue",
              "the queue in words", entry)
        code, body, _ = sara.post("/desk/tickets/%d/take" % t1, {})
        check(code == 403 and body["message_pt"].startswith("só agentes assumem")
              and body["message"].startswith("only agents take"),
              "a supervisor taking: 403 with one sentence per language", (code, body))
        code, body, _ = sara.post("/desk/status", {"status": "online"})
        check(code == 403 and "disponibilidade" in body["message_pt"]
              and "availability" in body["message"], "a supervisor's status: 403, plainly",
              (code, body))
        act(ana, t1, "take")
        code, body, _ = gil.post("/desk/tickets/%d/assign" % t1, {"agent": ""})
        check(code == 403, "an agent cannot put someone else's ticket back in the queue",
              (code, body))
        t = act(ana, t1, "assign", {"agent": ""})
        check(t["assignee"] == "", "its own agent puts it back in the queue", t["assignee"])

        log("resolve, reopen, close")
        act(ana, t1, "take")
        t = act(ana, t1, "resolve", {"text": "Certificado renovado", "fix_reference": ""})
        check(t["status"] == "resolvido" and t["resolution"] == "Certificado renovado"
              and t["resolved_by"] == ANA, "resolve", t)
        t = act(ana, t1, "reopen", {"text": "Voltou a falhar"})
        check(t["status"] == "reaberto", "reopen", t["status"])
        act(ana, t1, "resolve", {"text": "Certificado renovado de novo"})
        t = act(ana, t1, "close")
        check(t["status"] == "fechado", "close", t["status"])
        code, body, _ = ana.post("/desk/tickets/%d/open" % t1, {})
        check(code == 409 and body["error"] == "conflict" and body["message_pt"],
              "an illegal move: the router's 409", (code, body))

        log("link and merge")
        ss = Stream(s, sara)
        time.sleep(0.3)
        act(ana, t3, "take")
        code, mine, _ = ana.get("/desk/queue?view=mine")
        check(code == 200 and [x["number"] for x in mine["tickets"]] == [t3],
              "view=mine: Ana's tickets", mine)
        code, waiting, _ = ana.get("/desk/queue?view=waiting")
        check(code == 200 and waiting["tickets"] == [] and waiting["total"] == 0,
              "view=waiting: none of hers waits on the customer", waiting)
        code, opened, _ = sara.get("/desk/queue?view=open&tier=N1")
        check(code == 200 and {x["number"] for x in opened["tickets"]} == {t2, t3, t4},
              "view=open&tier=N1: every unresolved N1 ticket, assigned or not", opened)
        since = time.monotonic()
        act(ana, t3, "priority", {"priority": "alta"})
        data, _ = sg.wait("a staff stream: field", since, t3, "field")
        since = time.monotonic()
        t = act(ana, t3, "link", {"problem": t2})
        sg.wait("a staff stream: linked", since, t3, "linked")
        check(t["number"] == t3 and t["problem"] == t2, "link: #%d is an incident of #%d" % (t3, t2),
              t["problem"])
        act(ana, t4, "take")
        t = act(ana, t4, "merge", {"into": t2})
        check(t["number"] == t2 and t["incident_count"] == 1,
              "merge answers the ticket merged into", t["number"])
        check(desk(ana, t4)["merged_into"] == t2, "the duplicate says where it went")
        copied = [m["copied_from"] for m in t["messages"]]
        check(copied.count(t4) >= 1 and copied[0] is None,
              "the survivor's messages: the copies say they came from #%d, its own say nothing"
              % t4, copied)
        others = [c["number"] for c in t["customer_tickets"]]
        check(others == [t4, t1], "the customer's other tickets, newest first", others)

        log("the timeline speaks to people")
        t = desk(ana, t1)
        types = [e["type"] for e in t["timeline"]]
        for want in ("TicketCreated", "TicketAssigned", "MessageAppended", "TicketStatusChanged",
                     "TicketFieldChanged", "TicketEscalated"):
            check(want in types, "the timeline has %s" % want, types)
        bad = [e for e in t["timeline"] if not human(e)]
        check(not bad, "no raw principal or code name in any sentence", bad)
        said = [e["summary"] for e in t["timeline"]]
        said_en = [e["summary_en"] for e in t["timeline"]]
        for pt, en in (("Ana Souza assumiu o chamado", "Ana Souza took the ticket"),
                       ("Ana Souza adicionou uma nota interna", "Ana Souza added an internal note"),
                       ("Ana Souza mudou a prioridade de normal para urgente: Faturamento parado",
                        "Ana Souza changed the priority from normal to urgent: Faturamento parado"),
                       ("O chamado está na fila do N2, aguardando um agente",
                        "The ticket is in the N2 queue, waiting for an agent"),
                       ("Rita Alves abriu o chamado pela API: " + SUBJECT,
                        "Rita Alves opened the ticket through the API: " + SUBJECT),
                       ("Gil Prado devolveu o chamado para o N1: Era configuração do certificado",
                        "Gil Prado sent the ticket back to N1: Era configuração do certificado"),
                       ("Sara Nunes atribuiu o chamado a Ana Souza",
                        "Sara Nunes assigned the ticket to Ana Souza"),
                       ("Ana Souza resolveu o chamado: Certificado renovado",
                        "Ana Souza resolved the ticket: Certificado renovado")):
            check(pt in said and en in said_en, "the timeline says: %s" % en, (said, said_en))

        log("the CLI shows the same truth")
        r = s.run_tool("balcao", ["show", str(t3)], env={"BALCAO_PRINCIPAL": ANA,
                                                          "BALCAO_LANG": "pt-BR"})
        out = r.stdout.decode()
        t = desk(ana, t3)
        check(r.returncode == 0 and "[%s]" % t["status"] in out and t["tier"] in out
              and "Responsável: %s" % t["assignee"] in out
              and "Incidente do problema #%d" % t["problem"] in out,
              "`balcao show` and GET /desk/tickets/N agree", (out, t))

        since = time.monotonic()
        act(ana, t3, "note", {"body": "Mesmo caso do problema"})
        sg.wait("Gil's stream: Ana's internal note", since, t3, "message")

        log("status")
        since = time.monotonic()
        code, person, _ = ana.post("/desk/status", {"status": "away"})
        check(code == 200 and person["status"] == "away" and person["id"] == ANA,
              "POST /desk/status: away", (code, person))
        data, _ = ss.wait("Sara's stream: person", since, None, "person")
        check(data.get("person") == ANA, "a supervisor's stream: the person who changed", data)
        time.sleep(0.5)
        for name, stream in (("Ana", sa), ("Gil", sg)):
            with stream.lock:
                people = [d for d, _ in stream.events if d.get("kind") == "person"]
            check(not people, "%s's stream (an agent's, sharing the agents' feed) gets no "
                  "people's records" % name, people)
        code, body, _ = ana.post("/desk/status", {"status": "dormindo"})
        check(code == 400, "an unknown status: 400", (code, body))
        sg.close()
        sa.close()
        ss.close()
        s.check_alive()


if __name__ == "__main__":
    run_test(main)

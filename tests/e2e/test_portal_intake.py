#!/usr/bin/python3
"""What a portal message is on the bus (issue 13, the bus side).

Proves, over the bus with the real intake and router:
- a Submit by fields with files and a category opens a ticket in that
  category (with the category's priority and tier), its files stored as an
  e-mail's are (GetAttachment gives back the same bytes, the same file twice
  is one), MessageReceived carries the files and the category;
- an unknown category is ignored (the ticket is "geral");
- the same external_id twice is one message;
- a Submit naming its ticket from the ticket's customer is appended there,
  with its file; from someone who may not read the ticket (the router's own
  check, behind the gateway's) it opens a new ticket and the first one is
  unchanged; an organization colleague who follows the organization's
  tickets may write on it;
- files over intake's limits (per file, per message) are refused with
  attachment_too_large and a sentence in both languages, and nothing is
  stored: no ticket, no file, no event (the portal answers the customer at
  once, so no AttachmentRejected mail), and the service keeps running.
"""

import hashlib
import os

from harness import BusError, System, check, intake_pb2, router_pb2, run_test, wait_until

LIMITS = {"intake": "    max_attachment_bytes = 100000\n"
                    "    max_message_attachments_bytes = 150000\n"}


def portal(s, external_id, subject="", body="", files=(), ticket=0, category="",
           from_address="ana@cliente.test", from_name="Ana"):
    return s.call("intake", intake_pb2.Submit(
        channel="portal", external_id=external_id, from_address=from_address,
        from_name=from_name, subject=subject, body=body, language="pt-BR", ticket=ticket,
        category=category,
        files=[intake_pb2.SubmitFile(filename=n, content_type=t, content=c) for n, t, c in files]),
        principal="service:gateway")


def stored_files(s):
    root = os.path.join(s.var, "intake", "attachments")
    found = []
    for _dirpath, _dirs, names in os.walk(root):
        found += [n for n in names if not n.startswith(".")]
    return sorted(found)


def events(s, svc, name):
    full = "balcao.v1." + name
    return [e for e in s.replay(svc) if e.type == full]


def main():
    with System("portal_intake", extra_config=LIMITS) as s:
        s.start_all()
        admin = "admin:e2e"
        for pid, org, sees in (("customer:ana@cliente.test", "Cliente A", False),
                               ("customer:chefe@cliente.test", "Cliente A", True),
                               ("customer:colega@cliente.test", "Cliente A", False)):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=pid, name=pid, email=pid[9:], organization=org, sees_organization=sees)),
                principal=admin)

        log_png = b"\x89PNG\r\n\x1a\n" + os.urandom(4000)
        notes = "linha 1\nlinha 2\n".encode()
        r = portal(s, "portal:aaa", "Não consigo entrar", "Minha senha não funciona.",
                   files=[("tela <1>.png", "image/png", log_png),
                          ("notas.txt", "text/plain", notes),
                          ("cópia.png", "image/png", log_png)],
                   category="seguranca")
        check(not r.duplicate and r.message_ref.startswith("m"), "intake accepts a portal message")
        wait_until(lambda: s.ticket_total() == 1, 20, "the ticket", system=s)
        t = s.ticket(1)
        check((t.category, t.priority, t.tier) == ("seguranca", "urgente", "N3"),
              "the customer's category, with its priority and tier", str(t))
        check(t.channel == "portal" and t.origin_message_id == "portal:aaa",
              "the ticket says it came by the portal, with the submitter's id")
        files = t.messages[0].attachments
        check([(a.filename, a.content_type, a.size) for a in files]
              == [("tela <1>.png", "image/png", len(log_png)),
                  ("notas.txt", "text/plain", len(notes))],
              "the files are on the first message (the same bytes twice are one file)",
              [(a.filename, a.size) for a in files])
        got = s.call("intake", intake_pb2.GetAttachment(sha256=files[0].sha256),
                     principal="service:gateway")
        check(got.content == log_png and files[0].sha256 == hashlib.sha256(log_png).hexdigest(),
              "intake gives back the very bytes under their SHA-256")
        received = [intake_pb2.MessageReceived.FromString(e.payload)
                    for e in events(s, "intake", "MessageReceived")]
        check(received[0].category == "seguranca" and len(received[0].attachments) == 2,
              "MessageReceived carries the category and the files")

        r2 = portal(s, "portal:aaa", "Não consigo entrar", "Minha senha não funciona.")
        check(r2.duplicate and r2.message_ref == r.message_ref,
              "the same external_id again is the same message")

        portal(s, "portal:bbb", "Outra coisa", "Texto.", category="impressoras")
        wait_until(lambda: s.ticket_total() == 2, 20, "the second ticket", system=s)
        check(s.ticket(2).category == "geral", "an unknown category is ignored")

        extra = b"segundo arquivo " * 10
        portal(s, "portal:ccc", body="Segue mais um arquivo.", ticket=1,
               files=[("mais.txt", "text/plain", extra)])
        wait_until(lambda: s.ticket(1).message_count == 2, 20, "the reply on ticket 1", system=s)
        t = s.ticket(1)
        check(t.messages[1].body == "Segue mais um arquivo."
              and [a.filename for a in t.messages[1].attachments] == ["mais.txt"],
              "the customer's reply joins the ticket it names, with its file")

        before = s.ticket(1)
        portal(s, "portal:ddd", "Invasão", "Quero ver o chamado 1.", ticket=1,
               from_address="intruso@outro.test", from_name="Intruso")
        wait_until(lambda: s.ticket_total() == 3, 20, "the intruder's own ticket", system=s)
        after = s.ticket(1)
        check(after.message_count == before.message_count and after.updated_us == before.updated_us,
              "a message naming someone else's ticket does not touch it")
        check(s.ticket(3).customer_address == "intruso@outro.test",
              "it opens a ticket of its own")
        check("event=thread_refused ticket=1" in s.log_text("router"),
              "the router logs the refusal")
        # A colleague of the same organization who does not follow its
        # tickets may not read ticket 1: by the portal, not on it either
        # (by e-mail a colleague's answer still threads).
        portal(s, "portal:colega", "Também", "Posso escrever aí?", ticket=1,
               from_address="colega@cliente.test", from_name="Colega")
        wait_until(lambda: s.ticket_total() == 4, 20, "the colleague's own ticket", system=s)
        check(s.ticket(1).message_count == before.message_count
              and s.ticket(4).customer_address == "colega@cliente.test",
              "by the portal, only who may read a ticket writes on it")

        portal(s, "portal:eee", body="Sou a chefe da Ana, acompanho este.", ticket=1,
               from_address="chefe@cliente.test", from_name="Chefe")
        wait_until(lambda: s.ticket(1).message_count == 3, 20, "the colleague's message",
                   system=s)
        check(s.ticket_total() == 4, "a colleague who follows the organization writes on it")

        files_before = stored_files(s)
        intake_events = len(s.replay("intake"))
        for name, parts in (("file", [("grande.bin", "application/octet-stream",
                                       os.urandom(100001))]),
                            ("message", [("a.bin", "", os.urandom(80000)),
                                         ("b.bin", "", os.urandom(80000))])):
            try:
                portal(s, "portal:big-" + name, "Arquivo grande", "Segue.", files=parts)
                check(False, "files over the %s limit are refused" % name)
            except BusError as e:
                check(e.code == "attachment_too_large" and "limit" in e.message,
                      "files over the %s limit: attachment_too_large" % name, e.message)
        check(stored_files(s) == files_before, "no file of a refused message is stored")
        check(len(s.replay("intake")) == intake_events,
              "no event for a refused portal message (no mail to the customer)")
        check(s.ticket_total() == 4, "no ticket for a refused message")
        portal(s, "portal:fff", "Depois", "Ainda aqui.")
        wait_until(lambda: s.ticket_total() == 5, 20, "the next message", system=s)
        check(s.ticket(5).subject == "Depois", "intake and the router keep working")


if __name__ == "__main__":
    run_test(main)

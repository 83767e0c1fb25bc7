#!/usr/bin/python3
"""LGPD erasure (issue 18): `balcao lgpd erase` anonymises a customer
everywhere, and the raw files prove it.

A customer with a name, e-mail address, phone, CPF and a phrase no one
else writes opens a ticket by e-mail with an attached file, gets an
answer that names them, has it resolved, accepts and rates it; another
customer's ticket is the control. Then, as an admin, `balcao lgpd erase`
(notify stopped on the way and one service made to crash between its
commit and its compaction), and it proves:
  - the CLI's answer and the audit (`balcao lgpd log`): who, when, why;
    an agent may not erase; the same request again changes nothing;
  - every raw file under every service's data directory (LMDB stores,
    Xapian indexes, the outbox's .eml files, attachments), and a backup
    made afterwards, holds neither the name, the address, the phone, the
    CPF (with or without punctuation) nor the phrase, in any case, while
    the control customer's phrase is still there (the grep works);
  - the attached file is gone; the ticket keeps its number, status, tier,
    CSAT score and the report's figures are the same as before;
  - notify, down during the erasure, scrubs when it comes back; the
    service that crashed before compacting compacts when it starts;
  - the person's later e-mail, even an answer to our old mail, opens a
    new ticket unrelated to the erased one.
"""

import datetime
import json
import os
import subprocess
from zoneinfo import ZoneInfo

import rawfiles
from harness import System, check, log, run_test, wait_until
from rawfiles import holds
from balcao.v1 import intake_pb2, kb_pb2, router_pb2

ADMIN = "admin:root@suporte.example"
AGENT = "agent:bruno@suporte.example"
SUPERVISOR = "supervisor:sara@suporte.example"
NAME = "Joana Prudêncio Albuquerque"
EMAIL = "joana.albuquerque@cliente-lgpd.com.br"
PERSON = "customer:" + EMAIL
PHONE = "+55 11 98765-4321"
CPF = "529.982.247-25"
PHRASE = "girassol quântico sete sete três um"
WA_PHRASE = "capivara sideral oito"
ELSEWHERE = "lhama geométrica nove"
CONTROL = "pinguim estatístico nove dois"


def mail(message_id, subject, body, sender=(NAME, EMAIL), attach=None, in_reply_to=None,
         cc=None):
    boundary = "b-lgpd-1"
    head = ["From: %s <%s>" % sender, "To: suporte@balcao.test", "Subject: %s" % subject,
            "Message-ID: <%s>" % message_id, "MIME-Version: 1.0"]
    if cc:
        head.append("Cc: %s <%s>" % cc)
    if in_reply_to:
        head += ["In-Reply-To: <%s>" % in_reply_to, "References: <%s>" % in_reply_to]
    if not attach:
        head += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        return ("\r\n".join(head) + "\r\n\r\n" + body + "\r\n").encode()
    name, data = attach
    head.append('Content-Type: multipart/mixed; boundary="%s"' % boundary)
    parts = ["--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n" % (boundary, body),
             "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Disposition: attachment; filename=\"%s\"\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n" % (boundary, name, data),
             "--%s--\r\n" % boundary]
    return ("\r\n".join(head) + "\r\n\r\n" + "".join(parts)).encode()


def needles():
    """What must be nowhere, as bytes, each spelling a file may hold."""
    words = [NAME, EMAIL, PHONE, CPF, CPF.replace(".", "").replace("-", ""), "5511987654321",
             "98765-4321", PHRASE, WA_PHRASE, ELSEWHERE, "Prudêncio", "joana.albuquerque"]
    out = set()
    for w in words:
        for form in (w, w.lower(), w.upper()):
            out.add(form.encode())
            out.add(form.encode("latin-1", "ignore"))
    return [n for n in out if len(n) >= 6]


def grep_tree(root):
    """{file: [needles found]} over every file under root."""
    return rawfiles.grep_tree(root, needles())


def cli(s, principal, *args):
    r = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": principal, "BALCAO_LANG": "pt-BR"})
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def report(s):
    day = datetime.datetime.now(ZoneInfo("America/Sao_Paulo")).strftime("%Y-%m-%d")
    r = s.call("router", router_pb2.GetReport(from_day=day, group_by="tier"),
               principal=SUPERVISOR)
    return [(g.key, g.created, g.first_responses, g.resolved, g.closed, list(g.csat),
             g.first_response_met, g.resolution_met) for g in [r.total, *r.groups]]


def main():
    extra = {"router": "    cursor_report_s = 1", "intake": "    cursor_report_s = 1",
             "kb": "    cursor_report_s = 1", "notify": "    cursor_report_s = 1",
             "gateway": "    erasure_sync_s = 1"}
    with System("lgpd-erase", extra_config=extra) as s:
        s.start_all()
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=PERSON, name=NAME, email=EMAIL, phone=PHONE, tax_id=CPF)), principal=ADMIN)
        for who, tier in ((AGENT, "N1"), (SUPERVISOR, "N1")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=who.split(":")[1], email=who.split(":")[1], tier=tier)),
                principal=ADMIN)

        for address, name in ((EMAIL, NAME), ("marcos@outra-empresa.com.br", "Marcos Outro")):
            r = s.run_tool("balcao-gateway", ["account-add", address, name],
                           input=b"uma senha bem longa 123\n")
            check(r.returncode == 0, "%s has a portal account" % name, r.stderr)
        r = s.mailgate(mail("lgpd-1@cliente-lgpd.com.br", "Nota fiscal rejeitada",
                            "Bom dia, sou %s (CPF %s, telefone %s). A nota não sai: %s."
                            % (NAME, CPF, PHONE, PHRASE),
                            attach=("comprovante-joana.txt", "Comprovante de %s, CPF %s, %s"
                                    % (NAME, CPF, PHRASE))))
        check(r.returncode == 0, "the customer's e-mail is accepted", r.stderr)
        # Marcos copies her on his ticket; she answers on it.
        r = s.mailgate(mail("marcos-1@outra-empresa.com.br", "Boleto duplicado",
                            "Recebi dois boletos: " + CONTROL,
                            sender=("Marcos Outro", "marcos@outra-empresa.com.br"),
                            cc=(NAME, EMAIL)))
        check(r.returncode == 0, "Marcos's e-mail is accepted", r.stderr)
        wait_until(lambda: s.ticket_total() == 2, 20, "two tickets", system=s)
        r = s.mailgate(mail("lgpd-3@cliente-lgpd.com.br", "Re: Boleto duplicado",
                            "Confirmo o que o Marcos disse: " + ELSEWHERE,
                            in_reply_to="marcos-1@outra-empresa.com.br"))
        check(r.returncode == 0, "her answer on Marcos's ticket is accepted", r.stderr)
        # She also wrote on WhatsApp, from the phone her record names (the
        # bot answers: a conversation in kb, no ticket).
        s.call("intake", intake_pb2.Submit(
            channel="whatsapp", external_id="wamid.lgpd-1", from_address="whatsapp:+5511987654321",
            from_name=NAME, body="Oi! " + WA_PHRASE,
            whatsapp=intake_pb2.WhatsAppDetails(wa_id="5511987654321")))
        wait_until(lambda: holds(os.path.join(s.var, "kb"), WA_PHRASE), 20,
                   "kb's bot holds her WhatsApp conversation", system=s)
        tickets = {t.customer_address: t.number for t in s.all_tickets()}
        mine, other = tickets[EMAIL], tickets["marcos@outra-empresa.com.br"]
        wait_until(lambda: len(s.ticket(other).messages) == 2, 20,
                   "her answer joined Marcos's ticket", system=s)
        t = s.ticket(mine)
        check(len(t.messages[0].attachments) == 1, "the file came with the message")
        sha = t.messages[0].attachments[0].sha256
        s.call("router", router_pb2.AssignTicket(number=mine), principal=AGENT)
        s.call("router", router_pb2.AddMessage(
            number=mine, body="Olá, %s! Reemitimos a nota do CPF %s." % (NAME, CPF)),
            principal=AGENT)
        s.call("router", router_pb2.TicketAction(number=mine, action="resolve",
                                                 text="Nota reemitida."), principal=AGENT)
        s.call("router", router_pb2.TicketAction(number=mine, action="accept"), principal=PERSON)
        s.call("router", router_pb2.Rate(number=mine, score=5, comment="Ótimo, " + PHRASE),
               principal=PERSON)
        wait_until(lambda: [h.ticket for h in s.call("kb", kb_pb2.SearchTickets(
            query="girassol quântico")).hits] == [mine], 20, "kb indexed the ticket", system=s)
        wait_until(lambda: holds(s.mail_dir, "Reemitimos"), 20, "notify mailed the answer",
                   system=s)
        check(grep_tree(s.var), "before: the data holds the person (the grep finds it)")
        before = report(s)

        # Export first (access and portability): what every service holds.
        rc, out, err = cli(s, AGENT, "lgpd", "export", PERSON, "--reason", "pedido",
                           "--out", os.path.join(s.dir, "agent-export"))
        check(rc != 0 and "administrador" in err, "an agent may not export", (rc, err))
        export = os.path.join(s.dir, "export")
        rc, out, err = cli(s, ADMIN, "lgpd", "export", PERSON, "--reason",
                           "pedido de acesso, protocolo 2026-76", "--out", export)
        check(rc == 0 and "manifest.json" in out, "the CLI writes the export", (rc, out, err))
        with open(os.path.join(export, "manifest.json")) as f:
            manifest = json.load(f)
        parts = {p["file"]: p["service"] for p in manifest["parts"]}
        check(manifest["person"] == PERSON and manifest["audit"] == "e1"
              and parts.get("router.json") == "router" and parts.get("notify.json") == "notify"
              and parts.get("kb.json") == "kb" and not manifest["not_included"]
              and any(f.startswith("files/") and f.endswith("comprovante-joana.txt")
                      and v == "intake" for f, v in parts.items()),
              "the manifest lists what came from where", manifest)
        with open(os.path.join(export, "router.json")) as f:
            router = json.load(f)
        t = router["tickets"][0]
        check(router["person"]["tax_id"] == "52998224725" and router["person"]["name"] == NAME
              and t["number"] == mine and t["csat_score"] == 5
              and PHRASE in t["messages"][0]["body"]
              and any("Reemitimos" in m["body"] for m in t["messages"]),
              "router.json: her record, her ticket with every message and her rating",
              router["person"])
        with open(os.path.join(export, "notify.json")) as f:
            notes = json.load(f)["entries"]
        check(any("Reemitimos" in e.get("mail", "") for e in notes),
              "notify.json: the mail we sent her, as sent", [e.get("state") for e in notes])
        attached = [f for f in os.listdir(os.path.join(export, "files"))]
        with open(os.path.join(export, "files", attached[0]), encoding="utf-8") as f:
            check(PHRASE in f.read(), "the file she sent, byte for byte")

        # An agent may not; an admin must confirm.
        rc, out, err = cli(s, AGENT, "lgpd", "erase", PERSON, "--reason", "pedido", "--yes")
        check(rc != 0 and "administradores" in err, "an agent may not erase", (rc, err))
        rc, out, err = cli(s, ADMIN, "lgpd", "erase", PERSON, "--reason", "pedido")
        check(rc == 2 and "não se desfaz" in err, "without --yes: it says it cannot be undone",
              err)

        # notify down, kb crashing between its commit and its compaction.
        s.stop("notify")
        s.stop("kb")
        s.start("kb", env={"BALCAO_FAILPOINT_COMPACT": "1"})
        rc, out, err = cli(s, ADMIN, "lgpd", "erase", PERSON, "--reason",
                           "pedido da titular, protocolo 2026-77", "--yes")
        check(rc == 0 and "Anonimizado (e2): 1 chamado(s)" in out,
              "the CLI says what was anonymised", (rc, out, err))
        wait_until(lambda: s.procs["kb"].poll() is not None, 20,
                   "kb crashes before compacting (failpoint)", system=None)
        s.procs.pop("kb")
        s.start("kb")
        s.start("notify")
        for svc in ("intake", "kb", "notify"):
            wait_until(lambda: "event=person_erased erasure=e2" in s.log_text(svc), 30,
                       "%s applied the erasure" % svc, system=s)
        wait_until(lambda: "accounts_deleted=1" in s.log_text("gateway"), 30,
                   "the gateway deleted her portal account", system=s)
        for svc in ("router", "intake", "kb", "notify", "gateway"):
            wait_until(lambda: "event=store_compacted" in s.log_text(svc), 30,
                       "%s compacted its store" % svc, system=s)
        check("at_start=1" in s.log_text("kb"), "kb compacted at start after the crash")
        wait_until(lambda: "reason=erasure" in s.log_text("kb"), 30, "kb compacted its index",
                   system=s)

        found = grep_tree(s.var)
        check(not found, "no raw file under the data directories holds the person", found)
        check(holds(s.var, CONTROL) and holds(os.path.join(s.var, "gateway"), "Marcos Outro"),
              "the other customer's words and portal account are still there (the grep works)")
        files = [f for _, _, fs in os.walk(os.path.join(s.var, "intake", "attachments"))
                 for f in fs]
        check(sha not in files, "the attached file is deleted", files)

        t = s.ticket(mine)
        check(t.status == "fechado" and t.csat_score == 5 and t.tier == "N1"
              and t.customer_name == "Titular anonimizado"
              and all(m.body == "[removido (LGPD)]" for m in t.messages)
              and t.customer_address == "titular-e2",
              "the ticket keeps status, tier and score; its texts and names are gone",
              (t.status, t.csat_score, t.customer_name, t.customer_address,
               [m.body for m in t.messages]))
        t = s.ticket(other)
        check(t.messages[0].body.strip().endswith(CONTROL) and t.customer_name == "Marcos Outro"
              and t.messages[1].body == "[removido (LGPD)]"
              and t.messages[1].author == "titular-e2" and EMAIL not in list(t.copied),
              "Marcos's ticket keeps his words; hers on it are gone, and so is her address",
              ([m.body for m in t.messages], [m.author for m in t.messages], list(t.copied)))
        check(report(s) == before, "the report's figures are the same", (before, report(s)))
        rc, out, err = cli(s, AGENT, "show", str(mine))
        check(rc == 0 and NAME not in out and "[removido (LGPD)]" in out,
              "an agent sees the anonymised ticket", out)
        check([h.ticket for h in s.call("kb", kb_pb2.SearchTickets(
            query="girassol quântico")).hits] == [], "kb's search no longer finds the phrase")

        rc, out, err = cli(s, ADMIN, "lgpd", "log")
        check(rc == 0 and "e2" in out and "anonimização" in out and "exportação" in out
              and ADMIN in out and "protocolo 2026-77" in out and "protocolo 2026-76" in out
              and EMAIL not in out,
              "the audit says who, when and why for both, without the address", out)
        rc, out, err = cli(s, ADMIN, "lgpd", "erase", PERSON, "--reason", "de novo", "--yes")
        check(rc == 0 and "já foi anonimizado (e2)" in out, "the same request again changes "
              "nothing", out)

        backup = os.path.join(s.dir, "backup")
        r = s.run_tool("balcaoctl", ["backup", backup], timeout=120)
        check(r.returncode == 0, "a backup afterwards", r.stderr)
        found = grep_tree(backup)
        check(not found, "the backup holds nothing of the person", found)

        # Her next e-mail, an answer to our old mail: a new, unrelated ticket.
        r = s.mailgate(mail("lgpd-2@cliente-lgpd.com.br", "Re: Nota fiscal rejeitada [#%d]" % mine,
                            "Outra dúvida.", in_reply_to="lgpd-1@cliente-lgpd.com.br"))
        check(r.returncode == 0, "her later e-mail is accepted", r.stderr)
        wait_until(lambda: s.ticket_total() == 3, 20, "a third ticket", system=s)
        t3 = max(t.number for t in s.all_tickets())
        t = s.ticket(t3)
        check(t.customer_address == EMAIL and t.previous == 0 and not t.mentions
              and len(s.ticket(mine).messages) == 2,
              "her later e-mail opens a new record, unrelated to the erased ticket",
              (t.customer_address, t.previous, t.mentions))
        subprocess.run(["sync"])
        s.check_alive()
        log("lgpd erase: ok")


if __name__ == "__main__":
    run_test(main)

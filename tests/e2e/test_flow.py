#!/usr/bin/python3
"""End-to-end flow of one customer e-mail through the whole system.

Proves that a pt-BR e-mail with an RFC 2047 ISO-8859-1 subject and a UTF-8
quoted-printable body, piped through balcao-mailgate:
  - is accepted (exit 0) and opens ticket #1 in the router with the decoded
    subject, the sender's address and name, status novo / tier N1 / category
    geral / priority normal, and the decoded body;
  - gets an acknowledgement t1-ack.eml from notify ("Recebemos seu chamado #1",
    [Chamado #1] in the subject, In-Reply-To the customer's Message-ID,
    Auto-Submitted set);
  - is found by the kb for a differently inflected query word (Portuguese
    stemming), with and without accents in the word;
  - piped again is a duplicate: exit 0, no new ticket, nothing new in intake;
  - a customer reply whose In-Reply-To is the ack's Message-ID joins ticket #1;
  - the gateway serves /healthz and /api/tickets/1 (accents intact) and 404s
    an unknown ticket; `balcao show` and `balcao list` print the ticket;
  - with intake stopped /healthz turns 503 and the mail gate exits 75 (the MTA
    keeps the mail); once intake is back, the same mail goes through.
"""

import quopri
import time

from harness import System, check, kb_pb2, log, run_test, wait_until

SUBJECT = "Não consigo acessar o relatório"
SUBJECT_2047 = "=?ISO-8859-1?Q?N=E3o_consigo_acessar_o_relat=F3rio?="
CUSTOMER = "joao.silva@cliente.example.com.br"
CUSTOMER_NAME = "João Silva"
BODY = (
    "Olá, equipe de suporte.\n"
    "\n"
    "Desde ontem não consigo abrir os relatórios mensais do faturamento: a tela\n"
    "fica em branco e aparece a mensagem \"sessão expirada\". Já tentei em outro\n"
    "navegador e o problema continua.\n"
    "\n"
    "Obrigado,\n"
    "João\n"
)


def mail(message_id, subject_header, body, in_reply_to=None):
    """An RFC 822 message from the customer as bytes, body UTF-8 quoted-printable."""
    headers = [
        "From: =?UTF-8?Q?Jo=C3=A3o_Silva?= <%s>" % CUSTOMER,
        "To: suporte@balcao.test",
        "Subject: " + subject_header,
        "Message-ID: <%s>" % message_id,
        "Date: Wed, 25 Nov 2026 09:15:00 -0300",
    ]
    if in_reply_to:
        headers += ["In-Reply-To: <%s>" % in_reply_to, "References: <%s>" % in_reply_to]
    headers += [
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: quoted-printable",
    ]
    qp = quopri.encodestring(body.encode("utf-8"))
    return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + qp.replace(b"\n", b"\r\n")


def search(s, query):
    return s.call("kb", kb_pb2.SearchTickets(query=query, limit=10)).hits


def main():
    with System("flow") as s:
        s.start_all()
        origin_id = "flow-%d@cliente.example.com.br" % time.time_ns()
        first = mail(origin_id, SUBJECT_2047, BODY)

        # ---- 1. the mail gate accepts the mail --------------------------
        r = s.mailgate(first)
        check(r.returncode == 0, "mailgate exits 0 for a new e-mail",
              (r.returncode, r.stderr.decode(errors="replace")))

        # ---- 2. the router opens ticket 1 -------------------------------
        t = wait_until(lambda: s.ticket(1), 20, "ticket 1 in the router", system=s)
        check(t.subject == SUBJECT, "ticket 1 subject is the decoded RFC 2047 subject", t.subject)
        check(t.status == "novo", "status novo", t.status)
        check(t.tier == "N1", "tier N1", t.tier)
        check(t.category == "geral", "category geral", t.category)
        check(t.priority == "normal", "priority normal", t.priority)
        check(t.customer_address == CUSTOMER, "customer address", t.customer_address)
        check(t.customer_name == CUSTOMER_NAME, "customer name decoded", t.customer_name)
        check(t.origin_message_id == origin_id, "origin_message_id is the Message-ID without brackets",
              t.origin_message_id)
        check(t.message_count == 1 and len(t.messages) == 1, "one message in the thread",
              (t.message_count, len(t.messages)))
        check("relatórios mensais do faturamento" in t.messages[0].body,
              "message body decoded from UTF-8 quoted-printable", t.messages[0].body)
        check(t.messages[0].author == CUSTOMER, "message author is the customer", t.messages[0].author)
        check(s.ticket_total() == 1, "router has exactly one ticket")

        # ---- 3. notify writes the acknowledgement ------------------------
        wait_until(lambda: s.outbox_files()[0][1] == 1, 20, "t1-ack.eml", system=s)
        ack = s.read_ack(1)
        check("[Chamado #1]" in str(ack["Subject"]), "ack subject has [Chamado #1]", ack["Subject"])
        ack_text = ack.get_body(preferencelist=("plain",)).get_content()
        check("Recebemos seu chamado #1" in ack_text, "ack body says 'Recebemos seu chamado #1'", ack_text)
        check(str(ack["In-Reply-To"]).strip() == "<%s>" % origin_id,
              "ack In-Reply-To is the customer's Message-ID", ack["In-Reply-To"])
        check(ack["Auto-Submitted"] is not None and str(ack["Auto-Submitted"]).lower() != "no",
              "ack has an Auto-Submitted header", ack["Auto-Submitted"])
        check(CUSTOMER in str(ack["To"]), "ack goes to the customer", ack["To"])
        ack_id = str(ack["Message-ID"] or "").strip()
        check(ack_id.startswith("<") and ack_id.endswith(">") and ack_id != "<%s>" % origin_id,
              "ack has its own Message-ID", ack_id)
        ack_id = ack_id[1:-1]

        # ---- 4. the kb finds it by stem ---------------------------------
        # Body has "faturamento" and "relatórios"; the Portuguese stemmer
        # reduces "faturas"/"faturamento" to "fatur" and "relatório"/
        # "relatórios" to "relatóri", whether or not the kb folds accents.
        for query in ("faturas", "relatório"):
            hits = wait_until(lambda: [h for h in search(s, query) if h.ticket == 1], 20,
                              "kb hit for %r" % query, system=s)
            check(hits[0].subject == SUBJECT, "kb finds ticket 1 for %r with its subject" % query,
                  hits[0].subject)
        check(not search(s, "impressora"), "kb finds nothing for an unrelated word")

        # ---- 5. the same mail again is a duplicate ----------------------
        intake_head = s.head_seq("intake")
        r = s.mailgate(first)
        check(r.returncode == 0, "mailgate exits 0 for a duplicate", (r.returncode, r.stderr))
        check(s.head_seq("intake") == intake_head, "intake logged nothing for the duplicate")
        time.sleep(0.5)  # give a wrong second ticket a chance to appear
        check(s.ticket_total() == 1, "still one ticket after the duplicate")
        check(s.ticket(1).message_count == 1, "ticket 1 still has one message")

        # ---- 6. a reply to the ack joins ticket 1 -----------------------
        reply_id = "flow-reply-%d@cliente.example.com.br" % time.time_ns()
        reply_body = "Segue o print da tela em branco. Continuo sem acesso.\n"
        r = s.mailgate(mail(reply_id, "Re: [Chamado #1] " + SUBJECT_2047, reply_body, in_reply_to=ack_id))
        check(r.returncode == 0, "mailgate exits 0 for the customer's reply", (r.returncode, r.stderr))
        t = wait_until(lambda: (lambda t: t if t and t.message_count == 2 else None)(s.ticket(1)), 20,
                       "ticket 1 with two messages", system=s)
        check(len(t.messages) == 2 and "print da tela" in t.messages[1].body,
              "the reply is the second message of ticket 1", [m.body for m in t.messages])
        check(t.messages[1].message_id == reply_id, "reply message_id recorded", t.messages[1].message_id)
        check(s.ticket_total() == 1 and s.ticket(2) is None, "the reply did not open ticket 2")

        # ---- 7. gateway --------------------------------------------------
        status, health, raw = wait_until(
            lambda: (lambda r: r if r[0] == 200 else None)(s.http_get("/healthz")), 10,
            "gateway /healthz 200", system=s)
        check(health and health.get("status") == "ok" and isinstance(health.get("services"), dict),
              "/healthz is 200 with status ok and services", raw)
        s.api_token("e2e-flow")
        status, doc, raw = s.http_get("/api/tickets/1")
        check(status == 200 and doc is not None, "/api/tickets/1 is 200 JSON", (status, raw[:300]))
        check(doc.get("number") == 1, "JSON number 1", doc.get("number"))
        check(doc.get("subject") == SUBJECT, "JSON subject with accents intact", doc.get("subject"))
        check((doc.get("status"), doc.get("tier"), doc.get("priority"), doc.get("category"))
              == ("novo", "N1", "normal", "geral"), "JSON status/tier/priority/category",
              (doc.get("status"), doc.get("tier"), doc.get("priority"), doc.get("category")))
        customer = doc.get("customer") or {}
        check(customer.get("address") == CUSTOMER and customer.get("name") == CUSTOMER_NAME,
              "JSON customer name and address", customer)
        msgs = doc.get("messages") or []
        check(len(msgs) == 2 and "relatórios mensais" in msgs[0].get("body", "")
              and msgs[0].get("author") == CUSTOMER, "JSON messages with authors and bodies", msgs)
        status, doc, raw = s.http_get("/api/tickets/999")
        check(status == 404 and isinstance(doc, dict) and "error" in doc,
              "/api/tickets/999 is 404 with a JSON error", (status, raw[:300]))

        # ---- 8. the agent CLI ------------------------------------------
        r = s.run_tool("balcao", ["show", "1"])
        out = r.stdout.decode("utf-8", errors="replace")
        check(r.returncode == 0 and SUBJECT in out and "#1" in out,
              "`balcao show 1` prints the subject and #1", (r.returncode, out, r.stderr))
        r = s.run_tool("balcao", ["list"])
        out = r.stdout.decode("utf-8", errors="replace")
        lines = [line for line in out.splitlines() if SUBJECT in line]
        check(r.returncode == 0 and len(lines) == 1, "`balcao list` has one line with the subject",
              (r.returncode, out, r.stderr))

        # ---- 9. intake down: the mail gate asks the MTA to retry --------
        s.stop("intake")
        log("intake stopped (SIGTERM, exit 0)")
        status, health, raw = wait_until(
            lambda: (lambda r: r if r[0] == 503 else None)(s.http_get("/healthz")), 10,
            "gateway /healthz 503 with intake down", system=s)
        check(isinstance(health, dict) and health.get("status") != "ok",
              "/healthz is 503 and not ok while intake is down", raw)
        later_id = "flow-later-%d@cliente.example.com.br" % time.time_ns()
        later = mail(later_id, "=?UTF-8?Q?Boleto_n=C3=A3o_chegou?=", "O boleto de novembro não chegou.\n")
        t0 = time.monotonic()
        r = s.mailgate(later)
        check(r.returncode == 75, "mailgate exits 75 (EX_TEMPFAIL) with intake down",
              (r.returncode, r.stderr.decode(errors="replace")))
        log("mailgate gave up after %.1fs" % (time.monotonic() - t0))
        s.restart("intake")
        wait_until(lambda: s.http_get("/healthz")[0] == 200, 10, "/healthz 200 again", system=s)
        log("ok: /healthz is 200 again once intake is back")
        r = s.mailgate(later)
        check(r.returncode == 0, "after intake restarts the same mail is accepted", (r.returncode, r.stderr))
        t = wait_until(lambda: s.ticket(2), 20, "ticket 2", system=s)
        check(t.subject == "Boleto não chegou" and t.origin_message_id == later_id,
              "the retried mail opened ticket 2", (t.subject, t.origin_message_id))
    log("test_flow passed")


if __name__ == "__main__":
    run_test(main)

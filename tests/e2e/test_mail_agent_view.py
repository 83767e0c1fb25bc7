#!/usr/bin/python3
"""What agents see of customers' mail (issue 15, items 1, 2, 7 and 13), sent
through balcao-mailgate to the running system and read as an agent reads
it: `balcao show`, `balcao history` and the token API `GET /api/tickets/N`.

Proves:
  - (1) the API gives a reply's new part as `body` and the whole text,
    quoted history included, as `full_body`;
  - (2) every message lists its files (name, type, size, hash) in `show`,
    in `history` and in the API, and the API's link serves the bytes;
  - (13) a forwarded message (message/rfc822) is shown in the text and kept
    as an .eml file an agent can open: the original's headers are in it;
  - (7) a colleague at the customer's company domain and an address the
    customer copied join the ticket as participants (shown as such, and
    copied on the team's answers from then on, one delivery each); a
    stranger who answers the same thread gets a ticket of their own that
    says "Mencionou o chamado #1", with the customer's subject and no
    stacked tags, and so does its acknowledgement.
"""

import base64
import email
import email.policy
import hashlib
import os

from harness import System, check, log, run_test, wait_until
from balcao.v1 import notify_pb2

LOG_TEXT = "2026-12-04 09:12:01 ERRO emissor: timeout ao falar com a SEFAZ\n" * 40
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


def mail_in(s, what, raw):
    r = s.mailgate(raw.encode() if isinstance(raw, str) else raw)
    check(r.returncode == 0, "mailgate takes %s" % what, r.stderr.decode())


def show(s, number, *extra):
    r = s.run_tool("balcao", ["show", str(number), *extra])
    check(r.returncode == 0, "balcao show %d runs" % number, r.stderr.decode())
    return r.stdout.decode()


def main():
    with System("mail_agent_view") as s:
        s.start_all()
        s.api_token("agent-view")

        # ---- 2: a customer's mail with a log file and a screenshot --------
        log_b64 = base64.encodebytes(LOG_TEXT.encode()).decode().replace("\n", "\r\n")
        png_b64 = base64.encodebytes(PNG).decode().replace("\n", "\r\n")
        mail_in(s, "the mail with files", (
            "From: Ana Souza <ana@acme.com.br>\r\nTo: suporte@balcao.test\r\n"
            "Cc: Ana (pessoal) <ana.souza@gmail.com>\r\n"
            "Subject: Nota fiscal não sai\r\nMessage-ID: <nf-1@acme.com.br>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "A nota fiscal não sai desde ontem. Segue o log e a tela.\r\n"
            "--b1\r\nContent-Type: text/plain; name=\"emissor.log\"\r\n"
            "Content-Disposition: attachment; filename=\"emissor.log\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s"
            "--b1\r\nContent-Type: image/png; name=\"tela.png\"\r\n"
            "Content-Disposition: attachment; filename=\"tela.png\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s"
            "--b1--\r\n") % (log_b64, png_b64))
        wait_until(lambda: s.ticket_total() == 1, 20, "ticket 1", system=s)
        log_sha = hashlib.sha256(LOG_TEXT.encode()).hexdigest()
        png_sha = hashlib.sha256(PNG).hexdigest()
        out = show(s, 1)
        check("[anexo] emissor.log  text/plain  %d bytes  %s" % (len(LOG_TEXT.encode()), log_sha) in out
              and "[anexo] tela.png  image/png  %d bytes  %s" % (len(PNG), png_sha) in out,
              "balcao show lists both files with type, size and hash", out)
        hist = s.run_tool("balcao", ["history", "1"]).stdout.decode()
        check("emissor.log" in hist and log_sha in hist and "tela.png" in hist,
              "balcao history lists the files under the message that brought them", hist)
        status, doc, raw = s.http_get("/api/tickets/1")
        files = (doc or {}).get("messages", [{}])[0].get("attachments", [])
        check(status == 200 and {(f.get("filename"), f.get("content_type"), f.get("size"), f.get("sha256"))
                                 for f in files}
              == {("emissor.log", "text/plain", len(LOG_TEXT.encode()), log_sha),
                  ("tela.png", "image/png", len(PNG), png_sha)},
              "the API lists the files with name, type, size and hash", raw[:600])
        url = next(f["url"] for f in files if f["filename"] == "tela.png")
        status, _, body = s.http_get(url)
        check(status == 200 and body == PNG, "the API's link gives the screenshot's bytes",
              (status, url, len(body)))

        # ---- 1: a reply with the quoted history, through the API ----------
        mail_in(s, "the reply", (
            "From: Ana Souza <ana@acme.com.br>\r\nTo: suporte@balcao.test\r\n"
            "Subject: RE: [Chamado #1] Recebemos seu chamado: Nota fiscal não sai\r\n"
            "Message-ID: <nf-2@acme.com.br>\r\nIn-Reply-To: <nf-1@acme.com.br>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Reiniciei o emissor e continua igual.\r\n\r\n"
            "Em qui., 3 de dez. de 2026 às 10:00, Suporte <suporte@balcao.test> escreveu:\r\n"
            "> Recebemos seu chamado e vamos analisar.\r\n"))
        wait_until(lambda: s.ticket(1).message_count == 2, 20, "the reply on ticket 1", system=s)
        status, doc, raw = s.http_get("/api/tickets/1")
        m = (doc or {}).get("messages", [{}, {}])[1]
        check(m.get("body", "").strip() == "Reiniciei o emissor e continua igual."
              and "escreveu:" in m.get("full_body", "") and "vamos analisar" in m.get("full_body", ""),
              "API: body is the reply, full_body keeps the quoted history", m)

        # ---- 7: a colleague, a second address, a stranger -----------------
        tagged = "RE: [Chamado #1] Recebemos seu chamado: Nota fiscal não sai"
        mail_in(s, "the colleague's reply", (
            "From: Carlos Lima <carlos@acme.com.br>\r\nTo: suporte@balcao.test\r\n"
            "Cc: ana@acme.com.br\r\nSubject: %s\r\nMessage-ID: <nf-3@acme.com.br>\r\n"
            "In-Reply-To: <nf-1@acme.com.br>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Aqui no financeiro também não sai. A série é a 2.\r\n") % tagged)
        mail_in(s, "the second address' reply", (
            "From: Ana <ana.souza@gmail.com>\r\nTo: suporte@balcao.test\r\n"
            "Subject: %s\r\nMessage-ID: <nf-4@gmail.com>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Escrevo do meu e-mail pessoal: voltou a funcionar às 15h.\r\n") % tagged)
        wait_until(lambda: s.ticket(1).message_count == 4, 20, "both replies on ticket 1", system=s)
        t1 = s.ticket(1)
        check(sorted(t1.participants) == ["ana.souza@gmail.com", "carlos@acme.com.br"],
              "the colleague and the copied address are participants", list(t1.participants))
        out = show(s, 1)
        check("Participantes: carlos@acme.com.br, ana.souza@gmail.com" in out
              and "carlos@acme.com.br (email)  [participante]" in out
              and "ana@acme.com.br (email)\n" in out,
              "balcao show names the participants and marks their messages", out)
        # Participants are copied on the team's answers from now on: the
        # same mail (To the customer, Cc them), one delivery each.
        r = s.run_tool("balcao", ["reply", "1", "Corrigimos a série 2 do emissor; tente de novo."],
                       env={"BALCAO_PRINCIPAL": "agent:n1@balcao.test"})
        check(r.returncode == 0, "an agent answers ticket 1", r.stderr.decode())

        def reply_files():
            names = sorted(n for n in os.listdir(s.mail_dir) if n.startswith("t1-reply-"))
            return names if len(names) == 3 else None
        names = wait_until(reply_files, 20, "the reply and its two copies", system=s)
        with open(os.path.join(s.mail_dir, names[0]), "rb") as f:
            first = email.message_from_binary_file(f, policy=email.policy.default)
        cc = sorted(a.addr_spec for a in first["Cc"].addresses) if first["Cc"] else []
        check(str(first["To"]).endswith("<ana@acme.com.br>")
              and cc == ["ana.souza@gmail.com", "carlos@acme.com.br"]
              and all(open(os.path.join(s.mail_dir, n), "rb").read()
                      == open(os.path.join(s.mail_dir, names[0]), "rb").read() for n in names),
              "the reply goes to the customer with both participants in Cc, one copy each",
              (names, str(first["To"]), cc))
        queued = [notify_pb2.NotificationQueued.FromString(e.payload) for e in s.replay("notify")
                  if e.type == "balcao.v1.NotificationQueued"]
        recipients = sorted(q.recipient for q in queued if q.notification_id.startswith("t1-reply-"))
        check(recipients == ["ana.souza@gmail.com", "ana@acme.com.br", "carlos@acme.com.br"],
              "each copy is delivered to its own participant", recipients)
        mail_in(s, "the stranger's reply", (
            "From: Eva <eva@outra.example>\r\nTo: suporte@balcao.test\r\n"
            "Subject: %s\r\nMessage-ID: <nf-5@outra.example>\r\n"
            "In-Reply-To: <nf-1@acme.com.br>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Recebi isto por engano? Também uso o emissor.\r\n") % tagged)
        wait_until(lambda: s.ticket_total() == 2, 20, "the stranger's own ticket", system=s)
        t2 = s.ticket(2)
        check(t2.subject == "Nota fiscal não sai" and t2.mentions == 1
              and t2.customer_address == "eva@outra.example",
              "a stranger gets a ticket of their own, mentioning #1, with the customer's subject",
              (t2.subject, t2.mentions, t2.customer_address))
        check(s.ticket(1).message_count == 5, "ticket 1 did not take the stranger's message")
        out = show(s, 2)
        check("Mencionou o chamado #1" in out and "Assunto: Nota fiscal não sai\n" in out,
              "balcao show 2 says it mentioned ticket 1", out)
        wait_until(lambda: s.outbox_files()[0][2] >= 1, 20, "ticket 2's acknowledgement", system=s)
        ack = s.read_ack(2)
        check(str(ack["subject"]) == "[Chamado #2] Recebemos seu chamado: Nota fiscal não sai",
              "the acknowledgement's subject has one tag", str(ack["subject"]))

        # ---- 13: a forwarded message ---------------------------------------
        inner = ("From: Fornecedor <nfe@fornecedor.example>\r\nTo: ana@acme.com.br\r\n"
                 "Subject: Rejeição 539 na NF-e 1234\r\nDate: Wed, 2 Dec 2026 18:40:00 -0300\r\n"
                 "Message-ID: <rej-539@fornecedor.example>\r\n"
                 "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                 "A SEFAZ rejeitou a nota 1234: duplicidade de NF-e.\r\n")
        mail_in(s, "the forwarded mail", (
            "From: Ana Souza <ana@acme.com.br>\r\nTo: suporte@balcao.test\r\n"
            "Subject: Fwd: Rejeição 539\r\nMessage-ID: <fwd-1@acme.com.br>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"f1\"\r\n\r\n"
            "--f1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Segue o e-mail do fornecedor.\r\n"
            "--f1\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n%s"
            "--f1--\r\n") % inner)
        wait_until(lambda: s.ticket_total() == 3, 20, "the forwarded mail's ticket", system=s)
        out = show(s, 3)
        check("Mensagem encaminhada" in out and "duplicidade de NF-e" in out,
              "balcao show: the forwarded text is shown", out)
        check("[anexo] Rejeição 539 na NF-e 1234.eml  message/rfc822" in out,
              "balcao show: the original is kept as an .eml file named by its subject", out)
        sha = next(f.sha256 for f in s.ticket(3).messages[0].attachments
                   if f.content_type == "message/rfc822")
        r = s.run_tool("balcao", ["attachment", "get", sha])
        check(r.returncode == 0 and b"Message-ID: <rej-539@fornecedor.example>" in r.stdout
              and b"duplicidade de NF-e" in r.stdout,
              "balcao attachment get: the .eml is the original message, headers included",
              r.stdout[:400])
    log("test_mail_agent_view passed")


if __name__ == "__main__":
    run_test(main)

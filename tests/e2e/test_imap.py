"""Inbound e-mail from a real IMAP server (Dovecot) through balcao-imapgate.

Mail is APPENDed to the mailbox as a delivery would; the poller brings each
message in as a ticket exactly once, also when it is killed after intake
committed and before it marked the message; a mail intake refuses goes to
the rejected folder; an attachment with an RFC 2231 name is stored once and
served with identical bytes by intake (GetAttachment), the gateway and the
CLI; an oversized one is left out and its message kept (AttachmentRejected
with kept, the file not stored); one too large to carry at all is read by
its header alone, its sender told (limit message_size), and it goes to the
rejected folder;
a reply with our subject tag and no In-Reply-To joins its ticket, another
install's tag does not.
"""

import base64
import hashlib
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Dovecot, System, check, log, run_test, wait_until  # noqa: E402
from balcao.v1 import intake_pb2  # noqa: E402

LIMIT = 200000  # intake/max_attachment_bytes in this test


def mail(message_id, subject, body="Olá, preciso de ajuda.", attachment=None,
         sender="Ana Souza <ana@cliente.com.br>", extra_headers=""):
    """A raw RFC 822 message (bytes); attachment = (bytes, RFC 2231 name)."""
    head = ("From: %s\r\nTo: suporte@balcao.test\r\nSubject: %s\r\n"
            "Message-ID: <%s>\r\nDate: Wed, 25 Nov 2026 10:00:00 -0300\r\n"
            "MIME-Version: 1.0\r\n%s" % (sender, subject, message_id, extra_headers))
    if attachment is None:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n" % body).encode()
    data, name = attachment
    b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
    return (head + "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
            "--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n"
            "--XYZ\r\nContent-Type: application/pdf\r\n"
            "Content-Disposition: attachment; filename*=%s\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s"
            "--XYZ--\r\n" % (body, name, b64)).encode()


def stored_files(s):
    root = os.path.join(s.var, "intake", "attachments")
    return sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files)


def tickets_by_subject(s):
    return {t.subject: t for t in s.all_tickets()}


def main():
    with System("imap") as s:
        with Dovecot(s.dir) as imap:
            s.extra_config["intake"] = "\n".join([
                "    max_attachment_bytes = %d" % LIMIT,
                "    max_message_attachments_bytes = %d" % (LIMIT + 100000),
                imap.intake_config('        rejected_folder = "Rejeitadas"')])
            s.max_message_size = 4 * 1024 * 1024
            s.write_config()
            s.start_all()

            def poll(env=None):
                return s.run_tool("balcao-imapgate", ["--once"], env=env, timeout=60)

            # ---- a new ticket, with an RFC 2231 attachment ----
            pdf = os.urandom(50000)
            pdf_sha = hashlib.sha256(pdf).hexdigest()
            name = "utf-8''relat%C3%B3rio.pdf"
            # Lines that look like IMAP responses must stay content: the
            # poller reads the message as a literal, by its size.
            imap.append("INBOX", mail("m1@cliente.com.br", "Impressora não imprime",
                                      body="Não imprime.\r\nb4 OK fake\r\n* BYE fake\r\n"
                                           "b5 OK {12}",
                                      attachment=(pdf, name)))
            r = poll()
            check(r.returncode == 0, "a poll brings the message in", r.stderr.decode())
            t1 = wait_until(lambda: tickets_by_subject(s).get("Impressora não imprime"), 20,
                            "ticket from IMAP", system=s)
            check(imap.search("INBOX", "UNSEEN") == [], "the message is \\Seen after intake has it")
            check(len(stored_files(s)) == 1, "its attachment is stored", stored_files(s))
            check(os.path.basename(stored_files(s)[0]) == pdf_sha
                  and os.path.basename(os.path.dirname(stored_files(s)[0])) == pdf_sha[:2],
                  "stored as <2 hex>/<sha256>")
            received = [intake_pb2.MessageReceived.FromString(e.payload) for e in s.replay("intake")
                        if e.type == "balcao.v1.MessageReceived"]
            check(len(received) == 1 and "b5 OK {12}" in received[0].body,
                  "the body arrives whole, lines like server responses included")
            check(len(received) == 1 and len(received[0].attachments) == 1
                  and received[0].attachments[0].filename == "relatório.pdf"
                  and received[0].attachments[0].sha256 == pdf_sha
                  and received[0].attachments[0].size == len(pdf),
                  "MessageReceived carries the attachment with its decoded name",
                  received[0].attachments if received else None)

            r = poll()
            check(r.returncode == 0 and s.ticket_total() == 1, "a second poll brings nothing again")

            # ---- subject tag threading; the same file again is stored once ----
            imap.append("INBOX", mail("m2@cliente.com.br", "Re: [Chamado #%d] Impressora"
                                      % t1.number, body="Segue de novo.",
                                      attachment=(pdf, name)))
            imap.append("INBOX", mail("m3@cliente.com.br", "Re: [Suporte #%d] outro sistema"
                                      % t1.number, body="Isto é de outra empresa."))
            r = poll()
            check(r.returncode == 0, "second poll", r.stderr.decode())
            wait_until(lambda: s.ticket_total() == 2, 20, "the other install's tag opens a ticket",
                       system=s)
            wait_until(lambda: len(s.ticket(t1.number).messages) == 2, 20,
                       "the reply joins ticket %d by its subject tag" % t1.number, system=s)
            check(len(stored_files(s)) == 1, "the same file twice is stored once")
            check("thread=subject_tag" in s.log_text("intake"), "intake logs how it threaded")

            # ---- served with identical bytes: bus, gateway, CLI ----
            data = s.call("intake", intake_pb2.GetAttachment(sha256=pdf_sha))
            check(hashlib.sha256(data.content).hexdigest() == pdf_sha
                  and data.attachment.filename == "relatório.pdf",
                  "GetAttachment returns the same bytes and name")
            try:
                s.call("intake", intake_pb2.GetAttachment(sha256=pdf_sha),
                       principal="customer:ana@cliente.com.br")
                check(False, "a customer is refused GetAttachment on intake")
            except Exception as e:  # BusError
                check(getattr(e, "code", "") == "forbidden", "a customer is refused on intake", e)
            import urllib.request
            token = s.api_token("e2e-imap", read=False)  # intake serves any service:
            request = urllib.request.Request(s.http + "/api/attachments/" + pdf_sha,
                                             headers={"Authorization": "Bearer " + token})
            with urllib.request.urlopen(request, timeout=10) as resp:
                body = resp.read()
                ctype = resp.headers.get("Content-Type")
                disp = resp.headers.get("Content-Disposition")
            check(hashlib.sha256(body).hexdigest() == pdf_sha, "the gateway serves the same bytes")
            check(ctype == "application/pdf", "with its Content-Type", ctype)
            check("filename*=UTF-8''relat%C3%B3rio.pdf" in disp and disp.startswith("attachment;"),
                  "and an RFC 6266 Content-Disposition with the decoded name", disp)
            status, _, _ = s.http_get("/api/attachments/" + "0" * 64)
            check(status == 404, "an unknown attachment is 404", status)
            out = os.path.join(s.dir, "baixado.pdf")
            r = s.run_tool("balcao", ["attachment", "get", pdf_sha, "-o", out])
            check(r.returncode == 0, "balcao attachment get", r.stderr.decode())
            with open(out, "rb") as f:
                check(hashlib.sha256(f.read()).hexdigest() == pdf_sha, "the CLI saves the same bytes")

            # ---- refused mail goes to the rejected folder ----
            imap.append("INBOX", b"Subject: sem remetente\r\nMessage-ID: <bad1@x>\r\n\r\nCorpo\r\n")
            big = os.urandom(LIMIT + 1)
            imap.append("INBOX", mail("big1@cliente.com.br", "Vídeo do erro",
                                      attachment=(big, "utf-8''v%C3%ADdeo.mp4")))
            # Over balcao/max_message_size (4 MiB here): its header alone.
            imap.append("INBOX", mail("huge1@cliente.com.br", "Backup inteiro",
                                      attachment=(os.urandom(3 * 1024 * 1024 + 1), "backup.zip")))
            r = poll()
            check(r.returncode == 0, "third poll", r.stderr.decode())
            check(len(imap.search("Rejeitadas")) == 2 and imap.search("INBOX", "UNSEEN") == [],
                  "the mail without sender and the one too large to carry are in Rejeitadas, "
                  "the one with a file over the limit was taken",
                  (imap.search("Rejeitadas"), imap.search("INBOX", "UNSEEN")))
            rejected = [intake_pb2.AttachmentRejected.FromString(e.payload)
                        for e in s.replay("intake") if e.type == "balcao.v1.AttachmentRejected"]
            check(len(rejected) == 2 and rejected[0].limit == "file"
                  and rejected[0].limit_bytes == LIMIT
                  and rejected[0].message_id == "big1@cliente.com.br"
                  and rejected[0].files[0].startswith("vídeo.mp4") and rejected[0].kept,
                  "intake's log has AttachmentRejected, the message kept", rejected)
            check(rejected[1].limit == "message_size" and not rejected[1].kept
                  and rejected[1].message_id == "huge1@cliente.com.br"
                  and rejected[1].from_address == "ana@cliente.com.br"
                  and rejected[1].files[0].startswith("a mensagem inteira (4,"),
                  "the one too large to carry: its sender is told, from its header alone",
                  rejected[1])
            check(len(stored_files(s)) == 1, "the oversized file is not stored")
            wait_until(lambda: s.ticket_total() == 3, 20, "the oversized mail's ticket", system=s)
            check(list(s.ticket(3).messages[0].refused_files)[0].startswith("vídeo.mp4")
                  and not s.ticket(3).messages[0].attachments,
                  "its ticket has the text, and names the file left out",
                  list(s.ticket(3).messages[0].refused_files))
            # The MTA path: kept the same way, no MTA bounce.
            r = s.mailgate(mail("big2@cliente.com.br", "Outro vídeo",
                                attachment=(big, "utf-8''v2.mp4")))
            check(r.returncode == 0 and b"accepted" in r.stderr,
                  "balcao-mailgate exits 0: the message is kept without the file", r.stderr)
            wait_until(lambda: s.ticket_total() == 4, 20, "the second oversized mail's ticket",
                       system=s)

            # ---- kill -9 after intake committed, before the mailbox knows ----
            imap.append("INBOX", mail("m4@cliente.com.br", "Boleto não chegou"))
            r = poll(env={"BALCAO_IMAPGATE_FAILPOINT": "after_submit"})
            check(r.returncode == -signal.SIGKILL, "the poller dies between commit and flag",
                  r.returncode)
            wait_until(lambda: s.ticket_total() == 5, 20, "intake had committed it", system=s)
            check(len(imap.search("INBOX", "UNSEEN")) == 1, "the message is still unseen")
            r = poll()
            # The same bytes are the same request id: intake answers with the
            # stored reply (the first message_ref), no second effect.
            check(r.returncode == 0 and b"message_ref=m0000000000000006" in r.stderr,
                  "the next poll reads it again and intake answers as before", r.stderr.decode())
            time.sleep(1)
            check(s.ticket_total() == 5 and imap.search("INBOX", "UNSEEN") == [],
                  "no duplicate ticket, and now it is \\Seen")

            # ---- the long-running poller, stopped by SIGTERM ----
            proc = s.spawn_tool("balcao-imapgate")
            imap.append("INBOX", mail("m5@cliente.com.br", "Senha expirada"))
            wait_until(lambda: s.ticket_total() == 6, 30, "the running poller's ticket", system=s)
            proc.send_signal(signal.SIGTERM)
            check(proc.wait(15) == 0, "the poller exits 0 on SIGTERM")
            check("segredo-imap" not in s.tool_output("balcao-imapgate")
                  and "segredo-imap" not in s.log_text("intake"), "the password is never logged")

            # ---- after = move: done mail goes to a folder ----
            s.extra_config["intake"] += '\n        after = "move"\n        done_folder = "Feitas"'
            s.write_config()
            imap.append("INBOX", mail("m6@cliente.com.br", "Nota fiscal"))
            r = poll()
            check(r.returncode == 0, "a poll in move mode", r.stderr.decode())
            wait_until(lambda: s.ticket_total() == 7, 20, "the moved message's ticket", system=s)
            # Move mode takes every message left in the box, read or not: the
            # six already \Seen ones go too, and intake drops them as copies.
            check(imap.search("INBOX", "UNDELETED") == [] and len(imap.search("Feitas")) == 7,
                  "after = move: every message is in the done folder",
                  (imap.search("INBOX", "UNDELETED"), imap.search("Feitas")))
            time.sleep(0.5)
            check(s.ticket_total() == 7, "and no ticket twice")

            # ---- STARTTLS required (the default) and the server has none ----
            s.extra_config["intake"] = s.extra_config["intake"].replace(
                '        starttls = "none"\n', "")
            s.write_config()
            r = poll()
            check(r.returncode == 75 and b"event=imap_unreachable" in r.stderr
                  and b"SSL" in r.stderr,
                  "without STARTTLS the poller refuses to log in (starttls = required)",
                  r.stderr.decode())

            # ---- IMAP down: a clear line, and a non-zero --once ----
            imap.stop()
            r = poll()
            check(r.returncode == 75 and b"event=imap_unreachable" in r.stderr,
                  "the IMAP server down: retried at the next poll", r.stderr.decode())
        log("done")


if __name__ == "__main__":
    run_test(main)

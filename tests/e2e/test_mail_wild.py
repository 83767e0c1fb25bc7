#!/usr/bin/python3
"""Mail from the wild (issue 15, items 10 and 12), sent through balcao-mailgate
to the running system, checked as an agent sees it (`balcao show N` and the
router's ticket).

Proves:
  - (10) a GB2312 message whose Subject and From name are raw 8-bit bytes
    (no RFC 2047) and whose text says charset=gb2312 reads in Chinese, not
    as Windows-1252 mojibake;
  - (10) an ISO-2022-JP body with ① (NEC row 13, which glibc's converter
    refuses) is stored converted, ① included; a body with one broken byte
    gets one U+FFFD there and the rest converted; no ESC byte or escape
    sequence reaches the ticket;
  - (12) a delivery status report from a bare `MAILER-DAEMON` (no domain)
    about our acknowledgement is taken (exit 0) as a bounce: an internal
    note on that ticket, no new ticket;
  - (12) a message without From but with Reply-To opens a ticket for the
    Reply-To address;
  - (12) an mbox "From " line or a stray line before the headers does not
    lose the message;
  - (12) `From: Ana Souza ana@example.com` (no brackets) is Ana Souza at
    ana@example.com;
  - input that is no message (binary bytes, text with no header) is still
    refused: exit 65, a sentence saying why, nothing stored.
The bytes in each charset are made here with Python's own codecs from the
text an agent should read.
"""

import base64

from harness import System, check, log, run_test, wait_until

ESC = b"\x1b"


def jis(text):
    """text in ISO-2022-JP as Japanese mailers write it: each run of
    Japanese as JIS X 0208 rows and cells (NEC row 13 for ①), between
    ESC $ B and ESC ( B."""
    out, run = b"", ""
    for ch in text + "\0":
        if ord(ch) >= 0x80:
            run += ch
            continue
        if run:
            rows = bytes(b & 0x7F for b in run.encode("euc_jis_2004"))
            out += ESC + b"$B" + rows + ESC + b"(B"
            run = ""
        if ch != "\0":
            out += ch.encode("ascii")
    return out


def deliver(s, what, raw, tickets):
    r = s.mailgate(raw)
    check(r.returncode == 0, "mailgate takes %s (exit 0)" % what, r.stderr.decode(errors="replace"))
    wait_until(lambda: s.ticket_total() == tickets, 20, "the ticket of %s" % what, system=s)
    return tickets


def show(s, number):
    out = s.run_tool("balcao", ["show", str(number)])
    check(out.returncode == 0, "balcao show %d" % number, out.stderr.decode(errors="replace"))
    return out.stdout


def main():
    with System("mail_wild") as s:
        s.start_all()

        # Item 10: raw GB2312 in the headers, the text declaring gb2312.
        subject, name, text = "发票打印失败，请帮忙", "张伟", "您好，发票打印不出来，请帮我看一下。"
        raw = (b"From: " + name.encode("gb2312") + b" <zhang@example.cn>\r\n"
               b"To: suporte@balcao.test\r\nSubject: " + subject.encode("gb2312") + b"\r\n"
               b"Message-ID: <gb-1@example.cn>\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: text/plain; charset=gb2312\r\n"
               b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode("gb2312") + b"\r\n")
        n = deliver(s, "the GB2312 mail", raw, 1)
        t = s.ticket(n)
        check((t.subject, t.customer_name, t.customer_address)
              == (subject, name, "zhang@example.cn"),
              "the raw 8-bit subject and name read in the body's charset",
              (t.subject, t.customer_name))
        out = show(s, n).decode()
        check("Assunto: %s" % subject in out and "Cliente: %s <zhang@example.cn>" % name in out
              and text in out, "balcao show prints them in Chinese", out)

        # Item 10: ISO-2022-JP with ①, and with one broken byte.
        jp = "請求書①の件です。㈱テストのⅢ期分が届きません。"
        raw = (b"From: Tanaka <tanaka@example.jp>\r\nSubject: =?ISO-2022-JP?B?"
               + base64.b64encode(jis("請求書①")) + b"?=\r\nMessage-ID: <jp-1@example.jp>\r\n"
               b"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
               b"Content-Transfer-Encoding: 7bit\r\n\r\n" + jis(jp) + b"\r\n")
        n = deliver(s, "the ISO-2022-JP mail with ①", raw, n + 1)
        t = s.ticket(n)
        check(t.messages[0].body == jp and t.subject == "請求書①",
              "① and the rest convert; no raw escape sequences", (t.subject, t.messages[0].body))
        out = show(s, n)
        check(jp.encode() in out and ESC not in out and b"$B" not in out,
              "balcao show prints the Japanese text, no ESC", out.decode(errors="replace"))

        before, after = "請求書の件です。", "届きません。"
        broken = jis(before)[:-3] + b"\xff" + ESC + b"(B" + jis(after)
        raw = (b"From: Tanaka <tanaka@example.jp>\r\nSubject: broken\r\n"
               b"Message-ID: <jp-2@example.jp>\r\n"
               b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n" + broken + b"\r\n")
        n = deliver(s, "the ISO-2022-JP mail with a broken byte", raw, n + 1)
        body = s.ticket(n).messages[0].body
        check(body == before + "\ufffd" + after,
              "one U+FFFD for the broken byte, the rest converted", repr(body))
        out = show(s, n)
        check(ESC not in out and (before + "\ufffd" + after).encode() in out,
              "balcao show prints it with the replacement", out.decode(errors="replace"))

        # Item 12: a local MTA's bounce of our acknowledgement of ticket 1.
        wait_until(lambda: s.outbox_files()[0][1], 20, "ticket 1's acknowledgement", system=s)
        ack = s.read_ack(1)
        ack_id = ack["Message-ID"].strip("<>")
        total, messages = s.ticket_total(), s.ticket(1).message_count
        dsn = ("From: MAILER-DAEMON\r\nTo: suporte@balcao.test\r\n"
               "Subject: Undelivered Mail Returned to Sender\r\n"
               "Message-ID: <dsn-1@mx.example.cn>\r\nMIME-Version: 1.0\r\n"
               "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
               "--r\r\nContent-Type: text/plain\r\n\r\nThe mailbox is full.\r\n"
               "--r\r\nContent-Type: message/delivery-status\r\n\r\n"
               "Reporting-MTA: dns; mx.example.cn\r\n\r\n"
               "Final-Recipient: rfc822; zhang@example.cn\r\nAction: failed\r\n"
               "Status: 5.2.2\r\n\r\n"
               "--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
               "From: Suporte <suporte@balcao.test>\r\nTo: zhang@example.cn\r\n"
               "Message-ID: <%s>\r\n\r\n--r--\r\n" % ack_id).encode()
        r = s.mailgate(dsn)
        check(r.returncode == 0, "mailgate takes the MAILER-DAEMON bounce (exit 0)",
              (r.returncode, r.stderr.decode(errors="replace")))
        wait_until(lambda: s.ticket(1).message_count == messages + 1, 20, "the bounce on ticket 1",
                   system=s)
        note = s.ticket(1).messages[-1]
        check(note.is_internal and "Falha na entrega do e-mail para zhang@example.cn" in note.body
              and s.ticket_total() == total,
              "the bounce is an internal note on ticket 1 and opens no ticket", note.body)
        out = show(s, 1).decode()
        check("[nota interna]" in out and "Falha na entrega do e-mail para zhang@example.cn" in out,
              "balcao show 1 shows the internal note", out)

        # Item 12: no From, but Reply-To.
        n = deliver(s, "the mail with only Reply-To",
                    ("Reply-To: Bia Lima <bia@example.com.br>\r\nTo: suporte@balcao.test\r\n"
                     "Subject: Sem remetente\r\nMessage-ID: <bia-1@example.com.br>\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n\r\nRespondam para mim.\r\n"
                     ).encode(), total + 1)
        t = s.ticket(n)
        check((t.customer_address, t.customer_name) == ("bia@example.com.br", "Bia Lima"),
              "the ticket is Reply-To's", (t.customer_address, t.customer_name))
        check("Cliente: Bia Lima <bia@example.com.br>" in show(s, n).decode(),
              "balcao show names Bia")

        # Item 12: junk before the headers, and a From without brackets.
        odd = [
            ("the mbox From line", "From ana@example.com  Fri Dec  4 10:00:00 2026\r\n"
             "From: Ana Souza <ana@example.com>\r\n", "Boleto duplicado",
             "ana@example.com", "Ana Souza"),
            ("the stray line", "Esta linha nao devia estar aqui\r\n"
             "From: Caio Reis <caio@example.com>\r\n", "Senha bloqueada",
             "caio@example.com", "Caio Reis"),
            ("the From without brackets", "From: Ana Souza ana@example.org\r\n",
             "Nota fiscal", "ana@example.org", "Ana Souza"),
        ]
        for i, (what, head, subj, address, who) in enumerate(odd):
            raw = ("%sTo: suporte@balcao.test\r\nSubject: %s\r\n"
                   "Message-ID: <odd-%d@example.com>\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n\r\nVejam, por favor.\r\n"
                   % (head, subj, i)).encode()
            n = deliver(s, what, raw, n + 1)
            t = s.ticket(n)
            check((t.subject, t.customer_address, t.customer_name) == (subj, address, who),
                  "%s: the message parses" % what, (t.subject, t.customer_address, t.customer_name))
            out = show(s, n).decode()
            check("Cliente: %s <%s>" % (who, address) in out and "Vejam, por favor." in out,
                  "%s: balcao show names %s" % (what, who), out)

        # What is no message is still refused.
        total, head = s.ticket_total(), s.head_seq("intake")
        for what, raw in [("binary bytes", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"),
                          ("text without headers", "Olá, só queria dizer\nque não tem cabeçalho.\n"
                           .encode())]:
            r = s.mailgate(raw)
            err = r.stderr.decode(errors="replace")
            check(r.returncode == 65 and "not an RFC 822 message" in err and "header" in err,
                  "%s: refused with exit 65 and why" % what, (r.returncode, err))
        check(s.head_seq("intake") == head and s.ticket_total() == total,
              "nothing of them was stored", (s.head_seq("intake"), s.ticket_total()))
    log("test_mail_wild passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Subjects and text as the customer wrote them (issue 15, items 1, 5, 9, 11): RFC 2047
encoded words that Debian 12's GMime decoded wrong, sent through
balcao-mailgate to the running system.

Proves, as an agent sees it (the router's ticket and `balcao show`):
  - a UTF-8 character split over two base64 words is whole ("Impressão do
    cabeçalho", not "Impress?");
  - base64 words that end in `=` padding all count ("ab", not "a");
  - a long Chinese subject over five folded words comes out whole, with no
    CR/LF in it;
  - Portuguese in quoted-printable words between plain words, folded, reads
    as one line;
  - (item 11) an HTML mail's named entities beyond HTML 4's (Greek, maths,
    arrows) read as their characters;
  - (item 1) `balcao show` gives a reply without its quoted history (and
    says how to see it), `balcao show N --full` the whole text.
What each subject should be is decoded here with Python's own e-mail
parser, not taken from intake.
"""

import base64
import email
import email.policy

from harness import System, check, log, run_test, wait_until


def b64_words(text, size):
    data = text.encode("utf-8")
    return " ".join("=?UTF-8?B?%s?=" % base64.b64encode(data[i:i + size]).decode()
                    for i in range(0, len(data), size))


SUBJECTS = [
    # The issue's own example: "ã" split between the two words.
    "=?UTF-8?B?SW1wcmVzc8M=?= =?UTF-8?B?o28gZG8gY2FiZcOnYWxobw==?=",
    "=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?=",
    b64_words("请帮我检查一下这个发票打印问题以及系统登录失败的原因谢谢", 20).replace(
        "?= =?", "?=\r\n =?", 2),
    "Re: =?ISO-8859-1?Q?N=E3o_consigo?=\r\n =?ISO-8859-1?Q?_emitir_a_nota?= fiscal",
]


def mail_in(s, what, sender, message_id, subject, body, content_type="text/plain", extra=""):
    """A customer's mail through balcao-mailgate; returns its bytes."""
    raw = ("From: Cliente <%s>\r\nTo: suporte@balcao.test\r\nSubject: %s\r\n"
           "Message-ID: <%s>\r\n%sContent-Type: %s; charset=utf-8\r\n\r\n%s"
           % (sender, subject, message_id, extra, content_type, body)).encode()
    r = s.mailgate(raw)
    check(r.returncode == 0, "mailgate takes %s" % what, r.stderr.decode())
    return raw


def main():
    with System("mail_subjects") as s:
        s.start_all()
        for number, header in enumerate(SUBJECTS, 1):
            raw = mail_in(s, "subject %d" % number, "cliente%d@example.com.br" % number,
                          "assunto-%d@example.com.br" % number, header, "Segue o problema.\r\n")
            want = str(email.message_from_bytes(raw, policy=email.policy.default)["subject"])
            want = " ".join(want.split())
            wait_until(lambda: s.ticket_total() == number, 20, "ticket %d" % number, system=s)
            t = s.ticket(number)
            check(t.subject == want and "\r" not in t.subject and "\n" not in t.subject,
                  "ticket %d's subject is %r" % (number, want), t.subject)
            show = s.run_tool("balcao", ["show", str(number)])
            check(show.returncode == 0 and want in show.stdout.decode(),
                  "balcao show %d prints it" % number, show.stdout.decode()[:300])
            log("subject %d: %s" % (number, t.subject))
        check(s.ticket(1).subject == "Impressão do cabeçalho", "the issue's example reads right",
              s.ticket(1).subject)
        check(s.ticket(2).subject == "ab", "padded words all count", s.ticket(2).subject)

        # Item 11: every HTML5 named entity in an HTML-only mail.
        mail_in(s, "the HTML mail", "html@example.com.br", "entidades@example.com.br", "Simbolos",
                "<p>O campo &Psi; mostra &int; e a seta &uArr; some &rarr; custo &euro; 10"
                "&hellip;</p>\r\n", content_type="text/html")
        n = len(SUBJECTS) + 1
        wait_until(lambda: s.ticket_total() == n, 20, "the HTML mail's ticket", system=s)
        show = s.run_tool("balcao", ["show", str(n)]).stdout.decode()
        check("O campo Ψ mostra ∫ e a seta ⇑ some → custo € 10…" in show and "&" not in show,
              "balcao show: the entities read as the characters", show)

        # Item 1: a reply with Outlook's quoted history. `balcao show` shows
        # what the customer wrote now; --full the whole text.
        mail_in(s, "the reply", "cliente1@example.com.br", "resposta@example.com.br",
                "RE: Impressão do cabeçalho",
                "Testei de novo e o cabeçalho continua cortado.\r\n\r\n"
                "De: Suporte <suporte@balcao.test>\r\nEnviado: segunda-feira, 1 de dezembro\r\n"
                "Para: Cliente\r\nAssunto: Impressão do cabeçalho\r\n\r\n"
                "Texto antigo da conversa.\r\n", extra="In-Reply-To: <assunto-1@example.com.br>\r\n")
        wait_until(lambda: s.ticket(1).message_count == 2, 20, "the reply on ticket 1", system=s)
        show = s.run_tool("balcao", ["show", "1"]).stdout.decode()
        check("continua cortado" in show and "Texto antigo" not in show and "Enviado:" not in show
              and "balcao show 1 --full" in show,
              "balcao show: the reply without the quoted history, and how to see it", show)
        full = s.run_tool("balcao", ["show", "1", "--full"]).stdout.decode()
        check("continua cortado" in full and "Texto antigo da conversa." in full,
              "balcao show --full: the whole text", full)
    log("test_mail_subjects passed")


if __name__ == "__main__":
    run_test(main)

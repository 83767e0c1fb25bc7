#!/usr/bin/python3
"""What the customer's mail client shows of our outgoing mail, delivered
through a real SMTP server (aiosmtpd, mailservers.SmtpSink).

- Rita (her client sends "RITA GOMES") opens ticket 1 by e-mail. The
  acknowledgement: "Auto-Submitted: auto-replied" (RFC 3834: an automatic
  answer to her mail) and X-Auto-Response-Suppress (no out-of-office back);
  "Olá, Rita,"; the router's real first-response target for the ticket's
  priority in words (this install's own targets, none of them a default)
  and its due time in São Paulo with the offset; a Date header at -0300.
- An agent answers: a person's mail, so no Auto-Submitted and no
  X-Auto-Response-Suppress, and in the HTML part the answer is the mail's
  own text, not a quoted block.
- Resolved (a notice: auto-generated), accepted by her mail, closed: the
  survey offers one line per score, and in HTML one link per score; the
  reply the "nota 4" link opens, sent as it is, records her rating 4.

BALCAO_MAIL_OUT_DUMP=DIR writes the HTML parts there (to look at them in a
browser).
"""

import datetime
import os
import re
import urllib.parse
from zoneinfo import ZoneInfo

from harness import System, check, log, run_test, wait_until
from balcao.v1 import router_pb2

RITA = "rita@lojadarita.com.br"
AGENT = "agent:ana@suporte.example"
# This install's first-response targets (business time), unlike the
# defaults (8h, 4h, 2h, 30m).
TARGETS = {"baixa": ("5h", "5 horas úteis"), "normal": ("3h", "3 horas úteis"),
           "alta": ("90m", "90 minutos úteis"), "urgente": ("45m", "45 minutos úteis")}
SLA = "    sla\n" + "".join('        %s\n            first_response = "%s"\n' % (p, t[0])
                           for p, t in TARGETS.items())
MONTHS = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
          "setembro", "outubro", "novembro", "dezembro"]


def mail(msg_id, subject, body, in_reply_to=None):
    head = ("From: RITA GOMES <%s>\r\nTo: suporte@balcao.test\r\nSubject: %s\r\n"
            "Message-ID: <%s>\r\n" % (RITA, subject, msg_id))
    if in_reply_to:
        head += "In-Reply-To: <%s>\r\nReferences: <%s>\r\n" % (in_reply_to, in_reply_to)
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()


def deliver(s, raw):
    proc = s.mailgate(raw)
    check(proc.returncode == 0, "the mail gate accepts the message", proc.stderr)


def received(sink, fragment):
    """Rita's mails whose subject has fragment."""
    return [m for rcpt, m in sink.messages() if rcpt == RITA and fragment in str(m["Subject"])]


def parts(msg, name):
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    dump = os.environ.get("BALCAO_MAIL_OUT_DUMP")
    if dump:
        os.makedirs(dump, exist_ok=True)
        with open(os.path.join(dump, name + ".html"), "w") as f:
            f.write(html)
    return plain, html


def moment_pt(us):
    """A moment as the mail writes it, made here from the instant."""
    t = datetime.datetime.fromtimestamp(us / 1e6, ZoneInfo("America/Sao_Paulo"))
    off = t.utcoffset().total_seconds() / 60
    return "%d de %s de %d, %02d:%02d (horário de Brasília, UTC%s%02d:%02d)" % (
        t.day, MONTHS[t.month - 1], t.year, t.hour, t.minute, "−" if off < 0 else "+",
        abs(off) // 60, abs(off) % 60)


def main():
    with System("mail_out", extra_config={"router": SLA}) as s:
        sink = s.start_with_smtp()
        try:
            run(s, sink)
        finally:
            sink.stop()
    log("test_mail_out passed")


def run(s, sink):
    # ---- the acknowledgement ---------------------------------------------
    deliver(s, mail("rita-1@lojadarita.com.br", "Relatório de estoque vazio",
                    "O relatório de estoque aparece vazio desde ontem."))
    ack = wait_until(lambda: received(sink, "Recebemos seu chamado"), 20,
                     "Rita's acknowledgement at the SMTP server", system=s)[0]
    t = s.ticket(1)
    plain, html = parts(ack, "ack")
    check(str(ack["Auto-Submitted"]) == "auto-replied",
          "the ack is an automatic answer to her mail (RFC 3834)", ack["Auto-Submitted"])
    suppress = str(ack["X-Auto-Response-Suppress"] or "")
    check("OOF" in suppress and "AutoReply" in suppress,
          "the ack asks Exchange for no out-of-office answer", suppress)
    check(plain.startswith("Olá, Rita,\n") and "RITA" not in plain and "<p>Olá, Rita,</p>" in html,
          "greeted by her first name, written as a name", plain[:40])
    words = TARGETS[t.priority][1]
    promise = "responder em até %s, ou seja, até %s." % (words, moment_pt(t.first_response_due_us))
    check(t.first_response_due_us > 0 and promise in plain and "em até %s" % words in html,
          "the ack promises the router's real target for a %s ticket, and when" % t.priority,
          (promise, plain))
    check("1 dia útil" not in plain, "no promise the SLA does not make")
    check(str(ack["Date"]).endswith("-0300"), "the Date header in the business time zone",
          ack["Date"])

    # ---- an agent's answer -------------------------------------------------
    answer = "Olá, Rita!\n\nJá encontramos a causa: o filtro de depósito estava vazio."
    proc = s.run_tool("balcao", ["reply", "1", answer], env={"BALCAO_PRINCIPAL": AGENT})
    check(proc.returncode == 0, "the agent replies", proc.stderr)
    reply = wait_until(lambda: received(sink, "Re: [Chamado #1]"), 20, "the agent's answer",
                       system=s)[0]
    plain, html = parts(reply, "reply")
    check(reply["Auto-Submitted"] is None and reply["X-Auto-Response-Suppress"] is None,
          "a person's answer: not Auto-Submitted, auto-replies allowed",
          (reply["Auto-Submitted"], reply["X-Auto-Response-Suppress"]))
    body = html[html.index("<body"):]
    check("<p>Já encontramos a causa: o filtro de depósito estava vazio.</p>" in body
          and "<blockquote" not in body,
          "in HTML the answer is the mail's own text, not a quote", body)

    # ---- resolved, accepted, closed: the survey ---------------------------
    s.call("router", router_pb2.TicketAction(number=1, action="resolve",
                                             text="Filtro de depósito corrigido."),
           principal=AGENT)
    resolved = wait_until(lambda: received(sink, "Resolvido"), 20, "the resolution notice",
                          system=s)[0]
    check(str(resolved["Auto-Submitted"]) == "auto-generated"
          and "OOF" in str(resolved["X-Auto-Response-Suppress"]),
          "a status notice is auto-generated, with no out-of-office back",
          resolved["Auto-Submitted"])
    deliver(s, mail("rita-2@lojadarita.com.br", "Re: [Chamado #1] Relatório de estoque vazio",
                    "Funcionou, obrigada!", in_reply_to=str(resolved["Message-ID"]).strip("<>")))
    survey = wait_until(lambda: received(sink, "avalie o atendimento"), 20, "the survey",
                        system=s)[0]
    plain, html = parts(survey, "survey")
    lines = [line for line in plain.splitlines() if line.startswith("nota ")]
    check([line.split(" - ")[0] for line in lines] == ["nota 5", "nota 4", "nota 3", "nota 2",
                                                      "nota 1"],
          "one reply line per score, best first", lines)
    links = dict((int(m.group(2)), m.group(1)) for m in
                 re.finditer(r'<a href="(mailto:[^"]+)">nota (\d) - ', html))
    check(sorted(links) == [1, 2, 3, 4, 5], "one link per score in HTML", links)
    link = urllib.parse.urlsplit(links[4].replace("&amp;", "&"))
    query = urllib.parse.parse_qs(link.query)
    check(link.path == "suporte@balcao.test" and query["body"] == ["nota 4"]
          and "[Chamado #1]" in query["subject"][0],
          "the link opens a reply to us about ticket 1 saying nota 4", links[4])
    # Her mail client sends what the link opened, as it is.
    deliver(s, mail("rita-3@lojadarita.com.br", query["subject"][0], query["body"][0]))
    wait_until(lambda: s.ticket(1).csat_score == 4, 20, "her rating from the link", system=s)
    t = s.ticket(1)
    check(t.status == "fechado" and t.csat_score == 4, "rated 4, still closed",
          (t.status, t.csat_score))


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""The web chat's back end (issue 16): what the gateway's chat room sends
intake (channel "chat", from "chat:<id>", the visitor's name and e-mail
once given, the button tapped) through the real intake, router, kb's bot
and notify, over the bus as the gateway (service:gateway) does.

Proves:
  - Lia asks, gets the password article with its link and buttons, says it
    did not help, asks for a person: the bot offers the categories, then,
    as she is anonymous, asks for a name and e-mail (asks_contact); once
    given, the router opens her ticket (channel chat, her e-mail as the
    customer, the category she chose, the transcript as a note);
  - while she is in the chat an agent's answer is not e-mailed (she reads
    it in the chat); her next chat message joins the ticket;
  - she leaves (EndConversation): the ticket says so, the agent's next
    answer goes by e-mail; the agent resolves, she confirms by e-mail and
    the ticket closes;
  - Rui leaves without an answer: his chat becomes a ticket anyway
    (reason chat_ended) with the transcript;
  - Sol is answered and confirms: no ticket, one bot deflection more;
  - a bad contact e-mail is refused by intake and nothing is stored.
"""

import os
import time

from harness import System, check, log, run_test, wait_until, BusError
from balcao.v1 import intake_pb2, kb_pb2
from test_whatsapp_bot import ALWAYS_OPEN

AGENT = "agent:ana@suporte.example"
GATEWAY = "service:gateway"


class Visitor:
    def __init__(self, s, chat_id, name=""):
        self.s, self.conv, self.name, self.contact = s, "chat:" + chat_id, name, ""
        self.n = 0
        self.seen = 0

    def say(self, text, reply_id=""):
        self.n += 1
        r = self.s.call("intake", intake_pb2.Submit(
            channel="chat", external_id="%s-%d" % (self.conv, self.n), from_address=self.conv,
            from_name=self.name, contact_address=self.contact, body=text, reply_id=reply_id,
            language="pt-BR"), principal=GATEWAY)
        check(r.message_ref and not r.duplicate, "intake takes the chat message", r)

    def replies(self):
        out = []
        for env in self.s.replay("kb"):
            if env.type == kb_pb2.BotReplied.DESCRIPTOR.full_name:
                r = kb_pb2.BotReplied.FromString(env.payload)
                if r.conversation == self.conv:
                    out.append(r)
        return out

    def next(self, what, timeout=15):
        want = self.seen + 1
        wait_until(lambda: len(self.replies()) >= want, timeout, "%s: %s" % (self.conv, what))
        self.seen = want
        r = self.replies()[want - 1]
        log("%s <- %s" % (self.conv, r.text[:160].replace("\n", " ")))
        return r


def cli(s, *args):
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": AGENT, "BALCAO_LANG": "pt-BR"})
    check(proc.returncode == 0, "balcao %s" % " ".join(args[:2]), proc.stderr.decode())
    return proc.stdout.decode()


def tickets_of(s, conversation):
    return [t for t in s.all_tickets() if t.conversation == conversation]


def mails(s, number, kind):
    """notify's mails of ticket number of a kind: t<N>-ack.eml, t<N>-reply-<seq>.eml..."""
    prefix = "t%d-%s" % (number, kind)
    names = list(s.outbox_files()[0].elements()) and ["t%d-ack.eml" % n for n in
                                                     s.outbox_files()[0]]
    return sorted(n for n in names + s.outbox_files()[1]
                  if n.startswith(prefix) and n[len(prefix)] in ".-")


def main():
    with System("chat_bot", extra_config={"router": "    calendar\n" + ALWAYS_OPEN}) as s:
        s.start_all()
        proc = s.run_tool("balcao", ("kb", "import", os.path.join(os.path.dirname(__file__), "..",
                                                                  "..", "data", "kb"), "--publish"),
                          env={"BALCAO_PRINCIPAL": AGENT})
        check(proc.returncode == 0, "the starter articles are in", proc.stderr.decode())

        # ---- Lia: answer, not helped, a person, contact, ticket ----------
        lia = Visitor(s, "lia0123456789abcdef")
        lia.say("esqueci minha senha")
        answer = lia.next("the answer")
        check(answer.article == "redefinir-senha" and "/ajuda/redefinir-senha" in answer.article_url
              and answer.channel == "chat", "the password article with its link", answer)
        check([b.id for b in answer.buttons] == ["bot:yes", "bot:no", "bot:person"],
              "with its three buttons", answer.buttons)
        lia.say("Não resolveu", "bot:no")
        check("outras palavras" in lia.next("the retry").text, "the bot asks again")
        lia.say("Falar com atendente", "bot:person")
        check(lia.next("why").text.startswith("Claro!"), "a person, at once")
        cats = lia.next("the categories")
        check(len(cats.options) >= 3 and cats.options[-1].id == "cat:other"
              and cats.options[-1].title == "Outro assunto"
              and not any(o.id == "cat:geral" for o in cats.options),
              "the catalog (without triage's own) and 'Outro assunto'", cats.options)
        lia.say(cats.options[0].title, cats.options[0].id)
        ask = lia.next("the contact form")
        check(ask.asks_contact and "e-mail" in ask.text, "an anonymous visitor is asked for a "
              "name and e-mail", ask)
        check(not tickets_of(s, lia.conv), "no ticket before she says who she is")
        lia.name, lia.contact = "Lia Castro", "lia@example.com"
        lia.say("Lia Castro lia@example.com", "contact")
        done = lia.next("the confirmation")
        check("aqui no chat" in done.text and "e-mail" in done.text,
              "she is told a person goes on in the chat, or by e-mail", done.text)
        wait_until(lambda: tickets_of(s, lia.conv), 10, "Lia's ticket")
        t = tickets_of(s, lia.conv)[0]
        number = t.number
        check(t.channel == "chat" and t.customer_address == "lia@example.com"
              and t.customer_name == "Lia Castro", "her ticket, by chat, under her e-mail", t)
        check(t.category == cats.options[0].id[4:] and t.handoff_reason == "asked_for_person",
              "categorized, and why it came to a person", t)
        shown = cli(s, "show", str(number))
        check("esqueci minha senha" in shown and "Conversa com o assistente virtual" in shown,
              "her question and the conversation are on the ticket", shown)

        # ---- in the chat: no e-mail; her words join the ticket -----------
        wait_until(lambda: mails(s, number, "ack"), 10, "the acknowledgement by e-mail")
        cli(s, "reply", str(number), "Oi Lia, vou verificar seu acesso agora.")
        time.sleep(1.5)
        check(not mails(s, number, "reply"), "no e-mail while she is in the chat",
              s.outbox_files()[1])
        check("reason=chat_live" in s.log_text("notify"), "notify says why")
        lia.say("Obrigada, fico aguardando")
        wait_until(lambda: s.ticket(number).message_count >= 4, 10,
                   "her chat message joins the ticket")
        check(len(tickets_of(s, lia.conv)) == 1, "still one ticket")

        # ---- she leaves: answers by e-mail, closure validated ------------
        ended = s.call("kb", kb_pb2.EndConversation(conversation=lia.conv), principal=GATEWAY)
        check(ended.ended_us > 0 and ended.state == "handed_off", "her chat ended", ended)
        wait_until(lambda: s.ticket(number).chat_ended_us > 0, 10, "the ticket knows she left")
        check("O visitante saiu do chat" in cli(s, "history", str(number)),
              "the history says she left")
        cli(s, "reply", str(number), "Lia, liberei seu acesso. Pode testar?")
        wait_until(lambda: mails(s, number, "reply"), 10, "the answer goes by e-mail now")
        cli(s, "resolve", str(number), "Acesso liberado.")
        wait_until(lambda: mails(s, number, "resolved"), 10, "the resolution by e-mail")
        raw = ("From: Lia Castro <lia@example.com>\r\nTo: suporte@balcao.test\r\n"
               "Subject: Re: [Chamado #%d] Chamado resolvido\r\nMessage-ID: <lia-ok@example.com>\r\n"
               "\r\nSim, resolveu! Obrigada.\r\n" % number).encode()
        s.call("intake", intake_pb2.Submit(raw_mime=raw), principal="service:mailgate")
        wait_until(lambda: s.ticket(number).status == "fechado", 10,
                   "her confirmation closes the ticket")
        log("ok: chat, hand-off, live answers, e-mail after she left, closure she validated")

        # ---- Rui leaves unanswered: a ticket anyway -----------------------
        rui = Visitor(s, "rui0123456789abcdef")
        rui.say("o relatório mensal sai em branco desde ontem")
        rui.next("the bot's first move")
        s.call("kb", kb_pb2.EndConversation(conversation=rui.conv), principal=GATEWAY)
        wait_until(lambda: tickets_of(s, rui.conv), 10, "Rui's chat becomes a ticket")
        t = tickets_of(s, rui.conv)[0]
        check(t.handoff_reason in ("chat_ended", "low_confidence") and t.customer_address == rui.conv,
              "anonymous, because he left", t)
        check("relatório mensal" in cli(s, "show", str(t.number)), "his words are on it")

        # ---- Sol is answered: no ticket, deflection counted --------------
        before = s.call("kb", kb_pb2.GetDeflection(), principal=AGENT).bot_deflected
        sol = Visitor(s, "sol0123456789abcdef")
        sol.say("como redefinir a senha")
        sol.next("the answer")
        sol.say("Sim, resolveu", "bot:yes")
        check("Que bom" in sol.next("the thanks").text, "the bot is glad")
        s.call("kb", kb_pb2.EndConversation(conversation=sol.conv), principal=GATEWAY)
        time.sleep(1)
        check(not tickets_of(s, sol.conv), "no ticket for a solved chat")
        check(s.call("kb", kb_pb2.GetDeflection(), principal=AGENT).bot_deflected == before + 1,
              "one bot deflection more")

        # ---- bad input -----------------------------------------------------
        try:
            s.call("intake", intake_pb2.Submit(
                channel="chat", external_id="bad-1", from_address="chat:bad", body="oi",
                contact_address="não é e-mail"), principal=GATEWAY)
            check(False, "a bad contact e-mail is refused")
        except BusError as e:
            check("e-mail" in str(e), "refused with a clear reason", str(e))
        # Only staff and the gateway read conversations.
        try:
            s.call("kb", kb_pb2.GetConversation(conversation=lia.conv),
                   principal="customer:lia@example.com")
            check(False, "a customer may not read conversations")
        except BusError as e:
            check("forbidden" in str(e) or "equipe" in str(e), "forbidden", str(e))
        log("ok: anonymous chat left unanswered, deflection in chat, bad input refused")


if __name__ == "__main__":
    run_test(main)

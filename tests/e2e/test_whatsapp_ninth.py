#!/usr/bin/python3
"""Brazil's ninth digit on WhatsApp: one customer, whatever form of their
number Meta sends. Meta's real inbound text message
(../shared/data/whatsapp/webhook/message__text.json) rewritten both ways,
signed as Meta signs, on the real gateway, intake, router, kb and notify,
with the Graph API stand-in (graph_standin.py) receiving our answers.

Proves, as the agent and the customer's phone see it:
  - Ana writes from 55 11 98765-1234 (13 digits), then from 55 11 8765-1234
    (12, without the 9); Bruno the other way round: each has ONE ticket
    holding both messages, their address the number with the 9, one person
    (no customer under the 12-digit number);
  - the agent's answer goes through the Graph API to exactly the number of
    the customer's latest message (the JSON's `to`), and follows them back
    when they write from the other form again;
  - a landline (55 11 3265-4321) and a non-Brazilian number (Meta's sample
    972987654321, 12 digits too) stay as sent, and a landline is not the
    mobile 55 11 93265-4321 (two people, two tickets);
  - a ticket kept under the 12-digit address before this rule (here opened
    through the API with it) is still the customer's: their WhatsApp
    message, in either form, joins it instead of opening another;
  - with the bot on: a conversation begun from one form and continued from
    the other is one conversation (the bot asks the next question instead
    of starting over), each bot message goes to the number the customer
    last wrote from, and the hand-off opens one ticket.
"""

import json
import tempfile
import time

from harness import System, check, log, run_test, shared_data, wait_until
from balcao.v1 import intake_pb2, router_pb2
from test_whatsapp_bot import ALWAYS_OPEN, cli, config, rows_of, text_of, tickets_of
from test_whatsapp_in import SECRET, TOKEN as VERIFY_TOKEN, post, sample
from test_whatsapp_out import PHONE_ID, TOKEN, Standin, accepted

AGENT = "agent:ana@suporte.example"


class Sender:
    """Meta's text-message webhook, rewritten for one number and one text."""

    def __init__(self, s):
        self.s = s
        self.n = 0

    def text(self, number, name, body):
        self.n += 1
        payload = json.loads(sample("webhook", "message__text.json"))
        value = payload["entry"][0]["changes"][0]["value"]
        value["metadata"]["phone_number_id"] = PHONE_ID
        value["contacts"][0]["wa_id"] = number
        value["contacts"][0]["profile"]["name"] = name
        msg = value["messages"][0]
        msg["from"] = number
        msg["id"] = "wamid.NINTH-%s-%d" % (number, self.n)
        msg["timestamp"] = str(int(time.time()))
        msg["text"]["body"] = body
        status, raw = post(self.s, json.dumps(payload).encode())
        check(status == 200, "the webhook takes %s's message from %s" % (name, number),
              (status, raw))

    def pick(self, number, name, row):
        self.n += 1
        payload = json.loads(sample("webhook", "callback_selection__callback.json"))
        value = payload["entry"][0]["changes"][0]["value"]
        value["metadata"]["phone_number_id"] = PHONE_ID
        value["contacts"] = [{"profile": {"name": name}, "wa_id": number}]
        msg = value["messages"][0]
        msg.pop("context", None)
        msg["from"] = number
        msg["id"] = "wamid.NINTH-%s-%d" % (number, self.n)
        msg["timestamp"] = str(int(time.time()))
        msg["interactive"] = {"type": "list_reply",
                              "list_reply": {"id": row["id"], "title": row["title"]}}
        status, raw = post(self.s, json.dumps(payload).encode())
        check(status == 200, "the webhook takes %s's choice from %s" % (name, number),
              (status, raw))


def one_ticket(s, address, n_messages):
    wait_until(lambda: any(t.message_count >= n_messages for t in tickets_of(s, address)), 15,
               "%d message(s) on %s's ticket" % (n_messages, address), system=s)
    tickets = tickets_of(s, address)
    check(len(tickets) == 1, "one ticket for %s" % address, tickets)
    return tickets[0].number


def customers(s, digits):
    """The router's customers whose id holds these digits."""
    people = s.call("router", router_pb2.ListPeople(kind="customer"), principal=AGENT).people
    return sorted(p.id for p in people if digits in p.id)


def reply_reaches(standin, number, words, timeout=15):
    """The agent's answer, as the Graph API received it for exactly this
    number."""
    def found():
        return [q for q in accepted(standin, number) if q["body"].get("type") == "text"
                and words in q["body"]["text"]["body"]]
    wait_until(found, timeout, "the answer reaches %s" % number)
    got = found()
    check(len(got) == 1 and got[0]["body"]["to"] == number,
          "the answer goes once, to %s" % number, got)
    return got[0]


def nowhere_else(standin, words, number):
    others = [q["body"]["to"] for q in standin.requests() if q["body"]
              and q["body"].get("type") == "text" and words in q["body"]["text"]["body"]
              and q["body"]["to"] != number]
    check(not others, "'%s' went to no other number" % words, others)


def both_forms(s, standin):
    send = Sender(s)
    # Ana: with the 9 first, then without it.
    ana13, ana12, ana = "5511987651234", "551187651234", "whatsapp:+5511987651234"
    send.text(ana13, "Ana Ribeiro", "Oi, meu boleto de dezembro veio em dobro")
    one_ticket(s, ana, 1)
    send.text(ana12, "Ana Ribeiro", "Esqueci: o pedido é o 4471")
    ana_ticket = one_ticket(s, ana, 2)
    # Bruno: without it first, then with it.
    bruno12, bruno13, bruno = "552188887777", "5521988887777", "whatsapp:+5521988887777"
    send.text(bruno12, "Bruno Teixeira", "A nota fiscal não chegou no e-mail")
    one_ticket(s, bruno, 1)
    send.text(bruno13, "Bruno Teixeira", "Pode reenviar para o financeiro?")
    bruno_ticket = one_ticket(s, bruno, 2)
    for address, number, words in ((ana, ana_ticket, ("boleto de dezembro", "pedido é o 4471")),
                                   (bruno, bruno_ticket, ("nota fiscal não chegou",
                                                          "reenviar para o financeiro"))):
        shown = cli(s, "show", str(number))
        check(all(w in shown for w in words), "balcao show: both messages on %s's ticket"
              % address, shown)
        t = s.ticket(number)
        check(t.channel == "whatsapp" and t.customer_address == address
              and all(m.author == address for m in t.messages if m.direction == "inbound"),
              "the ticket and both messages are the customer's, by the number with the 9", t)
    check(not tickets_of(s, "whatsapp:+" + ana12) and not tickets_of(s, "whatsapp:+" + bruno12),
          "no ticket under a number without the 9")
    check(customers(s, "87651234") == ["customer:" + ana], "Ana is one person",
          customers(s, "87651234"))
    check(customers(s, "88887777") == ["customer:" + bruno], "Bruno is one person",
          customers(s, "88887777"))

    # The agent answers: to the number each last wrote from.
    cli(s, "reply", str(ana_ticket), "Oi Ana, estornei o boleto duplicado.")
    reply_reaches(standin, ana12, "estornei o boleto duplicado")
    nowhere_else(standin, "estornei o boleto duplicado", ana12)
    cli(s, "reply", str(bruno_ticket), "Bruno, reenviei a nota para o financeiro.")
    reply_reaches(standin, bruno13, "reenviei a nota")
    nowhere_else(standin, "reenviei a nota", bruno13)
    # Ana writes with the 9 again: the next answer follows her there.
    send.text(ana13, "Ana Ribeiro", "Obrigada! Quando cai o estorno?")
    one_ticket(s, ana, 4)
    cli(s, "reply", str(ana_ticket), "Em até 3 dias úteis, Ana.")
    reply_reaches(standin, ana13, "Em até 3 dias úteis")
    nowhere_else(standin, "Em até 3 dias úteis", ana13)
    check(len(tickets_of(s, ana)) == 1, "still one ticket for Ana")
    log("ok: both forms, both orders: one ticket, one person, answers to the latest number")
    return send


def untouched(s, standin, send):
    # A landline (first local digit 3) and the mobile one 9 away from it.
    landline, mobile = "551132654321", "5511932654321"
    send.text(landline, "Padaria Estrela", "Vocês atendem sábado?")
    send.text(mobile, "Edu Martins", "Meu acesso foi bloqueado")
    # Meta's own sample number: Israel, 12 digits like a Brazilian one.
    foreign = "972987654321"
    send.text(foreign, "Test Name", "Hello, my invoice is wrong")
    numbers = {}
    for number in (landline, mobile, foreign):
        numbers[number] = one_ticket(s, "whatsapp:+" + number, 1)
    check(len(set(numbers.values())) == 3, "three customers, three tickets", numbers)
    check(customers(s, "32654321") == ["customer:whatsapp:+" + landline,
                                       "customer:whatsapp:+" + mobile],
          "the landline and the mobile are two people", customers(s, "32654321"))
    check(customers(s, foreign) == ["customer:whatsapp:+" + foreign],
          "the foreign number is itself", customers(s, foreign))
    cli(s, "reply", str(numbers[landline]), "Sim, das 8h às 12h.")
    reply_reaches(standin, landline, "das 8h às 12h")
    cli(s, "reply", str(numbers[foreign]), "We have fixed your invoice.")
    reply_reaches(standin, foreign, "fixed your invoice")
    log("ok: a landline and a foreign number stay as sent")


def from_before(s, standin, send):
    # A ticket kept under the 12-digit address (as every store had it
    # before this rule): opened here through the API with that address.
    old = "whatsapp:+551187659999"
    s.call("intake", intake_pb2.Submit(
        channel="api", external_id="crm-legacy-1", from_address=old, from_name="Gil Souza",
        subject="Troca de plano", body="Quero trocar para o plano anual"))
    number = one_ticket(s, old, 1)
    send.text("5511987659999", "Gil Souza", "Alguma novidade sobre a troca?")
    wait_until(lambda: s.ticket(number).message_count >= 2, 15,
               "his WhatsApp message joins the old ticket", system=s)
    send.text("551187659999", "Gil Souza", "Mandei também do outro celular")
    wait_until(lambda: s.ticket(number).message_count >= 3, 15,
               "and so does the other form", system=s)
    check(not tickets_of(s, "whatsapp:+5511987659999"), "no second ticket for Gil")
    t = s.ticket(number)
    check([m.author for m in t.messages] == [old, old, old],
          "every message is the ticket's customer's", [m.author for m in t.messages])
    log("ok: a ticket from before the rule is still the customer's")


def bot_not_split(s, standin):
    send = Sender(s)
    fabi13, fabi12, fabi = "5531977776666", "553177776666", "whatsapp:+5531977776666"

    def sent(number, want, what):
        wait_until(lambda: len(accepted(standin, number)) >= want, 15, what)
        return accepted(standin, number)[want - 1]["body"]

    send.text(fabi13, "Fabi Rocha", "quero falar com um atendente")
    why = text_of(sent(fabi13, 1, "the hand-off, to the 13 digits"))
    check(why.startswith("Claro!"), "the bot agrees at once", why)
    rows = rows_of(sent(fabi13, 2, "the categories, to the 13 digits"))
    check(rows, "the categories as a list", rows)
    # She taps a category from the 12-digit form: the same conversation.
    send.pick(fabi12, "Fabi Rocha", rows[0])
    ask = text_of(sent(fabi12, 1, "the next question, to the 12 digits"))
    check("o que está acontecendo" in ask,
          "the bot goes on with the same conversation (asks what happens)", ask)
    send.text(fabi13, "Fabi Rocha", "O app não abre depois da atualização")
    done = text_of(sent(fabi13, 3, "the confirmation, to the 13 digits"))
    check("Registrei seu chamado" in done, "the hand-off opens the ticket", done)
    wait_until(lambda: tickets_of(s, fabi), 15, "Fabi's ticket", system=s)
    t = s.ticket(tickets_of(s, fabi)[0].number)
    check(len(tickets_of(s, fabi)) == 1 and not tickets_of(s, "whatsapp:+" + fabi12),
          "one ticket, under the number with the 9", s.all_tickets())
    check(t.conversation == fabi and t.category == rows[0]["id"][4:],
          "one conversation, with the category she tapped from the other form", t)
    shown = cli(s, "show", str(t.number))
    check("O app não abre" in shown and "Cliente: quero falar com um atendente" in shown,
          "the whole conversation is on the ticket", shown)
    log("ok: the bot's conversation is one across both forms")


def main():
    if not shared_data("whatsapp", "webhook", "message__text.json"):
        print("SKIP: ../shared/data/whatsapp is not here")
        return
    scratch = tempfile.mkdtemp(prefix="balcao-ninth-")
    standin = Standin(scratch)
    try:
        with System("whatsapp_ninth") as s:
            # Every message opens or joins a ticket here (the bot below).
            config(s, standin, ALWAYS_OPEN + '    bot\n'
                   '        enabled = "no"\n')
            send = both_forms(s, standin)
            untouched(s, standin, send)
            from_before(s, standin, send)
        standin.post("/_reset", {})
        with System("whatsapp_ninth_bot") as s:
            config(s, standin, ALWAYS_OPEN)
            bot_not_split(s, standin)
    finally:
        standin.stop()


if __name__ == "__main__":
    run_test(main)

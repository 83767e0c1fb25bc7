#!/usr/bin/python3
"""The bot on WhatsApp (issue 16), as the customer's phone sees it: Meta's
webhook on the real gateway (signed as Meta signs), intake, the router, kb's
bot and notify, sending to the Graph API stand-in (graph_standin.py).

Proves:
  - Bia asks how to reset her password: the bot answers with the article's
    title and public link and asks "Isso resolveu?" with three reply
    buttons; she taps "Sim, resolveu": the bot says it is glad, no ticket
    exists for her, and kb counts one bot deflection;
  - Caio asks, taps "Não resolveu" (the bot asks him to say it in other
    words, offering a person), asks again, gets an answer, says "não" a
    second time: the bot hands him off: says why, sends the catalog as a
    WhatsApp list; he picks a category; the router opens a ticket in that
    category with his questions as its first message and the conversation
    as an internal note; the acknowledgement with the ticket's number
    reaches his phone; an agent answers and resolves; Caio taps "Sim,
    resolvido" and the ticket closes (validated by the customer);
  - Duda writes "quero falar com um atendente": handed off at once; she
    types the category's number instead of tapping, then describes the
    problem; her ticket is categorized and carries her description; her
    next message joins that ticket instead of going to the bot; a video too
    large for the download is named back to her on WhatsApp, with the limit;
  - kb killed with SIGKILL while 20 customers write: after its restart
    each has exactly one answer (nothing lost, nothing twice);
  - outside business hours (a second installation whose calendar has today
    as a holiday) the bot says the team's hours and when it is back, and
    opens the ticket anyway.
"""

import copy
import json
import os
import re
import tempfile
import time

from harness import System, check, log, run_test, shared_data, wait_until
from balcao.v1 import intake_pb2, kb_pb2
from test_whatsapp_in import PATH, SECRET, TOKEN as VERIFY_TOKEN, post
from test_whatsapp_out import PHONE_ID, TOKEN, Standin, accepted

AGENT = "agent:ana@suporte.example"
STAFF = "agent:ana@suporte.example"


def template():
    with open(shared_data("whatsapp", "meta_docs", "webhook_interactive_list_reply.json"),
              "rb") as f:
        return json.load(f)


class Phone:
    """One customer's WhatsApp: what they send through the webhook, what the
    stand-in received for them."""

    def __init__(self, s, standin, number, name, payload=None):
        """payload: a webhook update to copy (default: the documented list
        reply in the shared data, ../shared/data/whatsapp/meta_docs)."""
        self.s, self.standin, self.number, self.name = s, standin, number, name
        self.payload = payload
        self.sent = 0
        self.seen = 0

    def _send(self, message):
        payload = copy.deepcopy(self.payload) if self.payload else template()
        value = payload["entry"][0]["changes"][0]["value"]
        value["metadata"]["phone_number_id"] = PHONE_ID
        value["contacts"] = [{"profile": {"name": self.name}, "wa_id": self.number}]
        self.sent += 1
        msg = dict(message, **{"from": self.number,
                               "id": "wamid.BOT-%s-%d" % (self.number, self.sent),
                               "timestamp": str(int(time.time()))})
        value["messages"] = [msg]
        status, raw = post(self.s, json.dumps(payload).encode())
        check(status == 200, "the webhook takes %s's message" % self.name, (status, raw))

    def text(self, body):
        self._send({"type": "text", "text": {"body": body}})

    def tap(self, button):
        self._send({"type": "interactive",
                    "interactive": {"type": "button_reply", "button_reply": button}})

    def pick(self, row):
        self._send({"type": "interactive",
                    "interactive": {"type": "list_reply",
                                    "list_reply": {"id": row["id"], "title": row["title"]}}})

    def next(self, what, timeout=15):
        """The next message our side sent this customer (the request's JSON)."""
        want = self.seen + 1
        wait_until(lambda: len(accepted(self.standin, self.number)) >= want, timeout,
                   "%s: %s" % (self.name, what))
        self.seen = want
        body = accepted(self.standin, self.number)[want - 1]["body"]
        log("%s <- %s" % (self.name, json.dumps(body, ensure_ascii=False)[:400]))
        return body


def text_of(body):
    if body["type"] == "text":
        return body["text"]["body"]
    if body["type"] == "interactive":
        return body["interactive"]["body"]["text"]
    return json.dumps(body)


def buttons_of(body):
    if body["type"] != "interactive" or body["interactive"]["type"] != "button":
        return []
    return [b["reply"] for b in body["interactive"]["action"]["buttons"]]


def rows_of(body):
    if body["type"] != "interactive" or body["interactive"]["type"] != "list":
        return []
    return body["interactive"]["action"]["sections"][0]["rows"]


def cli(s, *args):
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": AGENT, "BALCAO_LANG": "pt-BR"})
    check(proc.returncode == 0, "balcao %s" % " ".join(args[:2]), proc.stderr.decode())
    return proc.stdout.decode()


def tickets_of(s, address):
    return [t for t in s.all_tickets() if t.customer_address == address]


def config(s, standin, calendar="", kb=None):
    token_file = os.path.join(s.dir, "whatsapp.token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    secret_file = os.path.join(s.dir, "app_secret")
    with open(secret_file, "wb") as f:
        f.write(SECRET + b"\n")
    s.extra_config = {
        "gateway": ('    bus_timeout_ms = 2000\n    whatsapp\n        verify_token = "%s"\n'
                    '        app_secret_file = "%s"\n' % (VERIFY_TOKEN, secret_file)),
        "router": "    calendar\n" + calendar,
        "notify": "\n".join([
            "    whatsapp",
            '        api_url = "%s/v21.0"' % standin.url,
            '        phone_number_id = "%s"' % PHONE_ID,
            '        token_file = "%s"' % token_file,
            "        timeout_ms = 5000",
            "        retry_first_ms = 200"]),
    }
    if kb:
        s.extra_config["kb"] = kb
    s.write_config()
    s.start_all()
    proc = s.run_tool("balcao", ("kb", "import", os.path.join(os.path.dirname(__file__), "..",
                                                              "..", "data", "kb"), "--publish"),
                      env={"BALCAO_PRINCIPAL": AGENT})
    check(proc.returncode == 0, "the starter articles are in", proc.stderr.decode())


ALWAYS_OPEN = "".join('        %s = "00:00-23:59"\n' % d
                      for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))


def deflected(s, standin):
    bia = Phone(s, standin, "5511911110001", "Bia Ramos")
    bia.text("esqueci minha senha, como faço?")
    answer = bia.next("the bot's answer")
    text = text_of(answer)
    check("Redefinir" in text or "senha" in text.lower(), "the answer is the password article",
          text)
    check(re.search(r"https?://[^ ]+/ajuda/redefinir-senha", text),
          "with the article's public link", text)
    check(text.rstrip().endswith("Isso resolveu?"), "and asks whether it solved it", text)
    buttons = buttons_of(answer)
    check([b["title"] for b in buttons] == ["Sim, resolveu", "Não resolveu", "Falar com atendente"],
          "three reply buttons, in pt-BR", buttons)
    bia.tap(buttons[0])
    thanks = text_of(bia.next("the bot's thanks"))
    check("Que bom que resolveu" in thanks, "the bot is glad it helped", thanks)
    time.sleep(1)
    check(not tickets_of(s, "whatsapp:+5511911110001"), "no ticket for a deflected question")
    # The old answer's "Não resolveu" tapped after the conversation ended:
    # nothing happens (no question to search, no hand-off).
    bia.tap(buttons[1])
    time.sleep(1.5)
    check(len(accepted(standin, bia.number)) == 2 and not tickets_of(s, "whatsapp:+5511911110001"),
          "a stale button starts nothing")
    counts = s.call("kb", kb_pb2.GetDeflection(), principal=STAFF)
    check(counts.bot_answered >= 1 and counts.bot_deflected == 1,
          "kb counts the bot's answer and its deflection", counts)
    log("ok: answered, confirmed, deflected, counted")


def handed_off_then_closed(s, standin):
    caio = Phone(s, standin, "5511922220002", "Caio Lima")
    caio_address = "whatsapp:+5511922220002"
    caio.text("como redefinir a senha")
    first = caio.next("the first answer")
    check(buttons_of(first), "an answer with buttons", first)
    caio.tap(buttons_of(first)[1])  # Não resolveu
    retry = caio.next("the bot asks again")
    check("outras palavras" in text_of(retry), "it asks him to say it in other words", retry)
    check([b["title"] for b in buttons_of(retry)] == ["Falar com atendente"],
          "offering a person", retry)
    caio.text("minha conta está bloqueada depois de errar a senha")
    second = caio.next("the second answer")
    check(buttons_of(second) or rows_of(second), "an answer or a hand-off", second)
    if buttons_of(second):
        caio.text("não")
        why = text_of(caio.next("why it hands off"))
        check("pessoa da nossa equipe" in why, "the bot says a person takes over", why)
    listing = caio.next("the categories")
    rows = rows_of(listing)
    check(len(rows) >= 3 and all(r["id"].startswith("cat:") for r in rows),
          "the catalog as a WhatsApp list", listing)
    check(listing["interactive"]["action"]["button"] == "Ver assuntos", "opened by 'Ver assuntos'",
          listing)
    chosen = rows[0]
    caio.pick(chosen)
    done = text_of(caio.next("the hand-off's confirmation"))
    check("Registrei seu chamado" in done, "the bot says the ticket is open", done)
    ack = text_of(caio.next("the acknowledgement"))
    m = re.search(r"#(\d+)", ack)
    check(m, "the acknowledgement names the ticket", ack)
    number = int(m.group(1))
    t = s.ticket(number)
    check(t.customer_address == "whatsapp:+5511922220002" and t.channel == "whatsapp",
          "the ticket is Caio's, on WhatsApp", t)
    check(t.category == chosen["id"][4:], "in the category he picked", (t.category, chosen))
    check(t.conversation == "whatsapp:+5511922220002" and t.handoff_reason in
          ("unhelpful", "low_confidence"), "it says why the bot handed it off", t)
    shown = cli(s, "show", str(number))
    check("bloqueada" in shown, "his words are the ticket's message", shown)
    check("Conversa com o assistente virtual" in shown and "Assistente:" in shown
          and "Cliente: como redefinir a senha" in shown,
          "the conversation is on the ticket as a note", shown)

    cli(s, "reply", str(number), "Oi Caio! Desbloqueei sua conta, pode tentar de novo?")
    reply = text_of(caio.next("the agent's answer"))
    check("Desbloqueei sua conta" in reply, "the agent's answer reaches his phone", reply)
    cli(s, "resolve", str(number), "Conta desbloqueada.")
    resolved = caio.next("the resolution")
    yes = [b for b in buttons_of(resolved) if b["id"] == "resolved:yes"]
    check(yes, "the resolution asks him to confirm with buttons", resolved)
    caio.tap(yes[0])
    wait_until(lambda: s.ticket(number).status == "fechado", 15,
               "the ticket closes when Caio confirms")
    # The same button again, on the closed ticket: nothing changes.
    caio.tap(yes[0])
    time.sleep(1.5)
    check(s.ticket(number).status == "fechado" and len(tickets_of(s, caio_address)) == 1,
          "a second 'Sim, resolvido' changes nothing")
    seen = len(accepted(standin, caio.number))
    # "Ainda não" on it: the ticket reopens, as an e-mail answer would.
    no = [b for b in buttons_of(resolved) if b["id"] == "resolved:no"][0]
    caio.tap(no)
    wait_until(lambda: s.ticket(number).status == "reaberto", 15, "'Ainda não' reopens it")
    check(len(tickets_of(s, caio_address)) == 1, "on the same ticket")
    cli(s, "resolve", str(number), "Agora sim: conta desbloqueada e senha nova enviada.")
    caio.seen = seen
    while True:
        again = caio.next("the new resolution")
        if buttons_of(again):
            break
    caio.tap([b for b in buttons_of(again) if b["id"] == "resolved:yes"][0])
    wait_until(lambda: s.ticket(number).status == "fechado", 15, "closed again by Caio")
    log("ok: two unhelpful answers, hand-off with category and transcript, closed by Caio")
    return number


def asked_for_person(s, standin):
    duda = Phone(s, standin, "5511933330003", "Duda Alves")
    duda.text("quero falar com um atendente")
    why = text_of(duda.next("the hand-off"))
    check(why.startswith("Claro!"), "the bot agrees at once", why)
    rows = rows_of(duda.next("the categories"))
    check(rows, "the categories", rows)
    duda.text("2")
    ask = text_of(duda.next("the bot asks what happens"))
    check("o que está acontecendo" in ask, "it asks her to describe the problem", ask)
    duda.text("A nota fiscal sai com o CNPJ errado desde ontem")
    done = text_of(duda.next("the confirmation"))
    check("Registrei seu chamado" in done, "the ticket is open", done)
    wait_until(lambda: tickets_of(s, "whatsapp:+5511933330003"), 10, "Duda's ticket")
    t = tickets_of(s, "whatsapp:+5511933330003")[0]
    check(t.category == rows[1]["id"][4:], "the category she typed the number of",
          (t.category, rows[1]))
    check(t.handoff_reason == "asked_for_person", "handed off because she asked", t)
    check("CNPJ errado" in cli(s, "show", str(t.number)), "her description is the message")
    duda.next("the acknowledgement")
    duda.text("Esqueci de dizer: é na filial de Campinas")
    wait_until(lambda: s.ticket(t.number).message_count >= 3, 10,
               "her next message joins the ticket")
    check(len(tickets_of(s, "whatsapp:+5511933330003")) == 1, "still one ticket")
    log("ok: a person on request, category by number, description, later messages join")

    # A video too large for the gateway's download: she hears it on WhatsApp.
    s.call("intake", intake_pb2.Submit(
        channel="whatsapp", external_id="wamid.BIG-1", from_address="whatsapp:+5511933330003",
        from_name="Duda Alves", body="[Vídeo pelo WhatsApp]",
        refused_files=["video-77.mp4 (40,1 MB)"]),
        principal="service:gateway")
    notice = text_of(duda.next("the notice of the file left out"))
    check("este arquivo ficou de fora por passar do limite" in notice
          and "video-77.mp4 (40,1 MB)" in notice and "link de compartilhamento" in notice,
          "the file left out, the limit and what to do, in pt-BR", notice)


def crash(s, standin):
    """kb killed (-9) while 20 customers ask: after its restart each got
    exactly one answer, none lost, none twice."""
    phones = [Phone(s, standin, "55119555%05d" % i, "Cliente %d" % i) for i in range(20)]
    for i, p in enumerate(phones):
        p.text("esqueci minha senha" if i % 2 else "quero falar com um atendente")
        if i == 7:
            s.kill9("kb")
    s.start("kb")
    for p in phones:
        wait_until(lambda p=p: len(accepted(standin, p.number)) >= (1 if int(p.number[-1]) % 2
                                                                    else 2),
                   30, "%s's answer after kb's crash" % p.name)
    time.sleep(2)
    for i, p in enumerate(phones):
        got = accepted(standin, p.number)
        want = 1 if i % 2 else 2  # an answer; or the hand-off and the categories
        check(len(got) == want, "%s got %d message(s), once" % (p.name, want),
              [text_of(g["body"])[:60] for g in got])
    log("ok: kb killed mid-burst: every customer answered once")


def after_hours(standin):
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 3 * 3600))
    with System("whatsapp_bot_closed") as s:
        standin.post("/_reset", {})
        config(s, standin, calendar='        holidays = "%s"\n' % today)
        eva = Phone(s, standin, "5511944440004", "Eva Prado")
        eva.text("Atendente!")
        eva.next("the hand-off")
        eva.pick(rows_of(eva.next("the categories"))[0])
        eva.next("the description question")
        eva.text("O relatório mensal não abre")
        closed = text_of(eva.next("the after-hours confirmation"))
        check("Nosso horário de atendimento é de segunda a sexta, das 8h às 18h" in closed
              and re.search(r"a equipe volta .*às \d+h", closed),
              "the bot says the team's hours and when it is back", closed)
        wait_until(lambda: tickets_of(s, "whatsapp:+5511944440004"), 10,
                   "the ticket opens anyway")
        shown = cli(s, "show", str(tickets_of(s, "whatsapp:+5511944440004")[0].number))
        check("fora do horário de atendimento" in shown, "the note says it came after hours",
              shown)
    log("ok: after hours, the customer hears when the team is back")


def main():
    if not shared_data("whatsapp", "meta_docs", "webhook_interactive_list_reply.json"):
        print("SKIP: ../shared/data/whatsapp is not here")
        return
    scratch = tempfile.mkdtemp(prefix="balcao-wabot-")
    standin = Standin(scratch)
    try:
        with System("whatsapp_bot") as s:
            config(s, standin, ALWAYS_OPEN)
            deflected(s, standin)
            handed_off_then_closed(s, standin)
            asked_for_person(s, standin)
            crash(s, standin)
        after_hours(standin)
    finally:
        standin.stop()


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Notices to WhatsApp customers, through a local stand-in of the Graph API
(graph_standin.py, which checks every request against the documented shapes
in ../shared/data/whatsapp/send/ and answers with the documented ones).

WhatsApp tickets are opened by submitting to intake over the bus with
channel "whatsapp" and the customer's address "whatsapp:+<digits>" (what
the gateway's webhook hands intake). notify's 24-hour window is set to a
few seconds (notify/whatsapp/window_s) so "outside the window" comes soon.

Proves, as the customer's phone would see it:
- the acknowledgement goes as a short pt-BR text (no e-mail signature, no
  e-mail written for a customer without an e-mail address); an agent's
  reply as text; the resolution as reply buttons "Sim, resolvido" / "Ainda
  não"; outside the window a reply goes as the configured template,
  language pt_BR, with the customer's name and the ticket's number; after
  the customer writes again (joining the ticket), free text again;
- "Sim, resolvido" sent back closes the ticket (the router reads the
  button's title), and the closing notice asks for a rating;
- 130429 twice, then success: delivered once (one accepted request), after
  3 attempts, with Meta's wamid on NotificationDelivered; Meta's statuses of
  that message (delivered, read, failed with its code) on the ticket's
  history, as the agent reads it;
- 131047 on the free text: the template goes instead; 131047 on that too:
  a dead letter in ListOutbox with Meta's code and message;
- notify killed with -9 in the middle of a group of sends and restarted:
  every notice accepted exactly once, except at most the one request whose
  answer notify never got (measured and printed).
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import harness  # noqa: E402  (the stand-in dies with the test)
from harness import System, check, log, run_test, shared_data, wait_until
from balcao.v1 import intake_pb2, notify_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = "agent:ana@suporte.example"
TOKEN = "EAAtest-token-not-real"
PHONE_ID = "106540352242922"
WINDOW_S = 6


class Standin:
    def __init__(self, dir_, data=None):
        """data: the documented request shapes (default: the team's shared
        data, ../shared/data/whatsapp/send)."""
        data = data or shared_data("whatsapp", "send")
        check(data is not None, "the shared WhatsApp send shapes are there")
        self.record = os.path.join(dir_, "graph-requests.jsonl")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "graph_standin.py"), "--token", TOKEN,
             "--data", data, "--record", self.record], stdout=subprocess.PIPE,
            preexec_fn=harness._die_with_parent)
        line = self.proc.stdout.readline().decode()
        check(line.startswith("PORT "), "the Graph API stand-in listens", line)
        self.url = "http://127.0.0.1:%d" % int(line.split()[1])

    def post(self, path, obj):
        req = urllib.request.Request(self.url + path, data=json.dumps(obj).encode(),
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()

    def requests(self, to=None):
        with urllib.request.urlopen(self.url + "/_requests", timeout=5) as r:
            got = json.loads(r.read())
        return [q for q in got if to is None or (q["body"] or {}).get("to") == to]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def cli(s, *args):
    os.environ["BALCAO_PRINCIPAL"] = AGENT
    proc = s.run_tool("balcao", args)
    check(proc.returncode == 0, "balcao %s" % " ".join(args[:2]), proc.stderr.decode())
    return proc.stdout.decode()


def open_ticket(s, number, name, text, n):
    s.call("intake", intake_pb2.Submit(
        channel="whatsapp", external_id="wamid.IN-%s-%d" % (number, n),
        from_address="whatsapp:+" + number, from_name=name, subject=text[:40], body=text))


def accepted(standin, to):
    return [q for q in standin.requests(to) if q["status"] == 200]


def wait_accepted(standin, to, count, what, timeout=10):
    wait_until(lambda: len(accepted(standin, to)) >= count, timeout, what)
    return accepted(standin, to)


def intake_knows(s, wamid):
    """True once a "sent" status of wamid is on intake's log with its
    ticket: at once when intake knew the wamid, or re-emitted with it once
    notify's NotificationDelivered told intake (the status kept pending)."""
    s.call("intake", intake_pb2.RecordWhatsAppStatus(
        message_id=wamid, status="sent", recipient="0", timestamp=1), principal="service:gateway")
    for env in s.replay("intake"):
        if env.type == intake_pb2.WhatsAppStatusReceived.DESCRIPTOR.full_name:
            st = intake_pb2.WhatsAppStatusReceived.FromString(env.payload)
            if st.message_id == wamid and st.ticket:
                return True
    return False


def main():
    with System("whatsapp_out") as s:
        standin = Standin(s.dir)
        try:
            run(s, standin)
        finally:
            standin.stop()


def run(s, standin):
    token_file = os.path.join(s.dir, "whatsapp.token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    s.extra_config = {"router": '    bot\n        enabled = "no"', "notify": "\n".join([
        "    whatsapp",
        '        api_url = "%s/v21.0"' % standin.url,
        '        phone_number_id = "%s"' % PHONE_ID,
        '        token_file = "%s"' % token_file,
        "        timeout_ms = 5000",
        "        window_s = %d" % WINDOW_S,
        "        retry_first_ms = 200",
        "        rate_limit_first_ms = 300",
        "        batch = 8",
        "        templates",
        '            reply = "atualizacao_chamado"'])}
    s.write_config()
    s.start_all()

    # ---- inside the window: text, text, buttons ----------------------
    maria = "5511987654321"
    opened = time.monotonic()
    open_ticket(s, maria, "Maria Souza", "Não consigo entrar no aplicativo", 1)
    ack = wait_accepted(standin, maria, 1, "the acknowledgement at the stand-in")[0]
    check(ack["path"] == "/v21.0/%s/messages" % PHONE_ID, "POST to /<version>/<phone id>/messages",
          ack["path"])
    body = ack["body"]
    check(body["type"] == "text", "the acknowledgement is a text message", body)
    text = body["text"]["body"]
    log("ack: %r" % text)
    m = re.search(r"#([0-9]+)", text)
    check(m is not None, "the acknowledgement names the ticket", text)
    number = m.group(1)
    check("Olá, Maria!" in text and "Recebemos sua solicitação" in text,
          "short pt-BR greeting by first name", text)
    check(len(text) < 200 and "\n--" not in text and "Suporte Balcão" not in text
          and "<" not in text, "no signature, no HTML, short", text)
    check(s.outbox_files()[0][int(number)] == 0,
          "no e-mail for a customer with only a WhatsApp number")

    cli(s, "reply", number, "Oi Maria! Pode tentar redefinir a senha pelo link do app?")
    reply = wait_accepted(standin, maria, 2, "the agent's reply")[1]["body"]
    check(reply["type"] == "text" and "redefinir a senha" in reply["text"]["body"]
          and ("#%s" % number) in reply["text"]["body"], "the reply goes as text", reply)

    cli(s, "resolve", number, "Senha redefinida e acesso liberado.")
    res = wait_accepted(standin, maria, 3, "the resolution")[2]["body"]
    check(res["type"] == "interactive" and res["interactive"]["type"] == "button",
          "the resolution goes as interactive buttons", res)
    buttons = [b["reply"] for b in res["interactive"]["action"]["buttons"]]
    check([b["title"] for b in buttons] == ["Sim, resolvido", "Ainda não"]
          and [b["id"] for b in buttons] == ["resolved:yes", "resolved:no"],
          "buttons 'Sim, resolvido' / 'Ainda não'", buttons)
    check("Senha redefinida" in res["interactive"]["body"]["text"],
          "the resolution's words are in the message", res)
    inside = time.monotonic() - opened
    check(inside < WINDOW_S, "the three notices went inside the %d s window" % WINDOW_S,
          "%.1f s" % inside)

    # ---- 130429 twice, then accepted: one delivery --------------------
    rate = "5521999990001"
    standin.post("/_fail", {"to": rate, "codes": [130429, 130429]})
    open_ticket(s, rate, "Rafael", "Preciso da segunda via do boleto", 2)
    wait_accepted(standin, rate, 1, "the ack after two rate limits")
    seen = standin.requests(rate)
    check([q["checked"] for q in seen] == ["130429", "130429", "ok"],
          "two refusals for the rate limit, then one accepted", [q["checked"] for q in seen])
    wamid = seen[-1]["answer"]["messages"][0]["id"]

    def delivered(nid):
        for env in s.replay("notify"):
            if env.type == notify_pb2.NotificationDelivered.DESCRIPTOR.full_name:
                d = notify_pb2.NotificationDelivered.FromString(env.payload)
                if d.notification_id == nid:
                    return d
        return None
    rate_number = re.search(r"#([0-9]+)", seen[-1]["body"]["text"]["body"]).group(1)
    d = wait_until(lambda: delivered("t%s-ack~wa" % rate_number), 10, "NotificationDelivered")
    check(d.transport == "whatsapp" and d.attempts == 3 and d.whatsapp_message_id == wamid,
          "delivered once, after 3 attempts, with Meta's wamid", d)

    # ---- Meta's statuses of that message on the ticket's timeline -------
    # (the webhook hands them to intake as RecordWhatsAppStatus: tested in
    # test_whatsapp_in.py; intake learns the wamid's ticket from notify's
    # NotificationDelivered.)
    wait_until(lambda: intake_knows(s, wamid), 10, "intake to learn the wamid's ticket")
    for status, code, title in (("delivered", 0, ""), ("read", 0, ""),
                                ("failed", 131026, "Message undeliverable")):
        s.call("intake", intake_pb2.RecordWhatsAppStatus(
            message_id=wamid, status=status, recipient=rate, timestamp=int(time.time()),
            error_code=code, error_title=title), principal="service:gateway")

    def timeline():
        out = s.run_tool("balcao", ["history", rate_number], env={"BALCAO_PRINCIPAL": AGENT})
        text = out.stdout.decode()
        return text if "não entregue" in text else None
    hist = wait_until(timeline, 10, "the statuses on the ticket's history")
    check("WhatsApp: mensagem entregue ao cliente" in hist
          and "WhatsApp: mensagem lida pelo cliente" in hist
          and "WhatsApp: mensagem não entregue (erro 131026: Message undeliverable)" in hist,
          "the agent sees on the timeline that the message was delivered, read, and failed "
          "with Meta's reason", hist)

    # ---- the customer taps "Sim, resolvido": the router closes ----------
    cli(s, "resolve", rate_number, "Enviamos a segunda via por aqui.")
    wait_until(lambda: any(q["body"]["type"] == "interactive" for q in accepted(standin, rate)),
               10, "Rafael's resolution buttons")
    # The button's reply reaches intake as a message whose text is the title.
    open_ticket(s, rate, "Rafael", "Sim, resolvido", 6)
    closed = wait_until(lambda: [q["body"] for q in accepted(standin, rate)
                                 if "encerrado" in q["body"].get("text", {}).get("body", "")],
                        10, "the closing notice after 'Sim, resolvido'")
    check(s.ticket(int(rate_number)).status == "fechado" and "nota de 1 a 5" in
          closed[0]["text"]["body"], "'Sim, resolvido' closes the ticket; the rating is asked",
          closed)

    # ---- 131047: template instead; 131047 again: dead letter ----------
    late = "5531988880002"
    standin.post("/_fail", {"to": late, "codes": [131047]})
    open_ticket(s, late, "Luíza", "O app fecha sozinho", 3)
    got = wait_accepted(standin, late, 1, "the template after 131047")
    tpl = got[0]["body"]
    check([q["checked"] for q in standin.requests(late)] == ["131047", "ok"]
          and tpl["type"] == "template" and tpl["template"]["name"] == "balcao_ack",
          "131047 on the text: the approved template goes instead", tpl)

    dead = "5541977770003"
    standin.post("/_fail", {"to": dead, "codes": [131047, 131047]})
    open_ticket(s, dead, "Pedro", "Não recebo o código SMS", 4)

    def dead_item():
        for item in s.outbox_list("dead").items:
            if item.recipient == "whatsapp:+" + dead:
                return item
        return None
    item = wait_until(dead_item, 10, "the dead letter in ListOutbox")
    check(item.last_code == 131047 and "Re-engagement" in item.last_error
          and item.notification_id.endswith("-ack~wa"),
          "dead letter with Meta's code and message", item)
    log("dead letter: %s %s %r" % (item.notification_id, item.last_code, item.last_error))

    # ---- outside the window: the configured template -------------------
    wait = WINDOW_S + 0.5 - (time.monotonic() - opened)
    if wait > 0:
        time.sleep(wait)
    cli(s, "reply", number, "Maria, conseguiu entrar?")
    t = wait_accepted(standin, maria, 4, "the reply outside the window")[3]["body"]
    check(t["type"] == "template" and t["template"]["name"] == "atualizacao_chamado"
          and t["template"]["language"]["code"] == "pt_BR",
          "outside the window: the reply's template in pt_BR", t)
    params = [p["text"] for p in t["template"]["components"][0]["parameters"]]
    check(params == ["Maria", "#" + number], "the template's parameters: name, ticket", params)

    # Maria writes again by WhatsApp: the window opens again (notify's view
    # follows the inbound MessageAppended), and the next reply is text.
    open_ticket(s, maria, "Maria Souza", "Ainda não consegui entrar", 5)
    time.sleep(0.5)
    cli(s, "reply", number, "Vamos liberar seu acesso manualmente.")
    def sent_after(since):
        return [q["body"] for q in accepted(standin, maria)[since:]]
    wait_until(lambda: any("manualmente" in json.dumps(b, ensure_ascii=False)
                           for b in sent_after(4)), 10, "the reply after Maria wrote again")
    later = sent_after(4)
    log("after Maria wrote again: %s" % [b.get("type") for b in later])
    check(all(b["type"] == "text" for b in later)
          and any(("#%s" % number) in b["text"]["body"] and "manualmente" in b["text"]["body"]
                  for b in later),
          "after the customer wrote again (her message joined the ticket): free text again",
          later)

    # ---- kill -9 in the middle of a group of sends ---------------------
    group = ["55619666600%02d" % i for i in range(5)]
    standin.post("/_delay", {"ms": 300})
    for i, who in enumerate(group):
        open_ticket(s, who, "Cliente %d" % i, "Pedido %d atrasado" % i, 10 + i)
    wait_until(lambda: sum(len(standin.requests(w)) for w in group) >= 3, 15,
               "three sends of the group under way")
    s.kill9("notify")
    standin.post("/_delay", {"ms": 0})
    s.restart("notify")
    wait_until(lambda: all(accepted(standin, w) for w in group), 15, "every ack of the group")
    time.sleep(1.0)  # a late duplicate would show up now
    counts = [len(accepted(standin, w)) for w in group]
    extra = sum(counts) - len(group)
    log("kill -9 mid-group: accepted requests per notice %s (extra: %d)" % (counts, extra))
    check(min(counts) == 1 and extra <= 1,
          "exactly once, but at most the one request whose answer notify never got", counts)
    check("attempt_outcome_journaled" in s.log_text("notify"),
          "sends Meta accepted before the kill were found in the journal, not sent again")

    # Every request the stand-in saw had the right token and a documented shape.
    bad = [q for q in standin.requests() if q["checked"] in ("auth", "json", "type", "shape")]
    check(not bad, "every request authorised and of a documented shape", bad[:2])
    s.check_alive()
    log("test_whatsapp_out passed")


if __name__ == "__main__":
    run_test(main)

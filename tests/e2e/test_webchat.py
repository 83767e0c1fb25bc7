#!/usr/bin/python3
"""The web chat (issue 16; docs/API.md "Web chat"), over HTTP against the
real gateway and services.

Proves:
- POST /api/v1/chat/start gives a conversation "chat:<id>" and a CSRF
  token, and sets an HttpOnly cookie scoped to /api/v1/chat (SameSite);
  a second start with that cookie resumes the same chat;
- bad input gets a clear 400 (or 401/403/415) in both languages and nothing
  reaches intake: broken JSON, a missing id, an empty or oversized text, a
  control character, a bad e-mail, a wrong Content-Type, a foreign Origin,
  a missing or wrong CSRF token, no cookie, a forged cookie;
- a visitor's message reaches intake as channel "chat" from "chat:<id>"
  (MessageReceived), once even when retried with the same id;
- the stream (GET /api/v1/chat/events) brings the bot's answer to a
  question the default knowledge base answers, with the article's link;
- the contact form reaches intake with reply_id "contact", the name and the
  e-mail;
- ending the chat (POST /chat/end) hands it to a person: a ticket whose
  conversation is the chat's, for the e-mail given, with the transcript;
  an agent's public reply then reaches the (still open) stream as an
  `agent` event with the agent's name;
- a second visitor cannot read the first's stream nor write in it;
- a visitor who leaves (no stream for gateway/chat/idle_s) has their chat
  ended by the gateway: it becomes a ticket too;
- /chat (what chat.js frames on a customer's site) may be framed by the
  origins of gateway/chat/embed_origins only (a malformed one left out),
  the other pages by none; new chats per IP address are limited (429).
"""

import json
import os
import time
import urllib.request

from harness import REPO, SseStream, System, check, intake_pb2, log, router_pb2, run_test, wait_until

import portal  # tests/e2e/portal.py: a browser's cookie jar

QUESTION = "Como faço para redefinir minha senha?"
AGENT = "agent:ana@balcao.test"


class Visitor(portal.Portal):
    """A browser on the portal: its chat cookie and the chat's CSRF token."""

    def start(self, **body):
        status, out, hdrs = self.post("/chat/start", body, csrf=False)
        if status in (200, 201):
            self.csrf = out["csrf_token"]
            self.conversation = out["conversation"]
        return status, out, hdrs

    def write(self, path, body, **kw):
        return self.post(path, body, **kw)

    def cookie_header(self):
        return "; ".join("%s=%s" % (c.name, c.value) for c in self.jar)


class Stream(SseStream):
    """GET /api/v1/chat/events: (id, event, data, time)."""

    def __init__(self, s, cookie=None, last_id=None):
        headers = (["Cookie: " + cookie] if cookie else []) + \
            (["Last-Event-ID: " + last_id] if last_id else [])
        super().__init__(s, "/api/v1/chat/events", headers)

    def of(self, kind):
        with self.lock:
            return [e for e in self.events if e[1] == kind]


def chat_messages(s, conversation, from_seq=1):
    """intake's MessageReceived of the chat, in order."""
    out = []
    for env in s.replay("intake", from_seq):
        if env.type != intake_pb2.MessageReceived.DESCRIPTOR.full_name:
            continue
        mr = intake_pb2.MessageReceived.FromString(env.payload)
        if mr.from_address == conversation:
            out.append(mr)
    return out


def check_refusals(s, v, conversation):
    """Bad input: refused with a clear answer, nothing stored."""
    head = s.head_seq("intake")
    cases = [
        ("broken JSON", dict(raw=b"{\"id\": ", headers={"Content-Type": "application/json"}), 400),
        ("no id", dict(body={"text": "oi"}), 400),
        ("bad id", dict(body={"id": "a b", "text": "oi"}), 400),
        ("empty text", dict(body={"id": "m-empty", "text": "   "}), 400),
        ("text not a string", dict(body={"id": "m-num", "text": 42}), 400),
        ("text too long", dict(body={"id": "m-long", "text": "á" * 2001}), 400),
        ("control character", dict(body={"id": "m-ctl", "text": "oi\u0007"}), 400),
        ("reply_id contact", dict(body={"id": "m-rc", "text": "x", "reply_id": "contact"}), 400),
        ("not JSON", dict(body={"id": "m-type", "text": "oi"},
                          headers={"Content-Type": "text/plain"}), 415),
        ("foreign Origin", dict(body={"id": "m-origin", "text": "oi"},
                                headers={"Origin": "https://evil.example"}), 403),
        ("no CSRF token", dict(body={"id": "m-nocsrf", "text": "oi"}, csrf=False), 403),
        ("wrong CSRF token", dict(body={"id": "m-badcsrf", "text": "oi"}, csrf="x" * 43), 403),
    ]
    for what, kw, want in cases:
        status, body, _ = v.write("/chat/messages", kw.pop("body", None), **kw)
        check(status == want, "%s: %d" % (what, want), (status, body))
        check(body and body.get("message") and body.get("message_pt"),
              "%s: a sentence in English and Portuguese" % what, body)
    for what, body in [("no name", {"id": "c1", "email": "ana@example.com"}),
                       ("bad e-mail", {"id": "c2", "name": "Ana", "email": "ana@"}),
                       ("e-mail with spaces", {"id": "c3", "name": "Ana", "email": "a na@x.com"}),
                       ("name not a string", {"id": "c4", "name": ["Ana"], "email": "a@x.com"})]:
        status, out, _ = v.write("/chat/contact", body)
        check(status == 400, "contact, %s: 400" % what, (status, out))
    status, out, _ = v.write("/chat/contact", {"id": "c5", "name": "Ana", "email": "ana@"})
    check("e-mail" in out["message_pt"], "a bad e-mail is named as such", out)
    # No cookie, a forged one.
    stranger = Visitor(s)
    status, out, _ = stranger.write("/chat/messages", {"id": "s1", "text": "oi"}, csrf="x" * 43)
    check(status == 401 and out["error"] == "no_chat", "no chat cookie: 401 no_chat", (status, out))
    status, out, _ = stranger.write("/chat/messages", {"id": "s2", "text": "oi"}, csrf="x" * 43,
                                    headers={"Cookie": "balcao_chat=" + "A" * 43})
    check(status == 401, "a forged chat cookie: 401", (status, out))
    time.sleep(0.3)
    check(not chat_messages(s, conversation, head + 1), "nothing refused reached intake")
    log("bad input: %d cases refused, nothing stored" % (len(cases) + 6))


def main():
    # The e-mail that tells the visitor of a later answer needs no SMTP here.
    with System("webchat", extra_config={"gateway": "    chat\n        idle_s = 5\n"}) as s:
        s.start_all()
        # The starter articles (data/kb): the bot answers from them.
        proc = s.run_tool("balcao", ("kb", "import", os.path.join(REPO, "data", "kb"), "--publish"),
                          env={"BALCAO_PRINCIPAL": AGENT})
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=AGENT, name="Ana Souza", email="ana@balcao.test", tier="N1", status="online")),
            principal="admin:root@balcao.test")
        desk = portal.staff_sign_in(s, AGENT)
        check(proc.returncode == 0, "the starter articles are imported", proc.stderr)
        v = Visitor(s)
        status, chat, hdrs = v.start(language="pt-BR")
        check(status == 201, "start: 201", (status, chat))
        conversation = chat["conversation"]
        check(conversation.startswith("chat:") and len(conversation) >= 20,
              "an unguessable conversation id", conversation)
        cookie = [c for c in hdrs.get_all("Set-Cookie") or [] if c.startswith("balcao_chat=")]
        check(cookie and "HttpOnly" in cookie[0] and "Path=/api/v1/chat" in cookie[0]
              and "SameSite=" in cookie[0], "an HttpOnly, SameSite cookie scoped to the chat",
              cookie)
        status, again, _ = v.start()
        check(status == 200 and again["conversation"] == conversation and not again["is_new"],
              "a second start with the cookie resumes the chat", again)

        check_refusals(s, v, conversation)

        stream = Stream(s, v.cookie_header())
        check(stream.status == 200, "the visitor's stream opens", stream.status)
        # A second visitor: their own chat, never the first's stream.
        other = Visitor(s)
        other.start()
        spy = Stream(s, other.cookie_header())
        check(Stream(s).status == 401, "a stream without a chat cookie: 401")

        t_sent = time.monotonic()
        status, sent, _ = v.write("/chat/messages", {"id": "m1", "text": QUESTION})
        check(status == 202 and sent["message_ref"], "the message is accepted", (status, sent))
        status, again, _ = v.write("/chat/messages", {"id": "m1", "text": QUESTION})
        check(status == 202 and again["message_ref"] == sent["message_ref"],
              "a retry with the same id is the same message", again)
        msgs = wait_until(lambda: chat_messages(s, conversation) or None, 5,
                          "the message at intake")
        check(len(msgs) == 1 and msgs[0].channel == "chat" and msgs[0].body == QUESTION
              and msgs[0].language == "pt-BR", "one MessageReceived, channel chat", msgs)

        bot = wait_until(lambda: stream.of("bot") or None, 10, "the bot's answer on the stream",
                         system=s)
        log("the bot's answer reached the visitor's stream %.2f s after the message was sent"
            % (time.monotonic() - t_sent))
        first = bot[0][2]
        log("bot: %r (article %s)" % (first["text"][:80], first["article_url"]))
        check(first["text"] and first["article_url"], "the answer offers an article", first)
        check(bot[0][0] == "%d.0" % first["seq"], "its id is the cursor <bot seq>.<agent n>",
              bot[0][0])

        status, sent, _ = v.write("/chat/contact", {"id": "k1", "name": "Ana Souza",
                                                    "email": "Ana.Souza@Cliente.example"})
        check(status == 202, "the contact form is accepted", (status, sent))
        contact = wait_until(lambda: [m for m in chat_messages(s, conversation)
                                      if m.reply_id == "contact"] or None, 5, "the contact")
        check(contact[0].contact_address == "ana.souza@cliente.example"
              and contact[0].from_name == "Ana Souza", "name and e-mail at intake", contact[0])

        # Ended at once: the gateway waits until kb has the e-mail (it goes
        # through intake and the router; the end goes straight to kb).
        status, out, _ = v.write("/chat/end", {})
        check(status == 200 and out["ended"], "the visitor ends the chat", (status, out))
        ticket = wait_until(
            lambda: next((t for t in s.all_tickets() if t.conversation == conversation), None),
            10, "the chat's ticket", system=s)
        check(ticket.channel == "chat" and ticket.customer_address == "ana.souza@cliente.example",
              "the ticket is the visitor's, by chat", ticket)
        full = s.ticket(ticket.number)
        text = "\n".join(m.body for m in full.messages)
        check(QUESTION in text, "the transcript is on the ticket", text[:500])
        status, out, _ = v.write("/chat/messages", {"id": "m9", "text": "ainda aí?"})
        check(status == 409 and out["error"] == "ended", "an ended chat takes no message", out)

        wait_until(lambda: stream.of("ended") or None, 5, "the stream says the chat ended")

        # The second visitor asks for a person and answers what the bot
        # asks (a category, a description, a name and e-mail) until it
        # hands the chat on; an agent's reply then reaches their stream.
        status, _, _ = other.write("/chat/messages", {"id": "o1",
                                                      "text": "Quero falar com um atendente"})
        check(status == 202, "the second visitor writes", status)
        seen, step = 0, 0
        deadline = time.monotonic() + 20
        ticket2 = None
        while time.monotonic() < deadline and not ticket2:
            ticket2 = next((t for t in s.all_tickets() if t.conversation == other.conversation),
                           None)
            bots = spy.of("bot")
            if ticket2 or len(bots) == seen:
                time.sleep(0.1)
                continue
            seen = len(bots)
            last = bots[-1][2]
            step += 1
            log("bot to the second visitor: state=%s %r" % (last["state"], last["text"][:70]))
            if last["asks_contact"]:
                other.write("/chat/contact", {"id": "oc%d" % step, "name": "Bruno Lima",
                                              "email": "bruno@cliente.example"})
            elif last["options"] or last["buttons"]:
                choice = (last["options"] or last["buttons"])[0]
                other.write("/chat/messages", {"id": "o%d" % (step + 1), "text": choice["title"],
                                               "reply_id": choice["id"]})
            elif last["state"] != "handed_off":
                other.write("/chat/messages", {"id": "o%d" % (step + 1),
                                               "text": "Não consigo emitir a segunda via do boleto."})
        check(ticket2 is not None, "the bot hands the second visitor's chat to a person")
        log("second visitor's chat: ticket #%d (%s)" % (ticket2.number, ticket2.handoff_reason))
        # The dashboard's Chats: Bruno's live chat, not Ana's ended one.
        code, body, _ = desk.get("/desk/chats")
        check(code == 200, "GET /desk/chats", (code, body))
        listed = {c["number"]: c for c in body["chats"]}
        check(ticket2.number in listed and ticket.number not in listed,
              "the live chat is listed, the ended one is not", listed)
        row = listed[ticket2.number]
        check(row["visitor"] == "Bruno Lima" and row["handoff_reason"] == ticket2.handoff_reason
              and row["waiting_since"] and row["conversation"] == other.conversation,
              "its visitor, waiting time and hand-off reason", row)
        check(Visitor(s).get("/desk/chats")[0] == 401, "the chats list is for the staff")
        s.call("router", router_pb2.AddMessage(number=ticket2.number, body="Olá, Bruno! Vou ajudar.",
                                               is_internal=False),
               principal=AGENT)
        t0 = time.monotonic()
        agent = wait_until(lambda: spy.of("agent") or None, 5, "the agent's reply on the stream",
                           system=s)
        log("the agent's reply reached the visitor's stream in %.2f s" % (time.monotonic() - t0))
        check(agent[0][2]["text"] == "Olá, Bruno! Vou ajudar."
              and agent[0][2]["author"] == "Ana Souza", "the agent's words, with their name", agent)
        last_bot = spy.of("bot")[-1][0]
        resumed = Stream(s, other.cookie_header(), last_id=last_bot)
        check(resumed.status == 200, "the stream resumes after Last-Event-ID")
        again = wait_until(lambda: resumed.of("agent") or None, 5, "the reply after resuming")
        check(again[0][2]["text"] == "Olá, Bruno! Vou ajudar." and not resumed.of("bot"),
              "only what came after Last-Event-ID comes again", resumed.events)
        check(not any(e[2].get("text", "").startswith("Entendi") for e in spy.events)
              and not stream.of("agent"),
              "neither visitor's stream saw the other's chat", (spy.events, stream.events))
        # The agent resolves: the widget shows the resolution and asks
        # whether it solved the problem; the visitor's "Sim, resolvido"
        # (the widget's button sends its words) closes the ticket.
        resolve = router_pb2.TicketAction(number=ticket2.number, action="resolve",
                                          text="Reenviamos a segunda via para o seu e-mail.")
        s.call("router", resolve, principal=AGENT)
        resolved = wait_until(
            lambda: [e for e in spy.of("ticket") if e[2]["status"] == "resolvido"] or None, 5,
            "the resolution on the visitor's stream", system=s)[-1][2]
        check(resolved["ticket"] == ticket2.number
              and resolved["resolution"] == "Reenviamos a segunda via para o seu e-mail.",
              "the stream names the ticket and what was done", resolved)
        late = Stream(s, other.cookie_header(), last_id=last_bot)
        check(wait_until(lambda: late.of("ticket") or None, 5,
                         "a stream opened later gets the status")[-1][2]["status"] == "resolvido",
              "a stream opened later shows the resolution too", late.events)
        late.close()
        check(not stream.of("ticket"), "the other visitor's stream has no ticket of theirs",
              stream.events)
        # "Ainda não": the ticket reopens, and the widget says so; resolved
        # again, "Sim, resolvido" closes it.
        status, _, _ = other.write("/chat/messages", {"id": "no1", "text": "Ainda não"})
        check(status == 202, "the visitor says it is not solved yet", status)
        wait_until(lambda: [e for e in spy.of("ticket") if e[2]["status"] == "reaberto"] or None,
                   10, "the reopening on the visitor's stream", system=s)
        resolve = router_pb2.TicketAction(number=ticket2.number, action="resolve",
                                          text="Reenviamos a segunda via para o seu e-mail.")
        s.call("router", resolve, principal=AGENT)
        wait_until(lambda: spy.of("ticket")[-1][2]["status"] == "resolvido" or None, 5,
                   "the second resolution on the visitor's stream", system=s)
        status, _, _ = other.write("/chat/messages", {"id": "ok1", "text": "Sim, resolvido"})
        check(status == 202, "the visitor answers the resolution", status)
        wait_until(lambda: s.ticket(ticket2.number).status == "fechado" or None, 10,
                   "the visitor's confirmation closes the ticket", system=s)
        closed = wait_until(
            lambda: [e for e in spy.of("ticket") if e[2]["status"] == "fechado"] or None, 5,
            "the closing on the visitor's stream", system=s)[-1][2]
        check(closed["resolution"] == "", "a closed ticket's event carries no resolution", closed)
        for st in (stream, spy, resumed):
            st.close()

        # A visitor who leaves without a word more (no stream for
        # gateway/chat/idle_s): the chat ends by itself and becomes a ticket.
        gone = Visitor(s)
        gone.start()
        gone.write("/chat/messages", {"id": "g1", "text": "Minha fatura veio com valor errado"})
        t0 = time.monotonic()
        left = wait_until(
            lambda: next((t for t in s.all_tickets() if t.conversation == gone.conversation),
                         None), 20, "the quiet chat's ticket", system=s)
        log("a quiet chat ended by itself after %.1f s (idle_s = 5): ticket #%d (%s)"
            % (time.monotonic() - t0, left.number, left.handoff_reason))
        check(left.chat_ended_us > 0, "the ticket says the visitor left", left)
        status, out, _ = gone.write("/chat/messages", {"id": "g2", "text": "oi?"})
        check(status == 409, "the quiet chat takes no more messages", (status, out))
        log("web chat: bot answer, contact, end -> ticket #%d; hand-off -> ticket #%d, agent "
            "reply live" % (ticket.number, ticket2.number))


def check_embedding():
    """/chat's frame-ancestors from gateway/chat/embed_origins (a bad entry
    left out), chat.js served, the other pages still unframable; new chats
    per IP limited. The gateway alone: neither needs a service."""
    cfg = ('    web_root = "%s"\n    chat\n        starts_per_ip = 2\n'
           '        embed_origins = "https://loja.example, http://localhost:* https://*.evil '
           'javascript:alert(1) \'unsafe-inline\'"\n' % os.path.join(REPO, "web", "dist"))
    with System("webchat-embed", extra_config={"gateway": cfg}) as s:
        s.start("gateway")
        def page(path):
            with urllib.request.urlopen(s.http + path, timeout=5) as resp:
                return resp.status, resp.read(), resp.headers
        status, _, hdrs = page("/chat")
        csp = hdrs.get("Content-Security-Policy", "")
        check(status == 200 and "frame-ancestors 'self' https://loja.example http://localhost:*;"
              in csp and not hdrs.get("X-Frame-Options"),
              "/chat may be framed by the listed sites, and only them", csp)
        status, _, hdrs = page("/")
        check("frame-ancestors 'none'" in hdrs.get("Content-Security-Policy", "")
              and hdrs.get("X-Frame-Options") == "DENY", "the portal's pages stay unframable")
        status, _, hdrs = page("/chat.js")
        check(status == 200 and "javascript" in hdrs.get("Content-Type", ""), "chat.js is served",
              (status, hdrs.get("Content-Type")))
        v = Visitor(s)
        for i in range(2):
            status, chat, hdrs = v.start(restart=True)
            check(status == 201, "new chat %d" % (i + 1), (status, chat))
        cookie = [c for c in hdrs.get_all("Set-Cookie") if c.startswith("balcao_chat=")][0]
        check("SameSite=None; Secure; Partitioned" in cookie,
              "embedded, the cookie reaches a third party's frame", cookie)
        # (A Secure cookie over http: urllib's jar keeps it to itself, as it
        # should; browsers make an exception for 127.0.0.1, see webchat.mjs.)
        status, out, hdrs = v.start(restart=True)
        check(status == 429 and hdrs.get("Retry-After") and "conversas novas" in out["message_pt"],
              "a third new chat from one IP: 429, in words", (status, out))
        log("embedding: frame-ancestors from the config, a bad origin left out; 429 after 2 chats")


if __name__ == "__main__":
    run_test(main)
    run_test(check_embedding)

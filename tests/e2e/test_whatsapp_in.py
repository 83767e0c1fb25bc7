#!/usr/bin/python3
"""WhatsApp Cloud API in (issue 16, first step): Meta's webhook on the real
gateway, into intake and the router, with real signatures.

Proves, on one system:
  - GET /webhooks/whatsapp: Meta's subscription check answers the challenge
    (text/plain) with the configured verify token, 403 otherwise;
  - the signature vectors of ../shared/data/whatsapp/signature/VECTORS.txt:
    a body with its signature is taken (200), the same body tampered, with
    no signature or with the re-serialized JSON's signature is 403 and
    nothing reaches intake's log;
  - a text message becomes a ticket (channel whatsapp) that `balcao show`
    shows with the customer's name and words; the same POST again adds
    nothing; a second message from the same number joins the same ticket;
    location, contacts and button replies read as text;
  - every payload file under ../shared/data/whatsapp/ (webhook/,
    meta_docs/, each sample of pywa/, signature/) POSTed with a signature
    computed here is answered 200;
  - delivery statuses (sent, delivered, read, failed with 131047 and
    131026) are on intake's log once each, however often Meta sends them;
  - intake down: 503 (Meta retries); after intake is back, the retry is
    200 and the message is on its ticket once.
"""

import glob
import hashlib
import hmac
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.request

from harness import System, check, run_test, shared_data, wait_until
from balcao.v1 import intake_pb2

SECRET = b"test_app_secret_0123456789abcdef"  # VECTORS.txt's
TOKEN = "meatyhamhock"
PATH = "/webhooks/whatsapp"
CUSTOMER = "whatsapp:+972987654321"


def sign(body):
    return "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()


def post(s, body, signature=True, timeout=15):
    """POSTs raw bytes to the webhook; (status, body bytes)."""
    headers = {"Content-Type": "application/json"}
    if signature is True:
        signature = sign(body)
    if signature:
        headers["X-Hub-Signature-256"] = signature
    request = urllib.request.Request(s.http + PATH, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def post_json(s, payload):
    status, raw = post(s, json.dumps(payload).encode())
    check(status == 200, "the webhook takes the update", (status, raw))


def sample(*parts):
    with open(shared_data("whatsapp", *parts), "rb") as f:
        return f.read()


def renamed(name, wamid, **changes):
    """A webhook/ sample with its message id replaced (many samples share
    one id, and intake rightly keeps only the first)."""
    payload = json.loads(sample("webhook", name))
    msg = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    msg["id"] = wamid
    msg.update(changes)
    return payload


def customer_ticket(s):
    tickets = [t for t in s.all_tickets() if t.customer_address == CUSTOMER]
    check(len(tickets) == 1, "one ticket for the WhatsApp customer", tickets)
    return s.ticket(tickets[0].number)


def statuses(s):
    out = []
    for env in s.replay("intake"):
        if env.type.endswith("WhatsAppStatusReceived"):
            ev = intake_pb2.WhatsAppStatusReceived.FromString(env.payload)
            out.append((ev.message_id, ev.status, ev.error_code))
    return out


def settled_count(s):
    """The customer's ticket's message count once the router has caught up
    (the same twice, half a second apart)."""
    last = -1
    for _ in range(40):
        now = customer_ticket(s).message_count
        if now == last:
            return now
        last = now
        time.sleep(0.5)
    return last


def show(s, number):
    proc = s.run_tool("balcao", ["show", str(number)], env={"BALCAO_LANG": "pt-BR"})
    check(proc.returncode == 0, "balcao show %d" % number, proc.stderr)
    return proc.stdout.decode()


def main():
    if not shared_data("whatsapp", "signature", "VECTORS.txt"):
        print("SKIP: ../shared/data/whatsapp is not here")
        return
    secret_dir = tempfile.mkdtemp(prefix="balcao-wa-")
    secret_file = os.path.join(secret_dir, "app_secret")
    with open(secret_file, "wb") as f:
        f.write(SECRET + b"\n")
    gateway = ('    bus_timeout_ms = 1000\n    whatsapp\n        verify_token = "%s"\n'
               '        app_secret_file = "%s"\n' % (TOKEN, secret_file))
    # Each message opens or joins a ticket here: the bot (router/bot) has
    # its own test (test_whatsapp_bot.py).
    router = '    bot\n        enabled = "no"'
    with System("whatsapp_in", extra_config={"gateway": gateway, "router": router}) as s:
        s.start_all()

        # Meta's subscription check.
        good = "%s?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=%s" % (PATH, TOKEN)
        status, fields, body = s.http_raw_request(good)
        check(status == 200 and body == b"1158201444", "the challenge comes back", (status, body))
        check(fields.get("content-type", "").startswith("text/plain"), "as text/plain", fields)
        for bad in (good.replace(TOKEN, "meatyhamhocK"), good.replace(TOKEN, ""),
                    good.replace("subscribe", "unsubscribe")):
            status, _, body = s.http_raw_request(bad)
            check(status == 403 and b"1158201444" not in body, "refused: " + bad, status)

        # The signature vectors: only the raw bytes' HMAC is accepted.
        vectors = open(shared_data("whatsapp", "signature", "VECTORS.txt")).read()
        pairs = re.findall(r"file: (\S+).*?\nX-Hub-Signature-256: (sha256=[0-9a-f]{64})",
                           vectors, re.S)
        negative = re.search(r"NEGATIVE CASE.*?\n\s*(sha256=[0-9a-f]{64})", vectors, re.S).group(1)
        check(len(pairs) == 2, "two vectors in VECTORS.txt", pairs)
        seq = s.head_seq("intake")
        for name, signature in pairs:
            raw = sample("signature", name)
            check(sign(raw) == signature, "our HMAC matches the vector of " + name)
            tampered = raw.replace(b"\"text\"", b"\"text\" ", 1)
            for what, body, sig in (("tampered", tampered, signature), ("unsigned", raw, None),
                                    ("re-serialized", raw, negative),
                                    ("malformed", raw, signature[:-2]),
                                    ("other scheme", raw, signature.replace("sha256", "sha1"))):
                status, _ = post(s, body, sig)
                check(status == 403, "%s %s is refused" % (what, name), status)
        check(s.head_seq("intake") == seq, "nothing reached intake from refused POSTs")
        for name, signature in pairs:
            status, raw = post(s, sample("signature", name), signature)
            check(status == 200, "the vector %s is taken" % name, (status, raw))
        wait_until(lambda: any("Jo\u00e3o" in t.customer_name for t in s.all_tickets()), 10,
                   "the pt-BR vector's ticket", system=s)
        joao = [t for t in s.all_tickets() if t.customer_address == "whatsapp:+5511987654321"]
        check(len(joao) == 1 and joao[0].channel == "whatsapp", "João's ticket", joao)
        text = show(s, joao[0].number)
        check("Olá, preciso da 2ª via do boleto. Obrigado!" in text
              and "João Conceição" in text, "balcao show: his words and name", text)

        # A text message, twice; then a second message.
        raw = sample("webhook", "message__text.json")
        status, _ = post(s, raw)
        check(status == 200, "a text message is taken", status)
        wait_until(lambda: any(t.customer_address == CUSTOMER for t in s.all_tickets()), 10,
                   "the text message's ticket", system=s)
        t = customer_ticket(s)
        text = show(s, t.number)
        check("Body Text" in text and "Test Name" in text, "balcao show: text and name", text)
        total = s.ticket_total()
        status, _ = post(s, raw)
        check(status == 200, "Meta's redelivery is answered 200", status)
        second = renamed("message__text.json", "wamid.e2e-second",
                         text={"body": "Segunda mensagem: o boleto não chegou"})
        post_json(s, second)
        wait_until(lambda: customer_ticket(s).message_count == 2, 10, "the second message",
                   system=s)
        check(s.ticket_total() == total, "no new ticket for the redelivery or the second")

        # Location, contacts, button and list replies: text on the same ticket.
        expected = {
            "wamid.e2e-location": ("message__chosen_location.json",
                                   "Localização: 37.4611978, -122.2164385 — Facebook HQ, "
                                   "1 Hacker Way, Menlo Park, CA 94025"),
            "wamid.e2e-contacts": ("message__contacts.json",
                                   "Contato: Chandler Bing (+1 555-555-5555)"),
            "wamid.e2e-button": ("callback_button__button.json", None),
            "wamid.e2e-quick": ("callback_button__quick_reply.json", "title"),
            "wamid.e2e-list": ("callback_selection__callback.json", None),
            "wamid.e2e-doc": ("message__document.json", "[Documento"),
        }
        for wamid, (name, _) in expected.items():
            post_json(s, renamed(name, wamid))
        wait_until(lambda: customer_ticket(s).message_count == 2 + len(expected), 10,
                   "the replies on the ticket", system=s)
        bodies = {m.message_id: m.body for m in customer_ticket(s).messages}
        for wamid, (name, want) in expected.items():
            msg = json.loads(sample("webhook", name))["entry"][0]["changes"][0]["value"]["messages"][0]
            if want is None:  # an interactive reply: the title the customer tapped
                reply = msg["interactive"]
                want = reply[reply["type"]]["title"]
            check(want in bodies.get(wamid, ""), "%s reads as text" % name,
                  (want, bodies.get(wamid)))
        check("Chandler Bing" in show(s, t.number), "balcao show has the shared contact")

        # Every payload in the shared data, signed here.
        files = sorted(glob.glob(shared_data("whatsapp", "webhook") + "/*.json")
                       + glob.glob(shared_data("whatsapp", "meta_docs") + "/*.json"))
        files += [shared_data("whatsapp", "signature", n) for n in
                  ("body_ptbr_escaped.json", "body_pywa_text.json")]
        bodies = [(os.path.basename(f), open(f, "rb").read()) for f in files]
        for f in sorted(glob.glob(shared_data("whatsapp", "pywa") + "/*.json")):
            for key, update in json.load(open(f)).items():
                bodies.append(("pywa/%s:%s" % (os.path.basename(f), key),
                               json.dumps(update).encode()))
        for name, body in bodies:
            status, answer = post(s, body)
            check(status == 200, "the webhook takes " + name, (status, answer))
        count = settled_count(s)
        check(count > 2 + len(expected), "the samples' other messages joined the ticket", count)
        total = s.ticket_total()
        for name, body in bodies:  # all of them again: nothing new
            status, _ = post(s, body)
            check(status == 200, "again: " + name, status)
        check(settled_count(s) == count and s.ticket_total() == total,
              "the redeliveries added nothing")

        # What is not text is on intake's log for what comes next (the bot,
        # the media download): the tapped button's payload, the media id.
        received = [intake_pb2.MessageReceived.FromString(e.payload) for e in s.replay("intake")
                    if e.type.endswith("MessageReceived")]
        quick = [m for m in received if m.message_id == "wamid.e2e-quick"]
        check(len(quick) == 1 and quick[0].whatsapp.reply_id == "callback_data"
              and quick[0].whatsapp.type == "button", "the quick reply's payload is kept", quick)
        doc = [m.whatsapp for m in received if m.message_id == "wamid.e2e-doc"]
        check(len(doc) == 1 and doc[0].media_id and doc[0].mime_type and doc[0].filename,
              "the document's media reference is kept", doc)

        # Statuses: once each on intake's log, with their error codes.
        got = statuses(s)
        kinds = {st for _, st, _ in got}
        check({"sent", "delivered", "read", "failed"} <= kinds, "the statuses are stored", got)
        codes = {code for _, _, code in got}
        check({131047, 131026} <= codes, "the failures' error codes are stored", got)
        check(len(got) == len(set(got)), "each status once", got)
        check(len(got) >= 7, "every distinct status of the samples", got)

        # Intake down: 503, and Meta's retry after it is back stores it once.
        s.stop("intake")
        late = json.dumps(renamed("message__text.json", "wamid.e2e-late",
                                  text={"body": "Alguém aí?"})).encode()
        status, _ = post(s, late)
        check(status == 503, "intake down: 503, so Meta retries", status)
        s.start("intake")
        status, _ = post(s, late)
        check(status == 200, "the retry is taken", status)
        wait_until(lambda: customer_ticket(s).message_count == count + 1, 10,
                   "the late message", system=s)
        status, _ = post(s, late)
        check(status == 200 and customer_ticket(s).message_count == count + 1,
              "the late message is there once")

        # The webhook is its own door: the portal's API still wants its checks.
        request = urllib.request.Request(s.http + "/api/v1/tickets", data=raw, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Hub-Signature-256": sign(raw)})
        try:
            code = urllib.request.urlopen(request, timeout=5).status
        except urllib.error.HTTPError as e:
            code = e.code
        check(code in (401, 403), "a signed body does not open the portal's API", code)
        # A signed body that is no update; a body over the limit.
        status, _ = post(s, b'{"object":"page","entry":[]}')
        check(status == 400, "a signed non-update is 400", status)
        status, _, _ = s.http_raw_request(PATH, "POST", headers=(
            "Content-Type: application/json", "Content-Length: %d" % (1024 * 1024 + 1),
            "X-Hub-Signature-256: " + sign(b"")))
        check(status == 413, "a body over gateway/whatsapp/max_body_bytes is 413", status)

    # Not configured: the webhook is not there.
    with System("whatsapp_off") as s:
        s.start("gateway")
        status, _, _ = s.http_raw_request(good)
        check(status == 404, "no verify token configured: 404", status)
        status, _ = post(s, raw)
        check(status == 404, "no app secret configured: POST 404", status)
        print("ok: verification, %d signature refusals, %d payloads, threading, statuses, "
              "intake down/up" % (len(pairs) * 5, len(bodies)))


if __name__ == "__main__":
    run_test(main)

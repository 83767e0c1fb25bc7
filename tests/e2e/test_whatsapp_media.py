#!/usr/bin/python3
"""WhatsApp media (issue 16): the files of image, document, audio, voice,
video and sticker messages, downloaded by the real gateway from a stand-in
of the Graph API (graph_standin.py: GET /<version>/<media-id>, then the
download URL it answers, both with the Bearer token) and stored by intake
beside e-mail attachments, under the same limits.

Meta's own payloads (../shared/data/whatsapp/webhook/message__*.json) go
through the real webhook with real signatures. Proves, as an agent sees it:
  - `balcao show N` lists each file with its name (the document's own,
    else "imagem-<media id>.jpg" and the like), type and size, and
    `balcao attachment get` gives back exactly the bytes the stand-in
    served;
  - a file whose announced size is over intake/max_attachment_bytes is
    not downloaded; the message is kept and lists it as refused; a file
    that turns out larger than announced is cut off and refused the same
    way;
  - the Graph API answering 500 (or timing out): the webhook answers 503,
    nothing is stored, and Meta's redelivery after the stand-in recovers
    stores the message with its file, once;
  - a SHA-256 that does not match the bytes, or a media id Meta no longer
    has (404): the message is kept without the file and says so;
  - a slow download holds only its own request: the webhook's other
    requests are answered meanwhile;
  - the access token is in no log.
The bot is off (router/bot/enabled = "no"): every message opens or joins
a ticket.
"""

import copy
import json
import os
import tempfile
import threading
import time

from harness import System, check, run_test, shared_data, wait_until
from balcao.v1 import intake_pb2
from graph_standin import media_bytes
from test_whatsapp_in import PATH, SECRET, TOKEN as VERIFY_TOKEN, post, renamed, show
from test_whatsapp_out import TOKEN as GRAPH_TOKEN, Standin

CUSTOMER = "whatsapp:+972987654321"
MAX_FILE = 200000  # intake/max_attachment_bytes in this test
TIMEOUT_MS = 2000  # gateway/whatsapp/media_timeout_ms

# (payload, Meta's type, the name the file gets: %s is its media id)
MEDIA = [
    ("message__image.json", "image", "imagem-%s.jpg"),
    ("message__document.json", "document", "filename.pdf"),
    ("message__audio.json", "audio", "audio-%s.ogg"),
    ("message__voice.json", "audio", "audio-%s.ogg"),
    ("message__video.json", "video", "video-%s.mp4"),
    ("message__static_sticker.json", "sticker", "figurinha-%s.webp"),
    ("message__animated_sticker.json", "sticker", "figurinha-%s.webp"),
]


def media_message(name, kind, wamid, media_id):
    """A shared payload with its own wamid and media id (many samples share
    both); (payload, the media object)."""
    payload = renamed(name, wamid)
    msg = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    msg[kind] = copy.deepcopy(msg[kind])
    msg[kind]["id"] = media_id
    return payload, msg[kind]


def send(s, payload):
    return post(s, json.dumps(payload).encode(), timeout=30)


def messages(s):
    """The customer's ticket's messages by wamid (one ticket: the bot is off)."""
    tickets = [t for t in s.all_tickets() if t.customer_address == CUSTOMER]
    check(len(tickets) <= 1, "the WhatsApp customer has one ticket", tickets)
    if not tickets:
        return {}, 0
    t = s.ticket(tickets[0].number)
    return {m.message_id: m for m in t.messages}, t.number


def wait_message(s, wamid, what):
    wait_until(lambda: wamid in messages(s)[0], 15, what, system=s)
    return messages(s)[0][wamid]


def received(s, wamid):
    return [e for e in s.replay("intake") if e.type.endswith("MessageReceived")
            and intake_pb2.MessageReceived.FromString(e.payload).message_id == wamid]


def downloads(standin, media_id):
    return [q for q in standin.requests() if q.get("checked") == "download"
            and q.get("media_id") == media_id]


def main():
    if not shared_data("whatsapp", "webhook", "message__image.json"):
        print("SKIP: ../shared/data/whatsapp is not here")
        return
    secrets = tempfile.mkdtemp(prefix="balcao-wa-media-")
    secret_file = os.path.join(secrets, "app_secret")
    token_file = os.path.join(secrets, "access_token")
    with open(secret_file, "wb") as f:
        f.write(SECRET + b"\n")
    with open(token_file, "w") as f:
        f.write(GRAPH_TOKEN + "\n")
    standin = Standin(secrets)
    try:
        # One event-loop thread: a download there would hold every request.
        gateway = "\n".join([
            "    bus_timeout_ms = 3000",
            "    http_threads = 1",
            "    whatsapp",
            '        verify_token = "%s"' % VERIFY_TOKEN,
            '        app_secret_file = "%s"' % secret_file,
            '        api_url = "%s/v21.0"' % standin.url,
            '        token_file = "%s"' % token_file,
            "        media_timeout_ms = %d" % TIMEOUT_MS])
        extra = {"gateway": gateway,
                 "intake": "    max_attachment_bytes = %d" % MAX_FILE,
                 "router": '    bot\n        enabled = "no"'}
        with System("whatsapp_media", extra_config=extra) as s:
            s.start_all()
            run(s, standin)
    finally:
        standin.stop()


def run(s, standin):
    # ---- every media payload: the file is on the ticket, byte for byte ----
    expected = {}  # wamid -> (name, type, bytes)
    for i, (name, kind, file_name) in enumerate(MEDIA):
        wamid, media_id = "wamid.e2e-media-%d" % i, "9100%d" % i
        payload, media = media_message(name, kind, wamid, media_id)
        size = 700 + 977 * i  # from under 1 KB to a few KB, each its own
        standin.post("/_media", {"id": media_id, "mime_type": media["mime_type"], "size": size})
        status, answer = send(s, payload)
        check(status == 200, "the webhook takes " + name, (status, answer))
        expected[wamid] = (file_name.replace("%s", media_id), media["mime_type"],
                           media_bytes(media_id, size))
    wait_until(lambda: set(expected) <= set(messages(s)[0]), 15, "the media messages", system=s)
    by_wamid, number = messages(s)
    text = show(s, number)
    for wamid, (file_name, mime, data) in expected.items():
        m = by_wamid[wamid]
        check(len(m.attachments) == 1, "%s: one file on the message" % wamid, m)
        a = m.attachments[0]
        check(a.filename == file_name and a.content_type == mime and a.size == len(data),
              "%s: the file's name, type and size" % wamid, (a, file_name, mime, len(data)))
        line = "[anexo] %s  %s  %d bytes" % (file_name, mime, len(data))
        check(line in text and a.sha256 in text, "balcao show lists " + file_name, (line, text))
        got = s.run_tool("balcao", ["attachment", "get", a.sha256])
        check(got.returncode == 0 and got.stdout == data,
              "balcao attachment get gives %s's exact bytes" % file_name,
              (got.returncode, got.stderr, len(got.stdout)))
    check("Sem nome" not in text and "(sem nome)" not in text, "every file has a name", text)

    # ---- over the limit, announced: refused before downloading ----
    payload, _ = media_message("message__image.json", "image", "wamid.e2e-big", "92001")
    standin.post("/_media", {"id": "92001", "mime_type": "image/jpeg", "size": 3000})
    standin.post("/_media_fail", {"id": "92001", "kind": "size", "file_size": 30 * 1024 * 1024})
    status, answer = send(s, payload)
    check(status == 200, "a message with a file over the limit is taken", (status, answer))
    m = wait_message(s, "wamid.e2e-big", "the message with the oversized file")
    check(not m.attachments and list(m.refused_files) == ["imagem-92001.jpg (30 MB)"],
          "it is kept, its file listed as refused", (m.attachments, m.refused_files))
    check(not downloads(standin, "92001"), "the 30 MB file was not downloaded")
    text = show(s, number)
    check("[anexo recusado, acima do limite" in text and "imagem-92001.jpg (30 MB)" in text,
          "balcao show names the refused file", text)

    # ---- larger than announced: cut off at the limit, refused ----
    payload, _ = media_message("message__video.json", "video", "wamid.e2e-liar", "92002")
    standin.post("/_media", {"id": "92002", "mime_type": "video/mp4", "size": MAX_FILE + 50000})
    standin.post("/_media_fail", {"id": "92002", "kind": "size", "file_size": 1000})
    status, _ = send(s, payload)
    check(status == 200, "a file larger than announced: the message is taken", status)
    m = wait_message(s, "wamid.e2e-liar", "the message whose file lied about its size")
    check(not m.attachments and len(m.refused_files) == 1
          and m.refused_files[0].startswith("video-92002.mp4 ("),
          "its file is refused, not stored", (m.attachments, m.refused_files))

    # ---- the Graph API down: 503, and the redelivery stores it once ----
    for kind, wamid, media_id in (("500", "wamid.e2e-500", "92003"),
                                  ("download_500", "wamid.e2e-d500", "92004")):
        payload, _ = media_message("message__image.json", "image", wamid, media_id)
        standin.post("/_media", {"id": media_id, "mime_type": "image/png", "size": 2048})
        standin.post("/_media_fail", {"id": media_id, "kind": kind})
        seq = s.head_seq("intake")
        status, _ = send(s, payload)
        check(status == 503, "%s from the Graph API: 503, so Meta retries" % kind, status)
        time.sleep(0.3)
        check(not received(s, wamid) and s.head_seq("intake") == seq,
              "%s: nothing stored" % kind)
        status, _ = send(s, payload)
        check(status == 200, "%s: the redelivery is taken" % kind, status)
        m = wait_message(s, wamid, "the redelivered message")
        data = media_bytes(media_id, 2048)
        check(len(m.attachments) == 1 and m.attachments[0].filename == "imagem-%s.png" % media_id
              and m.attachments[0].size == len(data), "%s: the file came with it" % kind,
              m.attachments)
        status, _ = send(s, payload)
        check(status == 200, "%s: a second redelivery is answered 200" % kind, status)
        time.sleep(0.5)
        on_ticket = [x for x in s.ticket(number).messages if x.message_id == wamid]
        check(len(received(s, wamid)) == 1 and len(on_ticket) == 1
              and len(on_ticket[0].attachments) == 1,
              "%s: the message and its file are there once" % kind, on_ticket)

    # ---- a slow Graph API: 503 after media_timeout_ms, other requests go on ----
    payload, _ = media_message("message__image.json", "image", "wamid.e2e-slow", "92005")
    standin.post("/_media_fail", {"id": "92005", "kind": "slow", "ms": TIMEOUT_MS + 2000})
    result = {}
    slow = threading.Thread(target=lambda: result.update(status=send(s, payload)[0]))
    started = time.monotonic()
    slow.start()
    time.sleep(0.3)
    challenge = "%s?hub.mode=subscribe&hub.challenge=42&hub.verify_token=%s" % (PATH, VERIFY_TOKEN)
    t0 = time.monotonic()
    status, _, body = s.http_raw_request(challenge)
    quick_ms = (time.monotonic() - t0) * 1000
    check(status == 200 and body == b"42" and quick_ms < 1000,
          "the webhook answers others while a download waits", (status, body, quick_ms))
    slow.join(30)
    waited_ms = (time.monotonic() - started) * 1000
    check(result.get("status") == 503 and TIMEOUT_MS - 100 <= waited_ms < TIMEOUT_MS + 1900,
          "the slow download: 503 after media_timeout_ms", (result, waited_ms))
    check(not received(s, "wamid.e2e-slow"), "the timed-out message is not stored")

    # ---- a wrong SHA-256, a media id Meta no longer has: kept, said so ----
    for kind, wamid, media_id, why in (
            ("sha", "wamid.e2e-sha", "92006", "não confere com o SHA-256"),
            ("404", "wamid.e2e-404", "92007", "o WhatsApp não tem mais este arquivo"),
            ("download_404", "wamid.e2e-d404", "92008", "expirou")):
        payload, _ = media_message("message__document.json", "document", wamid, media_id)
        standin.post("/_media_fail", {"id": media_id, "kind": kind})
        status, _ = send(s, payload)
        check(status == 200, "%s: the message is taken" % kind, status)
        m = wait_message(s, wamid, "the message whose file was lost (%s)" % kind)
        check(not m.attachments and not m.refused_files, "%s: no file stored" % kind, m)
        check("Arquivo não recebido: filename.pdf" in m.body and why in m.body
              and "caption" in m.body, "%s: the message says the file was lost" % kind, m.body)
    text = show(s, number)
    check(text.count("Arquivo não recebido: filename.pdf") == 3,
          "balcao show tells the agent of the three lost files", text)

    # ---- the token is nobody's business ----
    s.stop("gateway")
    log = s.log_text("gateway")
    check(GRAPH_TOKEN not in log and "hash=standin" not in log,
          "neither the access token nor a download URL is in the gateway's log")
    check(log.count("event=whatsapp_media ") >= len(MEDIA) + 8,
          "every download is one log line", log.count("event=whatsapp_media "))
    print("ok: %d media payloads stored byte for byte; over the limit (announced and not), "
          "500 -> 503 -> once, timeout, sha mismatch, 404s" % len(MEDIA))


if __name__ == "__main__":
    run_test(main)

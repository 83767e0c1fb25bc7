#!/usr/bin/python3
"""Meta accepts a WhatsApp notice (it gives a wamid) and only later says, in
a status webhook, that it failed: notify reacts to that status.

Real services, the real gateway's webhook with real signatures (the app
secret as test_whatsapp_in.py's), and the Graph API stand-in
(graph_standin.py) for the sends. Proves, as the customer's phone and the
agent's `balcao outbox` would show it:
- a free-text acknowledgement accepted by Meta, then a signed "failed"
  status with 131047 (outside the 24-hour window) for its wamid: the
  approved template goes to the same number, exactly once: not again when
  Meta redelivers the same status, nor after notify restarts;
- a free-text acknowledgement accepted, then "failed" with 131026
  (undeliverable): no template, a dead letter whose reason names Meta's
  code and title, in `balcao outbox mortas`, still there after a restart;
- statuses of a wamid notify never sent, of the free text the template
  replaced, and of the dead letter's message change nothing.
"""

import hashlib
import hmac
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.request

from harness import System, check, log, run_test, shared_data, wait_until
from balcao.v1 import notify_pb2
from test_whatsapp_out import PHONE_ID, TOKEN, Standin, accepted, open_ticket

SECRET = b"test_app_secret_0123456789abcdef"
VERIFY = "meatyhamhock"
AGENT = "agent:ana@suporte.example"


def status_webhook(kind, wamid, number):
    """Meta's documented failed-status webhook (meta_docs/), for our wamid
    and the customer's number."""
    path = shared_data("whatsapp", "meta_docs", "webhook_status_failed_%s_composed.json" % kind)
    with open(path, encoding="utf-8") as f:
        payload = json.load(f)
    st = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    st["id"] = wamid
    st["recipient_id"] = number
    st["timestamp"] = str(int(time.time()))
    return json.dumps(payload).encode()


def post_signed(s, body):
    sig = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(s.http + "/webhooks/whatsapp", data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "X-Hub-Signature-256": sig})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            status = resp.status
    except urllib.error.HTTPError as e:
        status = e.code
    check(status == 200, "the gateway's webhook takes the signed status", status)


def delivered(s, wamid):
    """notify's NotificationDelivered for wamid (the wamid is on record in
    notify's index from that transaction on)."""
    for env in s.replay("notify"):
        if env.type == notify_pb2.NotificationDelivered.DESCRIPTOR.full_name:
            d = notify_pb2.NotificationDelivered.FromString(env.payload)
            if d.whatsapp_message_id == wamid:
                return d
    return None


def free_text_ack(s, standin, number, name, text, n):
    open_ticket(s, number, name, text, n)
    got = wait_until(lambda: accepted(standin, number), 10, "the acknowledgement to " + number)
    check(len(got) == 1 and got[0]["body"]["type"] == "text",
          "inside the window the acknowledgement goes as free text", got)
    wamid = got[0]["answer"]["messages"][0]["id"]
    d = wait_until(lambda: delivered(s, wamid), 10, "notify records the delivery of " + wamid)
    return wamid, d.notification_id


def templates(standin, number):
    return [q["body"] for q in accepted(standin, number) if q["body"]["type"] == "template"]


def outbox_cli(s, *args):
    proc = s.run_tool("balcao", ["outbox"] + list(args),
                      env={"BALCAO_PRINCIPAL": AGENT, "BALCAO_LANG": "pt-BR"})
    check(proc.returncode == 0, "balcao outbox", proc.stderr)
    return proc.stdout.decode()


def main():
    if not shared_data("whatsapp", "meta_docs", "webhook_status_failed_131047_composed.json"):
        print("SKIP: ../shared/data/whatsapp is not here")
        return
    with System("whatsapp_status_fallback") as s:
        standin = Standin(s.dir)
        try:
            run(s, standin)
        finally:
            standin.stop()


def run(s, standin):
    secrets = tempfile.mkdtemp(prefix="balcao-wa-", dir=s.dir)
    token_file = os.path.join(secrets, "whatsapp.token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    secret_file = os.path.join(secrets, "app_secret")
    with open(secret_file, "wb") as f:
        f.write(SECRET + b"\n")
    s.extra_config = {
        "notify": "\n".join([
            "    whatsapp",
            '        api_url = "%s/v21.0"' % standin.url,
            '        phone_number_id = "%s"' % PHONE_ID,
            '        token_file = "%s"' % token_file,
            "        timeout_ms = 5000",
            "        retry_first_ms = 200"]),
        "gateway": "\n".join([
            "    bus_timeout_ms = 1000",
            "    whatsapp",
            '        verify_token = "%s"' % VERIFY,
            '        app_secret_file = "%s"' % secret_file]),
        # A WhatsApp customer without an open ticket opens one, as before
        # the router's bot.
        "router": '    bot\n        enabled = "no"',
    }
    s.write_config()
    s.start_all()

    # ---- accepted, then failed with 131047: the template, once ---------
    late = "5511955550101"
    wamid, nid = free_text_ack(s, standin, late, "Luíza Prado", "O boleto não chegou", 1)
    body = status_webhook("131047", wamid, late)
    post_signed(s, body)
    tpl = wait_until(lambda: templates(standin, late), 10, "the template after the 131047 status")
    check(len(tpl) == 1 and tpl[0]["to"] == late and tpl[0]["template"]["name"] == "balcao_ack"
          and tpl[0]["template"]["language"]["code"] == "pt_BR",
          "a failed status with 131047: the acknowledgement's template to the same number", tpl)
    params = [p["text"] for p in tpl[0]["template"]["components"][0]["parameters"]]
    check(params[0] == "Luíza" and re.match(r"#[0-9]+$", params[1]),
          "the template names the customer and the ticket", params)
    tpl_wamid = [q for q in accepted(standin, late)
                 if q["body"]["type"] == "template"][0]["answer"]["messages"][0]["id"]
    d = wait_until(lambda: delivered(s, tpl_wamid), 10, "the template's delivery on record")
    check(d.notification_id == nid and d.attempts == 2,
          "the template is a new attempt of the same outbox entry", (d.notification_id, nid,
                                                                     d.attempts))

    # Meta redelivers the very same status: nothing more goes.
    post_signed(s, body)
    time.sleep(1.5)
    check(len(templates(standin, late)) == 1 and len(accepted(standin, late)) == 2,
          "a redelivered status sends nothing again", [q["body"]["type"]
                                                       for q in accepted(standin, late)])

    # ---- accepted, then failed with 131026: a dead letter ----------------
    gone = "5521944440202"
    wamid2, nid2 = free_text_ack(s, standin, gone, "Otávio", "Quero cancelar o pedido", 2)
    post_signed(s, status_webhook("131026", wamid2, gone))

    def dead_line():
        text = outbox_cli(s, "mortas")
        return text if nid2 in text else None
    listing = wait_until(dead_line, 10, "the dead letter in balcao outbox")
    log("balcao outbox mortas:\n" + listing)
    lines = listing.splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith(nid2)][0]
    check("morta" in lines[at] and "último erro: 131026: Message undeliverable" in lines[at + 1],
          "balcao outbox shows the dead letter with Meta's code and reason", lines[at:at + 2])
    item = [i for i in s.outbox_list("dead").items if i.notification_id == nid2][0]
    check(item.last_code == 131026 and item.recipient == "whatsapp:+" + gone,
          "ListOutbox: the dead letter's code and recipient", item)
    check(not templates(standin, gone) and len(accepted(standin, gone)) == 1,
          "an undeliverable message is not sent again", accepted(standin, gone))

    # ---- statuses that must change nothing -----------------------------
    # Of a message notify never sent; of the free text the template
    # replaced (now undeliverable); a 131047 of the dead letter's message.
    post_signed(s, status_webhook("131047", "wamid.NOT-OURS-0001", "5531900000000"))
    post_signed(s, status_webhook("131026", wamid, late))
    post_signed(s, status_webhook("131047", wamid2, gone))

    # ---- notify restarts: nothing sent again, the dead letter stays -----
    s.stop("notify")
    s.restart("notify")
    time.sleep(1.5)
    check(len(templates(standin, late)) == 1 and len(accepted(standin, late)) == 2
          and len(accepted(standin, gone)) == 1 and not standin.requests("5531900000000"),
          "after a restart: still one template, nothing else sent",
          [(q["body"]["to"], q["body"]["type"]) for q in standin.requests()])
    listing = outbox_cli(s)
    check(nid2 in listing and nid not in listing,
          "after the restart the dead letter is still listed, and the entry whose template "
          "went is not (delivered)", listing)
    fallbacks = re.findall(r"event=whatsapp_template_fallback notification=(\S+)",
                           s.log_text("notify"))
    check(fallbacks == [nid], "notify used the fallback once, for that entry", fallbacks)
    s.check_alive()
    log("test_whatsapp_status_fallback passed")


if __name__ == "__main__":
    run_test(main)

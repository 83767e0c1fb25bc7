#!/usr/bin/python3
"""Scale-out (issue 17): two intake replicas behind the mail gate and the
gateway, two notify replicas sharing the outbox work, one router.

intake/replicas = 2 and notify/replicas = 2: balcao-intake -r 2 and
balcao-notify -r 2 run beside the first ones, each with its own endpoints,
data directory and log; the router consumes both intakes' logs, intake
both notifies'. Proves:
  - the mail gate sends each message to the replica its Message-ID picks:
    both replicas take mail, every message becomes one ticket, numbered
    1..N by the one router;
  - a message sent again (same Message-ID, another Received line) is a
    duplicate: it reaches the replica that has it;
  - a customer's reply to an acknowledgement threads onto its ticket
    whichever replica takes it (each intake reads both notifies' logs);
  - the API (gateway) spreads customers over the replicas too;
  - notify's replicas split the tickets (each acknowledges its own share),
    and every ticket is acknowledged exactly once;
  - notify-2 killed (SIGKILL) while tickets come: once it is back, its
    share is acknowledged, nothing twice;
  - balcaoctl backup copies the replicas too, and a restore host by host
    (--only intake-2, then the rest) gives back the same system.
"""

import json
import os
import subprocess
import time

from harness import System, check, log, run_test, wait_until
from balcao.v1 import notify_pb2
from test_api_tickets import post, ticket_body

ADMIN = "admin:root@suporte.example"
INTAKE = '    submitters = "service:gateway, service:mailgate, service:erp"'


def mail(n, message_id=None, in_reply_to=None, extra=""):
    return ("Received: from mx%s.example by balcao.test\r\n"
            "From: Cliente %d <cliente%d@example.com.br>\r\n"
            "To: suporte@balcao.test\r\n"
            "Subject: %s\r\n"
            "Message-ID: <%s>\r\n%s"
            "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
            "O boleto %d não chegou.\r\n"
            % (extra, n, n, "Re: boleto" if in_reply_to else "Boleto %d não chegou" % n,
               message_id or "m%d@cliente.example" % n,
               "In-Reply-To: <%s>\r\n" % in_reply_to if in_reply_to else "", n)).encode()


def acks_in_log(s, inst, event):
    """The acknowledgements a notify replica's log names in its events of
    type `event` (NotificationQueued: queued; NotificationDelivered: on
    record as delivered)."""
    out = set()
    for ev in s.replay(inst):
        if ev.type == "balcao.v1." + event:
            n = getattr(notify_pb2, event).FromString(ev.payload)
            if n.notification_id.endswith("-ack"):
                out.add(n.notification_id)
    return out


def backup_and_restore(s):
    """balcaoctl backup copies every instance (intake-2 and notify-2 too: the
    router and intake read their logs); the copy restored onto a fresh
    installation of the same layout, one host's share at a time (--only
    intake-2, then the rest), is the same system: every ticket, the
    replicas' dedupe, and the next ticket acknowledged once."""
    # Every acknowledgement on record as delivered first (a file written
    # and not yet recorded when the backup freezes is written again after
    # a restore: operations.md, "What a restore sends again").
    wait_until(lambda: len(acks_in_log(s, "notify", "NotificationDelivered")
                          | acks_in_log(s, "notify-2", "NotificationDelivered")) == 40
               or None, 20, "every acknowledgement on record as delivered", system=s)
    backup_dir = os.path.join(s.dir, "backup")
    r = s.run_tool("balcaoctl", ("backup", backup_dir), timeout=120)
    check(r.returncode == 0 and "7 serviços" in r.stdout.decode(),
          "balcaoctl backup with replicas: the four services, two replicas and the gateway",
          (r.stdout, r.stderr))
    with open(os.path.join(backup_dir, "MANIFEST.json")) as f:
        manifest = json.load(f)
    services = manifest["services"]
    check({"intake", "intake-2", "router", "kb", "notify", "notify-2", "gateway"}
          == set(services), "the manifest names every instance", sorted(services))
    check(services["router"]["consumer_positions"].get("intake-2")
          == services["intake-2"]["log_head"],
          "the router's copy read intake-2 up to intake-2's copy (consistent)", services)
    for inst in ("intake-2", "notify-2"):
        check(os.path.exists(os.path.join(backup_dir, inst, "data.mdb")),
              "%s's store is in the backup" % inst)
    before = sorted(t.subject for t in s.all_tickets())
    s.stop_all()
    with System("replicas-restored", replicas={"intake": 2, "notify": 2},
                extra_config={"intake": INTAKE}) as r2:
        r = r2.run_tool("balcaoctl", ("restore", backup_dir, "--only", "intake-2"))
        check(r.returncode == 0 and os.path.exists(os.path.join(r2.var, "intake-2", "data.mdb"))
              and not os.path.exists(os.path.join(r2.var, "intake")),
              "restore --only intake-2: that replica's share alone", (r.stdout, r.stderr))
        r = r2.run_tool("balcaoctl", ("restore", backup_dir, "--only", "intake-3"))
        check(r.returncode == 1 and "intake-3" in r.stderr.decode(),
              "a replica the backup does not have: refused, named", r.stderr)
        r = r2.run_tool("balcaoctl", ("restore", backup_dir, "--only",
                                      "intake,router,kb,notify,notify-2,gateway"))
        check(r.returncode == 0, "restore of the other hosts' shares", (r.stdout, r.stderr))
        r2.start_all()
        check(sorted(t.subject for t in r2.all_tickets()) == before,
              "every ticket is back, from both intakes", len(before))
        r = r2.mailgate(mail(7, extra="-after-restore"))
        check(r.returncode == 0 and b"already received" in r.stderr,
              "a message sent again after the restore is still a duplicate", r.stderr)
        r = r2.mailgate(mail(41))
        check(r.returncode == 0, "a new message after the restore", r.stderr)
        wait_until(lambda: r2.ticket_total() == len(before) + 1, 20, "its ticket", system=r2)
        # (The file transport's mail directory is the mail sent, outside
        # the backup: only what is sent after the restore lands there.)
        number = len(before) + 1
        wait_until(lambda: r2.ack_count() >= 1, 20, "its acknowledgement", system=r2)
        time.sleep(0.5)
        got = r2.outbox_files()[0]
        check(dict(got) == {number: 1},
              "the new ticket is acknowledged once, and nothing restored is sent again", got)
        r2.check_alive()
        log("backup with replicas: %d instances; restored by host, %d tickets, dedupe kept"
            % (len(services) - 1, len(before)))
    s.start_all()


def main():
    with System("replicas", replicas={"intake": 2, "notify": 2},
                extra_config={"intake": INTAKE}) as s:
        s.start_all()
        for n in range(1, 21):
            r = s.mailgate(mail(n))
            check(r.returncode == 0, "the mail gate hands message %d to intake" % n, r.stderr)
        heads = {inst: s.head_seq(inst) for inst in ("intake", "intake-2")}
        check(all(heads.values()) and sum(heads.values()) == 20,
              "both intake replicas took part of the 20 messages, each message once", heads)
        log("intake took %(intake)d messages, intake-2 %(intake-2)d" % heads)
        wait_until(lambda: s.ticket_total() == 20, 20, "20 tickets", system=s)
        subjects = sorted(t.subject for t in s.all_tickets())
        check(subjects == sorted("Boleto %d não chegou" % n for n in range(1, 21)),
              "each message opened one ticket", subjects)

        # The same message again, with one more Received line.
        r = s.mailgate(mail(7, extra="-again"))
        check(r.returncode == 0 and b"already received" in r.stderr,
              "a message sent again is a duplicate (the replica that took it answered)", r.stderr)

        wait_until(lambda: s.ack_count() == 20, 20, "20 acknowledgements", system=s)
        acks = s.outbox_files()[0]
        check(set(acks) == set(range(1, 21)) and set(acks.values()) == {1},
              "every ticket is acknowledged exactly once", acks)
        shares = {inst: acks_in_log(s, inst, "NotificationQueued")
                  for inst in ("notify", "notify-2")}
        check(shares["notify"] and shares["notify-2"] and not shares["notify"] & shares["notify-2"]
              and len(shares["notify"] | shares["notify-2"]) == 20,
              "the two notify replicas split the acknowledgements", shares)
        log("notify acknowledged %d tickets, notify-2 %d"
            % (len(shares["notify"]), len(shares["notify-2"])))

        # A reply to ticket 1's acknowledgement, whatever replica takes it.
        ack = s.read_ack(1)
        ours = str(ack["Message-ID"]).strip().strip("<>")
        for k, mid in enumerate(("reply-a@cliente.example", "reply-b@cliente.example",
                                 "reply-c@cliente.example")):
            r = s.mailgate(mail(1, message_id=mid, in_reply_to=ours))
            check(r.returncode == 0, "reply %d accepted" % (k + 1), r.stderr)
        wait_until(lambda: len(s.ticket(1).messages) == 4, 20, "the replies on ticket 1",
                   system=s)
        check(s.ticket_total() == 20, "the replies opened no ticket", s.ticket_total())
        grew = {inst: s.head_seq(inst) - heads[inst] for inst in heads}
        log("the three replies went to intake %(intake)d, intake-2 %(intake-2)d" % grew)

        # The API spreads customers over the replicas too.
        token = s.api_token("erp", read=False)
        before = {inst: s.head_seq(inst) for inst in ("intake", "intake-2")}
        for n in range(21, 31):
            status, answer = post(s, token, ticket_body(**{"from": "api%d@example.com.br" % n,
                                                           "subject": "Pedido %d" % n}),
                                  key="api-%d" % n)
            check(status == 201, "the API took ticket request %d" % n, (status, answer))
        grew = {inst: s.head_seq(inst) - before[inst] for inst in before}
        check(all(grew.values()) and sum(grew.values()) == 10,
              "the gateway sent the API's customers to both intake replicas", grew)
        wait_until(lambda: s.ticket_total() == 30, 20, "30 tickets", system=s)

        # notify-2 killed while tickets come: its share waits, then goes once.
        s.kill9("notify-2")
        for n in range(31, 41):
            s.mailgate(mail(n))
        wait_until(lambda: s.ticket_total() == 40, 20, "40 tickets", system=s)
        s.start("notify-2")
        wait_until(lambda: s.ack_count() == 40, 30, "40 acknowledgements", system=s)
        acks = s.outbox_files()[0]
        check(set(acks) == set(range(1, 41)) and set(acks.values()) == {1},
              "after notify-2's crash every ticket is acknowledged exactly once", acks)

        backup_and_restore(s)

        # A replica the config does not have, and one without its section.
        r = subprocess.run([s.binary("balcao-notify"), "-c", s.config, "-r", "3"],
                           capture_output=True, timeout=10)
        check(r.returncode == 64 and b"REPLICA" in r.stderr,
              "balcao-notify -r 3 with notify/replicas = 2 is a usage error", r)
        with open(s.config) as f:
            text = f.read()
        bad = os.path.join(s.dir, "bad.cfg")
        with open(bad, "w") as f:
            f.write(text.replace("    replicas = 2", "    replicas = 3", 1))
        s.stop("router")
        r = subprocess.run([s.binary("balcao-router"), "-c", bad], capture_output=True,
                           timeout=20)
        check(r.returncode == 78 and b"event=config_error key=intake-3/command" in r.stderr,
              "a router told of an intake-3 without endpoints does not start, and says why",
              (r.returncode, r.stderr[-400:]))
        s.start("router")
        s.check_alive()


if __name__ == "__main__":
    run_test(main)

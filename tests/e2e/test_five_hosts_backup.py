#!/usr/bin/python3
"""Backup and restore on five hosts (docs/operations.md, "Backup and
restore", "Several hosts"): the layout of test_five_hosts.py (network
namespaces, CURVE on, each host only its own secret key), and each bus
service's host with a backup directory of its own (a bind mount in that
host's mount namespace over the path the gateway's host uses), so that a
service's copy is really written on its host.

Proves, as the docs tell it:
  - `balcaoctl backup DIR`, run on the gateway's host (its config, its keys
    plus balcaoctl's secret) while Submits go on, succeeds; each bus
    service's copy is on its own host and not on the gateway's, which holds
    MANIFEST.json, the gateway's files and its own keys only;
  - the copies gathered on the gateway's host make one backup; with every
    host killed, each host given MANIFEST.json and its own part of it,
    `balcaoctl restore DIR --only <its part>` on each host puts only that
    host's share onto a fresh data directory (the gateway's host also its
    keys, onto an empty key directory); an unknown part is refused with a
    sentence, and so is a restore while another host's service still runs;
  - the restored layout holds a ticket for each message intake held at the
    backup (same numbers and subjects as the original's; every message
    acknowledged before the backup among them), kb finds them, the API
    token made before the backup reads one through the gateway, a new
    message becomes the next ticket and is acknowledged once, every
    consumer catches up with its producers' log heads, nothing is
    quarantined and no service logs an error; no acknowledgement that
    notify's copy records as delivered is sent again.
Skips (exit 0, "SKIP") without root or iproute2.
"""

import json
import os
import re
import shutil
import subprocess
import time

from harness import check, log, run_test, wait_until
from balcao.v1 import bus_pb2, kb_pb2, notify_pb2
from test_backup import Burst
from test_five_hosts import HOSTS, FiveHosts, acks, deliver, on_five_hosts, sh

BUS = ["intake", "router", "kb", "notify"]
MAILS = 10  # tickets 1..10, "Pedido 0".."Pedido 9"


class BackupHosts(FiveHosts):
    """FiveHosts whose bus hosts each see their own directory at
    self.backups (the gateway's host sees the real one)."""

    def __init__(self):
        super().__init__()
        self.backups = os.path.join(self.dir, "backups")
        os.makedirs(self.backups)
        for h in BUS:
            os.makedirs(self.own_backups(h))
        # balcaoctl runs on the gateway's host: its secret goes there too.
        keys = os.path.dirname(self.curve_dir)
        shutil.copy(os.path.join(self.curve_dir, "balcaoctl.cert_secret"),
                    os.path.join(keys, "gateway"))

    def own_backups(self, host):
        return os.path.join(self.dir, "hosts", host, "backups")

    def on_host(self, host, argv):
        if host == "gateway":
            return super().on_host(host, argv)
        return super().on_host(host, ["sh", "-c", 'mount --bind "$1" "$2" && shift 2 && exec "$@"',
                                      "sh", self.own_backups(host), self.backups, *argv])

    def ctl(self, host, *args):
        return subprocess.run(self.on_host(host, [self.binary("balcaoctl"), "-c",
                                                  self.host_config[host], *args]),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)

    def fresh_hosts(self):
        """Each host's config again, with an empty data_dir (and, for the
        gateway's host, an empty key directory)."""
        keys = os.path.dirname(self.curve_dir)
        for h in HOSTS:
            with open(self.host_config[h]) as f:
                text = f.read()
            var = os.path.join(self.dir, "hosts2", h, "var")
            os.makedirs(var)
            text = text.replace('"%s"' % os.path.join(self.dir, "hosts", h, "var"), '"%s"' % var)
            if h == "gateway":
                fresh_keys = os.path.join(self.dir, "keys2", "gateway")
                os.makedirs(fresh_keys)
                text = text.replace('"%s"' % os.path.join(keys, h), '"%s"' % fresh_keys)
            path = os.path.join(self.dir, "hosts2", h, "balcao.cfg")
            with open(path, "w") as f:
                f.write(text)
            self.host_config[h] = path
        self.mail_dir = os.path.join(self.dir, "hosts2", "notify", "var", "outbox", "mail")


def consumers(s):
    """{(consumer, source): applied} from every bus service's metrics."""
    out = {}
    for svc in BUS:
        for series, value in s.scrape(svc).items():
            m = re.match(r'balcao_consumer_applied_seq\{.*source="(\w+)"', series)
            if m:
                out[(svc, m.group(1))] = int(value)
    return out


def found(s, query):
    return [h.ticket for h in s.call("kb", kb_pb2.SearchTickets(query=query)).hits]


def pending(s):
    """Notifications notify has not recorded as delivered yet."""
    return sum(v for k, v in s.scrape("notify").items() if k.startswith("balcao_outbox_pending"))


def replay(s, svc, last):
    """A service's log up to seq `last`, read as the operator's CLI (a log
    reader in deploy/five-hosts/)."""
    events = []
    while len(events) < last:
        reply = s.call(svc, bus_pb2.ReplayRequest(from_seq=len(events) + 1, max_events=1000),
                       principal="service:balcao")
        batch = [bus_pb2.Envelope.FromString(e) for e in reply.events]
        if not batch:
            break
        events.extend(batch)
    return [e for e in events if e.seq <= last]


def caught_up(s):
    heads = {svc: s.head_seq(svc) for svc in BUS}
    cur = consumers(s)
    return cur and all(applied == heads[src] for (_, src), applied in cur.items() if src in heads)


def main():
    on_five_hosts(BackupHosts, run)


def run(s):
    t0 = time.monotonic()
    s.start_all(HOSTS)
    deliver(s, 0, MAILS)
    wait_until(lambda: s.ticket_total() == MAILS, 30, "the first tickets", system=s)
    wait_until(lambda: len(acks(s)) == MAILS, 30, "notify's host acknowledges them", system=s)
    wait_until(lambda: pending(s) == 0, 30, "and records their delivery", system=s)
    wait_until(lambda: found(s, "Pedido 7")[:1] == [8], 30, "kb's host indexed them", system=s)
    r = s.ctl("gateway", "api-token", "erp", "--read")
    token = r.stdout.decode().strip()
    check(r.returncode == 0 and token, "an API token made on the gateway's host", r.stderr)
    status, body, _ = s.http_get("/api/tickets/3", token=token)
    check(status == 200 and body["subject"] == "Pedido 2", "the token reads ticket 3",
          (status, body))

    # ---- the backup, on the gateway's host, while Submits go on ----------
    burst = Burst(s)
    burst.start()
    wait_until(lambda: len(burst.acked) >= 10 or burst.error, 30, "a burst under way")
    name = "2026-12-05"
    backup = os.path.join(s.backups, name)
    started = time.monotonic()
    r = s.ctl("gateway", "backup", backup)
    out = r.stdout.decode()
    check(r.returncode == 0 and "Cópia em %s" % backup in out,
          "balcaoctl backup on the gateway's host while Submits go on", (out, r.stderr))
    acked_before = {subject for subject, t in burst.acked if t < started}
    n = len(burst.acked)
    wait_until(lambda: len(burst.acked) >= n + 10 or burst.error, 30, "the burst goes on")
    burst.stop()
    check(burst.error is None, "no Submit of the burst failed", burst.error)
    log("burst: %d acknowledged, %d before the backup, %d told to retry; %s"
        % (len(burst.acked), len(acked_before), burst.busy, out.strip()))

    with open(os.path.join(backup, "MANIFEST.json")) as f:
        manifest = json.load(f)
    services = manifest["services"]
    check(set(services) == set(HOSTS), "the manifest names every service", sorted(services))
    for svc in BUS:
        for source, applied in services[svc]["consumer_positions"].items():
            check(applied <= services[source]["log_head"],
                  "%s's copy is not ahead of %s's log" % (svc, source))
        check(not os.path.exists(os.path.join(backup, svc))
              and os.path.isfile(os.path.join(s.own_backups(svc), name, svc, "data.mdb")),
              "%s's copy is on its own host, not on the gateway's" % svc)
    curve = sorted(f for f in os.listdir(os.path.join(backup, "curve")) if "secret" in f)
    check(os.path.isdir(os.path.join(backup, "gateway", "db"))
          and curve == ["balcaoctl.cert_secret", "gateway.cert_secret"],
          "the gateway's host holds the gateway's copy and its own keys only", curve)

    # The original, settled: the tickets the router had at the backup are
    # the first of these.
    total = MAILS + len(burst.acked)
    wait_until(lambda: s.ticket_total() == total, 30, "the original's router caught up",
               system=s)
    original = {t.number: t.subject for t in s.all_tickets()}
    wait_until(lambda: len(acks(s)) == total, 30, "the original's notify caught up", system=s)
    for h in HOSTS:
        if h != "intake":
            sh("kill", h)
            s.procs.pop(h).wait()
    r = s.ctl("router", "restore", backup, "--only", "router")
    check(r.returncode == 1 and "intake responde" in r.stderr.decode(),
          "restore on the router's host refuses while intake's host still runs", r.stderr)
    sh("kill", "intake")
    s.procs.pop("intake").wait()
    log("every host killed (%.1f s so far)" % (time.monotonic() - t0))

    # ---- gather, then restore each host's share onto fresh data ----------
    for svc in BUS:
        shutil.copytree(os.path.join(s.own_backups(svc), name, svc), os.path.join(backup, svc))
    subprocess.run(["sync"], check=True)
    # Each bus host anew: its data and its backup directory gone; it is
    # given the manifest and its own service's copy from the gathered one.
    for svc in BUS:
        mine = os.path.join(s.own_backups(svc), name)
        shutil.rmtree(mine)
        os.makedirs(mine)
        shutil.copy(os.path.join(backup, "MANIFEST.json"), mine)
        shutil.copytree(os.path.join(backup, svc), os.path.join(mine, svc))
    s.fresh_hosts()
    r = s.ctl("router", "restore", backup, "--only", "routr")
    check(r.returncode == 64 and "não conheço \"routr\"" in r.stderr.decode(),
          "an unknown part is refused with a sentence", r.stderr)
    for h in HOSTS:
        parts = "gateway,curve" if h == "gateway" else h
        r = s.ctl(h, "restore", backup, "--only", parts)
        check(r.returncode == 0 and "restaurada" in r.stdout.decode(),
              "balcaoctl restore --only %s on %s's host" % (parts, h), (r.stdout, r.stderr))
        var = os.path.join(s.dir, "hosts2", h, "var")
        check(os.listdir(var) == [h], "only %s's share is on its host" % h, os.listdir(var))
    fresh_keys = os.path.join(s.dir, "keys2", "gateway")
    check(os.path.isfile(os.path.join(fresh_keys, "gateway.cert_secret")),
          "the gateway's host has its keys back")
    logs_at = {h: len(s.log_text(h)) for h in HOSTS}
    s.start_all(HOSTS)

    # ---- what a user notices ------------------------------------------
    # Each consumer goes on from its position in the copy: the router makes
    # the tickets of what intake held and it had not applied yet.
    wait_until(lambda: caught_up(s), 30, "every consumer catches up with the restored logs",
               system=s)
    restored = {t.number: t.subject for t in s.all_tickets()}
    top = max(restored)
    check(sorted(restored) == list(range(1, top + 1)) and top <= total,
          "tickets 1..%d, numbered as before" % top, sorted(restored)[-3:])
    differ = [k for k, subject in restored.items() if original.get(k) != subject]
    check(not differ, "each restored ticket has the original's number and subject", differ[:5])
    missing = sorted(({"Pedido %d" % i for i in range(MAILS)} | acked_before)
                     - set(restored.values()))
    check(not missing, "every message acknowledged before the backup is a ticket (%d)"
          % (MAILS + len(acked_before)), missing[:5])
    check(s.head_seq("intake") == services["intake"]["log_head"],
          "intake's log head is the manifest's")
    last = restored[top]
    wait_until(lambda: top in found(s, last), 30, "kb finds the last restored ticket (%r)" % last,
               system=s)
    check(found(s, "Pedido 7")[:1] == [8], "kb finds a ticket indexed before the backup")
    status, body, _ = s.http_get("/api/tickets/3", token=token)
    check(status == 200 and body["subject"] == "Pedido 2",
          "the API token made before the backup reads ticket 3 through the restored gateway",
          (status, body))

    deliver(s, 100, 101)
    wait_until(lambda: s.ticket_total() == top + 1, 30, "a new message becomes a ticket",
               system=s)
    news = [t.number for t in s.all_tickets() if t.subject == "Pedido 100"]
    check(news == [top + 1], "the new ticket is number %d" % (top + 1), news)
    wait_until(lambda: acks(s)[top + 1] == 1, 30, "notify acknowledges it", system=s)
    wait_until(lambda: caught_up(s), 30, "every consumer at its producers' log heads", system=s)
    check(acks(s)[top + 1] == 1 and all(v == 1 for v in acks(s).values()),
          "one acknowledgement per ticket", acks(s).most_common(3))
    # notify's copy records some acknowledgements as delivered (its log up
    # to the manifest's head): those are not sent again. Files written just
    # before the backup but recorded after it are (docs: "notify may send
    # again a notification whose delivery was recorded after the backup").
    delivered = notify_pb2.NotificationDelivered
    recorded = {delivered.FromString(e.payload).notification_id
                for e in replay(s, "notify", services["notify"]["log_head"])
                if e.type == delivered.DESCRIPTOR.full_name}
    recorded = {int(m.group(1)) for m in map(re.compile(r"t(\d+)-ack$").match, recorded) if m}
    again = sorted(recorded & set(acks(s)))
    check(len(recorded) >= MAILS and not again, "no acknowledgement recorded as delivered in "
          "the backup is sent again (%d of them)" % len(recorded), again[:5])
    heads = {svc: s.head_seq(svc) for svc in BUS}
    log("log heads %s; positions %s; %d acknowledgements sent after the restore, %d of them "
        "for restored tickets (delivered by the original, not yet recorded at the backup)"
        % (heads, consumers(s), len(acks(s)), sum(1 for n in acks(s) if n <= top)))
    for svc in BUS:
        check(s.call(svc, bus_pb2.Ping()).quarantined == 0, "%s quarantined nothing" % svc)
    for h in HOSTS:
        bad = [line for line in s.log_text(h)[logs_at[h]:].splitlines()
               if "level=error" in line or "event=replay_refused" in line
               or "event_quarantined" in line]
        check(not bad, "%s logs no error after the restore" % h, bad[:3])
    log("test_five_hosts_backup passed in %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    run_test(main)

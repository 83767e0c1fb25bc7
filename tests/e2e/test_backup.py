#!/usr/bin/env python3
"""balcaoctl backup while the system takes traffic, and balcaoctl restore onto
a fresh data directory (issue 17, "Backup and restore").

Proves, with the five real services:
  - a backup that cannot be written (its directory cannot be made; one
    service's copy fails after the others froze) fails with a sentence, leaves
    no MANIFEST.json, and every service takes messages again at once;
  - `balcaoctl backup DIR` in the middle of a burst of Submits succeeds; the
    burst goes on (Submits that met the freeze waited a moment) and the
    manifest's positions are consistent (no consumer ahead of its
    producer);
  - `balcaoctl restore` refuses while the target runs, refuses a data dir
    that holds something without --force, and with --force puts the backup in
    place; the restored system then holds every ticket acknowledged before the
    backup started, with its messages and attachments (`balcao attachment
    get`), answers `balcao show` and ticket lists like the original, finds the
    kb's articles, signs in the staff member made before the backup (the
    router's people, the gateway's store), holds each message intake
    accepted exactly once (no lost or duplicated event), and numbers new
    tickets after the restored ones;
  - a BackupFreeze is for admins only; a frozen service answers Ping and
    holds a Submit until it resumes; a service whose backup tool never thaws
    it resumes by itself after the freeze's timeout, and applies what it
    held.
"""
import hashlib
import json
import os
import re
import threading
import time

from harness import (REPO, BusError, System, bus_pb2, check, intake_pb2, kb_pb2, log, new_id,
                     run_test, wait_until)
from portal import Portal

AGENT = "agent:ana@balcao.test"
GATEWAY = "service:gateway"
ADMIN = "admin:root@balcao.test"
STAFF = "agent:joana@balcao.test"
STAFF_LOGIN = {}


def ctl(s, *args, timeout=180):
    return s.run_tool("balcaoctl", args, timeout=timeout)


def cli(s, *args):
    r = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": AGENT})
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def attachment(i):
    return ("Nota fiscal %d — conteúdo do anexo.\n" % i).encode() * (20 + i)


class Burst(threading.Thread):
    """Submits one message after another; remembers when each was
    acknowledged. A Submit told `unavailable` (a service paused for the
    backup) is sent again with the same request id, as clients do."""

    def __init__(self, s):
        super().__init__(daemon=True)
        self.s = s
        self.acked = []  # (subject, monotonic time of the acknowledgement)
        self.busy = 0
        self.error = None
        self.stopping = threading.Event()

    def run(self):
        i = 0
        try:
            while not self.stopping.is_set():
                i += 1
                rid, subject = new_id(), "Rajada %05d" % i
                msg = intake_pb2.Submit(channel="api", external_id="burst-%d" % i,
                                        from_address="rajada%d@cliente.test" % i,
                                        from_name="Cliente", subject=subject,
                                        body="Mensagem da rajada número %d." % i)
                while True:
                    try:
                        self.s.call("intake", msg, request_id=rid, timeout=10, retries=3)
                        break
                    except BusError as e:
                        if e.code != "unavailable":
                            raise
                        self.busy += 1
                        time.sleep(0.05)
                self.acked.append((subject, time.monotonic()))
        except Exception as e:  # noqa: BLE001 (reported by the main thread)
            self.error = e

    def stop(self):
        self.stopping.set()
        self.join(60)


def projection(t):
    """What a user sees of a ticket, without times that move on their own."""
    return (t.number, t.subject, t.status, t.customer_address, t.channel,
            tuple((m.author, m.body, m.direction, m.is_internal,
                   tuple((a.sha256, a.filename, a.size) for a in m.attachments))
                  for m in t.messages))


def all_full(s):
    return {t.number: s.ticket(t.number) for t in s.all_tickets()}


def intake_refs(s):
    return [intake_pb2.MessageReceived.FromString(e.payload).message_ref
            for e in s.replay("intake")
            if e.type == intake_pb2.MessageReceived.DESCRIPTOR.full_name]


def seed(s):
    """kb articles, tickets with attachments (portal) and without (api), and
    a follow-up message on one of them."""
    starter = os.path.join(REPO, "data", "kb")
    rc, out, err = cli(s, "kb", "import", starter, "--publish")
    check(rc == 0, "starter kb articles imported", (out, err))
    for i in range(12):
        s.call("intake", intake_pb2.Submit(
            channel="portal", external_id="portal-%d" % i, from_address="ana%d@cliente.test" % i,
            from_name="Ana", subject="Portal %02d" % i, body="Segue a nota %d." % i,
            language="pt-BR",
            files=[intake_pb2.SubmitFile(filename="nota-%d.txt" % i, content_type="text/plain",
                                         content=attachment(i))]), principal=GATEWAY)
    for i in range(12):
        s.submit_api("api-%d" % i, "Pedido %02d" % i, "Corpo do pedido %d." % i)
    wait_until(lambda: s.ticket_total() == 24, 30, "the first 24 tickets")
    s.call("intake", intake_pb2.Submit(
        channel="portal", external_id="portal-followup", from_address="ana0@cliente.test",
        from_name="Ana", body="Mais um anexo.", ticket=1, language="pt-BR",
        files=[intake_pb2.SubmitFile(filename="mais.txt", content_type="text/plain",
                                     content=attachment(99))]), principal=GATEWAY)
    wait_until(lambda: len(s.ticket(1).messages) >= 2, 20, "the follow-up on ticket 1")
    # A staff member: a person at the router, a web password at the gateway.
    r = ctl(s, "staff-add", STAFF, "Joana Prado", "N2")
    m = re.search(r"entre como (\S+), senha: (\S+)", r.stdout.decode())
    check(r.returncode == 0 and m, "balcaoctl staff-add", (r.stdout, r.stderr))
    STAFF_LOGIN.update(email=m.group(1), password=m.group(2))
    status, body, _ = Portal(s.http).post("/staff/login", STAFF_LOGIN)
    check(status == 200, "the staff member signs in on the original", body)


PROBES = []  # the tickets takes_messages made


def takes_messages(s, tag):
    """A Submit is acknowledged at once (no service left paused)."""
    PROBES.append(tag)
    t0 = time.monotonic()
    s.submit_api("probe-%s" % tag, "Sonda %s" % tag, "Ainda atende?")
    return time.monotonic() - t0


def failures(s):
    # A directory balcaoctl cannot make (under a regular file).
    blocker = os.path.join(s.dir, "not-a-dir")
    open(blocker, "w").close()
    r = ctl(s, "backup", os.path.join(blocker, "backup"))
    check(r.returncode == 1 and "não consigo criar o diretório da cópia" in r.stderr.decode(),
          "a backup directory that cannot be made: a clear refusal", r.stderr)
    check(takes_messages(s, "a") < 2, "the system takes messages after it")
    inside = os.path.join(s.var, "intake", "backup")
    r = ctl(s, "backup", inside)
    check(r.returncode == 1 and "dentro dos dados" in r.stderr.decode()
          and not os.path.exists(inside), "a backup directory inside the data: refused",
          r.stderr)

    # The last service's copy fails after the others froze (a failpoint: the
    # tests run as root, whom no directory's mode stops).
    s.stop("notify")
    s.start("notify", env={"BALCAO_FAILPOINT_BACKUP": "1"})
    failed_dir = os.path.join(s.dir, "failed-backup")
    r = ctl(s, "backup", failed_dir)
    err = r.stderr.decode()
    check(r.returncode == 1 and "notify não fez sua cópia" in err and "apague-o" in err,
          "a copy that fails: balcaoctl says which and that the rest is incomplete", err)
    check(not os.path.exists(os.path.join(failed_dir, "MANIFEST.json")),
          "no manifest for a failed backup")
    check(takes_messages(s, "b") < 2, "every service takes messages right after a failed backup")
    for svc in ("intake", "router", "kb"):
        check(re.search(r"event=backup_thawed backup=\S+ frozen_ms=\d+ held_requests=\d+ "
                        r"why=asked", s.log_text(svc)), "%s was thawed by balcaoctl" % svc)
    s.stop("notify")
    s.start("notify")

    # A backup tool that died after the freeze: the service thaws by itself.
    abandoned = os.path.join(s.dir, "abandoned")
    os.makedirs(abandoned)
    try:
        s.call("router", bus_pb2.BackupFreeze(dir=abandoned, backup_id="x"), principal=AGENT)
        check(False, "an agent may not freeze a service")
    except BusError as e:
        check(e.code == "forbidden", "only admins may freeze a service", e.code)
    frozen = s.call("intake", bus_pb2.BackupFreeze(dir=abandoned, backup_id="abandonada",
                                                   timeout_ms=1000),
                    principal=ADMIN, timeout=30, retries=1)
    check(frozen.service == "intake" and frozen.bytes > 0
          and os.path.isfile(os.path.join(abandoned, "intake", "data.mdb")),
          "BackupFreeze copies intake's store", frozen)
    t0 = time.monotonic()
    ping = s.call("intake", bus_pb2.Ping())
    check(ping.service == "intake", "a frozen service answers Ping")
    s.submit_api("while-frozen", "Durante a pausa", "Enviado com o intake pausado.")
    PROBES.append("while-frozen")
    waited = time.monotonic() - t0
    intake_log = s.log_text("intake")
    check("event=backup_freeze_timeout" in intake_log
          and re.search(r"event=backup_thawed backup=abandonada frozen_ms=\d+ held_requests=1 "
                        r"why=timeout", intake_log),
          "intake resumed by itself after the freeze's timeout, with the Submit it held")
    check(0.2 < waited < 5, "a Submit to a frozen intake waits for the thaw, then is "
          "acknowledged (%.1f s)" % waited)
    check(takes_messages(s, "c") < 2, "intake takes messages at once afterwards")
    thawed = s.call("intake", bus_pb2.BackupThaw(backup_id="abandonada"), principal=ADMIN)
    check(not thawed.was_frozen, "a late BackupThaw says the freeze had ended (not consistent)")


def main():
    with System("backup", curve=True) as s:
        s.start_all()
        seed(s)
        failures(s)

        burst = Burst(s)
        burst.start()
        wait_until(lambda: len(burst.acked) >= 40 or burst.error, 60, "a burst under way")
        backup_dir = os.path.join(s.dir, "backup")
        started = time.monotonic()
        r = ctl(s, "backup", backup_dir)
        out = r.stdout.decode()
        check(r.returncode == 0 and "Cópia em %s" % backup_dir in out,
              "balcaoctl backup while Submits go on", (out, r.stderr))
        acked_before = {subject for subject, t in burst.acked if t < started}
        n = len(burst.acked)
        wait_until(lambda: len(burst.acked) >= n + 30 or burst.error, 60,
                   "the burst going on after the backup")
        burst.stop()
        check(burst.error is None, "no Submit of the burst failed", burst.error)
        log("burst: %d acknowledged, %d before the backup, %d told to retry (unavailable)"
            % (len(burst.acked), len(acked_before), burst.busy))

        with open(os.path.join(backup_dir, "MANIFEST.json")) as f:
            manifest = json.load(f)
        services = manifest["services"]
        check(set(services) == {"intake", "router", "kb", "notify", "gateway"},
              "the manifest names every service", sorted(services))
        for name, svc in services.items():
            for source, applied in svc.get("consumer_positions", {}).items():
                check(applied <= services[source]["log_head"],
                      "%s's copy is not ahead of %s's log (%d <= %d)"
                      % (name, source, applied, services[source]["log_head"]))
        check(os.path.isfile(os.path.join(backup_dir, "gateway", "seal.key"))
              and os.listdir(os.path.join(backup_dir, "intake", "attachments"))
              and os.path.isdir(os.path.join(backup_dir, "kb", "articles")),
              "the gateway's seal key, intake's attachments and kb's indexes are in the copy")
        log("backup: freeze %d ms, %d bytes" % (manifest["freeze_ms"], manifest["bytes"]))

        # The original, settled: what it held at the backup point is the
        # tickets the restored system will hold (tickets do not change
        # after they are made in this test).
        total = 24 + len(PROBES) + len(burst.acked)
        wait_until(lambda: s.ticket_total() == total, 60, "the original's router caught up")
        original = all_full(s)
        shows = {}
        for number in (1, 2, 13):
            rc, text, err = cli(s, "show", str(number))
            check(rc == 0, "balcao show %d on the original" % number, err)
            shows[number] = text
        s.stop_all()

        # ---- restore onto a fresh installation -------------------------
        with System("backup-restored", curve=True) as r2:
            r2.start_all()
            r = ctl(r2, "restore", backup_dir)
            check(r.returncode == 1 and "pare-o antes de restaurar" in r.stderr.decode(),
                  "restore refuses while the services run", r.stderr)
            r2.stop_all()
            r = ctl(r2, "restore", backup_dir)
            err = r.stderr.decode()
            check(r.returncode == 1 and "--force" in err and "já tem dados" in err,
                  "restore refuses a data dir that holds something without --force", err)
            r = ctl(r2, "restore", backup_dir, "--force")
            check(r.returncode == 0 and "restaurada" in r.stdout.decode(),
                  "restore --force puts the backup in place", (r.stdout, r.stderr))
            check(any(".before-restore-" in n for n in os.listdir(r2.var)),
                  "what was there was moved aside, not deleted")
            r2.start_all()

            restored_total = r2.ticket_total()
            restored = all_full(r2)
            subjects = {t.subject for t in restored.values()}
            missing = sorted(acked_before - subjects)
            check(not missing, "every ticket acknowledged before the backup is restored "
                  "(%d of them)" % len(acked_before), missing[:5])
            check(restored_total == len(restored) and restored_total <= total,
                  "the restored system holds the tickets up to the backup point",
                  (restored_total, total))
            differ = [n for n, t in restored.items() if projection(t) != projection(original[n])]
            check(not differ, "each restored ticket reads as the original's (%d)" % len(restored),
                  differ[:5])
            for number, text in shows.items():
                rc, again, err = cli(r2, "show", str(number))
                check(rc == 0 and again == text, "balcao show %d answers the same" % number,
                      (again, text))
            for m in restored[1].messages:
                for a in m.attachments:
                    path = os.path.join(r2.dir, a.sha256)
                    rc, _, err = cli(r2, "attachment", "get", a.sha256, "-o", path)
                    with open(path, "rb") as f:
                        data = f.read()
                    check(rc == 0 and hashlib.sha256(data).hexdigest() == a.sha256,
                          "attachment %s of ticket 1 comes back whole" % a.filename, err)

            status, body, _ = Portal(r2.http).post("/staff/login", STAFF_LOGIN)
            check(status == 200 and body["person"]["principal"] == STAFF
                  and body["person"]["tier"] == "N2",
                  "the staff member made before the backup signs in (the router's people, "
                  "the gateway's store)", (status, body))
            hits = r2.call("kb", kb_pb2.SearchArticles(query="notificações"),
                           principal=AGENT).hits
            check(hits and hits[0].id == "configurar-notificacoes",
                  "kb search finds the restored articles", [h.id for h in hits])

            # Every message intake accepted (its restored log) is in the
            # router exactly once, and nothing else is.
            refs = intake_refs(r2)
            check(len(refs) == len(set(refs)), "intake's restored log has no message twice")
            in_router = [m.message_ref for t in restored.values() for m in t.messages
                         if m.message_ref in set(refs)]
            firsts = {t.messages[0].message_ref for t in restored.values()}
            check(sorted(in_router) == sorted(refs) and firsts <= set(refs),
                  "no lost or duplicated event: %d messages in intake's log, each once in the "
                  "router" % len(refs), (len(in_router), len(refs)))
            check(r2.head_seq("intake") == services["intake"]["log_head"],
                  "intake's log head is the manifest's")

            # New messages become new tickets after the restored ones.
            top = max(restored)
            for i in range(3):
                r2.submit_api("after-%d" % i, "Depois %d" % i, "Depois da restauração.")
            wait_until(lambda: r2.ticket_total() == restored_total + 3, 30,
                       "new tickets after the restore")
            news = sorted(t.number for t in r2.all_tickets() if t.subject.startswith("Depois"))
            check(news == [top + 1, top + 2, top + 3], "new tickets are numbered after %d" % top,
                  news)
            for svc in ("intake", "router", "kb", "notify"):
                bad = [line for line in r2.log_text(svc).splitlines()
                       if "level=error" in line or "event=replay_refused" in line]
                check(not bad, "%s logs no error after the restore" % svc, bad[:3])
    log("test_backup passed")


if __name__ == "__main__":
    run_test(main)

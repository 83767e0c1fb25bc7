#!/usr/bin/python3
"""An upgrade and a rollback between the previous release and this one.

The previous release is the commit on the first line of
tests/upgrade/previous-release. Its intake and router are built from that
commit (git archive) under $BALCAO_BUILD/upgrade-prev, once: a stamp file
with the hash marks a complete build, which later runs reuse. A checkout
without that commit in its history (no .git, a shallow clone) cannot build
it: the test then says so loudly and exits 77, which ctest shows as
skipped, never as passed.

All services are the real processes on one data directory:
  a. the previous release's intake and router, this release's kb, notify
     and gateway: tickets 1-3 are acknowledged once each, kb finds them and
     the gateway shows them (this release's consumers read the previous
     release's router log);
  b. this release's intake and router on the same data: tickets 1-3 are
     still there, new tickets continue at 4, a message sent again is still
     a duplicate, a reply joins ticket 1; then the router stops and two
     more messages wait in the new intake's log;
  c. the previous release's router again: it replays those two from the
     log the new intake wrote (tickets 7 and 8), shows the tickets the new
     router made, keeps serving (ticket 9), quarantines nothing; then the
     previous release's intake on the data the new one wrote still knows
     its messages (a duplicate) and opens ticket 10 from a Submit that
     carries a field no release knows (as a newer sender's would); the
     previous router answers a ReplayRequest with such a field too.
At the end every ticket 1..10 exists once, with its subject, and notify
acknowledged each exactly once. When this release's .proto files have
fields the previous release lacks, an entry written in step b must carry
one (else the test fails and says which), so that the previous release's
readers in step c really meet a field they do not know.

Builds: BALCAO_UPGRADE_JOBS=<n> sets the build's parallelism (default:
the number of CPUs).
"""

import glob
import os
import shutil
import subprocess
import sys
import time
from collections import Counter

from google.protobuf import descriptor_pb2

from harness import (BUILD, MESSAGE_TYPES, REPO, System, bus_pb2, check, decode_reply, envelope,
                     intake_pb2, kb_pb2, log, run_test, wait_until)

PREVIOUS = os.path.join(REPO, "tests", "upgrade", "previous-release")
TOP = os.path.join(BUILD, "upgrade-prev")
OLD_SERVICES = ("intake", "router")
SKIP = 77  # SKIP_RETURN_CODE in tests/CMakeLists.txt


def skip(why):
    """Exits with ctest's skip code and a message nobody can miss."""
    bar = "#" * 78
    print("\n%s\n# SKIPPED: the upgrade test did not run.\n# %s\n# The upgrade from "
          "(and rollback to) the previous release is NOT tested.\n%s\n"
          % (bar, why.replace("\n", "\n# "), bar), flush=True)
    sys.exit(SKIP)


def previous_release():
    with open(PREVIOUS) as f:
        commit = f.readline().split()[0]
    if len(commit) != 40:
        raise AssertionError("%s: the first line is not a full commit hash: %r" % (PREVIOUS, commit))
    return commit


def run(argv, what, **kw):
    """Runs a build step; on failure raises with the tail of its output."""
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if r.returncode != 0:
        raise AssertionError("%s failed (exit %d):\n%s"
                             % (what, r.returncode, r.stdout.decode(errors="replace")[-3000:]))
    return r


def build_previous(commit):
    """The previous release's intake and router as {service: path}, built
    from `commit` unless a complete build of it is already there."""
    src, out, stamp = os.path.join(TOP, "src"), os.path.join(TOP, "build"), os.path.join(TOP, "stamp")
    binaries = {svc: os.path.join(out, "balcao-" + svc) for svc in OLD_SERVICES}
    targets = sorted("balcao-" + svc for svc in OLD_SERVICES)
    want = " ".join([commit] + targets)
    try:
        with open(stamp) as f:
            done = f.read().strip()
    except FileNotFoundError:
        done = None
    if done == want and all(os.access(p, os.X_OK) for p in binaries.values()):
        log("previous release %s: reusing the build in %s" % (commit[:12], out))
        return binaries

    if not shutil.which("git"):
        skip("git is not installed, so the previous release (%s) cannot be exported." % commit)
    r = subprocess.run(["git", "-C", REPO, "cat-file", "-e", commit + "^{commit}"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        skip("This checkout (%s) has no git history with the previous release %s\n"
             "(tests/upgrade/previous-release): %s\nFetch it (git fetch --unshallow, or a "
             "clone with full history) to run this test." % (REPO, commit,
                                                             r.stdout.decode().strip()))
    t0 = time.monotonic()
    shutil.rmtree(TOP, ignore_errors=True)
    os.makedirs(src)
    archive = subprocess.Popen(["git", "-C", REPO, "archive", commit], stdout=subprocess.PIPE)
    run(["tar", "-x", "-C", src], "tar -x of git archive %s" % commit, stdin=archive.stdout)
    archive.stdout.close()
    if archive.wait() != 0:
        raise AssertionError("git archive %s exited %d" % (commit, archive.returncode))

    # Build type "Upgrade" is none of CMake's: no -O, no -g, the quickest
    # compile (these binaries only run this test).
    configure = ["cmake", "-S", src, "-B", out, "-DCMAKE_BUILD_TYPE=Upgrade"]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    if shutil.which("ccache") and os.environ.get("CCACHE_DISABLE") != "1":
        configure += ["-DCMAKE_C_COMPILER_LAUNCHER=ccache", "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
    run(configure, "configuring the previous release")
    t1 = time.monotonic()
    jobs = os.environ.get("BALCAO_UPGRADE_JOBS") or str(os.cpu_count() or 2)
    run(["cmake", "--build", out, "-j", jobs, "--target"] + targets,
        "building %s of the previous release" % " and ".join(targets))
    with open(stamp, "w") as f:
        f.write(want + "\n")
    log("previous release %s built in %.1fs (export and configure %.1fs, %s %.1fs) in %s"
        % (commit[:12], time.monotonic() - t0, t1 - t0, " ".join(targets),
           time.monotonic() - t1, out))
    return binaries


def fields_added_since(src):
    """{message full name: {field number: name}} of this build's messages
    whose field the previous release's .proto files (under src) lack."""
    protos = sorted(glob.glob(os.path.join(src, "proto", "balcao", "v1", "*.proto")))
    desc = os.path.join(TOP, "previous.desc")
    run(["protoc", "--descriptor_set_out=" + desc, "-I", os.path.join(src, "proto")] + protos,
        "protoc of the previous release's .proto files")
    with open(desc, "rb") as f:
        old = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    known = set()

    def walk_old(prefix, messages):
        for m in messages:
            known.update((prefix + "." + m.name, fd.number) for fd in m.field)
            walk_old(prefix + "." + m.name, m.nested_type)
    for fdp in old.file:
        walk_old(fdp.package, fdp.message_type)

    added = {}
    seen = set()

    def walk_new(d):
        if d.full_name in seen:
            return
        seen.add(d.full_name)
        for fd in d.fields:
            if (d.full_name, fd.number) not in known:
                added.setdefault(d.full_name, {})[fd.number] = fd.name
        for nested in d.nested_types:
            walk_new(nested)
    for cls in MESSAGE_TYPES.values():
        walk_new(cls.DESCRIPTOR)
    return added


def reachable(d, out=None):
    """Full names of a message type and of every message type inside it."""
    out = set() if out is None else out
    if d.full_name not in out:
        out.add(d.full_name)
        for fd in d.fields:
            if fd.message_type is not None:
                reachable(fd.message_type, out)
    return out


def new_fields_set(msg, added):
    """Names of the fields set in msg (and in the messages inside it) that
    the previous release does not know."""
    found = []
    for fd, value in msg.ListFields():
        if fd.number in added.get(msg.DESCRIPTOR.full_name, {}):
            found.append(fd.full_name)
        if fd.message_type is not None:
            for v in (value if fd.label == fd.LABEL_REPEATED else [value]):
                if hasattr(v, "ListFields"):  # map entries are not messages here
                    found += new_fields_set(v, added)
    return found


def submit(s, external_id, subject, body, **kw):
    return s.call("intake", intake_pb2.Submit(
        channel="api", external_id=external_id, from_address="cliente@example.com",
        from_name="Cliente Antigo", subject=subject, body=body, **kw))


# Field 1000, length-delimited, "futuro": a field no release has (yet).
UNKNOWN_FIELD = bytes([0xC2, 0x3E, 6]) + b"futuro"


def call_with_unknown_field(s, svc, msg, principal="agent:test"):
    """Sends msg with a field no release knows appended, as a newer
    sender would send a field added after the receiver's release; returns
    the decoded reply (raises when it is an Error)."""
    env = envelope(msg, principal=principal)
    env.payload = msg.SerializeToString() + UNKNOWN_FIELD
    reply = s.call_raw(svc, env.SerializeToString())
    answer = decode_reply(reply)
    check(reply.correlation_id == env.id and not isinstance(answer, bus_pb2.Error),
          "%s (previous release) accepts a %s with a field it does not know"
          % (svc, msg.DESCRIPTOR.name), answer)
    return answer


def running_binary(s, svc, binaries):
    """Checks that the process answering svc's Ping is the one started from
    the expected binary (the previous release's or this build's)."""
    pong = s.call(svc, bus_pb2.Ping())
    path = binaries.get(svc) or os.path.join(BUILD, "balcao-" + svc)
    proc = s.procs[svc]
    check(pong.pid == proc.pid and proc.args[0] == path,
          "%s answering is pid %d, started from %s" % (svc, pong.pid, path),
          (pong.pid, proc.pid, proc.args[0]))
    return pong


def tickets_are(s, subjects, what):
    """The router (whichever release) holds exactly tickets 1..N with these
    subjects, each once."""
    wait_until(lambda: s.ticket_total() >= len(subjects), 30,
               "%d tickets at the router" % len(subjects), system=s)
    time.sleep(0.3)  # a ticket opened twice would show up now
    tickets = s.all_tickets()
    got = [(t.number, t.subject) for t in tickets]
    want = list(enumerate(subjects, 1))
    check(got == want, "%s: tickets 1..%d with their subjects, each once" % (what, len(subjects)),
          got)
    origins = Counter(t.origin_message_id for t in tickets)
    check(all(c == 1 for c in origins.values()), "%s: no message opened two tickets" % what, origins)
    return tickets


def acked_once(s, count, what):
    """notify wrote one acknowledgement file per ticket 1..count, no other."""
    wait_until(lambda: s.ack_count() >= count, 30, "%d ack files" % count, system=s)
    time.sleep(0.3)
    acks, others, _ = s.outbox_files()
    check(acks == Counter(range(1, count + 1)) and not others,
          "%s: one acknowledgement for each ticket 1..%d, no other mail" % (what, count),
          (sorted(acks.items()), others[:5]))
    queued = s.queued_acks()
    check(queued == Counter(range(1, count + 1)),
          "%s: notify's log queued one ack per ticket" % what, sorted(queued.items()))


def kb_finds(s, word, numbers):
    """kb (this release) indexed exactly these tickets for a word only they have."""
    def hits():
        got = sorted(h.ticket for h in s.call("kb", kb_pb2.SearchTickets(query=word)).hits)
        return got if got == sorted(numbers) else None
    wait_until(hits, 30, "kb to find %s in tickets %s" % (word, numbers), system=s)
    check(True, "kb finds %r in tickets %s" % (word, sorted(numbers)))


def gateway_shows(s, token, number, subject):
    code, doc, _ = s.http_get("/api/tickets/%d" % number, token=token)
    check(code == 200 and doc["subject"] == subject,
          "the gateway shows ticket %d, %r" % (number, subject), (code, doc))


def main():
    commit = previous_release()
    t_build = time.monotonic()
    old = build_previous(commit)
    build_s = time.monotonic() - t_build
    added = fields_added_since(os.path.join(TOP, "src"))
    if added:
        log("fields this release adds since %s: %s" % (commit[:12], sorted(
            "%s.%s (%d)" % (m, n, k) for m, f in added.items() for k, n in f.items())))
    else:
        log("no .proto field added since %s: the previous release meets no unknown field"
            % commit[:12])

    subjects = []
    # Consumers report their cursors every second (retention's
    # ReplayRequest.report_only): the previous release's producers meet
    # those reports, and this release's producers get none from its
    # consumers.
    reports = {svc: "    cursor_report_s = 1" for svc in ("intake", "router", "kb", "notify")}
    reports["kb"] += "\n    recurring\n        min_tickets = 0"
    with System("upgrade", extra_config=reports) as s:
        # a. The previous release's intake and router, this release's consumers.
        s.binaries.update(old)
        s.start_all()
        for svc in OLD_SERVICES:
            running_binary(s, svc, old)
        token = s.api_token("upgrade")
        for i in (1, 2, 3):
            subjects.append("Pedido A%d — impressora não imprime" % i)
            submit(s, "upg-a%d" % i, subjects[-1], "A impressora alfa parou. Pedido A%d." % i)
        tickets = tickets_are(s, subjects, "previous release")
        origin_1 = tickets[0].origin_message_id
        acked_once(s, 3, "previous release's router log, this release's notify")
        kb_finds(s, "alfa", [1, 2, 3])
        gateway_shows(s, token, 3, subjects[2])

        # b. This release's intake and router on the same data.
        for svc in reversed(OLD_SERVICES):
            s.stop(svc)
        s.binaries.clear()
        for svc in OLD_SERVICES:
            s.start(svc)
            running_binary(s, svc, {})
        intake_a, router_a = s.head_seq("intake"), s.head_seq("router")
        tickets_are(s, subjects, "upgraded router, before any new message")
        again = submit(s, "upg-a1", subjects[0], "A impressora alfa parou. Pedido A1.")
        check(again.duplicate, "the upgraded intake knows a message the previous one accepted",
              again)
        for i in (1, 2, 3):
            subjects.append("Pedido B%d — boleto bravo" % i)
            submit(s, "upg-b%d" % i, subjects[-1], "O boleto bravo %d não chegou." % i)
        reply = submit(s, "upg-a1-reply", "Re: " + subjects[0],
                       "Ainda sem imprimir (resposta).", in_reply_to=origin_1)
        check(not reply.duplicate, "a reply to ticket 1 is accepted", reply)
        tickets_are(s, subjects, "upgraded release")
        wait_until(lambda: s.ticket(1).message_count == 2, 20, "the reply on ticket 1", system=s)
        check(True, "the reply joined ticket 1 (2 messages), no new ticket")
        acked_once(s, 6, "upgraded release")
        kb_finds(s, "bravo", [4, 5, 6])
        gateway_shows(s, token, 6, subjects[5])
        # A WhatsApp message from a number without the 9th digit (the bot
        # answers it; no ticket): intake's event carries
        # WhatsAppDetails.wa_id, which the previous release lacks.
        s.call("intake", intake_pb2.Submit(
            channel="whatsapp", external_id="wamid.upg-w1", from_address="whatsapp:+551187650000",
            from_name="Cliente Zap", body="Oi, tudo bem?",
            whatsapp=intake_pb2.WhatsAppDetails(wa_id="551187650000")))
        # Two messages the router will only read after the rollback.
        router_b = s.head_seq("router")
        s.stop("router")
        for i in (1, 2):
            subjects.append("Pedido C%d — senha charlie" % i)
            submit(s, "upg-c%d" % i, subjects[-1], "Esqueci a senha charlie %d." % i)
        intake_b = s.head_seq("intake")

        # c. Back to the previous release's router (this release's intake).
        s.binaries["router"] = old["router"]
        s.start("router")
        running_binary(s, "router", old)
        tickets = tickets_are(s, subjects, "previous release's router after the rollback")
        check(tickets[0].message_count == 2, "ticket 1 keeps the reply the new release added",
              tickets[0].message_count)
        subjects.append("Pedido D1 — nota delta")
        submit(s, "upg-d1", subjects[-1], "A nota delta não saiu.")
        tickets_are(s, subjects, "previous release's router keeps serving")
        # The previous release's intake, on the data this release's wrote.
        s.stop("intake")
        s.binaries["intake"] = old["intake"]
        s.start("intake")
        running_binary(s, "intake", old)
        again = submit(s, "upg-b2", subjects[4], "O boleto bravo 2 não chegou.")
        check(again.duplicate, "the previous intake knows a message the upgraded one accepted",
              again)
        subjects.append("Pedido E1 — entrega echo")
        call_with_unknown_field(s, "intake", intake_pb2.Submit(
            channel="api", external_id="upg-e1", from_address="cliente@example.com",
            from_name="Cliente Antigo", subject=subjects[-1], body="A entrega echo atrasou."))
        tickets_are(s, subjects, "previous release's intake and router after the rollback")
        acked_once(s, 10, "after the rollback")
        kb_finds(s, "charlie", [7, 8])
        kb_finds(s, "echo", [10])
        gateway_shows(s, token, 8, subjects[7])
        replayed = call_with_unknown_field(s, "router", bus_pb2.ReplayRequest(from_seq=1),
                                           principal="service:e2e-test")
        check(len(replayed.events) > 0 and replayed.head_seq >= router_b,
              "and answers it with its log", (len(replayed.events), replayed.head_seq))
        for svc in OLD_SERVICES:
            pong = running_binary(s, svc, old)
            check(pong.quarantined == 0, "the previous %s set no event aside" % svc, pong)

        # What the previous release met in the logs the new one wrote.
        written = [e for e in s.replay("intake", intake_a + 1) if e.seq <= intake_b]
        written += [e for e in s.replay("router", router_a + 1) if e.seq <= router_b]
        types = Counter(e.type for e in written)
        log("entries the new release wrote in step b: %s" % dict(types))
        carried = []
        for e in written:
            carried += new_fields_set(e, added)
            cls = MESSAGE_TYPES.get(e.type)
            if cls is not None:
                carried += new_fields_set(cls.FromString(e.payload), added)
        inside = set()
        for t in types:
            if t in MESSAGE_TYPES:
                reachable(MESSAGE_TYPES[t].DESCRIPTOR, inside)
        inside |= reachable(bus_pb2.Envelope.DESCRIPTOR)
        relevant = sorted(m for m in added if m in inside)
        if relevant:
            check(carried, "an entry of step b carries a field the previous release lacks "
                  "(new fields in %s: set one in step b of tests/e2e/test_upgrade.py)"
                  % relevant, "none of %d entries sets one" % len(written))
            log("the previous release met unknown fields: %s" % sorted(set(carried)))
        elif added:
            log("no new field belongs to an entry of these logs: the previous release meets "
                "them only in requests and replies (e.g. this release's consumers' replays)")

    log("timings: previous release's build (or reuse) %.1fs" % build_s)
    log("test_upgrade passed")


if __name__ == "__main__":
    try:
        run_test(main)
    except subprocess.CalledProcessError as e:
        print("FAIL: %s" % e, flush=True)
        sys.exit(1)

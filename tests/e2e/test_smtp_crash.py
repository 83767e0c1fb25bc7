#!/usr/bin/python3
"""notify killed in the middle of a burst of 200 e-mails over SMTP, and
stopped (SIGTERM) in the middle of it too: every notification arrives at
the SMTP server (aiosmtpd) exactly once.

notify sends one message at a time: the attempt is on record (state
"sending") before the message goes, the server's 250 is recorded by the
next commit. So the one window in which a crash can send a message twice
is between that 250 and that commit, for the one message in flight. After a
kill -9, a message found "sending" is sent again and notify logs
event=attempt_outcome_unknown for it. The test allows a duplicate only
there: a Message-ID received twice must be that message, at most one per
kill -9, and never after a SIGTERM (notify waits for the message in flight
and records the server's answer before it exits).
"""

import os
import re

from harness import System, check, log, run_test, wait_until

COUNT = 200
KILLS = (40, 140)   # kill -9 when the server has this many
STOP = 90           # SIGTERM when it has this many


def main():
    with System("smtp_crash") as s:
        sink = s.start_with_smtp(retry_first_ms=200, retry_max_ms=1000)
        try:
            run(s, sink)
        finally:
            sink.stop()
    log("test_smtp_crash passed")


def received(sink):
    return len([n for n in os.listdir(sink.dir) if n.endswith(".eml")])


def run(s, sink):
    # The burst: 200 tickets while notify is down, so that it finds all of
    # them at once when it starts.
    s.stop("notify")
    for i in range(COUNT):
        s.submit_api("burst-%d" % i, "Pedido %d" % i, "Texto %d" % i,
                     from_address="cliente%d@example.com" % i)
    wait_until(lambda: s.ticket_total() == COUNT, 30, "%d tickets" % COUNT, system=s)
    s.start("notify", wait=False)
    log("%d tickets submitted, notify started" % COUNT)

    segments = []  # what happened to notify, in order
    for at, how in sorted([(k, "kill") for k in KILLS] + [(STOP, "stop")]):
        wait_until(lambda: received(sink) >= at, 60, "%d messages at the server" % at, system=s,
                   poll=0.002)
        if how == "kill":
            s.kill9("notify")
        else:
            s.stop("notify")
        log("notify %s at %d messages received" % ("killed -9" if how == "kill" else "stopped",
                                                   received(sink)))
        segments.append(how)
        s.start("notify")

    def all_there():
        ids = sink.message_ids()
        return len(ids) == COUNT and s.outbox_list().pending == 0 and s.outbox_list().retrying == 0
    wait_until(all_there, 90, "every notification at the server", system=s)

    ids = sink.message_ids()
    check(len(ids) == COUNT, "%d distinct Message-IDs at the server" % COUNT, len(ids))
    tickets = {}
    for _, m in sink.messages():
        n = int(re.search(r"#([0-9]+)\]", str(m["Subject"])).group(1))
        tickets.setdefault(n, set()).add(str(m["Message-ID"]))
    check(sorted(tickets) == list(range(1, COUNT + 1)) and all(len(v) == 1 for v in tickets.values()),
          "one acknowledgement per ticket (one Message-ID each)")

    # The log of each run of notify, split at the harness's start markers.
    runs = s.log_text("notify").split("---- e2e: starting notify")[1:]
    unknown = [set(re.findall(r"event=attempt_outcome_unknown notification=(\S+)", r)) for r in runs]
    # runs[0]: start_all; runs[1]: the start with the burst waiting; then one
    # run after each kill or stop.
    after_stop = unknown[2 + segments.index("stop")]
    check(not after_stop, "after a SIGTERM no attempt is left without its outcome", after_stop)
    doubled = {mid: n for mid, n in ids.items() if n > 1}
    allowed = set().union(*unknown)
    doubled_ids = set()
    for mid in doubled:
        number = int(re.search(r"\.t([0-9]+)\.", mid).group(1))
        doubled_ids.add("t%d-ack" % number)
    log("duplicates at the server: %d (%s); attempts with unknown outcome after kill -9: %s"
        % (len(doubled), sorted(doubled_ids), sorted(allowed)))
    check(all(n == 2 for n in doubled.values()) and doubled_ids <= allowed
          and len(doubled) <= len(KILLS),
          "a duplicate only for the message in flight at a kill -9 (250 received, not yet "
          "recorded), at most one per kill", (doubled, allowed))


if __name__ == "__main__":
    run_test(main)

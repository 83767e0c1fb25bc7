#!/usr/bin/python3
"""Clock skew (issue 17): whose clock rules the SLA. The router's: it starts
every SLA clock at its own "now" when it opens the ticket and its alarm
checks deadlines against the same clock, so another host's clock five
minutes off does not move a deadline, and the router's own clock off moves
the deadline and the check together. (BALCAO_CLOCK_SKEW_S shifts one
process's wall clock, as a host set wrong would.)

Proves, with a 2 s first-response target on a 24/7 calendar:
  - intake's host 5 min ahead, then 5 min behind: the ticket's deadline is
    2 s after the router opened it, and it breaches about 2 s later, not at
    once nor 5 minutes later;
  - the router's host 5 min ahead: the deadline reads 5 min ahead (the
    router's time), and still breaches about 2 s after the ticket opened.
"""

import time

from harness import System, check, log, run_test, wait_until
from balcao.v1 import intake_pb2

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CONFIG = {"router": "\n".join(
    ["    calendar"] + ['        %s = "00:00-24:00"' % d for d in DAYS] +
    ["    sla", '        warning = "0.5"', '        on_breach = "alert"', "        normal",
     '            first_response = "2s"', '            resolution = "600s"']) + "\n"}


def one(s, n, router_skew_s, what):
    before = time.time()
    s.call("intake", intake_pb2.Submit(channel="api", external_id="skew-%d" % n,
                                       from_address="c%d@example.com" % n, subject="Pedido",
                                       body="Não consigo emitir a nota"))
    wait_until(lambda: s.ticket_total() >= n, 10, "ticket %d" % n, system=s)
    opened = time.time()
    t = s.ticket(n)
    due = t.first_response_due_us / 1e6 - router_skew_s  # in real time
    # Business time counts whole seconds: the deadline is the router's
    # second plus 2, between 1 and 2 s after the ticket came.
    check(before + 1 - 0.1 <= due <= opened + 2 + 0.5,
          "%s: the deadline is 2 s after the router opened the ticket" % what,
          (due - before, due - opened))
    wait_until(lambda: s.ticket(n).first_response_sla == "breached", 10,
               "%s: the breach" % what, system=s)
    took = time.time() - before
    check(0.9 <= took <= 6, "%s: breached about 2 s after it opened, not at once nor 5 min "
                            "later" % what, took)
    log("%s: breached %.1f s after the ticket came" % (what, took))


def main():
    with System("clock-skew", extra_config=CONFIG) as s:
        s.start("router")
        s.start("intake", env={"BALCAO_CLOCK_SKEW_S": "300"})
        one(s, 1, 0, "intake 5 min ahead")
        s.stop("intake")
        s.start("intake", env={"BALCAO_CLOCK_SKEW_S": "-300"})
        one(s, 2, 0, "intake 5 min behind")
        s.stop("intake")
        s.start("intake")
        s.stop("router")
        s.start("router", env={"BALCAO_CLOCK_SKEW_S": "300"})
        one(s, 3, 300, "the router 5 min ahead")


if __name__ == "__main__":
    run_test(main)

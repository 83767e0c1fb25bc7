#!/usr/bin/python3
"""Prometheus metrics (issue 17): every service's GET /metrics, scraped as
Prometheus would, and the numbers move with what the system does.

Proves:
  - intake, router, kb, notify and the gateway each answer GET /metrics in
    the text format (0.0.4) with # HELP / # TYPE, every series labelled
    with its service; other paths are 404 and other methods 405;
  - 20 tickets submitted: intake's Submit requests (outcome ok) grow by 20
    and a refused one counts as "invalid"; its log head moves; the router,
    kb and notify apply intake's and the router's logs (their positions
    reach the producers' heads, their lag returns to 0); the router has 20
    unresolved tickets at N1; batches, batch sizes and commit times are
    counted; notify's outbox drains (0 pending, 0 dead letters);
  - a ticket nobody answers within a 2 s SLA: the router's SLA warnings and
    breaches counters move;
  - the gateway counts the HTTP requests it answered.
"""

import time
import urllib.error
import urllib.request

from harness import System, check, log, run_test, wait_until, BusError
from balcao.v1 import intake_pb2

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ROUTER = "\n".join(
    ["    calendar"] + ['        %s = "00:00-24:00"' % d for d in DAYS] +
    ["    sla", '        warning = "0.5"', '        on_breach = "alert"', "        normal",
     '            first_response = "2s"', '            resolution = "600s"']) + "\n"


def raw(s, svc, path="/metrics", method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (s.metrics[svc], path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def value(m, name, labels=""):
    return m.get((name, labels), 0.0)


def main():
    with System("metrics", extra_config={"router": ROUTER}) as s:
        s.start_all()
        before = {svc: s.scrape(svc) for svc in ("intake", "router", "kb", "notify", "gateway")}
        for svc in ("intake", "router", "kb", "notify"):
            status, text = raw(s, svc)
            check(status == 200 and "# TYPE balcao_requests_total counter" in text
                  and "# TYPE balcao_commit_seconds histogram" in text
                  and 'balcao_log_head_seq{service="%s"}' % svc in text,
                  "%s: the runtime's families, labelled with the service" % svc, text[:300])
        check(raw(s, "router", "/other")[0] == 404 and raw(s, "router", method="POST")[0] == 405,
              "only GET /metrics")

        # ---- traffic ----------------------------------------------------------
        for i in range(20):
            s.call("intake", intake_pb2.Submit(
                channel="api", external_id="met-%d" % i, from_address="c%d@example.com" % i,
                subject="Pedido %d" % i, body="Não consigo emitir a nota %d" % i))
        try:
            s.call("intake", intake_pb2.Submit(channel="fax", external_id="bad-1",
                                               from_address="x@example.com", body="oi"))
        except BusError:
            pass
        wait_until(lambda: s.ticket_total() == 20, 20, "the router has the 20 tickets")

        def settled():
            # One scrape of each, used for every check below: the 20 similar
            # tickets make kb suspect a problem, and the router's incident
            # events may come between two scrapes.
            m = {svc: s.scrape(svc) for svc in ("intake", "router", "kb", "notify")}
            head_i = value(m["intake"], "balcao_log_head_seq")
            head_r = value(m["router"], "balcao_log_head_seq")
            is_settled = (
                value(m["router"], "balcao_consumer_applied_seq", 'source="intake"') == head_i
                and value(m["kb"], "balcao_consumer_applied_seq", 'source="router"') == head_r
                and value(m["notify"], "balcao_consumer_applied_seq", 'source="router"') == head_r
                and value(m["notify"], "balcao_outbox_pending") == 0)
            return m if is_settled else None
        after = wait_until(settled, 20, "every consumer caught up and the outbox drained")
        ok = 'type="Submit",outcome="ok"'
        check(value(after["intake"], "balcao_requests_total", ok)
              - value(before["intake"], "balcao_requests_total", ok) == 20,
              "intake counted the 20 Submits", value(after["intake"], "balcao_requests_total", ok))
        check(value(after["intake"], "balcao_requests_total", 'type="Submit",outcome="invalid"')
              == 1, "and the refused one as invalid")
        check(value(after["intake"], "balcao_log_head_seq")
              > value(before["intake"], "balcao_log_head_seq"), "intake's log head moved")
        for svc, source in (("router", "intake"), ("kb", "router"), ("notify", "router")):
            check(value(after[svc], "balcao_consumer_lag_events", 'source="%s"' % source) == 0,
                  "%s is not behind %s" % (svc, source))
        check(value(after["router"], "balcao_open_tickets", 'tier="N1"') == 20
              and value(after["router"], "balcao_open_tickets", 'tier="N2"') == 0,
              "20 unresolved tickets at N1", [(k, v) for k, v in after["router"].items()
                                               if k[0] == "balcao_open_tickets"])
        for svc in ("intake", "router", "notify"):
            check(value(after[svc], "balcao_batch_inputs_count")
                  > value(before[svc], "balcao_batch_inputs_count")
                  and value(after[svc], "balcao_commit_seconds_count")
                  > value(before[svc], "balcao_commit_seconds_count")
                  and value(after[svc], "balcao_batch_inputs_sum")
                  > value(before[svc], "balcao_batch_inputs_sum"),
                  "%s counts its batches, their sizes and commit times" % svc)
        check(value(after["notify"], "balcao_outbox_dead_letters") == 0, "no dead letters")
        check(value(after["kb"], "balcao_quarantined_events") == 0, "nothing quarantined")

        # ---- SLA --------------------------------------------------------------
        wait_until(lambda: value(s.scrape("router"), "balcao_sla_breaches_total") >= 20, 15,
                   "the 2 s first-response targets breach")
        m = s.scrape("router")
        check(value(m, "balcao_sla_warnings_total") >= 20, "and warned first",
              value(m, "balcao_sla_warnings_total"))

        # ---- gateway ----------------------------------------------------------
        for _ in range(5):
            s.http_get("/healthz", token=None)
        # A request is counted when libmicrohttpd ends it, just after the
        # client has read the answer.
        ok = 'end="ok"'
        wait_until(lambda: value(s.scrape("gateway"), "balcao_http_requests_total", ok)
                   - value(before["gateway"], "balcao_http_requests_total", ok) >= 5, 5,
                   "the gateway counted its 5 requests", system=s)
        log("ok: five services scraped, numbers moving with tickets, SLA and HTTP")


if __name__ == "__main__":
    run_test(main)

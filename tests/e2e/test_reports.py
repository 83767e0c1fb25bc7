#!/usr/bin/python3
"""The dashboard's reports: the router's read model and `balcao report`.

Four tickets live through the seed's paths on a 24/7 calendar (business
seconds = wall seconds): one answered, resolved at N1, accepted and rated 5;
one escalated N1 -> N2 -> N3, resolved there with the fix and rejected by its
customer (reopened); one nobody answers (its first-response target breaches);
one answered and left open. The report of today (the business time zone's
date) must say exactly that, in total and per tier and agent, over the bus
and in the CLI (text and CSV), survive kill -9 of the router, and be refused
to agents and customers; bad periods get a clear error.
"""

import datetime
import os
import re
import shutil
import subprocess
import urllib.request
from zoneinfo import ZoneInfo

from harness import BusError, System, check, log, run_test, wait_until
from portal import staff_sign_in
from balcao.v1 import kb_pb2, router_pb2

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CONFIG = {"router": "\n".join(
    ["    calendar"] + ['        %s = "00:00-24:00"' % d for d in DAYS] +
    ["    sla",
     '        on_breach = "alert"'] +
    ["        %s\n            first_response = \"3s\"\n            resolution = \"1h\"" % p
     for p in ("baixa", "normal", "alta", "urgente")]) + "\n"}
N1 = "agent:ana@suporte.example"
N2 = "agent:bruno@suporte.example"
N3 = "agent:carla@suporte.example"
SUPERVISOR = "supervisor:rui@suporte.example"


def cli(s, *args, who=SUPERVISOR, lang="pt-BR"):
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": who, "BALCAO_LANG": lang})
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def refusal(s, msg, principal):
    try:
        s.call("router", msg, principal=principal)
    except BusError as e:
        return e.code, e.message
    return None, None


def new_ticket(s, ext, address):
    before = s.ticket_total()
    s.submit_api(ext, "Não consigo emitir a nota", "A nota volta rejeitada.", from_address=address)
    wait_until(lambda: s.ticket_total() == before + 1, 20, "ticket %s" % ext, system=s)
    return before + 1


def act(s, number, action, who, text="", fix=""):
    return s.call("router", router_pb2.TicketAction(number=number, action=action, text=text,
                                                    fix_reference=fix), principal=who)


def reply(s, number, who):
    return s.call("router", router_pb2.AddMessage(number=number, body="Olá! Estamos vendo isso."),
                  principal=who)


def report(s, group_by="", day=None, principal=SUPERVISOR):
    return s.call("router", router_pb2.GetReport(from_day=day or today(), group_by=group_by),
                  principal=principal)


def strip_reports(path):
    """Rewrites an LMDB store without the reports' tables and mark, as a
    router made before them left it (mdb_dump / mdb_load). The dump is in
    hex: Debian's mdb_dump -p prints a backslash byte unescaped, and
    mdb_load then refuses the line (a reply's timestamp may hold 0x5c)."""
    stat = subprocess.run(["mdb_stat", "-a", path], capture_output=True, text=True, check=True)
    names = [n for n in re.findall(r"^Status of (\S+)$", stat.stdout, re.M)
             if n != "Main" and not n.startswith("report_")]
    fresh = path + ".old"
    os.makedirs(fresh)
    for name in names:
        dump = subprocess.run(["mdb_dump", "-s", name, path], capture_output=True,
                              text=True, check=True).stdout.split("\n")
        if name == "meta":
            i = dump.index(" " + b"reports_seeded".hex())
            del dump[i:i + 2]
        r = subprocess.run(["mdb_load", "-s", name, fresh], input="\n".join(dump), text=True,
                           capture_output=True)
        check(r.returncode == 0, "the store is rewritten (%s)" % name, r.stderr)
    shutil.rmtree(path)
    os.rename(fresh, path)


def staff(s, principal):
    return staff_sign_in(s, principal)


def get_raw(p, path):
    """A GET with the client's cookies: (status, the body's bytes, headers)."""
    with p.opener.open(urllib.request.Request(p.base + "/api/v1" + path), timeout=10) as r:
        return r.status, r.read(), r.headers


def today():
    return datetime.datetime.now(ZoneInfo("America/Sao_Paulo")).strftime("%Y-%m-%d")


def check_figures(r, when):
    t = r.total
    check((t.created, t.first_responses, t.resolved, t.closed, t.reopened) == (4, 3, 2, 1, 1),
          "%s: 4 created, 3 first responses, 2 resolved, 1 closed, 1 reopened" % when,
          (t.created, t.first_responses, t.resolved, t.closed, t.reopened))
    check((t.first_response_met, t.first_response_breached, t.resolution_met) == (3, 1, 2),
          "%s: first response met 3 times and breached once; 2 resolutions in time" % when,
          (t.first_response_met, t.first_response_breached, t.resolution_met))
    check(abs(t.sla_met_pct - 500 / 6) < 0.01, "%s: SLA met 83.3%%" % when, t.sla_met_pct)
    check((t.left_n1, t.escalated_n1, t.left_n2, t.escalated_n2) == (2, 1, 1, 1)
          and t.escalation_n1_n2_pct == 50 and t.escalation_n2_n3_pct == 100,
          "%s: escalation N1->N2 50%% (1 of 2 that left N1), N2->N3 100%%" % when,
          (t.left_n1, t.escalated_n1, t.left_n2, t.escalated_n2))
    check(t.reopen_pct == 50, "%s: 1 of 2 resolutions reopened" % when, t.reopen_pct)
    check(list(t.csat) == [0, 0, 0, 0, 1] and t.csat_average == 5 and t.csat_count == 1,
          "%s: one rating, a 5" % when, list(t.csat))
    # Everything here took seconds: the first bucket (under a minute).
    check(t.first_response_median_s == 30 and t.first_response_p90_s == 30
          and t.resolution_median_s == 30, "%s: durations to the minute" % when,
          (t.first_response_median_s, t.resolution_median_s))
    check(r.backlog[-1].open == 3 and r.backlog[-1].day == today(),
          "%s: 3 tickets unresolved at today's end (reopened, unanswered, open)" % when,
          [(p.day, p.open) for p in r.backlog])


def main():
    with System("reports", extra_config=CONFIG) as s:
        s.start_all()
        for who, tier in ((N1, "N1"), (N2, "N2"), (N3, "N3"), (SUPERVISOR, "N2")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=who.split(":")[1], email=who.split(":")[1], tier=tier,
                status="offline")),
                principal="admin:ti@suporte.example")

        # 1: answered, resolved at N1, accepted, rated 5.
        a = new_ticket(s, "r-1", "ana@cliente.com.br")
        s.call("router", router_pb2.AssignTicket(number=a), principal=N1)
        reply(s, a, N1)
        act(s, a, "resolve", N1, "Certificado reinstalado.")
        act(s, a, "accept", "customer:ana@cliente.com.br")
        s.call("router", router_pb2.Rate(number=a, score=5, comment="Rápido!"),
               principal="customer:ana@cliente.com.br")

        # 2: N1 -> N2 -> N3, resolved with the fix, rejected by the customer.
        b = new_ticket(s, "r-2", "bia@cliente.com.br")
        s.call("router", router_pb2.AssignTicket(number=b), principal=N1)
        reply(s, b, N1)
        s.call("router", router_pb2.Escalate(number=b, reason="Erro no emissor",
                                             tried="Reenviar a nota"), principal=N1)
        s.call("router", router_pb2.AssignTicket(number=b), principal=N2)
        s.call("router", router_pb2.Escalate(number=b, steps_to_reproduce="Emitir NF-e",
                                             environment="v5.1", affected_customers="1 loja"),
               principal=N2)
        s.call("router", router_pb2.AssignTicket(number=b), principal=N3)
        act(s, b, "resolve", N3, "Corrigido no emissor.", fix="patch 5.1.3")
        act(s, b, "reject", "customer:bia@cliente.com.br", "Ainda volta rejeitada.")

        # 3: nobody answers; 4: answered and left open.
        c = new_ticket(s, "r-3", "caio@cliente.com.br")
        d = new_ticket(s, "r-4", "duda@cliente.com.br")
        reply(s, d, N1)
        wait_until(lambda: s.ticket(c).first_response_sla == "breached", 20,
                   "ticket 3's first response breaches", system=s)

        r = report(s)
        check_figures(r, "over the bus")

        tiers = {g.key: g for g in report(s, "tier").groups}
        check(set(tiers) == {"N1", "N2", "N3"}, "grouped by tier: N1, N2, N3", sorted(tiers))
        check(tiers["N1"].created == 4 and tiers["N1"].escalated_n1 == 1
              and tiers["N1"].resolved == 1, "N1 got the 4 tickets, passed one up, resolved one")
        check(tiers["N2"].escalated_n2 == 1 and tiers["N2"].resolved == 0
              and tiers["N3"].resolved == 1 and tiers["N3"].reopened == 1,
              "N2 passed its ticket up; N3 resolved it and saw it reopened")
        agents = {g.key: g for g in report(s, "agent").groups}
        check(agents["agent:ana@suporte.example"].resolved == 1
              and agents["agent:ana@suporte.example"].escalated_n1 == 1
              and agents["agent:carla@suporte.example"].resolved == 1
              and list(agents["agent:ana@suporte.example"].csat) == [0, 0, 0, 0, 1],
              "grouped by agent: who resolved, escalated and got the rating",
              {k: (g.resolved, g.escalated_n1) for k, g in agents.items()})
        yesterday = (datetime.datetime.now(ZoneInfo("America/Sao_Paulo"))
                     - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        check(report(s, day=yesterday).total.created == 0, "yesterday had nothing")

        # The CLI shows the same figures.
        rc, out, err = cli(s, "report", today())
        check(rc == 0 and "criados 4 · resolvidos 2 · fechados 1 · reabertos 1 (50.0%)" in out
              and "SLA cumprido: 83.3% · escalonamento N1→N2 50.0%, N2→N3 100.0%" in out
              and "média 5.00 de 1 avaliações" in out and "Pendentes no fim do período: 3" in out,
              "balcao report prints the figures in pt-BR", out + err)
        rc, out, err = cli(s, "report", today(), "--by", "tier", lang="en")
        check(rc == 0 and "created 4" in out and "\nN3\n" in out, "and in English, per tier", out)
        rc, out, err = cli(s, "report", today(), "--by", "tier", "--csv")
        lines = out.strip().split("\n")
        check(rc == 0 and lines[0].startswith("group,created,") and len(lines) == 5
              and lines[1].startswith('"",4,2,1,1,3,'), "--csv: a header, the total and three tiers",
              out)

        # Durable with the tickets: kill -9 and the same report.
        s.kill9("router")
        s.start("router")
        check_figures(report(s), "after kill -9")

        # Only supervisors and admins; bad periods are refused clearly.
        for who in (N1, "customer:ana@cliente.com.br", "service:erp"):
            code, _ = refusal(s, router_pb2.GetReport(from_day=today()), who)
            check(code == "forbidden", "%s may not read reports" % who, code)
        rc, out, err = cli(s, "report", today(), who=N1)
        check(rc == 2 and "supervisores" in err, "the CLI says who may", err)
        for bad, why in ((router_pb2.GetReport(from_day="2026-02-30"), "no such date"),
                         (router_pb2.GetReport(from_day="02/12/2026"), "not ISO"),
                         (router_pb2.GetReport(from_day="2026-12-02", to_day="2026-12-01"),
                          "to before from"),
                         (router_pb2.GetReport(from_day="2024-01-01", to_day="2026-01-01"),
                          "over 400 days"),
                         (router_pb2.GetReport(from_day=today(), group_by="cor"), "bad group")):
            code, message = refusal(s, bad, SUPERVISOR)
            check(code == "invalid" and message, "%s: invalid, with a sentence" % why,
                  (code, message))
        check(report(s).total.created == 4, "the router still answers after the bad requests")

        # kb's portal deflection, by period: today has it, yesterday not.
        s.call("kb", kb_pb2.ImportArticles(articles=[kb_pb2.Article(
            id="nota-rejeitada", title="Nota fiscal rejeitada", type="faq", category="erro",
            audience="publico", body="Confira o certificado digital.")], publish=True),
            principal=N1)
        for outcome, ref in (("opened", "f-1"), ("deflected", "f-1"), ("opened", "f-2"),
                             ("sent_after_opening", "f-2")):
            s.call("kb", kb_pb2.RecordDeflection(outcome=outcome, articles=["nota-rejeitada"],
                                                  client_ref=ref),
                   principal="customer:ana@cliente.com.br")
        r = report(s)
        day = s.call("kb", kb_pb2.GetDeflection(from_us=r.from_us, to_us=r.to_us), principal=N1)
        check((day.opened, day.deflected, day.sent_after_opening) == (2, 1, 1)
              and r.to_us - r.from_us in (86400e6, 82800e6, 90000e6),
              "kb's deflection over today's period: 2 opened, 1 deflected, 1 sent", day)
        before = s.call("kb", kb_pb2.GetDeflection(from_us=r.from_us - 86400000000,
                                                     to_us=r.from_us), principal=N1)
        check(before.opened == 0, "and none the day before", before)

        # Over HTTP, as the dashboard asks: a supervisor's session gets the
        # same figures as JSON and the CSV download; an agent the router's
        # refusal; a token or a customer 403, no session 401.
        status, body, _ = s.http_get("/api/v1/desk/reports?from=" + today(), token=None)
        check(status == 401, "reports over HTTP need a session", (status, body))
        token = s.api_token("painel")
        status, body, _ = s.http_get("/api/v1/desk/reports?from=" + today(), token=token)
        check(status == 403 and body["error"] == "forbidden", "a token is not staff: 403",
              (status, body))
        rui = staff(s, SUPERVISOR)
        status, body, _ = rui.request("GET", "/desk/reports?from=%s&to=%s&group_by=tier"
                                      % (today(), today()))
        total = body["total"] if status == 200 else {}
        check(status == 200 and total["created"] == 4 and total["reopen_pct"] == 50
              and abs(total["sla_met_pct"] - 500 / 6) < 0.01 and total["csat"] == [0, 0, 0, 0, 1]
              and total["first_response_median_s"] == 30
              and [g["key"] for g in body["groups"]] and body["backlog"][-1]["open"] == 3
              and body["deflection"]["deflected"] == 1 and body["deflection"]["rate"] == 50
              and body["time_zone"] == "America/Sao_Paulo",
              "a supervisor's session reads the report as JSON (with today's deflection)",
              (status, body))
        status, raw, headers = get_raw(rui, "/desk/reports?from=%s&group_by=tier&format=csv"
                                       % today())
        check(status == 200 and raw.startswith(b"group,created,resolved,")
              and b'\n"",4,2,1,1,3,' in raw and "text/csv" in headers.get("Content-Type", "")
              and "attachment" in headers.get("Content-Disposition", ""),
              "and downloads it as CSV", (status, raw[:200], headers))
        ana = staff(s, N1)
        status, body, _ = ana.request("GET", "/desk/reports?from=" + today())
        check(status == 403 and "supervisores" in body["message_pt"],
              "an agent's session gets the router's refusal, in both languages", (status, body))
        status, body, _ = ana.request("GET", "/desk/reports?from=2026-02-30")
        check(status in (400, 403), "a bad date is refused", (status, body))
        status, body, _ = rui.request("GET", "/desk/reports?from=2026-02-30")
        check(status == 400 and body["error"] == "invalid" and "AAAA-MM-DD" in body["message_pt"],
              "a bad date: 400 with the format in the sentence", (status, body))
        status, body, _ = rui.request("GET", "/desk/reports?from=%s&format=xml" % today())
        check(status == 400, "an unknown format: 400", (status, body))

        # A store made before the reports: its read model comes from the
        # tickets' current states, once, when the router starts.
        s.stop("router")
        strip_reports(os.path.join(s.var, "router"))
        s.start("router")
        t = report(s).total
        check((t.created, t.first_responses, t.resolved, t.closed, list(t.csat)) ==
              (4, 3, 1, 1, [0, 0, 0, 0, 1]) and report(s).backlog[-1].open == 3,
              "an old store is seeded from the states: 4 created, 3 answered, the closed one "
              "resolved and rated, 3 unresolved (the reopened ticket's resolution is not in "
              "its state)", (t.created, t.first_responses, t.resolved, t.closed, list(t.csat)))
        check(s.log_text("router").count("event=reports_seeded tickets=4") == 1,
              "the router logs the seeding once")
        s.stop("router")
        s.start("router")
        check(report(s).total.created == 4 and
              s.log_text("router").count("event=reports_seeded") == 1,
              "and never again: a restart counts nothing twice")
        log("reports: ok")


if __name__ == "__main__":
    run_test(main)

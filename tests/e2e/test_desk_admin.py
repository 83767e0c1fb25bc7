#!/usr/bin/python3
"""The dashboard's admin pages over the real services: settings (SLA targets,
working hours, holidays) and the outbox (dead letters, resend).

Proves:
  - GET /desk/settings shows every setting as in effect (the config file's
    or the embedded defaults) and the categories with their defaults, to
    any staff session; 401 without a session, 403 for a customer;
  - only admins change settings (the router decides: a supervisor's change
    is 403); a bad value is a 400 that names the setting, and changes
    nothing (all or nothing);
  - a change applies to tickets opened afterwards (the first-response
    target), is in the log (SettingsChanged), survives kill -9 of the
    router, and `balcao settings` shows the same, marked as changed;
  - GET /desk/outbox lists a dead letter with the server's reason; a
    supervisor may not resend it (notify decides), an admin does and the
    mail arrives; a customer's session is refused.
"""

from harness import BusError, System, check, log, run_test, wait_until
from portal import Portal, sign_in, staff_sign_in
from balcao.v1 import notify_pb2, router_pb2

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Open all day every day, so that business time is wall-clock time here.
CONFIG = {"router": "\n".join(
    ["    calendar"] + ['        %s = "00:00-24:00"' % d for d in DAYS]) + "\n"}
ADMIN = "admin:renata@suporte.example"
SUPERVISOR = "supervisor:rui@suporte.example"
AGENT = "agent:ana@suporte.example"
REFUSED = "inexistente@example.com"


def staff(s, principal):
    return staff_sign_in(s, principal)


def values(body):
    return {x["key"]: x["value"] for x in body["settings"]}


def changed(body):
    return {x["key"] for x in body["settings"] if x["changed"]}


def new_ticket(s, ext, address="cliente@example.com"):
    before = s.ticket_total()
    s.submit_api(ext, "Sistema fora do ar", "Ninguém consegue entrar.", from_address=address)
    wait_until(lambda: s.ticket_total() == before + 1, 20, "ticket %s" % ext, system=s)
    return before + 1


def first_response_target_s(s, n):
    t = s.ticket(n)
    return (t.first_response_due_us - t.created_us) / 1e6


def cli(s, *args, who=ADMIN, lang="pt-BR"):
    r = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": who, "BALCAO_LANG": lang})
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def settings(s, customer):
    for who, name, tier in ((ADMIN, "Renata", ""), (SUPERVISOR, "Rui", "N1"), (AGENT, "Ana", "N1")):
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=who, name=name, email=who.split(":", 1)[1], tier=tier)), principal="admin:e2e")
    admin, rui, ana = staff(s, ADMIN), staff(s, SUPERVISOR), staff(s, AGENT)

    status, body, _ = Portal(s.http).get("/desk/settings")
    check(status == 401, "no session: 401", (status, body))
    status, body, _ = customer.get("/desk/settings")
    check(status == 403, "a customer's session: 403", (status, body))

    status, body, _ = ana.get("/desk/settings")
    v = values(body)
    check(status == 200 and v["sla/normal/first_response"] == "4h"
          and v["sla/urgente/first_response"] == "30m" and v["calendar/mon"] == "00:00-24:00"
          and v["calendar/national_holidays"] == "yes" and body["time_zone"] == "America/Sao_Paulo"
          and not changed(body) and body["updated_at"] is None,
          "an agent reads every setting: the file's and the embedded defaults", body)
    cats = {c["id"]: c for c in body["categories"]}
    check(cats and all(c["name"] and c["priority"] and c["tier"] for c in cats.values()),
          "the categories with their names, default priority and tier", body["categories"])

    n = new_ticket(s, "antes")
    check(abs(first_response_target_s(s, n) - 4 * 3600) < 5,
          "before any change: a normal ticket's first response in 4 h", first_response_target_s(s, n))

    status, body, _ = rui.post("/desk/settings", {"changes": {"sla/normal/first_response": "1h"}})
    check(status == 403 and body["error"] == "forbidden", "a supervisor may not change settings",
          (status, body))
    for bad, word in (({"sla/normal/first_response": "rápido"}, "sla/normal/first_response"),
                      ({"sla/warning": "1.5"}, "sla/warning"),
                      ({"calendar/mon": "25:00-26:00"}, "calendar/mon"),
                      ({"calendar/holidays": "amanhã"}, "calendar/holidays"),
                      ({"calendar/national_holidays": "talvez"}, "national_holidays"),
                      ({"sla/normal/first_response": "15m", "sla/bonus": "1h"}, "sla/bonus"),
                      ({"sla/normal/first_response": "15m", "calendar/tue": "9h"}, "calendar/tue")):
        status, body, _ = admin.post("/desk/settings", {"changes": bad})
        check(status == 400 and word in body["message_pt"] and word in body["message"],
              "refused, naming the setting: %s" % bad, (status, body))
    for bad in ({}, {"changes": {}}, {"changes": {"sla/warning": 0.5}}, {"changes": "x"}):
        status, body, _ = admin.post("/desk/settings", bad)
        check(status == 400, "a malformed change is a 400: %r" % bad, (status, body))
    status, body, _ = admin.get("/desk/settings")
    check(values(body)["sla/normal/first_response"] == "4h" and values(body)["calendar/tue"]
          == "00:00-24:00" and not changed(body),
          "nothing changed by the refused requests (all or nothing)", body)

    status, body, _ = admin.post("/desk/settings", {"changes": {
        "sla/normal/first_response": "15m", "calendar/holidays": "2026-12-24,2026-12-31",
        "sla/warning": "0.5"}})
    check(status == 200 and values(body)["sla/normal/first_response"] == "15m"
          and changed(body) == {"sla/normal/first_response", "calendar/holidays", "sla/warning"}
          and body["updated_by"] == ADMIN and body["updated_at"],
          "an admin changes three settings", body)
    n = new_ticket(s, "depois")
    t = s.ticket(n)
    check(abs(first_response_target_s(s, n) - 15 * 60) < 5
          and abs((t.first_response_warn_us - t.created_us) / 1e6 - 7.5 * 60) < 5,
          "a ticket opened afterwards: first response in 15 min, warning at half of it",
          (first_response_target_s(s, n), t.first_response_warn_us - t.created_us))
    events = [e for e in s.replay("router") if e.type == "balcao.v1.SettingsChanged"]
    check(len(events) == 1 and events[0].principal == ADMIN, "one SettingsChanged in the log, by the admin",
          [(e.type, e.principal) for e in events])

    rc, out, err = cli(s, "settings", who=AGENT)
    check(rc == 0 and "sla/normal/first_response" in out and "15m   * alterado" in out
          and "renata@suporte.example" in out,
          "balcao settings shows the same, marked as changed", (rc, out, err))
    rc, out, err = cli(s, "settings", "set", "sla/normal/resolution", "20h", who=AGENT)
    check(rc == 2 and "administradores" in err, "an agent's `settings set` is refused", (rc, err))
    rc, out, err = cli(s, "settings", "set", "sla/normal/resolution", "20h", lang="en")
    check(rc == 0 and "20h   * changed" in out, "an admin's `settings set`, in English", (rc, out, err))

    s.kill9("router")
    s.restart("router")
    status, body, _ = ana.get("/desk/settings")
    check(values(body)["sla/normal/first_response"] == "15m"
          and values(body)["sla/normal/resolution"] == "20h"
          and changed(body) == {"sla/normal/first_response", "calendar/holidays", "sla/warning",
                                "sla/normal/resolution"},
          "after kill -9 of the router the changes are still there", body)
    n = new_ticket(s, "reinicio")
    check(abs(first_response_target_s(s, n) - 15 * 60) < 5,
          "and still apply to new tickets", first_response_target_s(s, n))


def outbox(s, sink):
    admin = staff(s, ADMIN)
    rui = staff(s, SUPERVISOR)
    sink.refuse(REFUSED)
    n = new_ticket(s, "recusado", REFUSED)
    dead_id = "t%d-ack" % n

    def dead():
        status, body, _ = rui.get("/desk/outbox?state=dead")
        if status != 200:
            raise AssertionError("GET /desk/outbox?state=dead: %s %s" % (status, body))
        return [i for i in body["items"] if i["id"] == dead_id]
    item = wait_until(dead, 20, "the refused acknowledgement to be dead", system=s)[0]
    check(item["recipient"] == REFUSED and item["state"] == "dead" and item["last_code"] == 550
          and "User unknown" in item["last_error"] and item["ticket"] == n
          and item["attempts"] == 1,
          "the outbox page lists the dead letter with the server's reason", item)
    status, body, _ = rui.get("/desk/outbox")
    check(status == 200 and body["dead"] >= 1, "the counts per state", body)
    for bad in ("/desk/outbox?state=sumidas", "/desk/outbox?limit=0", "/desk/outbox?limit=x"):
        status, body, _ = rui.get(bad)
        check(status == 400, "a bad filter is a 400: %s" % bad, (status, body))

    status, body, _ = rui.post("/desk/outbox/%s/resend" % dead_id, {})
    check(status == 403, "a supervisor may not resend (notify decides)", (status, body))
    status, body, _ = admin.post("/desk/outbox/nao-existe/resend", {})
    check(status == 404, "an unknown notification: 404", (status, body))
    status, body, _ = admin.post("/desk/outbox/..%2F..%2Fx/resend", {})
    check(status == 404, "an id with odd characters is no page", (status, body))
    sink.refuse()  # the address was fixed on the server
    status, body, _ = admin.post("/desk/outbox/%s/resend" % dead_id, {})
    check(status == 200 and body["id"] == dead_id and body["state"] == "pending",
          "an admin resends it", (status, body))
    wait_until(lambda: [m for rcpt, m in sink.messages() if rcpt == REFUSED], 20,
               "the resent mail at the SMTP server", system=s)
    status, body, _ = admin.post("/desk/outbox/%s/resend" % dead_id, {})
    check(status in (404, 409), "resending it again: it is no longer dead", (status, body))

    try:
        s.call("notify", notify_pb2.ListOutbox(),
               principal="customer:cliente@example.com")
        check(False, "notify refuses the outbox to a customer on the bus too")
    except BusError as e:
        check(e.code == "forbidden", "notify refuses the outbox to a customer on the bus too", e)


def main():
    with System("desk_admin", extra_config=CONFIG) as s:
        s.start_all()
        customer = sign_in(s, "cliente@example.com")
        settings(s, customer)
        status, body, _ = customer.get("/desk/outbox")
        check(status == 403, "a customer's session may not read the outbox: 403", (status, body))
    log("settings: done")
    with System("desk_admin_outbox", extra_config=CONFIG, ack_per_hour=None) as s:
        sink = s.start_with_smtp(retry_first_ms=400, retry_max_ms=3000)
        try:
            for who, name, tier in ((ADMIN, "Renata", ""), (SUPERVISOR, "Rui", "N1")):
                s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                    id=who, name=name, email=who.split(":", 1)[1], tier=tier)),
                       principal="admin:e2e")
            outbox(s, sink)
        finally:
            sink.stop()
    log("test_desk_admin passed")


if __name__ == "__main__":
    run_test(main)

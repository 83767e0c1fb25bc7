#!/usr/bin/python3
"""The router's side of the support dashboard, over the real services.

Proves:
  - GetQueue's views ("tier": the tier's unassigned queue, "mine", "waiting":
    the caller's tickets on aguardando_cliente, "open": everything unresolved
    at a tier) list exactly the tickets a reader of every ticket would pick,
    in the documented order, with total the view's size; the filters
    (category, priority, channel, customer, organization) and offset/limit
    page through the matches;
  - GetQueueCounts agrees with the views as tickets are taken, wait on the
    customer, come back and are resolved;
  - customers and service principals get "forbidden" for the views, the
    counts and the macro preview; a customer lists only their own tickets;
  - PreviewMacro's text is exactly what ApplyMacro then sends, and the preview
    changes nothing (the router's log does not move);
  - GetHistory's payload decodes to the event it summarizes;
  - ListTickets.customer lists a customer's tickets newest first, paging
    with after;
  - `balcao queue --view/--filters`, `balcao counts` (pt-BR and English) and
    `balcao macro-preview` show what the bus shows;
  - with 20,100 tickets: a page of 50 anywhere answers fast, a filter looks
    at 20,000 tickets and says truncated; the views survive kill -9 of the
    router while tickets stream in; a store whose views are missing (its
    meta "desk_index" key set back to 0 with mdb_load, and a counter made
    wrong) is indexed again once, at start.
"""

import os
import re
import subprocess
import time

from harness import BusError, System, check, log, run_test, wait_until
from balcao.v1 import intake_pb2, router_pb2

ADMIN = "admin:root@suporte.example"
ANA = "agent:ana@suporte.example"
BIA = "agent:bia@suporte.example"
GIL = "agent:gil@suporte.example"
SARA = "supervisor:sara@suporte.example"
RITA = "rita@loja.com.br"
CAIO = "caio@loja.com.br"
LIA = "lia@outra.com.br"
RANK = {"urgente": 0, "alta": 1, "normal": 2, "baixa": 3}


def upsert(s, **fields):
    s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(**fields)), principal=ADMIN)


def submit(s, ext, subject, sender, channel="api", category="", ticket=0):
    return s.call("intake", intake_pb2.Submit(
        channel=channel, external_id=ext, from_address=sender, from_name=sender.split("@")[0].title(),
        subject=subject, body="Texto de %s" % subject, category=category, ticket=ticket))


def code_of(s, msg, principal):
    try:
        s.call("router", msg, principal=principal)
    except BusError as e:
        return e.code
    return "ok"


def view(s, principal=ANA, **req):
    req.setdefault("limit", 200)
    return s.call("router", router_pb2.GetQueue(**req), principal=principal, timeout=10)


def numbers(reply):
    return [t.number for t in reply.tickets]


def expected(tickets, name, tier="", who=""):
    """What a view holds, computed from every ticket."""
    live = [t for t in tickets if t.status not in ("resolvido", "fechado")]
    if name in ("tier", "open"):
        out = [t for t in live if t.tier == tier and (name == "open" or not t.assignee)]
        return [t.number for t in sorted(out, key=lambda t: (RANK[t.priority], t.created_us, t.number))]
    out = [t for t in live if t.assignee == who
           and (name == "mine" or t.status == "aguardando_cliente")]
    return sorted(t.number for t in out)


def agree(s, who_list=(ANA, BIA, GIL), what=""):
    """Every view and every count of who_list matches the tickets themselves."""
    tickets = s.all_tickets()
    for who in who_list:
        counts = s.call("router", router_pb2.GetQueueCounts(), principal=who)
        for tier in ("N1", "N2", "N3"):
            for name, field in (("tier", tier.lower()), ("open", "open_" + tier.lower())):
                want = expected(tickets, name, tier)
                got = view(s, who, view=name, tier=tier)
                check(numbers(got) == want and got.total == len(want) and not got.truncated,
                      "%s: view %s %s as %s" % (what, name, tier, who), (numbers(got), want))
                check(getattr(counts, field) == len(want), "%s: count %s as %s" % (what, field, who),
                      (getattr(counts, field), want))
        for name in ("mine", "waiting"):
            want = expected(tickets, name, who=who)
            got = view(s, who, view=name)
            check(numbers(got) == want and got.total == len(want),
                  "%s: view %s as %s" % (what, name, who), (numbers(got), want))
            check(getattr(counts, name) == len(want), "%s: count %s as %s" % (what, name, who),
                  (getattr(counts, name), want))
    return tickets


def cli(s, *args, who=ANA, lang=None):
    env = {"BALCAO_PRINCIPAL": who, "BALCAO_LANG": lang}
    r = s.run_tool("balcao", args, env=env)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def views():
    with System("desk-views") as s:
        s.start_all()
        upsert(s, id=ANA, name="Ana Souza", tier="N1", capacity=2)
        upsert(s, id=BIA, name="Bia Reis", tier="N1", capacity=10)
        upsert(s, id=GIL, name="Gil Prado", tier="N2", capacity=10)
        upsert(s, id=SARA, name="Sara Lima", tier="N1")
        upsert(s, id="customer:" + RITA, name="Rita", email=RITA, organization="Loja Azul")
        upsert(s, id="customer:" + CAIO, name="Caio", email=CAIO, organization="Loja Azul")
        upsert(s, id="customer:" + LIA, name="Lia", email=LIA, organization="Outra")
        plan = [("d-1", "Não consigo entrar", RITA, "api", "acesso"),
                ("d-2", "Como exporto o relatório?", CAIO, "chat", "duvida"),
                ("d-3", "Boleto em dobro", LIA, "api", "faturamento"),
                ("d-4", "Erro 500 ao salvar", RITA, "chat", "erro"),
                ("d-5", "Sistema lento", LIA, "chat", ""),
                ("d-6", "Nota fiscal rejeitada", CAIO, "api", ""),
                ("d-7", "Acesso indevido na conta", RITA, "api", "seguranca")]
        for ext, subject, who, channel, category in plan:
            submit(s, ext, subject, who, channel, category)
        wait_until(lambda: s.ticket_total() == 7, 20, "seven tickets", system=s)
        s.call("router", router_pb2.SetPriority(number=6, priority="urgente", reason="cliente parado"),
               principal=BIA)
        tickets = agree(s, what="nobody online")
        check(numbers(view(s, view="tier", tier="N1")) == [6, 1, 3, 5, 2],
              "the N1 queue: urgent first, then by priority and age")
        check(numbers(view(s, tier="N1")) == [6, 1, 3, 5, 2], "no view: the tier's queue, as before")
        check(numbers(view(s, view="open", tier="N2")) == [4] and numbers(view(s, view="open", tier="N3")) == [7],
              "each category's tier holds its ticket")

        # Filters, on the open N1 view.
        for field, value, want in (("category", "acesso", [1]), ("priority", "baixa", [2]),
                                   ("channel", "chat", [5, 2]), ("customer", RITA.upper(), [1]),
                                   ("organization", "loja azul", [6, 1, 2]),
                                   ("organization", "Outra", [3, 5]),
                                   # Part of an address or a name, as agents type them.
                                   ("customer", "RITA@LOJA", [1]),
                                   ("organization", "azul", [6, 1, 2])):
            got = view(s, view="open", tier="N1", **{field: value})
            check(numbers(got) == want and got.total == len(want) and not got.truncated,
                  "filter %s=%s" % (field, value), numbers(got))
        got = view(s, view="open", tier="N1", organization="loja azul", channel="api")
        check(numbers(got) == [6, 1], "filters combine", numbers(got))
        got = view(s, view="open", tier="N1", offset=1, limit=2)
        check(numbers(got) == [1, 3] and got.total == 5, "offset and limit page an unfiltered view",
              (numbers(got), got.total))
        got = view(s, view="open", tier="N1", organization="loja azul", offset=1, limit=1)
        check(numbers(got) == [1] and got.total == 3, "offset and limit page the matches of a filter",
              (numbers(got), got.total))
        for req, why in ((dict(view="todas", tier="N1"), "an unknown view"),
                         (dict(view="open"), "open without a tier"),
                         (dict(view="open", tier="N1", priority="altissima"), "an unknown priority"),
                         (dict(view="open", tier="N1", offset=10001), "an offset past 10,000")):
            check(code_of(s, router_pb2.GetQueue(**req), ANA) == "invalid", "%s is refused" % why)

        # Who may look.
        for who in ("customer:" + RITA, "service:gateway", "service:e2e-test", ""):
            for msg in (router_pb2.GetQueue(view="tier", tier="N1"), router_pb2.GetQueue(view="mine"),
                        router_pb2.GetQueue(view="open", tier="N1"), router_pb2.GetQueueCounts(),
                        router_pb2.PreviewMacro(number=1, macro="pedir-print")):
                check(code_of(s, msg, who) == "forbidden", "%s: %s refused" % (who or "anonymous",
                                                                              type(msg).__name__))

        # Work happens: counts and views follow.
        s.call("router", router_pb2.SetAgentStatus(status="online"), principal=ANA)
        check(numbers(view(s, ANA, view="mine")) == [1, 6], "ana coming online takes the queue's head")
        agree(s, what="ana online")
        s.call("router", router_pb2.TicketAction(number=6, action="request_info",
                                                 text="Pode mandar o XML da nota?"), principal=ANA)
        check(numbers(view(s, ANA, view="waiting")) == [6], "ticket 6 waits on its customer")
        agree(s, what="waiting on the customer")
        submit(s, "d-6b", "Re: Nota fiscal rejeitada", CAIO, ticket=6)
        wait_until(lambda: s.ticket(6).status == "aberto", 20, "caio's answer reopens the work", system=s)
        agree(s, what="the customer answered")
        before = s.call("router", router_pb2.GetQueueCounts(), principal=ANA)
        s.call("router", router_pb2.TicketAction(number=1, action="resolve",
                                                 text="Senha redefinida."), principal=ANA)
        after = agree(s, what="ana resolved one")
        counts = s.call("router", router_pb2.GetQueueCounts(), principal=ANA)
        check((counts.mine, counts.n1, counts.open_n1) == (before.mine, before.n1 - 1, before.open_n1 - 1),
              "a resolved ticket leaves open; ana took the next from the queue",
              (before, counts))
        s.call("router", router_pb2.AssignTicket(number=2), principal=BIA)
        s.call("router", router_pb2.Escalate(number=5, reason="lentidão geral", tried="cache, outro navegador"),
               principal=BIA)
        agree(s, what="bia took one and escalated one")

        # The macro preview is what ApplyMacro sends; it changes nothing.
        head = s.head_seq("router")
        preview = s.call("router", router_pb2.PreviewMacro(number=2, macro="pedir-print"), principal=BIA)
        check(s.head_seq("router") == head and s.ticket(2).message_count == 1,
              "a preview changes nothing")
        check(preview.macro == "pedir-print" and "Olá, Caio!" in preview.text and "“Como exporto o relatório?”" in preview.text
              and "Bia Reis" in preview.text and "{{" not in preview.text
              and preview.action == "request_info", "the preview fills the placeholders", preview)
        s.call("router", router_pb2.ApplyMacro(number=2, macro="pedir-print"), principal=BIA)
        sent = s.ticket(2).messages[-1]
        check(sent.body == preview.text, "ApplyMacro sends exactly the previewed text",
              (sent.body, preview.text))
        check(code_of(s, router_pb2.PreviewMacro(number=2, macro="nada"), BIA) == "not_found",
              "an unknown macro: not_found")
        check(code_of(s, router_pb2.PreviewMacro(number=99, macro="pedir-print"), BIA) == "not_found",
              "a ticket that does not exist: not_found")
        check(code_of(s, router_pb2.PreviewMacro(number=3), BIA) == "invalid",
              "a category without a procedure: the same refusal as ApplyMacro")
        agree(s, what="a macro asked for information")

        # History: each entry's payload is its event.
        entries = s.call("router", router_pb2.GetHistory(number=2), principal=BIA).entries
        types = {}
        for e in entries:
            cls = getattr(router_pb2, e.type.split(".")[-1])
            types[e.type.split(".")[-1]] = cls.FromString(e.payload)
        check(types["TicketCreated"].ticket.number == 2 and types["TicketCreated"].ticket.subject
              == "Como exporto o relatório?", "TicketCreated's payload is the ticket", types.keys())
        check(types["TicketStatusChanged"].to_status == "aguardando_cliente"
              and types["MessageAppended"].message.body == preview.text,
              "the macro's events decode to their fields")

        # A customer's tickets, newest first.
        got = s.call("router", router_pb2.ListTickets(customer=RITA), principal=BIA)
        check(numbers(got) == [7, 4, 1] and got.total == 3, "rita's tickets, newest first", numbers(got))
        got = s.call("router", router_pb2.ListTickets(customer=RITA.upper(), after=7, limit=1), principal=BIA)
        check(numbers(got) == [4] and got.total == 3, "after: the numbers below it", numbers(got))
        got = s.call("router", router_pb2.ListTickets(customer=RITA), principal="customer:" + RITA)
        check(numbers(got) == [7, 4, 1], "a customer may ask for their own")
        check(code_of(s, router_pb2.ListTickets(customer=LIA), "customer:" + RITA) == "forbidden",
              "a customer asking for another's tickets is refused")
        check(code_of(s, router_pb2.ListTickets(customer=LIA), "service:gateway") == "forbidden",
              "a service asking for a customer's tickets is refused")

        # The CLI shows the same truth.
        tickets = s.all_tickets()
        rc, out, err = cli(s, "queue", "N1", "--view", "open", "--organization", "loja azul")
        want = [n for n in expected(tickets, "open", "N1")
                if s.ticket(n).organization.lower() == "loja azul"]
        check(rc == 0 and [int(x) for x in re.findall(r"^#(\d+)", out, re.M)] == want
              and "%d chamado(s) em aberto no N1" % len(want) in out,
              "`balcao queue --view open --organization` lists the view", (out, err, want))
        rc, out, _ = cli(s, "queue", "--view", "waiting", who=BIA)
        check(rc == 0 and re.findall(r"^#(\d+)", out, re.M) == ["2"]
              and "1 chamado(s) seus aguardando o cliente" in out, "`queue --view waiting`", out)
        rc, out, _ = cli(s, "queue", "N1", "--view", "open", "--limit", "1", "--offset", "1")
        check(rc == 0 and re.findall(r"^#(\d+)", out, re.M) == [str(expected(tickets, "open", "N1")[1])]
              and "--offset" in out, "`queue --limit --offset` pages and says there is more", out)
        counts = s.call("router", router_pb2.GetQueueCounts(), principal=BIA)
        rc, out, _ = cli(s, "counts", who=BIA)
        shown = dict((line.rsplit(None, 1)[0], int(line.rsplit(None, 1)[1])) for line in out.splitlines())
        check(rc == 0 and shown == {"fila N1": counts.n1, "fila N2": counts.n2, "fila N3": counts.n3,
                                    "com você": counts.mine, "aguardando o cliente": counts.waiting,
                                    "em aberto no N1": counts.open_n1, "em aberto no N2": counts.open_n2,
                                    "em aberto no N3": counts.open_n3},
              "`balcao counts` prints the router's counts", (out, counts))
        rc, out, _ = cli(s, "counts", who=BIA, lang="en")
        check(rc == 0 and re.search(r"^waiting on the customer +%d$" % counts.waiting, out, re.M)
              and re.search(r"^open at N1 +%d$" % counts.open_n1, out, re.M), "in English", out)
        rc, _, err = cli(s, "counts", who="customer:" + RITA)
        check(rc == 2 and "equipe de suporte" in err, "a customer's `counts` is refused (exit 2)", err)
        preview = s.call("router", router_pb2.PreviewMacro(number=6, macro="pedir-print"), principal=ANA)
        head = s.head_seq("router")
        rc, out, _ = cli(s, "macro-preview", "6", "pedir-print")
        check(rc == 0 and preview.text in out and "Nada foi enviado" in out
              and s.head_seq("router") == head, "`balcao macro-preview` shows the text, sends nothing", out)
        rc, _, err = cli(s, "macro-preview", "6", "nada")
        check(rc == 2 and "desconhecida" in err, "an unknown macro's preview is refused", err)


def mdb_set(path, db, pairs):
    """Writes raw keys into one database of a stopped service's LMDB store."""
    def esc(b):
        return "".join(chr(c) if 32 < c < 127 and c != 92 else "\\%02x" % c for c in b)
    text = "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n"
    text += "".join(" %s\n %s\n" % (esc(k), esc(v)) for k, v in pairs) + "DATA=END\n"
    r = subprocess.run(["mdb_load", "-s", db, path], input=text.encode(), capture_output=True)
    check(r.returncode == 0, "mdb_load into %s" % db, r.stderr)


def many():
    n = int(os.environ.get("BALCAO_DESK_N", "20100"))
    with System("desk-many") as s:
        s.start_all(services=("intake", "router"))  # kb would index every ticket meanwhile
        bench = s.spawn_tool("balcao-bench", ["-n", str(n), "-C", "32", "--no-wait", "--rate", "4000"])
        wait_until(lambda: s.ticket_total() > n // 3, 60, "a third of the tickets", system=s, poll=0.05)
        s.kill9("router")
        log("router killed mid-stream")
        s.restart("router")
        wait_until(lambda: bench.poll() is not None, 120, "bench to finish", system=s)
        check(bench.returncode == 0, "every ticket was accepted", s.tool_output("balcao-bench")[-400:])
        wait_until(lambda: s.ticket_total() == n, 120, "every ticket in the router", system=s)
        tickets = s.all_tickets()
        order = expected(tickets, "tier", "N1")
        counts = s.call("router", router_pb2.GetQueueCounts())
        check(counts.n1 == counts.open_n1 == n == len(order),
              "after kill -9 mid-stream the counts hold every ticket", counts)

        def page(offset, **filters):
            best, reply = 1e9, None
            for _ in range(5):
                t0 = time.monotonic()
                reply = view(s, view="tier", tier="N1", offset=offset, limit=50, **filters)
                best = min(best, time.monotonic() - t0)
            return reply, best

        for offset in (0, 5000, 10000):
            reply, took = page(offset)
            log("page of 50 at offset %d of %d: %.1f ms" % (offset, n, took * 1000))
            check(numbers(reply) == order[offset:offset + 50] and reply.total == n and not reply.truncated,
                  "an unfiltered page at offset %d" % offset)
            check(took < 0.02, "a page of 50 from %d tickets answers in under 20 ms (%.1f ms)"
                  % (n, took * 1000))
        who = tickets[0].customer_address
        reply, took = page(0, customer=who)
        log("filtered page: %.1f ms" % (took * 1000))
        address = dict((t.number, t.customer_address) for t in tickets)
        want = [t for t in order[:20000] if address[t] == who]
        check(reply.truncated and reply.total == len(want) and numbers(reply) == want[:50],
              "a filter looks at the first 20,000 and says there may be more",
              (reply.truncated, reply.total, len(want)))

        # An older store: its views are missing and a counter is wrong.
        s.stop("router")
        store = os.path.join(s.var, "router")
        mdb_set(store, "meta", [(b"desk_index", bytes(8))])
        mdb_set(store, "desk", [(b"cqN1", (999999).to_bytes(8, "big"))])
        s.restart("router")
        counts = s.call("router", router_pb2.GetQueueCounts())
        check(counts.n1 == n, "the views are built again for an old store", counts)
        s.stop("router")
        s.restart("router")
        built = s.log_text("router").count("event=desk_index_built")
        check(built == 2, "built once on the first start and once for the old store, not at every "
              "start", built)
        reply, _ = page(10000)
        check(numbers(reply) == order[10000:10050], "the rebuilt view pages as before")


def main():
    views()
    many()
    log("test_desk_router passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Categories and macros edited at run time, over the real services: the
dashboard's "Categorias e mensagens padrão" page (gateway /desk/categories,
/desk/macros) and the CLI (category-save, macro-save, macro-remove), both on
the router's SaveCategory and SaveMacro.

Proves:
  - every staff session reads the categories and macros with their English
    names and texts; only admins change them (the router decides: a
    supervisor's save is 403, an agent's `macro-save` exits 2);
  - a new category's defaults apply when an agent classifies a ticket
    (priority and tier), and its English name is what `balcao categories`
    shows in English;
  - a macro saved with pt-BR and English texts fills its placeholders in the
    ticket's language: the preview of a ticket opened in English is the
    English text, of one in Portuguese the Portuguese text;
  - a refused save changes nothing: a bad priority, an unknown procedure, a
    macro's unknown category, an over-long text, a bad id; a macro that is a
    category's procedure is not removed (409);
  - the saves are in the router's log (CatalogChanged, by the admin) and
    survive kill -9 of the router; a removed macro stays removed.
"""

from harness import System, check, log, run_test, wait_until
from portal import staff_sign_in
from balcao.v1 import intake_pb2, router_pb2

ADMIN = "admin:renata@suporte.example"
SUPERVISOR = "supervisor:rui@suporte.example"
AGENT = "agent:ana@suporte.example"

NF_TEXT = ("Olá, {{cliente.nome}}!\n\nA segunda via da nota do chamado #{{chamado.numero}} "
           "já está no portal, em Financeiro > Notas.\n\nAtenciosamente,\n{{agente.nome}}")
NF_TEXT_EN = ("Hello, {{cliente.nome}}!\n\nThe copy of the invoice for ticket #{{chamado.numero}} "
              "is in the portal, under Billing > Invoices.\n\nKind regards,\n{{agente.nome}}")


def staff(s, principal):
    return staff_sign_in(s, principal)


def cli(s, *args, who=ADMIN, lang="pt-BR", input=None):
    r = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": who, "BALCAO_LANG": lang},
                   input=input)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def by_id(items):
    return {x["id"]: x for x in items}


def new_ticket(s, ext, language, name):
    before = s.ticket_total()
    s.call("intake", intake_pb2.Submit(
        channel="api", external_id=ext, from_address="%s@example.com" % ext, from_name=name,
        subject="Segunda via da nota", body="Preciso da segunda via da nota de novembro.",
        language=language))
    wait_until(lambda: s.ticket_total() == before + 1, 20, "ticket %s" % ext, system=s)
    return before + 1


def main():
    with System("desk_catalog") as s:
        s.start_all()
        for who, name, tier in ((ADMIN, "Renata", ""), (SUPERVISOR, "Rui", "N1"),
                                (AGENT, "Ana", "N1")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=name, email=who.split(":", 1)[1], tier=tier)), principal="admin:e2e")
        admin, rui, ana = staff(s, ADMIN), staff(s, SUPERVISOR), staff(s, AGENT)

        status, body, _ = ana.get("/desk/categories")
        cats = by_id(body["categories"])
        check(status == 200 and cats["acesso"]["name"] == "Acesso e senha"
              and cats["acesso"]["name_en"] == "Login and password"
              and cats["acesso"]["procedure"] == "reset-senha",
              "an agent reads the categories, with their English names", body)
        status, body, _ = ana.get("/desk/macros")
        macros = by_id(body["macros"])
        check(status == 200 and macros["reset-senha"]["name_en"] == "Password reset"
              and "{{cliente.nome}}" in macros["reset-senha"]["text_en"],
              "and the macros with their English texts", body)

        nf = {"name": "Nota fiscal", "name_en": "Invoices", "priority": "alta", "tier": "N2"}
        status, body, _ = rui.post("/desk/categories/nota-fiscal", nf)
        check(status == 403 and "administradores" in body["message_pt"],
              "a supervisor may not add a category (the router says so)", (status, body))
        for bad, why in (({**nf, "priority": "altissima"}, "prioridade"),
                         ({**nf, "procedure": "nao-existe"}, "procedimento"),
                         ({**nf, "name": ""}, "nome"),
                         ({**nf, "tier": 3}, "tier")):
            status, body, _ = admin.post("/desk/categories/nota-fiscal", bad)
            check(status == 400 and why in body["message_pt"],
                  "a bad category is a 400 that says why (%s)" % why, (status, body))
        status, body, _ = admin.post("/desk/categories/Nota%20Fiscal", nf)
        check(status == 404, "an id with capitals and a space is no page", (status, body))
        status, body, _ = ana.get("/desk/categories")
        check("nota-fiscal" not in by_id(body["categories"]), "nothing stored by the refusals", body)

        status, body, _ = admin.post("/desk/categories/nota-fiscal", nf)
        check(status == 200 and by_id(body["categories"])["nota-fiscal"]["tier"] == "N2",
              "an admin adds the category 'Nota fiscal' (alta, N2)", (status, body))

        macro = {"name": "Segunda via da nota", "name_en": "Invoice copy", "text": NF_TEXT,
                 "text_en": NF_TEXT_EN, "category": "nota-fiscal"}
        for bad, why in (({**macro, "category": "nao-existe"}, "categoria"),
                         ({**macro, "text": "x" * 8001}, "text"),
                         ({**macro, "action": "explodir"}, "ação"),
                         ({**macro, "action": "close"}, "ação"),
                         ({**macro, "text": ""}, "texto")):
            status, body, _ = admin.post("/desk/macros/nf-segunda-via", bad)
            check(status == 400 and why in body["message_pt"],
                  "a bad macro is a 400 that says why (%s)" % why, (status, body))
        status, body, _ = rui.post("/desk/macros/nf-segunda-via", macro)
        check(status == 403, "a supervisor may not save a macro", (status, body))
        status, body, _ = admin.post("/desk/macros/nf-segunda-via", macro)
        check(status == 200 and by_id(body["macros"])["nf-segunda-via"]["text_en"] == NF_TEXT_EN,
              "an admin saves a macro in pt-BR and English", (status, body))

        pt = new_ticket(s, "joana", "pt-BR", "Joana")
        en = new_ticket(s, "john", "en", "John")
        rc, out, err = cli(s, "set-category", str(pt), "nota-fiscal", who=AGENT)
        t = s.ticket(pt)
        check(rc == 0 and t.priority == "alta" and t.tier == "N2",
              "classifying a ticket as 'nota-fiscal' applies its defaults: alta, N2",
              (rc, out, err, t.priority, t.tier))
        status, body, _ = ana.get("/desk/tickets/%d/macros/nf-segunda-via/preview" % en)
        check(status == 200 and body["text"].startswith("Hello, John!")
              and "ticket #%d" % en in body["text"] and "Ana" in body["text"],
              "the preview of a ticket in English is the English text, filled", (status, body))
        status, body, _ = ana.get("/desk/tickets/%d/macros/nf-segunda-via/preview" % pt)
        check(status == 200 and body["text"].startswith("Olá, Joana!")
              and "chamado #%d" % pt in body["text"],
              "the preview of a ticket in Portuguese is the Portuguese text", (status, body))

        status, body, _ = admin.post("/desk/macros/reset-senha", {"remove": True})
        check(status == 409 and "Acesso e senha" in body["message_pt"],
              "a macro that is a category's procedure is not removed", (status, body))
        check("'Login and password'" in body["message"] and "Acesso" not in body["message"],
              "the English sentence names the category in English", body)

        rc, out, err = cli(s, "categories", lang="en", who=AGENT)
        check(rc == 0 and "Invoices" in out and "Login and password" in out,
              "`balcao categories` in English shows the English names", (rc, out, err))
        rc, out, err = cli(s, "macro-save", "boas-vindas", "--name", "Boas-vindas",
                           "--text-file", "-", who=AGENT, input=b"Bem-vindo, {{cliente.nome}}!")
        check(rc == 2 and "administradores" in err, "an agent's macro-save exits 2", (rc, out, err))
        rc, out, err = cli(s, "macro-save", "boas-vindas", "--name", "Boas-vindas",
                           "--text-file", "-", input=b"Bem-vindo, {{cliente.nome}}!")
        check(rc == 0 and "boas-vindas" in out and "(só em português)" in out,
              "an admin's macro-save from standard input, listed as Portuguese only",
              (rc, out, err))
        rc, out, err = cli(s, "category-save", "nota-fiscal", "--priority", "urgente")
        check(rc == 0 and "Nota fiscal" in out and "urgente" in out,
              "category-save changes one field and keeps the others", (rc, out, err))
        status, body, _ = ana.get("/desk/categories")
        c = by_id(body["categories"])["nota-fiscal"]
        check(c["priority"] == "urgente" and c["name_en"] == "Invoices" and c["tier"] == "N2",
              "the dashboard shows what the CLI saved", c)

        s.kill9("router")
        s.restart("router")
        status, body, _ = ana.get("/desk/macros")
        m = by_id(body["macros"])
        status2, body2, _ = ana.get("/desk/categories")
        check("nf-segunda-via" in m and "boas-vindas" in m and "reset-senha" in m
              and by_id(body2["categories"])["nota-fiscal"]["priority"] == "urgente",
              "after kill -9 of the router the saved lists are there", (body, body2))
        rc, out, err = cli(s, "macro-remove", "boas-vindas")
        check(rc == 0 and "removida" in out and "\nboas-vindas" not in out, "an admin removes a macro", (rc, out, err))
        s.kill9("router")
        s.restart("router")
        status, body, _ = ana.get("/desk/macros")
        check("boas-vindas" not in by_id(body["macros"]), "and it stays removed after a restart",
              body)
        events = [router_pb2.CatalogChanged.FromString(e.payload) for e in s.replay("router")
                  if e.type == "balcao.v1.CatalogChanged"]
        check([(e.kind, e.id, e.removed) for e in events]
              == [("category", "nota-fiscal", False), ("macro", "nf-segunda-via", False),
                  ("macro", "boas-vindas", False), ("category", "nota-fiscal", False),
                  ("macro", "boas-vindas", True)],
              "each save and the removal are in the router's log, in order",
              [(e.kind, e.id, e.removed) for e in events])
    log("test_desk_catalog passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Categories and priorities: pt-BR defaults, classification in triage, and a
catalog from the config.

Proves: `balcao categories` lists the default pt-BR categories with their
default priority and starting tier; classifying a ticket that is still novo
applies the category's priority and tier, after triage only the category;
priorities are checked; a router started with its own `router/categories`
section serves exactly those; every change is in the ticket's history.
"""

from harness import System, check, log, run_test, wait_until

CUSTOM = {"router": """    categories
        geral
            name = "Geral"
        nota-fiscal
            name = "Nota fiscal eletrônica"
            priority = "alta"
            tier = "N2"
"""}


def cli(s, *args):
    proc = s.run_tool("balcao", args)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def main():
    with System("categories") as s:
        s.start_all()
        rc, out, _ = cli(s, "categories")
        ids = [line.split()[0] for line in out.splitlines()]
        check(rc == 0 and ids == ["geral", "acesso", "duvida", "configuracao", "erro",
                                  "integracao", "faturamento", "seguranca"],
              "the default categories", out)
        check("Dúvida de uso" in out and "Integrações e API" in out, "names are in pt-BR with accents")
        check(any(l.startswith("seguranca") and "urgente" in l and "N3" in l for l in out.splitlines()),
              "security starts urgent at N3")

        s.submit_api("cat-1", "Erro 500 ao salvar pedido", "Aparece erro 500.")
        s.submit_api("cat-2", "Como exporto para Excel?", "Onde fica a opção?")
        wait_until(lambda: s.ticket_total() == 2, 20, "two tickets", system=s)

        rc, out, _ = cli(s, "set-category", "1", "erro")
        t = s.ticket(1)
        check(rc == 0 and (t.category, t.priority, t.tier) == ("erro", "alta", "N2"),
              "in triage the category brings its priority and tier", out)

        cli(s, "reply", "2", "Olá! A opção fica em Relatórios > Exportar.")
        rc, _, _ = cli(s, "set-category", "2", "duvida")
        t = s.ticket(2)
        check(rc == 0 and (t.category, t.priority, t.tier) == ("duvida", "normal", "N1"),
              "after triage only the category changes")

        rc, _, err = cli(s, "set-priority", "2", "altíssima")
        check(rc == 2 and "baixa, normal, alta ou urgente" in err, "an unknown priority is refused")
        rc, _, err = cli(s, "set-category", "2", "impressoras")
        check(rc == 2 and "categoria 'impressoras' desconhecida" in err, "an unknown category is refused")
        en = s.run_tool("balcao", ["set-category", "2", "impressoras"], env={"BALCAO_LANG": "en"})
        check(en.returncode == 2 and "unknown category 'impressoras'" in en.stderr.decode(),
              "with BALCAO_LANG=en the same refusal is in English", en.stderr)
        rc, _, _ = cli(s, "set-priority", "2", "alta", "cliente", "com", "prazo", "hoje")
        check(rc == 0 and s.ticket(2).priority == "alta", "set-priority")

        rc, out, _ = cli(s, "history", "1")
        check("categoria: geral → erro" in out and "prioridade: normal → alta" in out
              and "nível: N1 → N2" in out, "the history records each field", out)
        rc, out, _ = cli(s, "history", "2")
        check("prioridade: normal → alta — cliente com prazo hoje" in out,
              "the history keeps the reason", out)

    with System("categories-custom", extra_config=CUSTOM) as s:
        s.start_all()
        rc, out, _ = cli(s, "categories")
        check([l.split()[0] for l in out.splitlines()] == ["geral", "nota-fiscal"],
              "the config's categories replace the defaults", out)
        s.submit_api("nf-1", "NF-e rejeitada", "Rejeição 539.")
        wait_until(lambda: s.ticket_total() == 1, 20, "ticket", system=s)
        cli(s, "set-category", "1", "nota-fiscal")
        t = s.ticket(1)
        check((t.priority, t.tier) == ("alta", "N2"), "a configured category's defaults apply")
    log("test_categories passed")


if __name__ == "__main__":
    run_test(main)

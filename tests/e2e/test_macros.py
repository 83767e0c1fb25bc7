#!/usr/bin/python3
"""Standard messages (macros): pt-BR defaults with placeholders, applied from
the CLI, with the moves they carry.

Proves: `balcao macros` lists the defaults; applying one sends a public reply
with {{cliente.nome}}, {{chamado.numero}}, {{chamado.assunto}} and
{{agente.nome}} filled in (the agent's registered name); "pedir-print" asks
for information (-> aguardando_cliente); "reset-senha" classifies the ticket
as acesso and resolves it with the message as the resolution; a macro that
would make an illegal move is refused before anything is written.
"""

import os

from harness import System, check, log, run_test, wait_until
from balcao.v1 import router_pb2


def cli(s, *args):
    os.environ["BALCAO_PRINCIPAL"] = "agent:ana@suporte.example"
    proc = s.run_tool("balcao", args)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def main():
    with System("macros") as s:
        s.start_all()
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id="agent:ana@suporte.example", name="Ana Souza", tier="N1")), principal="admin:root@x")
        s.submit_api("mc-1", "Relatório trava ao exportar", "Trava em 90%.", from_address="rita@loja.com.br",
                     from_name="Rita Gomes")
        s.submit_api("mc-2", "Não consigo entrar", "Senha não funciona.", from_address="caio@loja.com.br",
                     from_name="Caio Lima")
        wait_until(lambda: s.ticket_total() == 2, 20, "two tickets", system=s)

        rc, out, _ = cli(s, "macros")
        check(rc == 0 and [l.split()[0] for l in out.splitlines()] ==
              ["pedir-print", "reset-senha", "encaminhado-tecnico"], "the default macros", out)

        rc, out, err = cli(s, "macro", "1", "pedir-print")
        t = s.ticket(1)
        body = t.messages[-1].body
        check(rc == 0 and t.status == "aguardando_cliente", "pedir-print asks the customer", (out, err))
        check(body.startswith("Olá, Rita Gomes!") and "“Relatório trava ao exportar”" in body
              and body.rstrip().endswith("Ana Souza") and "{{" not in body,
              "the placeholders are filled in", body)
        check(not t.messages[-1].is_internal and t.first_response_sla == "met",
              "a macro is a public reply (first response)")

        rc, _, err = cli(s, "macro", "1", "pedir-print")
        check(rc == 2 and "só vale a partir de" in err and s.ticket(1).message_count == 2,
              "an illegal move is refused before anything is written", err)

        rc, _, _ = cli(s, "macro", "2", "reset-senha")
        t = s.ticket(2)
        check(rc == 0 and (t.category, t.status) == ("acesso", "resolvido")
              and "chamado #2" in t.resolution and t.resolution == t.messages[-1].body,
              "reset-senha classifies and resolves with its message", (t.category, t.status))
        rc, _, err = cli(s, "macro", "2", "nada")
        check(rc == 2 and "desconhecida" in err, "an unknown macro is refused", err)

        # A category's standard procedure: `macro N` without a macro.
        rc, out, _ = cli(s, "categories")
        acesso = [l for l in out.splitlines() if l.startswith("acesso")]
        check(rc == 0 and acesso and "procedimento: reset-senha" in acesso[0],
              "categories list their standard procedure", out)
        s.submit_api("mc-3", "Senha expirada", "Pede troca de senha.", from_address="lia@loja.com.br",
                     from_name="Lia Prado")
        wait_until(lambda: s.ticket_total() == 3, 20, "ticket 3", system=s)
        rc, _, err = cli(s, "macro", "3")
        check(rc == 2 and "não tem procedimento padrão" in err,
              "an unclassified ticket has no procedure to apply", err)
        cli(s, "set-category", "3", "acesso")
        rc, out, err = cli(s, "macro", "3")
        t = s.ticket(3)
        check(rc == 0 and t.status == "resolvido" and "Olá, Lia Prado!" in t.messages[-1].body,
              "`macro N` applies the category's procedure (reset-senha)", (out, err, t.status))
    log("test_macros passed")


if __name__ == "__main__":
    run_test(main)

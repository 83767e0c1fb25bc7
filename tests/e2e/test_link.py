#!/usr/bin/python3
"""Problems and incidents, and merging duplicates.

Proves, through the CLI: incidents link to a problem ticket; a problem cannot
be an incident and an incident belongs to one problem; resolving the problem
resolves every open incident with the problem's resolution (and fix
reference), each in its own history; an incident already resolved is left
as it is. Merging a duplicate copies its messages to the other ticket (so a
reply to the duplicate's e-mail threads there), each labelled with the
duplicate's number (`copied_from`, "[veio do chamado #N, unido]" in
`balcao show`), closes it, and records a
TicketMerged event with the customer's address for notify.
"""

import os

from harness import System, check, log, run_test, wait_until


def cli(s, *args):
    os.environ["BALCAO_PRINCIPAL"] = "agent:ana@suporte.example"
    proc = s.run_tool("balcao", args)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def main():
    with System("link") as s:
        s.start_all()
        for i, who in enumerate(["loja1", "loja2", "loja3", "loja4"], 1):
            s.submit_api("l-%d" % i, "NF-e não autoriza", "Rejeição 999.", from_address=who + "@example.com")
        wait_until(lambda: s.ticket_total() == 4, 20, "four tickets", system=s)
        for incident in ("2", "3", "4"):
            rc, out, err = cli(s, "link", "1", incident)
            check(rc == 0 and "problema #1" in out, "ticket %s linked to problem 1" % incident, err)
        check(s.ticket(1).incident_count == 3, "the problem counts its incidents")
        rc, _, err = cli(s, "link", "2", "3")
        check(rc == 2 and "já é um incidente do #1" in err, "an incident cannot be a problem", err)
        s.submit_api("l-5", "Outro", "Outro.", from_address="loja5@example.com")
        wait_until(lambda: s.ticket_total() == 5, 20, "ticket 5", system=s)
        rc, _, err = cli(s, "link", "5", "1")
        check(rc == 2 and "problema com incidentes" in err, "a problem cannot become an incident", err)
        rc, _, err = cli(s, "link", "5", "2")
        check(rc == 2 and "já está vinculado ao problema #1" in err, "an incident has one problem", err)

        cli(s, "resolve", "4", "Reenviado manualmente.")
        rc, _, _ = cli(s, "resolve", "1", "Certificado da SEFAZ renovado.")
        check(rc == 0, "the problem is resolved")
        for n in (2, 3):
            t = s.ticket(n)
            check(t.status == "resolvido"
                  and t.resolution == "Resolvido junto com o problema #1: Certificado da SEFAZ renovado.",
                  "incident %d is resolved with the problem's resolution" % n, (t.status, t.resolution))
        check(s.ticket(4).resolution == "Reenviado manualmente.", "an incident resolved before keeps its own")
        rc, out, _ = cli(s, "history", "2")
        check("incidente #2 vinculado ao problema #1" in out and "(resolve_with_problem)" in out,
              "the incident's history tells the link and the resolution", out)

        # Merging a duplicate.
        s.submit_api("m-1", "Senha não funciona", "Não consigo entrar.", from_address="rui@example.com")
        s.submit_api("m-2", "Senha bloqueada", "Bloqueou depois de 3 tentativas.", from_address="rui@example.com")
        wait_until(lambda: s.ticket_total() == 7, 20, "tickets 6 and 7", system=s)
        rc, out, err = cli(s, "merge", "7", "6")
        t6, t7 = s.ticket(6), s.ticket(7)
        check(rc == 0 and t6.message_count == 2 and t6.messages[1].body == "Bloqueou depois de 3 tentativas.",
              "the duplicate's messages are copied over", (out, err))
        check((t7.status, t7.merged_into) == ("fechado", 6), "the duplicate is closed and points to #6")
        check([m.copied_from for m in t6.messages] == [0, 7],
              "the copied message says it came from #7, the survivor's own does not",
              [m.copied_from for m in t6.messages])
        rc, out, _ = cli(s, "show", "6")
        check(rc == 0 and out.count("[veio do chamado #7, unido]") == 1
              and out.index("[veio do chamado #7, unido]") > out.index("Bloqueou") - 200,
              "balcao show labels the copied message, once", out)
        rc, _, err = cli(s, "merge", "7", "6")
        check(rc == 2 and "só chamados em andamento" in err, "a merged ticket is not merged again", err)
        from balcao.v1 import intake_pb2
        reply = s.call("intake", intake_pb2.Submit(channel="api", external_id="m-3", from_address="rui@example.com",
                                                   subject="Re", body="Consegui entrar.", in_reply_to="m-2"))
        wait_until(lambda: s.ticket(6).message_count == 3, 20, "reply to the duplicate lands on #6", system=s)
        check(s.ticket(7).message_count == 1, "nothing more on the merged ticket")
        merged = [e for e in s.replay("router") if e.type == "balcao.v1.TicketMerged"]
        check(len(merged) == 1, "one TicketMerged event for notify")
    log("test_link passed")


if __name__ == "__main__":
    run_test(main)

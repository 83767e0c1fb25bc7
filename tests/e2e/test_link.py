#!/usr/bin/python3
"""Problems and incidents: one cause, many customers.

Proves, through the CLI: incidents link to a problem ticket; a problem cannot
be an incident and an incident belongs to one problem; resolving the problem
resolves every open incident with the problem's resolution (and fix
reference), each in its own history; an incident already resolved is left
as it is.
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
        check(rc == 2 and "itself an incident of #1" in err, "an incident cannot be a problem", err)
        s.submit_api("l-5", "Outro", "Outro.", from_address="loja5@example.com")
        wait_until(lambda: s.ticket_total() == 5, 20, "ticket 5", system=s)
        rc, _, err = cli(s, "link", "5", "1")
        check(rc == 2 and "problem with incidents" in err, "a problem cannot become an incident", err)
        rc, _, err = cli(s, "link", "5", "2")
        check(rc == 2 and "already linked to problem #1" in err, "an incident has one problem", err)

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
    log("test_link passed")


if __name__ == "__main__":
    run_test(main)

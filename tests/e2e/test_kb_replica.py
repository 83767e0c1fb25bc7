#!/usr/bin/python3
"""kb's read replicas (issue 17): search load on a second kb fed by replay.

kb/read_replicas = 1: balcao-kb -r 2 (kb-2) reads the router's log (the
tickets) and kb's (the articles) and answers searches; the gateway's
searches take turns over kb and kb-2. Proves:
  - articles imported into kb and tickets opened through intake are found
    by kb-2 as by kb: the same hits, in the same order;
  - kb-2 refuses writes (read_only, naming kb) and writes no log: its head
    stays 0, so nobody reads a second copy of the bot's answers;
  - the portal's searches (GET /api/v1/kb/search) are answered by both
    (each one's /metrics counts SearchArticles);
  - an article kb publishes afterwards reaches kb-2;
  - a replica started from a copy of kb's data carries on from the copy's
    position in kb's log (event=replica_from_copy) and finds what kb has.
"""

import json
import os
import shutil
import urllib.request

from harness import REPO, BusError, System, check, kb_pb2, log, run_test, wait_until

ADMIN = "admin:root@suporte.example"


def cli(s, *args):
    proc = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": ADMIN})
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def article_hits(s, inst, query):
    return [h.id for h in s.call(inst, kb_pb2.SearchArticles(query=query, limit=10),
                                 principal=ADMIN).hits]


def ticket_hits(s, inst, query):
    return [h.ticket for h in s.call(inst, kb_pb2.SearchTickets(query=query, limit=20),
                                     principal=ADMIN).hits]


def searches_answered(s, inst):
    m = s.scrape(inst)
    return sum(v for (name, labels), v in m.items() if name == "balcao_requests_total"
               and 'type="SearchArticles"' in labels and 'outcome="ok"' in labels)


def main():
    with System("kb-replica", read_replicas={"kb": 1}) as s:
        s.start_all()
        rc, out, err = cli(s, "kb", "import", os.path.join(REPO, "data", "kb"), "--publish")
        check(rc == 0, "articles imported into kb", (rc, out, err))
        for n in range(1, 6):
            s.submit_api("rep-%d" % n, "Impressora fiscal %d travou" % n,
                         "A impressora fiscal %d travou ao emitir o cupom." % n,
                         from_address="loja%d@example.com.br" % n)
        wait_until(lambda: len(ticket_hits(s, "kb", "impressora")) == 5, 20, "kb's tickets",
                   system=s)
        for query in ("senha", "boleto segunda via", "nota fiscal"):
            want = article_hits(s, "kb", query)
            got = wait_until(lambda: article_hits(s, "kb-2", query) == want and want, 20,
                             "kb-2 to answer %r as kb" % query, system=s)
            check(got == want, "kb-2 finds %r as kb does: %s" % (query, want[:3]), got)
        got = wait_until(lambda: sorted(ticket_hits(s, "kb-2", "impressora")) == [1, 2, 3, 4, 5]
                         and ticket_hits(s, "kb-2", "impressora"), 20, "kb-2's tickets", system=s)
        check(got == ticket_hits(s, "kb", "impressora"),
              "kb-2 finds the tickets as kb does, in the same order", got)

        try:
            s.call("kb-2", kb_pb2.SetArticleStatus(id="redefinir-senha", status="arquivado"),
                   principal=ADMIN)
            refused = None
        except BusError as e:
            refused = (e.code, str(e))
        check(refused and refused[0] == "read_only" and "kb" in refused[1],
              "kb-2 refuses a write, naming kb", refused)
        check(s.head_seq("kb-2") == 0, "kb-2 writes no log of its own", s.head_seq("kb-2"))

        # The portal's searches take turns over kb and kb-2.
        before = {inst: searches_answered(s, inst) for inst in ("kb", "kb-2")}
        for _ in range(10):
            with urllib.request.urlopen(s.http + "/api/v1/kb/search?q=senha", timeout=5) as r:
                hits = json.load(r)["hits"]
                check(hits, "the portal's search answers", hits)
        grew = {inst: searches_answered(s, inst) - before[inst] for inst in before}
        check(grew["kb"] >= 4 and grew["kb-2"] >= 4 and grew["kb"] + grew["kb-2"] == 10,
              "the gateway shared the portal's 10 searches between kb and kb-2", grew)
        log("portal searches answered: kb %(kb)d, kb-2 %(kb-2)d" % grew)

        # A new article reaches kb-2.
        path = os.path.join(s.dir, "novos")
        os.makedirs(path)
        with open(os.path.join(path, "certificado-vencido.md"), "w") as f:
            f.write("---\nid: certificado-vencido\ntitle: Certificado digital vencido\n"
                    "type: faq\naudience: publico\ncategory: fiscal\nlanguage: pt-BR\n---\n\n"
                    "Renove o certificado A1 no menu Fiscal.\n")
        rc, out, err = cli(s, "kb", "import", path, "--publish")
        check(rc == 0, "a new article imported", (rc, out, err))
        wait_until(lambda: article_hits(s, "kb-2", "certificado vencido"), 20,
                   "kb-2 to find the new article", system=s)

        # A replica from a copy of kb's data (kb stopped for the copy).
        s.stop("kb-2")
        shutil.rmtree(os.path.join(s.var, "kb-2"))
        s.stop("kb")
        shutil.copytree(os.path.join(s.var, "kb"), os.path.join(s.var, "kb-2"))
        s.start("kb")
        s.start("kb-2")
        check("event=replica_from_copy source=kb" in s.log_text("kb-2"),
              "kb-2 carries on from the copy's position in kb's log", None)
        want = article_hits(s, "kb", "certificado vencido")
        check(want and article_hits(s, "kb-2", "certificado vencido") == want,
              "the copied replica finds what kb finds", want)
        s.submit_api("rep-6", "Certificado A1 expirou", "O certificado A1 expirou hoje.",
                     from_address="loja6@example.com.br")
        wait_until(lambda: 6 in ticket_hits(s, "kb-2", "certificado"), 20,
                   "the copied replica to index a new ticket", system=s)
        s.check_alive()


if __name__ == "__main__":
    run_test(main)

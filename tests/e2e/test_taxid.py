#!/usr/bin/python3
"""CPF and CNPJ on customers and organizations, over the real services
(lib/bc_taxid.c, router UpsertPerson, ListPeople.query, SaveOrganization,
ListOrganizations; `balcao person-add --cpf/--cnpj`, `people --query`,
`orgs`, `org-save`; GET /desk/people?query=).

Proves:
  - a valid CPF, numeric CNPJ and alphanumeric CNPJ (the Receita Federal's
    own example, typed in lower case) are stored normalized and shown
    formatted by the CLI and the dashboard's API;
  - 111.111.111-11, a wrong check digit and junk are refused with a
    sentence that says why (pt-BR, and English under BALCAO_LANG=en), and
    nothing is stored: the customer keeps the CPF they had; a CPF on an
    agent is refused; --cpf with a CNPJ is a usage error;
  - changing a customer's name with person-add keeps their CPF;
  - agents find the customer by CPF with or without punctuation, by a
    prefix, by name; the dashboard's people search does the same;
  - an organization saved with its CNPJ (supervisors; an agent is refused)
    is listed and found by name and by CNPJ; a CPF or a bad CNPJ is
    refused;
  - a customer cannot read anyone's tax id: ListPeople and
    ListOrganizations are refused on the bus, the portal's /desk/people is
    refused, and nothing the portal shows them (session, tickets) holds
    another customer's CPF, in either form;
  - after all of it, and junk bytes, the router still answers; with the
    router down, person-add exits 69 and sends nothing afterwards.
"""

import json

from harness import BusError, System, check, log, run_test, wait_until
from portal import sign_in, staff_sign_in
from balcao.v1 import bus_pb2, intake_pb2, router_pb2

ADMIN = "admin:chefe@suporte.test"
SUPERVISOR = "supervisor:rui@suporte.test"
AGENT = "agent:lia@suporte.test"
ANA = "customer:ana@cliente.test"
LOJA = "customer:compras@loja.test"
NOVA = "customer:fiscal@nova.test"
BRUNO = "customer:bruno@outro.test"
ANA_CPF, ANA_SHOWN = "52998224725", "529.982.247-25"


def cli(s, *args, who=AGENT, lang="pt-BR"):
    r = s.run_tool("balcao", args, env={"BALCAO_PRINCIPAL": who, "BALCAO_LANG": lang})
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def stored(s, person_id):
    """The person's record as the router keeps it (None when unknown)."""
    kind = person_id.split(":", 1)[0]
    for p in s.call("router", router_pb2.ListPeople(kind=kind), principal=ADMIN).people:
        if p.id == person_id:
            return p
    return None


def found(s, query):
    rc, out, err = cli(s, "people", "customer", "--query", query)
    check(rc == 0, "people --query %r answers" % query, (rc, out, err))
    return [line.split()[0] for line in out.splitlines() if line.startswith("customer:")], out


def main():
    with System("taxid") as s:
        s.start_all()
        for who, name in ((SUPERVISOR, "Rui"), (AGENT, "Lia")):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=who, name=name, email=who.split(":", 1)[1], tier="N1")), principal=ADMIN)

        # -- valid ids: stored normalized, shown formatted
        rc, out, err = cli(s, "person-add", ANA, "Ana Souza", "--cpf", ANA_SHOWN, who=ADMIN)
        check(rc == 0 and "CPF " + ANA_SHOWN in out, "a CPF is saved and shown formatted",
              (rc, out, err))
        rc, out, err = cli(s, "person-add", LOJA, "Loja Azul", "--cnpj", "12345678000195",
                           who=ADMIN)
        check(rc == 0 and "CNPJ 12.345.678/0001-95" in out,
              "a numeric CNPJ typed without punctuation is shown formatted", (rc, out, err))
        rc, out, err = cli(s, "person-add", NOVA, "Nova Empresa", "--cnpj", "12.abc.345/01de-35",
                           who=ADMIN)
        check(rc == 0 and "CNPJ 12.ABC.345/01DE-35" in out,
              "the alphanumeric CNPJ (the Receita's example, in lower case) is saved",
              (rc, out, err))
        check(stored(s, ANA).tax_id == ANA_CPF and stored(s, LOJA).tax_id == "12345678000195"
              and stored(s, NOVA).tax_id == "12ABC34501DE35",
              "the router keeps them normalized: no punctuation, letters in upper case",
              (stored(s, ANA).tax_id, stored(s, LOJA).tax_id, stored(s, NOVA).tax_id))

        # -- refused, with the reason, and nothing stored
        for bad, words in (("111.111.111-11", "um só dígito repetido"),
                           ("529.982.247-24", "dígitos verificadores não conferem"),
                           ("<script>", "só dígitos, letras"),
                           ("1234", "11 dígitos")):
            rc, out, err = cli(s, "person-add", ANA, "Ana Souza", "--cpf", bad, who=ADMIN)
            check(rc == 2 and "CPF ou CNPJ inválido" in err and words in err,
                  "CPF %r is refused saying %r" % (bad, words), (rc, out, err))
            rc, out, err = cli(s, "person-add", BRUNO, "Bruno", "--cpf", bad, who=ADMIN)
            check(rc == 2 and stored(s, BRUNO) is None,
                  "a new customer with CPF %r is not stored at all" % bad, (rc, out, err))
        check(stored(s, ANA).tax_id == ANA_CPF, "Ana keeps the CPF she had",
              stored(s, ANA).tax_id)
        rc, out, err = cli(s, "person-add", ANA, "Ana Souza", "--cpf", "529.982.247-24",
                           who=ADMIN, lang="en")
        check(rc == 2 and "invalid CPF or CNPJ: the check digits do not match" in err,
              "in English too", err)
        rc, out, err = cli(s, "person-add", LOJA, "Loja Azul", "--cnpj", "12.ABC.345/01DE-34",
                           who=ADMIN)
        check(rc == 2 and "dígitos verificadores" in err
              and stored(s, LOJA).tax_id == "12345678000195",
              "an alphanumeric CNPJ with a wrong check digit is refused", (rc, err))
        try:
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id=AGENT, name="Lia", tier="N1", tax_id=ANA_CPF)), principal=ADMIN)
            check(False, "a CPF on an agent is refused")
        except BusError as e:
            check(e.code == "invalid" and "only customers" in e.message,
                  "a CPF on an agent is refused: only customers have one", e)
        check(stored(s, AGENT).tax_id == "", "and the agent has none", stored(s, AGENT))
        rc, out, err = cli(s, "person-add", ANA, "Ana Souza", "--cpf", "12.345.678/0001-95",
                           who=ADMIN)
        check(rc == 64 and "use --cnpj" in err, "--cpf with a CNPJ says to use --cnpj",
              (rc, err))

        # -- a change of name keeps the CPF
        rc, out, err = cli(s, "person-add", ANA, "Ana Souza Lima", who=ADMIN)
        check(rc == 0 and "Ana Souza Lima" in out and ANA_SHOWN in out,
              "person-add without --cpf keeps the customer's CPF", (rc, out, err))

        # -- search, with and without punctuation
        for query in (ANA_CPF, ANA_SHOWN, "529.982", "52998", "souza lima"):
            ids, out = found(s, query)
            check(ids == [ANA], "people --query %r finds Ana alone" % query, out)
        check(ANA_SHOWN in found(s, ANA_CPF)[1], "and shows her CPF formatted")
        for query in ("12.ABC.345/01DE-35", "12abc345"):
            ids, out = found(s, query)
            check(ids == [NOVA], "people --query %r finds the alphanumeric CNPJ" % query, out)
        ids, out = found(s, "123.456.789-09")
        check(ids == [] and "Ninguém encontrado" in out, "a CPF nobody has finds nobody", out)

        # -- organizations
        rc, out, err = cli(s, "org-save", "Loja Azul Ltda", "--cnpj", "12.345.678/0001-95",
                           who=SUPERVISOR)
        check(rc == 0 and "Loja Azul Ltda  CNPJ 12.345.678/0001-95" in out,
              "a supervisor saves an organization with its CNPJ", (rc, out, err))
        rc, out, err = cli(s, "org-save", "Nova Empresa", "--cnpj", "12ABC34501DE35",
                           who=ADMIN)
        check(rc == 0 and "12.ABC.345/01DE-35" in out, "and an admin one with an "
              "alphanumeric CNPJ", (rc, out, err))
        rc, out, err = cli(s, "org-save", "Padaria", "--cnpj", ANA_SHOWN, who=SUPERVISOR)
        check(rc == 2 and "não CPF" in err, "an organization's CPF is refused", (rc, err))
        rc, out, err = cli(s, "org-save", "Padaria", "--cnpj", "11.111.111/1111-11",
                           who=SUPERVISOR)
        check(rc == 2 and "CNPJ inválido" in err, "a CNPJ of one repeated digit is refused",
              (rc, err))
        rc, out, err = cli(s, "org-save", "Padaria", who=AGENT)
        check(rc == 2 and "supervisores" in err, "an agent cannot save organizations",
              (rc, err))
        rc, out, err = cli(s, "orgs")
        check(rc == 0 and out.count("CNPJ") == 2 and "Padaria" not in out,
              "orgs lists the two saved, nothing refused", out)
        for query in ("12345678", "12.345.678/0001", "loja azul"):
            rc, out, err = cli(s, "orgs", query)
            check(rc == 0 and "Loja Azul Ltda" in out and "Nova" not in out,
                  "orgs %r finds the shop" % query, out)
        rc, out, err = cli(s, "org-save", "LOJA AZUL LTDA", "--cnpj", "11.222.333/0001-81",
                           who=SUPERVISOR)
        rc, out, err = cli(s, "orgs")
        check(out.count("CNPJ") == 2 and "11.222.333/0001-81" in out,
              "the name is compared without case: saving again changes the same one", out)

        # -- the dashboard's people search (staff)
        lia = staff_sign_in(s, AGENT)
        code, body, _ = lia.get("/desk/people?kind=customer&query=529.982.247-25")
        check(code == 200 and [p["id"] for p in body["people"]] == [ANA]
              and body["people"][0]["tax_id_formatted"] == ANA_SHOWN
              and body["people"][0]["tax_id_kind"] == "cpf",
              "the dashboard finds Ana by her CPF and shows it formatted", (code, body))
        code, body, _ = lia.get("/desk/people?kind=customer&query=12abc34501de35")
        check(code == 200 and [p["tax_id_formatted"] for p in body["people"]]
              == ["12.ABC.345/01DE-35"], "and the alphanumeric CNPJ without punctuation",
              (code, body))

        # -- customers see no tax id
        s.call("intake", intake_pb2.Submit(channel="api", external_id="taxid-1",
                                           from_address=ANA.split(":", 1)[1], from_name="Ana",
                                           subject="Nota fiscal", body="Preciso da nota."))
        wait_until(lambda: s.ticket_total() == 1, 20, "Ana's ticket", system=s)
        code, body, _ = lia.get("/desk/tickets/1")
        check(code == 200 and body["customer"].get("tax_id_formatted") == ANA_SHOWN,
              "the agent's ticket view shows the customer's CPF formatted",
              (code, body.get("customer") if isinstance(body, dict) else body))
        for request in (router_pb2.ListPeople(kind="customer", query=ANA_CPF),
                        router_pb2.ListOrganizations()):
            try:
                s.call("router", request, principal=BRUNO)
                check(False, "a customer is refused %s" % type(request).__name__)
            except BusError as e:
                check(e.code == "forbidden", "a customer is refused %s"
                      % type(request).__name__, e)
        bruno = sign_in(s, BRUNO.split(":", 1)[1])
        ana = sign_in(s, ANA.split(":", 1)[1])
        seen = []
        for portal, who in ((bruno, "Bruno"), (ana, "Ana")):
            for path in ("/desk/people?kind=customer&query=529", "/desk/people",
                         "/session", "/tickets", "/tickets/1"):
                code, body, _ = portal.get(path)
                text = json.dumps(body, ensure_ascii=False)
                seen.append((who, path, code))
                check(ANA_CPF not in text and ANA_SHOWN not in text and "12ABC34501DE35" not in text,
                      "%s's GET %s holds no tax id" % (who, path), (code, text[:300]))
                if path.startswith("/desk"):
                    check(code in (401, 403), "%s's GET %s is refused" % (who, path), (code, body))
        log("portal answers: %s" % seen)
        feed = s.call("router", bus_pb2.ReplayRequest(from_seq=1, max_events=1000),
                      principal=BRUNO, timeout=10)
        check(all(bus_pb2.Envelope.FromString(raw).type != "balcao.v1.PersonChanged"
                  for raw in feed.events), "a customer's feed carries no person's record")

        # -- junk, then the router still answers
        for junk in ("\u00e9" * 400, "1" * 5000, "12.ABC.345/01DE-3\u0661"):
            try:
                s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                    id=BRUNO, name="Bruno", tax_id=junk)), principal=ADMIN)
                check(False, "junk tax id refused")
            except BusError as e:
                check(e.code == "invalid", "junk tax id refused (%d chars)" % len(junk), e)
        check(stored(s, BRUNO) is None, "and nothing stored")
        try:
            s.call("router", router_pb2.ListOrganizations(query="\xff" * 300), principal=AGENT)
        except BusError:
            pass
        check(stored(s, ANA).tax_id == ANA_CPF, "the router still answers, Ana's CPF intact")
        s.check_alive()

        # -- with the router down, person-add says so and changes nothing
        s.stop("router")
        rc, out, err = cli(s, "person-add", ANA, "Ana", who=ADMIN)
        check(rc == 69 and "router" in err, "person-add with the router down exits 69 naming it",
              (rc, out, err))
        s.start("router")
        check(stored(s, ANA).name == "Ana Souza Lima" and stored(s, ANA).tax_id == ANA_CPF,
              "and nothing was sent: Ana's name and CPF are as they were", stored(s, ANA))


if __name__ == "__main__":
    run_test(main)

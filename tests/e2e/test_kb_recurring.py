#!/usr/bin/python3
"""Recurring-problem detection: a burst of similar tickets amid unrelated ones.

Six customers write about the same failure (a bank slip that will not
generate) in different words, interleaved with ten unrelated tickets (two of
which also say "erro"). With kb/recurring/min_tickets = 5 the kb emits
exactly one ProblemSuspected: the first five similar tickets, oldest first,
with "boleto" among the shared terms and a pt-BR subject; the sixth joins no
second problem, and no unrelated ticket is in it. The router, consuming kb's
log, opens one problem ticket at N2 (priority alta) and links exactly those
five as its incidents. After a restart of kb (which replays nothing new)
there is still exactly one.
"""

from harness import System, check, kb_pb2, log, run_test, wait_until

SIMILAR = [
    ("Erro ao gerar boleto", "Ao gerar o boleto aparece erro e o vencimento é hoje."),
    ("Boleto não gera", "Não consigo gerar o boleto, dá erro na tela de cobrança."),
    ("Erro no boleto", "O boleto dá erro ao gerar e preciso pagar antes do vencimento."),
    ("Falha para gerar boleto", "Gerar boleto retorna erro desde cedo, boleto vence amanhã."),
    ("Boleto com erro", "Tentei gerar o boleto três vezes e sempre dá erro."),
    ("Erro ao emitir boleto", "De novo erro ao gerar boleto de cobrança."),
]
UNRELATED = [
    ("Esqueci minha senha", "Não lembro a senha do portal e o e-mail de redefinição não chega."),
    ("Relatório de vendas vazio", "O relatório mensal de vendas abre sem nenhuma linha."),
    ("Impressora fiscal travada", "A impressora fiscal da loja parou de imprimir cupons."),
    ("API retorna 401", "Nossa integração recebe 401 Unauthorized em todas as chamadas."),
    ("Nota fiscal não chegou", "A nota fiscal de setembro não chegou no e-mail do financeiro."),
    ("Erro na exportação de planilha", "A planilha exportada abre com acentos estranhos, erro de codificação."),
    ("Quero mudar de plano", "Gostaria de passar do plano básico para o profissional."),
    ("Sistema lento à tarde", "Depois das 14h as telas demoram muito para carregar."),
    ("Convite de primeiro acesso expirou", "O convite para o novo funcionário expirou antes do uso."),
    ("Erro de permissão no estoque", "O usuário do almoxarifado vê erro de permissão no estoque."),
]


def problems(s):
    out = []
    for env in s.replay("kb"):
        if env.type == kb_pb2.ProblemSuspected.DESCRIPTOR.full_name:
            out.append(kb_pb2.ProblemSuspected.FromString(env.payload))
    return out


def main():
    config = {"kb": "    recurring\n        min_tickets = 5\n        window_minutes = 60\n"}
    with System("kb_recurring", extra_config=config) as s:
        s.start_all(("intake", "router", "kb"))
        # Interleave: u s u s u s u s s u s u u u u u
        order = []
        sims, unrs = list(SIMILAR), list(UNRELATED)
        pattern = "usususussusuuuuu"
        for kind in pattern:
            order.append(("s", sims.pop(0)) if kind == "s" else ("u", unrs.pop(0)))
        for i, (kind, (subject, body)) in enumerate(order):
            s.submit_api("rec-%d" % i, subject, body, from_address="c%d@cliente.example" % i)
        total = len(order)
        # The router opens the problem ticket as soon as kb suspects it, maybe
        # before the last submissions: numbers are looked up, not assumed.
        wait_until(lambda: s.ticket_total() >= total + 1, 20,
                   "router has every ticket and the problem's", system=s)
        last_word = "almoxarifado"
        wait_until(lambda: s.call("kb", kb_pb2.SearchTickets(query=last_word)).hits, 20,
                   "kb indexed the last ticket", system=s)
        number_of = {s.ticket(n).origin_message_id: n for n in range(1, total + 2)}
        similar_numbers = [number_of["rec-%d" % i] for i, (kind, _) in enumerate(order)
                           if kind == "s"]
        problem_number = [n for origin, n in number_of.items() if not origin.startswith("rec-")]
        check(len(problem_number) == 1, "one ticket more than the customers wrote", number_of)
        found = problems(s)
        check(len(found) == 1, "exactly one ProblemSuspected", [list(p.tickets) for p in found])
        p = found[0]
        check(list(p.tickets) == similar_numbers[:5],
              "its members are the first five similar tickets, oldest first",
              (list(p.tickets), similar_numbers))
        check("boleto" in p.terms, "the shared terms name the problem", list(p.terms))
        check(p.subject.startswith("Possível problema recorrente") and "boleto" in p.subject,
              "a pt-BR subject", p.subject)

        # The router opened the problem at N2 and linked the five.
        prob = s.ticket(problem_number[0])
        check(prob.tier == "N2" and prob.priority == "alta" and prob.incident_count == 5
              and "boleto" in prob.subject,
              "a problem ticket at N2, alta, with five incidents, named after them",
              (prob.tier, prob.priority, prob.incident_count, prob.subject))
        linked = sorted(n for n in range(1, total + 2) if s.ticket(n).problem == prob.number)
        check(linked == similar_numbers[:5], "exactly the five suspected tickets are linked",
              linked)
        check(prob.messages[0].is_internal and "#%d" % similar_numbers[0] in prob.messages[0].body,
              "its first message (internal) names the tickets", prob.messages[0].body)

        s.stop("kb")
        s.start("kb")
        wait_until(lambda: s.call("kb", kb_pb2.SearchTickets(query=last_word)).hits, 20,
                   "kb back", system=s)
        check(len(problems(s)) == 1, "still exactly one after a restart")
        check(s.ticket_total() == total + 1, "and still one problem ticket in the router")
        log("ok: one suspected problem with the right members")


if __name__ == "__main__":
    run_test(main)

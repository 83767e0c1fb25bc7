#!/usr/bin/python3
"""The bot's turn as a WhatsApp customer waits for it (issue 16): from the
signed webhook POST to the bot's answer reaching the Graph API stand-in,
through the gateway, intake, the router, kb's bot and notify — the whole
path, kb's batching included. N customers each ask one question (a real
question the starter articles answer, or a request for a person), one at a
time (a closed loop: each waits for its answer), RUNS times on a fresh
installation; p50/p90/p99 and the worst per run.

    tools/bench-bot-turn.sh SHAPES WEBHOOK [N] [RUNS] [KB_BATCH_DELAY_MS]

SHAPES: the folder of the Graph API's documented request shapes the
stand-in checks (the team's shared data has one, whatsapp/send); WEBHOOK:
a documented webhook update to copy for each message (there:
whatsapp/meta_docs/webhook_interactive_list_reply.json). Both are given by
path; the tool reads nothing else.

KB_BATCH_DELAY_MS sets kb/batch_delay_ms (default 200: kb gathers events
that long before a transaction, for Xapian's sake).
"""

import json
import os
import sys
import tempfile
import time

from harness import System, wait_until
from test_whatsapp_bot import Phone, config, ALWAYS_OPEN
from test_whatsapp_out import Standin, accepted

QUESTIONS = ["esqueci minha senha", "como redefinir a senha", "minha conta foi bloqueada",
             "como exportar um relatório", "quero falar com um atendente",
             "como configurar as notificações", "como abrir um chamado"]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def one_run(n, k, delay_ms, shapes, webhook):
    standin = Standin(tempfile.mkdtemp(prefix="balcao-botturn-"), data=shapes)
    try:
        with System("bench_bot_turn_%d" % k) as s:
            kb = None
            if delay_ms is not None:
                kb = "    batch_delay_ms = %d\n    recurring\n        min_tickets = 0" % delay_ms
            config(s, standin, ALWAYS_OPEN, kb=kb)
            times = []
            for i in range(n):
                p = Phone(s, standin, "55119%06d" % (k * 100000 + i), "Cliente %d" % i,
                          payload=webhook)
                started = time.time()
                p.text(QUESTIONS[i % len(QUESTIONS)])
                wait_until(lambda: accepted(standin, p.number), 30, "the answer")
                got = accepted(standin, p.number)[0]
                times.append(got["time"] - started)
            return times
    finally:
        standin.stop()


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bench_bot_turn.py SHAPES WEBHOOK [N] [RUNS] [KB_BATCH_DELAY_MS]")
    shapes = sys.argv[1]
    with open(sys.argv[2], encoding="utf-8") as f:
        webhook = json.load(f)
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    delay_ms = int(sys.argv[5]) if len(sys.argv) > 5 else None
    for k in range(runs):
        t = one_run(n, k, delay_ms, shapes, webhook)
        print("run %d: %d turns  p50 %.0f ms  p90 %.0f ms  p99 %.0f ms  max %.0f ms"
              % (k + 1, len(t), 1000 * pct(t, 50), 1000 * pct(t, 90), 1000 * pct(t, 99),
                 1000 * max(t)), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The bot's turn as a web-chat visitor waits for it (issue 16): from the
visitor's POST /api/v1/chat/messages to the bot's answer arriving on their
live stream (GET /api/v1/chat/events), through the gateway, intake, the
router's BotTurn, kb's bot and the gateway's chat hub. N visitors, one at a
time (each opens a chat and its stream, asks one question the starter
articles answer or asks for a person, and waits for the answer), RUNS times
on a fresh installation; p50/p90/p99 and the worst per run.

    tools/bench-chat-turn.sh [N] [RUNS]
"""

import os
import sys
import time

from harness import REPO, System, wait_until
from test_webchat import Stream, Visitor

QUESTIONS = ["Como faço para redefinir minha senha?", "minha conta foi bloqueada",
             "como exportar um relatório", "quero falar com um atendente",
             "como configurar as notificações", "como abrir um chamado"]
AGENT = "agent:ana@balcao.test"
LIMITS = "    chat\n        starts_per_ip = 64\n        messages_per_ip = 64\n"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def one_run(n, k):
    with System("bench_chat_turn_%d" % k, extra_config={"gateway": LIMITS}) as s:
        s.start_all()
        proc = s.run_tool("balcao", ("kb", "import", os.path.join(REPO, "data", "kb"), "--publish"),
                          env={"BALCAO_PRINCIPAL": AGENT})
        if proc.returncode != 0:
            sys.exit("the starter articles: %s" % proc.stderr.decode())
        times = []
        for i in range(n):
            if i and i % 60 == 0:
                # The gateway lets one address start at most 64 chats in 10
                # minutes (gateway_ratelimit's ceiling); every visitor here
                # comes from 127.0.0.1, so it starts afresh each 60.
                s.stop("gateway")
                s.start("gateway")
            v = Visitor(s)
            status, out, _ = v.start(language="pt-BR")
            if status not in (200, 201):
                sys.exit("visitor %d: the chat's start got %d: %s" % (i, status, out))
            stream = Stream(s, v.cookie_header())
            started = time.monotonic()
            status, _, _ = v.write("/chat/messages", {"id": "q%d" % i,
                                                      "text": QUESTIONS[i % len(QUESTIONS)]})
            if status != 202:
                sys.exit("visitor %d: the message got %d" % (i, status))
            bot = wait_until(lambda: stream.of("bot") or None, 30, "the bot's answer")
            times.append(bot[0][3] - started)
            stream.close()
            v.write("/chat/end", {})
        return times


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for k in range(runs):
        t = one_run(n, k)
        print("run %d: %d turns  p50 %.0f ms  p90 %.0f ms  p99 %.0f ms  max %.0f ms"
              % (k + 1, len(t), 1000 * pct(t, 50), 1000 * pct(t, 90), 1000 * pct(t, 99),
                 1000 * max(t)), flush=True)


if __name__ == "__main__":
    main()

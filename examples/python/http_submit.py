#!/usr/bin/python3
"""Open a Balcão ticket from another system over HTTP (no ZeroMQ needed).

The operator makes the system a token (`balcaoctl api-token erp --read >
erp.token`); this script sends it with POST /api/v1/tickets (docs/API.md,
"Systems"). Only the standard library.

    BALCAO_TOKEN=$(cat erp.token) ./http_submit.py --url http://127.0.0.1:8080 \\
        --key pedido-4471 --from ana@example.com --name "Ana Souza" \\
        --subject "Nota fiscal não emitida" --body "A nota do pedido 4471 não saiu."

--key is your own id for the ticket (1 to 64 of A-Z a-z 0-9 . _ : -): send
the same key again, after a timeout or a crash, and no second ticket is
opened (the answer says duplicate). Retries on 503 and dropped connections.

Exit status: 0 opened (or duplicate), 1 refused (the reason is printed), 75
no answer.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080", help="the gateway's address")
    ap.add_argument("--key", required=True, help="Idempotency-Key: your id for this ticket")
    ap.add_argument("--from", dest="from_address", required=True)
    ap.add_argument("--name", default="")
    ap.add_argument("--subject", required=True)
    ap.add_argument("--body", required=True)
    ap.add_argument("--category", default=None)
    ap.add_argument("--language", default="pt-BR", choices=["pt-BR", "en"])
    ap.add_argument("--tries", type=int, default=5)
    args = ap.parse_args()
    token = os.environ.get("BALCAO_TOKEN", "").strip()
    if not token:
        sys.exit("http_submit: set BALCAO_TOKEN to the token balcaoctl api-token printed")

    body = {"from": args.from_address, "name": args.name, "subject": args.subject,
            "body": args.body, "language": args.language}
    if args.category:
        body["category"] = args.category
    data = json.dumps(body).encode("utf-8")
    for attempt in range(args.tries):
        request = urllib.request.Request(
            args.url.rstrip("/") + "/api/v1/tickets", data=data, method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + token,
                     "Idempotency-Key": args.key})
        try:
            with urllib.request.urlopen(request, timeout=15) as resp:
                answer = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            if e.code != 503:
                try:
                    reason = json.loads(e.read().decode("utf-8")).get("message", "")
                except ValueError:
                    reason = ""
                print("refused (%d): %s" % (e.code, reason), file=sys.stderr)
                return 1
        except (urllib.error.URLError, OSError) as e:
            print("no answer (%s); trying again with the same key" % e, file=sys.stderr)
        else:
            print("ticket=%s message_ref=%s duplicate=%s"
                  % (answer["ticket"], answer["message_ref"], answer["duplicate"]))
            return 0
        time.sleep(min(2 ** attempt, 10))
    return 75


if __name__ == "__main__":
    sys.exit(main())

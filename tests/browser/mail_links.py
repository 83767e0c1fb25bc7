#!/usr/bin/python3
"""The messages an SmtpSink received, as JSON for the browser tests:

    mail_links.py DIR [ADDRESS]

prints [{"file", "to", "subject", "text", "links"}] in arrival order (only
those to ADDRESS when given), `text` the decoded plain-text part (else the
HTML part's text), `links` every http(s) URL in either part, in order.
Python's email package decodes what Node.js would have to hand-parse
(quoted-printable, base64, encoded words)."""

import email
import email.policy
import html
import json
import os
import re
import sys

URL = re.compile(r"https?://[^\s<>\"')\]]+")


def main():
    directory = sys.argv[1]
    address = sys.argv[2].lower() if len(sys.argv) > 2 else None
    out = []
    for name in sorted(n for n in os.listdir(directory) if n.endswith(".eml")):
        path = os.path.join(directory, name)
        try:
            with open(path[:-4] + ".rcpt") as f:
                rcpt = f.read().strip()
        except FileNotFoundError:
            continue  # still being written
        if address and address not in rcpt.lower().split():
            continue
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        plain = msg.get_body(("plain",))
        rich = msg.get_body(("html",))
        text = plain.get_content() if plain else ""
        markup = rich.get_content() if rich else ""
        if not text and markup:
            text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
        links = []
        for found in URL.findall(text) + [html.unescape(u) for u in URL.findall(markup)]:
            if found not in links:
                links.append(found)
        out.append({"file": name, "to": rcpt, "subject": str(msg["Subject"] or ""),
                    "text": text, "links": links})
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()

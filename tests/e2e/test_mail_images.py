#!/usr/bin/python3
"""Nothing a customer sends is lost: pasted screenshots and attached files in
mail built the way Outlook, Gmail and Apple Mail build it.

Each message of tests/data/mail goes through balcao-mailgate to the running
system. Proves, as an agent sees it: `balcao show N` lists every image and
file of every MIME branch once (the HTML version's images too, inline ones
marked inline, the same bytes in two branches once), its text appears once
(the HTML version is not added to it), and `balcao attachment get SHA -o F`
returns each file's identical bytes. What to expect is read from the .eml
files with Python's own MIME parser, not from intake.
"""

import email
import email.policy
import hashlib
import os

from harness import System, check, log, run_test, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
MAIL_DIR = os.path.join(HERE, "..", "data", "mail")
MAILS = ["outlook-related-alternative.eml", "outlook-alternative-related.eml",
         "gmail-alternative-related-mixed.eml", "applemail-alternative-mixed.eml"]


def is_body_text(part):
    return (part.get_content_type() in ("text/plain", "text/html")
            and part.get_content_disposition() != "attachment" and not part.get_filename())


def expected(raw):
    """(subject, a line of the plain text, {sha256: (bytes, [names], inline in every copy)})."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    files = {}
    plain = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        if is_body_text(part):
            if plain is None and part.get_content_type() == "text/plain":
                plain = part.get_content()
            continue
        data = part.get_payload(decode=True)
        sha = hashlib.sha256(data).hexdigest()
        _, names, inline = files.get(sha, (data, [], True))
        names.append(part.get_filename() or "")
        files[sha] = (data, names, inline and part.get_content_disposition() != "attachment")
    line = max(plain.splitlines(), key=len).strip()
    return str(msg["subject"]), line, files


def main():
    with System("mail_images") as s:
        s.start_all()
        for number, name in enumerate(MAILS, 1):
            with open(os.path.join(MAIL_DIR, name), "rb") as f:
                raw = f.read()
            subject, line, files = expected(raw)
            r = s.mailgate(raw)
            check(r.returncode == 0, "%s: mailgate exits 0" % name, r.stderr.decode())
            wait_until(lambda: s.ticket_total() == number, 20, "%s opens ticket %d" % (name, number),
                       system=s)
            t = s.ticket(number)
            check(t.subject == subject, "%s: ticket %d is its own" % (name, number), t.subject)

            show = s.run_tool("balcao", ["show", str(number)])
            out = show.stdout.decode()
            check(show.returncode == 0, "%s: balcao show %d" % (name, number), show.stderr.decode())
            listed = [l for l in out.splitlines() if l.startswith("[anexo] ")]
            log("%s: %d file(s) listed" % (name, len(listed)))
            check(len(listed) == len(files),
                  "%s: balcao show lists each of its %d files once" % (name, len(files)), out)
            for sha, (data, names, inline) in files.items():
                mine = [l for l in listed if l.endswith(" " + sha)]
                check(len(mine) == 1, "%s: %s (%s) is listed once" % (name, names, sha), out)
                check(any(n and n in mine[0] for n in names),
                      "%s: listed under one of its names %s" % (name, names), mine[0])
                check(("no corpo da mensagem" in mine[0]) == inline,
                      "%s: %s is marked %s" % (name, names, "inline" if inline else "attached"),
                      mine[0])
                path = os.path.join(s.dir, sha + ".out")
                get = s.run_tool("balcao", ["attachment", "get", sha, "-o", path])
                check(get.returncode == 0, "%s: attachment get %s" % (name, sha),
                      get.stderr.decode())
                with open(path, "rb") as f:
                    check(f.read() == data, "%s: %s comes back with identical bytes"
                          % (name, names))
            check(out.count(line) == 1,
                  "%s: the text is there once, the HTML version not added (%r)" % (name, line), out)

        en = s.run_tool("balcao", ["show", "3"], env={"BALCAO_LANG": "en"}).stdout.decode()
        check("[attachment] image.png  image/png" in en and "  inline  " in en
              and "[attachment] boleto-marco-2026.pdf  application/pdf" in en,
              "files are listed in English too", en)


if __name__ == "__main__":
    run_test(main)

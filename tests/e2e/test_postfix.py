#!/usr/bin/python3
"""A real MTA in front of Balcão: Debian's Postfix delivers the support
domain through a `pipe` transport to balcao-mailgate, as an operator would
set it up (docs/ARCHITECTURE.md, "Threading replies" and deploy notes).

Proves, with mail sent over SMTP to Postfix on loopback:
  - a customer's mail becomes a ticket (Postfix runs the gate as an
    unprivileged user, the way the pipe transport must);
  - with intake down the gate exits 75 and Postfix keeps the message
    deferred in its queue; once intake is back, a queue flush delivers it,
    exactly once;
  - a message too large to carry (over balcao/max_message_size) is not
    bounced by Postfix in English: the gate hands intake its header, the
    sender gets Balcão's pt-BR notice with the limit, no ticket is opened,
    and Postfix does not retry it (issue 15, item 6).

Postfix runs as a plain process with its own config directory in the test's
temporary directory (no system Postfix is touched); it is stopped even when
the test fails.
"""

import email
import email.policy
import os
import shutil
import smtplib
import subprocess
import time

from harness import System, check, free_port, log, run_test, wait_until

MAIN_CF = """compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.balcao.test
mydomain = balcao.test
myorigin = balcao.test
mydestination =
local_recipient_maps =
relay_domains = suporte.example
relay_recipient_maps =
transport_maps = texthash:{dir}/transport
maillog_file = {dir}/postfix.log
maillog_file_prefixes = {dir}
smtputf8_enable = no
biff = no
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
balcao_destination_recipient_limit = 1
queue_run_delay = 300s
minimal_backoff_time = 300s
maximal_backoff_time = 600s
"""

PIPE = """balcao    unix  -       n       n       -       1       pipe
  flags=Rq user=nobody argv={gate} -c {config}
"""


def postfix(pdir, *args):
    # Postfix reports errors to syslog, which these machines lack; `script`
    # gives it a terminal so they reach our output instead.
    cmd = " ".join(["postfix", "-c", pdir] + list(args))
    return subprocess.run(["script", "-qec", cmd, "/dev/null"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60)


def start_postfix(s, port):
    pdir = os.path.join(s.dir, "postfix")
    os.makedirs(os.path.join(pdir, "queue"))
    os.makedirs(os.path.join(pdir, "data"))
    shutil.chown(os.path.join(pdir, "data"), user="postfix")
    with open(os.path.join(pdir, "main.cf"), "w") as f:
        f.write(MAIN_CF.format(dir=pdir))
    with open(os.path.join(pdir, "transport"), "w") as f:
        f.write("suporte.example balcao:\n")
    lines = []
    with open("/etc/postfix/master.cf") as f:
        for line in f:
            fields = line.split()
            if line[:1].isalpha() and len(fields) >= 8:
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = "127.0.0.1:%d" % port
                fields[4] = "n"  # no chroot: the queue directory is ours
                line = " ".join(fields) + "\n"
            lines.append(line)
    lines.append(PIPE.format(gate=System.binary("balcao-mailgate"), config=s.config))
    with open(os.path.join(pdir, "master.cf"), "w") as f:
        f.writelines(lines)
    # The gate runs as nobody: it must reach the config and the binary.
    for path in (s.dir, os.path.dirname(s.config)):
        os.chmod(path, 0o755)
    os.chmod(s.config, 0o644)
    r = postfix(pdir, "start")
    check(r.returncode == 0, "postfix starts", r.stdout.decode(errors="replace"))
    wait_until(lambda: _listening(port), 20, "postfix to listen")
    return pdir


def _listening(port):
    try:
        smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
        return True
    except OSError:
        return False


def send(port, sender, subject, body, msg_id, in_reply_to=None):
    msg = "From: Marta Lima <%s>\r\n" % sender
    if in_reply_to:
        msg += "In-Reply-To: <%s>\r\n" % in_reply_to
    msg += ("To: suporte@suporte.example\r\nSubject: %s\r\nMessage-ID: <%s>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n" % (subject, msg_id, body))
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail(sender, ["suporte@suporte.example"], msg.encode())


def maillog(pdir):
    try:
        with open(os.path.join(pdir, "postfix.log"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def queued(pdir):
    r = subprocess.run(["postqueue", "-c", pdir, "-j"], stdout=subprocess.PIPE, timeout=30)
    return [l for l in r.stdout.decode().splitlines() if l.strip()]


def main():
    with System("postfix") as s:
        s.start_all()
        port = free_port()
        pdir = start_postfix(s, port)
        try:
            send(port, "marta@cliente.com.br", "Erro ao gerar boleto", "O boleto sai em branco.",
                 "pf-1@cliente.com.br")
            wait_until(lambda: s.ticket_total() == 1, 30, "the first mail as ticket 1", system=s)
            t = s.ticket(1)
            check(t.customer_address == "marta@cliente.com.br" and t.subject == "Erro ao gerar boleto",
                  "Postfix -> pipe -> balcao-mailgate -> intake -> router")
            wait_until(lambda: "relay=balcao" in maillog(pdir) and "status=sent" in maillog(pdir),
                       20, "Postfix to log the delivery through the balcao transport")

            s.stop("intake")
            send(port, "marta@cliente.com.br", "Re: Erro ao gerar boleto", "Segue o print.",
                 "pf-2@cliente.com.br", in_reply_to="pf-1@cliente.com.br")
            wait_until(lambda: "status=deferred" in maillog(pdir), 60,
                       "the gate to exit 75 and Postfix to defer the mail")
            check("intake unreachable, the MTA should retry" in maillog(pdir),
                  "the gate tells the MTA why, in plain ASCII for its log")
            check(len(queued(pdir)) == 1, "the message waits in Postfix's queue", queued(pdir))
            check(s.ticket(1).message_count == 1, "nothing reached the ticket while intake was down")
            s.start("intake")
            r = subprocess.run(["postqueue", "-c", pdir, "-f"], timeout=30)
            check(r.returncode == 0, "postqueue -f")
            wait_until(lambda: s.ticket(1).message_count == 2, 60,
                       "the deferred mail delivered after intake came back", system=s)
            wait_until(lambda: not queued(pdir), 30, "Postfix's queue to empty")
            time.sleep(1)
            check(s.ticket(1).message_count == 2 and s.ticket_total() == 1,
                  "delivered exactly once, threaded to ticket 1")

            # Over balcao/max_message_size (1 MiB in the tests): our notice,
            # not Postfix's bounce.
            send(port, "marta@cliente.com.br", "Planilha enorme", "x" * (1536 * 1024),
                 "pf-3@cliente.com.br")

            def notice():
                names = [n for n in os.listdir(s.mail_dir) if n.endswith("-rejected.eml")]
                return names[0] if names else None
            wait_until(notice, 60, "Balcão's notice about the oversized mail", system=s)
            with open(os.path.join(s.mail_dir, notice()), "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            text = " ".join(msg.get_body(preferencelist=("plain",)).get_content().split())
            check("passa dos 1 MB que um e-mail pode ter aqui" in text
                  and "a mensagem inteira (1,5 MB)" in text,
                  "the notice says, in pt-BR, the message was over the 1 MB limit", text[:2000])
            check("status=bounced" not in maillog(pdir) and s.ticket_total() == 1
                  and s.ticket(1).message_count == 2,
                  "no bounce from Postfix, and the oversized mail opens no ticket")
            wait_until(lambda: not queued(pdir), 30, "Postfix's queue to empty")
        finally:
            postfix(pdir, "stop")
    log("test_postfix passed")


if __name__ == "__main__":
    run_test(main)

"""Real mail servers for Balcão's end-to-end tests, each a plain process
started by the test: Dovecot (IMAP, for balcao-imapgate) and an SMTP sink
(Debian's aiosmtpd, for notify), plus a private CA for their TLS. See the
team's TESTING.md for the recipes. Tests import them from harness.
"""

import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter

from harness import PYTHON_OUT, _die_with_parent, _env, free_port, log, wait_until


# ---- a real IMAP server ----------------------------------------------------


class Dovecot:
    """A Dovecot IMAP server as a plain process (docs: shared TESTING.md):
    its own config, users and maildirs under `dir`, plain IMAP on 127.0.0.1
    at a free port, user `user` with password `password`. Use it as a context
    manager: it is stopped on exit, even when the test fails.

        with Dovecot(s.dir) as imap:
            imap.append("INBOX", raw_bytes)
            uids = imap.search("INBOX", "UNSEEN")
    """

    def __init__(self, parent_dir, user="suporte", password="segredo-imap", tls=None):
        """tls: (cert file, key file, CA file) to require STARTTLS."""
        self.tls = tls
        self.dir = os.path.join(parent_dir, "dovecot")
        self.user = user
        self.password = password
        self.port = free_port()
        self.proc = None
        for sub in ("state", "mail"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        # Dovecot's sockets live in base_dir, and a Unix socket's path has
        # at most 107 bytes: a deep test directory (a CI checkout's build
        # tree) would not fit, so base_dir is a short directory of its own.
        self.run_dir = tempfile.mkdtemp(prefix="bc-dovecot-", dir="/tmp")
        os.chmod(self.run_dir, 0o755)
        self.config = os.path.join(self.dir, "dovecot.conf")
        self.log = os.path.join(self.dir, "dovecot.log")
        with open(os.path.join(self.dir, "users"), "w") as f:
            f.write("%s:{PLAIN}%s\n" % (user, password))
        d = self.dir
        with open(self.config, "w") as f:
            f.write("\n".join([
                "protocols = imap",
                "listen = 127.0.0.1",
                "base_dir = %s" % self.run_dir,
                "state_dir = %s/state" % d,
                "log_path = %s" % self.log,
            ] + (["ssl = required",
                  "ssl_cert = <%s" % tls[0],
                  "ssl_key = <%s" % tls[1],
                  "disable_plaintext_auth = yes"] if tls else
                 ["ssl = no",
                  "disable_plaintext_auth = no"]) + [
                "auth_mechanisms = plain",
                "passdb {",
                "  driver = passwd-file",
                "  args = scheme=PLAIN username_format=%%u %s/users" % d,
                "}",
                "userdb {",
                "  driver = static",
                "  args = uid=65534 gid=65534 home=%s/mail/%%u" % d,
                "}",
                "mail_location = maildir:~/Maildir",
                "service imap-login {",
                "  inet_listener imap {",
                "    port = %d" % self.port,
                "  }",
                # No implicit-TLS listener on 993: tests run side by side.
                "  inet_listener imaps {",
                "    port = 0",
                "  }",
                "}",
                "default_login_user = nobody",
                "default_internal_user = nobody",
                "",
            ]))
        # The mail processes run as nobody: the path down to the maildirs
        # must be theirs to enter.
        for path in (parent_dir, self.dir):
            os.chmod(path, 0o755)
        shutil.chown(os.path.join(self.dir, "mail"), "nobody", "nogroup")

    @property
    def url(self):
        return "imap://127.0.0.1:%d/INBOX" % self.port

    def intake_config(self, *extra):
        """ZPL lines for intake's section: the poller reads this mailbox
        (plain IMAP, 1 s interval; its password in a file, as in production),
        then any extra imap lines given ('        rejected_folder = "X"')."""
        pass_file = os.path.join(self.dir, "imap.pass")
        with open(pass_file, "w") as f:
            f.write(self.password + "\n")
        return "\n".join(["    imap",
                          '        url = "%s"' % self.url,
                          '        username = "%s"' % self.user,
                          '        password_file = "%s"' % pass_file,
                          '        starttls = "%s"' % ("required" if self.tls else "none")]
                         + (['        ca_file = "%s"' % self.tls[2]] if self.tls else [])
                         + ["        interval_s = 1"] + list(extra))

    def start(self):
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        subprocess.run([binary, "-c", self.config], check=True)
        self.proc = True

        def ready():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    return sock.recv(64).startswith(b"* OK")
            except OSError:
                return False
        wait_until(ready, 20, "dovecot to listen on %d" % self.port)
        log("dovecot on 127.0.0.1:%d" % self.port)
        return self

    def stop(self):
        pid_file = os.path.join(self.run_dir, "master.pid")
        try:
            with open(pid_file) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            pid = None
        if pid is not None:
            self._stop_master(pid)
        shutil.rmtree(self.run_dir, ignore_errors=True)

    @staticmethod
    def _stop_master(pid):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        if exc_type is not None and os.path.exists(self.log):
            print("---- tail of %s ----" % self.log)
            with open(self.log, errors="replace") as f:
                for line in f.read().splitlines()[-20:]:
                    print("    " + line)
        return False

    def connect(self):
        """A logged-in imaplib connection (the caller closes it)."""
        import imaplib
        conn = imaplib.IMAP4("127.0.0.1", self.port)
        if self.tls:
            import ssl
            conn.starttls(ssl.create_default_context(cafile=self.tls[2]))
        conn.login(self.user, self.password)
        return conn

    def append(self, mailbox, raw, flags=""):
        """APPENDs one message (bytes) to mailbox, as a mail delivery would."""
        conn = self.connect()
        try:
            conn.create(mailbox)  # fails harmlessly when it exists
            typ, data = conn.append(mailbox, flags, None, raw)
            if typ != "OK":
                raise AssertionError("IMAP APPEND failed: %r" % (data,))
        finally:
            conn.logout()

    def search(self, mailbox, criteria="ALL"):
        """UIDs in mailbox matching criteria (e.g. "UNSEEN"), [] when the
        mailbox does not exist."""
        conn = self.connect()
        try:
            typ, _ = conn.select(mailbox)
            if typ != "OK":
                return []
            typ, data = conn.uid("SEARCH", None, criteria)
            return [int(x) for x in data[0].split()] if typ == "OK" and data[0] else []
        finally:
            conn.logout()

    def flags(self, mailbox, uid):
        """The flags of one message, as a string like '(\\Seen)'."""
        conn = self.connect()
        try:
            conn.select(mailbox)
            typ, data = conn.uid("FETCH", str(uid), "(FLAGS)")
            return data[0].decode() if typ == "OK" and data and data[0] else ""
        finally:
            conn.logout()


# ---- SMTP sink -------------------------------------------------------------

def make_tls_certs(directory):
    """A private CA and a certificate it signed for 127.0.0.1 / localhost,
    made with openssl: returns (cert file, key file, CA file)."""
    os.makedirs(directory, exist_ok=True)
    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr = os.path.join(directory, "server.key"), os.path.join(directory, "server.csr")
    cert, ext = os.path.join(directory, "server.pem"), os.path.join(directory, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    quiet = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=Balcao Test CA", "-keyout", ca_key, "-out", ca], **quiet)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", key, "-out", csr], **quiet)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                    "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert], **quiet)
    for path in (cert, key, ca):
        os.chmod(path, 0o644)
    return cert, key, ca


class SmtpSink:
    """A real SMTP server for notify to deliver to: Debian's aiosmtpd
    (python3-aiosmtpd) in its own process on 127.0.0.1, saving every message
    it accepts as DIR/<n>.eml (the recipient in DIR/<n>.rcpt). Recipients
    listed in DIR/../refuse (one per line, read at every RCPT) get
    "550 5.1.1 ... User unknown". stop() and start() again keep the port and
    what was received.

        sink = SmtpSink(s.dir)
        sink.start()
        s = System(..., extra_config={"notify": sink.notify_config()})
        sink.message_ids()  # Counter of Message-IDs received
    """

    def __init__(self, parent_dir, port=None, tls=None, login=None, implicit_tls=False,
                 name="smtp-sink"):
        """tls: (cert file, key file, CA file): STARTTLS required (or, with
        implicit_tls, TLS from the first byte: smtps://); login: (user,
        password): AUTH PLAIN/LOGIN required, over TLS only."""
        self.tls = tls
        self.login = login
        self.implicit_tls = implicit_tls
        self.base = os.path.join(parent_dir, name)
        self.dir = os.path.join(self.base, "received")
        self.refuse_file = os.path.join(self.base, "refuse")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.proc = None
        self.log = os.path.join(self.base, "sink.log")

    def notify_config(self, **smtp):
        """ZPL lines for the notify section: smtp/url and, from keyword
        arguments, other smtp keys (retry_first_ms=200, ...)."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        lines = ["    smtp", '        url = "%s://127.0.0.1:%d"' % (scheme, self.port),
                 '        starttls = "%s"' % ("required" if self.tls else "none")]
        if self.tls and "ca_file" not in smtp:
            lines.append('        ca_file = "%s"' % self.tls[2])
        if self.login and "username" not in smtp:
            pass_file = os.path.join(self.base, "smtp.pass")
            with open(pass_file, "w") as f:
                f.write(self.login[1] + "\n")
            lines += ['        username = "%s"' % self.login[0],
                      '        password_file = "%s"' % pass_file]
        for key, value in smtp.items():
            lines.append('        %s = "%s"' % (key, value))
        return "\n".join(lines)

    def start(self, timeout=20):
        assert self.proc is None
        logf = open(self.log, "ab")
        code = ("import sys; sys.path.insert(0, %r); import harness, mailservers; mailservers._smtp_sink_main()"
                % os.path.dirname(os.path.abspath(__file__)))
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-c", code, self.dir, self.refuse_file, str(self.port),
             ",".join(self.tls[:2]) if self.tls else "", ":".join(self.login) if self.login else "",
             "implicit" if self.implicit_tls else ""],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, preexec_fn=_die_with_parent,
            env=_env({"PYTHONPATH": PYTHON_OUT}))
        logf.close()

        def listening():
            if self.proc.poll() is not None:
                raise AssertionError("the SMTP sink exited: see %s" % self.log)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as c:
                    if self.implicit_tls:
                        return True  # a TLS server says nothing in the clear
                    return c.recv(100).startswith(b"220") and not c.sendall(b"QUIT\r\n")
            except OSError:
                return False
        wait_until(listening, timeout, "the SMTP sink on port %d" % self.port)

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def refuse(self, *addresses):
        with open(self.refuse_file, "w") as f:
            f.write("".join(a + "\n" for a in addresses))

    def messages(self):
        """[(recipient, email.message.EmailMessage)] in arrival order."""
        out = []
        for name in sorted(n for n in os.listdir(self.dir) if n.endswith(".eml")):
            path = os.path.join(self.dir, name)
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            with open(path[:-4] + ".rcpt") as f:
                out.append((f.read().strip(), msg))
        return out

    def message_ids(self):
        return Counter(str(m["Message-ID"]) for _, m in self.messages())

    def sessions(self):
        """The session line of each message received ("tls=1 auth=b'user'")."""
        out = []
        for name in sorted(n for n in os.listdir(self.dir) if n.endswith(".session")):
            with open(os.path.join(self.dir, name)) as f:
                out.append(f.read().strip())
        return out

    def by_subject(self, fragment):
        return [m for _, m in self.messages() if fragment in str(m["Subject"])]


def _smtp_sink_main():
    """The sink process: argv = [received dir, refuse file, port]."""
    import asyncio  # aiosmtpd runs its loop in a thread
    from aiosmtpd.controller import Controller

    directory, refuse_file, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tls = sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[4] else None
    login = sys.argv[5].split(":", 1) if len(sys.argv) > 5 and sys.argv[5] else None
    implicit = len(sys.argv) > 6 and sys.argv[6] == "implicit"
    counter = [len([n for n in os.listdir(directory) if n.endswith(".eml")])]

    class Saver:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            try:
                with open(refuse_file) as f:
                    refused = {line.strip().lower() for line in f if line.strip()}
            except FileNotFoundError:
                refused = set()
            if address.lower() in refused:
                return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 Ok"

        async def handle_DATA(self, server, session, envelope):
            counter[0] += 1
            name = "%06d" % counter[0]
            with open(os.path.join(directory, name + ".rcpt"), "w") as f:
                f.write(" ".join(envelope.rcpt_tos) + "\n")
            with open(os.path.join(directory, name + ".session"), "w") as f:
                who = session.auth_data.decode() if session.authenticated else "-"
                is_tls = session.ssl is not None or (
                    server.transport is not None
                    and server.transport.get_extra_info("ssl_object") is not None)
                f.write("tls=%d auth=%s\n" % (is_tls, who))
            tmp = os.path.join(directory, "." + name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(envelope.original_content or envelope.content)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, os.path.join(directory, name + ".eml"))
            # <name>.ack once the 250 is on the socket (aiosmtpd writes it
            # before it next yields): a crash test kills the client after it.
            server.last_message = name
            ack = os.path.join(directory, name + ".ack")
            asyncio.get_running_loop().call_soon(
                lambda: os.close(os.open(ack, os.O_CREAT | os.O_WRONLY)))
            return "250 2.0.0 Ok: queued as %s" % name

    kwargs = {}
    if tls:
        import ssl
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls[0], tls[1])
        if implicit:
            kwargs.update(ssl_context=context)
        else:
            kwargs.update(tls_context=context, require_starttls=True)
    if login:
        from aiosmtpd.smtp import AuthResult

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == login[0]
                  and auth_data.password.decode() == login[1])
            return AuthResult(success=ok, auth_data=auth_data.login if ok else None)
        # (aiosmtpd only counts STARTTLS as TLS for AUTH; with implicit TLS
        # every byte is encrypted anyway.)
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(tls) and not implicit)
    from aiosmtpd.smtp import SMTP

    class ClientEnd(SMTP):
        """Says how the client left after its last message: <name>.closed
        when it had read every reply (a FIN), <name>.reset when a reply was
        still unread (the kernel of a killed client answers with a RST)."""

        def connection_lost(self, error):
            name = getattr(self, "last_message", None)
            if name:
                end = os.path.join(directory, name + (".reset" if error else ".closed"))
                os.close(os.open(end, os.O_CREAT | os.O_WRONLY))
            super().connection_lost(error)

    class SinkController(Controller):
        def factory(self):
            return ClientEnd(self.handler, **self.SMTP_kwargs)

    controller = SinkController(Saver(), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("smtp sink listening on 127.0.0.1:%d" % port, flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    while not stop:
        time.sleep(0.1)
    controller.stop()

"""Shared machinery for Balcão's end-to-end tests.

A `System` is one complete Balcão installation in a fresh temporary directory:
its own config (free ports on 127.0.0.1), its own data directory, one log file
per service. Tests start, stop, kill -9 and restart individual services, talk to
them over the bus with a Lazy Pirate client, and run the command-line tools
against the same config.

    with System("flow") as s:
        s.start_all()
        reply = s.call("router", router_pb2.ListTickets(limit=10))

Leaving the `with` block normally stops every service (each must exit 0 on
SIGTERM) and removes the directory. When the block raises, the directory is
kept and its path and the tail of every service log are printed. Set
BALCAO_KEEP=1 to keep it always.

Environment: BALCAO_BUILD is the CMake binary dir (default: <repo>/build); the
generated protobuf modules are imported from $BALCAO_BUILD/python.

Run one test by hand with Debian's interpreter (it has python3-zmq and
python3-protobuf):  BALCAO_BUILD=build /usr/bin/python3 tests/e2e/test_flow.py
or all of them with:  (cd build && ctest -L e2e --output-on-failure)
"""

import ctypes
import email
import email.policy
import fcntl
import json
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("BALCAO_BUILD") or os.path.join(REPO, "build"))
PYTHON_OUT = os.path.join(BUILD, "python")
if PYTHON_OUT not in sys.path:
    sys.path.insert(0, PYTHON_OUT)

import zmq  # noqa: E402  (Debian's python3-zmq)
import zmq.auth  # noqa: E402

from balcao.v1 import bus_pb2, intake_pb2, kb_pb2, notify_pb2, router_pb2  # noqa: E402

# Start order: producers before their consumers (not required for
# correctness, since consumers replay, but it makes logs easier to read).
SERVICES = ("intake", "router", "kb", "notify", "gateway")
BUS_SERVICES = ("intake", "router", "kb", "notify")  # those with a command socket

POLL = 0.05  # seconds between checks in wait_until

# Who may replay a whole log in a test installation (balcao/log_readers).
LOG_READERS = ("service:intake", "service:router", "service:kb", "service:notify",
               "service:e2e-test", "service:balcao")

# Full protobuf name -> class, for decoding reply payloads by Envelope.type.
MESSAGE_TYPES = {}
for _module in (bus_pb2, intake_pb2, kb_pb2, notify_pb2, router_pb2):
    for _name in _module.DESCRIPTOR.message_types_by_name:
        _cls = getattr(_module, _name)
        MESSAGE_TYPES[_cls.DESCRIPTOR.full_name] = _cls

_T0 = time.monotonic()


def log(text):
    """Prints one progress line with the seconds since the test started."""
    print("[%7.2fs] %s" % (time.monotonic() - _T0, text), flush=True)


def check(condition, what, detail=None):
    """Asserts `condition`; prints 'ok: what' or raises with `detail`."""
    if not condition:
        raise AssertionError(what + ("" if detail is None else ": %s" % (detail,)))
    log("ok: " + what)


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


_EPHEMERAL = _ephemeral_range()
_taken = set()
# Ports this process has claimed: one locked file each, held until the
# process ends (the kernel drops the lock then, whatever killed it), so two
# tests running at once never choose the same port.
_PORT_LOCKS = os.path.join(tempfile.gettempdir(), "balcao-e2e-ports")
_claims = []


def _claim(port):
    """True when no other test process holds port: it is ours from now on."""
    os.makedirs(_PORT_LOCKS, exist_ok=True)
    fd = os.open(os.path.join(_PORT_LOCKS, str(port)), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _claims.append(fd)
    return True


def free_port():
    """A port nothing listens on, chosen *below* the kernel's ephemeral range:
    a port the kernel handed out with bind(0) can be taken a moment later as
    the local port of some outgoing connection (other tests' clients), and
    the service's own bind then fails with EADDRINUSE. Claimed through a
    lock file (see _claim), so that tests running at once (ctest -j) never
    pick the same one: a test whose service lost that race failed."""
    rng = random.SystemRandom()
    low = 20000
    high = max(low + 1000, min(_EPHEMERAL[0], 32768)) - 1
    while True:
        port = rng.randrange(low, high)
        if port in _taken or not _claim(port):
            continue
        _taken.add(port)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def log_id(address):
    """How the services' logs name a customer (bc_scrub_log_id)."""
    person = address if address.startswith("customer:") else "customer:" + address
    digest = hashlib.blake2b(("balcao-lgpd:" + person.lower()).encode(), digest_size=32)
    return "c:" + digest.hexdigest()[:10]


def new_id():
    """A request id: 32 hex characters."""
    return uuid.uuid4().hex


def envelope(msg, request_id=None, principal="agent:test", source="e2e-test", type_name=None):
    """Wraps a protobuf message in a balcao.v1.Envelope."""
    return bus_pb2.Envelope(
        id=request_id or new_id(),
        type=type_name or msg.DESCRIPTOR.full_name,
        source=source,
        time_us=int(time.time() * 1e6),
        principal=principal,
        payload=msg.SerializeToString(),
    )


def decode_reply(env):
    """Returns the message carried by a reply envelope."""
    cls = MESSAGE_TYPES.get(env.type)
    if cls is None:
        raise AssertionError("reply of unknown type %r" % env.type)
    return cls.FromString(env.payload)


class BusError(Exception):
    """The service answered with balcao.v1.Error."""

    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


class Unreachable(Exception):
    """No reply after every retry."""


class ServiceDied(AssertionError):
    pass


def wait_until(predicate, timeout, what, system=None, poll=POLL):
    """Polls `predicate` until it returns something truthy; returns that.

    Raises AssertionError after `timeout` seconds, or at once when `system` is
    given and one of its services died unexpectedly.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        if system is not None:
            system.check_alive()
        last = predicate()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s (last: %r)"
                                 % (timeout, what, last))
        time.sleep(poll)


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL if the test process dies, so a test
    killed by ctest's timeout leaves no services behind."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def shared_data(*parts):
    """A path in the team's shared test data (BALCAO_SHARED_DATA, set by
    ctest; else beside the checkout), or None when it is not there."""
    here = os.path.dirname(os.path.abspath(__file__))
    for base in (os.environ.get("BALCAO_SHARED_DATA"),
                 os.path.join(here, "..", "..", "..", "shared", "data"), "/work/shared/data"):
        if base and os.path.exists(os.path.join(base, *parts)):
            return os.path.join(base, *parts)
    return None


def _env(changes):
    if not changes:
        return None
    env = dict(os.environ)
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run_test(main):
    """Runs a test's main(); a failed check or bus error exits 1 with one FAIL line."""
    try:
        main()
    except (AssertionError, BusError, Unreachable) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(1)


class SseStream:
    """An HTTP Server-Sent Events connection to the gateway, read by a
    thread: events as (id, event, data dict, monotonic time), every id:
    line, comment lines (": ping"). id_type converts the id (int for the
    portal's sequence numbers, str for the chat's "B.A")."""

    def __init__(self, s, path, headers=(), id_type=str, timeout=60):
        self.id_type = id_type
        self.sock = socket.create_connection(("127.0.0.1", s.http_port), timeout=timeout)
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1", "Accept: text/event-stream",
                 "Connection: close"] + list(headers)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.events = []
        self.ids = []
        self.comments = []
        self.lock = threading.Lock()
        self.closed = False
        f = self.sock.makefile("rb")
        self.status = int(f.readline().decode().split()[1])
        self.headers = {}
        while True:
            line = f.readline().decode().strip()
            if not line:
                break
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.file = f
        if self.status == 200:
            self.thread = threading.Thread(target=self._read, daemon=True)
            self.thread.start()
        else:
            self.body = f.read(4096)
            self.sock.close()

    def _chunks(self):
        chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        while True:
            if not chunked:
                data = self.file.readline()
                if not data:
                    return
                yield data
                continue
            size_line = self.file.readline()
            if not size_line:
                return
            size = int(size_line.strip() or b"0", 16)
            if size == 0:
                return
            yield self.file.read(size)
            self.file.readline()

    def _read(self):
        """The stream's lines, parsed as SSE."""
        buf, fields = b"", {}
        try:
            for data in self._chunks():
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    line = line.decode()
                    if line.startswith(":"):
                        with self.lock:
                            self.comments.append(line)
                    elif line == "":
                        with self.lock:
                            if "id" in fields:
                                self.ids.append(self.id_type(fields["id"]))
                            if "data" in fields:
                                self.events.append((self.id_type(fields["id"]) if "id" in fields
                                                    else None, fields.get("event"),
                                                    json.loads(fields["data"]), time.monotonic()))
                        fields = {}
                    else:
                        k, _, v = line.partition(":")
                        fields[k] = v[1:] if v.startswith(" ") else v
        except (OSError, ValueError):
            pass
        self.closed = True

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class System:
    """One Balcão installation in a temporary directory."""

    def __init__(self, name, max_message_size=1048576, heartbeat_ms=200, curve=False,
                 extra_config=None, ack_per_hour=0, replicas=None, read_replicas=None):
        """curve=True: CURVE on every bus socket, certificates made by
        `balcaoctl keys`; this test's own bus sockets use the agent CLI's
        certificate ("balcao").
        ack_per_hour: notify's limit of acknowledgements per sender (tests
        send many tickets from one address: none unless a test asks; None
        leaves notify's default)."""
        self.ack_per_hour = ack_per_hour
        # {service: n}: n instances of it (<service>/replicas), the others
        # named <service>-2...; start("notify-2") runs balcao-notify -r 2.
        # {service: n}: n read replicas (<service>/read_replicas), numbered
        # after the replicas.
        self.replicas = dict(replicas or {})
        self.read_replicas = dict(read_replicas or {})
        self.instances = [svc + "-%d" % k for svc, n in self.replicas.items()
                          for k in range(2, n + 1)]
        self.instances += [svc + "-%d" % k for svc, n in self.read_replicas.items()
                           for k in range(self.replicas.get(svc, 1) + 1,
                                          self.replicas.get(svc, 1) + n + 1)]
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="balcao-e2e-%s-" % name)
        self.var = os.path.join(self.dir, "var")
        self.logs = os.path.join(self.dir, "logs")
        self.outbox = os.path.join(self.var, "outbox")
        self.mail_dir = os.path.join(self.outbox, "mail")
        os.makedirs(self.logs)
        os.makedirs(self.var)
        self.endpoints = {}
        self.events = {}
        self.metrics = {}  # each service's Prometheus port (GET /metrics)
        for svc in BUS_SERVICES + tuple(self.instances):
            self.endpoints[svc] = "tcp://127.0.0.1:%d" % free_port()
            self.events[svc] = "tcp://127.0.0.1:%d" % free_port()
            self.metrics[svc] = free_port()
        self.metrics["gateway"] = free_port()
        self.http_port = free_port()
        self.http = "http://127.0.0.1:%d" % self.http_port
        self.max_message_size = max_message_size
        self.heartbeat_ms = heartbeat_ms
        self.config = os.path.join(self.dir, "balcao.cfg")
        self.curve_dir = os.path.join(self.dir, "keys") if curve else None
        # {section: ZPL lines (indented) added to that section of the config}
        self.extra_config = extra_config or {}
        self.write_config()
        self.procs = {}  # service -> Popen, for services that should be running
        # service -> path of the binary to run instead of BUILD's balcao-<service>
        # (another release's, tests/e2e/test_upgrade.py); read at each start.
        self.binaries = {}
        self.ctx = zmq.Context()
        if curve:
            subprocess.run([self.binary("balcaoctl"), "-c", self.config, "keys"], check=True,
                           stdout=subprocess.DEVNULL)

    # ---- config -------------------------------------------------------

    def write_config(self):
        lines = [
            "balcao",
            '    data_dir = "%s"' % self.var,
            '    domain = "balcao.test"',
            "    heartbeat_ms = %d" % self.heartbeat_ms,
            "    max_message_size = %d" % self.max_message_size,
            # The services, and the tests' own replays (harness.replay; with
            # CURVE they speak with the CLI's certificate, service:balcao).
            '    log_readers = "%s"' % " ".join(LOG_READERS),
        ]
        # CURVE is on by default; a test without it says so (off).
        lines.append('    curve_dir = "%s"' % (self.curve_dir or ""))
        for svc in BUS_SERVICES:
            lines += [svc,
                      '    command = "%s"' % self.endpoints[svc],
                      '    events = "%s"' % self.events[svc],
                      '    metrics = "127.0.0.1:%d"' % self.metrics[svc]]
            if svc in self.extra_config:
                lines.append(self.extra_config[svc].rstrip("\n"))
            elif svc == "kb":
                # Load generators send look-alike tickets: without this kb
                # would (rightly) suspect recurring problems in them and the
                # router would add problem tickets to the counts.
                lines.append("    recurring\n        min_tickets = 0")
            if svc in self.replicas:
                lines.append("    replicas = %d" % self.replicas[svc])
            if svc in self.read_replicas:
                lines.append("    read_replicas = %d" % self.read_replicas[svc])
            if svc == "notify":
                lines.append('    outbox_dir = "%s"' % self.outbox)
                if self.ack_per_hour is not None:
                    lines.append("    ack_per_hour = %d" % self.ack_per_hour)
        for inst in self.instances:
            lines += [inst,
                      '    command = "%s"' % self.endpoints[inst],
                      '    events = "%s"' % self.events[inst],
                      '    metrics = "127.0.0.1:%d"' % self.metrics[inst]]
        lines += [
            "gateway",
            '    http_address = "127.0.0.1"',
            "    http_port = %d" % self.http_port,
            '    metrics = "127.0.0.1:%d"' % self.metrics["gateway"],
        ]
        if "gateway" in self.extra_config:
            lines.append(self.extra_config["gateway"].rstrip("\n"))
        lines += [
            "mailgate",
            "    timeout_ms = 500",
            "    retries = 1",
        ]
        # Any other section a test gives (e.g. "cli"), as it gives it.
        for name, text in self.extra_config.items():
            if name not in BUS_SERVICES and name != "gateway":
                lines += [name, text.rstrip("\n")]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    # ---- processes ----------------------------------------------------

    @staticmethod
    def binary(name):
        path = os.path.join(BUILD, name)
        if not os.access(path, os.X_OK):
            raise AssertionError("%s is not built (BALCAO_BUILD=%s)" % (path, BUILD))
        return path

    def log_path(self, svc):
        return os.path.join(self.logs, svc + ".log")

    def start(self, svc, wait=True, timeout=20, env=None):
        """Starts balcao-<svc> (env: variables added to ours, as run_tool's)."""
        assert svc not in self.procs, svc + " is already running"
        logf = open(self.log_path(svc), "ab")
        logf.write(b"---- e2e: starting %s at %s ----\n" % (svc.encode(), time.strftime("%H:%M:%S").encode()))
        logf.flush()
        base, _, k = svc.rpartition("-")
        args = (["-r", k] if svc in self.instances else [])
        program = self.binaries.get(svc) or self.binary("balcao-" + (base if args else svc))
        self.procs[svc] = subprocess.Popen(
            [program, "-c", self.config] + args, env=_env(env),
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, preexec_fn=_die_with_parent)
        logf.close()
        if wait:
            self.wait_ready(svc, timeout)

    def start_all(self, services=None):
        services = services or SERVICES + tuple(self.instances)
        for svc in services:
            self.start(svc, wait=False)
        for svc in services:
            self.wait_ready(svc)
        log("started %s in %s" % (", ".join(services), self.dir))

    def wait_ready(self, svc, timeout=20):
        """Waits until the service answers Ping (gateway: any HTTP answer)."""
        if svc == "gateway":
            def ready():
                try:
                    return self.http_get("/healthz", timeout=1)[0] in (200, 503)
                except OSError:
                    return False
        else:
            def ready():
                try:
                    self.call(svc, bus_pb2.Ping(), timeout=0.5, retries=1)
                    return True
                except Unreachable:
                    return False
        wait_until(ready, timeout, svc + " to be ready", system=self)

    def stop(self, svc, timeout=15):
        """SIGTERM; the service must exit 0 within `timeout` seconds."""
        proc = self.procs.pop(svc)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("%s did not exit within %ds of SIGTERM" % (svc, timeout))
        if rc != 0:
            raise AssertionError("%s exited with status %d on SIGTERM" % (svc, rc))
        if time.monotonic() - t0 > 1:
            log("note: %s took %.1fs to stop" % (svc, time.monotonic() - t0))
        return rc

    def kill9(self, svc):
        proc = self.procs.pop(svc)
        proc.kill()
        proc.wait()

    def restart(self, svc, wait=True):
        self.start(svc, wait=wait)

    def check_alive(self):
        for svc, proc in self.procs.items():
            if proc.poll() is not None:
                why = ""
                if proc.returncode == 0:
                    why = " (a clean exit: someone else sent it SIGTERM/SIGINT, e.g. pkill -f balcao)"
                raise ServiceDied("%s died unexpectedly with status %s%s"
                                  % (svc, proc.returncode, why))

    def stop_all(self):
        for svc in reversed(SERVICES + tuple(self.instances)):
            if svc in self.procs:
                self.stop(svc)

    def kill_all(self):
        for svc in list(self.procs):
            proc = self.procs.pop(svc)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def log_text(self, svc):
        try:
            with open(self.log_path(svc), encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def print_logs(self, lines=30):
        for svc in SERVICES:
            text = self.log_text(svc).splitlines()
            if not text:
                continue
            # A sanitizer report matters more than the last lines: show it whole.
            report = [i for i, line in enumerate(text)
                      if "ERROR: AddressSanitizer" in line or "ERROR: LeakSanitizer" in line
                      or "runtime error:" in line]
            shown = text[report[0]:report[0] + 120] if report else text[-lines:]
            print("---- %s of %s ----" % ("sanitizer report" if report else "tail",
                                        self.log_path(svc)))
            for line in shown:
                print("    " + line)
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".out"):  # output of tools run in background
                path = os.path.join(self.dir, name)
                print("---- tail of %s ----" % path)
                with open(path, errors="replace") as f:
                    for line in f.read().splitlines()[-lines:]:
                        print("    " + line)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        keep = os.environ.get("BALCAO_KEEP") == "1"
        if exc_type is None:
            try:
                self.stop_all()
            except BaseException:
                self.kill_all()
                self.print_logs()
                print("FAILED during shutdown; kept %s" % self.dir, flush=True)
                raise
        else:
            self.kill_all()
            print("\nFAILED (%s); service logs follow" % exc_type.__name__, flush=True)
            self.print_logs()
            print("kept test directory %s" % self.dir, flush=True)
            keep = True
        self.ctx.destroy(linger=0)
        if keep:
            if exc_type is None:
                print("kept test directory %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    # ---- the bus ------------------------------------------------------

    def call_raw(self, svc, frame, timeout=3.0, retries=3):
        """Lazy Pirate: sends one encoded envelope on a REQ socket; on a
        timeout, throws the socket away and resends the same bytes (same id).
        Returns the reply Envelope."""
        for _ in range(retries):
            sock = self.socket(zmq.REQ, svc)
            sock.connect(self.endpoints[svc])
            try:
                sock.send(frame)
                if sock.poll(int(timeout * 1000), zmq.POLLIN):
                    return bus_pb2.Envelope.FromString(sock.recv())
            finally:
                sock.close()
        self.check_alive()  # a dead service is the better explanation
        raise Unreachable("%s: no reply after %d tries of %.1fs" % (svc, retries, timeout))

    def call(self, svc, msg, request_id=None, timeout=3.0, retries=3, principal="agent:test"):
        """Sends `msg` to a service's command socket and returns the decoded
        reply; raises BusError for a balcao.v1.Error reply."""
        env = envelope(msg, request_id, principal)
        reply = self.call_raw(svc, env.SerializeToString(), timeout, retries)
        if reply.correlation_id != env.id:
            raise AssertionError("reply correlation_id %r != request id %r"
                                 % (reply.correlation_id, env.id))
        if reply.type == bus_pb2.Error.DESCRIPTOR.full_name:
            err = bus_pb2.Error.FromString(reply.payload)
            raise BusError(err.code, err.message)
        return decode_reply(reply)

    def socket(self, kind, svc, cert="balcao"):
        """A new socket for talking to `svc`, with CURVE when this system
        has it on (as `cert`, a certificate in the keys directory; None for
        a plain socket)."""
        sock = self.ctx.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        if self.curve_dir and cert:
            public, secret = zmq.auth.load_certificate(
                os.path.join(self.curve_dir, cert + ".cert_secret"))
            server, _ = zmq.auth.load_certificate(os.path.join(self.curve_dir, svc + ".cert"))
            sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, server
        return sock

    def dealer(self, svc):
        """A raw DEALER socket connected to a service's command endpoint."""
        sock = self.socket(zmq.DEALER, svc)
        sock.connect(self.endpoints[svc])
        return sock

    # ---- convenience queries -------------------------------------------

    def head_seq(self, svc):
        return self.call(svc, bus_pb2.Ping()).head_seq

    def ticket_total(self):
        return self.call("router", router_pb2.ListTickets(limit=1)).total

    def ticket(self, number):
        """The ticket with its messages, or None when the router says not_found."""
        try:
            return self.call("router", router_pb2.GetTicket(number=number))
        except BusError as e:
            if e.code == "not_found":
                return None
            raise

    def all_tickets(self, page=1000):
        """Every ticket, paging through ListTickets by number."""
        tickets, after = [], 0
        while True:
            reply = self.call("router", router_pb2.ListTickets(after=after, limit=page), timeout=10)
            if not reply.tickets:
                return tickets
            tickets.extend(reply.tickets)
            after = reply.tickets[-1].number

    def submit_api(self, external_id, subject, body, from_address="cliente@example.com",
                   from_name="Cliente", request_id=None):
        return self.call("intake", intake_pb2.Submit(
            channel="api", external_id=external_id, from_address=from_address,
            from_name=from_name, subject=subject, body=body), request_id=request_id)

    def replay(self, svc, from_seq=1):
        """Every event in a service's log from `from_seq` on, as Envelopes."""
        events = []
        while True:
            reply = self.call(svc, bus_pb2.ReplayRequest(from_seq=from_seq, max_events=1000),
                              timeout=10, principal="service:e2e-test")
            batch = [bus_pb2.Envelope.FromString(e) for e in reply.events]
            events.extend(batch)
            if not batch or batch[-1].seq >= reply.head_seq:
                return events
            from_seq = batch[-1].seq + 1

    def queued_acks(self):
        """Counter of ticket numbers over notify's NotificationQueued(kind=ack) events."""
        acks = Counter()
        for env in self.replay("notify"):
            if env.type == notify_pb2.NotificationQueued.DESCRIPTOR.full_name:
                n = notify_pb2.NotificationQueued.FromString(env.payload)
                if n.kind == "ack":
                    acks[n.ticket] += 1
        return acks

    def scrape(self, svc):
        """GET /metrics of a service: {(name, labels without service): value}."""
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics[svc],
                                    timeout=5) as r:
            if not r.headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"):
                check(False, "Prometheus' text format", r.headers.get("Content-Type"))
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            series, value = line.rsplit(" ", 1)
            name, _, labels = series.partition("{")
            labels = ",".join(p for p in labels.rstrip("}").split(",")
                              if p and not p.startswith("service="))
            out[(name, labels)] = float(value)
        return out

    # ---- outbox ---------------------------------------------------------

    ACK_NAME = re.compile(r"^t([0-9]+)-ack\.eml$")

    def outbox_files(self):
        """(ack ticket numbers as a Counter, other visible names, temp names)."""
        acks, others, temps = Counter(), [], []
        try:
            with os.scandir(self.mail_dir) as it:
                for entry in it:
                    if entry.name.startswith("."):
                        temps.append(entry.name)
                        continue
                    m = self.ACK_NAME.match(entry.name)
                    if m and str(int(m.group(1))) == m.group(1):
                        acks[int(m.group(1))] += 1
                    else:
                        others.append(entry.name)
        except FileNotFoundError:
            pass
        return acks, others, temps

    def ack_count(self):
        return sum(self.outbox_files()[0].values())

    def read_ack(self, number):
        with open(os.path.join(self.mail_dir, "t%d-ack.eml" % number), "rb") as f:
            return email.message_from_binary_file(f, policy=email.policy.default)

    def start_with_smtp(self, start=True, **smtp):
        """Starts an SmtpSink in this system's directory, points notify at it
        (other notify/smtp keys as keyword arguments, e.g.
        retry_first_ms=200) and starts every service (start=False: only
        writes the config, for balcaoctl to start them). Returns the sink:
        stop it when done."""
        sink = SmtpSink(self.dir)
        sink.start()
        self.extra_config = dict(self.extra_config, notify=sink.notify_config(**smtp))
        self.write_config()
        if start:
            self.start_all()
        return sink

    def outbox_list(self, filter="", principal="agent:test"):
        """notify's ListOutbox: an OutboxList."""
        return self.call("notify", notify_pb2.ListOutbox(filter=filter, limit=1000),
                         principal=principal)

    # ---- tools ------------------------------------------------------------

    def run_tool(self, name, args=(), input=None, timeout=60, env=None):
        """Runs a tool from the build dir with -c CONFIG; returns CompletedProcess.
        env: variables added to (or, with None values, removed from) ours."""
        return subprocess.run([self.binary(name), "-c", self.config, *args], input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                              env=_env(env), preexec_fn=_die_with_parent)

    def spawn_tool(self, name, args=(), env=None):
        """Starts a tool in the background; output goes to DIR/<name>.out."""
        out = open(os.path.join(self.dir, name + ".out"), "wb")
        proc = subprocess.Popen([self.binary(name), "-c", self.config, *args],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=_env(env), preexec_fn=_die_with_parent)
        out.close()
        return proc

    def tool_output(self, name):
        with open(os.path.join(self.dir, name + ".out"), errors="replace") as f:
            return f.read()

    def mailgate(self, raw, timeout=60):
        return self.run_tool("balcao-mailgate", input=raw, timeout=timeout)

    # ---- gateway --------------------------------------------------------

    def api_token(self, name="e2e", read=True):
        """Makes a token with `balcaoctl api-token NAME` and returns it; it
        becomes the token http_get sends. read=True also registers
        service:NAME at the router with the "read" permission (the router
        must be running), as an operator would in router/people."""
        r = self.run_tool("balcaoctl", ["api-token", name])
        token = r.stdout.decode().strip()
        if r.returncode != 0 or not token:
            raise AssertionError("balcaoctl api-token %s failed: %s" % (name, r.stderr.decode()))
        if read:
            person = router_pb2.Person(id="service:" + name, name="e2e " + name,
                                       permissions=["read"])
            self.call("router", router_pb2.UpsertPerson(person=person), principal="admin:e2e")
        self.token = token
        return token

    def http_get(self, path, timeout=5, token=True, headers=None):
        """Returns (status, parsed JSON body or None, raw body). token: True
        sends the one api_token made last (if any), a string sends that one,
        None sends none."""
        if token is True:
            token = getattr(self, "token", None)
        request = urllib.request.Request(self.http + path, headers=dict(headers or {}))
        if token:
            request.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = None
        return status, body, raw

    def http_raw(self, data, source="127.0.0.1", timeout=5):
        """Sends bytes to the gateway as they are (what urllib would refuse
        or clean up) and reads the answer until the gateway closes, or
        until timeout once some of it came (a connection kept alive).
        Returns (status, headers dict with lower-case names, body bytes);
        status 0 when no status line came back. A gateway that sends
        nothing within timeout raises socket.timeout."""
        with socket.create_connection(("127.0.0.1", self.http_port), timeout=timeout,
                                      source_address=(source, 0)) as c:
            c.sendall(data)
            answer = b""
            while True:
                try:
                    chunk = c.recv(65536)
                except socket.timeout:
                    if not answer:
                        raise
                    break
                if not chunk:
                    break
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        fields = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        parts = status_line.split()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        return status, fields, body

    def http_raw_request(self, target, method="GET", headers=(), source="127.0.0.1",
                         timeout=5):
        """A request whose line and headers are written by hand (a target
        with dots, spaces or escapes left as they are); as http_raw."""
        lines = ["%s %s HTTP/1.1" % (method, target), "Host: 127.0.0.1", "Connection: close"]
        lines += list(headers)
        return self.http_raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"),
                             source=source, timeout=timeout)


# The mail servers tests start (mailservers.py), importable from here too.
from mailservers import Dovecot, SmtpSink, make_tls_certs  # noqa: E402,F401

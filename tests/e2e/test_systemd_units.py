#!/usr/bin/python3
"""The systemd units in deploy/systemd/: valid, hardened, and still running
the services.

This machine need not run systemd as PID 1, so no unit is started for real.
Instead:
  - `systemd-analyze verify` parses every unit (ExecStart pointed at the
    build's binaries), and nothing but the keys older systemd does not know
    (RestartSteps, RestartMaxDelaySec, systemd 254) may be reported;
  - `systemd-analyze security --offline=yes` gives each service an exposure
    no higher than MAX_EXPOSURE (the figures in docs/operations.md), and
    finds open nothing but what MAY_STAY_OPEN lists, so a unit that loses
    any of its hardening fails here;
  - the units name the binaries the build makes, the install layout of
    docs/operations.md (/usr/local/bin, /etc/balcao/balcao.cfg,
    /var/lib/balcao), the account balcao.conf creates, and every service
    is part of balcao.target;
  - the five services run and stop cleanly while mail comes in by the mail
    gate and by IMAP (balcao-imapgate --once), notify delivers by SMTP with
    STARTTLS, kb indexes and the gateway answers /healthz, each program in
    the sandbox its unit describes, applied the way systemd applies it (run
    as root only; SKIP otherwise): an unprivileged user with no
    capabilities and no new privileges, the unit's UMask, a mount namespace
    (ProtectSystem=strict with only the data directory writable, PrivateTmp,
    ProtectHome, PrivateDevices, /proc with ProtectProc=invisible and
    ProcSubset=pid), and seccomp: RestrictAddressFamilies,
    MemoryDenyWriteExecute, RestrictNamespaces, and SystemCallFilter with a
    stricter action than the unit's (the process is killed, instead of the
    call failing with EPERM), so any call outside the list shows. Not
    reproduced: LockPersonality, RestrictSUIDSGID, RestrictRealtime beyond
    the filter, DevicePolicy, RemoveIPC and the kernel/clock/hostname
    protections (the read-only / and the filter cover most of them).

The sandbox is this same file run as `test_systemd_units.py --sandbox UNIT
DATA_DIR -- PROGRAM ARGS...`: it reads the unit, sets everything up, then
execs the program (same pid).
"""

import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
UNIT_DIR = os.path.join(REPO, "deploy", "systemd")

# `systemd-analyze security --offline=yes` of each unit after hardening (8.5
# each before). Lower is better; raise none of these without a reason in
# docs/operations.md.
MAX_EXPOSURE = {
    "balcao-intake.service": 1.4,
    "balcao-router.service": 1.4,
    "balcao-kb.service": 1.4,
    "balcao-notify.service": 1.4,
    "balcao-gateway.service": 1.4,
    "balcao-imapgate.service": 1.4,
}
# What the analysis may still find open (its "✗" lines), and why: a
# setting that gets lost fails the test even when the rounded figure does
# not move. Network services need the network (PrivateNetwork, Internet and
# Unix sockets) and the operator's addresses (IPAddressDeny); libzmq needs
# sched_setscheduler (@resources) and, to bind, netlink; PrivateUsers was
# not tried under a real systemd; ProtectClock's own rtc device rule
# (DeviceAllow); UMask 0027 is group-readable; no RootDirectory.
OPEN_EVERYWHERE = {"RootDirectory=/RootImage=", "RestrictAddressFamilies=~AF_UNIX",
                   "RestrictAddressFamilies=~AF_(INET|INET6)", "PrivateNetwork=", "PrivateUsers=",
                   "DeviceAllow=", "IPAddressDeny=", "UMask=", "SystemCallFilter=~@resources"}
MAY_STAY_OPEN = {name: OPEN_EVERYWHERE | ({"RestrictAddressFamilies=~AF_NETLINK"}
                                          if name in ("balcao-intake.service", "balcao-router.service",
                                                      "balcao-kb.service", "balcao-notify.service")
                                          else set())
                 for name in MAX_EXPOSURE}
# What systemd before 254 says of the restart back-off keys (the units'
# comments explain it); anything else from `verify` is a fault.
OLD_SYSTEMD_KEYS = re.compile(r"Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\]")

INSTALL_BIN = "/usr/local/bin/"
INSTALL_CONFIG = "/etc/balcao/balcao.cfg"
INSTALL_DATA = "/var/lib/balcao"
SANDBOX_UID = 65534  # nobody: the stand-in for the balcao account


def read_unit(path):
    """{section: {key: [values]}}; an empty assignment resets the list, as
    systemd does for list settings."""
    unit = {}
    section = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = unit.setdefault(line[1:-1], {})
                continue
            key, _, value = line.partition("=")
            values = section.setdefault(key.strip(), [])
            if value.strip() == "":
                values.clear()
            values.append(value.strip())
    return unit


def last(unit, key, default=None):
    values = [v for v in unit.get("Service", {}).get(key, []) if v != ""]
    return values[-1] if values else default


# ---- the sandbox (runs in the child, then execs the service) -------------

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
CLONE_NEWNS = 0x00020000
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                   0x40000000, 0x00000080)  # ns, cgroup, uts, ipc, user, pid, net, time
SYS_MOUNT_SETATTR = 442  # x86_64 and aarch64 alike
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 1


class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _ok(result, what):
    if result < 0:
        e = ctypes.get_errno()
        raise OSError(e, "%s: %s" % (what, os.strerror(e)))


def _mount(source, target, fstype, flags, data=None):
    _ok(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                    flags, data and data.encode()), "mount " + target)


def _set_readonly(path, readonly):
    attr = MountAttr(MOUNT_ATTR_RDONLY if readonly else 0, 0 if readonly else MOUNT_ATTR_RDONLY, 0, 0)
    _ok(_libc.syscall(SYS_MOUNT_SETATTR, -100, path.encode(), AT_RECURSIVE,
                      ctypes.byref(attr), ctypes.sizeof(attr)), "mount_setattr " + path)


def _private_dir(path, mode="0755", readonly=False):
    if os.path.isdir(path):
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | (MS_RDONLY if readonly else 0),
               "mode=" + mode)


def sandbox_mounts(unit, data_dir, program):
    """The unit's file-system settings, in a mount namespace of our own
    (a checkout under /home, /root or /tmp keeps that directory visible:
    the program and the data must stay reachable)."""
    yes = lambda key: last(unit, key, "no") in ("yes", "true", "strict", "full", "invisible")
    _ok(_libc.unshare(CLONE_NEWNS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    if last(unit, "ProtectSystem") == "strict":
        _set_readonly("/", True)
    if yes("PrivateTmp"):
        # A checkout under /tmp (a CI clone) keeps /tmp visible, as one
        # under /home does /home: the program and the data must be there.
        for path in ("/tmp", "/var/tmp"):
            if not any(p.startswith(path + "/") for p in (data_dir, program)):
                _private_dir(path, "1777")
            else:  # still writable, as a private /tmp is
                _mount(path, path, None, MS_BIND | MS_REC)
                _set_readonly(path, False)
    if yes("ProtectHome"):
        for path in ("/home", "/root", "/run/user"):
            if not any(p.startswith(path + "/") for p in (data_dir, program)):
                _private_dir(path, "0000", readonly=True)
    if yes("PrivateDevices"):
        # The host's /dev, kept aside (in the private /tmp) while a tmpfs
        # covers /dev and takes the few devices a service may use.
        host = tempfile.mkdtemp(prefix=".host-dev-", dir="/tmp")
        _mount("/dev", host, None, MS_BIND | MS_REC)
        _mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755")
        for name in ("null", "zero", "full", "random", "urandom", "tty"):
            target = "/dev/" + name
            open(target, "w").close()
            _mount(os.path.join(host, name), target, None, MS_BIND)
        _ok(_libc.umount2(host.encode(), 2), "umount " + host)  # MNT_DETACH
        os.rmdir(host)
        os.mkdir("/dev/shm")
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    options = []
    if last(unit, "ProtectProc"):
        options.append("hidepid=" + last(unit, "ProtectProc"))
    if last(unit, "ProcSubset"):
        options.append("subset=" + last(unit, "ProcSubset"))
    if options:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ",".join(options))
    # ReadWritePaths, with the install's data directory standing for ours.
    for value in unit["Service"].get("ReadWritePaths", []):
        for path in value.split():
            if path.lstrip("-") == INSTALL_DATA and data_dir:
                _mount(data_dir, data_dir, None, MS_BIND | MS_REC)
                _set_readonly(data_dir, False)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


SCMP_ACT_KILL_PROCESS = 0x80000000
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_GE, SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ = 5, 4, 7


def SCMP_ACT_ERRNO(code):
    return 0x00050000 | (code & 0xFFFF)


def syscall_groups():
    """{"@name": [members]} from `systemd-analyze syscall-filter`."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                         text=True, check=True).stdout
    groups, current = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.split()[0], [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.split()[0])
    return groups


def expand(name, groups, seen=None):
    seen = seen if seen is not None else set()
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    names = set()
    for member in groups.get(name, []):
        names |= expand(member, groups, seen)
    return names


def allowed_syscalls(unit, groups):
    """The unit's SystemCallFilter= lines as systemd reads them: an allow
    list (plus @default, which systemd always adds), then ~ lines removing."""
    allowed = None
    for value in unit["Service"].get("SystemCallFilter", []):
        if not value:
            allowed = None
            continue
        deny = value.startswith("~")
        names = set()
        for item in value.lstrip("~").split():
            names |= expand(item, groups)
        if deny:
            if allowed is not None:
                allowed -= names
        else:
            allowed = (allowed or expand("@default", groups)) | names
    return allowed


class Seccomp:
    def __init__(self, default_action):
        self.lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
        self.lib.seccomp_init.restype = ctypes.c_void_p
        self.lib.seccomp_init.argtypes = [ctypes.c_uint32]
        self.lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                                    ctypes.c_uint, ctypes.POINTER(ArgCmp)]
        self.lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        self.lib.seccomp_load.argtypes = [ctypes.c_void_p]
        self.ctx = self.lib.seccomp_init(default_action)
        if not self.ctx:
            raise OSError("seccomp_init failed")

    def rule(self, action, name, *cmps):
        nr = self.lib.seccomp_syscall_resolve_name(name.encode())
        if nr == -1:  # not a call of this architecture
            return
        array = (ArgCmp * max(1, len(cmps)))(*cmps)
        self.lib.seccomp_rule_add_array(self.ctx, action, nr, len(cmps), array)

    def load(self):
        _ok(self.lib.seccomp_load(ctypes.c_void_p(self.ctx)), "seccomp_load")


def sandbox_filters(unit, groups):
    """The unit's seccomp settings, as systemd builds them: one filter each
    (the kernel applies the strictest answer of all). The allow list is
    returned last, to be loaded last (it does not allow seccomp() itself)."""
    filters = []
    families = last(unit, "RestrictAddressFamilies")
    if families:
        import socket
        keep = {getattr(socket, name) for name in families.split()}
        f = Seccomp(SCMP_ACT_ALLOW)
        for af in range(46):  # AF_MAX on Linux 6
            if af not in keep:
                f.rule(SCMP_ACT_ERRNO(errno.EAFNOSUPPORT), "socket", ArgCmp(0, SCMP_CMP_EQ, af, 0))
        f.rule(SCMP_ACT_ERRNO(errno.EAFNOSUPPORT), "socket", ArgCmp(0, SCMP_CMP_GE, 46, 0))
        filters.append(f)
    if last(unit, "MemoryDenyWriteExecute") == "yes":
        f = Seccomp(SCMP_ACT_ALLOW)
        wx = 0x2 | 0x4  # PROT_WRITE | PROT_EXEC
        f.rule(SCMP_ACT_ERRNO(errno.EPERM), "mmap", ArgCmp(2, SCMP_CMP_MASKED_EQ, wx, wx))
        for name in ("mprotect", "pkey_mprotect"):
            f.rule(SCMP_ACT_ERRNO(errno.EPERM), name, ArgCmp(2, SCMP_CMP_MASKED_EQ, 0x4, 0x4))
        f.rule(SCMP_ACT_ERRNO(errno.EPERM), "shmat", ArgCmp(2, SCMP_CMP_MASKED_EQ, 0o100000, 0o100000))
        filters.append(f)
    if last(unit, "RestrictNamespaces") == "yes":
        f = Seccomp(SCMP_ACT_ALLOW)
        for flag in NAMESPACE_FLAGS:
            for name in ("unshare", "clone"):
                f.rule(SCMP_ACT_ERRNO(errno.EPERM), name, ArgCmp(0, SCMP_CMP_MASKED_EQ, flag, flag))
        f.rule(SCMP_ACT_ERRNO(errno.EPERM), "setns")
        # clone3's flags are out of a filter's reach: systemd answers ENOSYS
        # and glibc falls back to clone().
        f.rule(SCMP_ACT_ERRNO(errno.ENOSYS), "clone3")
        filters.append(f)
    allowed = allowed_syscalls(unit, groups)
    if allowed is not None:
        f = Seccomp(SCMP_ACT_KILL_PROCESS)
        for name in sorted(allowed):
            f.rule(SCMP_ACT_ALLOW, name)
        filters.append(f)
    return filters


def sandbox_main(argv):
    """--sandbox UNIT DATA_DIR -- PROGRAM ARGS..."""
    unit_path, data_dir, dashdash, *command = argv
    assert dashdash == "--" and command
    unit = read_unit(unit_path)
    groups = syscall_groups()
    # CapabilityBoundingSet= (empty): no capability survives the exec.
    if unit["Service"].get("CapabilityBoundingSet") == [""]:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            for cap in range(int(f.read()) + 1):
                _libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP
    sandbox_mounts(unit, data_dir, command[0])
    os.setgroups([])
    os.setgid(SANDBOX_UID)
    os.setuid(SANDBOX_UID)
    _libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG (setuid cleared it): SIGKILL
    if last(unit, "UMask"):
        os.umask(int(last(unit, "UMask"), 8))
    if last(unit, "NoNewPrivileges") == "yes":
        _ok(_libc.prctl(38, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
    for f in sandbox_filters(unit, groups):
        f.load()
    os.execv(command[0], command)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--sandbox":
    sandbox_main(sys.argv[2:])

# ---- the test ------------------------------------------------------------

from harness import (BUILD, SERVICES, Dovecot, SmtpSink, System, _die_with_parent,  # noqa: E402
                     check, kb_pb2, log, make_tls_certs, run_test, wait_until)


SKIPPED = []


def skip(what):
    log("SKIP: " + what)
    SKIPPED.append(what)


def unit_files():
    return sorted(name for name in os.listdir(UNIT_DIR) if name.endswith(".service"))


def check_layout():
    """The units against the build and the documented install layout."""
    names = unit_files()
    check(set(names) == set(MAX_EXPOSURE),
          "deploy/systemd has a unit for every service and only those", names)
    with open(os.path.join(UNIT_DIR, "balcao.conf"), encoding="utf-8") as f:
        sysusers = [line.split() for line in f if line.strip() and not line.startswith("#")]
    check(any(fields[:2] == ["u", "balcao"] for fields in sysusers),
          "balcao.conf makes the balcao account for systemd-sysusers", sysusers)
    with open(os.path.join(REPO, "docs", "operations.md"), encoding="utf-8") as f:
        operations = f.read()
    for path in (INSTALL_BIN, INSTALL_CONFIG, INSTALL_DATA, "balcao.conf"):
        check(path in operations, "docs/operations.md's install layout names " + path)
    for name in names:
        unit = read_unit(os.path.join(UNIT_DIR, name))
        service = name[:-len(".service")]
        exec_start = last(unit, "ExecStart", "").split()
        check(exec_start[:3] == [INSTALL_BIN + service, "-c", INSTALL_CONFIG],
              "%s runs %s%s -c %s" % (name, INSTALL_BIN, service, INSTALL_CONFIG), exec_start)
        check(os.access(os.path.join(BUILD, service), os.X_OK),
              "%s's program %s is built" % (name, service), BUILD)
        check(last(unit, "User") == "balcao" and last(unit, "Group") == "balcao",
              name + " runs as the balcao account")
        check("/etc/balcao" in unit["Service"].get("ReadOnlyPaths", []),
              name + " reads /etc/balcao read-only")
        check(unit["Unit"].get("PartOf") == ["balcao.target"]
              and unit["Install"].get("WantedBy") == ["balcao.target"],
              name + " is part of balcao.target")
        if service != "balcao-imapgate":
            check(last(unit, "Type") == "notify", name + " waits for READY=1 (Type=notify)")
            check(last(unit, "StateDirectory") == "balcao"
                  and last(unit, "WorkingDirectory") == INSTALL_DATA
                  and unit["Service"].get("ReadWritePaths") == [INSTALL_DATA],
                  name + " writes only " + INSTALL_DATA)
        else:
            check("ReadWritePaths" not in unit["Service"], name + " writes nowhere")
    log("layout: %d units name the built programs, %s and %s"
        % (len(names), INSTALL_CONFIG, INSTALL_DATA))


def check_systemd_analyze():
    tool = shutil.which("systemd-analyze")
    if not tool:
        return skip("systemd-analyze is not installed: units not verified, exposure not measured")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.split()
    log("systemd-analyze: %s" % " ".join(version[:3]))
    with tempfile.TemporaryDirectory(prefix="balcao-units-") as tmp:
        # The units as installed, their programs where this build has them.
        for name in os.listdir(UNIT_DIR):
            with open(os.path.join(UNIT_DIR, name), encoding="utf-8") as f:
                text = f.read()
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text.replace(INSTALL_BIN, BUILD.rstrip("/") + "/"))
        paths = sorted(os.path.join(tmp, n) for n in os.listdir(tmp)
                       if n.endswith((".service", ".target")))
        r = subprocess.run([tool, "verify", "--man=no"] + paths, capture_output=True, text=True)
        complaints = [line for line in (r.stdout + r.stderr).splitlines()
                      if line.strip() and not OLD_SYSTEMD_KEYS.search(line)]
        check(r.returncode == 0 and not complaints,
              "systemd-analyze verify accepts every unit", (r.returncode, complaints))
        log("verify: %d units, no complaint" % len(paths))
        help_text = subprocess.run([tool, "security", "--help"], capture_output=True,
                                   text=True).stdout
        if "--offline" not in help_text:
            return skip("this systemd-analyze has no --offline (systemd < 250): exposure not "
                        "measured")
        for name, limit in sorted(MAX_EXPOSURE.items()):
            r = subprocess.run([tool, "security", "--offline=yes", os.path.join(tmp, name)],
                               capture_output=True, text=True)
            m = re.search(r"Overall exposure level for \S+: (\d+\.\d)", r.stdout + r.stderr)
            check(m is not None, "systemd-analyze security rates " + name, r.stdout[-400:])
            figure = float(m.group(1))
            check(figure <= limit, "%s's exposure is at most %.1f" % (name, limit),
                  "%.1f; what it still allows:\n%s" % (figure, "\n".join(
                      line for line in r.stdout.splitlines() if "\u2717" in line)))
            still_open = {line.split()[1] for line in r.stdout.splitlines()
                          if line.startswith("\u2717")}
            check(still_open <= MAY_STAY_OPEN[name],
                  name + " keeps every hardening setting it had",
                  sorted(still_open - MAY_STAY_OPEN[name]))
            log("exposure %-24s %.1f (limit %.1f)" % (name, figure, limit))


def sandbox_env():
    """Our environment for a sandboxed program. Under the sanitizers, without
    LeakSanitizer: its exit-time check stops the process's threads with
    ptrace from a helper thread, which the unit's system-call filter
    forbids, and the program hangs at exit. The other e2e tests check for
    leaks on the same paths."""
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return env


class SandboxedSystem(System):
    """The harness's installation, each service started in its unit's sandbox."""

    def start(self, svc, wait=True, timeout=20, env=None):
        assert svc not in self.procs, svc + " is already running"
        unit = os.path.join(UNIT_DIR, "balcao-%s.service" % svc)
        logf = open(self.log_path(svc), "ab")
        self.procs[svc] = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--sandbox", unit, self.var, "--",
             self.binary("balcao-" + svc), "-c", self.config], env=sandbox_env(),
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, preexec_fn=_die_with_parent)
        logf.close()
        if wait:
            self.wait_ready(svc, timeout)


def process_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def mount_options(pid, mount_point):
    """The options of the mount at mount_point as process pid sees it: the
    mount's own, then its file system's (after the " - " separator)."""
    with open("/proc/%d/mountinfo" % pid) as f:
        found = [line.split() for line in f if line.split()[4] == mount_point]
    if not found:
        return []
    fields = found[-1]
    return fields[5].split(",") + fields[-1].split(",")


def chown_tree(path):
    for root, dirs, files in os.walk(path):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.chown(name, SANDBOX_UID, SANDBOX_UID)


def customer_mail(message_id, subject, body):
    return ("From: Carla Dias <carla@cliente.example.com.br>\r\n"
            "To: suporte@balcao.test\r\n"
            "Subject: %s\r\n"
            "Message-ID: <%s>\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n"
            % (subject, message_id, body)).encode()


def make_imapgate_cert(curve_dir):
    """balcao-imapgate's certificate: `balcaoctl keys` makes it (without it
    the poller exits 78, curve_cert_missing, whenever CURVE is on)."""
    for name in ("balcao-imapgate.cert", "balcao-imapgate.cert_secret",
                 os.path.join("clients", "balcao-imapgate.cert")):
        check(os.path.exists(os.path.join(curve_dir, name)),
              "balcaoctl keys made %s" % name)


def check_sandboxed_run():
    if os.geteuid() != 0:
        return skip("not root: the services are not run in their units' sandboxes")
    if not shutil.which("systemd-analyze"):
        return skip("no systemd-analyze to name the system calls: the services are not "
                    "run in their units' sandboxes")
    # Outside /tmp and /var/tmp, which PrivateTmp hides from the services.
    base = os.path.join(BUILD, "systemd-units-e2e")
    os.makedirs(base, exist_ok=True)
    tempfile.tempdir = base
    with SandboxedSystem("units", curve=True) as s:
        # notify delivers by SMTP with STARTTLS (libcurl, OpenSSL); the IMAP
        # poller reads a Dovecot mailbox.
        tls = make_tls_certs(os.path.join(s.dir, "tls"))
        sink = SmtpSink(s.dir, tls=tls)
        sink.start()
        with Dovecot(s.dir) as imap:
            s.extra_config = {"notify": sink.notify_config(), "intake": imap.intake_config()}
            s.write_config()
            make_imapgate_cert(s.curve_dir)
            # The services run as an unprivileged user (SANDBOX_UID): theirs
            # are the data, the keys and the config; the rest is root's.
            os.chmod(s.dir, 0o755)
            for path in (s.var, s.curve_dir, s.config):
                chown_tree(path) if os.path.isdir(path) else os.chown(path, SANDBOX_UID, SANDBOX_UID)
            s.start_all()
            for svc, proc in s.procs.items():
                st = process_status(proc.pid)
                check(st["Uid"].split()[0] == str(SANDBOX_UID) and st["NoNewPrivs"] == "1"
                      and st["Seccomp"] == "2" and st.get("Seccomp_filters", "4") == "4"
                      and int(st["CapBnd"], 16) == 0 and int(st["CapEff"], 16) == 0,
                      svc + " runs unprivileged, without capabilities, under the unit's 4 filters",
                      {k: st.get(k) for k in ("Uid", "NoNewPrivs", "Seccomp", "Seccomp_filters",
                                              "CapBnd", "CapEff")})
                check("ro" in mount_options(proc.pid, "/") and "rw" in mount_options(proc.pid, s.var)
                      and "subset=pid" in mount_options(proc.pid, "/proc"),
                      svc + " sees / read-only, its data directory writable, /proc with subset=pid",
                      (mount_options(proc.pid, "/"), mount_options(proc.pid, s.var),
                       mount_options(proc.pid, "/proc")))

            # ---- by the mail gate: intake, router, notify (SMTP), kb ----
            r = s.mailgate(customer_mail("units-1@cliente.example.com.br",
                                         "=?UTF-8?Q?Nota_fiscal_n=C3=A3o_sai?=",
                                         "A emissão da nota fiscal falha desde a atualização."))
            check(r.returncode == 0, "mailgate hands the mail to the sandboxed intake",
                  (r.returncode, r.stderr[-300:]))
            t = wait_until(lambda: s.ticket(1), 20, "ticket 1 in the sandboxed router", system=s)
            check(t.subject == "Nota fiscal não sai", "the router opened ticket 1", t.subject)
            acks = wait_until(lambda: [m for _, m in sink.messages()
                                       if "[Chamado #1]" in str(m["Subject"])],
                              30, "notify's acknowledgement over SMTP", system=s)
            check("Recebemos seu chamado" in str(acks[0]["Subject"]),
                  "notify delivered the acknowledgement by SMTP with STARTTLS", acks[0]["Subject"])
            hits = wait_until(lambda: s.call("kb", kb_pb2.SearchTickets(query="emissão",
                                                                        limit=5)).hits,
                              20, "kb to index ticket 1", system=s)
            check(hits[0].subject == "Nota fiscal não sai", "kb (Xapian) finds ticket 1", hits)
            status = s.http_get("/healthz")[0]
            check(status == 200, "the sandboxed gateway answers /healthz with 200", status)

            # ---- by IMAP: balcao-imapgate --once in its own unit's sandbox ----
            imap.append("INBOX", customer_mail("units-2@cliente.example.com.br",
                                               "Boleto duplicado", "Recebi dois boletos."))
            gate = os.path.join(UNIT_DIR, "balcao-imapgate.service")
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--sandbox", gate, "",
                                "--", s.binary("balcao-imapgate"), "-c", s.config, "--once"],
                               capture_output=True, timeout=60, env=sandbox_env(),
                               preexec_fn=_die_with_parent)
            check(r.returncode == 0, "the sandboxed IMAP poller brings the message in",
                  (r.returncode, r.stderr.decode(errors="replace")[-600:]))
            t = wait_until(lambda: s.ticket(2), 20, "ticket 2 from IMAP", system=s)
            check(t.subject == "Boleto duplicado", "the router opened ticket 2 from IMAP", t.subject)
            check(imap.search("INBOX", "UNSEEN") == [], "the poller marked the message on the server")

            s.check_alive()
            for svc in reversed(SERVICES):
                s.stop(svc)  # exit 0 on SIGTERM, not SIGSYS (-31) nor SIGABRT (-6)
            sink.stop()
            log("sandboxed run: mail and IMAP in, SMTP out, indexed, /healthz 200, clean stops")
    shutil.rmtree(base, ignore_errors=True)


def main():
    check_layout()
    check_systemd_analyze()
    check_sandboxed_run()
    if SKIPPED:
        print("PASS, with %d part(s) skipped on this machine (SKIP lines above)" % len(SKIPPED),
              flush=True)
    else:
        print("PASS: systemd units valid, hardened, and running the services", flush=True)


if __name__ == "__main__":
    run_test(main)

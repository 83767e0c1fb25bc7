#!/usr/bin/python3
"""balcaoctl supervises what it starts.

Proves, with `balcaoctl up` on a config in a temporary directory:

restart    kill -9 of a service: within a few seconds it runs again and
           answers Ping with a new pid (the one the supervisor names); the
           restart is in the supervisor's log (child, pid, signal, attempt,
           delay) and `status` shows the service ok with 1 restart, exit 0.
down       `balcaoctl down`: every service exits 0 on the supervisor's
           SIGTERM, none is started again, and no process is left (the
           supervisor included).
crashloop  a service that fails at every start (kb's data directory is a
           file): given up after 5 exits within 60 s; `up` exits non-zero
           naming kb and why, `status` says "parado após 5 falhas seguidas
           em 60 s" and exits non-zero, and the agent CLI, which kb does not
           answer, names kb and says so (pt-BR and English).
port       another installation's router holds our router's port: `up` exits
           non-zero and names the port, `status` never calls a process ok
           that is not ours (no pid 0 "ok"), the other router is untouched,
           and `down` leaves none of ours behind.
replicas   intake and notify x2 and a kb read replica in the config: `up`
           starts them (balcao-<service> -r 2), `status` shows each ok, a
           replica killed -9 is started again, `down` stops them all.

Run one part by name: test_supervise.py restart|down|crashloop|port|replicas.
"""

import os
import re
import signal
import subprocess
import sys
import time

from harness import System, Unreachable, bus_pb2, check, log, run_test, wait_until


def ctl(s, *args, env=None):
    full = dict(os.environ, BALCAO_LANG="pt-BR", **(env or {}))
    return subprocess.run([System.binary("balcaoctl"), "-c", s.config, *args], env=full,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)


def write_config(s):
    """The system's config, with room for kb's five failed starts (about
    8 s of backoff) under a sanitizer on a busy machine."""
    s.write_config()
    with open(s.config, "a") as f:
        f.write("balcaoctl\n    start_timeout_ms = 30000\n")


def state(s):
    """The supervisor's state file: {name: {key: value}} and its own line."""
    procs, sup = {}, {}
    try:
        with open(os.path.join(s.var, "run", "supervise.state")) as f:
            for line in f:
                words = line.split()
                fields = dict(w.split("=", 1) for w in words[1:])
                if words[0] == "supervisor":
                    sup = fields
                else:
                    procs[fields["name"]] = fields
    except FileNotFoundError:
        pass
    return sup, procs


def supervise_log(s):
    try:
        with open(os.path.join(s.var, "log", "supervise.log"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def ping_pid(s, svc):
    try:
        return s.call(svc, bus_pb2.Ping(), timeout=0.5, retries=1).pid
    except Unreachable:
        return None


def ours(s):
    """Pids of live processes (not zombies) started with this system's
    config: its services and its supervisor."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmdline = f.read()
            with open("/proc/%s/stat" % pid) as f:
                is_zombie = f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            continue
        if s.config.encode() in cmdline and not is_zombie:
            found.append(int(pid))
    return found


def down_clean(s):
    """balcaoctl down, then checks that nothing of ours is left."""
    r = ctl(s, "down")
    check(r.returncode == 0 and "Balcão parado" in r.stdout.decode(), "balcaoctl down",
          (r.stdout, r.stderr))
    check(not ours(s), "no process of this installation is left", ours(s))


def show_on_failure(s):
    print("---- supervise.log ----\n" + supervise_log(s)[-4000:])
    log_dir = os.path.join(s.var, "log")
    for name in sorted(os.listdir(log_dir)) if os.path.isdir(log_dir) else []:
        with open(os.path.join(log_dir, name), errors="replace") as f:
            print("---- tail of %s ----\n%s" % (name, "".join(f.readlines()[-15:])))


def pid_file(s, svc):
    with open(os.path.join(s.var, "run", svc + ".pid")) as f:
        return int(f.read())


def up_ok(s):
    r = ctl(s, "up")
    check(r.returncode == 0 and "5 serviços saudáveis" in r.stdout.decode(),
          "balcaoctl up starts the five services", (r.stdout, r.stderr))


def part_restart(s):
    up_ok(s)
    old = pid_file(s, "router")
    check(ping_pid(s, "router") == old, "the router that answers is the process balcaoctl started")
    os.kill(old, signal.SIGKILL)
    t0 = time.monotonic()
    def answers_anew():
        pid = ping_pid(s, "router")
        return pid if pid and pid != old else None

    new = wait_until(answers_anew, 10, "the router to answer again with a new pid")
    took = time.monotonic() - t0
    check(took < 5, "killed with -9, the router is back in %.1f s" % took)
    _, procs = state(s)
    check(new == int(procs["router"]["pid"]) == pid_file(s, "router"),
          "answering as the process the supervisor started", (new, procs["router"]))
    check(re.search(r"event=restart child=router pid=%d signal=9 attempt=1 delay_ms=500" % old,
                    supervise_log(s)), "the restart is logged: child, pid, signal, attempt, delay",
          supervise_log(s)[-1500:])
    r = ctl(s, "status")
    out = r.stdout.decode()
    line = [x for x in out.splitlines() if x.startswith("router ")]
    check(r.returncode == 0 and line and line[0].split()[1] == str(new)
          and line[0].split()[3] == "1" and line[0].endswith(" ok"),
          "status shows the new router ok, with 1 restart, and exits 0", out)


def part_down(s):
    up_ok(s)
    pids = {name: pid_file(s, name) for name in ("router", "intake", "notify", "kb", "gateway")}
    r = ctl(s, "down")
    check(r.returncode == 0 and "Balcão parado" in r.stdout.decode(), "balcaoctl down",
          (r.stdout, r.stderr))
    text = supervise_log(s)
    for name, pid in pids.items():
        check("event=stopped child=%s pid=%d status=0" % (name, pid) in text,
              "%s exited 0 on the supervisor's SIGTERM" % name, text[-1500:])
    time.sleep(1.5)
    check("event=restart" not in text and "event=restart" not in supervise_log(s),
          "and none was started again")
    check(not ours(s), "no process is left, the supervisor included", ours(s))
    run = os.path.join(s.var, "run")
    check(not [f for f in os.listdir(run) if f.endswith(".pid")], "no pid file is left",
          os.listdir(run))


def part_crashloop(s):
    kb_dir = os.path.join(s.var, "kb")
    os.makedirs(s.var, exist_ok=True)
    with open(kb_dir, "w") as f:
        f.write("not a directory: kb cannot open its store here\n")
    t0 = time.monotonic()
    r = ctl(s, "up")
    err = r.stderr.decode()
    check(r.returncode != 0 and "kb não iniciou" in err
          and "parado após 5 falhas seguidas em 60 s" in err,
          "up exits non-zero: kb stopped after 5 failures in a row (%.1f s)"
          % (time.monotonic() - t0), (r.stdout, err))
    check("store_open_failed" in err, "and shows kb's own last error", err)
    restarts = re.findall(r"event=restart child=kb pid=\d+ status=1 attempt=(\d) delay_ms=(\d+)",
                          supervise_log(s))
    check(restarts == [("1", "500"), ("2", "1000"), ("3", "2000"), ("4", "4000")],
          "4 restarts logged, each delay twice the one before", restarts)
    check(re.search(r"event=gave_up child=kb pid=\d+ status=1 exits=5 window_s=60 msg=\"parado "
                    r"após 5 falhas", supervise_log(s)), "the supervisor's log says it gave up",
          supervise_log(s)[-1500:])
    r = ctl(s, "status")
    out = r.stdout.decode()
    kb = [x for x in out.splitlines() if x.startswith("kb ")]
    check(r.returncode != 0 and kb
          and "parado após 5 falhas seguidas em 60 s; veja %s/log/kb.log" % s.var in kb[0],
          "status says kb was given up, and exits non-zero", out)
    others = [x for x in out.splitlines() if x.split()[:1] and x.split()[0] in
              ("router", "intake", "notify")]
    check(len(others) == 3 and all(x.endswith(" ok") for x in others),
          "while the other services run", out)
    # The agent CLI, which kb does not answer: in both languages at once.
    clis = {lang: subprocess.Popen([System.binary("balcao"), "-c", s.config, "kb", "search", "senha"],
                                   env=dict(os.environ, BALCAO_LANG=lang), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
            for lang in ("pt-BR", "en")}
    outs = {lang: p.communicate(timeout=60) for lang, p in clis.items()}
    pt, en = outs["pt-BR"][1].decode(), outs["en"][1].decode()
    check(clis["pt-BR"].returncode != 0
          and "o serviço kb não respondeu: parado após 5 falhas seguidas em 60 s" in pt,
          "the CLI names kb and says it stopped after failing again and again", pt)
    check("the kb service did not answer: stopped after 5 failures in a row within 60 s" in en,
          "in English with BALCAO_LANG=en", en)
    down_clean(s)
    r = subprocess.run([System.binary("balcao"), "-c", s.config, "kb", "search", "senha"],
                       env=dict(os.environ, BALCAO_LANG="pt-BR"), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    check("o serviço kb não respondeu: parado (balcaoctl down" in r.stderr.decode(),
          "after down, the CLI says kb was stopped by balcaoctl down", r.stderr)


def part_port(s):
    with System("supervise-other") as other:
        other.start("router")
        other_pid = ping_pid(other, "router")
        port = other.endpoints["router"].rsplit(":", 1)[1]
        s.endpoints["router"] = other.endpoints["router"]
        write_config(s)
        r = ctl(s, "up")
        err = r.stderr.decode()
        check(r.returncode != 0 and "router não iniciou" in err and ":" + port in err,
              "up exits non-zero and names the port another installation holds (%s)" % port,
              (r.stdout, err))
        # Between two of our router's attempts (not while one is starting).
        def status_between_attempts():
            r = ctl(s, "status")
            return r if "(pid %d)" % other_pid in r.stdout.decode() else None

        r = wait_until(status_between_attempts, 10, "status to show the other router")
        out = r.stdout.decode()
        check(r.returncode != 0, "status exits non-zero", out)
        for line in out.splitlines()[2:]:
            cells = line.split()
            check(not (cells[1] in ("0", "-") and cells[-1] == "ok"),
                  "no process without a pid is called ok: %s" % cells[0], out)
        router = [x for x in out.splitlines() if x.startswith("router ")][0]
        check(not router.endswith(" ok") and "(pid %d)" % other_pid in router,
              "the router line says another process (the other's pid) answers there", router)
        check(ping_pid(other, "router") == other_pid, "the other installation's router is untouched")
        down_clean(s)
        check(ping_pid(other, "router") == other_pid, "and still runs after our down")


def part_replicas(s):
    """A config with replicas (intake and notify x2, a kb read replica):
    `up` starts them too, `status` shows each, a replica killed -9 runs
    again, `down` stops them all."""
    r = ctl(s, "up")
    check(r.returncode == 0 and "5 serviços e 3 réplicas saudáveis" in r.stdout.decode(),
          "balcaoctl up starts the five services and the three replicas", (r.stdout, r.stderr))
    for inst in ("intake-2", "notify-2", "kb-2"):
        check(ping_pid(s, inst) == pid_file(s, inst),
              "%s answers from the process balcaoctl started" % inst)
    r = ctl(s, "status")
    rows = {line.split()[0]: line for line in r.stdout.decode().splitlines() if line.split()}
    check(r.returncode == 0 and all(inst in rows and rows[inst].rstrip().endswith("ok")
                                    for inst in ("intake-2", "notify-2", "kb-2")),
          "status shows each replica ok", r.stdout.decode())
    old = pid_file(s, "intake-2")
    os.kill(old, signal.SIGKILL)
    wait_until(lambda: (ping_pid(s, "intake-2") or old) != old or None, 20,
               "intake-2 running again", system=s)
    check(ping_pid(s, "intake-2") == pid_file(s, "intake-2"),
          "the supervisor started intake-2 again (balcao-intake -r 2)")
    check(re.search(r"event=restart child=intake-2 pid=%d" % old, supervise_log(s)),
          "the restart is in the supervisor's log", supervise_log(s)[-1500:])
    down_clean(s)


PARTS = {"restart": part_restart, "down": part_down, "crashloop": part_crashloop,
         "port": part_port, "replicas": part_replicas}


def main():
    for name in sys.argv[1:] or list(PARTS):
        log("---- part %s ----" % name)
        with System("supervise-" + name,
                    **({"replicas": {"intake": 2, "notify": 2}, "read_replicas": {"kb": 1}}
                       if name == "replicas" else {})) as s:
            write_config(s)
            try:
                PARTS[name](s)
            except BaseException:
                show_on_failure(s)
                raise
            finally:
                if ours(s):
                    ctl(s, "down")
                for pid in ours(s):
                    os.kill(pid, signal.SIGKILL)
    log("test_supervise passed")


if __name__ == "__main__":
    run_test(main)

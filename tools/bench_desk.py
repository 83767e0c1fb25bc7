#!/usr/bin/python3
"""The dashboard's figures for tools/bench-desk.sh (docs/benchmarks.md).

Starts the five services from ./build (the e2e harness's System), stores N
tickets (balcao-bench; no agent is online, so all wait in the N1 queue),
makes AGENTS staff people (router people, passwords with balcao-gateway
staff-add) and signs each in (POST /api/v1/staff/login), then with
build/balcao-portal-bench, RUNS times each:
  - the N1 queue page (GET /desk/queue?view=tier&tier=N1, 50 tickets) and
    the counts (GET /desk/counts) at RATE requests/s;
  - a ticket view with 500 messages (GET /desk/tickets/N) at RATE/s;
  - AGENTS SSE streams, one per agent, while TICKETS new tickets arrive at
    1,000/s: creation at the router to arrival on each stream.

  bench_desk.py [N] [RATE] [AGENTS] [RUNS] [TICKETS]

BENCH_DESK_PARTS (default "queue,ticket,sse") picks the parts to run;
BENCH_SSE_POLL_MS sets gateway/sse_poll_ms (default 20). Each
run prints the CPU seconds each service used during it and what it wrote to
storage (/proc/PID/stat, /proc/PID/io), and how long some task waited on
I/O (/proc/pressure/io), so a slow run says who was busy.
"""

import http.client
import json
import os
import subprocess
import sys
import time

from harness import BUILD, System, log, router_pb2, wait_until

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
RATE = int(sys.argv[2]) if len(sys.argv) > 2 else 100
AGENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 500
RUNS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
TICKETS = int(sys.argv[5]) if len(sys.argv) > 5 else 10000
TOOL = os.path.join(BUILD, "balcao-portal-bench")
PASSWORD = "senha-de-carga-123"
ADMIN = "admin:ti@suporte.example"

CONFIG = {
    "gateway": "\n".join([
        "    max_connections = %d" % (AGENTS + 512),
        "    max_connections_per_ip = %d" % (AGENTS + 512),
        "    sse_max_streams = %d" % (AGENTS + 16),
        "    connection_timeout_s = 60",
        "    logins_per_ip_minute = 100000",
        "    sse_poll_ms = " + os.environ.get("BENCH_SSE_POLL_MS", "20"),
    ]) + "\n",
}


PARTS = set(os.environ.get("BENCH_DESK_PARTS", "queue,ticket,sse").split(","))


def s_cpu(s):
    """CPU seconds (user + system) each service process has used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, proc in s.procs.items():
        try:
            fields = open("/proc/%d/stat" % proc.pid).read().rsplit(")", 1)[1].split()
            out[name] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return out


def io_stalled():
    """Seconds some task waited on I/O so far (/proc/pressure/io), or None."""
    try:
        for line in open("/proc/pressure/io"):
            if line.startswith("some"):
                return int(line.split("total=")[1]) / 1e6
    except (OSError, IndexError, ValueError):
        pass
    return None


def written(s):
    """Bytes each service has written to storage so far (/proc/PID/io)."""
    out = {}
    for name, proc in s.procs.items():
        try:
            for line in open("/proc/%d/io" % proc.pid):
                if line.startswith("write_bytes:"):
                    out[name] = int(line.split()[1])
        except (OSError, ValueError):
            pass
    return out


def cpu_seconds(s):
    """What each run is measured against: CPU, storage writes, I/O stalls."""
    return {"cpu": s_cpu(s), "io": io_stalled(), "written": written(s)}


def print_cpu(before, after):
    used = {k: after["cpu"][k] - before["cpu"].get(k, 0) for k in after["cpu"]}
    print("cpu seconds during the run: " + ", ".join(
        "%s %.1f" % (k, v) for k, v in sorted(used.items(), key=lambda x: -x[1])), flush=True)
    mib = {k: (after["written"][k] - before["written"].get(k, 0)) / 2**20 for k in after["written"]}
    print("written to storage (MiB): " + ", ".join(
        "%s %.0f" % (k, v) for k, v in sorted(mib.items(), key=lambda x: -x[1])), flush=True)
    if after["io"] is not None and before["io"] is not None:
        print("some task waited on I/O for %.1f s of the run (/proc/pressure/io)"
              % (after["io"] - before["io"]), flush=True)


def tool(args):
    print("load average (1/5/15 min): %.1f %.1f %.1f" % os.getloadavg(), flush=True)
    log("$ balcao-portal-bench " + " ".join(a if len(a) < 60 else a[:40] + "…" for a in args))
    out = subprocess.run([TOOL] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = out.stdout.decode()
    print(text, end="", flush=True)
    return text


def staff_cookie(s, address, i=0):
    """Signs a staff person in; the Cookie header value of the session. The
    gateway allows at most 64 logins a minute from one address, so the
    i-th login comes from 127.0.0.(2 + i % 50) (any 127/8 address reaches
    the gateway's 127.0.0.1)."""
    host, port = s.http.split("//", 1)[1].split(":")

    def call(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(host, int(port), timeout=30,
                                          source_address=("127.0.0.%d" % (2 + i % 50), 0))
        conn.request(method, "/api/v1" + path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        if r.status != 200:
            raise RuntimeError("%s %s: %d %s" % (method, path, r.status, data[:200]))
        return r, data

    r, data = call("GET", "/session")
    pre = r.headers.get_all("Set-Cookie")
    csrf = json.loads(data)["csrf_token"]
    jar = "; ".join(c.split(";")[0] for c in pre or [])
    r, _ = call("POST", "/staff/login", json.dumps({"email": address, "password": PASSWORD}),
                {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Cookie": jar,
                 "Origin": s.http})
    cookies = r.headers.get_all("Set-Cookie")
    return "; ".join(c.split(";")[0] for c in cookies if not c.split(";")[0].endswith("="))


def main():
    with System("bench_desk", extra_config=CONFIG) as s:
        s.start_all()
        print("machine: %d cores, %s" % (os.cpu_count(), os.uname().release), flush=True)
        log("storing %d tickets" % N)
        t0 = time.monotonic()
        subprocess.run([os.path.join(BUILD, "balcao-bench"), "-c", s.config, "-n", str(N), "-C",
                        "16", "-W", "128", "--no-wait"], check=True, stdout=subprocess.DEVNULL)
        wait_until(lambda: s.ticket_total() >= N, 900, "the router to have every ticket", system=s)
        log("%d tickets at the router in %.0f s" % (N, time.monotonic() - t0))

        # A ticket with 500 messages (the first, then 499 replies and notes).
        big = 1
        for i in range(499):
            s.call("router", router_pb2.AddMessage(
                number=big, body="Mensagem %d: conferimos o certificado e os logs do emissor." % i,
                is_internal=i % 3 == 0), principal="agent:bench@suporte.example", timeout=10)
        check_big = s.call("router", router_pb2.GetTicket(number=big))
        log("ticket #%d has %d messages" % (big, check_big.message_count))

        log("making %d staff people" % AGENTS)
        t1 = time.monotonic()
        agents = ["agente%03d@suporte.example" % i for i in range(AGENTS)]
        for i, address in enumerate(agents):
            s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
                id="agent:" + address, name="Agente %d" % i, email=address,
                tier=("N1", "N2", "N3")[i % 3], status="away")), principal=ADMIN)
            r = s.run_tool("balcao-gateway", ["staff-add", address],
                           input=PASSWORD.encode() + b"\n")
            if r.returncode != 0:
                raise SystemExit("staff-add failed: " + r.stderr.decode())
        cookies = [staff_cookie(s, a, i) for i, a in enumerate(agents)]
        log("%d staff signed in after %.0f s" % (AGENTS, time.monotonic() - t1))
        path = os.path.join(s.dir, "cookies.txt")
        with open(path, "w") as f:
            f.write("\n".join(cookies) + "\n")
        header = "Cookie: " + cookies[0]
        base = s.http + "/api/v1"
        # What the services still do after the fill (kb indexing, notify's
        # acknowledgements), measured for 10 s before the first run.
        idle = cpu_seconds(s)
        time.sleep(10)
        print("before the runs, 10 s idle:", flush=True)
        print_cpu(idle, cpu_seconds(s))

        for run in range(1, RUNS + 1 if "queue" in PARTS else 1):
            print("== N1 queue page and counts, %d tickets waiting, %d/s, run %d =="
                  % (N, RATE, run), flush=True)
            before = cpu_seconds(s)
            tool(["http", "--rate", str(RATE), "--seconds", "20", "-H", header,
                  base + "/desk/queue?view=tier&tier=N1", base + "/desk/counts"])
            print_cpu(before, cpu_seconds(s))
        for run in range(1, RUNS + 1 if "ticket" in PARTS else 1):
            print("== ticket view, 500 messages, %d/s, run %d ==" % (RATE, run), flush=True)
            before = cpu_seconds(s)
            tool(["http", "--rate", str(RATE), "--seconds", "20", "-H", header,
                  base + "/desk/tickets/%d" % big])
            print_cpu(before, cpu_seconds(s))
        for run in range(1, RUNS + 1 if "sse" in PARTS else 1):
            print("== SSE: %d agents, %d new tickets at 1000/s, run %d =="
                  % (AGENTS, TICKETS, run), flush=True)
            before = cpu_seconds(s)
            tool(["sse-load", "-c", s.config, "--cookies", path, "-n", str(AGENTS), "--rate",
                  "1000", "--tickets", str(TICKETS), "--bench",
                  os.path.join(BUILD, "balcao-bench"), base + "/events"])
            print_cpu(before, cpu_seconds(s))
            time.sleep(5)
        status = open("/proc/%d/status" % s.procs["gateway"].pid).read()
        print("gateway: " + " ".join(l.split(":")[0] + "=" + l.split(":")[1].strip()
                                     for l in status.splitlines()
                                     if l.startswith(("VmRSS", "Threads"))), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""kb compacts its tickets' index and packs its records: less disk, the same
answers, crash-safe.

kb compacts an index when its files have grown by kb/compact/growth percent
since its last compaction (at start and on a timer): Xapian's compacted
copy is written beside the index and swapped in by two renames; after the
tickets' index, kb rewrites its LMDB records of the tickets with every page
full. BALCAO_KB_FAILPOINT=compact_swap kills kb with SIGKILL between the two
renames, when no index is under its name. Proves, with tickets opened,
resolved and closed as a help desk does:
  - at start, kb compacts and packs: every search and similar-tickets
    answer is the same as before (tickets, order, scores, estimates,
    statuses, resolutions), its records are byte for byte the same in
    fewer pages, and the index takes at most 80 % of what it took;
  - killed mid-swap, kb comes back with the compacted index: the same
    answers, nothing to repair or rebuild (the index's batch and scheme
    survived), nothing left beside it;
  - running, kb compacts and packs again once the index has grown, on its
    own, and keeps finding old and new tickets.
"""

import os
import subprocess
import time
import uuid

from harness import BUILD, System, check, kb_pb2, log, run_test, wait_until
from balcao.v1 import bus_pb2, router_pb2

ADMIN = "admin:ops@balcao.test"
QUERIES = ("erro ao emitir nota fiscal", "senha bloqueada", "integração via API",
           "relatório de vendas", "pedido referência 17", "navegador cache",
           "acessar sistema tela inicial")
RECURRING = "    recurring\n        min_tickets = 0\n"


def kb_config(growth, check_s=3600):
    return RECURRING + ("    compact\n        growth = %d\n        min_kb = 64\n"
                        "        check_s = %d" % (growth, check_s))


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))


def open_tickets(s, n):
    """n look-alike tickets (balcao-bench), resolved and closed by an admin."""
    first = s.ticket_total() + 1
    subprocess.run([os.path.join(BUILD, "balcao-bench"), "-c", s.config, "-n", str(n), "-C", "4",
                    "-W", "32", "--no-wait"], check=True, stdout=subprocess.DEVNULL)
    wait_until(lambda: s.ticket_total() >= first + n - 1, 120, "the router to open the tickets")
    sock = s.dealer("router")
    for action in ("resolve", "close"):
        pending = {}
        for number in range(first, first + n):
            msg = router_pb2.TicketAction(number=number, action=action,
                                          text="Reenviamos o boleto; pode conferir?")
            env = bus_pb2.Envelope(id=uuid.uuid4().hex, type=msg.DESCRIPTOR.full_name,
                                   source="e2e-test", principal=ADMIN,
                                   payload=msg.SerializeToString())
            pending[env.id] = env
            sock.send_multipart([b"", env.SerializeToString()])
        deadline, refused = time.time() + 120, []
        while pending and time.time() < deadline:
            if sock.poll(5000):
                reply = bus_pb2.Envelope.FromString(sock.recv_multipart()[-1])
                if reply.type == bus_pb2.Error.DESCRIPTOR.full_name:
                    refused.append(reply)
                pending.pop(reply.correlation_id, None)
        check(not pending and not refused, "the router takes every %s" % action,
              (len(pending), refused[:1]))
    sock.close()
    total = first + n - 1

    def indexed():
        r = s.call("kb", kb_pb2.SearchTickets(query="pedido referência", limit=100))
        return r.estimated == total and all(h.status == "fechado" for h in r.hits)

    wait_until(indexed, 120, "kb to index every ticket closed", system=s)
    return total


def answers(s):
    """What agents get: searches and similar tickets, as comparable tuples."""
    out = []
    for q in QUERIES:
        r = s.call("kb", kb_pb2.SearchTickets(query=q, limit=50))
        out.append((q, r.estimated, [(h.ticket, h.score, h.subject, h.status, h.resolution)
                                     for h in r.hits]))
    for ticket in (1, 5, 42):
        r = s.call("kb", kb_pb2.SimilarTickets(ticket=ticket, limit=20, resolved_only=True))
        out.append(("similar %d" % ticket, r.estimated, [(h.ticket, h.score) for h in r.hits]))
    return out


def records(s):
    """kb's LMDB records of the tickets, as mdb_dump prints them."""
    out = subprocess.run(["mdb_dump", "-s", "tickets", os.path.join(s.var, "kb")],
                         capture_output=True, text=True, check=True).stdout
    return out.split("HEADER=END", 1)[1]


def pages(s):
    """Pages kb's tickets db takes (leaf and branch)."""
    out = subprocess.run(["mdb_stat", "-s", "tickets", os.path.join(s.var, "kb")],
                         capture_output=True, text=True, check=True).stdout
    return sum(int(ln.split(":")[1]) for ln in out.splitlines()
               if ln.strip().startswith(("Branch pages", "Leaf pages")))


def logged(s, event):
    """The fields of the last line of kb's log since its start with event."""
    lines = [ln for ln in start_log(s).splitlines() if "event=%s " % event in ln]
    return dict(f.split("=", 1) for f in lines[-1].split() if "=" in f) if lines else None


def start_log(s):
    return s.log_text("kb").rsplit("---- e2e: starting kb", 1)[1]


def main():
    with System("kb_compact", extra_config={"kb": kb_config(0)}) as s:
        s.start_all(("intake", "router", "notify", "kb"))
        index = os.path.join(s.var, "kb", "tickets")
        total = open_tickets(s, 600)
        before, bytes_before = answers(s), dir_bytes(index)
        records_before, pages_before = records(s), pages(s)
        check(all(a[2] for a in before), "every search finds tickets", before)
        check("index_compacted" not in s.log_text("kb"), "growth = 0: kb never compacts")

        # ---- at start: compacted and packed --------------------------------
        s.stop("kb")
        s.extra_config["kb"] = kb_config(50)
        s.write_config()
        s.start("kb")
        wait_until(lambda: logged(s, "tickets_repacked"), 20, "kb to pack its records", system=s)
        compacted = logged(s, "index_compacted")
        log("%s; %s" % (compacted, logged(s, "tickets_repacked")))
        check(compacted and compacted["index"] == "tickets", "kb compacted the tickets' index",
              start_log(s)[-1500:])
        after, bytes_after = answers(s), dir_bytes(index)
        check(after == before, "every search and similar-tickets answer is the same",
              [(a, b) for a, b in zip(before, after) if a != b][:2])
        check(bytes_after <= bytes_before * 0.8,
              "the tickets' index takes at most 80 %% of its space (%d -> %d bytes)"
              % (bytes_before, bytes_after))
        check(records(s) == records_before, "kb's records of the tickets are the same, byte "
              "for byte")
        check(pages(s) <= pages_before * 0.7, "in at most 70 %% of the pages (%d -> %d)"
              % (pages_before, pages(s)))

        # ---- killed between the swap's two renames -----------------------
        s.stop("kb")
        s.extra_config["kb"] = kb_config(0)
        s.write_config()
        s.start("kb")
        total = open_tickets(s, 600)
        before, bytes_before = answers(s), dir_bytes(index)
        s.stop("kb")
        s.extra_config["kb"] = kb_config(50)
        s.write_config()
        s.start("kb", wait=False, env={"BALCAO_KB_FAILPOINT": "compact_swap"})
        proc = s.procs["kb"]
        wait_until(lambda: proc.poll() is not None, 30, "kb to die at its failpoint")
        del s.procs["kb"]
        check(proc.returncode == -9 and "event=failpoint name=compact_swap" in start_log(s),
              "kb was killed in the middle of the swap", start_log(s)[-800:])
        check(not os.path.exists(index) and os.path.isdir(index + ".new")
              and os.path.isdir(index + ".old"),
              "the kill left no index under its name, the compacted copy beside it",
              os.listdir(os.path.dirname(index)))

        s.start("kb")
        out = start_log(s)
        check("index_repaired" not in out and "index_rebuil" not in out
              and "index_compacted" not in out,
              "back, kb finds the compacted index whole: nothing to repair, rebuild or "
              "compact again", out[-1500:])
        after, bytes_after = answers(s), dir_bytes(index)
        check(after == before, "every search and similar-tickets answer is the same",
              [(a, b) for a, b in zip(before, after) if a != b][:2])
        check(bytes_after <= bytes_before * 0.8,
              "the tickets' index takes at most 80 %% of its space (%d -> %d bytes)"
              % (bytes_before, bytes_after))
        check(sorted(os.listdir(os.path.dirname(index))) == ["articles", "articles-public",
                                                             "data.mdb", "lock.mdb", "tickets"],
              "nothing is left beside it", os.listdir(os.path.dirname(index)))
        log("killed mid-swap: %d tickets, index %d -> %d bytes, same answers"
            % (total, bytes_before, bytes_after))

        # ---- running: compacted and packed again once grown, on the timer --
        s.stop("kb")
        s.extra_config["kb"] = kb_config(50, check_s=1)
        s.write_config()
        s.start("kb")
        total = open_tickets(s, 900)
        wait_until(lambda: logged(s, "tickets_repacked"), 30,
                   "kb to compact the grown index and pack its records on its timer", system=s)
        compacted, packed = logged(s, "index_compacted"), logged(s, "tickets_repacked")
        log("%s; %s" % (compacted, packed))
        check(int(compacted["bytes_after"]) < int(compacted["bytes_before"])
              and int(packed["pages_after"]) < int(packed["pages_before"]),
              "the grown index and records shrink again", (compacted, packed))
        r = s.call("kb", kb_pb2.SearchTickets(query="pedido referência", limit=100))
        check(r.estimated == total and all(h.resolution for h in r.hits),
              "every ticket, old and new, is still found, with its record",
              (r.estimated, total))
        log("ok: compaction keeps kb's answers, survives a kill mid-swap, and runs on its own")


if __name__ == "__main__":
    run_test(main)

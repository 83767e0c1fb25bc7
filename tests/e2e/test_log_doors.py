#!/usr/bin/python3
"""The event logs are for services; people get their own feed.

With CURVE on (the default installation's bus), proves:
  - a customer's registered key asking the router for a replay gets only
    the events of their own tickets, without internal notes; asking kb,
    intake or notify, `forbidden`; subscribing to the router's events
    socket, nothing (ZAP refuses it), while a consumer service's
    certificate gets the stream;
  - an outside system's certificate (service:crm) cannot pass for a
    consumer service by naming one in the envelope;
  - `balcao tail` shows the customer their ticket's public events only, and
    an agent every ticket's events;
  - a flood of malformed frames from one peer writes at most one log line
    a second, with the count of those left out.
"""

import os
import re
import signal
import time

import zmq

from harness import (BusError, System, bus_pb2, check, envelope, intake_pb2, log, router_pb2,
                     run_test, wait_until)

ADMIN = "admin:root@suporte.example"
RITA = "customer:rita@cliente.example"


def keyed_socket(s, svc, public, secret, kind=zmq.DEALER):
    sock = s.ctx.socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    server, _ = zmq.auth.load_certificate(os.path.join(s.curve_dir, svc + ".cert"))
    sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, server
    return sock


def ask(sock, msg, principal=""):
    env = envelope(msg, principal=principal)
    sock.send_multipart([b"", env.SerializeToString()])
    if not sock.poll(3000):
        return None
    reply = bus_pb2.Envelope.FromString(sock.recv_multipart()[-1])
    if reply.type == "balcao.v1.Error":
        err = bus_pb2.Error.FromString(reply.payload)
        return BusError(err.code, err.message)
    return bus_pb2.ReplayReply.FromString(reply.payload)


def feed(sock, principal=""):
    """Every event a replay lets this socket see, from the start."""
    events, from_seq = [], 1
    while True:
        r = ask(sock, bus_pb2.ReplayRequest(from_seq=from_seq, max_events=50), principal)
        if not isinstance(r, bus_pb2.ReplayReply):
            return r
        events += [bus_pb2.Envelope.FromString(e) for e in r.events]
        last = max([from_seq - 1, r.scanned_to] + [e.seq for e in events])
        if last >= r.head_seq:
            return events
        from_seq = last + 1


def ticket_of(env):
    if env.type == "balcao.v1.TicketCreated":
        return router_pb2.TicketCreated.FromString(env.payload).ticket.number
    if env.type == "balcao.v1.MessageAppended":
        return router_pb2.MessageAppended.FromString(env.payload).ticket
    return router_pb2.TicketStatusChanged.FromString(env.payload).number


def hears(sock, seconds=2.5):
    return sock.poll(int(seconds * 1000)) != 0


def main():
    with System("log_doors", curve=True) as s:
        s.start_all()
        public, secret = zmq.curve_keypair()
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id=RITA, name="Rita Souza", email="rita@cliente.example")), principal=ADMIN)
        s.call("router", router_pb2.SetPersonKey(person=RITA, curve_key=public.decode()),
               principal=ADMIN)
        s.submit_api("d-1", "Nota fiscal não sai", "A NF-e dá erro 539.",
                     from_address="rita@cliente.example", from_name="Rita Souza")
        s.submit_api("d-2", "Senha bloqueada", "Não consigo entrar.",
                     from_address="joao@outra.example", from_name="João")
        wait_until(lambda: s.ticket_total() == 2, 20, "two tickets", system=s)
        mine = [t.number for t in s.all_tickets() if t.customer_address == "rita@cliente.example"][0]
        other = 3 - mine
        s.call("router", router_pb2.AddMessage(number=mine, body="Cliente sem certificado A1.",
                                               is_internal=True), principal="agent:ana@x")
        s.call("router", router_pb2.AddMessage(number=mine, body="Olá, Rita! Já vamos ver."),
               principal="agent:ana@x")

        rita = keyed_socket(s, "router", public, secret)
        rita.connect(s.endpoints["router"])
        events = feed(rita)
        check(isinstance(events, list) and events, "the customer's key gets a feed", events)
        check({ticket_of(e) for e in events} == {mine},
              "only events of her own ticket", [(e.type, ticket_of(e)) for e in events])
        bodies = [router_pb2.MessageAppended.FromString(e.payload).message.body
                  for e in events if e.type == "balcao.v1.MessageAppended"]
        check("Olá, Rita! Já vamos ver." in bodies and not any("A1" in b for b in bodies),
              "her agent's reply, never the internal note", bodies)
        whole = s.replay("router")
        check(any(e.type == "balcao.v1.TicketCreated" and ticket_of(e) == other for e in whole),
              "(the whole log, for a service, has the other ticket)")

        for svc in ("kb", "intake", "notify"):
            sock = keyed_socket(s, svc, public, secret)
            sock.connect(s.endpoints[svc])
            r = ask(sock, bus_pb2.ReplayRequest(from_seq=1))
            for _ in range(5):  # kb learns her key from the router's log
                if r is not None or svc != "kb":
                    break
                sock.close()
                sock = keyed_socket(s, svc, public, secret)
                sock.connect(s.endpoints[svc])
                r = ask(sock, bus_pb2.ReplayRequest(from_seq=1))
            # kb knows people's keys (and answers forbidden); intake and
            # notify know none (no handshake, no answer).
            check((isinstance(r, BusError) and r.code == "forbidden") or (r is None and svc != "kb"),
                  "%s refuses her a replay of its log" % svc, r)
            sock.close()

        sub = keyed_socket(s, "router", public, secret, zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(s.events["router"])
        check(not hears(sub), "her key hears nothing on the router's events socket")
        npub, nsec = zmq.auth.load_certificate(os.path.join(s.curve_dir, "notify.cert_secret"))
        svc_sub = keyed_socket(s, "router", npub, nsec, zmq.SUB)
        svc_sub.setsockopt(zmq.SUBSCRIBE, b"")
        svc_sub.connect(s.events["router"])
        check(hears(svc_sub), "notify's certificate gets the router's events")
        sub.close()
        svc_sub.close()

        # An outside system with a certificate of its own in clients/.
        cpub, csec = zmq.curve_keypair()
        with open(os.path.join(s.curve_dir, "clients", "crm.cert"), "w") as f:
            f.write('metadata\n    name = "crm"\ncurve\n    public-key = "%s"\n' % cpub.decode())
        time.sleep(1.2)  # clients/ is re-read at most once a second
        crm = keyed_socket(s, "router", cpub, csec)
        crm.connect(s.endpoints["router"])
        r = ask(crm, bus_pb2.ReplayRequest(from_seq=1), principal="service:router")
        check(isinstance(r, BusError) and r.code == "forbidden",
              "service:crm naming service:router in the envelope is still refused", r)
        crm.close()
        rita.close()

        # balcao tail, as people see it.
        key_path = os.path.join(s.dir, "rita", "chave.cert")
        rita_env = {"BALCAO_KEY": key_path, "BALCAO_PRINCIPAL": RITA, "BALCAO_LANG": "pt_BR"}
        out = s.run_tool("balcao", ["login"], env=rita_env).stdout.decode()
        key = re.search(r"Chave pública: (\S{40})", out).group(1)
        r = s.run_tool("balcao", ["person-key", RITA, key],
                       env={"BALCAO_PRINCIPAL": ADMIN, "BALCAO_KEY": None})
        check(r.returncode == 0, "her CLI key is registered", r.stderr)
        tail = s.spawn_tool("balcao", ["tail"], env=rita_env)
        time.sleep(1.5)
        s.call("router", router_pb2.AddMessage(number=mine, body="Nota: conferir o XML.",
                                               is_internal=True), principal="agent:ana@x")
        s.call("router", router_pb2.AddMessage(number=other, body="João, liberamos a senha."),
               principal="agent:ana@x")
        s.call("router", router_pb2.AddMessage(number=mine, body="Rita, pode tentar de novo?"),
               principal="agent:ana@x")
        wait_until(lambda: "#%d" % mine in s.tool_output("balcao")
                   and "resposta" in s.tool_output("balcao"), 15,
                   "her tail to show the reply on her ticket", system=s)
        time.sleep(0.8)
        tail.send_signal(signal.SIGINT)
        check(tail.wait(timeout=10) == 0, "tail ends on Ctrl+C")
        out = s.tool_output("balcao")
        lines = [l for l in out.splitlines() if re.search(r"#\d", l)]
        check(lines and all("#%d " % mine in l for l in lines) and len(lines) == 1,
              "her tail shows one line: the reply on her ticket (no note, nothing of João's)",
              out)

        # A flood of malformed frames: at most a line a second, with a count.
        before = s.log_text("router").count("event=request_rejected")
        flood = s.dealer("router")
        for _ in range(300):
            flood.send_multipart([b"", b"\xff\x00 not an envelope"])
        for _ in range(300):
            flood.poll(2000)
            flood.recv_multipart()
        time.sleep(1.1)
        flood.send_multipart([b"", b"\xff\x00 one more"])
        flood.poll(2000)
        flood.recv_multipart()
        flood.close()
        wait_until(lambda: "left_out=" in s.log_text("router").split("event=request_rejected")[-1],
                   5, "the router's log line", system=s)
        text = s.log_text("router")
        lines = text.count("event=request_rejected") - before
        counts = [int(n) for n in re.findall(r"event=request_rejected.*?left_out=(\d+)", text)]
        check(lines <= 3, "301 malformed frames made %d log lines" % lines)
        check(counts and max(counts) >= 290, "and the line after says how many were left out",
              counts[-3:])
    log("test_log_doors passed")


if __name__ == "__main__":
    run_test(main)

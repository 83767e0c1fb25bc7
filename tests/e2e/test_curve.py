#!/usr/bin/python3
"""With balcao/curve_dir set, the bus is encrypted and only known keys get in.

`balcaoctl keys` makes a certificate for every service and client program.
Proves:
  - the whole flow still works over CURVE: mail gate -> intake -> router ->
    notify (ack file) and kb (search), services consuming each other's logs
    through CURVE PUB/SUB and replay;
  - a client without CURVE gets no answer from a command socket;
  - a client with a well-formed certificate that is not in keys/clients gets
    no answer either (ZAP refuses it);
  - a subscriber without CURVE receives nothing from an events socket, not
    even heartbeats.
"""

import os

import zmq
import zmq.auth

from harness import System, Unreachable, check, log, run_test, wait_until
from balcao.v1 import bus_pb2, kb_pb2

MAIL = (b"From: Paula Reis <paula@example.com.br>\r\n"
        b"Subject: =?UTF-8?Q?Integra=C3=A7=C3=A3o_sem_resposta?=\r\n"
        b"Message-ID: <curve-1@example.com.br>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"A integracao com o ERP parou de responder.\r\n")


def no_answer(s, sock, what):
    from harness import envelope
    sock.connect(s.endpoints["intake"])
    sock.send(envelope(bus_pb2.Ping()).SerializeToString())
    answered = sock.poll(1500, zmq.POLLIN)
    sock.close()
    check(not answered, what)


def main():
    with System("curve", curve=True) as s:
        s.start_all()
        for svc in ("intake", "router", "kb", "notify"):
            check("curve=on" in s.log_text(svc), "%s says curve=on in its log" % svc)

        proc = s.mailgate(MAIL)
        check(proc.returncode == 0, "mail gate (its own certificate) delivers to intake", proc.stderr)
        wait_until(lambda: s.ticket_total() == 1, 20, "ticket 1", system=s)
        check(s.ticket(1).subject == "Integração sem resposta", "ticket 1 has the decoded subject")
        wait_until(lambda: s.ack_count() == 1, 20, "acknowledgement file", system=s)
        check("Recebemos seu chamado #1" in s.read_ack(1).get_body(preferencelist=("plain",)).get_content(),
              "notify consumed the router's log over CURVE")
        wait_until(lambda: [h.ticket for h in s.call("kb", kb_pb2.SearchTickets(query="ERP")).hits] == [1],
                   20, "kb to index ticket 1", system=s)
        log("ok: kb consumed the router's log over CURVE")
        status, body, _ = s.http_get("/healthz")
        check(status == 200, "gateway reaches every service over CURVE (/healthz 200)", body)

        # A plain client: the CURVE handshake never completes, no reply.
        no_answer(s, s.socket(zmq.REQ, "intake", cert=None),
                  "a client without CURVE gets no answer")

        # A stranger with a real certificate that nobody authorized.
        pub, sec = zmq.auth.create_certificates(s.dir, "stranger")
        stranger = s.ctx.socket(zmq.REQ)
        stranger.setsockopt(zmq.LINGER, 0)
        p, k = zmq.auth.load_certificate(sec)
        server, _ = zmq.auth.load_certificate(os.path.join(s.curve_dir, "intake.cert"))
        stranger.curve_publickey, stranger.curve_secretkey, stranger.curve_serverkey = p, k, server
        no_answer(s, stranger, "a certificate not in keys/clients gets no answer (ZAP)")

        # A plain subscriber gets nothing, although the router publishes a
        # heartbeat every 200 ms.
        sub = s.socket(zmq.SUB, "router", cert=None)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(s.events["router"])
        got = sub.poll(1500, zmq.POLLIN)
        sub.close()
        check(not got, "a subscriber without CURVE receives nothing")
        # The same with the right certificate does receive heartbeats.
        sub = s.socket(zmq.SUB, "router")
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(s.events["router"])
        got = sub.poll(3000, zmq.POLLIN)
        sub.close()
        check(got, "the same subscriber with an authorized certificate receives events")
    log("test_curve passed")


if __name__ == "__main__":
    run_test(main)

#!/usr/bin/python3
"""Bad input is refused with a precise error, stores nothing, and harms nothing.

Sends, with a raw DEALER socket, to the command sockets of intake and router:
  (a) [empty][garbage bytes]                         -> Error "malformed"
  (b) a valid envelope of type "balcao.v1.Nope"      -> Error "unknown_type"
  (c) an envelope over max_message_size (1 MiB)      -> Error "too_large"
  (d) three frames [empty][envelope][envelope]       -> Error "malformed"
  (e) a Submit (intake) / GetTicket (router) envelope
      whose payload is not valid protobuf            -> Error "malformed"
Proves after each one that the service still answers Ping and logged an
`event=request_rejected ... code=<code>` line; afterwards that intake accepted
nothing and the router has no ticket. An e-mail without a From header makes
balcao-mailgate exit 65 (EX_DATAERR) and stores nothing. Finally a valid Submit
gets a message_ref and opens ticket 1: the services kept serving.
"""

import time

import zmq
from google.protobuf.message import DecodeError

from harness import (System, bus_pb2, check, envelope, intake_pb2, log, new_id, router_pb2,
                     run_test, wait_until)

NOT_PROTOBUF = b"\x0a\x64" + b"truncated"   # field 1, length 100, but only 9 bytes follow
MAX = 1048576


def rejected_count(s, svc, code):
    return sum(1 for line in s.log_text(svc).splitlines()
               if "event=request_rejected" in line and "code=%s" % code in line)


def send_raw(s, svc, frames, timeout=5.0):
    """Sends `frames` on a fresh DEALER; returns the reply Envelope."""
    sock = s.dealer(svc)
    try:
        sock.send_multipart(frames)
        if not sock.poll(int(timeout * 1000), zmq.POLLIN):
            raise AssertionError("%s sent no reply within %.0fs" % (svc, timeout))
        reply = sock.recv_multipart()
    finally:
        sock.close()
    if len(reply) != 2 or reply[0] != b"":
        raise AssertionError("%s replied with frames %r, expected [empty][envelope]"
                             % (svc, [len(f) for f in reply]))
    return bus_pb2.Envelope.FromString(reply[1])


def cases(svc):
    """(label, frames, expected code, request id or None) for one service."""
    good_type = intake_pb2.Submit if svc == "intake" else router_pb2.GetTicket
    nope = envelope(bus_pb2.Ping(), type_name="balcao.v1.Nope")
    big = envelope(intake_pb2.Submit(), type_name=good_type.DESCRIPTOR.full_name)
    big.payload = b"x" * (MAX + 1)
    bad_payload = envelope(bus_pb2.Ping(), type_name=good_type.DESCRIPTOR.full_name)
    bad_payload.payload = NOT_PROTOBUF
    ping_a, ping_b = envelope(bus_pb2.Ping()), envelope(bus_pb2.Ping())
    return [
        ("(a) garbage frame", [b"", b"\x0a\x64not an envelope"], "malformed", None),
        ("(b) type balcao.v1.Nope", [b"", nope.SerializeToString()], "unknown_type", nope.id),
        ("(c) frame of %d bytes" % len(big.SerializeToString()), [b"", big.SerializeToString()],
         "too_large", None),
        ("(d) three frames", [b"", ping_a.SerializeToString(), ping_b.SerializeToString()],
         "malformed", None),
        ("(e) %s with a non-protobuf payload" % good_type.DESCRIPTOR.full_name,
         [b"", bad_payload.SerializeToString()], "malformed", bad_payload.id),
    ]


def main():
    # The bytes we call "not protobuf" really are not.
    for cls in (bus_pb2.Envelope, intake_pb2.Submit, router_pb2.GetTicket):
        try:
            cls.FromString(NOT_PROTOBUF)
            raise AssertionError("test bug: NOT_PROTOBUF parses as " + cls.DESCRIPTOR.full_name)
        except DecodeError:
            pass

    with System("badinput", max_message_size=MAX) as s:
        s.start_all(("intake", "router"))
        for svc in ("intake", "router"):
            for label, frames, code, request_id in cases(svc):
                # Rejections are logged at most once a second per peer
                # (test_log_doors floods): one case a second here.
                time.sleep(1.05)
                before = rejected_count(s, svc, code)
                reply = send_raw(s, svc, frames)
                check(reply.type == "balcao.v1.Error", "%s %s: reply is balcao.v1.Error" % (svc, label),
                      reply.type)
                err = bus_pb2.Error.FromString(reply.payload)
                check(err.code == code, "%s %s: code %s (%s)" % (svc, label, code, err.message),
                      (err.code, err.message))
                if request_id:
                    check(reply.correlation_id == request_id,
                          "%s %s: correlation_id is the request id" % (svc, label), reply.correlation_id)
                pong = s.call(svc, bus_pb2.Ping(), timeout=2)
                check(pong.service == svc, "%s %s: still answers Ping" % (svc, label), pong.service)
                wait_until(lambda: rejected_count(s, svc, code) > before, 5,
                           "%s log line event=request_rejected code=%s" % (svc, code), system=s)
                log("ok: %s %s: logged event=request_rejected code=%s" % (svc, label, code))

        check(s.head_seq("intake") == 0, "intake accepted nothing (head_seq 0)")
        check(s.ticket_total() == 0, "router has no ticket")

        no_from = (b"To: suporte@balcao.test\r\nSubject: sem remetente\r\n"
                   b"Message-ID: <no-from-%d@example.com>\r\n\r\nCorpo.\r\n" % time.time_ns())
        r = s.mailgate(no_from)
        check(r.returncode == 65, "mailgate exits 65 for an e-mail without From",
              (r.returncode, r.stderr.decode(errors="replace")))
        time.sleep(0.5)
        check(s.head_seq("intake") == 0 and s.ticket_total() == 0,
              "the e-mail without From stored nothing")

        ok = s.submit_api("bad-input-ok-%s" % new_id(), "Pedido válido", "Depois das rejeições.")
        check(ok.message_ref.startswith("m") and not ok.duplicate,
              "a valid Submit afterwards gets a message_ref", ok)
        t = wait_until(lambda: s.ticket(1), 20, "ticket 1", system=s)
        check(t.subject == "Pedido válido" and s.ticket_total() == 1,
              "and opens ticket 1: both services kept serving")
    log("test_bad_input passed")


if __name__ == "__main__":
    run_test(main)

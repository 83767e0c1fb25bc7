#!/usr/bin/python3
"""Live updates on the portal (issue 13; docs/API.md "Live updates (SSE)").

Proves, with two customers (Rita and Bruno) who each opened a ticket by
e-mail and an agent acting over the bus:
- Rita's stream (GET /api/v1/events, signed in) gets the agent's public
  reply to her ticket within 2 s, as `id: <router seq>`, `event: ticket`,
  `data: {"number", "kind": "message"}`; never the agent's internal note on
  it, and never anything of Bruno's ticket, whose own stream gets his;
- a stream without Last-Event-ID starts at the router's head: no history;
- Rita reconnects with Last-Event-ID after missing three events: she gets
  exactly the ones after it that she may see, in order, none twice (the
  same with ?last_event_id=), and nothing older;
- the gateway restarts while an event happens: resuming from the last id
  gets it;
- 900 replies in a row (more than one feed request's 500 plus the 256 events
  the gateway keeps per person): an open stream gets each once, in order,
  and so does a stream resuming from before them;
- not signed in: 401; a service's Bearer token: 403 (the router's feed is
  for people; a service with the whole log reads it on the bus); a Last-Event-ID that is not a number: 400; beyond
  gateway/sse_per_session streams of one session: 429 with Retry-After;
- a quiet stream gets `: ping` comments (gateway/sse_ping_s);
- with CURVE on (the default install), the same: the gateway's key acts for
  the customer at the router, and the reply arrives.
"""

import json
import time

from harness import SseStream, System, check, log, router_pb2, run_test, wait_until

import portal  # tests/e2e/portal.py: sessions

AGENT = "agent:ana@balcao.test"
RITA = "rita@cliente.example"
BRUNO = "bruno@outro.example"
KINDS = {
    "balcao.v1.TicketCreated": "created",
    "balcao.v1.MessageAppended": "message",
    "balcao.v1.TicketStatusChanged": "status",
    "balcao.v1.TicketMerged": "merged",
    "balcao.v1.TicketRated": "rated",
    "balcao.v1.AutoCloseReminder": "reminder",
}


class Session:
    """A signed-in customer: a session cookie from portal.sign_in."""

    def __init__(self, s, address):
        self.address = address
        client = portal.sign_in(s, address)
        cookie = "; ".join("%s=%s" % (c.name, c.value) for c in client.jar)
        self.headers = ["Cookie: " + cookie]


class Stream(SseStream):
    """The portal's live updates (/api/v1/events): events with their
    sequence numbers and the time they came."""

    def __init__(self, s, headers=(), query=""):
        super().__init__(s, "/api/v1/events" + query, headers, id_type=int, timeout=30)

    def seqs(self):
        with self.lock:
            return [e[0] for e in self.events]

    def last_id(self):
        with self.lock:
            return self.ids[-1] if self.ids else None


def visible(s, number_of):
    """The router's log as the portal shows it: {seq: (number, kind)} of the
    events about the tickets in number_of, internal notes left out."""
    out = {}
    from harness import router_pb2 as r
    for env in s.replay("router"):
        kind = KINDS.get(env.type)
        if not kind:
            continue
        msg = getattr(r, env.type.split(".")[-1]).FromString(env.payload)
        if env.type == "balcao.v1.TicketCreated":
            number = msg.ticket.number
        elif env.type == "balcao.v1.MessageAppended":
            if msg.message.is_internal:
                continue
            number = msg.ticket
        elif env.type == "balcao.v1.TicketMerged":
            number = getattr(msg, "from")
        else:
            number = msg.number
        if number in number_of:
            out[env.seq] = (number, kind)
    return out


def reply(s, number, body, internal=False):
    s.call("router", router_pb2.AddMessage(number=number, body=body, is_internal=internal),
           principal=AGENT)


def main():
    # A person's ring of 256 events (1,024 by default), so that 900 replies
    # turn it over and a late stream must ask the router for the rest.
    config = {"gateway": "    sse_per_session = 3\n    sse_ping_s = 2\n    sse_ring = 256\n"}
    with System("portal_live", extra_config=config) as s:
        s.start_all()
        s.submit_api("live-1", "Boleto não chegou", "Não recebi o boleto de dezembro.",
                     from_address=RITA, from_name="Rita")
        s.submit_api("live-2", "Erro no login", "Não consigo entrar.", from_address=BRUNO,
                     from_name="Bruno")
        wait_until(lambda: s.ticket_total() == 2, 10, "both tickets at the router", system=s)
        mine = {t.number for t in s.all_tickets() if t.customer_address == RITA}
        his = {t.number for t in s.all_tickets() if t.customer_address == BRUNO}
        check(len(mine) == 1 and len(his) == 1, "one ticket each", (mine, his))
        rita_ticket, bruno_ticket = next(iter(mine)), next(iter(his))
        rita, bruno = Session(s, RITA), Session(s, BRUNO)

        log("not signed in, a bad Last-Event-ID")
        anon = Stream(s)
        check(anon.status == 401, "a visitor's stream is 401", anon.status)
        bad = Stream(s, rita.headers + ["Last-Event-ID: 12abc"])
        check(bad.status == 400 and b"Last-Event-ID" in bad.body, "a Last-Event-ID that is not a number is 400",
              (bad.status, bad.body[:200]))

        token = s.api_token("erp")
        tok = Stream(s, ["Authorization: Bearer " + token])
        check(tok.status == 403, "a service token's stream is 403: the router's feed is for people", tok.status)

        log("live: the agent's reply reaches Rita's open page")
        head = s.head_seq("router")
        a = Stream(s, rita.headers)
        b = Stream(s, bruno.headers)
        check(a.status == 200 and a.headers.get("content-type", "").startswith("text/event-stream")
              and a.headers.get("cache-control") == "no-store", "the stream is text/event-stream", a.headers)
        wait_until(lambda: a.last_id() is not None and b.last_id() is not None, 5,
                   "the streams to say where they start")
        check(a.last_id() == head and a.seqs() == [], "a stream starts at the router's head, no history",
              (a.last_id(), head, a.seqs()))
        reply(s, rita_ticket, "Nota: cliente já ligou duas vezes.", internal=True)
        t0 = time.monotonic()
        reply(s, rita_ticket, "Olá, Rita! Reenviamos o boleto.")
        reply(s, bruno_ticket, "Olá, Bruno! Tente de novo agora.")
        wait_until(lambda: any(e[2] == {"number": rita_ticket, "kind": "message"} for e in a.events), 5,
                   "Rita's stream to get the reply")
        got = next(e for e in a.events if e[2]["kind"] == "message")
        log("the reply arrived %.0f ms after the agent sent it" % ((got[3] - t0) * 1000))
        check(got[3] - t0 < 2.0 and got[1] == "ticket", "the reply arrives within 2 s as event: ticket",
              got[3] - t0)
        wait_until(lambda: any(e[2]["number"] == bruno_ticket for e in b.events), 5,
                   "Bruno's stream to get his reply")
        time.sleep(0.5)
        expected_a = visible(s, mine)
        check(a.seqs() == sorted(k for k in expected_a if k > head),
              "Rita got exactly her ticket's visible events, in order: no internal note",
              (a.seqs(), expected_a))
        check(all(e[2]["number"] == rita_ticket for e in a.events), "nothing of Bruno's ticket on Rita's stream")
        check(all(e[2]["number"] == bruno_ticket for e in b.events), "nothing of Rita's on Bruno's")
        note_seqs = [env.seq for env in s.replay("router")
                     if env.type == "balcao.v1.MessageAppended" and env.seq > head
                     and router_pb2.MessageAppended.FromString(env.payload).message.is_internal]
        check(len(note_seqs) == 1 and note_seqs[0] not in a.seqs(), "the internal note's seq is not on it",
              note_seqs)

        log("a quiet stream gets pings")
        n = len(a.comments)
        wait_until(lambda: any(c.startswith(": ping") for c in a.comments[n:]), 6, "a ping")

        log("reconnect with Last-Event-ID: the missed events, once")
        last = a.last_id()
        a.close()
        b.close()
        reply(s, rita_ticket, "Conseguiu ver o boleto?")
        reply(s, rita_ticket, "Mais uma coisa: o vencimento é dia 10.")
        reply(s, bruno_ticket, "Bruno, deu certo?")
        expected = sorted(k for k in visible(s, mine) if k > last)
        check(len(expected) >= 2, "Rita missed at least two events", expected)
        for how in ("header", "query"):
            if how == "header":
                r = Stream(s, rita.headers + ["Last-Event-ID: %d" % last])
            else:
                r = Stream(s, rita.headers, query="?last_event_id=%d" % last)
            wait_until(lambda: len(r.events) >= len(expected), 5, "the missed events (%s)" % how)
            time.sleep(0.5)
            check(r.seqs() == expected, "resumed by %s: exactly the missed events, in order, once" % how,
                  (r.seqs(), expected))
            check(min(r.seqs()) > last, "nothing at or before Last-Event-ID")
            r.close()

        log("the gateway restarts; resuming gets what happened meanwhile")
        r = Stream(s, rita.headers + ["Last-Event-ID: %d" % expected[-1]])
        check(r.status == 200, "closed streams free their slots at once (3 per session here)", r.status)
        wait_until(lambda: r.last_id() is not None, 5, "the stream to start")
        s.stop("gateway")
        wait_until(lambda: r.closed, 5, "the stream to end with the gateway")
        reply(s, rita_ticket, "Enquanto o portal reiniciava.")
        s.start("gateway")
        again = sorted(k for k in visible(s, mine) if k > expected[-1])
        r2 = Stream(s, rita.headers + ["Last-Event-ID: %d" % expected[-1]])
        check(r2.status == 200, "the session works after the restart", r2.status)
        wait_until(lambda: len(r2.events) >= len(again), 5, "the event made while the gateway was down")
        time.sleep(0.3)
        check(r2.seqs() == again and len(again) >= 1, "after the restart: that event, once", (r2.seqs(), again))
        r2.close()

        log("a long absence: more events than the gateway keeps per person")
        keep = Stream(s, rita.headers)  # keeps Rita watched: the gateway's ring of 256 turns over
        wait_until(lambda: keep.last_id() is not None, 5, "the stream to start")
        before = keep.last_id()
        for i in range(900):
            reply(s, rita_ticket, "Atualização %d do boleto." % i)
        burst = sorted(k for k in visible(s, mine) if k > before)
        check(len(burst) >= 900, "900 replies are 900 events for Rita", len(burst))
        wait_until(lambda: len(keep.events) >= len(burst), 15, "the open stream to get all 900")
        check(keep.seqs() == burst, "the open stream got each of them once, in order",
              (len(keep.seqs()), len(burst)))
        late = Stream(s, rita.headers + ["Last-Event-ID: %d" % before])
        wait_until(lambda: len(late.events) >= len(burst), 15, "the late stream to catch up")
        time.sleep(0.5)
        check(late.seqs() == burst, "a resume from before them gets all 900 once, in order "
              "(past the 500 of its first feed request and the 256 the gateway keeps: it asks the rest itself)",
              (len(late.seqs()), len(set(late.seqs())), len(burst)))
        keep.close()
        late.close()

        log("streams per session are limited")
        time.sleep(0.5)  # the streams above are closed: their slots free within 250 ms
        streams = [Stream(s, rita.headers) for _ in range(3)]
        check(all(x.status == 200 for x in streams), "three streams are fine")
        extra = Stream(s, rita.headers)
        check(extra.status == 429 and extra.headers.get("retry-after"), "a fourth is 429 with Retry-After",
              (extra.status, extra.headers))
        streams[0].close()

        def one_more():
            x = Stream(s, rita.headers)
            if x.status == 200:
                streams.append(x)
            return x.status == 200
        wait_until(one_more, 5, "a stream to be allowed again once one closes")
        for x in streams[1:]:
            x.close()
        s.check_alive()

    log("with CURVE on")
    with System("portal_live_curve", curve=True) as s:
        s.start_all()
        s.submit_api("curve-1", "Nota fiscal", "Preciso da segunda via.", from_address=RITA,
                     from_name="Rita")
        wait_until(lambda: s.ticket_total() == 1, 10, "the ticket at the router", system=s)
        number = s.all_tickets()[0].number
        rita = Session(s, RITA)
        a = Stream(s, rita.headers)
        check(a.status == 200, "the stream opens under CURVE", a.status)
        wait_until(lambda: a.last_id() is not None, 5, "the stream to start")
        reply(s, number, "Segue a segunda via.")
        wait_until(lambda: any(e[2] == {"number": number, "kind": "message"} for e in a.events), 5,
                   "the reply on the stream under CURVE")
        a.close()


if __name__ == "__main__":
    run_test(main)

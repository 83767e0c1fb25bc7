#!/usr/bin/python3
"""A local stand-in of Meta's Graph API for WhatsApp sends (POST
/<version>/<phone-number-id>/messages), for notify's tests and benchmark,
and for media downloads (the gateway's webhook, test_whatsapp_media.py).

It speaks the documented shapes in the team's shared data
(../shared/data/whatsapp/send/): each request must carry
`Authorization: Bearer <token>` and a JSON body whose fields match the
documented request of its type (request_text.json, request_template.json,
request_interactive_buttons.json, request_interactive_list.json): every
documented field present with its JSON type (a few marked optional), no
field the documents do not know. It answers with the shape of
response_success.json (response_success_template_accepted.json for a
template), with a fresh wamid each time, or, on demand, with the documented
errors: 130429 (rate limit), 131047 (outside the 24-hour window), or a
500 with the generic error shape. A refused request shape gets 400 with
code 100 and says what was wrong.

Media (GET /<version>/<media-id>, then GET of the download URL it answers,
both with the Bearer token): the documented shape {"messaging_product",
"url", "mime_type", "sha256" (hex), "file_size" (a string), "id"}, for any
media id, with deterministic bytes (media_bytes(id, size), importable by
tests); POST /_media {"id", "mime_type", "size"} sets an id's type and size.
POST /_media_fail {"id": "<media id>" or "", "kind": K, "count": N, ...}
queues failures (consumed in order, for that id or any): "404" or "500" on
GET /<media-id>, "download_404" or "download_500" on the download, "sha"
(the answer's sha256 is not the bytes'), "size" (the answer announces
"file_size" bytes, default 50 MiB), "slow" (GET /<media-id> waits "ms").

Every request is recorded (GET /_requests, and one JSON line per request in
--record). Control (JSON POSTs): /_fail {"to": "<digits>" or "", "codes":
[130429, 130429, 500, 131047]} queues failures (consumed in order, for that
number or any); /_delay {"ms": N} makes each answer wait; /_reset forgets
requests, failures and delay. GET /_count: how many requests, how many
accepted, the times of the first and of the last accepted (benchmarks).

    python3 graph_standin.py --port 0 --token T --record FILE
    -> prints "PORT <n>" on stdout when it listens.
"""

import argparse
import hashlib
import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.parse

OPTIONAL = {"header", "footer", "context", "description", "recipient_type", "preview_url",
            "policy", "components"}


def load(data_dir, name):
    with open(os.path.join(data_dir, name), encoding="utf-8") as f:
        return json.load(f)


def same_type(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return type(a) is type(b)


def check_shape(ref, got, path="$"):
    """What is wrong with `got` against the documented `ref`, or None."""
    if not same_type(ref, got):
        return "%s: expected %s, got %s" % (path, type(ref).__name__, type(got).__name__)
    if isinstance(ref, dict):
        for key, value in ref.items():
            if key not in got:
                if key in OPTIONAL:
                    continue
                return "%s.%s: missing" % (path, key)
            problem = check_shape(value, got[key], "%s.%s" % (path, key))
            if problem:
                return problem
        for key in got:
            if key not in ref:
                return "%s.%s: not a documented field" % (path, key)
    elif isinstance(ref, list):
        if ref:
            for i, item in enumerate(got):
                problem = check_shape(ref[0], item, "%s[%d]" % (path, i))
                if problem:
                    return problem
    elif isinstance(ref, str) and not got:
        return "%s: empty" % path
    return None


def media_bytes(media_id, size=None):
    """The bytes the stand-in serves for media_id: SHA-256 blocks of the id
    and a counter, size bytes (by default 1000 to 4999, from the id)."""
    if size is None:
        size = 1000 + int(hashlib.sha256(media_id.encode()).hexdigest()[:8], 16) % 4000
    out = bytearray()
    n = 0
    while len(out) < size:
        out += hashlib.sha256(("%s:%d" % (media_id, n)).encode()).digest()
        n += 1
    return bytes(out[:size])


class State:
    def __init__(self, data_dir, token, record):
        self.token = token
        self.lock = threading.Lock()
        self.requests = []
        self.failures = []  # [(to or "", code)]
        self.media = {}  # media id -> {"mime_type", "size"}
        self.media_failures = []  # [(id or "", {"kind", ...})]
        self.delay_ms = 0
        self.counter = 0
        self.record = open(record, "a", encoding="utf-8") if record else None
        self.refs = {
            "text": load(data_dir, "request_text.json"),
            "template": load(data_dir, "request_template.json"),
            "button": load(data_dir, "request_interactive_buttons.json"),
            "list": load(data_dir, "request_interactive_list.json"),
        }
        # A reply with context is a text with "context": the same shape.
        self.refs["text"]["context"] = load(data_dir, "request_text_reply_context.json")["context"]
        self.ok = load(data_dir, "response_success.json")
        self.ok_template = load(data_dir, "response_success_template_accepted.json")
        self.err_rate = load(data_dir, "response_error_130429_rate_limit.json")
        self.err_window = load(data_dir, "response_error_131047_reengagement.json")
        self.err_generic = load(data_dir, "response_error_generic_shape.json")

    def take_failure(self, to):
        with self.lock:
            for i, (who, code) in enumerate(self.failures):
                if not who or who == to:
                    del self.failures[i]
                    return code
        return None

    def take_media_failure(self, media_id, kinds):
        with self.lock:
            for i, (who, f) in enumerate(self.media_failures):
                if (not who or who == media_id) and f["kind"] in kinds:
                    del self.media_failures[i]
                    return f
        return None

    def media_info(self, media_id):
        with self.lock:
            m = dict(self.media.get(media_id, {}))
        return m.get("mime_type", "application/octet-stream"), m.get("size")

    def answer_media(self, headers, media_id, base):
        """(status, JSON answer) for GET /<version>/<media-id>."""
        if headers.get("Authorization", "") != "Bearer " + self.token:
            return 401, self.error(190, "Invalid OAuth access token")
        f = self.take_media_failure(media_id, ("404", "500", "sha", "size", "slow"))
        kind = f["kind"] if f else ""
        if kind == "slow":
            time.sleep(int(f.get("ms", 5000)) / 1000.0)
        if kind == "404":
            return 404, self.error(100, "(#100) Invalid parameter: unknown media id %s" % media_id,
                                   "GraphMethodException")
        if kind == "500":
            return 500, self.error(2, "Service temporarily unavailable")
        mime, size = self.media_info(media_id)
        data = media_bytes(media_id, size)
        digest = hashlib.sha256(data + (b"x" if kind == "sha" else b"")).hexdigest()
        announced = int(f.get("file_size", 50 * 1024 * 1024)) if kind == "size" else len(data)
        url = "%s/whatsapp_business/attachments/?mid=%s&ext=%d&hash=standin" % (
            base, urllib.parse.quote(media_id), int(time.time()))
        return 200, {"messaging_product": "whatsapp", "url": url, "mime_type": mime,
                     "sha256": digest, "file_size": str(announced), "id": media_id}

    def answer_download(self, headers, media_id):
        """(status, content type, bytes) for GET of a download URL."""
        if headers.get("Authorization", "") != "Bearer " + self.token:
            return 401, "application/json", json.dumps(
                self.error(190, "Invalid OAuth access token")).encode()
        f = self.take_media_failure(media_id, ("download_404", "download_500"))
        if f:
            code = 404 if f["kind"] == "download_404" else 500
            answer = json.dumps(self.error(code, "download failed")).encode()
            return code, "application/json", answer
        mime, size = self.media_info(media_id)
        return 200, mime, media_bytes(media_id, size)

    def answer(self, headers, body):
        """(status, JSON answer, what was checked) for one POST."""
        auth = headers.get("Authorization", "")
        if auth != "Bearer " + self.token:
            return 401, self.error(190, "Invalid OAuth access token", "OAuthException"), "auth"
        try:
            req = json.loads(body)
        except ValueError as e:
            return 400, self.error(100, "Invalid JSON: %s" % e), "json"
        kind = req.get("type") if isinstance(req, dict) else None
        if kind == "interactive":
            kind = (req.get("interactive") or {}).get("type")
        ref = self.refs.get(kind)
        if ref is None:
            return 400, self.error(100, "unknown message type %r" % kind), "type"
        problem = check_shape(ref, req)
        if problem:
            return 400, self.error(100, "(#100) Invalid parameter: " + problem), "shape"
        code = self.take_failure(req.get("to"))
        if code == 130429:
            return 400, self.err_rate, "130429"
        if code == 131047:
            return 400, self.err_window, "131047"
        if code is not None:
            return int(code) if 500 <= int(code) < 600 else 500, \
                self.error(2, "Service temporarily unavailable"), str(code)
        with self.lock:
            self.counter += 1
            n = self.counter
        out = json.loads(json.dumps(self.ok_template if kind == "template" else self.ok))
        out["contacts"][0]["input"] = req["to"]
        out["contacts"][0]["wa_id"] = req["to"]
        out["messages"][0]["id"] = "wamid.STANDIN%08d" % n
        return 200, out, "ok"

    def error(self, code, message, kind="OAuthException"):
        e = json.loads(json.dumps(self.err_generic))
        e["error"].update(code=code, message=message, type=kind, error_subcode=0,
                          fbtrace_id="standin")
        e["error"]["error_data"]["details"] = message
        return e


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go in two writes: without TCP_NODELAY the body waits
    # for the client's delayed ACK (40 ms a request on a kept-alive connection).
    disable_nagle_algorithm = True
    state = None

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client is gone (a test killed it): nothing to answer

    def send_bytes(self, status, content_type, data):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def record(self, entry):
        st = self.state
        with st.lock:
            st.requests.append(entry)
            if st.record:
                st.record.write(json.dumps(entry) + "\n")
                st.record.flush()

    def media_get(self):
        """GET /<version>/<media-id> or of a download URL; False for another path."""
        st = self.state
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if url.path == "/whatsapp_business/attachments/":
            media_id = (urllib.parse.parse_qs(url.query).get("mid") or [""])[0]
            status, kind, data = st.answer_download(self.headers, media_id)
            self.record({"method": "GET", "path": self.path, "status": status,
                         "checked": "download", "media_id": media_id, "body": None,
                         "bytes": len(data) if status == 200 else 0, "time": time.time()})
            self.send_bytes(status, kind, data)
            return True
        if len(parts) == 2 and parts[0].startswith("v") and parts[1]:
            media_id = urllib.parse.unquote(parts[1])
            base = "http://%s:%d" % self.server.server_address[:2]
            status, out = st.answer_media(self.headers, media_id, base)
            self.record({"method": "GET", "path": self.path, "status": status,
                         "checked": "media", "media_id": media_id, "body": None,
                         "answer": out, "time": time.time()})
            self.send_json(status, out)
            return True
        return False

    def do_GET(self):
        if self.path == "/_requests":
            with self.state.lock:
                self.send_json(200, list(self.state.requests))
        elif self.path == "/_count":
            with self.state.lock:
                reqs = self.state.requests
                ok = [q for q in reqs if q["status"] == 200]
                self.send_json(200, {"requests": len(reqs), "ok": len(ok),
                                     "first": reqs[0]["time"] if reqs else 0,
                                     "last_ok": ok[-1]["time"] if ok else 0})
        elif not self.media_get():
            self.send_json(404, {"error": "not found"})

    def do_POST(self):
        st = self.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path.startswith("/_"):
            args = json.loads(body or b"{}")
            with st.lock:
                if self.path == "/_fail":
                    st.failures += [(args.get("to", ""), c) for c in args["codes"]]
                elif self.path == "/_delay":
                    st.delay_ms = int(args["ms"])
                elif self.path == "/_media":
                    st.media[args["id"]] = {k: args[k] for k in ("mime_type", "size")
                                            if k in args}
                elif self.path == "/_media_fail":
                    st.media_failures += [(args.get("id", ""), args)] * int(args.get("count", 1))
                elif self.path == "/_reset":
                    st.requests, st.failures, st.delay_ms = [], [], 0
                    st.media, st.media_failures = {}, []
            self.send_json(200, {"ok": True})
            return
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[2] != "messages":
            self.send_json(404, st.error(803, "unknown path %s" % self.path))
            return
        status, out, checked = st.answer(self.headers, body)
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        entry = {"path": self.path, "status": status, "checked": checked, "body": req,
                 "answer": out, "time": time.time()}
        with st.lock:
            st.requests.append(entry)
            if st.record:
                st.record.write(json.dumps(entry) + "\n")
                st.record.flush()
            delay = st.delay_ms
        if delay:
            time.sleep(delay / 1000.0)
        self.send_json(status, out)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", required=True)
    ap.add_argument("--data", required=True, help="the shared data's whatsapp/send directory")
    ap.add_argument("--record", default="")
    args = ap.parse_args()
    Handler.state = State(args.data, args.token, args.record)
    server = Server(("127.0.0.1", args.port), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

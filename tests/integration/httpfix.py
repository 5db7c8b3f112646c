#!/usr/bin/env python3
"""httpfix: a scriptable HTTP server on 127.0.0.1 for spoke's API-target tests.

It records every request and answers from a script the test sets through /_fixture/:

  POST /_fixture/script     body: a JSON list of responses, consumed in order; replaces the
                            script (with ?append=1 adds to it). A response is an object:
                              {"status": 503, "headers": {"Retry-After": "1"}, "body": "...",
                               "delay_ms": 0, "drop": false,
                               "match": {"method": "POST", "path_prefix": "/contacts"}}
                            all keys optional (status 200, body ""). A request takes the first
                            entry whose "match" fits it (no "match" fits all); "drop": true
                            closes the connection without an answer. "body" may be a string or
                            any JSON value (sent as JSON); "{{n}}" in it becomes the request's
                            sequence number (1, 2, ...). "idempotent": true makes the
                            entry behave like an API that honours Idempotency-Key: a
                            request whose key was answered 2xx before gets that first
                            answer again (status, headers and body) instead of the entry's.
  POST /_fixture/default    body: one response, used when no script entry matches
                            (initially {"status": 200, "body": "{}"}).
  GET  /_fixture/script     the entries not consumed yet.
  GET  /_fixture/requests   the recorded requests, a JSON list of
                              {"n", "method", "path", "query", "headers" (names lower-cased),
                               "body" (text), "time" (arrival, seconds since the epoch),
                               "status" (what was answered; null when dropped),
                               "replayed" (true when an "idempotent" entry repeated an answer)}
  POST /_fixture/reset      clears requests, script and remembered answers, restores the
                            default, restarts n at 1.

Usage: httpfix.py --port-file FILE [--port N]. The port is written to FILE once listening.
Standard library only.
"""

import argparse
import copy
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CONTROL = "/_fixture/"
INITIAL_DEFAULT = {"status": 200, "body": "{}"}


class State:
    """Everything the handlers share; every access holds the lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.requests = []
        self.script = []
        self.default = copy.deepcopy(INITIAL_DEFAULT)
        self.seq = 0
        self.answers = {}  # Idempotency-Key -> (status, headers, body bytes) of a 2xx


STATE = State()


def matches(entry, method, path):
    m = entry.get("match")
    if not m:
        return True
    if "method" in m and m["method"].upper() != method:
        return False
    if "path_prefix" in m and not path.startswith(m["path_prefix"]):
        return False
    if "path" in m and path != m["path"]:
        return False
    return True


def body_bytes(body, n):
    if body is None:
        text = ""
    elif isinstance(body, str):
        text = body
    else:
        text = json.dumps(body)
    return text.replace("{{n}}", str(n)).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "httpfix/1"
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for
    # the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        sys.stderr.write("%.3f %s\n" % (time.time(), fmt % args))

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, body=b"", headers=None):
        headers = dict(headers or {})
        self.send_response(status)
        names = {k.lower() for k in headers}
        if "content-type" not in names and body:
            headers["Content-Type"] = "application/json"
        for k, v in headers.items():
            self.send_header(k, str(v))
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def send_json(self, value, status=200):
        self.send(status, json.dumps(value).encode("utf-8"))

    def control(self, path, query, body):
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError as e:
            self.send_json({"error": "bad JSON: %s" % e}, 400)
            return
        with STATE.lock:
            if self.command == "GET" and path == CONTROL + "requests":
                reply = copy.deepcopy(STATE.requests)
            elif self.command == "GET" and path == CONTROL + "script":
                reply = copy.deepcopy(STATE.script)
            elif self.command == "POST" and path == CONTROL + "script":
                if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
                    reply = None
                else:
                    if "append=1" not in query.split("&"):
                        STATE.script = []
                    STATE.script.extend(data)
                    reply = {"script": len(STATE.script)}
            elif self.command == "POST" and path == CONTROL + "default":
                if isinstance(data, dict):
                    STATE.default = data
                    reply = {"default": data}
                else:
                    reply = None
            elif self.command == "POST" and path == CONTROL + "reset":
                STATE.reset()
                reply = {"reset": True}
            else:
                self.send_json({"error": "unknown control request"}, 404)
                return
        if reply is None:
            self.send_json({"error": "expected a JSON list of objects (script) or an object"}, 400)
        else:
            self.send_json(reply)

    def handle_any(self):
        arrived = time.time()
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith(CONTROL):
            self.control(url.path, url.query, body.decode("utf-8", "replace"))
            return
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        with STATE.lock:
            STATE.seq += 1
            n = STATE.seq
            entry = None
            for i, e in enumerate(STATE.script):
                if matches(e, self.command, url.path):
                    entry = STATE.script.pop(i)
                    break
            if entry is None:
                entry = copy.deepcopy(STATE.default)
            key = headers.get("idempotency-key")
            replayed = bool(entry.get("idempotent")) and key in STATE.answers
            if replayed:
                status, reply_headers, reply = STATE.answers[key]
            else:
                status = int(entry.get("status", 200))
                reply_headers = entry.get("headers")
                reply = body_bytes(entry.get("body"), n)
                if entry.get("idempotent") and key and 200 <= status < 300 and not entry.get("drop"):
                    STATE.answers[key] = (status, reply_headers, reply)
            record = {
                "n": n,
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": headers,
                "body": body.decode("utf-8", "replace"),
                "time": arrived,
                "status": None if entry.get("drop") else status,
                "replayed": replayed,
            }
            STATE.requests.append(record)
        delay = entry.get("delay_ms", 0)
        if delay:
            time.sleep(delay / 1000.0)
        if entry.get("drop"):
            self.close_connection = True
            return
        self.send(status, reply, reply_headers)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


def main():
    ap = argparse.ArgumentParser(description="scriptable HTTP fixture")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

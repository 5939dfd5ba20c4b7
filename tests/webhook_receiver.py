"""A real local HTTP receiver for webhook tests: ``http.server`` in a thread, recording
each request (path, headers, raw body) and answering as the test tells it per path."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)


# path -> (status, response text), called once per request (may block)
Responder = Callable[["Received"], tuple[int, str]]


@dataclass
class Receiver:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    responders: dict[str, Responder] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    distinct: set[str] = field(default_factory=set)  # event ids seen, kept as they arrive

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str, responder: Responder) -> None:
        self.responders[path] = responder

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def event_ids(self, path: str = "/hook") -> list[str]:
        return [r.headers["kith-event-id"] for r in self.at(path)]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            got = Received(
                self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
            )
            responder = receiver.responders.get(self.path)
            status, text = responder(got) if responder else (200, "ok")
            with receiver.lock:
                receiver.received.append(got)
                receiver.distinct.add(got.headers.get("kith-event-id", ""))
            data = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the sender gave up (timeout)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

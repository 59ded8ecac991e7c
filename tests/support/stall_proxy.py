"""A TCP proxy that lets traffic through until a request matches, then stalls or cuts it.

Point a client at `proxy.url` instead of the real server. Every connection is forwarded both
ways, byte for byte. Once the client-to-server stream of a connection contains `trigger`
(e.g. b"POST /storage/v1/object/recordings/"), the proxy forwards `after` more bytes and then,
by `mode`:
- "stall": forwards nothing more from the client (what it sends is read and dropped, so the
  proxy still notices the client going away); the server waits for the rest of the body, the
  client for an answer: an upload hanging mid-way;
- "reset": closes both sides at once: the connection dies mid-request.
Only the first `times` matching requests are affected (None: all of them). `hits` counts them
and `event` is set at the first. Threads, blocking sockets; for tests only.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Literal

from stack.config import free_port


class StallProxy:
    def __init__(self, target_port: int, *, trigger: bytes, after: int = 1024,
                 mode: Literal["stall", "reset"] = "stall", times: int | None = 1,
                 target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.trigger, self.after, self.mode, self.times = trigger, after, mode, times
        self.port = free_port()
        self.hits = 0
        self.event = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closing = False
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._accept, daemon=True, name="stall-proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> StallProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (Linux)
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()
        self._thread.join(timeout=5)

    # -- plumbing ----------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._client_to_server, args=(client, upstream),
                             daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _claim_hit(self) -> bool:
        with self._lock:
            if self.times is not None and self.hits >= self.times:
                return False
            self.hits += 1
            self.event.set()
            return True

    @staticmethod
    def _close(*sockets: socket.socket) -> None:
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _client_to_server(self, client: socket.socket, upstream: socket.socket) -> None:
        seen = b""  # the tail of the stream, so a trigger split across reads still matches
        budget: int | None = None  # bytes still forwarded after the trigger
        try:
            while data := client.recv(65536):
                if budget is None:
                    window = seen + data
                    at = window.find(self.trigger)
                    if at < 0 or not self._claim_hit():
                        upstream.sendall(data)
                        seen = window[-len(self.trigger):]
                        continue
                    # Bytes of this read up to the trigger's end, then `after` more.
                    end = at + len(self.trigger) - len(seen)
                    budget = self.after
                    data_through, data = data[:max(end, 0)], data[max(end, 0):]
                    upstream.sendall(data_through)
                if budget:
                    upstream.sendall(data[:budget])
                    budget -= min(budget, len(data))
                if budget == 0:
                    if self.mode == "reset":
                        return
                    # Stalled: keep reading (and dropping) to notice the client going away.
                    while client.recv(65536):
                        pass
                    return
        except OSError:
            pass
        finally:
            self._close(client, upstream)

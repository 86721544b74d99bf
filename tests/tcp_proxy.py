"""A TCP proxy on 127.0.0.1 that a test cuts and restores (PostgreSQL, Redis).

Cut, it drops every connection it carries and closes each new one at once,
as a dead server or network would look to the service. The fault tests cut
PostgreSQL with it (tests/faults/), the cluster tests Redis (tests/scale/).
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


class TcpProxy:
    """127.0.0.1:``port`` forwarded to ``target``, until ``cut()``; ``restore()`` undoes it.

    Cut, it drops every connection it carries and closes each new one at once,
    as a dead server or network would look to the service.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._cut = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            carried, self._open = self._open, set()
        for sock in carried:
            _close(sock)

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if self._cut.is_set():
                _close(client)
                continue
            try:
                server = socket.create_connection(self._target)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with self._lock:
                self._open.discard(sock)
            _close(sock)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()

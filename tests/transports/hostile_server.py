"""A hostile HTTP server of the tests' own on 127.0.0.1: raw sockets, so a test controls every byte.

Each connection runs ``behaviour(conn)`` in a thread once the request head (and its body, by
``Content-Length``) has been read. A behaviour that stalls waits on ``conn.stopping`` (set when the server
stops), never on a sleep. :func:`black_hole` gives an address whose listener never accepts: its accept queue
is full, so a further connect is never answered.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: Longest any behaviour stalls (the server stops long before: each test ends by stopping it).
STALL = 60.0


@dataclass
class Conn:
    """One accepted connection: its socket, the request head and body, and the server's stop event."""

    sock: socket.socket
    head: bytes
    body: bytes
    stopping: threading.Event
    sent: list[int] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.head.split(b" ", 2)[1].decode()

    def send(self, data: bytes) -> None:
        """Send ``data``; a client that went away ends the behaviour quietly."""
        self.sock.sendall(data)
        self.sent.append(len(data))

    def stall(self) -> None:
        """Send nothing more until the server stops (the client must give up first)."""
        self.stopping.wait(STALL)


class HostileServer:
    """A threaded raw-socket server; ``base_url`` ends in ``/v1``. Use as a context manager."""

    def __init__(self, behaviour: Callable[[Conn], None]) -> None:
        self.behaviour = behaviour
        self.stopping = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.connections: list[Conn] = []
        self.requests = 0
        self.finished = threading.Event()  # set when a behaviour returns or fails
        self.errors: list[BaseException] = []
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> HostileServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (close alone does not)
        with contextlib.suppress(OSError):
            self.listener.close()
        for sock in list(self._socks):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(5)
        self._acceptor.join(5)

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self._socks.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            buffered = b""
            while b"\r\n\r\n" not in buffered:
                data = sock.recv(65536)
                if not data:
                    return
                buffered += data
            head, _, body = buffered.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                data = sock.recv(65536)
                if not data:
                    break
                body += data
            conn = Conn(sock, head, body, self.stopping)
            self.connections.append(conn)
            self.requests += 1
            self.behaviour(conn)
        except OSError:
            pass  # the client went away: what these servers are for
        except BaseException as exc:  # a broken behaviour must fail the test, not vanish
            self.errors.append(exc)
        finally:
            self.finished.set()


@contextlib.contextmanager
def black_hole() -> Iterator[str]:
    """A base URL whose listener never accepts and whose accept queue is full: connects hang."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        # Fill the accept queue: once a connect stops completing, the next one hangs too.
        for _ in range(16):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            fillers.append(filler)
            if filler.connect_ex(("127.0.0.1", port)) not in (0, 115):  # 115: EINPROGRESS
                break
            if not _connected(filler):
                break
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def _connected(sock: socket.socket) -> bool:
    import select

    _, writable, _ = select.select([], [sock], [], 0.2)
    if not writable:
        return False
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0


# ----------------------------------------------------------------- wire pieces

JSON_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"

CHAT_CHUNK = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n'
)
DONE = b"data: [DONE]\n\n"

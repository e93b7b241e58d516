"""Smoke tests for the real-server fixtures, using raw sockets only.

No bottom import on purpose: when these fail, the server install or the
fixtures are broken, not the library, and the failure says so directly.
"""

from __future__ import annotations

import socket
import ssl
import time
from types import TracebackType

from .servers import TLS_SERVER_HOSTNAME, RealServer

REPLY_TIMEOUT_SECONDS = 10.0
"""Generous: inspircd completes registration on a once-a-second tick (~1 s)."""


class RawClient:
    """A blocking IRC line reader/writer over a plain or TLS socket."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.unread = b""

    def __enter__(self) -> RawClient:
        return self

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, *lines: str) -> None:
        """Send lines in one write, CRLF-terminated."""
        self.connection.sendall("".join(f"{line}\r\n" for line in lines).encode())

    def read_line(self, deadline: float) -> str | None:
        """The next line without its line ending, or None once the server closed."""
        while b"\n" not in self.unread:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no complete line before the deadline; have {self.unread!r}")
            self.connection.settimeout(remaining)
            try:
                chunk = self.connection.recv(4096)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.unread += chunk
        line, self.unread = self.unread.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def read_until(self, command: str, timeout: float = REPLY_TIMEOUT_SECONDS) -> list[str]:
        """Lines up to and including the first with `command`, answering PINGs meanwhile."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            line = self.read_line(deadline)
            if line is None:
                raise AssertionError(f"closed while waiting for {command}; received {seen}")
            seen.append(line)
            if command_of(line) == "PING":
                self.send("PONG " + line.split("PING", 1)[1].lstrip())
            elif command_of(line) == command:
                return seen

    def read_until_closed(self, timeout: float = REPLY_TIMEOUT_SECONDS) -> list[str]:
        """Every line the server sends before it closes the connection."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while (line := self.read_line(deadline)) is not None:
            seen.append(line)
        return seen

    def close(self) -> None:
        """Say goodbye if the connection still works, then close it."""
        try:
            self.send("QUIT :smoke test done")
        except OSError:
            pass
        self.connection.close()


def command_of(line: str) -> str:
    """The command (or numeric) of a raw line, skipping tags and the source prefix."""
    words = line.split(" ")
    while words and (words[0].startswith(("@", ":")) or not words[0]):
        words.pop(0)
    return words[0].upper() if words else ""


def connect(server: RealServer, *, tls: bool = False) -> RawClient:
    """Open a connection to the server's plain or TLS port, verifying the certificate."""
    if not tls:
        return RawClient(socket.create_connection((server.host, server.port), timeout=5.0))
    context = ssl.create_default_context(cafile=str(server.cafile))
    raw = socket.create_connection((server.host, server.tls_port), timeout=5.0)
    return RawClient(context.wrap_socket(raw, server_hostname=TLS_SERVER_HOSTNAME))


def send_registration(client: RawClient, nick: str) -> None:
    """NICK and USER in one write, as a real client would."""
    client.send(f"NICK {nick}", f"USER {nick} 0 * :bottom smoke test")


def assert_welcomed(client: RawClient, nick: str) -> None:
    """Wait for 001 and check it is addressed to our nick."""
    welcome = client.read_until("001")[-1]
    assert welcome.split(" ")[2] == nick, welcome


def test_registers_over_plain_tcp(ircd: RealServer) -> None:
    with connect(ircd) as client:
        send_registration(client, "plain1")
        assert_welcomed(client, "plain1")


def test_registers_over_tls_with_the_generated_certificate(ircd: RealServer) -> None:
    with connect(ircd, tls=True) as client:
        assert isinstance(client.connection, ssl.SSLSocket)
        assert client.connection.version() in {"TLSv1.2", "TLSv1.3"}
        send_registration(client, "tls1")
        assert_welcomed(client, "tls1")


def test_oper_block_allows_oper_and_kill(ircd: RealServer) -> None:
    with connect(ircd) as oper, connect(ircd) as victim:
        # Both register within the same inspircd tick, so this costs ~1 s, not 2.
        send_registration(oper, "oper1")
        send_registration(victim, "victim1")
        assert_welcomed(oper, "oper1")
        assert_welcomed(victim, "victim1")

        oper.send(f"OPER {ircd.oper_name} {ircd.oper_password}")
        oper.read_until("381")
        oper.send("KILL victim1 :smoke test kill")

        last_lines = victim.read_until_closed()
        assert any(command_of(line) in {"KILL", "ERROR"} for line in last_lines), last_lines


def test_restart_closes_clients_and_serves_again_on_the_same_ports(ircd: RealServer) -> None:
    ports_before = (ircd.port, ircd.tls_port)
    pid_before = ircd.process_id()
    with connect(ircd) as before:
        send_registration(before, "before1")
        assert_welcomed(before, "before1")

        ircd.restart()

        before.read_until_closed()
    assert (ircd.port, ircd.tls_port) == ports_before
    assert ircd.process_id() != pid_before

    with connect(ircd) as after, connect(ircd, tls=True) as after_tls:
        send_registration(after, "after1")
        send_registration(after_tls, "aftertls1")
        assert_welcomed(after, "after1")
        assert_welcomed(after_tls, "aftertls1")

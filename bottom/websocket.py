"""IRC over WebSocket (IRCv3 ``text.ircv3.net`` / ``binary.ircv3.net``).

The optional extra ``bottom[websocket]`` supplies the ``websockets``
package; only its sans-I/O protocol is used, on the TCP (or TLS, or
proxied) transport :mod:`bottom.transport` opened.  :class:`WebSocketTransport`
then looks like any other transport to the client's connection: every
line written becomes one WebSocket message (without its CRLF), every
message received becomes one line, and flow control, keepalive and
events above it are the same as over TCP.  WebSocket PINGs from the
server are answered by the protocol itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from .errors import ConnectionFailed
from .proxy import Handshake

__all__ = ["SUBPROTOCOLS", "WebSocketTransport", "open_websocket", "require_websockets"]

log = logging.getLogger("bottom.websocket")

#: Offered in this order; ``binary`` carries any encoding unchanged, ``text``
#: needs UTF-8 (lines that are not are sent with replacement characters).
SUBPROTOCOLS = ("binary.ircv3.net", "text.ircv3.net")

_MAX_MESSAGE_BYTES = 1 << 20


def require_websockets() -> None:
    """Raise an ImportError naming the extra when ``websockets`` is missing."""
    try:
        import websockets.client  # noqa: F401
    except ImportError as exc:
        raise ImportError('transport="websocket" needs the websockets package: '
                          'pip install "bottom[websocket]"') from exc


async def open_websocket(raw: asyncio.Transport, holder: Handshake, protocol: asyncio.Protocol,
                         url: str, *, host: str, port: int) -> WebSocketTransport:
    """Upgrade ``raw`` to a WebSocket at ``url`` and attach ``protocol`` to it.

    :raises ConnectionFailed: the upgrade was refused or the server closed.
    """
    require_websockets()
    from websockets.client import ClientProtocol
    from websockets.typing import Origin, Subprotocol
    from websockets.uri import parse_uri

    uri = parse_uri(url)
    # Browsers always send an Origin and some servers (inspircd 3) refuse a
    # handshake without one: claim the server's own site.
    origin = Origin(f"{'https' if uri.secure else 'http'}://{urlsplit(url).netloc.rpartition('@')[2]}")
    ws = ClientProtocol(uri, origin=origin, max_size=_MAX_MESSAGE_BYTES,
                        subprotocols=[Subprotocol(s) for s in SUBPROTOCOLS])
    link = WebSocketTransport(raw, ws)
    ws.send_request(ws.connect())
    raw.set_protocol(link)
    link.flush()
    if holder.buffer:
        link.data_received(bytes(holder.buffer))
    if holder.lost:
        link.connection_lost(holder.error)
    elif holder.eof:
        link.eof_received()
    try:
        await link.upgraded
    except ConnectionError as exc:
        raise ConnectionFailed(f"WebSocket upgrade at {url} {exc}",
                               host=host, port=port) from exc
    link.attach(protocol)
    return link


class WebSocketTransport(asyncio.Transport, asyncio.Protocol):
    """The transport the connection writes lines to, over a WebSocket.

    It is also the protocol of the TCP/TLS transport underneath, where it
    turns bytes into frames and back.
    """

    def __init__(self, raw: asyncio.Transport, ws: Any) -> None:
        super().__init__()
        self._raw = raw
        self._ws = ws
        self._app: asyncio.Protocol | None = None
        self._pending = b""
        self._fragments: list[bytes] = []
        self._held: list[bytes] = []
        self._closing = False
        self.binary = True
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def attach(self, protocol: asyncio.Protocol) -> None:
        """Start delivering lines to ``protocol`` (after the upgrade)."""
        self._app = protocol
        protocol.connection_made(self)
        held, self._held = self._held, []
        for line in held:
            protocol.data_received(line)

    # -- the protocol of the transport underneath ------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        pass  # made with the transport already

    def data_received(self, data: bytes) -> None:
        self._ws.receive_data(data)
        self._process()

    def _process(self) -> None:
        from websockets.frames import Opcode
        from websockets.http11 import Response

        ws = self._ws
        for event in ws.events_received():
            if isinstance(event, Response):
                self._upgrade_answered(event)
            elif event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self._fragments.append(event.data)
                if event.fin:
                    line = b"".join(self._fragments).rstrip(b"\r\n") + b"\r\n"
                    self._fragments = []
                    self._deliver(line)
        if not self.upgraded.done() and ws.handshake_exc is not None:
            self._upgrade_answered(None)  # not even an HTTP answer
        self.flush()

    def _upgrade_answered(self, response: Any) -> None:
        if self.upgraded.done():
            return
        failure = self._ws.handshake_exc
        if failure is not None:
            # Our own words: websockets words these differently by version.
            if response is None:
                text = "failed: the answer is not HTTP, so this is not a WebSocket endpoint"
            elif response.status_code != 101:
                text = f"refused: HTTP {response.status_code} {response.reason_phrase}"
            else:
                text = f"failed: {failure}"
            self.upgraded.set_exception(ConnectionRefusedError(text.rstrip()))
            self._raw.abort()
            return
        self.binary = self._ws.subprotocol == "binary.ircv3.net"
        log.debug("WebSocket open, subprotocol %s", self._ws.subprotocol)
        self.upgraded.set_result(None)

    def _deliver(self, line: bytes) -> None:
        if self._app is None:
            self._held.append(line)
        else:
            self._app.data_received(line)

    def eof_received(self) -> bool:
        self._ws.receive_eof()
        self._process()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionResetError(
                "failed: the server closed the connection during the upgrade"
                + (f" ({exc})" if exc else "")))
            self.upgraded.exception()
            return
        close = self._ws.close_rcvd
        if exc is None and close is not None and close.code not in (1000, 1001):
            exc = ConnectionResetError(f"WebSocket closed by the server: code {close.code}"
                                       + (f" {close.reason}" if close.reason else ""))
        if self._app is not None:
            self._app.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._app is not None:
            self._app.pause_writing()

    def resume_writing(self) -> None:
        if self._app is not None:
            self._app.resume_writing()

    def flush(self) -> None:
        """Write what the WebSocket protocol has to send."""
        for chunk in self._ws.data_to_send():
            if chunk:
                self._raw.write(chunk)
            elif self._raw.can_write_eof() and not self._raw.is_closing():
                self._raw.write_eof()

    # -- the transport the connection sees -------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            return
        *lines, self._pending = (self._pending + bytes(data)).split(b"\n")
        ws = self._ws
        for line in lines:
            line = line.rstrip(b"\r")
            if self.binary:
                ws.send_binary(line)
            else:
                ws.send_text(line.decode("utf-8", "replace").encode())
        self.flush()

    def can_write_eof(self) -> bool:
        return False

    def is_closing(self) -> bool:
        return self._closing or self._raw.is_closing()

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        if not self._raw.is_closing():
            self._ws.send_close(1000)
            self.flush()
            self._raw.close()

    def abort(self) -> None:
        self._closing = True
        self._raw.abort()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "subprotocol":
            return self._ws.subprotocol
        return self._raw.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        assert isinstance(protocol, asyncio.Protocol)
        self._app = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self._app is not None
        return self._app

    def pause_reading(self) -> None:
        self._raw.pause_reading()

    def resume_reading(self) -> None:
        self._raw.resume_reading()

    def is_reading(self) -> bool:
        return self._raw.is_reading()

    def get_write_buffer_size(self) -> int:
        return self._raw.get_write_buffer_size()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._raw.set_write_buffer_limits(high, low)

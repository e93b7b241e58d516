"""Registration: PASS, NICK, USER, CAP, AUTHENTICATE (SASL PLAIN), MOTD, PING, PONG, QUIT."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from ..message import Message
from .commands import handles
from .wire import (
    _CHANNEL_FLAGS,
    _LS_BYTES,
    _SASL_CHUNK,
    _USER_FLAGS,
    _VERSION,
    _chunks,
    _fold,
    _valid_nick,
)

if TYPE_CHECKING:
    from .connection import ServerConnection

def _try_register(conn: ServerConnection) -> None:
    if conn.registered or not conn.nick or not conn.user or conn._cap_negotiating:
        return
    server = conn.server
    if server.password is not None and conn._password != server.password:
        conn._numeric("464", "Password incorrect")
        conn.close("Bad password")
        return
    conn.registered = True
    server._users.add(conn)
    conn._numeric("001", f"Welcome to the {server.network} IRC Network {conn.source}")
    conn._numeric("002", f"Your host is {server.name}, running version {_VERSION}")
    conn._numeric("003", "This server was created for a test")
    conn._numeric("004", server.name, _VERSION, _USER_FLAGS, _CHANNEL_FLAGS + "ov")
    tokens = [f"{k}={v}" if v else k for k, v in server.isupport.items()]
    for start in range(0, len(tokens), 13):
        conn._numeric("005", *tokens[start:start + 13], "are supported by this server")
    # A set kept up to date, not a count over server.connections: those
    # stay after closing, and a sum per registration made 10,000 clients
    # cost minutes (bench/hub.py).
    users = str(len(server._users))
    conn._numeric("251", f"There are {users} users and 0 invisible on 1 servers")
    conn._numeric("252", "0", "operator(s) online")
    conn._numeric("253", "0", "unknown connection(s)")
    conn._numeric("254", str(len(server._channels)), "channels formed")
    conn._numeric("255", f"I have {users} clients and 0 servers")
    motd(conn, Message("MOTD"))


@handles("MOTD")
def motd(conn: ServerConnection, msg: Message) -> None:
    if not conn.server.motd:
        conn._numeric("422", "MOTD File is missing")
        return
    conn._numeric("375", f"- {conn.server.name} Message of the Day -")
    for text in conn.server.motd:
        conn._numeric("372", f"- {text}")
    conn._numeric("376", "End of /MOTD command.")


@handles("PASS", 1)
def pass_(conn: ServerConnection, msg: Message) -> None:
    if conn.registered:
        conn._numeric("462", "You may not reregister")
    else:
        conn._password = msg.params[0]


@handles("USER", 4)
def user(conn: ServerConnection, msg: Message) -> None:
    if conn.registered:
        conn._numeric("462", "You may not reregister")
        return
    conn.user, conn.realname = msg.params[0], msg.params[3]
    _try_register(conn)


@handles("NICK")
def nick(conn: ServerConnection, msg: Message) -> None:
    new = msg.params[0] if msg.params else ""
    holder = conn.server._nicks.get(_fold(new))
    if not new:
        conn._numeric("431", "No nickname given")
    elif not _valid_nick(new, conn.server.nicklen):
        conn._numeric("432", new, "Erroneous nickname")
    elif holder is not None and holder is not conn:
        conn._numeric("433", new, "Nickname is already in use")
    elif new != conn.nick:
        old_source = conn.source
        if conn.nick:
            conn.server._nicks.pop(_fold(conn.nick), None)
        conn.server._nicks[_fold(new)] = conn
        conn.nick = new
        if conn.registered:
            for peer in conn._peers(include_self=True):
                peer._send(old_source, "NICK", (new,))
        _try_register(conn)


@handles("CAP", 1)
def cap(conn: ServerConnection, msg: Message) -> None:
    sub = msg.params[0].upper()
    arg = msg.params[1] if len(msg.params) > 1 else ""
    if sub in ("LS", "REQ") and not conn.registered:
        conn._cap_negotiating = True
    if sub == "LS":
        offered = conn.server.offered_caps(conn)
        v302 = arg.isdigit() and int(arg) >= 302
        chunks = _chunks((f"{k}={v}" if v and v302 else k for k, v in offered.items()),
                         _LS_BYTES)
        for chunk in chunks[:-1]:
            _cap(conn, "LS", "*", chunk)
        _cap(conn, "LS", chunks[-1])
    elif sub == "LIST":
        _cap(conn, "LIST", " ".join(sorted(conn.caps)))
    elif sub == "REQ":
        names = arg.split()
        offered = conn.server.offered_caps(conn)
        if not names or any(name.removeprefix("-") not in offered for name in names):
            _cap(conn, "NAK", arg)
            return
        for name in names:
            if name.startswith("-"):
                conn.caps.discard(name[1:])
            else:
                conn.caps.add(name)
        _cap(conn, "ACK", " ".join(names))
    elif sub == "END":
        conn._cap_negotiating = False
        _try_register(conn)
    else:
        conn._numeric("410", msg.params[0], "Invalid CAP command")


def _cap(conn: ServerConnection, *params: str) -> None:
    conn._send(conn.server.name, "CAP", (conn._name, *params))


@handles("AUTHENTICATE", 1)
def authenticate(conn: ServerConnection, msg: Message) -> None:
    arg = msg.params[0]
    if "sasl" not in conn.caps:
        conn._numeric("904", "SASL authentication failed")
    elif arg == "*":
        conn._sasl = None
        conn._numeric("906", "SASL authentication aborted")
    elif conn._sasl is None:
        if arg.upper() == "PLAIN":
            conn._sasl = ""
            conn._send(None, "AUTHENTICATE", ("+",), colon=False)
        else:
            conn._numeric("908", "PLAIN", "are available SASL mechanisms")
            conn._numeric("904", "SASL authentication failed")
    elif len(arg) > _SASL_CHUNK:
        conn._sasl = None
        conn._numeric("905", "SASL message too long")
    else:
        conn._sasl += "" if arg == "+" else arg
        if len(arg) < _SASL_CHUNK:  # a full chunk means more follows
            payload, conn._sasl = conn._sasl, None
            _sasl_plain(conn, payload)


def _sasl_plain(conn: ServerConnection, payload: str) -> None:
    accounts = conn.server.accounts or {}
    try:
        authzid, authcid, password = (
            base64.b64decode(payload, validate=True).decode().split("\0"))
    except ValueError:  # bad base64, bad UTF-8, not three fields
        authzid = authcid = password = ""
    if authcid and accounts.get(authcid) == password and authzid in ("", authcid):
        conn.account = authcid
        conn._numeric("900", conn.source, authcid, f"You are now logged in as {authcid}")
        conn._numeric("903", "SASL authentication successful")
    else:
        conn._numeric("904", "SASL authentication failed")


@handles("PING")
def ping(conn: ServerConnection, msg: Message) -> None:
    if msg.params:
        conn._send(conn.server.name, "PONG", (conn.server.name, msg.params[0]))
    else:
        conn._numeric("409", "No origin specified")


@handles("PONG")
def pong(conn: ServerConnection, msg: Message) -> None:
    """Recorded in :attr:`received` like every line; nothing to answer."""


@handles("QUIT")
def quit(conn: ServerConnection, msg: Message) -> None:
    text = msg.params[0] if msg.params else ""
    conn.close(f"Quit: {text}" if text else "Client Quit")

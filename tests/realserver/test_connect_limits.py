"""How many connections from one address the real servers take, and how fast.

The Hub's connect throttle defaults come from here (docs/hub.rst): open
``BURST`` connections from 127.0.0.1 at once, register each (NICK/USER in
one write), and count who gets 001 and who gets ERROR or a close.  The
servers run with the configs ``servers.py`` writes (per-IP limits lifted,
so more than a handful of test clients can connect; Debian's packaged
configs allow 5 (ngircd ``MaxConnectionsIP``) and 3 (inspircd
``localmax``) connections per address at a time, a cap on how many, not
on how fast).  Measured 2026-12-02: all of 1,000 at once registered on
both (ngircd in 1.6 s, inspircd in 2.0 s); nothing refused, nothing banned.
Print the figures with ``pytest tests/realserver/test_connect_limits.py -s``.
"""

from __future__ import annotations

import asyncio
import collections
import secrets
import time

import bottom

from .servers import RealServer

BURST = 200
"""Connections opened at once; 1,000 passed too, at more test time."""

TIMEOUT = 60.0


async def _register(server: RealServer, nick: str) -> tuple[str, float]:
    started = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection(server.host, server.port)
    except OSError as exc:
        return f"refused: {exc}", 0.0
    writer.write(f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode())
    try:
        while line := await reader.readline():
            words = line.decode(errors="replace").split()
            if len(words) > 1 and words[1] == "001":
                return "registered", time.monotonic() - started
            if words and words[0] == "ERROR":
                return " ".join(words), time.monotonic() - started
        return "closed", time.monotonic() - started
    finally:
        writer.close()


async def test_a_burst_of_connections_from_one_address_all_register(
        ircd: RealServer) -> None:
    prefix = "c" + secrets.token_hex(2)
    results = await asyncio.wait_for(asyncio.gather(
        *(_register(ircd, f"{prefix}{index}") for index in range(BURST))), TIMEOUT)
    outcomes = collections.Counter(outcome for outcome, _ in results)
    slowest = max(seconds for _, seconds in results)
    print(f"\n{ircd.name}: {BURST} connects at once from one address: {dict(outcomes)}, "
          f"all registered within {slowest:.2f} s")
    assert outcomes == {"registered": BURST}


async def test_a_hub_with_default_throttling_registers_every_client(
        ircd: RealServer) -> None:
    hub = bottom.Hub(reconnect=False)
    prefix = "h" + secrets.token_hex(2)
    for index in range(30):
        hub.create(ircd.host, ircd.port, ssl=False, nick=f"{prefix}{index}",
                   name=f"n{index}", ping_interval=None)
    started = time.monotonic()
    try:
        failed = await asyncio.wait_for(hub.connect(), TIMEOUT)
        took = time.monotonic() - started
        connected = [c for c in hub.clients.values() if not c.is_closing()]
        print(f"\n{ircd.name}: 30 clients through the default Hub throttle in {took:.2f} s")
        assert failed == {} and len(connected) == 30
    finally:
        await hub.disconnect()

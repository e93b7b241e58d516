"""bottom.sts: STS policies and their stores, and Client(sts=True) against scripted servers."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest

import bottom
from bottom.sts import (
    FileStsStore,
    MemoryStsStore,
    StsPolicy,
    decide,
    parse_policy,
    policy_port,
)
from bottom.testing import Server

TIMEOUT = 10.0


def test_parse_policy_reads_keys_values_and_bare_keys() -> None:
    assert parse_policy("port=6697,duration=300,preload") == {
        "port": "6697", "duration": "300", "preload": ""}


def test_a_plain_connection_is_told_to_upgrade_and_nothing_is_stored() -> None:
    store = MemoryStsStore()
    assert decide("port=6697,duration=300", "irc.test", 6667, secure=False, now=0,
                  store=store) == 6697
    assert store.get("irc.test") is None


@pytest.mark.parametrize("value", ["duration=300", "port=0", "port=70000", "port=x", ""])
def test_a_plain_connection_without_a_valid_port_stays(value: str) -> None:
    assert decide(value, "h", 6667, secure=False, now=0, store=MemoryStsStore()) is None


def test_a_tls_connection_stores_the_duration_for_its_own_port() -> None:
    store = MemoryStsStore()
    assert decide("port=1,duration=300", "IRC.test", 6697, secure=True, now=1000,
                  store=store) is None
    assert store.get("irc.test") == StsPolicy("IRC.test", 6697, 1300)
    assert policy_port(store, "irc.test", now=1299) == 6697


def test_a_policy_expires_and_duration_zero_removes_it() -> None:
    store = MemoryStsStore()
    decide("duration=10", "h", 6697, secure=True, now=0, store=store)
    assert policy_port(store, "h", now=10) is None and store.get("h") is None
    decide("duration=10", "h", 6697, secure=True, now=0, store=store)
    decide("duration=0", "h", 6697, secure=True, now=1, store=store)
    assert store.get("h") is None


def test_the_file_store_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "sts.json"
    FileStsStore(path).put(StsPolicy("irc.test", 6697, 5000.0))
    assert FileStsStore(path).get("irc.test") == StsPolicy("irc.test", 6697, 5000.0)
    store = FileStsStore(path)
    store.remove("irc.test")
    assert json.loads(path.read_text()) == {}


def test_an_unreadable_file_store_starts_empty_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "sts.json"
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="bottom"):
        assert FileStsStore(path).get("h") is None
    assert "unreadable" in caplog.text


def test_the_default_path_follows_xdg_state_home(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert FileStsStore().path == tmp_path / "bottom" / "sts.json"


# -- Client(sts=True) against scripted servers --------------------------------------

async def test_a_plain_connection_told_sts_moves_to_tls_on_that_port() -> None:
    async with Server(auto_respond=False) as plain, Server(auto_respond=False) as tls:
        store = MemoryStsStore()
        client = bottom.Client(plain.host, plain.port, ssl=False, nick="bot", sts=True,
                               sts_store=store, flood_control=False, connect_timeout=5)
        reasons: list[str] = []
        client.on("client_disconnect", lambda reason: reasons.append(reason))
        await client.connect()
        conn = await plain.wait_for_connection(timeout=10)
        await conn.wait_for_line("USER", timeout=10)
        conn.send_line(f":irc.test CAP * LS :sts=port={tls.port},duration=300 multi-prefix")
        # The client leaves and opens TLS on the advertised port: the plain
        # test server sees a TLS ClientHello, which is not IRC.
        await tls.wait_for_connection(timeout=10)
        assert (client.ssl, client.port) == (True, tls.port)
        assert reasons and reasons[0].startswith("STS")
        assert store.get(plain.host) is None  # stored only once TLS works
        await client.disconnect()


async def test_a_stored_policy_makes_connect_use_tls() -> None:
    async with Server(auto_respond=False) as tls:
        store = MemoryStsStore()
        store.put(StsPolicy(tls.host, tls.port, time.time() + 60))
        client = bottom.Client(tls.host, 1, ssl=False, sts=True, sts_store=store,
                               connect_timeout=5)
        connecting = asyncio.ensure_future(client.connect())
        conn = await tls.wait_for_connection(timeout=10)
        conn.reset()  # the test server speaks no TLS: end the handshake now
        with pytest.raises(bottom.ConnectionFailed):
            await connecting
        assert (client.ssl, client.port) == (True, tls.port)


# -- Client(sts=True) against bottom.testing's STS: plain port, then TLS -------------

async def test_the_test_server_moves_a_client_to_tls_and_the_policy_is_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with Server(sts_duration=300) as server:
        assert server.tls_port is not None and server.certfile is not None
        # Client(ssl=True) after the upgrade builds a default context: trust the cert.
        monkeypatch.setenv("SSL_CERT_FILE", str(server.certfile))
        store = MemoryStsStore()
        client = bottom.Client(server.host, server.port, ssl=False, nick="upgrader",
                               sts=True, sts_store=store, flood_control=False)
        ready = asyncio.ensure_future(client.wait("client_ready"))
        await client.connect()
        await asyncio.wait_for(ready, TIMEOUT)
        plain, tls = server.connections[0], server.connections[-1]
        assert not plain.secure and tls.secure and tls.nick == "upgrader"
        assert (client.ssl, client.port) == (True, server.tls_port)
        assert "sts" in client._session.cap.offered
        policy = store.get(server.host)
        assert policy is not None and policy.port == server.tls_port
        assert policy.expires == pytest.approx(time.time() + 300, abs=30)
        await client.disconnect()
        # The next client that asks for the plain port goes to TLS at once.
        again = bottom.Client(server.host, server.port, ssl=False, nick="again", sts=True,
                              sts_store=store, flood_control=False)
        ready = asyncio.ensure_future(again.wait("client_ready"))
        await again.connect()
        await asyncio.wait_for(ready, TIMEOUT)
        assert server.connections[-1].secure and len(server.connections) == 3
        await again.disconnect()


async def test_the_test_server_offers_sts_port_in_plain_and_duration_over_tls() -> None:
    async with Server(sts_duration=60) as server:
        assert server.tls_port is not None
        plain = bottom.Client(server.host, server.port, ssl=False, nick="p")
        secure = bottom.Client(server.host, server.tls_port,
                               ssl=server.client_ssl_context(), nick="s")
        for client in (plain, secure):
            ready = asyncio.ensure_future(client.wait("client_ready"))
            await client.connect()
            await asyncio.wait_for(ready, TIMEOUT)
        assert plain._session.cap.offered["sts"] == f"port={server.tls_port}"
        assert secure._session.cap.offered["sts"] == "duration=60"
        await plain.disconnect()
        await secure.disconnect()
    async with Server() as server:
        assert server.tls_port is None
        with pytest.raises(RuntimeError, match="tls=True"):
            server.client_ssl_context()
    with pytest.raises(ValueError, match="sts_duration"):
        Server(sts_duration=-1)

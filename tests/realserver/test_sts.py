"""STS against Debian's inspircd with its ircv3_sts module.

inspircd offers ``sts=port=<TLS port>`` on its plain listener; a
``Client(sts=True)`` must leave, come back over TLS on that port and
register there.  The TLS side's ``sts=duration=`` is only offered to a
client whose SNI name matches the configured host, and a client that
connects to 127.0.0.1 sends no SNI; what inspircd does there is asserted
as measured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

import bottom
from bottom.sts import MemoryStsStore

from .servers import RealServer, find_binary, inspircd_module_available, start_inspircd

TIMEOUT = 20.0
DURATION = 300


@pytest.fixture(scope="module")
def sts_inspircd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """An inspircd of its own (its config differs): sts on, for this module."""
    if find_binary("inspircd") is None:
        pytest.skip("inspircd not installed (apt-get install inspircd)")
    if not inspircd_module_available("ircv3_sts"):
        pytest.skip("this inspircd ships no m_ircv3_sts.so module: nothing offers STS")
    server = start_inspircd(tmp_path_factory.mktemp("inspircd-sts"), sts_duration=DURATION)
    try:
        yield server
    finally:
        server.stop()


async def test_a_plain_client_is_moved_to_tls_by_inspircd(
        sts_inspircd: RealServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server = sts_inspircd
    # The upgraded connection builds a default context: trust the test certificate.
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cafile))
    store = MemoryStsStore()
    client = bottom.Client(server.host, server.port, ssl=False, nick="stsbot", sts=True,
                           sts_store=store, flood_control=False)
    reasons: list[str] = []
    client.on("client_disconnect", lambda reason, **kw: reasons.append(reason))
    ready = asyncio.ensure_future(client.wait("client_ready"))
    try:
        await client.connect()
        await asyncio.wait_for(ready, TIMEOUT)
        assert (client.ssl, client.port) == (True, server.tls_port)
        assert reasons and reasons[0] == f"STS: moving to TLS on port {server.tls_port}"
        offered = client._session.cap.offered.get("sts")
        # Measured on inspircd 3.15: no SNI (an IP address), so no policy over TLS.
        assert offered is None
        assert store.get(server.host) is None
    finally:
        await client.disconnect()


async def test_the_plain_listener_offers_the_tls_port(sts_inspircd: RealServer) -> None:
    client = bottom.Client(sts_inspircd.host, sts_inspircd.port, ssl=False, nick="stsplain",
                           flood_control=False)  # sts=False: it stays and reads the offer
    ready = asyncio.ensure_future(client.wait("client_ready"))
    try:
        await client.connect()
        await asyncio.wait_for(ready, TIMEOUT)
        assert client._session.cap.offered["sts"] == f"port={sts_inspircd.tls_port}"
        assert not client.ssl
    finally:
        await client.disconnect()

"""One timer per loop for every client's keepalive check."""

from __future__ import annotations

import asyncio

import bottom
from bottom.lifecycle import _check_keepalive
from bottom.testing import Server
from bottom.ticker import RESOLUTION, Ticker, ticker_for


async def test_keys_fire_once_in_time_order_and_cancelled_ones_never() -> None:
    loop = asyncio.get_running_loop()
    fired: list[str] = []
    done = loop.create_future()

    def fire(key: str) -> None:
        fired.append(key)
        if key == "last":
            done.set_result(None)

    ticker: Ticker[str] = Ticker(loop, fire)
    now = loop.time()
    ticker.call_at(now + 0.3, "b")
    ticker.call_at(now + 0.01, "a")
    cancelled = ticker.call_at(now + 0.3, "c")
    ticker.cancel(cancelled, "c")
    ticker.call_at(now + 0.6, "last")
    await asyncio.wait_for(done, 10)
    assert fired == ["a", "b", "last"]
    assert len(ticker) == 0


async def test_a_key_never_fires_before_its_time() -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    ticker: Ticker[float] = Ticker(loop, lambda due: done.set_result(loop.time() - due))
    due = loop.time() + 0.1
    bucket = ticker.call_at(due, due)
    assert bucket >= due and bucket - due < RESOLUTION
    late = await asyncio.wait_for(done, 10)
    assert late >= -RESOLUTION / 2  # the loop may run a timer a hair early


async def test_many_clients_share_one_loop_timer(scripted: Server) -> None:
    clients = [bottom.Client(scripted.host, scripted.port, ssl=False) for _ in range(20)]
    for client in clients:
        await client.connect()
    ticker = ticker_for(asyncio.get_running_loop(), _check_keepalive)
    assert len(ticker) == 20
    armed = [h for h in asyncio.get_running_loop()._scheduled  # type: ignore[attr-defined]
             if not h.cancelled() and getattr(h._callback, "__self__", None) is ticker]
    assert len(armed) == 1
    for client in clients:
        await client.disconnect()
    assert len(ticker) == 0

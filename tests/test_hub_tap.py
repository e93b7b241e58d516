"""The Dispatcher hook a Hub uses to see every event of a client."""

from __future__ import annotations

import asyncio
from typing import Any

from bottom.dispatch import Dispatcher


async def test_tap_sees_every_event_after_the_handlers() -> None:
    dispatcher = Dispatcher()
    seen: list[tuple[str, Any]] = []
    dispatcher.on("privmsg", lambda message: seen.append(("handler", message)))
    dispatcher._tap = lambda name, kwargs: seen.append((name, kwargs["message"])) or None
    await dispatcher.trigger("privmsg", message="hi")
    await dispatcher.trigger("notice", message="ho")
    assert seen == [("handler", "hi"), ("PRIVMSG", "hi"), ("NOTICE", "ho")]


async def test_trigger_waits_for_the_tasks_the_tap_started() -> None:
    dispatcher = Dispatcher()
    release = asyncio.Event()
    finished: list[str] = []

    async def slow() -> None:
        await release.wait()
        finished.append("tap")

    dispatcher._tap = lambda name, kwargs: [asyncio.ensure_future(slow())]
    done = dispatcher.trigger("ping", message="x")
    await asyncio.sleep(0)
    assert not finished
    release.set()
    await asyncio.wait_for(done, 5)
    assert finished == ["tap"]

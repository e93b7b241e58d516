"""on/off/trigger/wait/wait_for, without a connection."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import pytest

import bottom
from bottom.dispatch import Dispatcher
from bottom.privmsg import privmsg_event, privmsg_parts


@pytest.fixture
def hub() -> Dispatcher:
    return Dispatcher()


def test_on_returns_the_function_unchanged(hub: Dispatcher) -> None:
    def handler(**kwargs: Any) -> None: ...

    assert hub.on("privmsg")(handler) is handler
    assert hub.on("notice", handler) is handler


@pytest.mark.parametrize("spelling", ["privmsg", " PRIVMSG ", "PrivMsg"])
def test_event_names_are_case_insensitive_and_stripped(hub: Dispatcher, spelling: str) -> None:
    seen = []
    hub.on(spelling, lambda **kw: seen.append(kw))
    hub.trigger("PRIVMSG", message="x")
    assert seen == [{"message": "x"}]


@pytest.mark.parametrize("registered, triggered", [
    ("001", "RPL_WELCOME"), ("rpl_welcome", "001"), ("RPL_BOUNCE", "005"),
    ("005", "rpl_isupport"), ("rpl_isupport", "RPL_BOUNCE"),
])
def test_numerics_and_aliases_are_one_event(hub: Dispatcher, registered: str,
                                            triggered: str) -> None:
    seen = []
    hub.on(registered, lambda **kw: seen.append(1))
    hub.trigger(triggered)
    assert seen == [1]


def test_handlers_receive_only_the_kwargs_they_name(hub: Dispatcher) -> None:
    seen = []

    @hub.on("privmsg")
    def handler(nick: str, message: str) -> None:
        seen.append((nick, message))

    hub.trigger("privmsg", nick="n", user="u", host="h", target="#c", message="hi")
    assert seen == [("n", "hi")]


def test_handlers_with_var_kwargs_receive_everything(hub: Dispatcher) -> None:
    seen = []
    hub.on("x", lambda a, **rest: seen.append((a, rest)))
    hub.trigger("x", a=1, b=2)
    assert seen == [(1, {"b": 2})]


async def test_a_handler_changing_its_kwargs_changes_nothing_for_the_next(
        hub: Dispatcher) -> None:
    # The kwargs are built once per line and shared by every handler's call;
    # each **kwargs handler must still get a dict of its own.
    seen: list[Any] = []

    def rewriter(**kwargs: Any) -> None:
        kwargs["message"] = "rewritten"
        del kwargs["nick"]
        kwargs["extra"] = True
        seen.append(sorted(kwargs))

    async def async_rewriter(**kwargs: Any) -> None:
        kwargs.clear()

    hub.on("privmsg", rewriter)
    hub.on("privmsg", async_rewriter)
    hub.on("privmsg", lambda **kwargs: seen.append(dict(kwargs)))
    hub.on("privmsg", lambda nick, message: seen.append((nick, message)))
    hub.on("privmsg", rewriter)
    waiting = asyncio.ensure_future(hub.wait("privmsg"))
    await asyncio.sleep(0)  # the wait is registered on its first step
    sent = {"nick": "n", "user": "u", "host": "h", "target": "#c", "message": "hi"}
    await hub.trigger("privmsg", **sent)
    changed = ["extra", "host", "message", "target", "user"]
    assert seen == [changed, sent, ("n", "hi"), changed]
    assert await waiting == sent


async def test_sync_and_async_handlers_start_in_registration_order(hub: Dispatcher) -> None:
    order: list[str] = []

    @hub.on("x")
    def first() -> None:
        order.append("sync 1")

    @hub.on("x")
    async def second() -> None:
        order.append("async 2 start")
        await asyncio.sleep(0)
        order.append("async 2 end")

    @hub.on("x")
    def third() -> None:
        order.append("sync 3")

    await hub.trigger("x")
    assert order == ["sync 1", "async 2 start", "sync 3", "async 2 end"]


async def test_trigger_awaitable_waits_for_every_handler(hub: Dispatcher) -> None:
    gate = asyncio.Event()
    finished = []

    @hub.on("x")
    async def slow() -> None:
        await gate.wait()
        finished.append(True)

    done = asyncio.ensure_future(_await(hub.trigger("x")))
    await asyncio.sleep(0)
    assert not done.done()
    gate.set()
    await asyncio.wait_for(done, 5)
    assert finished == [True]


async def _await(awaitable: Any) -> None:
    await awaitable


def test_a_coroutine_handler_that_never_waits_needs_no_running_loop(hub: Dispatcher) -> None:
    seen = []

    @hub.on("x")
    async def handler(value: int) -> None:
        seen.append(value)

    hub.trigger("x", value=3)
    assert seen == [3]


async def test_a_raising_handler_is_logged_and_others_still_run(
        hub: Dispatcher, caplog: pytest.LogCaptureFixture) -> None:
    seen = []

    @hub.on("x")
    def broken() -> None:
        raise RuntimeError("boom")

    @hub.on("x")
    async def broken_later() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("late boom")

    hub.on("x", lambda: seen.append(1))
    with caplog.at_level(logging.ERROR, logger="bottom"):
        await hub.trigger("x")
    assert seen == [1]
    messages = [r.getMessage() for r in caplog.records if r.name == "bottom"]
    assert len(messages) == 2
    assert all("X handler" in m for m in messages)
    assert all(r.exc_info for r in caplog.records if r.name == "bottom")


def test_off_removes_a_handler(hub: Dispatcher) -> None:
    seen = []

    def handler() -> None:
        seen.append(1)

    hub.on("x", handler)
    hub.off("X", handler)
    hub.trigger("x")
    assert seen == []


def test_off_of_an_unknown_handler_raises(hub: Dispatcher) -> None:
    with pytest.raises(ValueError, match="not a handler of X"):
        hub.off("x", print)


def test_on_refuses_something_that_is_not_callable(hub: Dispatcher) -> None:
    with pytest.raises(TypeError, match="callable"):
        hub.on("x", "not a function")  # type: ignore[call-overload]


async def test_wait_returns_the_next_occurrences_kwargs(hub: Dispatcher) -> None:
    waiter = asyncio.ensure_future(hub.wait("privmsg"))
    await asyncio.sleep(0)
    hub.trigger("PRIVMSG", message="one")
    hub.trigger("PRIVMSG", message="two")
    assert await asyncio.wait_for(waiter, 5) == {"message": "one"}


async def test_many_waiters_each_get_the_event(hub: Dispatcher) -> None:
    waiters = [asyncio.ensure_future(hub.wait("x")) for _ in range(3)]
    await asyncio.sleep(0)
    hub.trigger("x", n=1)
    results = await asyncio.wait_for(asyncio.gather(*waiters), 5)
    assert results == [{"n": 1}] * 3
    results[0]["n"] = 99
    assert results[1] == {"n": 1}, "each waiter gets its own copy"


async def test_a_cancelled_wait_does_not_disturb_other_waiters(hub: Dispatcher) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(hub.wait("x"), 0.01)
    other = asyncio.ensure_future(hub.wait("x"))
    seen = []
    hub.on("x", lambda **kw: seen.append(kw))
    await asyncio.sleep(0)
    hub.trigger("x", n=2)
    assert await asyncio.wait_for(other, 5) == {"n": 2}
    assert seen == [{"n": 2}]


async def test_no_waiter_table_is_kept_once_every_wait_ended(hub: Dispatcher) -> None:
    # An idle client waited once (for CLIENT_READY); an emptied dict would
    # keep its table for the client's life.
    empty = sys.getsizeof({})
    got = asyncio.ensure_future(hub.wait("x"))
    await asyncio.sleep(0)
    assert sys.getsizeof(hub._waiters) > empty
    hub.trigger("x", n=1)
    assert await asyncio.wait_for(got, 5) == {"n": 1}
    assert hub._waiters == {} and sys.getsizeof(hub._waiters) == empty
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(hub.wait("y"), 0.01)
    assert hub._waiters == {} and sys.getsizeof(hub._waiters) == empty


async def test_wait_for_first_returns_the_first_event_and_cancels_the_rest(
        hub: Dispatcher) -> None:
    task = asyncio.ensure_future(bottom.wait_for(hub, ["RPL_ENDOFMOTD", "ERR_NOMOTD"]))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    hub.trigger("422", message="no motd")
    assert await asyncio.wait_for(task, 5) == [{"message": "no motd", "event": "ERR_NOMOTD"}]
    assert not hub._waiters.get("RPL_ENDOFMOTD") or all(
        f.cancelled() for f in hub._waiters["RPL_ENDOFMOTD"])


async def test_wait_for_all_returns_one_result_per_event_in_order(hub: Dispatcher) -> None:
    task = asyncio.ensure_future(bottom.wait_for(hub, ["a", "b"], mode="all"))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    hub.trigger("b", n=2)
    await asyncio.sleep(0)
    assert not task.done()
    hub.trigger("a", n=1)
    assert await asyncio.wait_for(task, 5) == [{"n": 1, "event": "A"}, {"n": 2, "event": "B"}]


async def test_wait_for_first_lists_events_that_came_together_in_arrival_order(
        hub: Dispatcher) -> None:
    task = asyncio.ensure_future(bottom.wait_for(hub, ["318", "401"]))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    hub.trigger("ERR_NOSUCHNICK", nick="ghost")
    hub.trigger("RPL_ENDOFWHOIS", nick="ghost")
    assert await asyncio.wait_for(task, 5) == [
        {"nick": "ghost", "event": "ERR_NOSUCHNICK"},
        {"nick": "ghost", "event": "RPL_ENDOFWHOIS"}]


async def test_wait_for_rejects_an_unknown_mode(hub: Dispatcher) -> None:
    with pytest.raises(ValueError, match="mode"):
        await bottom.wait_for(hub, ["a"], mode="any")  # type: ignore[arg-type]


async def test_cancelling_a_suspended_handler_task_cancels_what_it_awaits(
        hub: Dispatcher) -> None:
    started = asyncio.Event()
    inner: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    outcome = []

    @hub.on("x")
    async def handler() -> None:
        started.set()
        try:
            await inner
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    waiter = hub.trigger("x")
    await started.wait()
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert inner.cancelled()
    assert outcome == ["cancelled"]
    del waiter


async def test_a_coroutine_handler_runs_as_its_own_task(hub: Dispatcher) -> None:
    caller = asyncio.current_task()
    seen: list[object] = []

    @hub.on("x")
    async def handler() -> None:
        seen.append(asyncio.current_task())
        await asyncio.sleep(0)
        seen.append(asyncio.current_task())

    await hub.trigger("x")
    assert seen[0] is not None and seen[0] is not caller
    assert seen[0] is seen[1]
    assert asyncio.current_task() is caller


@pytest.mark.skipif(not hasattr(asyncio, "timeout"), reason="asyncio.timeout is 3.11+")
async def test_a_handler_may_use_asyncio_timeout_before_its_first_await(
        hub: Dispatcher) -> None:
    outcome: list[str] = []

    @hub.on("x")
    async def handler() -> None:
        try:
            async with asyncio.timeout(0.01):  # type: ignore[attr-defined]
                await asyncio.Event().wait()
        except TimeoutError:
            outcome.append("timed out")

    await asyncio.wait_for(hub.trigger("x"), 5)
    assert outcome == ["timed out"]


async def test_a_handlers_context_variables_do_not_leak_to_other_handlers(
        hub: Dispatcher) -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[str] = []

    @hub.on("x")
    async def setter() -> None:
        var.set("set by a handler")

    hub.on("x", lambda: seen.append(var.get()))
    await hub.trigger("x")
    assert seen == ["unset"]
    assert var.get() == "unset"


def test_a_handler_is_skipped_quietly_when_the_event_lacks_a_kwarg_it_needs(
        hub: Dispatcher, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[object] = []
    hub.on("privmsg", lambda nick, message: seen.append(message))
    hub.on("privmsg", lambda nick, message="(none)": seen.append(message))
    hub.on("privmsg", lambda **kwargs: seen.append(sorted(kwargs)))
    with caplog.at_level(logging.WARNING, logger="bottom"):
        hub.trigger("privmsg", nick="n", params=["#c"])
    assert seen == ["(none)", ["nick", "params"]]
    assert not caplog.records


class _Bot:
    def __init__(self) -> None:
        self.seen: list[object] = []

    def on_message(self, message: str) -> None:
        self.seen.append(message)

    def on_pair(self, nick: str, message: str) -> None:
        self.seen.append((nick, message))


def test_every_signature_shape_gets_the_kwargs_it_names(hub: Dispatcher) -> None:
    seen: list[object] = []
    bot = _Bot()
    hub.on("privmsg", lambda: seen.append("none"))
    hub.on("privmsg", lambda message: seen.append(message))
    hub.on("privmsg", lambda message, nick: seen.append((message, nick)))
    hub.on("privmsg", lambda *, nick, message: seen.append(("kw", nick, message)))
    hub.on("privmsg", lambda nick, *, message: seen.append(("mixed", nick, message)))
    hub.on("privmsg", lambda message, *rest: seen.append(("rest", message, rest)))
    hub.on("privmsg", lambda nick, tags=None: seen.append(("default", nick, tags)))
    hub.on("privmsg", lambda nick, missing="d": seen.append(("absent", nick, missing)))
    hub.on("privmsg", bot.on_message)
    hub.on("privmsg", bot.on_pair)
    hub.trigger("privmsg", nick="n", target="#c", message="hi", tags={})
    assert seen == ["none", "hi", ("hi", "n"), ("kw", "n", "hi"), ("mixed", "n", "hi"),
                    ("rest", "hi", ()), ("default", "n", {}), ("absent", "n", "d")]
    assert bot.seen == ["hi", ("n", "hi")]


def test_a_handlers_own_key_error_is_logged_not_taken_for_a_missing_kwarg(
        hub: Dispatcher, caplog: pytest.LogCaptureFixture) -> None:
    def one(message: str) -> None:
        raise KeyError("own")

    def two(nick: str, message: str) -> None:
        raise KeyError("own too")

    hub.on("privmsg", one)
    hub.on("privmsg", two)
    with caplog.at_level(logging.ERROR, logger="bottom"):
        hub.trigger("privmsg", nick="n", message="hi")
    assert [r.exc_info[1].args for r in caplog.records if r.exc_info] == [("own",), ("own too",)]


async def test_a_coroutine_handler_raising_before_it_waits_is_logged_at_once(
        hub: Dispatcher, caplog: pytest.LogCaptureFixture) -> None:
    @hub.on("x")
    async def broken() -> None:
        raise RuntimeError("early boom")

    with caplog.at_level(logging.ERROR, logger="bottom"):
        waiter = hub.trigger("x")  # logged inside trigger, before any await
        records = [r for r in caplog.records if r.name == "bottom"]
        assert [r.exc_info[1].args for r in records if r.exc_info] == [("early boom",)]
    await waiter


async def test_a_trigger_from_inside_a_task_starts_handlers_as_their_own_tasks(
        hub: Dispatcher) -> None:
    seen: list[object] = []

    @hub.on("x")
    async def handler() -> None:
        seen.append(asyncio.current_task())

    async def caller() -> object:
        await hub.trigger("x")
        return asyncio.current_task()

    outer = await asyncio.create_task(caller())
    assert seen and seen[0] is not None and seen[0] is not outer


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12+ always has eager Tasks")
async def test_on_a_loop_without_asyncios_ready_queue_handlers_start_at_the_next_turn(
        hub: Dispatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    import bottom.eager

    # Stand in for a loop of another kind (uvloop): bottom cannot find the
    # Task's first step, so the Task runs it itself, a turn later.
    fake = types.SimpleNamespace(deque=type("NotADeque", (), {}))
    monkeypatch.setattr(bottom.eager, "collections", fake)
    order: list[str] = []

    @hub.on("x")
    async def coroutine_handler() -> None:
        order.append("coroutine")

    hub.on("x", lambda: order.append("plain"))
    waiter = hub.trigger("x")
    assert order == ["plain"]
    await asyncio.wait_for(waiter, 5)
    assert order == ["plain", "coroutine"]


# --- a plain PRIVMSG given as values ------------------------------------------

PLAIN = "@time=2026-11-23T17:00:00.000Z;msgid=a\\sb :n!u@h PRIVMSG #c :hi there"


def _record(seen: list[Any], label: str) -> list[Any]:
    """Handlers of every shape, each recording what it got under ``label``."""
    def kwargs_form(**kwargs: Any) -> None:
        seen.append((label, "kwargs", kwargs))

    def one(message: str) -> None:
        seen.append((label, "one", message))

    def several(nick: str, target: str, message: str) -> None:
        seen.append((label, "several", (nick, target, message)))

    def with_tags(tags: dict[str, str], message: str) -> None:
        seen.append((label, "tags", (tags, message)))

    def keyword_only(*, host: str, message: str) -> None:
        seen.append((label, "keyword-only", (host, message)))

    def default_for_missing(message: str, args: list[str] | None = None) -> None:
        seen.append((label, "missing", (message, args)))

    def needs_missing(message: str, command: str) -> None:  # never called for a plain line
        seen.append((label, "needs-missing", (message, command)))

    def nothing() -> None:
        seen.append((label, "nothing", None))

    return [kwargs_form, one, several, with_tags, keyword_only, default_for_missing,
            needs_missing, nothing]


def test_privmsg_values_reach_every_handler_shape_as_the_kwargs_would(hub: Dispatcher) -> None:
    seen: list[Any] = []
    by_values, by_kwargs = Dispatcher(), Dispatcher()
    for handler in _record(seen, "values"):
        by_values.on("privmsg", handler)
    for handler in _record(seen, "kwargs"):
        by_kwargs.on("privmsg", handler)
    parts = privmsg_parts(PLAIN)
    assert parts is not None
    by_values._dispatch_privmsg(*parts)
    by_kwargs._dispatch("PRIVMSG", privmsg_event(PLAIN) or {})
    got_values = [entry[1:] for entry in seen if entry[0] == "values"]
    got_kwargs = [entry[1:] for entry in seen if entry[0] == "kwargs"]
    assert got_values == got_kwargs
    assert [shape for shape, _ in got_values] == [
        "kwargs", "one", "several", "tags", "keyword-only", "missing", "nothing"]
    assert got_values[0][1] == {"tags": {"time": "2026-11-23T17:00:00.000Z", "msgid": "a b"},
                                "nick": "n", "user": "u", "host": "h", "target": "#c",
                                "message": "hi there"}


@pytest.mark.parametrize("wants, decoded", [
    (lambda message: None, False),
    (lambda nick, target, message: None, False),
    (lambda *, message: None, True),  # called by name, from the kwargs dict
    (lambda tags: None, True),
    (lambda message, tags=None: None, True),
    (lambda **kwargs: None, True),
], ids=["one", "several", "keyword-only", "tags", "tags with a default", "kwargs"])
def test_privmsg_tags_are_decoded_only_when_a_handler_gets_them(
        hub: Dispatcher, wants: Any, decoded: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    decodes = _count_tag_decodes(monkeypatch)
    hub.on("privmsg", wants)
    parts = privmsg_parts(PLAIN)
    assert parts is not None
    hub._dispatch_privmsg(*parts)
    assert decodes == (["time=2026-11-23T17:00:00.000Z;msgid=a\\sb"] if decoded else [])


def _count_tag_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tag sections the dispatcher decodes from now on."""
    decodes: list[str] = []
    parse_tags = bottom.privmsg.parse_tags

    def counting(text: str) -> dict[str, str]:
        decodes.append(text)
        return parse_tags(text)
    monkeypatch.setattr("bottom.privmsg.parse_tags", counting)
    return decodes


def test_privmsg_tags_are_decoded_again_after_the_last_handler_that_got_them_is_gone(
        hub: Dispatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    def with_tags(tags: dict[str, str]) -> None: ...

    hub.on("privmsg", lambda message: None)
    hub.on("privmsg", with_tags)
    hub.off("privmsg", with_tags)
    decodes = _count_tag_decodes(monkeypatch)
    parts = privmsg_parts(PLAIN)
    assert parts is not None
    hub._dispatch_privmsg(*parts)
    assert decodes == []


async def test_a_privmsg_waiter_gets_decoded_kwargs_even_when_no_handler_wants_tags(
        hub: Dispatcher) -> None:
    hub.on("privmsg", lambda message: None)
    waiting = hub.waiter("privmsg")
    parts = privmsg_parts(PLAIN)
    assert parts is not None
    hub._dispatch_privmsg(*parts)
    kwargs = await waiting
    assert kwargs["tags"] == {"time": "2026-11-23T17:00:00.000Z", "msgid": "a b"}
    assert kwargs == privmsg_event(PLAIN)


async def test_a_handler_that_starts_waiting_for_privmsg_gets_decoded_kwargs(
        hub: Dispatcher) -> None:
    futures: list[asyncio.Future[dict[str, Any]]] = []

    def starts_waiting(message: str) -> None:
        futures.append(hub.waiter("privmsg"))

    hub.on("privmsg", starts_waiting)
    parts = privmsg_parts(PLAIN)
    assert parts is not None
    hub._dispatch_privmsg(*parts)
    assert futures and futures[0].done()
    assert futures[0].result() == privmsg_event(PLAIN)


def test_a_privmsg_handler_that_raises_is_logged_and_the_next_one_runs(
        hub: Dispatcher, caplog: pytest.LogCaptureFixture) -> None:
    seen = []

    def broken(message: str) -> None:
        raise RuntimeError("boom")

    hub.on("privmsg", broken)
    hub.on("privmsg", lambda nick, message: seen.append((nick, message)))
    parts = privmsg_parts(PLAIN)
    assert parts is not None
    with caplog.at_level(logging.ERROR, logger="bottom"):
        hub._dispatch_privmsg(*parts)
    assert seen == [("n", "hi there")]
    assert "error in PRIVMSG handler" in caplog.text

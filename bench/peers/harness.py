"""What every client program in bench/peers/ shares: its command line, the
handler counter, the parse timer and the RSS reader.

Each program runs in its own interpreter (a peer library's virtualenv, on
the Python that library supports, 3.9 and up), so this module uses the
standard library only and no syntax newer than 3.9.  A program prints one
JSON object on stdout and exits 0, also when its library cannot do what
was asked (``{"error": ...}``); the orchestrators in bench/ read that line.

Subcommands, the same for every program::

    dispatch --port P --lines N --mode sync|async [--gc on|off]
             [--form message|named|kwargs] [--state on|off]
    parse    --corpus FILE --repeats R
    memory   --port P --clients K [--quiet SECONDS]

``dispatch`` counts PRIVMSG handler calls against bench/dispatch.py's
blasting server; ``--gc off`` disables the collector for the run and
reports what ``gc.collect()`` then finds (``unreachable``).  ``--form``
is how the handler is written (:data:`FORMS`); a library whose API has a
single handler shape declares no forms and runs that shape whatever is
asked, reporting ``"form": "native"``.  ``--state on`` asks for the
library's network-state tracking (only programs that declare it).
``parse`` times the library's line parser against ``line.split(" ")``
over a corpus file (one line per line).  ``memory`` holds K idle
registered clients against ``python -m bottom.testing`` and reports the
RSS they added right after the last registration and again after
``--quiet`` seconds of idling (timers and buffers made after
registration count); it prints a first JSON line with ``"phase":
"registered"`` as soon as the first figure is known, so an orchestrator
can start the next program while this one sits out its quiet period.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["FORMS", "NATIVE", "Counter", "DispatchRun", "MemoryRun", "Options", "ParseLoop",
           "main", "memory_nick", "raise_nofile", "rss_kib", "wait_thread"]

HOST = "127.0.0.1"
#: The line that makes the blasting server start (peers send USER instead).
BLAST = "BLAST"
#: Seconds a run may take before it counts as failed.
TIMEOUT = 600.0
#: Seconds a closed connection's last handler calls may take to come in.
_GRACE = 5.0
#: How a handler is written: ``def h(message)``, ``def h(nick, target,
#: message)`` (the library's names for them), ``def h(**kwargs)``.
FORMS = ("message", "named", "kwargs")
#: The form a library with one handler shape reports.
NATIVE = "native"


class Options:
    """What a dispatch run asks of a program besides port and counter."""

    __slots__ = ("form", "state")

    def __init__(self, form: str, state: bool) -> None:
        self.form = form
        """One of :data:`FORMS`, or :data:`NATIVE` for a one-shape library."""
        self.state = state
        """Track network state (only for programs that declare they can)."""


class Counter:
    """Counts handler calls and notes when the ``n``-th one happened.

    A program calls :meth:`start` just before it sends the line that makes
    the server blast (a peer whose connect sends NICK/USER itself: just
    before connecting; on loopback that adds well under a millisecond),
    then :meth:`hit` from its handler.  ``gc.get_stats()`` is read at both
    ends, so the collections the run caused are known.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self.started = 0.0
        self.finished = 0.0
        self.error: str | None = None
        self._gc_before: list[int] = []
        self._gc_after: list[int] = []
        self._event = threading.Event()
        self._future: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._gc_before = _collections()
        self.started = time.perf_counter()

    def hit(self) -> None:
        self.count += 1
        if self.count == self.n:
            self.finished = time.perf_counter()
            self._gc_after = _collections()
            self._wake()

    def fail(self, reason: str) -> None:
        """The connection ended: give up unless ``n`` calls are counted soon.

        Soon, not now: a library that runs handlers in Tasks may see the
        connection close while the last lines' Tasks are still queued.
        """
        if self.done:
            return
        try:
            asyncio.get_running_loop().call_later(_GRACE, self._give_up, reason)
        except RuntimeError:  # a threaded peer
            timer = threading.Timer(_GRACE, self._give_up, (reason,))
            timer.daemon = True
            timer.start()

    def _give_up(self, reason: str) -> None:
        if not self.done:
            self.error = f"{reason} after {self.count:,} of {self.n:,} handler calls"
            self._wake()

    @property
    def done(self) -> bool:
        return self._event.is_set()

    def _wake(self) -> None:
        self._event.set()
        future, loop = self._future, self._loop
        if future is None or loop is None:
            return
        if threading.current_thread() is threading.main_thread():
            _resolve(future)
        else:
            loop.call_soon_threadsafe(_resolve, future)

    async def wait(self) -> None:
        """Return once ``n`` calls were counted or :meth:`fail` was called."""
        if self._event.is_set():
            return
        self._loop = asyncio.get_running_loop()
        self._future = self._loop.create_future()
        try:
            await asyncio.wait_for(self._future, TIMEOUT)
        except asyncio.TimeoutError:  # not the builtin TimeoutError before 3.11
            pass  # result() reports it

    def result(self) -> dict[str, Any]:
        if self.error is not None:
            return {"error": self.error}
        if not self.done:
            return {"error": f"timed out after {self.count:,} of {self.n:,} handler calls"}
        seconds = self.finished - self.started
        gen0, _, gen2 = (after - before for after, before
                         in zip(self._gc_after, self._gc_before))  # noqa: B905 (3.9)
        return {"rate": self.n / seconds, "seconds": seconds, "lines": self.n,
                "gc_gen0": gen0, "gc_gen2": gen2}


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def wait_thread(counter: Counter) -> None:
    """:meth:`Counter.wait` for a program whose handlers run in threads."""
    counter._event.wait(TIMEOUT)


def _collections() -> list[int]:
    return [generation["collections"] for generation in gc.get_stats()]


# Aliases are evaluated at run time, on 3.9 too: no ``X | Y`` in them.

#: ``run(port, counter, options)`` connects, makes the server blast and
#: returns once ``counter`` is done; a coroutine function, or a plain one
#: (threaded peers).
DispatchRun = Callable[[int, Counter, Options], Any]
#: ``loop(lines)`` parses every line once and drops the results; the lines
#: are ``str``, or ``bytes`` after a ``parse_lines`` that encodes them.
ParseLoop = Callable[[list[Any]], None]
#: ``run(port, clients)`` returns (or, as a coroutine, resolves to) an object
#: holding ``clients`` idle clients, once all of them are registered.
MemoryRun = Callable[[int, int], Any]


def memory_nick(index: int) -> str:
    """The nick of a memory run's ``index``-th client.

    bench/memory.py and compare.py run several memory programs at once
    against one test server; with the same nicks in each, every client of
    the second program met a 433 (and libraries that do not pick another
    nick never registered).  A prefix from the process id keeps them
    apart, in 9 characters up to 10,000 clients.
    """
    pid, prefix = os.getpid() % 36 ** 3, ""
    for _ in range(3):
        pid, digit = divmod(pid, 36)
        prefix += "0123456789abcdefghijklmnopqrstuvwxyz"[digit]
    return f"m{prefix}c{index}"


def rss_kib() -> int:
    """This process's resident set size in KiB (``VmRSS``; Linux only)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status: RSS is read on Linux only")


def raise_nofile(wanted: int = 4096) -> None:
    """Lift the open-files soft limit (to the hard limit at most): a
    thousand clients need a thousand sockets.  Children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _floor_loop(lines: list[Any]) -> None:
    # Bytes for a parser that takes bytes (pydle), so the floor splits the
    # same objects the parser gets.
    space: Any = b" " if lines and isinstance(lines[0], bytes) else " "
    for line in lines:
        line.split(space)


def _time_parse(loop: ParseLoop, lines: list[str], repeats: int) -> dict[str, Any]:
    """bench/parse.py's method: variant and floor in turn, the order
    alternating, the collector emptied before each timed run."""
    loop(lines[:2000])
    _floor_loop(lines[:2000])
    variant_seconds: list[float] = []
    floor_seconds: list[float] = []
    for repeat in range(repeats):
        order = [(loop, variant_seconds), (_floor_loop, floor_seconds)]
        for run, seconds in order if repeat % 2 == 0 else order[::-1]:
            gc.collect()
            start = time.perf_counter()
            run(lines)
            seconds.append(time.perf_counter() - start)
    rates = [len(lines) / elapsed for elapsed in variant_seconds]
    ratios = [v / f for v, f in zip(variant_seconds, floor_seconds)]  # noqa: B905 (3.9)
    return {"rate": statistics.median(rates), "min": min(rates), "max": max(rates),
            "floor_rate": statistics.median(len(lines) / s for s in floor_seconds),
            "ratio": statistics.median(ratios), "lines": len(lines)}


def _run(function: Callable[..., Any], *args: Any) -> None:
    """Call a program's function; run it on a fresh loop if it is a coroutine."""
    result = function(*args)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


def _dispatch(run: DispatchRun, port: int, lines: int, collect: bool,
              options: Options) -> dict[str, Any]:
    counter = Counter(lines)
    if not collect:
        gc.collect()
        gc.disable()
    _run(run, port, counter, options)
    result = counter.result()
    if not collect:
        # Everything the run left that only the collector can free: cycles.
        result["unreachable"] = gc.collect()
        gc.enable()
    return result


def _memory(run: MemoryRun, port: int, clients: int, quiet: float,
            head: dict[str, Any]) -> dict[str, Any]:
    raise_nofile(clients * 2 + 100)
    out: dict[str, Any] = {"clients": clients, "quiet_seconds": quiet}

    async def hold() -> None:
        # Every sample inside the running loop, so the loop itself is in
        # no difference; the later ones with every client still held.
        gc.collect()
        before = out["rss_before_kib"] = rss_kib()
        held = run(port, clients)
        if asyncio.iscoroutine(held):
            held = await held
        gc.collect()
        after = out["rss_after_kib"] = rss_kib()
        out["kib_per_client"] = (after - before) / clients
        print(json.dumps({**head, **out, "phase": "registered"}), flush=True)
        # Idle as a deployed bot idles: the loop (or the library's threads)
        # runs its timers and the server its pings, nothing else happens.
        await asyncio.sleep(quiet)
        gc.collect()
        idle = out["rss_quiet_kib"] = rss_kib()
        out["kib_per_client_quiet"] = (idle - before) / clients
        del held

    asyncio.run(hold())
    return out


def main(library: str, version: str, *, sync: DispatchRun | None = None,
         async_: DispatchRun | None = None, forms: tuple[str, ...] = (),
         state: bool = False, parse: ParseLoop | None = None,
         parse_lines: Callable[[list[str]], list[Any]] | None = None,
         memory: MemoryRun | None = None, notes: str = "") -> None:
    """Parse the command line, run what it asks, print one JSON object.

    A mode the library has no API for (``None`` here) prints ``{"error":
    "..."}``, and so does a form not in ``forms`` when ``forms`` is not
    empty (a library with no forms runs its one shape for any form asked,
    reported as ``"form": "native"``) and ``--state on`` without ``state``.
    ``parse_lines`` narrows the corpus to what the parser accepts (and
    says so in ``notes``).
    """
    parser = argparse.ArgumentParser(description=f"{library} client for bottom's bench/")
    commands = parser.add_subparsers(dest="command", required=True)
    dispatch = commands.add_parser("dispatch")
    dispatch.add_argument("--port", type=int, required=True)
    dispatch.add_argument("--lines", type=int, required=True)
    dispatch.add_argument("--mode", choices=("sync", "async"), required=True)
    dispatch.add_argument("--gc", choices=("on", "off"), default="on")
    dispatch.add_argument("--form", choices=FORMS, default="message")
    dispatch.add_argument("--state", choices=("on", "off"), default="off")
    parse_command = commands.add_parser("parse")
    parse_command.add_argument("--corpus", required=True)
    parse_command.add_argument("--repeats", type=int, default=5)
    memory_command = commands.add_parser("memory")
    memory_command.add_argument("--port", type=int, required=True)
    memory_command.add_argument("--clients", type=int, default=1000)
    memory_command.add_argument("--quiet", type=float, default=0.0)
    args = parser.parse_args()

    out: dict[str, Any] = {"library": library, "version": version,
                           "python": platform.python_version(), "notes": notes}
    try:
        if args.command == "dispatch":
            run = sync if args.mode == "sync" else async_
            form = args.form if forms else NATIVE
            out.update(form=form, state=args.state)
            if run is None:
                out["error"] = f"no {args.mode} handlers in {library}'s API"
            elif form not in forms and form != NATIVE:
                out["error"] = f"no {form} form of handler in {library}'s API"
            elif args.state == "on" and not state:
                out["error"] = f"no state tracking in {library}"
            else:
                out.update(_dispatch(run, args.port, args.lines, args.gc == "on",
                                     Options(form, args.state == "on")))
        elif args.command == "parse":
            if parse is None:
                out["error"] = f"{library} has no public line parser"
            else:
                with open(args.corpus, encoding="utf-8") as corpus:
                    lines: list[Any] = corpus.read().split("\n")
                if parse_lines is not None:
                    lines = parse_lines(lines)
                out.update(_time_parse(parse, lines, args.repeats))
        elif memory is None:
            out["error"] = f"no memory program for {library}"
        else:
            out.update(_memory(memory, args.port, args.clients, args.quiet, out))
    except Exception as exc:  # reported in the table, never a crash of the run
        out["error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(out), flush=True)
    # Exit now: a peer's own threads (miniirc's are not daemons) or leftover
    # Tasks must not keep the process, and so the whole run, waiting.
    os._exit(0)

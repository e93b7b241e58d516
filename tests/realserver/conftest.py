"""Pytest fixtures running real IRC servers for the tests in this folder.

One ngircd and one inspircd per test session (inspircd alone costs ~1 s per
registration, so servers are shared rather than started per test). A test that
needs "any real server" asks for `ircd` and runs once against each.

When a test here fails, the part of each server's log written while that test
ran is attached to the report, because the server's view ("Closing link:
RecvQ exceeded", a TLS error, a KILL) is usually what explains the failure.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from .helpers import ClientPool
from .servers import RealServer, find_binary, start_inspircd, start_ngircd

REALSERVER_DIRECTORY = Path(__file__).resolve().parent
SERVER_NAMES = ("ngircd", "inspircd")
MAX_ATTACHED_LOG_CHARACTERS = 50_000

_started_servers: list[RealServer] = []
"""Servers started by the session fixtures, for recording log offsets per test."""

_log_offsets_key = pytest.StashKey[dict[int, dict[Path, int]]]()
"""Per test item: id(server) -> log sizes when the test's setup began."""


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker unless the project config does, so --strict-markers never fails."""
    declared = config.getini("markers")
    if not any(line.split(":")[0].strip() == "realserver" for line in declared):
        config.addinivalue_line(
            "markers", "realserver: runs against a real IRC server binary (ngircd, inspircd)"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder, so `-m "not realserver"` skips them all."""
    for item in items:
        if _is_in_this_folder(item):
            item.add_marker(pytest.mark.realserver)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Remember where each running server's log ends before this test starts."""
    if _is_in_this_folder(item):
        item.stash[_log_offsets_key] = {
            id(server): server.log_offsets() for server in _started_servers
        }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach what the servers logged during a failed test to its report."""
    report = yield
    if report.failed and _is_in_this_folder(item):
        offsets_by_server = item.stash.get(_log_offsets_key, {})
        for server in _servers_used_by(item):
            text = server.log_text(since=offsets_by_server.get(id(server)))
            if len(text) > MAX_ATTACHED_LOG_CHARACTERS:
                text = "(truncated)\n" + text[-MAX_ATTACHED_LOG_CHARACTERS:]
            report.sections.append((f"{server.name} log ({report.when})", text))
    return report


@pytest.fixture(scope="session")
def ngircd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """A running ngircd on 127.0.0.1, shared by the whole session."""
    yield from _run_server("ngircd", start_ngircd, tmp_path_factory)


@pytest.fixture(scope="session")
def inspircd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """A running inspircd on 127.0.0.1, shared by the whole session."""
    yield from _run_server("inspircd", start_inspircd, tmp_path_factory)


@pytest.fixture(scope="session", params=SERVER_NAMES)
def ircd(request: pytest.FixtureRequest) -> RealServer:
    """Each real server in turn; tests using it run once per server."""
    server = request.getfixturevalue(request.param)
    assert isinstance(server, RealServer)
    return server


def _run_server(
    name: str,
    start: Callable[[Path], RealServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RealServer]:
    """Start a server for the session (or skip if it is not installed), stop it after."""
    if find_binary(name) is None:
        pytest.skip(f"{name} not installed (apt-get install {name})")
    server = start(tmp_path_factory.mktemp(name))
    _started_servers.append(server)
    try:
        yield server
    finally:
        server.stop()
        _started_servers.remove(server)


def _servers_used_by(item: pytest.Item) -> list[RealServer]:
    """The distinct RealServer fixture values the test (or its fixtures) received."""
    servers: list[RealServer] = []
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, RealServer) and all(value is not seen for seen in servers):
            servers.append(value)
    return servers


def _is_in_this_folder(item: pytest.Item) -> bool:
    """True for tests collected from this folder or below."""
    return _below_this_folder(str(item.path))


@functools.cache
def _below_this_folder(path: str) -> bool:
    # Cached per file: asked for every test of the suite, twice.
    return REALSERVER_DIRECTORY in Path(path).resolve().parents


@pytest_asyncio.fixture
async def pool() -> AsyncIterator[ClientPool]:
    """Bots for one test; all disconnected afterwards, pass or fail."""
    clients = ClientPool()
    try:
        yield clients
    finally:
        await clients.close()

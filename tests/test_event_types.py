"""bottom/event_types.py: generated, current, and true to what handlers get."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import bottom
from bottom import _gen_event_types as gen
from bottom.event_types import CTCP_TYPE, EVENT_TYPES
from bottom.events import EVENT_KWARGS, NUMERICS
from bottom.testing import Server

TIMEOUT = 10.0
_EXT = Path(__file__).resolve().parent.parent / "docs" / "_ext" / "bottom_docs.py"


def _bottom_docs() -> Any:
    spec = importlib.util.spec_from_file_location("bottom_docs", _EXT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_file_is_current() -> None:
    current = gen.TARGET.read_text(encoding="utf-8")
    assert current == gen.render(), (
        f"bottom/event_types.py is stale: run `{gen.COMMAND}` and commit the result")


def test_the_check_option_reports_a_stale_file(tmp_path: Path, monkeypatch: Any,
                                               capsys: Any) -> None:
    stale = tmp_path / "event_types.py"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(gen, "TARGET", stale)
    text = gen.render()
    monkeypatch.setattr(gen, "render", lambda: text)
    assert gen.main(["--check"]) == 1
    assert gen.COMMAND in capsys.readouterr().out
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0


def test_every_documented_event_has_a_typeddict_with_its_kwargs() -> None:
    for name, kwargs in EVENT_KWARGS.items():
        assert list(EVENT_TYPES[name].__annotations__) == ["tags", *kwargs], name
    for name in NUMERICS.values():
        assert "tags" in EVENT_TYPES[name].__annotations__, name
    for name, (kwargs, _) in _bottom_docs().LOCAL_EVENTS.items():
        assert list(EVENT_TYPES[name].__annotations__) == list(kwargs), name
    assert EVENT_TYPES["CTCP"] is EVENT_TYPES["CTCP_ACTION"] is CTCP_TYPE


def test_a_kwarg_some_lines_lack_is_not_required_and_a_none_shows_in_its_type() -> None:
    join = EVENT_TYPES["JOIN"].__annotations__
    assert join["account"].__forward_arg__ == "NotRequired[str | None]"
    assert join["channel"].__forward_arg__ == "str"
    assert EVENT_TYPES["RPL_BANLIST"].__annotations__["set_at"].__forward_arg__ == "int | None"
    assert EVENT_TYPES["PRIVMSG"].__annotations__["user"].__forward_arg__ == "str | None"


_PY_TYPES = {"str": str, "int": int, "bool": bool}


async def test_local_events_carry_values_of_the_generated_types() -> None:
    seen: dict[str, dict[str, Any]] = {}

    def record(name: str) -> Any:
        return lambda **kwargs: seen.setdefault(name, kwargs)

    async with Server() as server:
        client = bottom.Client(server.host, server.port, ssl=False, nick="types",
                               flood_control=False)
        for name in ("CLIENT_CONNECT", "CLIENT_READY", "CLIENT_DISCONNECT"):
            client.on(name, record(name))
        await client.connect()
        await asyncio.wait_for(client.wait("client_ready"), TIMEOUT)
        await client.disconnect()
    async with Server(password="secret") as locked:
        refused = bottom.Client(locked.host, locked.port, ssl=False, nick="types",
                                flood_control=False)
        refused.on("CLIENT_REGISTRATION_FAILED", record("CLIENT_REGISTRATION_FAILED"))
        await refused.connect()
        await asyncio.wait_for(refused.wait("client_disconnect"), TIMEOUT)

    assert len(seen) == 4
    for name, kwargs in seen.items():
        declared = {k: v.__forward_arg__ for k, v in EVENT_TYPES[name].__annotations__.items()}
        assert declared.keys() == kwargs.keys(), name
        for key, value in kwargs.items():
            assert isinstance(value, _PY_TYPES[declared[key]]), (name, key, value)


# -- the mypy plugin ----------------------------------------------------------------------

_SAMPLES = Path(__file__).resolve().parent / "typing_samples"
_ROOT = Path(__file__).resolve().parent.parent
_EXPECTED = [
    'bad_event.py:10: error: "privmesg" is not an event bottom triggers; '
    'did you mean "PRIVMSG"?  [bottom-event]',
    'bad_event.py:15: error: "rpl_welcom" is not an event bottom triggers; '
    'did you mean "RPL_WELCOME"?  [bottom-event]',
    'bad_event.py:16: error: "ERR_NOMTOD" is not an event bottom triggers; '
    'did you mean "ERR_NOMOTD"?  [bottom-event]',
    'bad_handler.py:10: error: PRIVMSG never passes "targt"; '
    "its kwargs are: nick, user, host, target, message, tags  [bottom-handler]",
    'bad_handler.py:17: error: JOIN never passes "chanel"; '
    "its kwargs are: nick, user, host, channel, account, realname, tags  [bottom-handler]",
    'bad_handler.py:18: error: CLIENT_CONNECT never passes "tags"; '
    "its kwargs are: host, port  [bottom-handler]",
    'bad_handler.py:23: error: Incompatible types in assignment (expression has type "str", '
    'variable has type "int")  [assignment]',
    'bad_handler.py:24: error: TypedDict "PrivmsgKwargs" has no key "mesage"  '
    "[typeddict-item]",
    'bad_handler.py:24: note: Did you mean "message"?',
    'bad_handler.py:30: error: PRIVMSG never passes "mesage"; '
    "its kwargs are: nick, user, host, target, message, tags  [bottom-handler]",
    'bad_handler.py:36: error: Incompatible types in assignment (expression has type "str", '
    'variable has type "int")  [assignment]',
    'bad_handler.py:40: error: RPL_LIST passes "visible" as "int", not "str"  [bottom-handler]',
    'bad_event.py:20: error: "rpl_endofnmaes" is not an event bottom triggers; '
    'did you mean "RPL_ENDOFNAMES"?  [bottom-event]',
]


def test_mypy_with_the_plugin_reports_misspelled_parameters_and_events(
        tmp_path: Path) -> None:
    pytest.importorskip("mypy.api", reason="mypy is not installed (the lint extra)")
    config = tmp_path / "mypy.ini"
    # mypy_path: the bottom being tested, not an installed one.
    config.write_text(f"[mypy]\nplugins = bottom.mypy_plugin\nmypy_path = {_ROOT}\n",
                      encoding="utf-8")
    files = [str(_SAMPLES / name) for name in ("good.py", "bad_handler.py", "bad_event.py")]
    # A child process: mypy run in this one keeps ~400,000 objects alive,
    # which every later garbage collection in this worker then walks.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir",
         str(tmp_path / "c"), "--no-error-summary", "--show-absolute-path", *files],
        cwd=_ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT * 12)
    out, err = done.stdout, done.stderr
    errors = sorted(line.removeprefix(f"{_SAMPLES}/") for line in out.splitlines())
    assert (errors, err) == (sorted(_EXPECTED), "")


def test_the_typing_page_shows_the_output_the_plugin_gives() -> None:
    page = (_ROOT / "docs" / "typing.rst").read_text(encoding="utf-8")
    shown = {line.strip() for line in page.splitlines() if line.startswith("    bad_")}
    assert shown <= set(_EXPECTED)
    assert {line for line in _EXPECTED if line.startswith("bad_handler")} <= shown

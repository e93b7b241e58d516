"""A reference model of the framing rules, and the checks every decoded line
must pass.  Shared by tests/test_fuzz_stateful.py and fuzz/fuzz_parser.py,
so the property test and the coverage-guided fuzzer hold the code to the
same rules.
"""

from __future__ import annotations

from typing import Any

from bottom.events import message_to_event
from bottom.message import Message, split_source
from bottom.privmsg import privmsg_event


def reference_lines(stream: bytes, limit: int) -> tuple[list[str], bytes, int]:
    """What the framing rules make of ``stream``: (lines, pending bytes, lines dropped).

    Written from the rules alone, with no state: everything after the last
    ``\\n`` is pending, unless it is already over the bound (then it is
    dropped as soon as it is, and counted).
    """
    *complete, tail = stream.split(b"\n")
    lines: list[str] = []
    dropped = 0
    for raw in complete:
        if len(raw) > limit:
            dropped += 1
            continue
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not raw:
            continue
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("latin-1"))
    if len(tail) > limit:
        return lines, b"", dropped + 1
    return lines, tail, dropped


def check_line(line: str) -> None:
    """Parse and map one line as the client does; only ValueError may come out of parse."""
    assert line, "the decoder never returns an empty line"
    # The client's shortcut for plain PRIVMSGs must agree with the general path.
    fast = privmsg_event(line)
    try:
        msg = Message.parse(line)
    except ValueError:
        assert fast is None, "privmsg_event accepted a line Message.parse refuses"
        return
    name, kwargs = message_to_event(msg)
    if fast is not None:
        assert (name, kwargs) == ("PRIVMSG", fast)
    assert isinstance(name, str) and name
    assert isinstance(kwargs.get("tags"), dict)
    assert kwargs["tags"] is msg.tags
    # A missing source part is None, never "" posing as a nick/user/host.
    assert all(part is None or part for part in split_source(msg.source))
    for key in ("params", "users", "capabilities"):
        value: Any = kwargs.get(key)
        assert value is None or isinstance(value, list)
    # What str() agrees to write must read back as the same Message.
    try:
        again = str(msg)
    except ValueError:
        return
    assert Message.parse(again) == msg

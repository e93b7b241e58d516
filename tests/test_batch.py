"""bottom.batch: assembling IRCv3 batches (pure, no loop)."""

from __future__ import annotations

import logging

import pytest
from helpers import feed_lines as run

from bottom.batch import BatchAssembler
from bottom.message import Message

P = Message.parse


def test_a_batch_collects_its_tagged_lines_and_ends_with_its_reference() -> None:
    asm = BatchAssembler()
    ended = run(asm, [
        ":s BATCH +abc chathistory #c",
        "@batch=abc :a!u@h PRIVMSG #c :one",
        ":a!u@h PRIVMSG #c :outside",
        "@batch=abc :a!u@h PRIVMSG #c :two",
        ":s BATCH -abc",
    ])
    assert len(ended) == 1
    batch = ended[0]
    assert (batch.reference, batch.type, batch.params) == ("abc", "chathistory", ["#c"])
    assert [m.params[-1] for m in batch.messages] == ["one", "two"]
    assert not asm.active


def test_nested_batches_end_on_their_own_and_belong_to_the_outer_one() -> None:
    asm = BatchAssembler()
    ended = run(asm, [
        ":s BATCH +out labeled-response",
        "@batch=out :s BATCH +in netsplit a b",
        "@batch=in :x!u@h QUIT :a b",
        "@batch=out :s BATCH -in",
        "@batch=out :s NOTICE me :after",
        ":s BATCH -out",
    ])
    assert [b.reference for b in ended] == ["in", "out"]
    inner, outer = ended
    assert inner.parent == "out" and [m.command for m in inner.messages] == ["QUIT"]
    assert [m.command for m in outer.messages] == ["BATCH", "QUIT", "BATCH", "NOTICE"]


def test_open_batches_are_bounded_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    asm = BatchAssembler(max_open=2, max_lines=3)
    with caplog.at_level(logging.WARNING, logger="bottom"):
        run(asm, [f":s BATCH +r{i} t" for i in range(5)])
        run(asm, [f"@batch=r0 :s NOTICE me :{i}" for i in range(10)])
    assert len(asm._open) == 2
    assert len(asm._open["r0"].messages) == 3 and asm._open["r0"].truncated
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_clear_drops_unended_batches_with_a_log_record(
        caplog: pytest.LogCaptureFixture) -> None:
    asm = BatchAssembler()
    run(asm, [":s BATCH +r t", "@batch=r :s NOTICE me :x"])
    with caplog.at_level(logging.INFO, logger="bottom"):
        assert asm.clear() == 1
    assert "unended" in caplog.text and not asm.active


def test_an_end_for_an_unknown_batch_or_a_malformed_line_is_ignored() -> None:
    asm = BatchAssembler()
    assert run(asm, [":s BATCH -nope", ":s BATCH +", ":s BATCH", "@batch=zz :s X"]) == []


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="max_open"):
        BatchAssembler(max_open=0)

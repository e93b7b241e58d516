"""bottom.tags: server-time and the other well-known IRCv3 tags."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.tags import (
    account,
    batch,
    format_server_time,
    is_client_tag,
    label,
    msgid,
    parse_server_time,
    server_time,
)

UTC = timezone.utc

PARSED = [
    ("2026-11-23T17:00:00.123Z", datetime(2026, 11, 23, 17, 0, 0, 123000, tzinfo=UTC)),
    ("2026-11-23T17:00:00Z", datetime(2026, 11, 23, 17, 0, 0, tzinfo=UTC)),
    ("2026-11-23T17:00:00.1Z", datetime(2026, 11, 23, 17, 0, 0, 100000, tzinfo=UTC)),
    ("2026-11-23T17:00:00.123456Z", datetime(2026, 11, 23, 17, 0, 0, 123456, tzinfo=UTC)),
    ("2026-11-23T17:00:00.123456789Z", datetime(2026, 11, 23, 17, 0, 0, 123456, tzinfo=UTC)),
    ("2026-11-23T17:00:00.999+00:00", datetime(2026, 11, 23, 17, 0, 0, 999000, tzinfo=UTC)),
    ("2026-11-23T17:00:00+00:00", datetime(2026, 11, 23, 17, 0, 0, tzinfo=UTC)),
    ("0001-01-01T00:00:00.000Z", datetime(1, 1, 1, tzinfo=UTC)),
]


@pytest.mark.parametrize(("value", "when"), PARSED)
def test_parse_server_time_reads_utc_timestamps(value, when):
    assert parse_server_time(value) == when


def test_parse_server_time_returns_an_aware_utc_datetime():
    assert parse_server_time("2026-11-23T17:00:00.000Z").tzinfo is UTC


@pytest.mark.parametrize("value", [
    "",
    "2026-11-23",
    "2026-11-23T17:00:00",
    "2026-11-23T17:00:00.123",
    "2026-11-23 17:00:00Z",
    "2026-11-23T17:00:00.Z",
    "2026-11-23T17:00:00.123z",
    "2026-11-23T17:00:00+01:00",
    "2026-11-23T17:00Z",
    "2026-13-23T17:00:00Z",
    "2026-02-30T17:00:00Z",
    "2026-11-23T24:00:00Z",
    "2026-11-23T17:00:60Z",
    "0000-01-01T00:00:00Z",
    "\uff12\uff10\uff12\uff16-11-23T17:00:00Z"  # fullwidth digits,
    " 2026-11-23T17:00:00Z",
    "2026-11-23T17:00:00Z ",
    "1700000000",
])
def test_parse_server_time_refuses_anything_else(value):
    with pytest.raises(ValueError, match="invalid server-time"):
        parse_server_time(value)


def test_format_server_time_writes_milliseconds_and_z():
    when = datetime(2026, 11, 23, 17, 0, 0, 123456, tzinfo=UTC)
    assert format_server_time(when) == "2026-11-23T17:00:00.123Z"


def test_format_server_time_converts_to_utc():
    when = datetime(2026, 11, 23, 18, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    assert format_server_time(when) == "2026-11-23T17:00:00.000Z"


def test_format_server_time_takes_a_naive_datetime_as_utc():
    assert format_server_time(datetime(2026, 11, 23, 17, 0)) == "2026-11-23T17:00:00.000Z"


def test_format_server_time_pads_early_years():
    assert format_server_time(datetime(5, 1, 2, tzinfo=UTC)) == "0005-01-02T00:00:00.000Z"


@settings(deadline=None)
@given(st.datetimes(timezones=st.just(UTC)))
def test_format_then_parse_gives_the_time_to_the_millisecond(when):
    expected = when.replace(microsecond=when.microsecond // 1000 * 1000)
    assert parse_server_time(format_server_time(when)) == expected


@settings(deadline=None)
@given(st.text())
def test_parse_server_time_returns_or_raises_value_error(value):
    try:
        result = parse_server_time(value)
    except ValueError:
        return
    assert result.tzinfo is UTC


# --- readers -----------------------------------------------------------------------

def test_server_time_reads_the_time_tag():
    tags = {"time": "2026-11-23T17:00:00.500Z", "msgid": "x"}
    assert server_time(tags) == datetime(2026, 11, 23, 17, 0, 0, 500000, tzinfo=UTC)


@pytest.mark.parametrize("tags", [{}, None, {"time": ""}, {"time": "yesterday"},
                                  {"time": "2026-02-30T00:00:00Z"}])
def test_server_time_is_none_when_absent_or_malformed(tags):
    assert server_time(tags) is None


READERS = [
    (msgid, "msgid"),
    (account, "account"),
    (batch, "batch"),
    (label, "label"),
]


@pytest.mark.parametrize(("reader", "key"), READERS)
def test_a_reader_returns_its_tag_value(reader, key):
    assert reader({key: "abc123", "other": "x"}) == "abc123"


@pytest.mark.parametrize(("reader", "key"), READERS)
def test_a_reader_returns_none_when_its_tag_is_absent(reader, key):
    assert reader({"other": "x"}) is None


@pytest.mark.parametrize(("reader", "key"), READERS)
def test_a_reader_returns_none_for_an_empty_value(reader, key):
    assert reader({key: ""}) is None


@pytest.mark.parametrize(("reader", "key"), READERS)
def test_a_reader_accepts_none_for_a_message_without_tags(reader, key):
    assert reader(None) is None


@pytest.mark.parametrize(("key", "client"), [
    ("+example.org/x", True),
    ("+typing", True),
    ("time", False),
    ("inspircd.org/echo", False),
    ("", False),
])
def test_is_client_tag_is_true_for_plus_keys(key, client):
    assert is_client_tag(key) is client

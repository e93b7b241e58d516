"""bottom.interning, and the caps and ISUPPORT tokens it lets clients share."""

from __future__ import annotations

from bottom.cap import CapNegotiation
from bottom.interning import InternTable
from bottom.isupport import ISupport


def test_equal_keys_give_the_first_value_stored() -> None:
    table: InternTable[list[int]] = InternTable()
    first, second = [1], [1]
    assert table.get(("k",), first) is first
    assert table.get(("k",), second) is first
    assert table.get(("other",), second) is second


def test_a_full_table_starts_afresh_instead_of_growing() -> None:
    table: InternTable[str] = InternTable(limit=3)
    for key in range(10):
        table.get(key, str(key))
        assert len(table) <= 3
    assert table.get(9, "new") == "9"


def test_connections_that_heard_the_same_caps_share_one_copy() -> None:
    one, two = CapNegotiation({"multi-prefix", "sasl"}), CapNegotiation({"multi-prefix", "sasl"})
    for cap in (one, two):
        cap.on_ls("multi-prefix sasl=PLAIN away-notify", more=False)
        cap.on_ack("multi-prefix sasl")
    assert one.offered is two.offered and one.enabled is two.enabled
    # Sharing never leaks a change from one connection to the other.
    one.on_del("sasl")
    assert one.enabled == {"multi-prefix"} and "sasl" not in one.offered
    assert two.enabled == {"multi-prefix", "sasl"} and two.offered["sasl"] == "PLAIN"


def test_clients_with_the_same_isupport_tokens_share_them_but_not_changes() -> None:
    one, two = ISupport(["NICKLEN=30", "PREFIX=(ov)@+"]), ISupport(["NICKLEN=30", "PREFIX=(ov)@+"])
    assert one._state is two._state
    assert one.prefix == two.prefix == {"o": "@", "v": "+"}
    one.update(["-NICKLEN", "PREFIX=(qov)~@+"])
    assert "NICKLEN" not in one and one.prefix == {"q": "~", "o": "@", "v": "+"}
    assert two["NICKLEN"] == "30" and two.prefix == {"o": "@", "v": "+"}
    two.clear()
    assert len(two) == 0 and one["PREFIX"] == "(qov)~@+"

"""bottom.cap: parse_caps and the CAP LS/REQ/ACK/NAK/NEW/DEL bookkeeping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.cap import DEFAULT_CAPS, CapNegotiation, parse_caps

# REALSERVERS.md (e), verbatim: inspircd 3.15's one-line `CAP LS 302` reply
# (trailing space included) and ngircd 26.1's only cap.
INSPIRCD_LS = (
    "account-notify account-tag away-notify batch cap-notify chghost echo-message "
    "extended-join extended-monitor inspircd.org/poison inspircd.org/standard-replies "
    "invite-notify labeled-response message-tags multi-prefix server-time setname "
    "userhost-in-names "
)
NGIRCD_LS = "multi-prefix"


def settled_with(wanted: list[str], offered: str) -> CapNegotiation:
    """A negotiation whose LS is done and whose requests were all ACKed."""
    cap = CapNegotiation(wanted)
    for request in cap.on_ls(offered, more=False):
        cap.on_ack(" ".join(request))
    assert cap.settled
    return cap


# --- parse_caps ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "caps"), [
    ("", {}),
    ("multi-prefix", {"multi-prefix": ""}),
    ("a b", {"a": "", "b": ""}),
    ("sasl=PLAIN,EXTERNAL", {"sasl": "PLAIN,EXTERNAL"}),
    ("sts=port=6697", {"sts": "port=6697"}),
    ("draft/x=", {"draft/x": ""}),
    ("-away-notify", {"-away-notify": ""}),
    ("a  b", {"a": "", "b": ""}),
    (" a", {"a": ""}),
    ("a ", {"a": ""}),
    ("=x a", {"a": ""}),
    ("=", {}),
])
def test_parse_caps_maps_each_name_to_its_value(text, caps):
    assert parse_caps(text) == caps


def test_parse_caps_of_the_inspircd_ls_text_yields_no_empty_name():
    caps = parse_caps(INSPIRCD_LS)
    assert "" not in caps
    assert len(caps) == 18
    assert "userhost-in-names" in caps


@settings(deadline=None)
@given(st.lists(st.text(alphabet="abcxyz-/.=", min_size=1, max_size=8), max_size=10),
       st.text(alphabet=" ", max_size=3), st.text(alphabet=" ", max_size=3))
def test_parse_caps_ignores_any_amount_of_surrounding_space(tokens, before, after):
    text = before + " ".join(tokens) + after
    assert "" not in parse_caps(text)
    assert parse_caps(text) == parse_caps(" ".join(tokens))


# --- CAP LS ----------------------------------------------------------------------

def test_ls_requests_the_wanted_caps_the_server_offers():
    cap = CapNegotiation(["multi-prefix", "server-time"])
    assert cap.on_ls("multi-prefix server-time batch", more=False) == [
        ["multi-prefix", "server-time"]]


def test_ls_never_requests_a_wanted_cap_the_server_does_not_offer():
    cap = CapNegotiation(["multi-prefix", "unknown.example/cap", "sasl"])
    assert cap.on_ls(NGIRCD_LS, more=False) == [["multi-prefix"]]


def test_ls_never_requests_an_offered_cap_nobody_wants():
    cap = CapNegotiation(["multi-prefix"])
    assert cap.on_ls("multi-prefix vendor.example/odd batch", more=False) == [
        ["multi-prefix"]]


def test_ls_of_inspircd_requests_the_default_caps_it_offers_and_never_the_poison():
    cap = CapNegotiation(DEFAULT_CAPS)
    [request] = cap.on_ls(INSPIRCD_LS, more=False)
    assert request == [
        "account-notify", "away-notify", "batch", "cap-notify", "chghost",
        "extended-join", "labeled-response", "message-tags", "multi-prefix", "server-time",
        "setname", "userhost-in-names"]
    assert "inspircd.org/poison" not in request
    assert "" not in request


def test_ls_of_ngircd_requests_multi_prefix_and_acks_it():
    cap = CapNegotiation(DEFAULT_CAPS)
    assert cap.on_ls(NGIRCD_LS, more=False) == [["multi-prefix"]]
    cap.on_ack("multi-prefix")
    assert cap.enabled == {"multi-prefix"}
    assert cap.settled


def test_ls_records_every_offered_cap_with_its_value():
    cap = CapNegotiation([])
    cap.on_ls("multi-prefix sasl=PLAIN,EXTERNAL sts=port=6697", more=False)
    assert cap.offered == {"multi-prefix": "", "sasl": "PLAIN,EXTERNAL", "sts": "port=6697"}


def test_ls_offering_the_wanted_sasl_with_a_value_requests_sasl_by_name():
    cap = CapNegotiation(["sasl"])
    assert cap.on_ls("sasl=PLAIN,EXTERNAL", more=False) == [["sasl"]]


def test_ls_over_several_lines_requests_only_after_the_last():
    cap = CapNegotiation(["multi-prefix", "sasl", "server-time"])
    assert cap.on_ls("multi-prefix sasl=PLAIN,EXTERNAL", more=True) == []
    assert cap.on_ls("sts=port=6697 batch", more=True) == []
    assert not cap.settled
    assert cap.on_ls("server-time", more=False) == [["multi-prefix", "sasl", "server-time"]]


def test_ls_over_several_lines_offers_the_union_of_the_lines():
    cap = CapNegotiation([])
    cap.on_ls("multi-prefix sasl=PLAIN,EXTERNAL", more=True)
    cap.on_ls("server-time ", more=False)
    assert cap.offered == {"multi-prefix": "", "sasl": "PLAIN,EXTERNAL", "server-time": ""}


def test_a_negotiation_is_not_settled_before_the_last_ls_line():
    cap = CapNegotiation([])
    assert not cap.settled
    cap.on_ls("multi-prefix", more=True)
    assert not cap.settled


def test_ls_with_nothing_wanted_and_offered_requests_nothing_and_settles():
    cap = CapNegotiation(["sasl"])
    assert cap.on_ls(NGIRCD_LS, more=False) == []
    assert cap.settled


def test_an_empty_ls_requests_nothing_and_settles():
    cap = CapNegotiation(DEFAULT_CAPS)
    assert cap.on_ls("", more=False) == []
    assert cap.settled


def test_a_second_ls_does_not_request_again():
    cap = settled_with(["multi-prefix", "server-time"], "multi-prefix")
    assert cap.on_ls("multi-prefix server-time", more=False) == []
    assert cap.settled


def test_a_second_ls_over_several_lines_does_not_request_again():
    cap = settled_with(["multi-prefix"], "multi-prefix")
    assert cap.on_ls("batch", more=True) == []
    assert cap.on_ls("multi-prefix", more=False) == []
    assert cap.settled


def test_a_second_ls_before_the_first_request_is_answered_does_not_request_again():
    cap = CapNegotiation(["multi-prefix"])
    cap.on_ls(NGIRCD_LS, more=False)
    assert cap.on_ls(NGIRCD_LS, more=False) == []
    assert not cap.settled


# --- CAP ACK ---------------------------------------------------------------------

def test_ack_enables_the_acked_caps_and_settles():
    cap = CapNegotiation(["multi-prefix", "server-time"])
    cap.on_ls("multi-prefix server-time", more=False)
    assert not cap.settled
    cap.on_ack("multi-prefix server-time")
    assert cap.enabled == {"multi-prefix", "server-time"}
    assert cap.settled


def test_ack_with_a_trailing_space_enables_no_empty_cap():
    cap = CapNegotiation(["multi-prefix"])
    cap.on_ls(NGIRCD_LS, more=False)
    cap.on_ack("multi-prefix ")
    assert cap.enabled == {"multi-prefix"}
    assert cap.settled


def test_ack_with_a_minus_disables_the_cap():
    cap = settled_with(["multi-prefix", "server-time"], "multi-prefix server-time")
    cap.on_ack("-server-time")
    assert cap.enabled == {"multi-prefix"}


def test_ack_mixing_enable_and_disable_applies_both():
    cap = settled_with(["multi-prefix"], "multi-prefix server-time")
    cap.on_ack("server-time -multi-prefix")
    assert cap.enabled == {"server-time"}


def test_an_empty_ack_settles_nothing():
    cap = CapNegotiation(["multi-prefix"])
    cap.on_ls(NGIRCD_LS, more=False)
    cap.on_ack("")
    assert cap.enabled == set()
    assert not cap.settled


def test_an_ack_of_a_cap_never_requested_leaves_the_request_pending():
    cap = CapNegotiation(["multi-prefix"])
    cap.on_ls("multi-prefix server-time", more=False)
    cap.on_ack("server-time")
    assert not cap.settled


# --- CAP NAK ---------------------------------------------------------------------

def test_nak_of_a_request_of_several_caps_retries_each_cap_alone():
    cap = CapNegotiation(["multi-prefix", "inspircd.org/poison", "server-time"])
    assert cap.on_ls(INSPIRCD_LS, more=False) == [
        ["inspircd.org/poison", "multi-prefix", "server-time"]]
    assert cap.on_nak("inspircd.org/poison multi-prefix server-time") == [
        ["inspircd.org/poison"], ["multi-prefix"], ["server-time"]]


def test_nak_of_a_single_cap_request_is_not_retried():
    cap = CapNegotiation(["multi-prefix"])
    cap.on_ls(NGIRCD_LS, more=False)
    assert cap.on_nak("multi-prefix") == []
    assert cap.enabled == set()
    assert cap.settled


def test_nak_of_a_retried_cap_is_not_retried_again():
    cap = CapNegotiation(["a", "b"])
    cap.on_ls("a b", more=False)
    cap.on_nak("a b")
    assert cap.on_nak("a") == []
    assert cap.on_nak("b") == []
    assert cap.settled


def test_nak_of_a_request_the_user_sent_by_hand_is_not_retried():
    # ngircd: `CAP REQ :bogus-cap other` -> NAK; splitting it would REQ caps
    # the server never offered.
    cap = settled_with(DEFAULT_CAPS, NGIRCD_LS)
    assert cap.on_nak("bogus-cap other") == []
    assert cap.settled


def test_an_empty_nak_settles_nothing_and_retries_nothing():
    cap = CapNegotiation(["a", "b"])
    cap.on_ls("a b", more=False)
    assert cap.on_nak("") == []
    assert not cap.settled


def test_settled_tracks_every_retry_until_each_is_answered():
    cap = CapNegotiation(["multi-prefix", "inspircd.org/poison", "server-time"])
    cap.on_ls(INSPIRCD_LS, more=False)
    cap.on_nak("inspircd.org/poison multi-prefix server-time")
    assert not cap.settled
    cap.on_nak("inspircd.org/poison")
    assert not cap.settled
    cap.on_ack("multi-prefix")
    assert not cap.settled
    cap.on_ack("server-time")
    assert cap.settled
    assert cap.enabled == {"multi-prefix", "server-time"}


@pytest.mark.parametrize("answers", [
    ["ack a", "ack b", "nak c"],
    ["nak c", "ack b", "ack a"],
    ["ack b", "nak c", "ack a"],
])
def test_settled_waits_for_the_last_retry_in_any_order(answers):
    cap = CapNegotiation(["a", "b", "c"])
    cap.on_ls("a b c", more=False)
    cap.on_nak("a b c")
    for answer in answers:
        assert not cap.settled
        kind, name = answer.split()
        if kind == "ack":
            cap.on_ack(name)
        else:
            assert cap.on_nak(name) == []
    assert cap.settled
    assert cap.enabled == {"a", "b"}


# --- CAP NEW / DEL ---------------------------------------------------------------

def test_new_requests_newly_offered_wanted_caps():
    cap = settled_with(["multi-prefix", "sasl"], NGIRCD_LS)
    assert cap.on_new("sasl=PLAIN,EXTERNAL") == [["sasl"]]
    assert cap.offered["sasl"] == "PLAIN,EXTERNAL"


def test_new_does_not_request_caps_nobody_wants():
    cap = settled_with(["multi-prefix"], NGIRCD_LS)
    assert cap.on_new("inspircd.org/poison vendor.example/odd") == []
    assert cap.settled
    assert "vendor.example/odd" in cap.offered


def test_new_does_not_request_a_cap_already_enabled():
    cap = settled_with(["multi-prefix"], NGIRCD_LS)
    assert cap.on_new("multi-prefix") == []


def test_a_request_from_new_is_pending_until_answered():
    cap = settled_with(["multi-prefix", "sasl"], NGIRCD_LS)
    cap.on_new("sasl")
    assert not cap.settled
    cap.on_ack("sasl")
    assert cap.settled
    assert cap.enabled == {"multi-prefix", "sasl"}


def test_new_does_not_request_again_a_cap_whose_request_is_unanswered():
    cap = settled_with(["multi-prefix", "sasl", "server-time"], NGIRCD_LS)
    assert cap.on_new("sasl") == [["sasl"]]
    assert cap.on_new("sasl server-time") == [["server-time"]]
    cap.on_ack("sasl")
    cap.on_ack("server-time")
    assert cap.settled


def test_del_removes_the_cap_from_offered_and_enabled():
    cap = settled_with(["multi-prefix", "sasl"], "multi-prefix sasl=PLAIN")
    cap.on_del("sasl")
    assert cap.enabled == {"multi-prefix"}
    assert cap.offered == {"multi-prefix": ""}


def test_del_of_a_cap_never_offered_changes_nothing():
    cap = settled_with(["multi-prefix"], NGIRCD_LS)
    cap.on_del("unknown.example/cap ")
    assert cap.enabled == {"multi-prefix"}
    assert cap.offered == {"multi-prefix": ""}


def test_a_cap_deleted_and_offered_again_is_requested_again():
    cap = settled_with(["sasl"], "sasl=PLAIN")
    cap.on_del("sasl")
    assert cap.on_new("sasl=PLAIN,EXTERNAL") == [["sasl"]]

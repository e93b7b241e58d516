"""bottom.isupport: RPL_ISUPPORT (005) tokens and their typed helpers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.isupport import ISupport, unescape_value
from bottom.message import Message

# The 005 lines of the real servers in REALSERVERS.md (e); the token lists are
# verbatim, the split of inspircd's tokens over its three lines is ours.
NGIRCD_005 = [
    ":irc.test 005 bot NETWORK=TestNet :is my network name",
    ":irc.test 005 bot RFC2812 IRCD=ngIRCd CHARSET=UTF-8 CASEMAPPING=ascii "
    "PREFIX=(qaohv)~&@%+ CHANTYPES=#&+ CHANMODES=beI,k,l,imMnOPQRstVz CHANLIMIT=#&+:10 "
    ":are supported on this server",
    ":irc.test 005 bot CHANNELLEN=50 NICKLEN=9 TOPICLEN=490 AWAYLEN=127 KICKLEN=400 "
    "MODES=5 MAXLIST=beI:50 EXCEPTS=e INVEX=I PENALTY FNC :are supported on this server",
]
INSPIRCD_005 = [
    ":irc.test 005 bot AWAYLEN=200 CASEMAPPING=rfc1459 CHANLIMIT=#:20 "
    "CHANMODES=b,k,l,MRimnprst CHANNELLEN=64 CHANTYPES=# ELIST=CMNTU EXTBAN=,RU HOSTLEN=64 "
    "KEYLEN=32 KICKLEN=255 LINELEN=512 MAXLIST=b:100 :are supported by this server",
    ":irc.test 005 bot MAXTARGETS=20 MODES=20 MONITOR=30 NAMELEN=128 NAMESX NETWORK=TestNet "
    "NICKLEN=30 PREFIX=(ov)@+ SAFELIST STATUSMSG=@+ TOPICLEN=307 UHNAMES USERLEN=10 "
    ":are supported by this server",
    ":irc.test 005 bot USERMODES=,,s,Riorw WHOX :are supported by this server",
]


def from_lines(lines: list[str]) -> ISupport:
    isupport = ISupport()
    for line in lines:
        isupport.update(Message.parse(line).params[1:-1])
    return isupport


@pytest.fixture
def ngircd() -> ISupport:
    return from_lines(NGIRCD_005)


@pytest.fixture
def inspircd() -> ISupport:
    return from_lines(INSPIRCD_005)


# --- the mapping ---------------------------------------------------------------

def test_a_new_isupport_is_empty():
    assert len(ISupport()) == 0


def test_key_value_tokens_map_key_to_value():
    assert ISupport(["NETWORK=TestNet"])["NETWORK"] == "TestNet"


def test_a_valueless_token_maps_to_an_empty_string():
    assert ISupport(["PENALTY"])["PENALTY"] == ""


def test_a_token_with_an_empty_value_maps_to_an_empty_string():
    assert ISupport(["EXTBAN="])["EXTBAN"] == ""


def test_a_value_keeps_everything_after_the_first_equals_sign():
    assert ISupport(["X=a=b"])["X"] == "a=b"


def test_a_minus_token_removes_the_key():
    isupport = ISupport(["EXCEPTS=e", "INVEX"])
    isupport.update(["-EXCEPTS"])
    assert "EXCEPTS" not in isupport
    assert "INVEX" in isupport


def test_removing_an_unknown_key_is_harmless():
    isupport = ISupport(["INVEX"])
    isupport.update(["-EXCEPTS"])
    assert dict(isupport) == {"INVEX": ""}


def test_a_later_line_overrides_an_earlier_value():
    isupport = ISupport(["NICKLEN=9"])
    isupport.update(["NICKLEN=30"])
    assert isupport["NICKLEN"] == "30"


def test_keys_are_kept_as_sent():
    isupport = ISupport(["Nicklen=12"])
    assert list(isupport) == ["Nicklen"]


@pytest.mark.parametrize(("raw", "value"), [
    ("a\\x20b", "a b"),
    ("\\x3D\\x5C", "=\\"),
    ("\\x5cx41", "\\x41"),
    ("no escapes", "no escapes"),
    ("bad\\xZZ", "bad\\xZZ"),
    ("lone\\", "lone\\"),
    ("short\\x4", "short\\x4"),
])
def test_unescape_value_decodes_hex_escapes_only(raw, value):
    assert unescape_value(raw) == value


def test_values_are_unescaped():
    assert ISupport(["NETWORK=Test\\x20Net"]).network == "Test Net"


@pytest.mark.parametrize("token", ["", "=", "-", "=value", "-=x"])
def test_tokens_without_a_key_are_skipped(token):
    assert len(ISupport([token])) == 0


def test_a_trailing_text_passed_by_mistake_is_skipped():
    isupport = ISupport(["NICKLEN=30", "are supported by this server"])
    assert dict(isupport) == {"NICKLEN": "30"}


def test_clear_forgets_every_token():
    isupport = ISupport(["NICKLEN=30", "PREFIX=(ov)@+"])
    isupport.clear()
    assert len(isupport) == 0
    assert isupport.nicklen == 9


def test_the_repr_shows_the_tokens():
    assert repr(ISupport(["MODES=5"])) == "ISupport({'MODES': '5'})"


def test_isupports_with_the_same_tokens_are_equal():
    assert ISupport(["A=1", "B"]) == ISupport(["B", "A=1"])


# --- real servers ------------------------------------------------------------------

def test_ngircd_tokens_over_several_lines_all_arrive(ngircd):
    assert len(ngircd) == 20
    assert (ngircd["NETWORK"], ngircd["IRCD"], ngircd["FNC"]) == ("TestNet", "ngIRCd", "")


NGIRCD_VALUES = [
    ("casemapping", "ascii"),
    ("prefix", {"q": "~", "a": "&", "o": "@", "h": "%", "v": "+"}),
    ("chantypes", "#&+"),
    ("chanmodes", ("beI", "k", "l", "imMnOPQRstVz")),
    ("network", "TestNet"),
    ("nicklen", 9),
    ("channellen", 50),
    ("topiclen", 490),
    ("awaylen", 127),
    ("kicklen", 400),
    ("modes", 5),
    ("linelen", 512),
    ("targmax", {}),
    ("statusmsg", ""),
    ("maxlist", {"b": 50, "e": 50, "I": 50}),
    ("excepts", "e"),
    ("invex", "I"),
    ("monitor", None),
]
INSPIRCD_VALUES = [
    ("casemapping", "rfc1459"),
    ("prefix", {"o": "@", "v": "+"}),
    ("chantypes", "#"),
    ("chanmodes", ("b", "k", "l", "MRimnprst")),
    ("network", "TestNet"),
    ("nicklen", 30),
    ("channellen", 64),
    ("topiclen", 307),
    ("awaylen", 200),
    ("kicklen", 255),
    ("modes", 20),
    ("linelen", 512),
    ("targmax", {}),
    ("statusmsg", "@+"),
    ("maxlist", {"b": 100}),
    ("excepts", None),
    ("invex", None),
    ("monitor", 30),
]


@pytest.mark.parametrize(("name", "value"), NGIRCD_VALUES)
def test_ngircd_005_reads_as_typed_values(ngircd, name, value):
    assert getattr(ngircd, name) == value


@pytest.mark.parametrize(("name", "value"), INSPIRCD_VALUES)
def test_inspircd_005_reads_as_typed_values(inspircd, name, value):
    assert getattr(inspircd, name) == value


def test_inspircd_empty_fields_are_kept(inspircd):
    assert inspircd["EXTBAN"] == ",RU"
    assert inspircd["USERMODES"] == ",,s,Riorw"


def test_ngircd_ampersand_is_a_status_prefix_in_names(ngircd):
    assert ngircd.split_prefixes("&@nick") == ("&@", "nick")


def test_ngircd_ampersand_still_starts_a_channel(ngircd):
    assert ngircd.is_channel("&local")


def test_ngircd_folds_by_ascii(ngircd):
    assert not ngircd.nick_equal("nick[", "nick{")
    assert ngircd.nick_equal("Nick", "nICK")


def test_inspircd_folds_by_rfc1459(inspircd):
    assert inspircd.nick_equal("Nick[~", "nick{^")
    assert inspircd.fold("#Chan[") == "#chan{"


def test_a_005_sent_again_after_registration_updates_the_values(inspircd):
    inspircd.update(["NICKLEN=16", "-MONITOR"])
    assert inspircd.nicklen == 16
    assert "MONITOR" not in inspircd
    assert inspircd.monitor is None


# --- defaults ------------------------------------------------------------------

DEFAULTS = [
    ("casemapping", "rfc1459"),
    ("prefix", {"o": "@", "v": "+"}),
    ("chantypes", "#&"),
    ("chanmodes", ("b", "k", "l", "imnpst")),
    ("network", None),
    ("nicklen", 9),
    ("channellen", None),
    ("topiclen", None),
    ("kicklen", None),
    ("awaylen", None),
    ("modes", 3),
    ("linelen", 512),
    ("targmax", {}),
    ("statusmsg", ""),
    ("maxlist", {}),
    ("excepts", None),
    ("invex", None),
    ("monitor", None),
]


@pytest.mark.parametrize(("name", "value"), DEFAULTS)
def test_a_token_the_server_never_sent_reads_as_its_default(name, value):
    assert getattr(ISupport(), name) == value


# --- one token at a time -----------------------------------------------------

def test_casemapping_is_lower_cased():
    assert ISupport(["CASEMAPPING=RFC1459"]).casemapping == "rfc1459"


def test_an_empty_casemapping_reads_as_rfc1459():
    assert ISupport(["CASEMAPPING="]).casemapping == "rfc1459"


@pytest.mark.parametrize(("value", "prefix"), [
    ("(ov)@+", {"o": "@", "v": "+"}),
    ("(qaohv)~&@%+", {"q": "~", "a": "&", "o": "@", "h": "%", "v": "+"}),
    ("(ohv)@%+", {"o": "@", "h": "%", "v": "+"}),
    ("()", {}),
])
def test_prefix_maps_modes_to_symbols(value, prefix):
    assert ISupport([f"PREFIX={value}"]).prefix == prefix


def test_prefix_keeps_the_server_order_highest_rank_first():
    assert list(ISupport(["PREFIX=(qaohv)~&@%+"]).prefix) == ["q", "a", "o", "h", "v"]


def test_an_empty_prefix_means_no_status_prefixes():
    isupport = ISupport(["PREFIX="])
    assert isupport.prefix == {}
    assert isupport.split_prefixes("@nick") == ("", "@nick")


@pytest.mark.parametrize("value", ["ov)@+", "(ov@+", "(ov)@", "(o)@+", "@+"])
def test_a_malformed_prefix_reads_as_the_default(value):
    assert ISupport([f"PREFIX={value}"]).prefix == {"o": "@", "v": "+"}


def test_changing_the_prefix_returns_the_new_value():
    isupport = ISupport(["PREFIX=(ov)@+"])
    assert isupport.split_prefixes("%nick") == ("", "%nick")
    isupport.update(["PREFIX=(ohv)@%+"])
    assert isupport.prefix == {"o": "@", "h": "%", "v": "+"}
    assert isupport.split_prefixes("%nick") == ("%", "nick")


def test_the_prefix_dict_is_a_copy():
    isupport = ISupport(["PREFIX=(ov)@+"])
    isupport.prefix["x"] = "!"
    assert isupport.prefix == {"o": "@", "v": "+"}


def test_an_empty_chantypes_means_no_channels():
    isupport = ISupport(["CHANTYPES="])
    assert isupport.chantypes == ""
    assert not isupport.is_channel("#chan")


@pytest.mark.parametrize(("value", "groups"), [
    ("b,k,l,imnpst", ("b", "k", "l", "imnpst")),
    ("beI,k", ("beI", "k", "", "")),
    ("b,k,l,imnt,XYZ,W", ("b", "k", "l", "imnt")),
    ("", ("", "", "", "")),
    (",,,", ("", "", "", "")),
])
def test_chanmodes_has_four_groups_whatever_the_server_sends(value, groups):
    assert ISupport([f"CHANMODES={value}"]).chanmodes == groups


def test_an_empty_network_reads_as_none():
    assert ISupport(["NETWORK="]).network is None


@pytest.mark.parametrize("value", ["", "abc", "-5", "0", "+5", " 5", "5_0", "٣", "9" * 5000])
def test_a_malformed_nicklen_reads_as_the_default(value):
    assert ISupport([f"NICKLEN={value}"]).nicklen == 9


@pytest.mark.parametrize("name", ["channellen", "topiclen", "kicklen", "awaylen"])
def test_a_malformed_length_reads_as_none(name):
    isupport = ISupport([f"{name.upper()}=many"])
    assert getattr(isupport, name) is None


def test_a_valueless_modes_means_no_limit():
    assert ISupport(["MODES"]).modes is None


def test_a_malformed_modes_reads_as_three():
    assert ISupport(["MODES=x"]).modes == 3


def test_linelen_reads_the_advertised_length():
    assert ISupport(["LINELEN=8191"]).linelen == 8191


def test_a_malformed_linelen_reads_as_512():
    assert ISupport(["LINELEN=long"]).linelen == 512


def test_targmax_maps_commands_to_limits():
    isupport = ISupport(["TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:"])
    assert isupport.targmax == {"PRIVMSG": 4, "NOTICE": 4, "JOIN": None}


def test_targmax_upper_cases_commands():
    assert ISupport(["TARGMAX=privmsg:3"]).targmax == {"PRIVMSG": 3}


def test_targmax_leaves_out_malformed_entries():
    isupport = ISupport(["TARGMAX=PRIVMSG:x,:4,,KICK:1,WHOIS"])
    assert isupport.targmax == {"KICK": 1, "WHOIS": None}


def test_maxlist_gives_each_mode_its_limit():
    assert ISupport(["MAXLIST=b:100,eI:50"]).maxlist == {"b": 100, "e": 50, "I": 50}


def test_maxlist_leaves_out_malformed_entries():
    assert ISupport(["MAXLIST=b:x,e,I:5,:7"]).maxlist == {"I": 5}


@pytest.mark.parametrize(("token", "mode"), [
    ("EXCEPTS", "e"), ("EXCEPTS=", "e"), ("EXCEPTS=x", "x"),
])
def test_excepts_defaults_to_e_when_valueless(token, mode):
    assert ISupport([token]).excepts == mode


@pytest.mark.parametrize(("token", "mode"), [
    ("INVEX", "I"), ("INVEX=", "I"), ("INVEX=y", "y"),
])
def test_invex_defaults_to_capital_i_when_valueless(token, mode):
    assert ISupport([token]).invex == mode


@pytest.mark.parametrize(("token", "limit"), [
    ("MONITOR=100", 100), ("MONITOR", None), ("MONITOR=lots", None),
])
def test_monitor_reads_the_limit_or_none_for_unlimited(token, limit):
    assert ISupport([token]).monitor == limit


def test_a_valueless_monitor_is_still_present():
    assert "MONITOR" in ISupport(["MONITOR"])


# --- names ---------------------------------------------------------------------

@pytest.mark.parametrize(("name", "is_channel"), [
    ("#chan", True), ("&local", True), ("nick", False), ("", False), ("+modeless", False),
])
def test_is_channel_looks_at_the_first_character_only(name, is_channel):
    assert ISupport().is_channel(name) is is_channel


@pytest.mark.parametrize(("entry", "split"), [
    ("@+nick", ("@+", "nick")),
    ("@nick", ("@", "nick")),
    ("nick", ("", "nick")),
    ("", ("", "")),
    ("@", ("@", "")),
    ("nick@host", ("", "nick@host")),
])
def test_split_prefixes_takes_the_leading_status_symbols(entry, split):
    assert ISupport().split_prefixes(entry) == split


def test_split_prefixes_handles_a_statusmsg_target():
    assert ISupport(["PREFIX=(ov)@+"]).split_prefixes("@#chan") == ("@", "#chan")


def test_fold_defaults_to_rfc1459():
    assert ISupport().fold("Nick[]\\~") == "nick{}|^"


def test_fold_follows_a_changed_casemapping():
    isupport = ISupport(["CASEMAPPING=rfc1459"])
    isupport.update(["CASEMAPPING=strict-rfc1459"])
    assert isupport.fold("A~[") == "a~{"


# --- hostile input -------------------------------------------------------------

_TOKEN = st.one_of(
    st.text(),
    st.builds(
        "{}{}={}".format,
        st.sampled_from(["", "-"]),
        st.sampled_from(["PREFIX", "CHANTYPES", "CHANMODES", "CASEMAPPING", "NICKLEN",
                         "CHANNELLEN", "TOPICLEN", "KICKLEN", "AWAYLEN", "MODES", "LINELEN",
                         "TARGMAX", "STATUSMSG", "MAXLIST", "EXCEPTS", "INVEX", "MONITOR",
                         "NETWORK"]),
        st.text(),
    ),
)

_TYPES = {
    "casemapping": str, "chantypes": str, "statusmsg": str,
    "nicklen": int, "linelen": int,
    "network": (str, type(None)), "excepts": (str, type(None)), "invex": (str, type(None)),
    "channellen": (int, type(None)), "topiclen": (int, type(None)),
    "kicklen": (int, type(None)), "awaylen": (int, type(None)),
    "modes": (int, type(None)), "monitor": (int, type(None)),
}


@settings(deadline=None)
@given(st.lists(st.lists(_TOKEN, max_size=8), max_size=4))
def test_update_never_raises_and_every_property_keeps_its_type(lines):
    isupport = ISupport()
    for tokens in lines:
        isupport.update(tokens)
    for name, kind in _TYPES.items():
        assert isinstance(getattr(isupport, name), kind), name
    prefix = isupport.prefix
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in prefix.items())
    chanmodes = isupport.chanmodes
    assert len(chanmodes) == 4
    assert all(isinstance(group, str) for group in chanmodes)
    assert all(isinstance(v, int | None) for v in isupport.targmax.values())
    assert all(isinstance(v, int) for v in isupport.maxlist.values())
    assert all(isinstance(v, str) for v in isupport.values())


@settings(deadline=None)
@given(st.lists(_TOKEN, max_size=8), st.text(), st.text())
def test_name_helpers_never_raise(tokens, a, b):
    isupport = ISupport(tokens)
    assert isinstance(isupport.is_channel(a), bool)
    assert isinstance(isupport.nick_equal(a, b), bool)
    assert isupport.nick_equal(a, a)
    symbols, rest = isupport.split_prefixes(a)
    assert symbols + rest == a
    assert isupport.fold(isupport.fold(a)) == isupport.fold(a)


@settings(deadline=None)
@given(st.text())
def test_unescape_value_never_raises(value):
    assert isinstance(unescape_value(value), str)

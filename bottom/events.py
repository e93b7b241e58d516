"""Message -> (event name, kwargs).  Pure: no I/O, no asyncio.

Every line becomes exactly one event; nothing here raises.  Known commands
get named kwargs (compatible with bottom 2/3 where those had them), numerics
are named after RFC 1459/2812 and the modern replies users meet, and
anything else arrives under its own command name with ``params``.

Event names are case-insensitive and have aliases: ``"001"``,
``"rpl_welcome"`` and ``" RPL_WELCOME "`` are one event.
:func:`canonical_event` gives the one name every spelling maps to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ctcp import parse_ctcp
from .message import Message, parse_tags, split_source

__all__ = [
    "NUMERICS",
    "ALIASES",
    "EVENT_KWARGS",
    "canonical_event",
    "message_to_event",
    "privmsg_event",
    "CLIENT_CONNECT",
    "CLIENT_DISCONNECT",
    "INVALID_COMMAND",
    "CTCP",
    "CTCP_REPLY",
]

CLIENT_CONNECT = "CLIENT_CONNECT"
CLIENT_DISCONNECT = "CLIENT_DISCONNECT"
#: A line whose command is neither letters nor three digits; kwargs are the
#: generic ones plus ``command`` (as sent).
INVALID_COMMAND = "INVALID_COMMAND"
#: Every CTCP request also triggers CTCP (after CTCP_<COMMAND>); a CTCP
#: reply (a framed NOTICE) triggers CTCP_REPLY.
CTCP = "CTCP"
CTCP_REPLY = "CTCP_REPLY"

#: Numeric -> event name: RFC 1459/2812 plus the modern numerics of
#: ircdocs' "Modern IRC" (IRCv3 SASL, MONITOR, STARTTLS, WHOIS extras).
NUMERICS: dict[str, str] = {
    "001": "RPL_WELCOME", "002": "RPL_YOURHOST", "003": "RPL_CREATED",
    "004": "RPL_MYINFO", "005": "RPL_ISUPPORT", "042": "RPL_YOURID",
    "200": "RPL_TRACELINK", "201": "RPL_TRACECONNECTING", "202": "RPL_TRACEHANDSHAKE",
    "203": "RPL_TRACEUNKNOWN", "204": "RPL_TRACEOPERATOR", "205": "RPL_TRACEUSER",
    "206": "RPL_TRACESERVER", "207": "RPL_TRACESERVICE", "208": "RPL_TRACENEWTYPE",
    "209": "RPL_TRACECLASS", "210": "RPL_TRACERECONNECT",
    "211": "RPL_STATSLINKINFO", "212": "RPL_STATSCOMMANDS", "213": "RPL_STATSCLINE",
    "214": "RPL_STATSNLINE", "215": "RPL_STATSILINE", "216": "RPL_STATSKLINE",
    "217": "RPL_STATSQLINE", "218": "RPL_STATSYLINE", "219": "RPL_ENDOFSTATS",
    "221": "RPL_UMODEIS", "231": "RPL_SERVICEINFO", "232": "RPL_ENDOFSERVICES",
    "233": "RPL_SERVICE", "234": "RPL_SERVLIST", "235": "RPL_SERVLISTEND",
    "240": "RPL_STATSVLINE", "241": "RPL_STATSLLINE", "242": "RPL_STATSUPTIME",
    "243": "RPL_STATSOLINE", "244": "RPL_STATSHLINE", "245": "RPL_STATSSLINE",
    "246": "RPL_STATSPING", "247": "RPL_STATSBLINE", "250": "RPL_STATSCONN",
    "251": "RPL_LUSERCLIENT", "252": "RPL_LUSEROP", "253": "RPL_LUSERUNKNOWN",
    "254": "RPL_LUSERCHANNELS", "255": "RPL_LUSERME", "256": "RPL_ADMINME",
    "257": "RPL_ADMINLOC1", "258": "RPL_ADMINLOC2", "259": "RPL_ADMINEMAIL",
    "261": "RPL_TRACELOG", "262": "RPL_TRACEEND", "263": "RPL_TRYAGAIN",
    "265": "RPL_LOCALUSERS", "266": "RPL_GLOBALUSERS", "276": "RPL_WHOISCERTFP",
    "300": "RPL_NONE", "301": "RPL_AWAY", "302": "RPL_USERHOST", "303": "RPL_ISON",
    "305": "RPL_UNAWAY", "306": "RPL_NOWAWAY", "307": "RPL_WHOISREGNICK",
    "311": "RPL_WHOISUSER", "312": "RPL_WHOISSERVER", "313": "RPL_WHOISOPERATOR",
    "314": "RPL_WHOWASUSER", "315": "RPL_ENDOFWHO", "316": "RPL_WHOISCHANOP",
    "317": "RPL_WHOISIDLE", "318": "RPL_ENDOFWHOIS", "319": "RPL_WHOISCHANNELS",
    "320": "RPL_WHOISSPECIAL", "321": "RPL_LISTSTART", "322": "RPL_LIST",
    "323": "RPL_LISTEND", "324": "RPL_CHANNELMODEIS", "325": "RPL_UNIQOPIS",
    "329": "RPL_CREATIONTIME", "330": "RPL_WHOISACCOUNT", "331": "RPL_NOTOPIC",
    "332": "RPL_TOPIC", "333": "RPL_TOPICWHOTIME", "338": "RPL_WHOISACTUALLY",
    "341": "RPL_INVITING", "342": "RPL_SUMMONING", "346": "RPL_INVITELIST",
    "347": "RPL_ENDOFINVITELIST", "348": "RPL_EXCEPTLIST", "349": "RPL_ENDOFEXCEPTLIST",
    "351": "RPL_VERSION", "352": "RPL_WHOREPLY", "353": "RPL_NAMREPLY",
    "354": "RPL_WHOSPCRPL", "361": "RPL_KILLDONE", "362": "RPL_CLOSING",
    "363": "RPL_CLOSEEND", "364": "RPL_LINKS", "365": "RPL_ENDOFLINKS",
    "366": "RPL_ENDOFNAMES", "367": "RPL_BANLIST", "368": "RPL_ENDOFBANLIST",
    "369": "RPL_ENDOFWHOWAS", "371": "RPL_INFO", "372": "RPL_MOTD",
    "373": "RPL_INFOSTART", "374": "RPL_ENDOFINFO", "375": "RPL_MOTDSTART",
    "376": "RPL_ENDOFMOTD", "378": "RPL_WHOISHOST", "379": "RPL_WHOISMODES",
    "381": "RPL_YOUREOPER", "382": "RPL_REHASHING", "383": "RPL_YOURESERVICE",
    "384": "RPL_MYPORTIS", "391": "RPL_TIME", "392": "RPL_USERSSTART",
    "393": "RPL_USERS", "394": "RPL_ENDOFUSERS", "395": "RPL_NOUSERS",
    "396": "RPL_HOSTHIDDEN",
    "400": "ERR_UNKNOWNERROR", "401": "ERR_NOSUCHNICK", "402": "ERR_NOSUCHSERVER",
    "403": "ERR_NOSUCHCHANNEL", "404": "ERR_CANNOTSENDTOCHAN",
    "405": "ERR_TOOMANYCHANNELS", "406": "ERR_WASNOSUCHNICK",
    "407": "ERR_TOOMANYTARGETS", "408": "ERR_NOSUCHSERVICE", "409": "ERR_NOORIGIN",
    "410": "ERR_INVALIDCAPCMD", "411": "ERR_NORECIPIENT", "412": "ERR_NOTEXTTOSEND",
    "413": "ERR_NOTOPLEVEL", "414": "ERR_WILDTOPLEVEL", "415": "ERR_BADMASK",
    "417": "ERR_INPUTTOOLONG", "421": "ERR_UNKNOWNCOMMAND", "422": "ERR_NOMOTD",
    "423": "ERR_NOADMININFO", "424": "ERR_FILEERROR", "431": "ERR_NONICKNAMEGIVEN",
    "432": "ERR_ERRONEUSNICKNAME", "433": "ERR_NICKNAMEINUSE",
    "436": "ERR_NICKCOLLISION", "437": "ERR_UNAVAILRESOURCE",
    "441": "ERR_USERNOTINCHANNEL", "442": "ERR_NOTONCHANNEL", "443": "ERR_USERONCHANNEL",
    "444": "ERR_NOLOGIN", "445": "ERR_SUMMONDISABLED", "446": "ERR_USERSDISABLED",
    "451": "ERR_NOTREGISTERED", "461": "ERR_NEEDMOREPARAMS",
    "462": "ERR_ALREADYREGISTRED", "463": "ERR_NOPERMFORHOST",
    "464": "ERR_PASSWDMISMATCH", "465": "ERR_YOUREBANNEDCREEP",
    "466": "ERR_YOUWILLBEBANNED", "467": "ERR_KEYSET", "471": "ERR_CHANNELISFULL",
    "472": "ERR_UNKNOWNMODE", "473": "ERR_INVITEONLYCHAN", "474": "ERR_BANNEDFROMCHAN",
    "475": "ERR_BADCHANNELKEY", "476": "ERR_BADCHANMASK", "477": "ERR_NOCHANMODES",
    "478": "ERR_BANLISTFULL", "481": "ERR_NOPRIVILEGES", "482": "ERR_CHANOPRIVSNEEDED",
    "483": "ERR_CANTKILLSERVER", "484": "ERR_RESTRICTED", "485": "ERR_UNIQOPPRIVSNEEDED",
    "491": "ERR_NOOPERHOST", "501": "ERR_UMODEUNKNOWNFLAG", "502": "ERR_USERSDONTMATCH",
    "524": "ERR_HELPNOTFOUND", "525": "ERR_INVALIDKEY",
    "670": "RPL_STARTTLS", "671": "RPL_WHOISSECURE", "691": "ERR_STARTTLS",
    "696": "ERR_INVALIDMODEPARAM", "704": "RPL_HELPSTART", "705": "RPL_HELPTXT",
    "706": "RPL_ENDOFHELP", "723": "ERR_NOPRIVS",
    "730": "RPL_MONONLINE", "731": "RPL_MONOFFLINE", "732": "RPL_MONLIST",
    "733": "RPL_ENDOFMONLIST", "734": "ERR_MONLISTFULL",
    "900": "RPL_LOGGEDIN", "901": "RPL_LOGGEDOUT", "902": "ERR_NICKLOCKED",
    "903": "RPL_SASLSUCCESS", "904": "ERR_SASLFAIL", "905": "ERR_SASLTOOLONG",
    "906": "ERR_SASLABORTED", "907": "ERR_SASLALREADY", "908": "RPL_SASLMECHS",
}

#: Other names users know the same events by -> the canonical name.
ALIASES: dict[str, str] = {
    "RPL_BOUNCE": "RPL_ISUPPORT",  # RFC 2812's name for 005; bottom 2/3 used it
    "ERR_ALREADYREGISTERED": "ERR_ALREADYREGISTRED",  # the RFC's typo, fixed
    "RPL_VISIBLEHOST": "RPL_HOSTHIDDEN",
    "ERR_NEEDREGGEDNICK": "ERR_NOCHANMODES",  # 477 on most modern servers
    "RPL_STATSDLINE": "RPL_STATSCONN",
    "ERR_NICKTOOFAST": "ERR_UNAVAILRESOURCE",
}


def _build_lookup() -> dict[str, str]:
    lookup = {name: name for name in NUMERICS.values()}
    lookup.update(NUMERICS)
    lookup.update(ALIASES)
    return lookup


_CANONICAL = _build_lookup()


def canonical_event(name: str) -> str:
    """The one name every spelling of an event maps to.

    Strips, upper-cases, then resolves numerics (``"001"``) and aliases
    (``"RPL_BOUNCE"``) to the canonical name (``"RPL_ISUPPORT"``).  Any
    other name is returned stripped and upper-cased, so user events work.
    """
    if not isinstance(name, str):
        raise TypeError(f"event names are strings, not {type(name).__name__}: {name!r}")
    key = name.strip().upper()
    return _CANONICAL.get(key, key)


# --- kwargs builders --------------------------------------------------------
# Each takes the params tuple and fills ``kw``; IndexError means the line
# lacked a parameter its command needs, and the generic kwargs are used
# instead (see message_to_event).

_Unpacker = Callable[[tuple[str, ...], dict[str, Any]], "str | None"]
_CHANNEL_PREFIXES = "#&!+"


def _int(text: str) -> int:
    """A count as servers write it: ASCII digits only.

    ``int()`` alone also takes ``" 7"``, ``"+7"``, ``"1_000"`` and
    non-ASCII digits, which would hand a handler a number the line never
    held.
    """
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"not a count: {text!r}")
    return int(text)


def _privmsg(p: tuple[str, ...], kw: dict[str, Any]) -> str | None:
    return _text_message(p, kw, request=True)


def _notice(p: tuple[str, ...], kw: dict[str, Any]) -> str | None:
    return _text_message(p, kw, request=False)


def _text_message(p: tuple[str, ...], kw: dict[str, Any], *, request: bool) -> str | None:
    """PRIVMSG/NOTICE kwargs.  A ``\\x01``-framed PRIVMSG is a CTCP request
    (CTCP_<COMMAND>), a framed NOTICE a reply (CTCP_REPLY); both keep
    ``message`` as sent."""
    kw["target"] = p[0]
    text = kw["message"] = p[1]
    if text[:1] != "\x01":
        return None
    parsed = parse_ctcp(text)
    if parsed is None:
        return None
    kw["command"], kw["args"] = parsed
    # canonical_event: "\x01VERSION\t\x01" must give an event a handler
    # can register for.
    return canonical_event("CTCP_" + parsed[0]) if request else CTCP_REPLY


def _join(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[0]
    if len(p) >= 3:  # extended-join: account ("*" if none) and realname
        kw["account"] = None if p[1] == "*" else p[1]
        kw["realname"] = p[2]


def _part(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[0]
    kw["message"] = p[1] if len(p) > 1 else ""


def _optional_message(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[0] if p else ""


def _last_message(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[-1]


def _nick(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["new_nick"] = p[0]


def _invite(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["target"] = p[0]
    kw["channel"] = p[1]


def _kick(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[0]
    kw["target"] = p[1]
    kw["message"] = p[2] if len(p) > 2 else ""


def _topic(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[0]
    kw["message"] = p[1] if len(p) > 1 else ""


def _mode(p: tuple[str, ...], kw: dict[str, Any]) -> str:
    target = p[0]
    if target and target[0] in _CHANNEL_PREFIXES:
        kw["channel"] = target
        kw["modes"] = p[1]
        kw["params"] = list(p[2:])
        return "CHANNELMODE"
    kw["nick"] = target  # bottom 2/3: USERMODE's nick is whose modes changed
    kw["modes"] = p[1]
    return "USERMODE"


def _pong(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["server"] = p[0] if len(p) > 1 else None
    kw["message"] = p[-1]


def _cap(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["target"] = p[0]
    kw["subcommand"] = p[1].upper()
    # "CAP * LS * :caps" marks a continued multi-line reply.
    kw["more"] = len(p) > 3 and p[2] == "*"
    kw["message"] = p[-1] if len(p) > 2 else ""
    kw["capabilities"] = kw["message"].split()


def _authenticate(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[0]


def _away(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[0] if p else None  # None: no longer away


def _account(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["account"] = None if p[0] == "*" else p[0]


def _chghost(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["new_user"] = p[0]
    kw["new_host"] = p[1]


def _setname(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["realname"] = p[0]


def _tagmsg(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["target"] = p[0]


def _batch(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    if p[0][:1] not in ("+", "-") or len(p[0]) < 2:
        raise ValueError(f"not a batch reference: {p[0]!r}")
    kw["reference"] = p[0][1:]
    kw["starting"] = p[0][:1] == "+"
    kw["type"] = p[1] if len(p) > 1 else None
    kw["params"] = list(p[2:])


def _kill(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["target"] = p[0]
    kw["message"] = p[1] if len(p) > 1 else ""


def _standard_reply(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["command"] = p[0]
    kw["code"] = p[1]
    kw["context"] = list(p[2:-1])
    kw["description"] = p[-1] if len(p) > 2 else ""


# Commands sent by a user (or server) whose source becomes nick/user/host.
_COMMANDS: dict[str, _Unpacker] = {
    "PRIVMSG": _privmsg, "NOTICE": _notice, "JOIN": _join,
    "PART": _part, "QUIT": _optional_message, "NICK": _nick, "INVITE": _invite,
    "KICK": _kick, "TOPIC": _topic, "MODE": _mode, "PING": _last_message,
    "PONG": _pong, "ERROR": _last_message, "CAP": _cap,
    "AUTHENTICATE": _authenticate, "AWAY": _away, "ACCOUNT": _account,
    "CHGHOST": _chghost, "SETNAME": _setname, "TAGMSG": _tagmsg, "BATCH": _batch,
    "WALLOPS": _last_message, "KILL": _kill,
    "FAIL": _standard_reply, "WARN": _standard_reply, "NOTE": _standard_reply,
}
# PING and ERROR come from servers: bottom 2/3 gave them only ``message``.
_NO_SOURCE_KWARGS = frozenset({"PING", "ERROR", "AUTHENTICATE"})


# Numerics: params[0] is always our own nick ("target"); these add names
# for the rest.

def _n_message(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[1:][-1]


def _n_info(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["info"] = list(p[1:-1])
    kw["message"] = p[1:][-1]


def _n_count(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["count"] = _int(p[1])
    kw["message"] = p[2] if len(p) > 2 else ""


def _n_channel_message(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[1]
    kw["message"] = p[2] if len(p) > 2 else ""


def _n_namreply(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    if len(p) < 3:  # "353 me :names" has no channel to name
        raise IndexError("RPL_NAMREPLY without a channel")
    kw["channel_type"] = p[1] if len(p) > 3 else None
    kw["channel"] = p[-2]
    kw["users"] = p[-1].split()


def _n_whoreply(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    (kw["channel"], kw["user"], kw["host"], kw["server"], kw["nick"],
     kw["hg_code"]) = p[1:7]
    hopcount, _, kw["real_name"] = p[7].partition(" ")
    kw["hopcount"] = _int(hopcount)


def _n_endofwho(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["name"] = p[1]
    kw["message"] = p[2] if len(p) > 2 else ""


def _n_topicwhotime(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[1]
    kw["setter"] = p[2]
    kw["set_at"] = _int(p[3])


def _n_nick_message(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["nick"] = p[1]
    kw["message"] = p[2] if len(p) > 2 else ""


def _n_command_message(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["command"] = p[1]
    kw["message"] = p[2] if len(p) > 2 else ""


def _n_whoisuser(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["nick"], kw["user"], kw["host"] = p[1], p[2], p[3]
    # "311 me nick user host * :real name"; some servers leave out the "*".
    kw["real_name"] = p[5] if len(p) > 5 else p[4]


def _n_hosthidden(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["host"] = p[1]
    kw["message"] = p[2] if len(p) > 2 else ""


def _n_loggedin(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["mask"] = p[1]
    kw["account"] = p[2]
    kw["message"] = p[3] if len(p) > 3 else ""


def _n_loggedout(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["mask"] = p[1]
    kw["message"] = p[2] if len(p) > 2 else ""


def _n_saslmechs(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["mechanisms"] = p[1].split(",")
    kw["message"] = p[2] if len(p) > 2 else ""


def _n_monitor(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["targets"] = [t for t in p[1].split(",") if t]


def _n_monlistfull(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["limit"] = _int(p[1])
    kw["targets"] = [t for t in p[2].split(",") if t]
    kw["message"] = p[3] if len(p) > 3 else ""


def _n_list(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[1]
    kw["visible"] = _int(p[2])
    kw["topic"] = p[3] if len(p) > 3 else ""


def _n_channelmodeis(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[1]
    kw["modes"] = p[2]
    kw["mode_params"] = list(p[3:])


def _n_umodeis(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["modes"] = p[1]


def _n_banlist(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[1]
    kw["mask"] = p[2]
    kw["setter"] = p[3] if len(p) > 3 else None
    kw["set_at"] = _int(p[4]) if len(p) > 4 else None


_NUMERIC_UNPACKERS: dict[str, _Unpacker] = {
    "RPL_WELCOME": _n_message, "RPL_YOURHOST": _n_message, "RPL_CREATED": _n_message,
    "RPL_LUSERCLIENT": _n_message, "RPL_LUSERME": _n_message,
    "RPL_MOTDSTART": _n_message, "RPL_MOTD": _n_message, "RPL_ENDOFMOTD": _n_message,
    "ERR_NOMOTD": _n_message, "RPL_YOUREOPER": _n_message, "RPL_UNAWAY": _n_message,
    "RPL_NOWAWAY": _n_message, "RPL_SASLSUCCESS": _n_message, "ERR_SASLFAIL": _n_message,
    "ERR_SASLTOOLONG": _n_message, "ERR_SASLABORTED": _n_message,
    "ERR_SASLALREADY": _n_message, "ERR_NICKLOCKED": _n_message,
    "ERR_NOTREGISTERED": _n_message, "ERR_PASSWDMISMATCH": _n_message,
    "ERR_YOUREBANNEDCREEP": _n_message, "ERR_NONICKNAMEGIVEN": _n_message,
    "RPL_STARTTLS": _n_message, "ERR_STARTTLS": _n_message, "RPL_INFO": _n_message,
    "RPL_ENDOFINFO": _n_message, "RPL_LOCALUSERS": _n_message,
    "RPL_GLOBALUSERS": _n_message, "ERR_NOPRIVILEGES": _n_message,
    "RPL_MYINFO": _n_info, "RPL_ISUPPORT": _n_info,
    "RPL_LUSEROP": _n_count, "RPL_LUSERUNKNOWN": _n_count,
    "RPL_LUSERCHANNELS": _n_count,
    "RPL_TOPIC": _n_channel_message, "RPL_NOTOPIC": _n_channel_message,
    "RPL_ENDOFNAMES": _n_channel_message, "RPL_ENDOFBANLIST": _n_channel_message,
    "ERR_NOSUCHCHANNEL": _n_channel_message, "ERR_CANNOTSENDTOCHAN": _n_channel_message,
    "ERR_TOOMANYCHANNELS": _n_channel_message, "ERR_NOTONCHANNEL": _n_channel_message,
    "ERR_CHANNELISFULL": _n_channel_message, "ERR_INVITEONLYCHAN": _n_channel_message,
    "ERR_BANNEDFROMCHAN": _n_channel_message, "ERR_BADCHANNELKEY": _n_channel_message,
    "ERR_BADCHANMASK": _n_channel_message, "ERR_NOCHANMODES": _n_channel_message,
    "ERR_CHANOPRIVSNEEDED": _n_channel_message,
    "RPL_NAMREPLY": _n_namreply, "RPL_WHOREPLY": _n_whoreply,
    "RPL_ENDOFWHO": _n_endofwho, "RPL_TOPICWHOTIME": _n_topicwhotime,
    "RPL_AWAY": _n_nick_message, "ERR_NOSUCHNICK": _n_nick_message,
    "ERR_WASNOSUCHNICK": _n_nick_message, "ERR_ERRONEUSNICKNAME": _n_nick_message,
    "ERR_NICKNAMEINUSE": _n_nick_message, "ERR_NICKCOLLISION": _n_nick_message,
    "ERR_UNAVAILRESOURCE": _n_nick_message, "RPL_ENDOFWHOIS": _n_nick_message,
    "RPL_ENDOFWHOWAS": _n_nick_message,
    "ERR_UNKNOWNCOMMAND": _n_command_message, "ERR_NEEDMOREPARAMS": _n_command_message,
    "RPL_WHOISUSER": _n_whoisuser, "RPL_WHOWASUSER": _n_whoisuser,
    "RPL_HOSTHIDDEN": _n_hosthidden, "RPL_LOGGEDIN": _n_loggedin,
    "RPL_LOGGEDOUT": _n_loggedout, "RPL_SASLMECHS": _n_saslmechs,
    "RPL_MONONLINE": _n_monitor, "RPL_MONOFFLINE": _n_monitor, "RPL_MONLIST": _n_monitor,
    "ERR_MONLISTFULL": _n_monlistfull, "RPL_LIST": _n_list,
    "RPL_CHANNELMODEIS": _n_channelmodeis, "RPL_UMODEIS": _n_umodeis,
    "RPL_BANLIST": _n_banlist,
}


#: Event name -> the kwargs it carries besides ``tags``, in order; for the
#: docs and tests.  Built by running each unpacker on a sample line, so it
#: cannot drift from what handlers really receive.
EVENT_KWARGS: dict[str, tuple[str, ...]] = {}


def _document() -> None:
    # Digits survive every count; "+1" is a BATCH reference and "8 x" a
    # WHO reply's "hopcount realname".
    sample = ("+1", "2", "3", "4", "5", "6", "7", "8 x")
    for command, unpacker in _COMMANDS.items():
        source = () if command in _NO_SOURCE_KWARGS else ("nick", "user", "host")
        kw: dict[str, Any] = {}
        if command == "MODE":
            for first in ("#c", "n"):
                kw = {}
                name = _mode((first, *sample), kw)
                EVENT_KWARGS[name] = tuple(dict.fromkeys((*source, *kw)))
            continue
        unpacker(sample, kw)
        EVENT_KWARGS[command] = (*source, *kw)
    # CTCP_ACTION stands for every CTCP_<COMMAND>; the client also triggers
    # CTCP with the same kwargs.
    for name in ("CTCP_ACTION", CTCP_REPLY):
        EVENT_KWARGS[name] = ("nick", "user", "host", "target", "message", "command", "args")
    for name, numeric_unpacker in _NUMERIC_UNPACKERS.items():
        kw = {}
        numeric_unpacker(sample, kw)
        EVENT_KWARGS[name] = ("target", "params", *kw)


_document()


# The same few hundred sources send most lines; splitting each once saves a
# third of the mapping time.  Bounded: cleared when it reaches the limit.
_SOURCES: dict[str | None, tuple[str | None, str | None, str | None]] = {}
_SOURCES_LIMIT = 4096


def _split_into(cache: dict[Any, tuple[str | None, str | None, str | None]], key: Any,
                source: str | None) -> tuple[str | None, str | None, str | None]:
    """``split_source(source)``, remembered under ``key`` in a bounded cache."""
    if len(cache) >= _SOURCES_LIMIT:
        cache.clear()
    parts = cache[key] = split_source(source)
    return parts


def _split_source_cached(source: str | None) -> tuple[str | None, str | None, str | None]:
    return _split_into(_SOURCES, source, source)


# The same, keyed by the prefix as a line carries it (":nick!user@host"),
# for privmsg_event; apart from _SOURCES because a source may itself begin
# with ":" (the line "::odd PRIVMSG ...").
_PREFIXES: dict[str, tuple[str | None, str | None, str | None]] = {}


def message_to_event(msg: Message) -> tuple[str, dict[str, Any]]:
    """Map one Message to ``(event name, kwargs)``.  Never raises.

    Every event's kwargs include ``tags`` (a dict).  Commands that users
    send get ``nick``, ``user`` and ``host`` from the source; numerics get
    ``target`` (the client's own nick) and ``params``.  A command or
    numeric with no table entry gets ``params`` (a list) plus ``nick``,
    ``user`` and ``host`` (numerics also keep ``target``).  A known command
    missing a parameter its kwargs need gets the same generic kwargs
    instead (a numeric: only ``target`` and ``params``), so no handler is
    handed a made-up value.
    """
    command = msg.command
    params = msg.params
    if command == "PRIVMSG" and len(params) == 2 and params[1][:1] != "\x01":
        # The line busy channels are made of: one dict display, no calls.
        source = msg.source
        nick, user, host = _SOURCES.get(source) or _split_source_cached(source)
        return "PRIVMSG", {"tags": msg.tags, "nick": nick, "user": user, "host": host,
                           "target": params[0], "message": params[1]}
    unpacker = _COMMANDS.get(command)
    if unpacker is None:
        # Not the usual spelling: "privmsg", or "AWAY\r" from a line that
        # ended in "\r\r\n" (the decoder drops only one CR).  Only ASCII is
        # upper-cased: "PR\u0131VMSG".upper() would pose as PRIVMSG.
        command = command.rstrip("\r")
        if command.isascii():
            command = command.upper()
        unpacker = _COMMANDS.get(command)
    if unpacker is not None:
        kw: dict[str, Any] = {"tags": msg.tags}
        if command not in _NO_SOURCE_KWARGS:
            source = msg.source
            kw["nick"], kw["user"], kw["host"] = (_SOURCES.get(source)
                                                  or _split_source_cached(source))
        try:
            renamed = unpacker(params, kw)
        except (IndexError, ValueError):
            return command, _generic(msg)
        return renamed or command, kw
    if len(command) == 3 and command.isdigit():
        name = NUMERICS.get(command, command)
        kw = {"tags": msg.tags, "target": params[0] if params else None,
              "params": list(params)}
        numeric_unpacker = _NUMERIC_UNPACKERS.get(name)
        if numeric_unpacker is None:
            kw["nick"], kw["user"], kw["host"] = split_source(msg.source)
            return name, kw
        try:
            numeric_unpacker(params, kw)
        except (IndexError, ValueError):
            return name, {"tags": msg.tags, "target": kw["target"],
                          "params": list(params)}
        return name, kw
    if command.isascii() and command.isalpha():
        return command, _generic(msg)  # a command we have no table for
    # Not a command token (letters, or three digits): a server must not be
    # able to fake CLIENT_DISCONNECT or RPL_WELCOME by sending that word.
    kw = _generic(msg)
    kw["command"] = msg.command
    return INVALID_COMMAND, kw


def privmsg_event(line: str) -> dict[str, Any] | None:
    """The PRIVMSG kwargs of one line, without building a :class:`Message`.

    Busy channels are almost all ``[@tags ]:source PRIVMSG target :text``
    lines; this maps exactly that shape in a few splits.  Anything else
    (another command, a CTCP, runs of spaces, no ``:`` before the text)
    gives None and goes the general way.  Where it gives kwargs they equal
    ``message_to_event(Message.parse(line))[1]``, which a property test
    holds it to.
    """
    if line[:1] == "@":
        tag_text, _, line = line.partition(" ")
        tags = parse_tags(tag_text[1:])
    else:
        tags = {}
    words = line.split(" ", 3)
    if len(words) != 4 or words[1] != "PRIVMSG":
        return None
    prefix, _, target, text = words
    if text[:1] != ":" or text[1:2] == "\x01" or not target or target[0] == ":":
        return None
    parts = _PREFIXES.get(prefix)
    if parts is None:
        if prefix[:1] != ":" or len(prefix) == 1:
            return None
        parts = _split_into(_PREFIXES, prefix, prefix[1:])
    nick, user, host = parts
    return {"tags": tags, "nick": nick, "user": user, "host": host,
            "target": target, "message": text[1:]}


def _generic(msg: Message) -> dict[str, Any]:
    nick, user, host = split_source(msg.source)
    return {"tags": msg.tags, "params": list(msg.params),
            "nick": nick, "user": user, "host": host}

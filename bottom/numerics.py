"""Numeric replies: their names, aliases and kwargs.  Pure: no I/O.

:data:`NUMERICS` maps the three digits to the event name, :data:`ALIASES`
other names users know an event by, and :data:`NUMERIC_UNPACKERS` the
kwargs each known numeric carries (see :mod:`bottom.events`, which maps
every line through them).

In every WHOIS reply numeric the nick asked about is ``nick`` (311-319,
330, 338, 378, 379, 671 ...); the server that sent the line is not a kwarg
(it is in the Message's source).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["NUMERICS", "ALIASES", "NUMERIC_UNPACKERS"]

Unpacker = Callable[[tuple[str, ...], dict[str, Any]], "str | None"]

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


def _int(text: str) -> int:
    """A count as servers write it: ASCII digits only.

    ``int()`` alone also takes ``" 7"``, ``"+7"``, ``"1_000"`` and
    non-ASCII digits, which would hand a handler a number the line never
    held.
    """
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"not a count: {text!r}")
    return int(text)


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
    entries = p[-1].split()
    # With userhost-in-names an entry is "@nick!user@host": "users" stays
    # the prefixed nicks bottom 2/3 gave; "userhosts" has the entries as sent.
    kw["users"] = [entry.partition("!")[0] for entry in entries]
    kw["userhosts"] = entries


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


def _n_whoisserver(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["nick"], kw["server"] = p[1], p[2]
    kw["server_info"] = p[3] if len(p) > 3 else ""


def _n_whoisidle(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    # "317 me nick 12 1700000000 :seconds idle, signon time"; signon is
    # missing on old servers.
    kw["nick"] = p[1]
    kw["idle"] = _int(p[2])
    kw["signon"] = _int(p[3]) if len(p) > 4 else None
    kw["message"] = p[-1] if len(p) > 3 else ""


def _n_whoischannels(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    # Channels keep their status prefixes ("@#ops"); inspircd ends the
    # list with a space.
    kw["nick"] = p[1]
    kw["channels"] = p[2].split() if len(p) > 2 else []


def _n_whoisaccount(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["nick"], kw["account"] = p[1], p[2]
    kw["message"] = p[3] if len(p) > 3 else ""


def _n_whoisactually(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    # Shapes vary: "338 me nick host :text", "338 me nick user@host ip :text".
    kw["nick"] = p[1]
    kw["host"] = p[2] if len(p) > 3 else None
    kw["ip"] = p[3] if len(p) > 4 else None
    kw["message"] = p[-1] if len(p) > 2 else ""


NUMERIC_UNPACKERS: dict[str, Unpacker] = {
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
    "RPL_WHOISSERVER": _n_whoisserver, "RPL_WHOISIDLE": _n_whoisidle,
    "RPL_WHOISCHANNELS": _n_whoischannels, "RPL_WHOISACCOUNT": _n_whoisaccount,
    "RPL_WHOISACTUALLY": _n_whoisactually, "RPL_WHOISSECURE": _n_nick_message,
    "RPL_WHOISOPERATOR": _n_nick_message, "RPL_WHOISCERTFP": _n_nick_message,
    "RPL_WHOISREGNICK": _n_nick_message, "RPL_WHOISSPECIAL": _n_nick_message,
    "RPL_WHOISHOST": _n_nick_message, "RPL_WHOISMODES": _n_nick_message,
    "RPL_WHOISCHANOP": _n_nick_message,
}

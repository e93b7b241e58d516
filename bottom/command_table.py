"""The patterns ``send()`` knows for each command, as data.

RFC 2812 with bottom 2/3's kwarg names, then IRCv3 and modern extensions.
:mod:`bottom.commands` reads the pattern language and registers every form
listed here at import; users add their own with
:func:`bottom.register_pattern`.  Forms are written richest first only for
reading: registration sorts them anyway.  Pure data: no imports.
"""

from __future__ import annotations

__all__ = ["PATTERNS"]

PATTERNS: dict[str, tuple[str, ...]] = {
    "PASS": ("PASS {password}",),
    "NICK": ("NICK {nick}",),
    # bottom 2 named the user name "nick", bottom 3 "user": both work.
    "USER": ("USER {nick} {mode} * :{realname}", "USER {nick} 0 * :{realname}",
             "USER {user} {mode} * :{realname}", "USER {user} 0 * :{realname}"),
    "OPER": ("OPER {nick} {password}", "OPER {user} {password}"),
    "USERMODE": ("MODE {nick} {modes:opt}",),
    "SERVICE": ("SERVICE {nick} * {distribution} {type} 0 :{info}",),
    "QUIT": ("QUIT :{message:opt}",),
    "SQUIT": ("SQUIT {server} :{message:opt}",),
    "JOIN": ("JOIN {channel:comma} {key:opt|comma}",),
    "PART": ("PART {channel:comma} :{message:opt}",),
    # bottom 2 took modes= and params=, bottom 3 params= alone ("+o nick").
    "CHANNELMODE": ("MODE {channel} {modes:opt} {params:opt|space}",
                    "MODE {channel} {params:space}"),
    "TOPIC": ("TOPIC {channel} :{message:opt}",),
    "NAMES": ("NAMES {channel:opt|comma} {target:opt}",),
    "LIST": ("LIST {channel:opt|comma} {target:opt}",),
    "INVITE": ("INVITE {nick} {channel}",),
    "KICK": ("KICK {channel:comma} {nick:comma} :{message:opt}",),
    "PRIVMSG": ("PRIVMSG {target:comma} :{message}",),
    "NOTICE": ("NOTICE {target:comma} :{message}",),
    "MOTD": ("MOTD {target:opt}",),
    "LUSERS": ("LUSERS {mask:opt} {target:opt}",),
    "VERSION": ("VERSION {target:opt}",),
    "STATS": ("STATS {query:opt} {target:opt}",),
    "LINKS": ("LINKS {remote} {mask}", "LINKS {mask:opt}"),
    "TIME": ("TIME {target:opt}",),
    "CONNECT": ("CONNECT {target} {port} {remote:opt}",),
    "TRACE": ("TRACE {target:opt}",),
    "ADMIN": ("ADMIN {target:opt}",),
    "INFO": ("INFO {target:opt}",),
    "SERVLIST": ("SERVLIST {mask:opt} {type:opt}",),
    "SQUERY": ("SQUERY {target} :{message}",),
    "WHO": ("WHO {mask:opt} {o:bool}",),
    "WHOIS": ("WHOIS {target} {mask:comma}", "WHOIS {mask:comma}"),
    "WHOWAS": ("WHOWAS {nick:comma} {count:opt} {target:opt}",),
    "KILL": ("KILL {nick} :{message}",),
    "PING": ("PING :{message:opt}", "PING {message} {target}"),
    "PONG": ("PONG :{message:opt}", "PONG {server} :{message}"),
    "AWAY": ("AWAY :{message:opt}",),
    "REHASH": ("REHASH",),
    "DIE": ("DIE",),
    "RESTART": ("RESTART",),
    "SUMMON": ("SUMMON {nick} {target:opt} {channel:opt}",),
    "USERS": ("USERS {target:opt}",),
    "WALLOPS": ("WALLOPS :{message}",),
    "USERHOST": ("USERHOST {nick:space}",),
    "ISON": ("ISON {nick:space}",),
    # IRCv3 and modern extensions
    "CAP": ("CAP {subcommand:upper} :{capabilities:space}",
            "CAP {subcommand:upper} {version}", "CAP {subcommand:upper}"),
    "AUTHENTICATE": ("AUTHENTICATE {message}",),
    "TAGMSG": ("TAGMSG {target}",),
    "MONITOR": ("MONITOR {subcommand:upper} {targets:opt|comma}",),
    "SETNAME": ("SETNAME :{realname}",),
    "KNOCK": ("KNOCK {channel} :{message:opt}",),
}



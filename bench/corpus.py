"""A deterministic, realistic corpus of the lines an IRC client receives.

Real logs would be better input, but they carry people's nicks, hosts and
words, so the benchmarks build their own: what a client sitting in a
dozen busy channels on a modern (IRCv3) network receives.  :data:`MIX`
gives each command's share.  The shapes are the ones that make a parser
do different work: lines with and without tags, escaped tag values,
hostmasks of real lengths, texts of 5 to 300 characters with some UTF-8,
long NAMES and ISUPPORT replies.  A change that only speeds up the easy
lines therefore moves the figures only as much as those lines weigh.

``python bench/corpus.py`` prints the share of each command and a sample.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = ["MIX", "make_corpus"]

#: Kind of line -> its share of the corpus, in percent.
MIX: dict[str, int] = {
    "PRIVMSG": 60,
    "NOTICE": 8,
    "JOIN": 6,
    "PART": 5,
    "QUIT": 5,
    "NICK": 4,
    "MODE": 3,
    "numeric": 6,
    "PING/PONG": 3,
}

_SERVER = "copper.example.net"
_ME = "botnick"
_START = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)
_MSGID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

_CHANNELS = (
    "#python", "#linux", "##programming", "#bottom", "#asyncio", "#debian",
    "#archlinux", "#rust", "#ircv3", "#music", "##chat", "#security",
    "#café", "#libera", "#postgresql",
)
_SYLLABLES = (
    "al", "ex", "ma", "ri", "to", "ne", "ka", "zu", "lo", "bi", "dev", "cat",
    "fox", "sky", "zen", "jo", "an", "mi", "ko", "ro", "sa", "tim", "bob", "eve",
    "nor", "vik", "ash", "lee", "pix", "byte",
)
_NICK_SUFFIXES = ("", "", "", "", "_", "__", "|away", "^", "`", "[m]", "-", "42", "7", "99")
_REALNAMES = (
    "Alex Smith", "just me", "see https://example.org/~me", "realname", "Bob",
    "Marie", "Jo; the one who broke CI", "Zoë Ångström", "https://matrix.org",
    "unknown", "Tim the Enchanter", "田中太郎",
)
_WORDS = (
    "the", "a", "to", "and", "is", "it", "you", "that", "of", "in", "i", "for",
    "on", "this", "with", "but", "not", "have", "be", "so", "just", "if", "was",
    "what", "do", "can", "it's", "i'm", "don't", "yeah", "no", "yes", "ok", "lol",
    "thanks", "anyone", "know", "how", "why", "use", "work", "works", "think",
    "need", "try", "should", "would", "get", "got", "there", "here", "now",
    "file", "code", "bug", "error", "python", "asyncio", "await", "function",
    "server", "client", "kernel", "package", "install", "config", "branch",
    "merge", "commit", "release", "test", "tests", "docs", "version", "update",
    "issue", "patch", "build", "fails", "fixed", "broken", "weird", "actually",
    "probably", "maybe", "really", "already", "still", "again", "today",
    "tomorrow", "morning", "everyone", "hi", "hello", "hey", "o/", "\\o", ":)",
    ":(", ":D", "^^", "+1", "afk", "brb", "ping", "nick:", "sure", "right",
    "wait", "hmm", "ah", "nice", "cool", "idea", "question", "answer", "example",
    "https://example.org/docs/latest/", "https://bugs.example.net/show_bug.cgi?id=12345",
    "`pip install -e .`", "TypeError:", "None", "0.5s", "100%", "v4.0",
)
# Mixed into about one text in twelve: accents, CJK, Greek, emoji.
_UTF8_WORDS = ("café", "naïve", "über", "日本語", "こんにちは", "你好", "안녕하세요",
               "καλημέρα", "👍", "🎉", "😅", "señor", "Größe", "—", "…")
_QUIT_MESSAGES = (
    "Quit: Leaving", "Ping timeout: 240 seconds", "Read error: Connection reset by peer",
    "Remote host closed the connection", "Client Quit", "*.net *.split",
    "Quit: ZNC 1.9.1 - https://znc.in", "Quit: The Lounge - https://thelounge.chat",
    "Changing host", "Excess Flood", "Quit: Konversation terminated!",
    "Quit: WeeChat 4.4.3", "Killed (NickServ (GHOST command used by someone))",
)
_PART_MESSAGES = ("Leaving", "bye", "WeeChat 4.4.3", "gone", "Konversation terminated!")
_MOTD_LINES = (
    "- Welcome to ExampleNet, a network for free and open source projects.",
    "- By connecting you agree to the network policies at https://example.net/policies",
    "- Please register your nick with NickServ: /msg NickServ HELP REGISTER",
    "- ",
    "- Thank you for using ExampleNet!",
)
_ISUPPORT = (
    "AWAYLEN=390", "BOT=B", "CASEMAPPING=ascii", "CHANLIMIT=#:100",
    "CHANMODES=Ibe,k,fl,CEMRUimnstu", "CHANNELLEN=64", "CHANTYPES=#", "ELIST=U", "EXCEPTS",
    "EXTJOIN", "EXTBAN=,m", "FORWARD=f", "INVEX", "KICKLEN=390", "MAXLIST=beI:60",
    "MAXTARGETS=4", "MODES", "MONITOR=100", "NETWORK=ExampleNet", "NICKLEN=32",
    "PREFIX=(qaohv)~&@%+", "SAFELIST", "STATUSMSG=~&@%+",
    "TARGMAX=NAMES:1,LIST:1,KICK:,WHOIS:1,USERHOST:10,PRIVMSG:4,TAGMSG:4,NOTICE:4,MONITOR:100",
    "TOPICLEN=390", "UTF8ONLY", "WHOX", "draft/CHATHISTORY=1000",
)


def _escape_tag_value(value: str) -> str:
    """IRCv3 tag-value escaping, written out here so the input does not
    depend on the code under test."""
    return (value.replace("\\", "\\\\").replace(";", "\\:").replace(" ", "\\s")
            .replace("\r", "\\r").replace("\n", "\\n"))


@dataclass(frozen=True)
class _User:
    """Someone in the channels: what their source and tags are made of."""

    nick: str
    user: str
    host: str
    account: str | None
    realname: str

    @property
    def source(self) -> str:
        return f"{self.nick}!{self.user}@{self.host}"


class _Network:
    """The users, clock and message ids a corpus is drawn from.

    Every choice goes through one ``random.Random``, so a seed gives the
    same lines on every run of the same Python version.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.users = [self._new_user() for _ in range(400)]
        self.clock = _START
        # Replies (+draft/reply) point at one of the last few messages.
        self.recent_msgids: deque[str] = deque(maxlen=50)

    # --- building blocks ----------------------------------------------------

    def _name(self) -> str:
        """A nick without decorations, as people register it."""
        rng = self.rng
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))
        return name.capitalize() if rng.random() < 0.3 else name

    def _host(self, name: str) -> str:
        rng = self.rng
        a, b, c, d = (rng.randint(1, 254) for _ in range(4))
        kind = rng.random()
        if kind < 0.30:
            return f"user/{name.lower()}"
        if kind < 0.40:
            return f"id-{rng.randint(10_000, 999_999)}.hampstead.irccloud.com"
        if kind < 0.55:
            return f"{a}.{b}.{c}.{d}"
        if kind < 0.80:
            return rng.choice((
                f"c-{a}-{b}-{c}-{d}.hsd1.ca.comcast.net",
                f"ip{a:02x}{b:02x}{c:02x}{d:02x}.dynamic.kabel-deutschland.de",
                f"host-{a}-{b}-{c}-{d}.as13285.net",
                f"{d}.{c}.{b}.{a}.dsl.dyn.forthnet.gr",
            ))
        if kind < 0.90:
            groups = ":".join(f"{rng.randint(0, 0xFFFF):x}" for _ in range(6))
            return f"2001:db8:{groups}"
        if kind < 0.95:
            return f"gateway/web/kiwiirc.com/ip.{a}.{b}.{c}.{d}"
        return "unaffiliated/" + name.lower()

    def _new_user(self) -> _User:
        rng = self.rng
        name = self._name()
        nick = name + rng.choice(_NICK_SUFFIXES)
        if rng.random() < 0.1:
            user = f"uid{rng.randint(10_000, 999_999)}"
        else:
            user = ("~" if rng.random() < 0.6 else "") + name.lower()[:10]
        account = name.lower() if rng.random() < 0.6 else None
        return _User(nick, user, self._host(name), account, rng.choice(_REALNAMES))

    def _text(self) -> str:
        """Chat text: 5 to 300 characters, mostly short, a long tail."""
        rng = self.rng
        words = _WORDS + _UTF8_WORDS if rng.random() < 0.08 else _WORDS
        # Exponential lengths: most lines are a few words, some are long.
        length = min(300, 5 + int(rng.expovariate(1 / 50)))
        text = rng.choice(words)
        while len(text) < length:
            text += " " + rng.choice(words)
        text = text[:300]
        style = rng.random()
        if style < 0.03:
            return f"\x01ACTION {text}\x01"
        if style < 0.05:
            return f"\x02{text[:20]}\x02 \x0304{text[20:]}\x03"
        return text

    def _msgid(self) -> str:
        msgid = "".join(self.rng.choices(_MSGID_ALPHABET, k=26))
        self.recent_msgids.append(msgid)
        return msgid

    def _time(self) -> str:
        self.clock += timedelta(milliseconds=self.rng.randint(0, 3000))
        return f"{self.clock:%Y-%m-%dT%H:%M:%S}.{self.clock.microsecond // 1000:03d}Z"

    def _tags(self, user: _User | None, chat: bool = False) -> str:
        """``@...`` plus a space for half the lines, ``""`` for the rest.

        Half, because a client either negotiated server-time and friends or
        did not; the corpus stands for both kinds of connection.  ``chat``
        adds the client-only tags that ride on PRIVMSG and NOTICE: replies,
        and a vendor tag whose value needs escaping.
        """
        rng = self.rng
        if rng.random() < 0.5:
            return ""
        tags = [f"time={self._time()}", f"msgid={self._msgid()}"]
        if user is not None and user.account is not None:
            tags.append(f"account={user.account}")
        if chat and self.recent_msgids and rng.random() < 0.15:
            tags.append(f"+draft/reply={rng.choice(self.recent_msgids)}")
        if chat and user is not None and rng.random() < 0.05:
            tags.append(f"+example.org/display-name={_escape_tag_value(user.realname)}")
        return "@" + ";".join(tags) + " "

    # --- one method per kind of line ---------------------------------------

    def privmsg(self) -> str:
        rng = self.rng
        user = rng.choice(self.users)
        target = _ME if rng.random() < 0.05 else rng.choice(_CHANNELS)
        return f"{self._tags(user, chat=True)}:{user.source} PRIVMSG {target} :{self._text()}"

    def notice(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.4:
            text = rng.choice((
                "*** Looking up your hostname...", "*** Found your hostname",
                f"*** You are connected to {_SERVER} using TLS",
                "Server is shutting down for maintenance in 10 minutes",
            ))
            return f"{self._tags(None)}:{_SERVER} NOTICE {rng.choice((_ME, '*'))} :{text}"
        if kind < 0.7:
            text = rng.choice((
                "This nickname is registered. Please choose a different nickname, "
                "or identify via /msg NickServ IDENTIFY botnick <password>",
                f"You are now identified for \x02{_ME}\x02.",
                f"[{rng.choice(_CHANNELS)}] Welcome! Please read the topic and be patient.",
            ))
            return f"{self._tags(None)}:NickServ!NickServ@services.example.net NOTICE {_ME} :{text}"
        user = rng.choice(self.users)
        target = rng.choice((_ME, *_CHANNELS))
        return f"{self._tags(user, chat=True)}:{user.source} NOTICE {target} :{self._text()}"

    def join(self) -> str:
        rng = self.rng
        user = rng.choice(self.users)
        channel = rng.choice(_CHANNELS)
        tags = self._tags(user)
        if rng.random() < 0.5:  # extended-join: account ("*" if none) and realname
            account = user.account or "*"
            return f"{tags}:{user.source} JOIN {channel} {account} :{user.realname}"
        if rng.random() < 0.2:  # some servers send the channel as a trailing
            return f"{tags}:{user.source} JOIN :{channel}"
        return f"{tags}:{user.source} JOIN {channel}"

    def part(self) -> str:
        rng = self.rng
        user = rng.choice(self.users)
        line = f"{self._tags(user)}:{user.source} PART {rng.choice(_CHANNELS)}"
        if rng.random() < 0.6:
            return f"{line} :{rng.choice(_PART_MESSAGES)}"
        return line

    def quit(self) -> str:
        user = self.rng.choice(self.users)
        return f"{self._tags(user)}:{user.source} QUIT :{self.rng.choice(_QUIT_MESSAGES)}"

    def nick(self) -> str:
        rng = self.rng
        user = rng.choice(self.users)
        if rng.random() < 0.5:
            new = user.nick + rng.choice(("_", "|away", "|afk", "^"))
        else:
            new = self._name()
        separator = " :" if rng.random() < 0.5 else " "
        return f"{self._tags(user)}:{user.source} NICK{separator}{new}"

    def mode(self) -> str:
        rng = self.rng
        if rng.random() < 0.2:  # our own user modes, as at connect time
            return f":{_ME} MODE {_ME} :{rng.choice(('+iw', '+Zi', '-x', '+R'))}"
        if rng.random() < 0.5:
            setter = "ChanServ!ChanServ@services.example.net"
        else:
            setter = rng.choice(self.users).source
        a, b = rng.choice(self.users), rng.choice(self.users)
        change = rng.choice((
            f"+o {a.nick}", f"-o {a.nick}", f"+v {a.nick}", f"+ov {a.nick} {b.nick}",
            f"+b *!*@{a.host}", f"-b *!*@{a.host}", "+q $~a", "+m", "-m",
            f"+k secret{rng.randint(1, 99)}", f"+l {rng.randint(10, 500)}",
        ))
        return f"{self._tags(None)}:{setter} MODE {rng.choice(_CHANNELS)} {change}"

    def numeric(self) -> str:
        rng = self.rng
        prefix = f"{self._tags(None)}:{_SERVER}"
        kind = rng.random()
        if kind < 0.30:
            length = rng.randint(100, 420)
            names: list[str] = []
            while sum(map(len, names)) + len(names) < length:
                status = rng.choice(("", "", "", "", "+", "@"))
                names.append(status + rng.choice(self.users).nick)
            channel = rng.choice(_CHANNELS)
            return f"{prefix} 353 {_ME} {rng.choice('=*@')} {channel} :{' '.join(names)}"
        if kind < 0.55:
            user = rng.choice(self.users)
            flags = rng.choice(("H", "H", "G", "H@", "H+", "G*"))
            return (f"{prefix} 352 {_ME} {rng.choice(_CHANNELS)} {user.user} {user.host} "
                    f"{_SERVER} {user.nick} {flags} :0 {user.realname}")
        if kind < 0.75:
            return f"{prefix} 372 {_ME} :{rng.choice(_MOTD_LINES)}"
        if kind < 0.80:
            return f"{prefix} 332 {_ME} {rng.choice(_CHANNELS)} :{self._text()}"
        if kind < 0.90:
            return prefix + rng.choice((
                f" 001 {_ME} :Welcome to the ExampleNet IRC Network {_ME}",
                f" 002 {_ME} :Your host is {_SERVER}, running version ergo-2.14.0",
                f" 003 {_ME} :This server was created Sat, 01 Nov 2026 09:12:44 UTC",
                f" 004 {_ME} {_SERVER} ergo-2.14.0 BERTZios CEIMRUabefhiklmnoqstuv Iabefhkloqv",
                f" 005 {_ME} {' '.join(rng.sample(_ISUPPORT, 13))} :are supported by this server",
            ))
        if kind < 0.95:
            return f"{prefix} 376 {_ME} :End of /MOTD command."
        return f"{prefix} 433 * {rng.choice(self.users).nick} :Nickname is already in use"

    def ping_pong(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return f"PING :{rng.choice((_SERVER, str(rng.randint(10**9, 2 * 10**9))))}"
        return f"{self._tags(None)}:{_SERVER} PONG {_SERVER} :LAG{rng.randint(10**12, 2 * 10**12)}"


_BUILDERS: dict[str, Callable[[_Network], str]] = {
    "PRIVMSG": _Network.privmsg,
    "NOTICE": _Network.notice,
    "JOIN": _Network.join,
    "PART": _Network.part,
    "QUIT": _Network.quit,
    "NICK": _Network.nick,
    "MODE": _Network.mode,
    "numeric": _Network.numeric,
    "PING/PONG": _Network.ping_pong,
}


def make_corpus(n: int = 100_000, seed: int = 1) -> list[str]:
    """Return ``n`` lines (without CRLF) in the proportions of :data:`MIX`.

    Deterministic: the same ``n`` and ``seed`` give the same list on every
    run of the same Python version, so figures from two runs (before and
    after a change) are measured on identical input.  Every line is one a
    server could send; none is malformed.
    """
    rng = random.Random(seed)
    network = _Network(rng)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    return [_BUILDERS[kind](network) for kind in kinds]


def _command_of(line: str) -> str:
    """The command word of a line, skipping its tags and source."""
    words = line.split(" ")
    if words[0].startswith("@"):
        words = words[1:]
    if words[0].startswith(":"):
        words = words[1:]
    return words[0]


def main(argv: Sequence[str] | None = None) -> None:
    """Print the corpus's make-up and a sample, to check it looks real."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--lines", type=int, default=100_000, help="corpus size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=25, help="lines to print")
    args = parser.parse_args(argv)
    lines = make_corpus(args.lines, args.seed)
    commands = Counter(_command_of(line) for line in lines)
    tagged = sum(line[0] == "@" for line in lines)
    non_ascii = sum(not line.isascii() for line in lines)
    print(f"{len(lines):,} lines, mean {sum(map(len, lines)) / len(lines):.0f} characters, "
          f"{tagged / len(lines):.0%} tagged, {non_ascii / len(lines):.0%} with non-ASCII")
    for command, count in commands.most_common():
        print(f"  {command:<8} {count / len(lines):6.1%}")
    print()
    for line in lines[:args.sample]:
        print(line)


if __name__ == "__main__":
    main()

"""Keep slow work off the event loop: asyncio.to_thread and run_in_executor.

usage: python examples/blocking_work.py [HOST [PORT]]    (default 127.0.0.1 6667)

A bot that answers "!hash TEXT" with a deliberately slow key derivation.
Run in a handler directly, it would freeze every other handler, the
keepalive and the flood-control queue for as long as it takes; run in a
thread it does not.  The script messages itself once and exits.
"""

import asyncio
import concurrent.futures
import hashlib
import sys

import bottom

NICK = "hasher"


def slow_hash(text: str) -> str:
    """CPU-bound and blocking: must not run on the event loop."""
    return hashlib.pbkdf2_hmac("sha256", text.encode(), b"salt", 200_000).hex()[:16]


def blocking_lookup(text: str) -> str:
    """Blocking I/O (a database driver, requests.get...), simulated."""
    return text.upper()


async def main(host: str, port: int) -> None:
    client = bottom.Client(host, port, ssl=False, nick=NICK)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    answers = asyncio.Queue()

    # [start to-thread]
    @client.on("privmsg")
    async def on_hash(nick, target, message):
        if not message.startswith("!hash "):
            return
        text = message.removeprefix("!hash ")
        digest = await asyncio.to_thread(slow_hash, text)  # the loop keeps running
        client.send("notice", target=nick, message=f"hash of {text!r}: {digest}")
    # [end to-thread]

    # [start executor]
    @client.on("privmsg")
    async def on_lookup(nick, message):
        if message.startswith("!lookup "):
            loop = asyncio.get_running_loop()
            found = await loop.run_in_executor(pool, blocking_lookup, message[8:])
            client.send("notice", target=nick, message=f"found: {found}")
    # [end executor]

    @client.on("notice")
    def on_answer(nick, message):
        if nick == NICK:
            answers.put_nowait(message)

    await client.connect()
    await asyncio.wait_for(client.wait("client_ready"), 10)
    for request in ("!hash bottom", "!lookup bottom"):
        client.send("privmsg", target=NICK, message=request)
        print(await asyncio.wait_for(answers.get(), 10))
    await client.disconnect()
    pool.shutdown()


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    asyncio.run(main(host, port))

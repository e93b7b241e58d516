"""A client on a loop you own: ``loop=``, with the loop in a background thread.

usage: python examples/loop_in_thread.py [HOST [PORT]]    (default 127.0.0.1 6667)

For programs that are not asyncio programs (a GUI, a sync web app, a
script): the loop runs in a thread, and the rest of the program hands it
work with the thread-safe calls of asyncio.
"""

import asyncio
import sys
import threading

import bottom


def main(host: str, port: int) -> None:
    # [start thread]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    client = bottom.Client(host, port, ssl=False, nick="threaded", loop=loop)
    assert client.loop is loop

    def run(coro, timeout=10):
        """Run a coroutine on the client's loop from this (another) thread."""
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    async def connect_and_register():
        await client.connect()
        return await client.wait("client_ready")

    print(f"registered as {run(connect_and_register())['nick']}")
    heard = asyncio.run_coroutine_threadsafe(client.wait("privmsg"), loop)
    # send() belongs to the loop's thread too: hand it over.
    loop.call_soon_threadsafe(
        lambda: client.send("privmsg", target="threaded", message="hi from a thread"))
    print(f"got my own message back: {heard.result(10)['message']}")
    run(client.disconnect())
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()
    # [end thread]


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    main(host, port)

"""How handlers run: plain and coroutine, eager start, named kwargs, errors.

usage: python examples/handlers.py

No server needed: ``client.trigger`` dispatches an event directly, exactly
as a line from the server would.
"""

import asyncio
import logging

import bottom

client = bottom.Client("127.0.0.1", 6667, ssl=False)


# [start plain-and-coroutine]
@client.on("greet")
def plain(name):
    print(f"plain handler: hello {name}")


@client.on("greet")
async def coroutine(name, **kwargs):
    print(f"coroutine handler: started for {name}, extra kwargs {sorted(kwargs)}")
    await asyncio.sleep(0.01)  # the first real wait: the rest runs as a Task
    print("coroutine handler: finished")
# [end plain-and-coroutine]


# [start errors]
@client.on("greet")
def broken(name):
    raise RuntimeError("this handler has a bug")


@client.on("greet")
def still_runs():
    print("a handler after the broken one still runs")
# [end errors]


class ShowErrors(logging.Handler):
    def emit(self, record):
        print(f"logged on {record.name!r}: {record.getMessage().split(' <')[0]}")


async def main():
    logging.getLogger("bottom").addHandler(ShowErrors())
    # [start trigger]
    done = client.trigger("greet", name="world", source="example")
    print("trigger() returned")
    await done  # every handler this trigger started has finished
    print("all handlers finished")
    # [end trigger]


if __name__ == "__main__":
    asyncio.run(main())

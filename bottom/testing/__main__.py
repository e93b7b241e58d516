"""``python -m bottom.testing [--port N]``: run a test server until Ctrl-C or SIGTERM."""

from . import main

main()

"""Load bottom's pytest plugin: it provides the ``irc_server`` fixture."""

pytest_plugins = ["bottom.pytest_plugin"]

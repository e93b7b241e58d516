"""Shared fixtures: the in-process test server comes from bottom's own plugin."""

pytest_plugins = ["bottom.pytest_plugin"]

"""Shared fixtures: the in-process test server comes from bottom's own plugin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from helpers import examples
from hypothesis import settings

import bottom
from bottom.testing import Server

# Property tests without their own settings: a share of hypothesis' 100.
settings.register_profile("bottom", max_examples=examples(100), deadline=None)
settings.load_profile("bottom")

pytest_plugins = ["bottom.pytest_plugin"]


@pytest.fixture
async def scripted() -> AsyncIterator[Server]:
    """A server that only records: the test writes every reply."""
    async with Server(auto_respond=False) as server:
        yield server


@pytest.fixture
async def sclient(scripted: Server) -> AsyncIterator[bottom.Client]:
    """A client for the ``scripted`` server, without flood control; closed after the test."""
    c = bottom.Client(scripted.host, scripted.port, ssl=False, flood_control=False)
    yield c
    await c.disconnect()

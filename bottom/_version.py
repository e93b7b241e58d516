"""The version of bottom, in a module of its own so that the package can
read it without importing itself (setup.py and the CTCP VERSION reply)."""

__version__ = "4.0.0.dev0"

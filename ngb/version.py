"""The ngb version (also stamped into pickled models)."""

__version__ = "0.2.0"

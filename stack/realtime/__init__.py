"""The embedded stack's Realtime stand-in (see changes.py and the server modules)."""

"""Realtime delivery to browsers. ``fanout`` is the only module that emits."""

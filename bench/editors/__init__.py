"""Keystroke → screen in real editors (``make bench-editors``); see :mod:`bench.editors.run`."""

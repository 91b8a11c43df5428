"""Benchmark harness for grepls: generated documents, a minimal LSP client, the scenarios.

`python -m bench` measures grepls and the naive baseline (`bench/naive_server.py`) side by side,
each in its own fresh server process, over stdio exactly as an editor talks to them.
"""

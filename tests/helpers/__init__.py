"""What several test modules share: the CLI runners, tiny GloVe files, a local HTTP server.

Fixtures built on them live in ``tests/conftest.py``.
"""

"""Renderers: turn the library's plain reports into rich tables for people.

JSON output needs no renderer: every report has ``to_dict()`` and the CLI writes it with
:meth:`rnncli.terminal.Environment.write_json`.
"""

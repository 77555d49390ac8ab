"""The typer layer: parse options, call the library, hand the report to a renderer.

Nothing here imports torch or numpy at module level, so `rnncli --help` and shell completion
stay instant; each command imports what it needs when it runs.
"""

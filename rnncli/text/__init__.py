"""Text to tokens to vocabularies, as plain data: no terminal, no typer, no torch.

- :mod:`rnncli.text.tokenize`: the ``basic`` and ``whitespace`` tokenizers.
- :mod:`rnncli.text.corpus`: stream files or stdin line by line and count tokens.
- :mod:`rnncli.text.vocab`: :class:`~rnncli.text.vocab.Vocab`, its ordering rules and file format.
"""

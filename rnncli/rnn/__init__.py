"""Everything rnncli knows about recurrent layers, as plain data: no terminal, no typer.

- :mod:`rnncli.rnn.spec`: what to build and run (validated options, no torch needed).
- :mod:`rnncli.rnn.parameters`: each weight with what its dimensions mean.
- :mod:`rnncli.rnn.tensors`: input, state and output shapes with named dimensions.
- :mod:`rnncli.rnn.equations`: the recurrence of each cell with shapes filled in.
- :mod:`rnncli.rnn.cost`: multiply-accumulates and memory.
- :mod:`rnncli.rnn.unroll`: the recurrence computed step by step, to check torch against it.
- :mod:`rnncli.rnn.timing`: forward and forward+backward timed, with peak memory (``--time``).
- :mod:`rnncli.rnn.report`: :func:`~rnncli.rnn.report.inspect_rnn`, which ties them together.
- :mod:`rnncli.rnn.comparison`: :func:`~rnncli.rnn.comparison.compare`, cells side by side.
"""

"""Reading a user's own model file as data: what it holds, which modules it proves, how healthy.

- ``contents``: the shared shape of a read file (:class:`~.contents.Checkpoint`).
- ``formats`` (what a file is, by content), ``safe_unpickle`` (the restricted unpickler that
  imports and calls nothing), ``torchscript`` (a TorchScript archive read as data, never
  compiled), ``entries`` (the state dict at any depth, the other entries in a line each) and
  ``reader`` (:func:`~.reader.read_checkpoint`) fill it.
- ``grouping`` (tensor names to modules, the tree), ``recognise`` (names and shapes to a
  constructor) and ``modules`` (:func:`~.modules.find_modules`: each proven by a strict load).
- ``health`` (tensor statistics, spectral norms, forget-gate biases), ``rebuild`` (the code that
  rebuilds the modules), ``expectations`` (the file against the options a user gave).
- ``report``: :func:`~.report.inspect_checkpoint`, which ties them together with the `inspect`
  pipeline. Nothing here imports rich or typer.
"""

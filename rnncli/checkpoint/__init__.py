"""Reading a user's own model file as data: what it holds, which modules it proves, how healthy.

``contents`` is the shared shape of a read file; ``reader`` (formats, safe unpickling) fills it;
``modules`` infers and proves ``nn.RNN``/``LSTM``/``GRU``/cells/``Embedding``/``Linear`` from
names and shapes; ``health`` measures tensors; ``rebuild`` prints the code that rebuilds them;
``expectations`` compares a file with the flags a user gave. Nothing here imports rich or typer.
"""

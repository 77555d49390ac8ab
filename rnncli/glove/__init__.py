"""GloVe vectors: the catalogue, the streaming parser, the memory-mapped store and its queries.

Nothing here imports torch: a query is served from numpy memory maps. pytorch-nlp interop lives
in :mod:`rnncli.glove.torchnlp_compat` and imports torch only when called.
"""

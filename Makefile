# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU wheel of torch that lies on this machine's disk; plain `torch` would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: demo test lint format bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(wildcard rnncli/*/_*.c) | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,glove-6b-50d,eval]'
	touch $@

# The demo keeps its GloVe cache in the project (.demo-cache), not in your user cache.
DEMO := RNNCLI_CACHE_DIR=.demo-cache $(VENV)/bin/rnncli

demo: $(VENV)/.installed
	$(DEMO) inspect --input 100 --hidden 20
	$(DEMO) embed hello world
	printf 'the cat sat on the mat\nthe dog sat on the log\n' | $(DEMO) vocab build - --out .demo-cache/vocab.json
	$(DEMO) glove fetch 6B.50d
	$(DEMO) glove neighbors king -k 5
	$(DEMO) glove analogy man king woman -k 3
	$(DEMO) glove evaluate
	$(DEMO) inspect --cell gru --hidden 4 --vectors 6B.50d --pack --text "the cat sat on the mat" --text "a dog barked"
	$(DEMO) inspect --seq-len 12 --grad
	$(DEMO) compare --input 100 --hidden 64 --seq-len 30 --match-params
	$(PY) -c "import torch; torch.save({'epoch': 3, 'model': torch.nn.LSTM(100, 64, num_layers=2).state_dict()}, '.demo-cache/lstm.pt')"
	$(DEMO) inspect .demo-cache/lstm.pt --seq-len 3 --batch 1

# The tests of the C parts (the GloVe parser and word table, the corpus chunk table) run twice:
# with them, and as on a machine without a C compiler (RNNCLI_PURE_PYTHON=1: numpy and the
# standard library).
test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest --hypothesis-profile=ci
	RNNCLI_PURE_PYTHON=1 $(PY) -m pytest --hypothesis-profile=ci -q \
		tests/test_glove_parse.py tests/test_glove_jobs.py tests/test_glove_store.py \
		tests/test_glove_word_table.py \
		tests/test_chunk_table.py tests/test_corpus_jobs.py tests/test_corpus_blocks.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.installed
	$(PY) benchmarks/startup.py
	$(PY) benchmarks/vocab_build.py
	$(PY) benchmarks/glove.py
	$(PY) benchmarks/glove_parse.py
	$(PY) benchmarks/checkpoint_read.py
	$(PY) benchmarks/checkpoint_inspect.py
	$(PY) benchmarks/glove_formats.py
	$(PY) benchmarks/timing.py
	$(PY) benchmarks/glove_evaluate.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis .demo-cache

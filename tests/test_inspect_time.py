"""`inspect --time`: the report's figures agree with each other; the loop obeys its budget.

No assertion here depends on how fast the machine is: the loop is driven by a fake clock where
its budget is the point, and real runs are checked for internal consistency only.
"""

from __future__ import annotations

import json

import pytest
import torch
from helpers.cli import invoke

from rnncli.errors import UsageError
from rnncli.rnn import pipeline
from rnncli.rnn.request import InspectRequest
from rnncli.rnn.spec import ModelSpec
from rnncli.rnn.timing import (
    BACKWARD_MEASURES,
    DEFAULT_BUDGET_S,
    MIN_WARMUP,
    Timing,
    time_module,
    tokens_per_second,
)

TINY = 0.05  # seconds: enough for a few rounds of these small modules


class FakeClock:
    """Every reading moves time on by ``tick`` seconds: each timed run lasts one tick."""

    def __init__(self, tick: float) -> None:
        self.now = 1000.0
        self.tick = tick
        self.readings = 0

    def __call__(self) -> float:
        self.now += self.tick
        self.readings += 1
        return self.now


def _module(spec: ModelSpec, seq_len: int = 5, batch: int = 2):
    torch.manual_seed(0)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[spec.cell]
    module = cls(**spec.torch_kwargs()).eval()
    shape = (
        (batch, seq_len, spec.input_size) if spec.batch_first else (seq_len, batch, spec.input_size)
    )
    x = torch.randn(shape)
    stack = spec.num_layers * spec.num_directions
    h0 = torch.zeros(stack, batch, spec.state_size)
    c0 = torch.zeros(stack, batch, spec.hidden_size) if spec.cell == "lstm" else None
    return module, x, h0, c0


def _consistent(t: Timing) -> None:
    """What every timing report must satisfy, whatever the machine."""
    assert t.repeats >= 1 and t.backward_repeats >= 1 and t.warmup >= 1
    assert 0 < t.forward_ms.min <= t.forward_ms.median
    assert 0 < t.backward_ms.min <= t.backward_ms.median
    assert t.tokens_per_s == t.tokens / (t.forward_ms.median / 1000)
    assert t.threads == torch.get_num_threads()
    assert t.peak_memory_bytes is None or t.peak_memory_bytes >= 0
    assert t.peak_memory
    assert t.backward == BACKWARD_MEASURES


@pytest.mark.parametrize("tick, budget", [(0.01, 1.0), (0.003, 0.5), (0.2, 2.0), (1.0, 0.1)])
def test_the_budget_bounds_the_loop_on_a_fake_clock(tick, budget):
    spec = ModelSpec(cell="gru", input_size=4, hidden_size=3)
    module, x, h0, c0 = _module(spec)
    clock = FakeClock(tick)
    start = clock.now
    t = time_module(spec, module, x, h0, c0, budget_s=budget, clock=clock)
    _consistent(t)
    # Each timed run reads the clock twice in a row: it lasts exactly one tick.
    assert t.forward_ms.min == t.forward_ms.median == pytest.approx(tick * 1000)
    assert t.backward_ms.median == pytest.approx(tick * 1000)
    assert t.warmup >= MIN_WARMUP
    # Roughly the budget: over it by at most the rounds that must run and the one under way.
    round_s = 5 * tick  # two timed runs (two readings each) and the loop's own check
    # The first round (set-up) is outside the budget: one round more.
    assert t.setup_s > 0 and t.elapsed_s + t.setup_s <= clock.now - start
    assert clock.now - start <= max(budget, MIN_WARMUP * round_s) + 3 * round_s
    if budget >= 20 * round_s:  # room for many rounds: the loop used most of the budget
        assert t.elapsed_s >= budget and t.repeats > 1 and t.backward_repeats > 1
        # forward passes had half the budget left after warm-up, forward+backward the rest
        assert abs(t.repeats - t.backward_repeats) <= 2
    assert t.budget_s == budget


def test_the_maximum_count_stops_the_loop_before_the_budget():
    spec = ModelSpec(cell="rnn", input_size=4, hidden_size=3)
    module, x, h0, c0 = _module(spec)
    t = time_module(spec, module, x, h0, c0, budget_s=1e9, max_repeats=7, clock=FakeClock(0.01))
    assert t.repeats == t.backward_repeats == 7
    _consistent(t)


def test_a_budget_smaller_than_one_round_still_times_one():
    spec = ModelSpec(cell="lstm", input_size=4, hidden_size=3, proj_size=2)
    module, x, h0, c0 = _module(spec)
    t = time_module(spec, module, x, h0, c0, budget_s=1e-9)
    assert t.repeats == t.backward_repeats == 1 and t.warmup == MIN_WARMUP
    _consistent(t)


def test_the_module_is_left_as_it_was():
    spec = ModelSpec(cell="lstm", input_size=4, hidden_size=3, num_layers=2, dropout=0.5)
    module, x, h0, c0 = _module(spec)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    time_module(spec, module, x, h0, c0, budget_s=TINY)
    assert not module.training
    assert all(p.grad is None for p in module.parameters())
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items())


def test_tokens_per_second():
    assert tokens_per_second(30, 1.5) == 20000.0
    assert tokens_per_second(30, 0.0) is None  # JSON has no infinity


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"cell": "lstm", "num_layers": 2, "bidirectional": True, "proj_size": 3},
        {"cell": "gru", "batch_first": True, "seq_len": 7, "batch": 2},
        {"cell": "rnn", "nonlinearity": "relu", "dtype": "float64", "grad": True},
    ],
)
def test_random_runs_report_consistent_timing(options):
    request = InspectRequest(time=True, time_budget=TINY, **options)
    report = pipeline.inspect(request)
    t = report.timing
    _consistent(t)
    run = report.run
    assert t.tokens == run.seq_len * run.batch
    assert t.device == "cpu" and t.cudnn is None and t.dtype == run.dtype
    assert t.loss == ("output[:, -1].sum()" if request.batch_first else "output[-1].sum()")
    # --time adds its part and changes nothing else.
    plain = pipeline.inspect(InspectRequest(**options)).to_dict()
    data = report.to_dict()
    assert data.pop("timing") == t.to_dict()
    assert data == plain


@pytest.mark.parametrize("pack", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_text_runs_count_real_tokens(pack, batch_first):
    texts = ("the cat sat on the mat", "a dog", "the bird sang")
    request = InspectRequest(
        texts=texts,
        embed_dim=4,
        hidden_size=5,
        cell="gru",
        bidirectional=True,
        batch_first=batch_first,
        pack=pack,
        time=True,
        time_budget=TINY,
    )
    report = pipeline.inspect(request)
    t = report.timing
    _consistent(t)
    assert t.tokens == 6 + 2 + 3 < report.run.seq_len * report.run.batch
    assert "length_b - 1" in t.loss


def test_json_keys_as_the_issue_shows_them_first():
    args = ("inspect", "--json", "--time", "--time-budget", str(TINY), "--cell", "lstm")
    data = json.loads(invoke(*args, check=True).stdout)
    timing = data["timing"]
    assert list(timing)[:7] == [
        "device",
        "threads",
        "repeats",
        "forward_ms",
        "backward_ms",
        "tokens_per_s",
        "peak_memory_bytes",
    ]
    assert list(timing["forward_ms"]) == ["min", "median"]
    assert timing["tokens_per_s"] == timing["tokens"] / (timing["forward_ms"]["median"] / 1000)
    assert timing["tokens"] == 30 and timing["budget_s"] == TINY
    assert "timing" not in json.loads(invoke("inspect", "--json", check=True).stdout)


def test_default_budget():
    assert InspectRequest(time=True).budget_s == DEFAULT_BUDGET_S == 2.0
    assert InspectRequest(time=True, time_budget=0.5).budget_s == 0.5


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"time": True, "device": "meta"}, "--time"),
        ({"time": True, "time_budget": 0.0}, "--time-budget"),
        ({"time": True, "time_budget": -1.0}, "--time-budget"),
        ({"time": True, "time_budget": float("nan")}, "--time-budget"),
        ({"time": True, "time_budget": float("inf")}, "--time-budget"),
        ({"time_budget": 1.0}, "--time-budget"),
        ({"cudnn": False}, "--no-cudnn"),
        ({"time": True, "cudnn": False}, "--no-cudnn"),  # on cpu
    ],
)
def test_request_rules(kwargs, option):
    with pytest.raises(UsageError) as err:
        InspectRequest(**kwargs)
    assert err.value.option == option


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--time", "--device", "meta"], "--time"),
        (["--time", "--time-budget", "0"], "--time-budget"),
        (["--time", "--time-budget", "-3"], "--time-budget"),
        (["--time-budget", "1"], "--time-budget"),
        (["--no-cudnn"], "--no-cudnn"),
        (["--time", "--no-cudnn"], "--no-cudnn"),
    ],
)
def test_cli_bad_timing_options_exit_2(args, needle):
    r = invoke("inspect", *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_rendering_fits_and_never_cuts(columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    args = ("inspect", "--time", "--time-budget", str(TINY), "--text", "the cat", "--text", "a")
    out = invoke(*args, "--pack", "--cell", "lstm", check=True).stdout
    section = out[out.index("Time of the module") :]
    assert "…" not in section
    assert max(len(line) for line in section.splitlines()) <= columns
    flat = " ".join(section.split())
    for needle in ("forward", "forward+backward", "median ms", "tokens/s", "peak memory"):
        assert needle in flat
    assert "3 tokens / median forward" in flat  # the real tokens, padding left out


def test_model_file_runs_are_timed_with_their_own_weights(tmp_path):
    path = tmp_path / "gru.pt"
    torch.save(torch.nn.GRU(4, 3).state_dict(), path)
    args = ("inspect", str(path), "--time", "--time-budget", str(TINY), "--seq-len", "4")
    data = json.loads(invoke(*args, "--json", check=True).stdout)
    found = [m["inspect"]["timing"] for m in data["modules"] if m.get("inspect")]
    assert len(found) == 1 and found[0]["tokens"] == 4 * 3


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("cudnn", [True, False])
def test_cuda_synchronised_with_and_without_cudnn(cudnn):
    request = InspectRequest(
        cell="lstm", device="cuda", time=True, time_budget=0.2, cudnn=cudnn, seq_len=20
    )
    t = pipeline.inspect(request).timing
    _consistent(t)
    assert t.cudnn is cudnn and t.device.startswith("cuda")
    assert t.peak_memory_bytes > 0 and "max_memory_allocated" in t.peak_memory


@pytest.mark.parametrize(
    "clear_refs, max_rss, source",
    [(True, 0, "vmhwm"), (False, 10**9, "ru_maxrss"), (False, -1, "none")],
)
def test_peak_memory_says_how_it_was_measured(monkeypatch, clear_refs, max_rss, source):
    from rnncli.rnn import timing

    if not clear_refs:
        monkeypatch.setattr(timing, "_reset_peak_rss", lambda: False)
    if max_rss:
        monkeypatch.setattr(timing, "_max_rss_bytes", lambda: max_rss)
    spec = ModelSpec(cell="gru", input_size=4, hidden_size=3)
    module, x, h0, c0 = _module(spec)
    if clear_refs and not timing._reset_peak_rss():
        pytest.skip("/proc/self/clear_refs cannot be written here")
    t = time_module(spec, module, x, h0, c0, budget_s=1e-9)
    assert t.peak_memory == timing.MEMORY_SOURCES[source]
    if source == "none":
        assert t.peak_memory_bytes is None
    elif source == "ru_maxrss":
        assert t.peak_memory_bytes == 0  # the peak did not move in the fake
    else:
        assert t.peak_memory_bytes >= 0

"""Rich output for a :class:`~rnncli.checkpoint.report.CheckpointReport`: `rnncli inspect FILE`.

The file, its module tree, every tensor's health, then each recurrent module's whole `inspect`
report with its spectral norms and forget-gate biases, the inferred links and the differences
from what the user stated. Names, shapes and numbers are never cut: the stats table gives
way to one block per tensor when the terminal is too narrow for it. Every name and value read
from the file goes through :func:`~rnncli.render.visible.visible`: a file cannot drive the
terminal.
"""

from __future__ import annotations

from typing import Any, Optional

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from rnncli.checkpoint.report import CheckpointReport, ModuleReport, TensorEntry
from rnncli.render.fit import cells, pack
from rnncli.render.visible import visible
from rnncli.sizes import format_bytes


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _number(x: Optional[float]) -> str:
    """Four significant digits, the sign kept: enough to read a weight's scale."""
    return "—" if x is None else f"{x:.4g}"


def render_checkpoint(report: CheckpointReport, console: Console) -> None:
    """Print the file, the module tree, the tensors, each recurrent module, links, mismatches."""
    _render_file(report, console)
    console.print(_module_tree(report))
    _render_tensors(report, console)
    for module in report.recurrent:
        if module.inspection is not None or module.health is not None:
            _render_recurrent(module, report, console)
    for link in report.links:
        console.print(
            Text(
                f"• {visible(link.source)} {link.relation} {visible(link.target)} (inferred): "
                f"{visible(link.reason)}"
            )
        )
    for note in report.notes:
        console.print(Text(f"• {visible(note)}", style="dim"))
    _render_mismatches(report, console)


def _render_file(report: CheckpointReport, console: Console) -> None:
    file = report.checkpoint
    console.print(Text(visible(file.path), style="bold"), soft_wrap=True)  # on its own line
    if file.state_dict_path:
        where = "state dict at " + visible("".join(f"[{key!r}]" for key in file.state_dict_path))
    elif file.format == "rnncli-embedding":
        where = "an `rnncli embed --out` file: its weight is the embedding"
    elif file.modules:
        where = "a whole model: the tensors of its modules"
    else:
        where = "the file is the state dict"
    console.print(
        Text(
            f"{file.format}, {format_bytes(file.bytes)}; {where}; "
            f"{report.total_parameters:,} parameters in {_plural(len(file.tensors), 'tensor')}"
        )
    )
    if file.other_entries:
        console.print(Text("other entries:", style="dim"))
        for key, value in file.other_entries.items():
            console.print(Text(f"  {visible(key)}: {visible(value)}"))
    for note in file.notes:
        console.print(Text(f"• {visible(note)}", style="dim"))


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _module_tree(report: CheckpointReport) -> Tree:
    """Modules nested by their dotted names, each with its kind, constructor and size."""
    by_name = {m.name: m for m in report.modules}
    root = report.tree
    tree = Tree(_node_label(root, by_name.get(root.name)) if root else Text("modules"))
    if root is not None:
        _add_children(tree, root, by_name)
    return tree


def _add_children(branch: Tree, node: Any, by_name: dict[str, ModuleReport]) -> None:
    for child in node.children:
        _add_children(branch.add(_node_label(child, by_name.get(child.name))), child, by_name)


def _node_label(node: Any, module: Optional[ModuleReport]) -> Text:
    """``lstm  nn.LSTM(100, 128)  51,200 parameters  float32  loaded``: one module's line."""
    label = Text.assemble((visible(node.part) if node.part else "(root)", "bold cyan"))
    if node.class_name:
        label.append(f"  {visible(node.class_name)}", style="dim")
    found = module.found if module is not None else None
    if found is not None and found.kind != "other":
        label.append(f"  {found.kind}", style="magenta")
        label.append(f"  {found.torch_call}")
        label.append("  loaded" if found.loaded else "  not loaded", style="green")
    elif node.parameters:
        label.append("  other", style="magenta")
    label.append(f"  {node.total_parameters:,} parameters")
    if node.dtypes:
        label.append(f"  {'/'.join(node.dtypes)}", style="dim")
    if found is not None:
        if found.alternatives:
            label.append(f"\nor {', '.join(found.alternatives)}", style="dim")
        if found.reason:
            label.append(f"\n{visible(found.reason)}", style="yellow")
        for note in found.notes:
            label.append(f"\n{visible(note)}", style="dim")
    return label


_STATS_COLUMNS = ("mean", "std", "min", "max", "norm")


def _render_tensors(report: CheckpointReport, console: Console) -> None:
    """Every tensor's health figures, by its name in the file; NaN and Inf said loudly."""
    rows = [(visible(m.full_name(p)), p) for m in report.modules for p in m.parameters]
    if not rows:
        return
    table = _stats_table(rows)
    if _natural_width(table) > console.width:
        _stats_blocks(rows, console)
    else:
        console.print(table)
    for name, entry in rows:
        if entry.flagged:
            counts = (f"{n:,} {what}" for n, what in _nonfinite(entry) if n)
            console.print(Text(f"!! {name} holds {' and '.join(counts)}", style="bold red"))
    if any(entry.flagged for _, entry in rows):
        console.print(Text("mean, std, min, max and norm count finite values only", style="dim"))


def _nonfinite(entry: TensorEntry) -> tuple[tuple[int, str], ...]:
    return ((entry.stats.nan, "NaN"), (entry.stats.inf, "Inf"))


def _natural_width(table: Table) -> int:
    """The width a table needs with no cell cut or wrapped: widest cells, padding and borders."""
    widths = [max(cells(c) for c in [column.header, *column.cells]) for column in table.columns]
    return sum(widths) + 3 * len(widths) + 1


def _stats_row(entry: TensorEntry) -> list[str]:
    stats = entry.stats
    values = [_number(getattr(stats, column)) for column in _STATS_COLUMNS]
    return [_shape(entry.shape), entry.dtype, *values, f"{stats.zeros:.1%}"]


def _stats_table(rows: list[tuple[str, TensorEntry]]) -> Table:
    table = Table(title="Tensors of the file", title_justify="left")
    table.add_column("tensor", no_wrap=True)
    table.add_column("shape", no_wrap=True)
    table.add_column("dtype", no_wrap=True)
    for column in _STATS_COLUMNS:
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("zeros", justify="right", no_wrap=True)
    for name, entry in rows:
        style = "bold red" if entry.flagged else None
        table.add_row(name, *_stats_row(entry), style=style)
    return table


def _stats_blocks(rows: list[tuple[str, TensorEntry]], console: Console) -> None:
    """One block per tensor, what a narrow pane shows instead of the wide table: the name and
    shape on one line, then ``mean 0.01 std 0.14 ...`` pairs packed to the width, none split."""
    console.print(Text("Tensors of the file", style="italic"))
    for name, entry in rows:
        shape, dtype, *values, zeros = _stats_row(entry)
        style = "bold red" if entry.flagged else None
        console.print(Text(f"{name} {shape} {dtype}", style=style), soft_wrap=True)
        pairs = [f"{column} {value}" for column, value in zip(_STATS_COLUMNS, values)]
        pairs.append(f"zeros {zeros}")
        for line in pack(pairs, console.width - 2, indent=""):
            console.print(Text(f"  {line}"), soft_wrap=True)


def _render_recurrent(module: ModuleReport, report: CheckpointReport, console: Console) -> None:
    from rnncli.render.inspect import render_inspect

    name = visible(module.name) if module.name else '""'
    console.rule()
    console.print(Text(f"{name}: {module.found.torch_call}", style="bold"))
    console.print(Text(f"with the weights of {visible(report.checkpoint.path)}", style="dim"))
    for note in module.notes:
        console.print(Text(f"• {visible(note)}", style="dim"))
    if module.inspection is not None:
        render_inspect(module.inspection, console)
    if module.run_error is not None:
        console.print(Text(f"not run: {module.run_error}", style="yellow"))
    if module.health is not None:
        _render_health(module, console)


def _render_health(module: ModuleReport, console: Console) -> None:
    health = module.health
    readings = any(norm.flag for norm in health.spectral_norms)
    table = Table(
        title="Health: spectral norm of each gate's recurrent block",
        caption="‖W‖₂, the largest singular value: the most one step can stretch h_(t-1)",
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("parameter", no_wrap=True)
    table.add_column("gate", no_wrap=True)
    table.add_column("‖W‖₂", justify="right", no_wrap=True)
    if readings:
        table.add_column("reading")
    for norm in health.spectral_norms:
        row = [norm.parameter, norm.gate or "", _number(norm.value)]
        table.add_row(*row, *([norm.flag or ""] if readings else []))
    console.print(table)
    if health.forget_bias_mean:
        forget = Table(
            title="Health: LSTM forget gates (mean bias, its σ: the memory kept per step)",
            title_justify="left",
        )
        for header in ("layer", "direction", "b_if+b_hf", "σ", "keeps"):
            forget.add_column(header, justify="right", no_wrap=True)
        for bias in health.forget_bias_mean:
            keeps = "—" if bias.sigmoid is None else f"{bias.sigmoid:.0%}"
            forget.add_row(
                str(bias.layer), bias.direction, _number(bias.value), _number(bias.sigmoid), keeps
            )
        console.print(forget)
    for flag in health.flags:
        console.print(Text(f"• {visible(flag)}", style="yellow"))


def _render_mismatches(report: CheckpointReport, console: Console) -> None:
    if report.compared is None:
        return
    name = visible(report.compared) if report.compared else '""'
    if not report.mismatches:
        console.print(Text(f"{name} agrees with every option given", style="green"))
        return
    console.print(Text(f"{name} differs from the options given:", style="bold red"))
    for mismatch in report.mismatches:
        console.print(Text(f"  {visible(mismatch.message)}"))

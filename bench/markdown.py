"""Markdown render time against input size, for adversarial shapes of text.

For every shape in ``SHAPES`` (unclosed brackets, emphasis runs, deep quotes and lists,
link references, backticks, raw HTML, entities, a mix) and every size from 1 KB to
100 KB, it times ``ideaboard.sanitize.render_markdown`` (best of ``--repeat`` runs) and
each of its stages (cmark render, normalise, nh3 clean), and checks the time per
kilobyte against ``BUDGET_MS_PER_KB``. The growth column is the per-KB time at the
largest size divided by that at the smallest: about 1 for a linear stage, and about
the size ratio (100) for a quadratic one. ``MAX_INPUT`` marks the largest text the app
accepts (an idea's description); its column is the time one request can spend rendering.

    python -m bench.markdown                     # every shape, 1 KB to 100 KB
    python -m bench.markdown --shape brackets --sizes 1000,20000 --repeat 5

Exits 1 when a shape is over budget. A report, not a test: the fast check that cannot
flake is tests/sanitize/test_sanitize_cost.py.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

from ideaboard import sanitize
from ideaboard.ideas.services import BODY_MAX

# Chosen from measurements (docs/PERFORMANCE.md): the worst shape costs 1-3 ms per KB on
# the shared 2-core machine; Python-Markdown with bleach took 500 ms for 1 KB of "[".
BUDGET_MS_PER_KB = 5.0
MAX_INPUT = BODY_MAX
SIZES = (1_000, 2_000, 4_000, 8_000, 16_000, MAX_INPUT, 50_000, 100_000)


def _repeat(unit: str) -> Callable[[int], str]:
    def make(size: int) -> str:
        return (unit * (size // len(unit) + 1))[:size]
    return make


def _growing(piece: Callable[[int], str], cycle: int) -> Callable[[int], str]:
    """Pieces 1, 2, ..., cycle, 1, 2, ... joined: runs of every length up to ``cycle``."""
    def make(size: int) -> str:
        parts: list[str] = []
        total, i = 0, 0
        while total < size:
            part = piece(i % cycle + 1)
            parts.append(part)
            total += len(part)
            i += 1
        return "".join(parts)[:size]
    return make


def _many_references(size: int) -> str:
    parts: list[str] = []
    total, i = 0, 0
    while total < size:
        part = f"[r{i}]: /u/{i} \"t\"\n[r{i}][r{i - 1}] "
        parts.append(part)
        total += len(part)
        i += 1
    return "".join(parts)[:size]


def _long_reference(size: int) -> str:
    return "[a]: /" + "x" * max(0, size - 12) + "\n\n[a]"


SHAPES: dict[str, Callable[[int], str]] = {
    "brackets": _repeat("["),
    "nested_brackets": _repeat("[[[a"),
    "images": _repeat("!["),
    "unclosed_links": _repeat("[a]("),
    "closed_brackets": _growing(lambda n: "[" * n + "a" + "]" * n, 60),
    "emphasis_runs": _growing(lambda n: "a" + "*" * n, 50),
    "emphasis_mixed": _repeat("*a**a***a"),
    "underscores": _repeat("_a__"),
    "quotes": lambda size: _repeat("> ")(size - 1) + "x",
    "dash_lists": lambda size: _repeat("- ")(size - 1) + "x",
    "indented_lists": _growing(lambda n: "  " * n + "- x\n", 400),
    "long_reference": _long_reference,
    "many_references": _many_references,
    "backtick_runs": _growing(lambda n: "`" * n + "a", 200),
    "backticks": _repeat("`"),
    "lt": _repeat("<"),
    "lt_tags": _repeat("<a "),
    "unclosed_attribute": _repeat('<a title="'),
    "raw_nesting": _repeat("<ul><li>"),
    "raw_quotes": _repeat("<blockquote>"),
    "raw_misnested": _repeat("<em><strong>x</em>"),
    "comments": _repeat("<!--"),
    "entities": _repeat("&#"),
    "named_entities": _repeat("&amp;"),
    "autolinks": _repeat("www.a"),
    "emails": _repeat("a@b.c "),
}


def _mixed(size: int) -> str:
    """Chunks of every other shape, shuffled the same way each run."""
    rng = random.Random(size)
    names = sorted(SHAPES)
    parts: list[str] = []
    total = 0
    while total < size:
        part = SHAPES[rng.choice(names)](rng.randrange(20, 400))
        parts.append(part + rng.choice(["", "\n", "\n\n", " "]))
        total += len(parts[-1])
    return "".join(parts)[:size]


SHAPES["mixed"] = _mixed


def _stages(text: str) -> dict[str, Callable[[], object]]:
    """A timer target for the whole render and for each stage fed its real input."""
    runs: dict[str, Callable[[], object]] = {"total": lambda: sanitize.render_markdown(text)}
    value = text
    for name, stage in sanitize.STAGES:
        runs[name] = lambda stage=stage, value=value: stage(value)
        value = stage(value)
    return runs


def best_ms(run: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in milliseconds (the least disturbed by others)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def measure(shapes: list[str], sizes: list[int], repeat: int) -> list[dict]:
    """Per shape: each stage's milliseconds at each size."""
    results = []
    for shape in shapes:
        timings: dict[str, dict[int, float]] = {}
        for size in sizes:
            for stage, run in _stages(SHAPES[shape](size)).items():
                timings.setdefault(stage, {})[size] = best_ms(run, repeat)
        results.append({"shape": shape, "timings": timings})
    return results


def report(results: list[dict], sizes: list[int]) -> bool:
    """Print one table per stage; True when every shape's total is within budget."""
    within = True
    small, large = sizes[0], sizes[-1]
    for stage in ["total"] + [name for name, _ in sanitize.STAGES]:
        print(f"\n## {stage}: milliseconds by input size (characters)\n")
        head = " | ".join(f"{size:,}{'*' if size == MAX_INPUT else ''}" for size in sizes)
        extra = " | worst ms/KB | budget" if stage == "total" else ""
        print(f"| shape | {head} | growth{extra} |")
        print("|---" * (len(sizes) + 2 + (2 if stage == "total" else 0)) + "|")
        for result in results:
            row = result["timings"][stage]
            per_kb = {size: row[size] / (size / 1000) for size in sizes}
            growth = per_kb[large] / per_kb[small] if per_kb[small] else float("nan")
            cells = " | ".join(f"{row[size]:.2f}" for size in sizes)
            line = f"| {result['shape']} | {cells} | {growth:.2f}"
            if stage == "total":
                worst = max(per_kb.values())
                ok = worst <= BUDGET_MS_PER_KB
                within &= ok
                line += f" | {worst:.3f} | {'ok' if ok else 'OVER'}"
            print(line + " |")
    totals = [(r["timings"]["total"].get(MAX_INPUT), r["shape"]) for r in results]
    totals = [t for t in totals if t[0] is not None]
    if totals:
        worst_ms, worst_shape = max(totals)
        print(f"\nAt the largest accepted input ({MAX_INPUT:,} characters, marked *): "
              f"worst {worst_ms:.2f} ms ({worst_shape}).")
    print(f"Budget: {BUDGET_MS_PER_KB} ms per KB for every shape and size: "
          f"{'met' if within else 'NOT met'}.")
    return within


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES),
                        help="only this shape (repeatable); default every shape")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated input sizes in characters")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    results = measure(args.shape or list(SHAPES), sizes, args.repeat)
    return 0 if report(results, sizes) else 1


if __name__ == "__main__":
    sys.exit(main())

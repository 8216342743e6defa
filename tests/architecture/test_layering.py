"""The layers of the code, as README.md's map of the code states them, checked on every
import of every module of the package (function-level imports included).

From the bottom up:

1. the foundation: ``core/``, ``database.py``, ``extensions.py``, ``sanitize.py``; it
   imports no capability;
2. the tables: every capability's ``models.py``; a models module imports the
   foundation, other models modules and its own package only, and any capability may
   import any of them (the schema is one whole: a vote joins a person and an idea);
3. the capabilities, lowest first (``CAPABILITIES``): each imports the foundation, the
   tables, its own package and the capabilities below it, never one above;
4. ``policy.py``, the permission rules: above every capability, as its rules read their
   objects and ask the state machine (``review.workflow``); they are asked through
   ``core.permissions``;
5. the application: ``ideaboard/__init__.py`` (``create_app``), ``models.py`` (gathers
   the tables) and ``cli/``.

There is no import cycle between packages (modules of one package may import each
other lazily, as ``accounts.models`` does ``accounts.sessions``). Imports under
``if TYPE_CHECKING:`` are not checked: they never run, and serve annotations only (an
ORM relationship naming its other end).
"""

from __future__ import annotations

import ast
from pathlib import Path

import ideaboard

PACKAGE_DIR = Path(ideaboard.__file__).resolve().parent
README = PACKAGE_DIR.parent / "README.md"

FOUNDATION = ("core", "database", "extensions", "sanitize")
# Lowest first. Keep in step with README.md's "Layers".
CAPABILITIES = ("audit", "notifications", "org", "accounts", "privacy", "identity",
                "webhooks", "ideas", "review", "voting", "following", "comments", "people",
                "campaigns", "analytics", "moderation", "admin", "worker", "api")
APPLICATION = ("", "models", "cli")  # "": ideaboard/__init__.py

TABLES_RANK = 1
CAPABILITY_RANK = {name: TABLES_RANK + 1 + i for i, name in enumerate(CAPABILITIES)}
POLICY_RANK = TABLES_RANK + 1 + len(CAPABILITIES)
APPLICATION_RANK = POLICY_RANK + 1
_SHARED_LAYERS = (0, TABLES_RANK, APPLICATION_RANK)


def module_name(path: Path, root: Path = PACKAGE_DIR) -> str:
    """``ideaboard.ideas.services`` for ``ideaboard/ideas/services.py``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    """The top-level piece a module belongs to: ``ideas``, ``core``, ``policy``, ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_table(module: str) -> bool:
    parts = module.split(".")
    return len(parts) == 3 and parts[1] in CAPABILITIES and parts[2] == "models"


def rank(module: str) -> int | None:
    """The layer of a module (higher may import lower), None if it is in none."""
    package = package_of(module)
    if package in FOUNDATION:
        return 0
    if is_table(module):
        return TABLES_RANK
    if package in CAPABILITY_RANK:
        return CAPABILITY_RANK[package]
    if package == "policy":
        return POLICY_RANK
    if package in APPLICATION:
        return APPLICATION_RANK
    return None


def layer_name(module: str) -> str:
    package = package_of(module)
    if is_table(module):
        return f"the tables ({module})"
    if package in FOUNDATION:
        return f"the foundation ({package})"
    if package in APPLICATION:
        return "the application"
    return package


class _Imports(ast.NodeVisitor):
    """Every ``ideaboard`` import of one module, at any depth, but those that only run
    for type checkers."""

    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.module, self.is_package, self.known = module, is_package, known
        self.found: list[tuple[int, str]] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        type_checking = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
        for child in ([] if type_checking else node.body) + node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node.lineno, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative: from the module's own package upwards
            parts = self.module.split(".")
            if not self.is_package:
                parts.pop()
            parts = parts[:len(parts) - (node.level - 1)]
            base = ".".join(parts + ([base] if base else []))
        for alias in node.names:
            # ``from ideaboard.review import workflow`` imports the module workflow.
            submodule = f"{base}.{alias.name}"
            self._add(node.lineno, submodule if submodule in self.known else base)

    def _add(self, line: int, name: str) -> None:
        if name != "ideaboard" and not name.startswith("ideaboard."):
            return
        while name not in self.known and "." in name:  # an attribute of a module
            name = name.rpartition(".")[0]
        if (line, name) not in self.found:  # once for ``from x import a, b``
            self.found.append((line, name))


def import_graph(sources: dict[str, tuple[str, str, bool]]) -> dict[str, list[tuple[int, str]]]:
    """``{module: [(line, imported module), ...]}`` for ``{module: (file, source,
    is_package)}``."""
    known = set(sources)
    graph = {}
    for module, (_file, source, is_package) in sources.items():
        visitor = _Imports(module, is_package, known)
        visitor.visit(ast.parse(source))
        graph[module] = visitor.found
    return graph


def package_sources(root: Path = PACKAGE_DIR) -> dict[str, tuple[str, str, bool]]:
    """Every module of the package: ``{name: (path shown, source, is a package)}``."""
    return {module_name(path, root): (str(path.relative_to(root.parent)),
                                      path.read_text(encoding="utf-8"),
                                      path.name == "__init__.py")
            for path in sorted(root.rglob("*.py"))}


def layer_violations(sources: dict[str, tuple[str, str, bool]]) -> list[str]:
    """One sentence for each import against the layers, naming the file and the import."""
    graph = import_graph(sources)
    problems = []
    for module, imports in graph.items():
        file = sources[module][0]
        here = rank(module)
        if here is None:
            problems.append(f"{file}: {package_of(module)!r} is in no layer; add it to "
                            "tests/architecture/test_layering.py and to README.md's layers")
            continue
        for line, target in imports:
            there = rank(target)
            if there is None or package_of(target) == package_of(module):
                continue  # unknown ones are reported as modules; a package is one unit
            # The foundation, the tables and the application are layers of several
            # packages, which may import each other (but not in a cycle).
            if there < here or (there == here and here in _SHARED_LAYERS):
                continue
            problems.append(
                f"{file}:{line} imports {target}: {layer_name(module)} may not import "
                f"{layer_name(target)}, which is not below it (the layers: README.md)")
    return problems


def package_cycles(sources: dict[str, tuple[str, str, bool]]) -> list[str]:
    """Every import cycle of modules that spans more than one package."""
    graph = {module: sorted({target for _line, target in imports if target != module})
             for module, imports in import_graph(sources).items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len({package_of(m) for m in component}) > 1:
                cycles.append("an import cycle between packages, among: "
                              + ", ".join(sorted(component)))

    for module in graph:
        if module not in index:
            visit(module)
    return cycles


# --- the package as it is ----------------------------------------------------------------

def test_every_import_follows_the_layers():
    problems = layer_violations(package_sources())
    assert not problems, "\n".join(problems)


def test_no_import_cycle_between_packages():
    cycles = package_cycles(package_sources())
    assert not cycles, "\n".join(cycles)


def test_the_layers_name_exactly_what_the_package_holds():
    """No stale name in the layers (a new one is reported above as in no layer)."""
    packages = {path.name for path in PACKAGE_DIR.iterdir()
                if path.is_dir() and (path / "__init__.py").exists()}
    modules = {path.stem for path in PACKAGE_DIR.glob("*.py")} - {"__init__"}
    named = {*CAPABILITIES, *FOUNDATION, "policy", *APPLICATION} - {""}
    assert packages | modules == named


def test_the_readme_states_the_same_layers():
    readme = README.read_text(encoding="utf-8")
    assert " < ".join(CAPABILITIES) in readme, "README.md's layers differ from this test's"


# --- the checker itself ------------------------------------------------------------------

def _fake(**modules: str) -> dict[str, tuple[str, str, bool]]:
    return {name.replace("__", "."): (name.replace("__", "/") + ".py", source, False)
            for name, source in modules.items()}


def test_the_checker_names_the_file_and_the_import_against_the_layers():
    sources = _fake(
        ideaboard__core__templating="from ideaboard.policy import can\n",
        ideaboard__policy="from ideaboard.review import workflow\n",
        ideaboard__review__workflow="x = 1\n",
        ideaboard__ideas__services=("def submit():\n"
                                    "    from ideaboard.review.workflow import record\n"),
        ideaboard__ideas__models="from ideaboard.voting.services import cast\n",
        ideaboard__voting__services="from ideaboard.ideas.models import Idea\n",
        ideaboard__voting__models="from ideaboard.ideas.models import Idea\n",
        ideaboard__audit__models=("from typing import TYPE_CHECKING\n"
                                  "if TYPE_CHECKING:\n"
                                  "    from ideaboard.accounts.services import x\n"),
        ideaboard__accounts__services="x = 1\n",
    )
    problems = layer_violations(sources)
    assert problems == [
        "ideaboard/core/templating.py:1 imports ideaboard.policy: the foundation (core) may "
        "not import policy, which is not below it (the layers: README.md)",
        "ideaboard/ideas/services.py:2 imports ideaboard.review.workflow: ideas may not "
        "import review, which is not below it (the layers: README.md)",
        "ideaboard/ideas/models.py:1 imports ideaboard.voting.services: the tables "
        "(ideaboard.ideas.models) may not import voting, which is not below it (the "
        "layers: README.md)",
    ]


def test_the_checker_finds_a_cycle_between_packages_but_not_within_one():
    sources = _fake(
        ideaboard__ideas__services="from ideaboard.review import workflow\n",
        ideaboard__review__workflow="def f():\n    from ideaboard.ideas import services\n",
        ideaboard__accounts__models="def f():\n    from ideaboard.accounts import sessions\n",
        ideaboard__accounts__sessions="from ideaboard.accounts.models import User\n",
    )
    assert package_cycles(sources) == [
        "an import cycle between packages, among: ideaboard.ideas.services, "
        "ideaboard.review.workflow"]

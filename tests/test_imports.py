"""The import graph of wdnopt, read from the sources (nothing is imported): no cycles, and an
import inside a function only where deferring it is the point, with a comment saying why.

A cycle hidden behind a function-level import still couples two modules both ways; a deferred
import without a reason hides a dependency from the top of the file. The start-up budget
(``wdnopt --help`` in a few hundredths of a second, a routing solve without wntr, Dask,
FastAPI or matplotlib) is what the deferred imports buy; ``tests/test_startup.py`` measures it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"package": "wdnopt", "models": "wdnopt.models", "solvers": "wdnopt.solvers"}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, name in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([name, *parts])] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The module of wdnopt that ``import name`` loads (``a.b.C`` → ``a.b``), if any."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(path: Path) -> tuple[list[str], list[tuple[int, str, bool]]]:
    """Module-level imports of wdnopt modules (outside ``if TYPE_CHECKING``), and every import
    inside a function: (line, what, whether a comment says why)."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    typing_only: set[int] = set()
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(n) for n in ast.walk(node)}
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            nested |= {id(n) for n in ast.walk(node) if n is not node}
    top: list[str] = []
    deferred: list[tuple[int, str, bool]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            names = [f"{node.module}.{a.name}" for a in node.names] if node.module else []
        if id(node) in nested:
            said = _says_why(lines[node.lineno - 1]) or _comment_above(lines, node.lineno - 1)
            deferred.append((node.lineno, ", ".join(names), said))
        else:
            top += [m for n in names if (m := _owner(n))]
    return top, deferred


def _says_why(line: str) -> bool:
    """Whether the line's comment has words beside tool directives (``noqa``, ``type:``,
    ``pragma``): a bare ``# noqa: F401`` says nothing of why."""
    if "#" not in line:
        return False
    text = line.split("#", 1)[1]
    text = re.sub(
        r"(noqa(: ?[A-Z]+[0-9]+(, ?[A-Z]+[0-9]+)*)?|type: ?ignore(\[[^]]*\])?|pragma:[^#]*)",
        "",
        text,
    )
    return bool(re.search(r"[A-Za-z]{3}", text))


def _comment_above(lines: list[str], at: int) -> bool:
    """Whether a comment stands right above the block of import lines that holds line ``at``
    (0-based): one comment may speak for the imports that follow it."""
    i = at - 1
    while i >= 0 and lines[i].strip().startswith(("from ", "import ")):
        i -= 1
    return i >= 0 and lines[i].strip().startswith("#")


GRAPH = {m: _imports(p) for m, p in MODULES.items()}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_sources_are_all_found() -> None:
    assert len(MODULES) > 100
    assert "wdnopt.solvers.pumps.plan" in MODULES and "wdnopt.models.scenario" in MODULES


def test_no_module_imports_itself_back_even_through_a_function() -> None:
    edges: dict[str, set[str]] = {}
    for module, (top, deferred) in GRAPH.items():
        edges[module] = {t for t in top if t != module and not module.startswith(t + ".")}
        for _, names, _ in deferred:
            for name in names.split(", "):
                target = _owner(name)
                if target and target != module and not module.startswith(target + "."):
                    edges[module].add(target)
    assert _cycles(edges) == []


def test_a_directive_alone_does_not_say_why() -> None:
    assert not _says_why("    import x  # noqa: F401")
    assert not _says_why("    import x  # type: ignore[import]")
    assert _says_why("    import x  # noqa: F401  (its import sets the loggers' levels)")
    assert _says_why("    import x  # lazy: start-up")


def test_a_cycle_is_caught() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_every_import_inside_a_function_says_why() -> None:
    silent = [
        f"{MODULES[m].relative_to(ROOT)}:{line} {names}"
        for m, (_, deferred) in GRAPH.items()
        for line, names, said in deferred
        if not said
    ]
    assert silent == [], "imports inside functions without a comment saying why"


def test_models_never_import_solvers() -> None:
    def uses_solvers(top: list[str], deferred: list[tuple[int, str, bool]]) -> bool:
        return any(t.startswith("wdnopt.solvers") for t in top) or any(
            "wdnopt.solvers" in names for _, names, _ in deferred
        )

    offenders = [
        m for m, found in GRAPH.items() if m.startswith("wdnopt.models") and uses_solvers(*found)
    ]
    assert offenders == []

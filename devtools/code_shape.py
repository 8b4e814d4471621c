"""The shape of ``components/`` read from its source: the import graph's floors and circles, where
Streamlit is imported, and functions too long or taking too many parameters.

The layering is a promise of the design (``../shared/review.md``): the API clients, the data and the
domain know nothing of the page; Streamlit stays in ``app.py`` and ``components/ui``. A test holds the
code to it (tests/unit/test_code_shape.py), and ``python -m devtools.code_shape`` prints the same report
for a developer. It reads files with :mod:`ast` and runs none of them.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "components"

# Bottom to top: a module may import its own package and anything on a lower floor, never a higher or
# the same floor's other packages. Each name is a package (or a top-level module) under components/.
FLOORS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "text", "wording"}),
    frozenset({"domain"}),
    frozenset({"api", "data"}),
    frozenset({"demo", "export"}),
    frozenset({"store", "charts"}),
    frozenset({"sources"}),
    frozenset({"archive", "inference", "settings"}),
    frozenset({"page"}),
    frozenset({"ui"}),
    # The command that starts the app, and `python -m components` calling it.
    frozenset({"launch"}),
    frozenset({"__main__"}),
)
STREAMLIT_ALLOWED = ("app.py", "components/ui/")
MAX_LINES = 60
MAX_PARAMETERS = 6


@dataclass(frozen=True)
class Import:
    """One ``components`` import: which module imports which."""

    importer: str
    imported: str
    line: int


@dataclass(frozen=True)
class LongFunction:
    path: str
    line: int
    name: str
    lines: int
    parameters: int


def module_name(path: Path) -> str:
    """``components/ui/run_page.py`` → ``components.ui.run_page``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> list[Path]:
    return sorted((ROOT / PACKAGE).rglob("*.py"))


def imports_of(path: Path) -> Iterator[Import]:
    """Every import of a ``components`` module in ``path``, relative imports resolved."""
    importer = module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [_imported_module(node.module, alias.name) for alias in node.names]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                yield Import(importer, name, node.lineno)


def _imported_module(package: str, name: str) -> str:
    """``from components.charts import style`` imports the module ``components.charts.style``, not the
    package's ``__init__``; ``from components.charts import curves_figure`` imports the package."""
    candidate = f"{package}.{name}"
    path = ROOT.joinpath(*candidate.split("."))
    return candidate if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file() else package


def part_of(module: str) -> str:
    """The package (or top-level module) under components/ that ``module`` belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def floor_of(part: str) -> int | None:
    return next((i for i, floor in enumerate(FLOORS) if part in floor), None)


def upward_imports(imports: list[Import]) -> list[str]:
    """Imports that run back up (or sideways across one floor), and parts no floor names."""
    problems = []
    for imp in imports:
        here, there = part_of(imp.importer), part_of(imp.imported)
        if here == there or not there:
            continue
        low, high = floor_of(there), floor_of(here)
        if low is None or high is None:
            problems.append(f"{imp.importer}:{imp.line} imports {imp.imported}: a part no floor names")
        elif low >= high:
            problems.append(f"{imp.importer}:{imp.line} imports {imp.imported}, which is not below it")
    return problems


def _packages_run_by(imp: Import) -> list[str]:
    """The packages whose ``__init__`` an import runs before its module (``components.data.metric_model``
    for ``components.data.metric_model.names``), but for those that hold the importer: Python has begun
    them already, and a sibling import inside one package is no circle."""
    parts = imp.imported.split(".")
    found = []
    for end in range(2, len(parts)):
        package = ".".join(parts[:end])
        inside = imp.importer == package or imp.importer.startswith(package + ".")
        if not inside and (ROOT.joinpath(*parts[:end]) / "__init__.py").is_file():
            found.append(package)
    return found


def circles(imports: list[Import]) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), each a circle of imports; an import of a package
    counts as an import of its ``__init__``, and so does an import of a module inside it."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.importer, set()).update({imp.imported, *_packages_run_by(imp)})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while (top := stack.pop()) != node:
                group.append(top)
            group.append(node)
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def streamlit_importers() -> list[str]:
    """Files outside ``app.py`` and ``components/ui`` that import Streamlit."""
    found = []
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(STREAMLIT_ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "streamlit" or name.startswith("streamlit.") for name in names):
                found.append(f"{relative}:{node.lineno}")
    return found


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    count = len(names) + (args.vararg is not None) + (args.kwarg is not None)
    return count - (1 if names and names[0] in ("self", "cls") else 0)


def functions(outside: str = "components/ui/") -> list[LongFunction]:
    """Every function of ``components/`` outside ``outside``, with its length and parameter count."""
    found = []
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(outside):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                found.append(LongFunction(relative, node.lineno, node.name, lines, _parameters(node)))
    return found


def oversized(found: list[LongFunction]) -> list[LongFunction]:
    return [f for f in found if f.lines > MAX_LINES or f.parameters > MAX_PARAMETERS]


def all_imports() -> list[Import]:
    return [imp for path in source_files() for imp in imports_of(path)]


def main() -> int:
    imports = all_imports()
    problems = {
        "imports that run back up": upward_imports(imports),
        "circles": [" ↔ ".join(group) for group in circles(imports)],
        "Streamlit outside app.py and components/ui": streamlit_importers(),
        f"functions over {MAX_LINES} lines or {MAX_PARAMETERS} parameters outside ui/": [
            f"{f.path}:{f.line} {f.name}: {f.lines} lines, {f.parameters} parameters"
            for f in sorted(oversized(functions()), key=lambda f: -f.lines)
        ],
    }
    longest = sorted(functions(), key=lambda f: -f.lines)[:5]
    print("longest outside ui/: " + ", ".join(f"{f.name} {f.lines}" for f in longest))
    for title, rows in problems.items():
        print(f"{title}: {len(rows)}")
        for row in rows:
            print(f"  {row}")
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())

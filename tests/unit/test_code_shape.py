"""The design's promises about the code itself, read from the source (devtools/code_shape.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from devtools import code_shape


def test_no_import_runs_back_up_the_floors() -> None:
    assert code_shape.upward_imports(code_shape.all_imports()) == []


def test_no_circle_of_imports() -> None:
    assert code_shape.circles(code_shape.all_imports()) == []


def test_streamlit_only_in_app_and_ui() -> None:
    assert code_shape.streamlit_importers() == []


def test_no_function_outside_ui_over_the_size_limits() -> None:
    assert [f"{f.path}:{f.line} {f.name}" for f in code_shape.oversized(code_shape.functions())] == []


def test_every_part_of_components_stands_on_a_floor() -> None:
    parts = {code_shape.part_of(code_shape.module_name(path)) for path in code_shape.source_files()}
    assert {part for part in parts - {""} if code_shape.floor_of(part) is None} == set()


def _shape_of(source: str, tmp_path: Path, name: str = "mod") -> list[code_shape.Import]:
    package = tmp_path / "components" / "pkg"
    package.mkdir(parents=True, exist_ok=True)
    path = package / f"{name}.py"
    path.write_text(source)
    return list(code_shape.imports_of(path))


def test_the_checks_find_what_they_look_for(tmp_path: Path, monkeypatch) -> None:
    """A circle, an upward import and a long function are found (the checks above can fail)."""
    monkeypatch.setattr(code_shape, "ROOT", tmp_path)
    a = _shape_of("from components.pkg.b import x\n", tmp_path, "a")
    b = _shape_of("import components.pkg.a\n", tmp_path, "b")
    assert code_shape.circles(a + b) == [["components.pkg.a", "components.pkg.b"]]
    up = [code_shape.Import("components.data.x", "components.ui.y", 1)]
    assert len(code_shape.upward_imports(up)) == 1
    down = [code_shape.Import("components.ui.y", "components.data.x", 1)]
    assert code_shape.upward_imports(down) == []
    body = "\n".join(f"    v{i} = {i}" for i in range(70))
    (tmp_path / "components" / "pkg" / "long.py").write_text(f"def f(a, b, c):\n{body}\n")
    names = [f.name for f in code_shape.oversized(code_shape.functions())]
    assert names == ["f"]
    tree = ast.parse("def g(self, a, b, c, d, e, f, h): pass")
    assert code_shape._parameters(tree.body[0]) == 7


def test_a_circle_through_a_packages_init_is_found(tmp_path: Path, monkeypatch) -> None:
    """``x`` imports ``pkg.b``, which first runs ``pkg/__init__``, which imports ``pkg.a``, which imports
    ``x``: a circle no single import line shows (the metric catalogue and the metric model once had one)."""
    monkeypatch.setattr(code_shape, "ROOT", tmp_path)
    root = tmp_path / "components"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("from components.pkg.a import y\n")
    (root / "pkg" / "a.py").write_text("from components.x import z\n")
    (root / "pkg" / "b.py").write_text("w = 1\n")
    (root / "x.py").write_text("def f():\n    from components.pkg.b import w\n")
    imports = code_shape.all_imports()
    assert code_shape.circles(imports) == [["components.pkg", "components.pkg.a", "components.x"]]
    (root / "pkg" / "a.py").write_text("z = 1\n")  # no way back: no circle
    assert code_shape.circles(code_shape.all_imports()) == []

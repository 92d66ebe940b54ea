"""The package layout itself: subpackages by job, imports only downwards, every module importable alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "digitcore"

#: Lower numbers sit lower: a module may import its own subpackage and any with a smaller rank.
LAYERS = {"storage": 0, "imaging": 1, "synthetic": 1, "model": 2, "insight": 3, "training": 4, "commands": 5}
TOP_LEVEL_ALLOWED = {"__init__.py", "__main__.py", "cli.py"}


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import of digitcore code in ``path``, function-level ones too."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _dotted(path).split(".") if path.name == "__init__.py" else _dotted(path).split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from .pkg import module` imports a module; `from .module import name` imports from one.
            found += [(node.lineno, f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target)
                      for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, t) for line, t in found if t == "digitcore" or t.startswith("digitcore.")]


def _is_module(dotted: str) -> bool:
    path = REPO / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _layer(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_top_level_holds_only_the_entry_points():
    loose = {p.name for p in PKG.glob("*.py")} - TOP_LEVEL_ALLOWED
    assert not loose, f"modules directly in digitcore/ belong in the subpackage of their job: {sorted(loose)}"
    subpackages = {p.parent.name for p in PKG.glob("*/__init__.py")}
    assert set(LAYERS) <= subpackages


def test_every_subpackage_says_what_lives_there():
    for init in PKG.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.splitlines()) >= 2, f"{init.relative_to(REPO)} needs a docstring saying what lives there"


def test_imports_go_only_downwards_and_resolve():
    problems = []
    for path in _modules():
        source = _layer(_dotted(path))
        for line, target in _imported_modules(path):
            goal = _layer(target)
            where = f"{path.relative_to(REPO)}:{line} imports {target}"
            if not _is_module(target):
                problems.append(f"{where}: no such module")
            if source is None or goal is None:
                continue  # the top-level entry points may import anything; anything may import digitcore
            if goal != source and LAYERS[goal] >= LAYERS[source]:
                problems.append(f"{where}: {source} may not import {goal} (only layers below it)")
    assert not problems, "\n".join(problems)


def test_no_streamlit_in_digitcore():
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "streamlit" for n in names), f"{path} imports Streamlit"


def _import_alone(module: str) -> tuple[str, int, str]:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    return module, done.returncode, done.stderr[-2000:]


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    modules = [_dotted(p) for p in _modules() if p.name != "__main__.py"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [(m, err) for m, rc, err in pool.map(_import_alone, modules) if rc != 0]
    assert not failures, "\n\n".join(f"{m}:\n{err}" for m, err in failures)

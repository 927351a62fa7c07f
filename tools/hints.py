"""Count public functions and parameters of ``core`` that lack type hints.

``python -m tools.hints [paths...]`` prints one line per public function with its unhinted
parameters (or missing return hint) and a total; ``tests/test_typing.py`` holds the modules that
must stay complete at zero. Public: the name has no leading ``_`` (methods of public classes too,
except dunders other than ``__init__``).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def missing(path: Path) -> list[tuple[str, list[str]]]:
    """(qualified name, missing items) of every public function in ``path`` with a gap."""
    tree = ast.parse(path.read_text(), str(path))
    out = []

    def visit(body, prefix=""):
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, prefix + node.name + ".")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = node.name
                if name.startswith("_") and name != "__init__":
                    continue
                a = node.args
                params = [*a.posonlyargs, *a.args, *a.kwonlyargs]
                params += [p for p in (a.vararg, a.kwarg) if p is not None]
                gaps = [p.arg for p in params if p.annotation is None and p.arg not in ("self", "cls")]
                if node.returns is None and name != "__init__":
                    gaps.append("return")
                if gaps:
                    out.append((prefix + name, gaps))
    visit(tree.body)
    return out


def report(paths) -> int:
    total = 0
    for path in paths:
        for name, gaps in missing(path):
            total += len(gaps)
            print(f"{path.relative_to(ROOT)}: {name}: {', '.join(gaps)}")
    return total


def core_modules() -> list[Path]:
    return sorted(p for p in (ROOT / "core").rglob("*.py")
                  if not any(part.startswith("_") and part != "__init__.py" for part in p.relative_to(ROOT).parts))


if __name__ == "__main__":
    targets = [Path(a).resolve() for a in sys.argv[1:]] or core_modules()
    n = report(targets)
    print(f"{n} public parameters/returns without type hints in {len(targets)} modules")

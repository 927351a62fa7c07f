"""Find public functions whose docstring lacks the numpydoc sections their signature calls for.

``python -m tools.numpydoc [paths...]`` prints one line per public function with what is
missing and a total (default: every public module of ``core`` and ``components``);
``tests/test_numpydoc.py`` holds every module at zero except a shrink-only PENDING list.

Rules (public as in :mod:`tools.hints`: no leading ``_``; methods of public classes too):

* every public function has a docstring;
* ``Parameters``: a function with arguments (other than ``self``/``cls``) has the section, and
  every argument is named in it (``S, K : array_like`` names both; ``*args``/``**kwargs`` may
  be written with or without their stars);
* ``Returns`` (or ``Yields``): a function whose return annotation is not ``None`` has it.

Not checked: ``__init__`` and other dunders (the class docstring documents the constructor),
properties (a one-line docstring says what they are), ``@overload`` stubs, and functions
nested in other functions.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The shrink-only list of ``path: qualified name`` still missing a section.
PENDING_FILE = ROOT / "tests" / "numpydoc_pending.txt"
#: Packages being rewritten on other branches, documented by their owners before they join the
#: gate (as ``tests/test_typing.py``'s PENDING).
PENDING_PACKAGES = ()
_SECTION = re.compile(r"^\s*(\w[\w ]*)\n\s*-{3,}\s*$", re.MULTILINE)


def _sections(doc: str) -> dict[str, str]:
    """Section title -> its text, of a numpydoc docstring."""
    heads = list(_SECTION.finditer(doc))
    out = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
        out[m.group(1).strip()] = doc[m.end():end]
    return out


def _documented_names(text: str) -> set[str]:
    """Names a Parameters section documents: the heads ``a, b : type`` (or ``a``) of its items."""
    names = set()
    lines = text.splitlines()
    indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
    base = min(indents) if indents else 0
    for ln in lines:
        if not ln.strip() or len(ln) - len(ln.lstrip()) != base:
            continue
        head = ln.split(" : ")[0] if " : " in ln else ln.rstrip(":")
        for part in head.split(","):
            names.add(part.strip().lstrip("*"))
    return names


def _decorators(node: ast.AST) -> set[str]:
    out = set()
    for d in getattr(node, "decorator_list", []):
        target = d.func if isinstance(d, ast.Call) else d
        out.add(target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", ""))
    return out


def _returns_nothing(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    r = node.returns
    return isinstance(r, ast.Constant) and r.value is None or \
        (isinstance(r, ast.Constant) and r.value == "None")


def problems(path: Path) -> list[tuple[str, list[str]]]:
    """(qualified name, what is missing) of every public function in ``path`` with a gap."""
    tree = ast.parse(path.read_text(), str(path))
    out = []

    def visit(body, prefix=""):
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, prefix + node.name + ".")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name.startswith("_"):
                    continue
                decos = _decorators(node)
                if decos & {"overload"} or "setter" in decos or "deleter" in decos:
                    continue
                doc = ast.get_docstring(node)
                if not doc:
                    out.append((prefix + node.name, ["docstring"]))
                    continue
                if "property" in decos or "cached_property" in decos:
                    continue
                gaps = []
                secs = _sections(doc)
                a = node.args
                params = [p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]
                          if p.arg not in ("self", "cls")]
                params += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
                if params:
                    if "Parameters" not in secs:
                        gaps.append("Parameters")
                    else:
                        named = _documented_names(secs["Parameters"])
                        gaps += [f"param {p}" for p in params if p not in named]
                if not _returns_nothing(node) and not ({"Returns", "Yields"} & secs.keys()):
                    gaps.append("Returns")
                if gaps:
                    out.append((prefix + node.name, gaps))
    visit(tree.body)
    return out


def public_modules(*folders: str) -> list[Path]:
    """The public modules (no ``_``-prefixed part but ``__init__.py``) under ``folders``."""
    out = []
    for folder in folders:
        out += [p for p in (ROOT / folder).rglob("*.py")
                if not any(part.startswith("_") and part != "__init__.py"
                           for part in p.relative_to(ROOT).parts)]
    return sorted(out)


def current_gaps() -> set[str]:
    """``path: qualified name`` of every gated function (core and components, less
    :data:`PENDING_PACKAGES`) with a gap."""
    out = set()
    for path in public_modules("core", "components"):
        rel = str(path.relative_to(ROOT))
        if rel.startswith(PENDING_PACKAGES):
            continue
        out |= {f"{rel}: {name}" for name, _ in problems(path)}
    return out


def write_pending() -> int:
    """Rewrite :data:`PENDING_FILE` with today's gaps; returns how many."""
    gaps = sorted(current_gaps())
    PENDING_FILE.write_text("# Public functions still missing numpydoc Parameters/Returns: may only "
                            "shrink (tests/test_numpydoc.py)\n" + "".join(g + "\n" for g in gaps))
    return len(gaps)


def report(paths) -> int:
    """Print the gaps of ``paths``; returns how many functions have one."""
    total = 0
    for path in paths:
        for name, gaps in problems(path):
            total += 1
            print(f"{path.relative_to(ROOT)}: {name}: {', '.join(gaps)}")
    return total


if __name__ == "__main__":
    if sys.argv[1:] == ["--pending"]:
        print(f"{write_pending()} functions listed in {PENDING_FILE.relative_to(ROOT)}")
        sys.exit(0)
    targets = [Path(a).resolve() for a in sys.argv[1:]] or public_modules("core", "components")
    n = report(targets)
    print(f"{n} public functions without complete numpydoc Parameters/Returns in "
          f"{len(targets)} modules")

"""The package layout shows the pipeline, and stays that way: each stage imports only the
stages below it, there are no import cycles, and each package says what it takes and gives."""

import ast
from pathlib import Path

import zjsafety

SRC = Path(zjsafety.__file__).parent
# what each package may import of ours (itself always): lower layers only
ALLOWED = {
    "core": set(),
    "store": {"core"},
    "importers": {"core", "store"},
    "rules": {"core", "store"},
    "sampling": {"core", "store", "rules"},
    "reports": {"core", "store", "rules"},
    "commands": {"core", "store", "importers", "rules", "sampling", "reports", "demo", "commands"},
}


def _imports(path: Path) -> set[str]:
    """Modules of ours a file imports (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("zjsafety"):
            for a in node.names:  # `from pkg import submodule` imports the submodule, else the module
                sub = f"{node.module}.{a.name}"
                out.add(sub if (SRC.parent / (sub.replace(".", "/") + ".py")).exists()
                        or (SRC.parent / sub.replace(".", "/")).is_dir() else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("zjsafety"))
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; write zjsafety.<package>.<module>")
    return out


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _files():
    return sorted(p for p in SRC.rglob("*.py") if "data" not in p.parts)


def test_no_stage_imports_a_later_one():
    for path in _files():
        rel = path.relative_to(SRC).parts
        if len(rel) == 1:
            continue  # cli.py, demo.py, docs.py, __main__: the top
        pkg = rel[0]
        for name in _imports(path):
            parts = name.split(".")
            if len(parts) < 2 or parts[1] == "__version__":
                continue
            target = parts[1]
            assert target == pkg or target in ALLOWED[pkg], f"{path.relative_to(SRC)} imports {name}"


def test_no_import_cycles():
    modules = {_module(p): p for p in _files()}
    graph = {m: {n for n in _imports(p) if n in modules and n != m} for m, p in modules.items()}
    # a package __init__ imported for a submodule does not make a cycle of its own
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in graph[m]:
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(n):] + [n]))
            if n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])


def test_every_package_says_what_it_takes_and_gives():
    for init in SRC.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{init.parent.name}/__init__.py needs a docstring"


def test_few_modules_sit_loose_at_the_top():
    loose = sorted(p.name for p in SRC.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "cli.py", "demo.py", "docs.py"]

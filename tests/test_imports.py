"""The house stays readable: no import cycle, no upward arrow between layers, no private name
used across modules, and bench/ independent of tests/.

Every import counts, at module level or inside a function: an import moved into a function to
dodge a cycle is still a cycle. An import of a package's submodule does not count as an import
of the package itself (Python runs the package's __init__ first, but that is not a dependency
the code chose).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# ingest/parse/ by role, top to bottom: a module may import its own layer or any layer below.
PARSE_LAYERS = [
    {"ingest.parse", "ingest.parse.cli", "ingest.parse.formats"},
    {"ingest.parse.sniff"},
    {"ingest.parse.readers"},
    {"ingest.parse.page"},
    {"ingest.parse.glued", "ingest.parse.mapping"},
    {"ingest.parse.vocab", "ingest.parse.layout", "ingest.parse.rows", "ingest.parse.version",
     "ingest.parse.output"},
]
# Packages of one layer that must not import each other.
PARSE_SIBLINGS = [("ingest.parse.glued", "ingest.parse.mapping")]


def _modules(top: str) -> dict[str, Path]:
    out = {}
    for p in (ROOT / top).rglob("*.py"):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = {**_modules("ingest"), **_modules("bench"), **_modules("tests")}


def _target(name: str) -> str | None:
    """The module `name` is, or the module that defines it."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> list[tuple[str, str, int]]:
    """(imported module, name imported from it or "", line) for every import in the module."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                t = _target(alias.name)
                if t:
                    out.append((t, "", node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    out.append((sub, "", node.lineno))
                elif (t := _target(base)):
                    out.append((t, alias.name, node.lineno))
    return out


GRAPH = {m: _imports(m) for m in MODULES}


def _cycles(nodes, edges) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def test_no_module_imports_itself_in_a_circle():
    edges = {m: {t for t, _, _ in imps if t != m} for m, imps in GRAPH.items()}
    assert _cycles(sorted(MODULES), edges) == []


def _package(module: str, depth: int) -> str:
    return ".".join(module.split(".")[:depth])


def test_the_packages_of_ingest_form_no_circle():
    """ingest/<package>/ as one node each (load/, refresh/, crawl/, parse/ …): no two of them
    import each other, directly or round about."""
    edges: dict[str, set[str]] = defaultdict(set)
    for m, imps in GRAPH.items():
        if not m.startswith("ingest."):
            continue
        for t, _, _ in imps:
            a, b = _package(m, 2), _package(t, 2)
            if t.startswith("ingest.") and a != b:
                edges[a].add(b)
    assert _cycles(sorted(edges), edges) == []


def _parse_layer(module: str) -> tuple[int, str]:
    for depth in (3, 2):
        node = _package(module, depth)
        for i, layer in enumerate(PARSE_LAYERS):
            if node in layer:
                return i, node
    raise AssertionError(f"{module} is in no layer of PARSE_LAYERS: add it where it belongs")


def test_the_parser_imports_only_downwards():
    upward = []
    for m, imps in GRAPH.items():
        if not m.startswith("ingest.parse"):
            continue
        mine, my_node = _parse_layer(m)
        for t, _, line in imps:
            if not t.startswith("ingest.parse"):
                continue
            theirs, their_node = _parse_layer(t)
            if theirs < mine or {my_node, their_node} in [set(p) for p in PARSE_SIBLINGS]:
                upward.append(f"{MODULES[m].relative_to(ROOT)}:{line} imports {t}")
    assert upward == []


def test_the_parser_folders_are_the_layers():
    """Every folder of ingest/parse/ is a layer of PARSE_LAYERS (and so of ARCHITECTURE.md's picture)."""
    named = {n for layer in PARSE_LAYERS for n in layer}
    folders = {f"ingest.parse.{p.name}" for p in (ROOT / "ingest" / "parse").iterdir()
               if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= named
    picture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for folder in folders:
        assert f"{folder.rpartition('.')[2]}/" in picture, f"ARCHITECTURE.md does not show {folder}"


def test_no_private_name_is_used_across_modules():
    """`from m import _x` and `m._x` of one of our modules from another: a name with a leading
    underscore is the module's own; what others need gets a public name."""
    found = []
    for m, imps in GRAPH.items():
        if not m.startswith(("ingest", "bench")):
            continue
        for t, name, line in imps:
            if name.startswith("_") and not name.startswith("__") and t != m:
                found.append(f"{MODULES[m].relative_to(ROOT)}:{line} from {t} import {name}")
        tree = ast.parse(MODULES[m].read_text(encoding="utf-8"))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    full = (alias.name if isinstance(node, ast.Import)
                            else f"{node.module}.{alias.name}" if node.module else alias.name)
                    if full in MODULES:
                        aliases[alias.asname or alias.name.split(".")[0]] = full
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                found.append(f"{MODULES[m].relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert found == []


@pytest.mark.parametrize("top", ["ingest", "bench"])
def test_shipped_code_does_not_import_the_tests(top):
    bad = [f"{MODULES[m].relative_to(ROOT)}:{line}" for m, imps in GRAPH.items()
           if m.startswith(top + ".") or m == top for t, _, line in imps if t.startswith("tests")]
    assert bad == []


def test_ingest_does_not_import_the_benchmarks():
    bad = [f"{MODULES[m].relative_to(ROOT)}:{line}" for m, imps in GRAPH.items()
           if m.startswith("ingest") for t, _, line in imps if t.startswith("bench")]
    assert bad == []

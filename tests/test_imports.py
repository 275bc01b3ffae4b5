"""The package's shape, checked on every test run (CI runs only pytest).

- import-linter's contracts in pyproject.toml (layers, no torch or training code
  under scoring and the CLI, no model <-> evaluation cycle) hold;
- no module imports a training-only module (any framing module whose name says
  "train" or "finetune") from scoring, compare, batch, reports or the CLI, even
  one added after the contracts were written;
- no module, test or benchmark uses another module's underscore names;
- every module of the package declares ``__all__``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "framing"
SERVING = ("framing.scoring", "framing.compare", "framing.batch", "framing.reports", "framing.cli", "framing.serve")


def _lint_imports() -> list[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    return [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]


def test_import_contracts_are_kept():
    pytest.importorskip("importlinter")
    # --no-cache: a stale cache must not hide a new import.
    run = subprocess.run([*_lint_imports(), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_serving_code_never_reaches_training_modules():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("framing")
    training = sorted(m for m in graph.modules if "train" in m.rsplit(".", 1)[-1] or "finetune" in m.rsplit(".", 1)[-1])
    # The exception pyproject's contract makes: `framing stage finetune` is training itself.
    for target in training:
        if graph.direct_import_exists(importer="framing.stages", imported=target):
            graph.remove_import(importer="framing.stages", imported=target)
    for source in SERVING:
        for target in training:
            chain = graph.find_shortest_chain(importer=source, imported=target)
            assert chain is None, f"{source} imports training code: {' -> '.join(chain)}"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _violations(path: Path, importer: str | None, package: str | None) -> list[str]:
    """Underscore names of framing modules used in ``path`` from outside their own package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("framing") and node.level == 0:
            target = node.module
            private_parts = [p for p in target.split(".") if _private(p)]
            # A private module is open to its own package only (framing.features._batch to framing.features.*).
            if private_parts:
                owner = target[: target.index("." + private_parts[0])]
                if not (package and (package == owner or package.startswith(owner + "."))):
                    found.append(f"{path.name}:{node.lineno}: imports private module {target}")
            for alias in node.names:
                if _private(alias.name) and alias.name != "__version__":
                    found.append(f"{path.name}:{node.lineno}: imports {target}.{alias.name}")
                else:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("framing"):
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _private(node.attr):
            if node.value.id in aliases:
                found.append(f"{path.name}:{node.lineno}: uses {aliases[node.value.id]}.{node.attr}")
    return found


def test_no_module_test_or_benchmark_uses_another_modules_private_names():
    problems = []
    for module, path in _modules().items():
        problems += _violations(path, module, _package_of(module, path))
    for path in sorted((REPO / "tests").glob("*.py")) + sorted((REPO / "benchmarks").glob("*.py")):
        problems += _violations(path, None, None)
    assert not problems, "\n".join(problems)


def test_every_module_declares_all():
    missing = [m for m, p in _modules().items()
               if "__all__" not in {t.id for n in ast.parse(p.read_text()).body if isinstance(n, ast.Assign)
                                    for t in n.targets if isinstance(t, ast.Name)}
               and not m.endswith("__main__")]
    assert not missing, missing


def test_no_module_imports_a_sibling_through_its_own_package():
    """``from framing.model import arrays`` inside framing.model runs through the package's
    ``__init__``, which may be half-way through importing this very module: a cycle. Siblings
    are imported by their own names (``from framing.model.arrays import ...``)."""
    found = []
    for module, path in _modules().items():
        if path.name == "__init__.py" or module.count(".") < 2:
            continue  # framing's own top-level modules have the package framing itself as parent
        package = module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            through = (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == package) or (
                isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None)
            if through:
                found.append(f"{module}:{node.lineno}")
    assert not found, f"sibling imported through the package: {found}"

"""The evaluator is core: it imports the domain, the event log and the engine's
output contract, never the CLI, the twin or the server; only report.py draws."""

from __future__ import annotations

import ast
from pathlib import Path

import walkout.evaluation

# walkout.vision.scores: the tracker's score file format (pydantic only), read beside receipts
# walkout.operations: pure; operations are scored by its own inventory rules applied to the truth
ALLOWED = (
    "walkout.domain",
    "walkout.eventlog",
    "walkout.fusion.outputs",
    "walkout.evaluation",
    "walkout.vision.scores",
    "walkout.operations",
)


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_evaluation_imports_only_the_core() -> None:
    pkg = Path(walkout.evaluation.__file__).parent
    for f in sorted(pkg.glob("*.py")):
        for m in _imports(f):
            if m.startswith("walkout"):
                assert m.startswith(ALLOWED), f"{f.name} imports {m}"
            if m.startswith("matplotlib"):
                assert f.name == "report.py", f"{f.name} imports {m}"
            assert not m.startswith(("typer", "rich")), f"{f.name} imports {m}"
        assert len(f.read_text(encoding="utf-8").splitlines()) <= 400, f.name

"""List imports that run from a lower layer of dantoc up to a higher one (ARCHITECTURE.md:
dependencies point one way), and imports hidden inside functions. Exit 1 when any is found.

    python scripts/import_layers.py            # report
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "dantoc"

# Lower number = lower layer. An app may import apps of its own layer or below.
LAYERS = {
    "core": 0,
    # The base (ARCHITECTURE.md: "geo and accounts at the bottom"): units, officials, their
    # audit trail and the programme catalogue know each other.
    "geo": 1,
    "accounts": 1,
    "audit": 1,
    "programmes": 1,
    "notifications": 2,
    "indicators": 2,
    "media": 2,
    "editorial": 2,
    "alerts": 2,
    "reporting": 3,
    "portal": 3,
    "analytics": 4,
    "citizens": 4,
    "meetings": 4,
    "training": 4,
    "channels": 3,
    "experts": 3,
    # Above analytics since its digitisation figures load a computed indicator (as meetings).
    "heritage": 4,
    "sensors": 4,
    "library": 3,
    "opendata": 5,
    "integration": 5,
}


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "dantoc" else None


def findings() -> tuple[list[str], list[str]]:
    upward, hidden = [], []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        app = rel.parts[0]
        if app not in LAYERS:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        function_lines = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        function_lines.add(inner.lineno)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            for module in modules:
                target = _app_of(module)
                if target is None or target == app or target not in LAYERS:
                    continue
                where = f"dantoc/{rel}:{node.lineno} {app} -> {target} ({module})"
                if LAYERS[target] > LAYERS[app]:
                    upward.append(where)
                elif node.lineno in function_lines and rel.name != "apps.py":
                    hidden.append(where)
    return upward, hidden


if __name__ == "__main__":
    up, hid = findings()
    print(f"upward imports: {len(up)}")
    print("\n".join("  " + u for u in up))
    print(f"imports inside functions (to another app): {len(hid)}")
    print("\n".join("  " + h for h in hid))
    sys.exit(1 if up or hid else 0)

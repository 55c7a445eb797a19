"""The package layout shows the architecture: four layers, imports only downwards, a docstring per package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import mentortrack

PACKAGE = Path(mentortrack.__file__).parent
LAYERS = ["contract", "analytics", "reports", "lifecycle"]
"""Bottom to top: a module may import from its own layer, the layers below, and the package root."""
ROOT_MODULES = {"config", "paths", "safe_paths", "errors", "wording"}
"""Foundation modules at the package root, importable by every layer (they import no layer)."""


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mentortrack"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("mentortrack")}
    return found


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_lives_in_a_layer_or_is_a_foundation_module() -> None:
    loose = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "cli"} - ROOT_MODULES
    assert not loose, f"modules outside the layers: {loose}"
    for layer in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text()))
        assert doc and len(doc) > 100, f"mentortrack.{layer} needs a docstring saying what it owns"


def test_imports_only_run_downwards() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        here = path.relative_to(PACKAGE).parts
        own = here[0] if here[0] in LAYERS else None
        for module in _imports(path):
            target = _layer(module)
            if own is None and path.stem in ROOT_MODULES and target is not None:
                wrong.append(f"{path.name} (root) imports {module}")
            elif own is not None and target is not None and LAYERS.index(target) > LAYERS.index(own):
                wrong.append(f"{'/'.join(here)} ({own}) imports {module} ({target})")
    assert not wrong, "imports running upwards:\n" + "\n".join(sorted(wrong))


def test_the_readme_layout_section_matches_the_tree() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    lines = layout.splitlines()
    for layer in LAYERS:
        start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{layer}/"))
        block = [lines[start]]
        for line in lines[start + 1:]:
            if not line.startswith("    "):
                break
            block.append(line)
        text = " ".join(block)
        for module in (p.stem for p in (PACKAGE / layer).glob("*.py") if p.stem != "__init__"):
            assert re.search(rf"\b{module}\b", text), f"README layout does not list {layer}/{module}.py"
    for folder in ("notebooks/", "parameters/", "docs/", "scripts/", "tests/", "outputs/"):
        assert folder in layout and (PACKAGE.parent / folder).exists()
    for module in ROOT_MODULES | {"cli"}:
        assert f"{module}.py" in layout


def test_module_paths_named_in_the_docs_exist() -> None:
    root = PACKAGE.parent
    for doc in [root / "README.md", root / "docs" / "session-export.md", PACKAGE / "data" / "sentiment" / "DATACARD.md"]:
        text = doc.read_text(encoding="utf-8")
        for path in re.findall(r"`(mentortrack/[\w/]+\.py)`", text):
            assert (root / path).is_file(), f"{doc.name} names {path}, which does not exist"
        for dotted in re.findall(r"`(mentortrack(?:\.\w+)+)`", text):
            parts = dotted.split(".")
            candidates = [root.joinpath(*parts[:n]).with_suffix(".py") for n in range(2, len(parts) + 1)]
            candidates += [root.joinpath(*parts[:n]) / "__init__.py" for n in range(2, len(parts) + 1)]
            assert any(c.is_file() for c in candidates), f"{doc.name} names {dotted}, which does not exist"

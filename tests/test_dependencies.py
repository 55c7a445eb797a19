"""pyproject.toml, the requirements files, constraints.txt and environment.yml declare one dependency set."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{path.name}: {line} is not pinned"
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_runtime_dependencies_have_lower_bounds_not_pins() -> None:
    project = _project()
    declared = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    for line in declared:
        operators = {s.operator for s in Requirement(line).specifier}
        assert operators == {">="}, f"pyproject.toml: {line} should state a lower bound only"


def test_requirements_pin_every_declared_dependency_within_its_bound() -> None:
    project = _project()
    requirements, speech = _pins(REPO / "requirements.txt"), _pins(REPO / "requirements-stt.txt")
    groups = [(project["dependencies"], requirements)]
    groups += [(project["optional-dependencies"][extra], requirements) for extra in ("notebooks", "train", "cluster", "test")]
    groups += [(project["optional-dependencies"]["speech"], speech)]
    for declared, pins in groups:
        for line in declared:
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement.name} is declared in pyproject.toml but not pinned"
            assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} breaks {line}"
    declared_names = {canonicalize_name(Requirement(r).name) for r in
                      project["dependencies"] + [r for e in project["optional-dependencies"].values() for r in e]}
    assert set(requirements) | set(speech) <= declared_names, "a pinned package is not declared in pyproject.toml"


def test_constraints_lock_the_same_versions() -> None:
    constraints = _pins(REPO / "constraints.txt")
    for file in ("requirements.txt", "requirements-stt.txt"):
        for name, version in _pins(REPO / file).items():
            assert constraints.get(name) == version, f"{file} pins {name}=={version}, constraints.txt {constraints.get(name)}"
    assert "torch" not in constraints and "mentortrack" not in constraints


def test_environment_yml_installs_the_same_set_as_make_setup() -> None:
    environment = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    python = next(d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python"))
    pip = next(d for d in environment["dependencies"] if isinstance(d, dict))["pip"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    torch = re.search(r"^TORCH\s*\??=\s*([^\s#]+)", makefile, flags=re.M).group(1)
    assert python == "python=3.11" and _project()["requires-python"] == ">=3.11"
    assert torch in pip and "-c constraints.txt" in pip and "-r requirements.txt" in pip
    assert "-c constraints.txt" in makefile and "-r requirements.txt" in makefile

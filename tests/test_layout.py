"""The project stands on its own and its modules form no import circle."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from helpers import REPO

# Where each top-level folder is installed (pyproject.toml, DESIGN.md "Layout").
PACKAGES = {"certkit": "certkit", "drivers": "certkit.drivers", "suites": "certkit.suites",
            "reports": "certkit.reports"}
# Spelt in parts, so that this file is not itself a file naming them.
OUTSIDE = ("../" + "shared", "/" + "work/")


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split()
    return [REPO / name for name in listed if (REPO / name).is_file()]


def test_no_file_names_a_path_outside_the_repository() -> None:
    offenders = []
    for path in tracked_files():
        if path.suffix not in (".py", ".md", ".toml", ".json", ".j2", ".sh", ""):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{path.relative_to(REPO)}: {needle}" for needle in OUTSIDE
                      if needle in text]
    assert not offenders


def module_names() -> dict[str, Path]:
    modules = {}
    for folder, package in PACKAGES.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = [package, *path.relative_to(REPO / folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules `name` imports, those under TYPE_CHECKING included."""
    found = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {other for other in found if other in modules and other != name}


def test_modules_form_no_import_circle() -> None:
    modules = module_names()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    circles = []
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                circles.append(" -> ".join([*path[path.index(other):], other]))
            elif other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not circles

"""The gates of scripts/test that are more than a tool's exit status: mypy refuses a bad call,
and the workers import no cycle.

For mypy, a module written for the test calls a real function of stack/ (stack.keys.api_key,
which stack/ owns, so the test does not follow the workers' refactors) once with an
argument dropped and once with one too many; mypy must fail and name both calls.
The same module with the right arguments must pass, so the failure is the calls'.
Both runs share a cache in tmp_path: the first is cold (a few seconds), the second warm.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from stack.config import PROJECT_DIR

CALLS_WRONG = '''\
from stack.keys import api_key


def anon_key(jwt_secret: str) -> str:
    return api_key(jwt_secret)


def service_key(jwt_secret: str) -> str:
    return api_key(jwt_secret, "service_role", "one too many")
'''

CALLS_RIGHT = '''\
from stack.keys import api_key


def anon_key(jwt_secret: str) -> str:
    return api_key(jwt_secret, "anon")


def service_key(jwt_secret: str) -> str:
    return api_key(jwt_secret, "service_role")
'''


def _mypy(module: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    # From the project's root, as scripts/test runs it, so `stack` is found as a source.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(PROJECT_DIR / "pyproject.toml"),
         "--cache-dir", str(cache), "--no-error-summary", str(module)],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def test_mypy_refuses_a_dropped_and_an_extra_argument(tmp_path: Path, cache: Path) -> None:
    module = tmp_path / "calls_api_key.py"
    module.write_text(CALLS_WRONG)
    result = _mypy(module, cache)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 2, result.stdout
    dropped, extra = errors
    assert f"{module}:5:" in dropped, dropped
    assert 'Missing positional argument "role" in call to "api_key"' in dropped
    assert f"{module}:9:" in extra, extra
    assert 'Too many arguments for "api_key"' in extra


def test_mypy_passes_the_same_calls_with_the_right_arguments(tmp_path: Path,
                                                             cache: Path) -> None:
    module = tmp_path / "calls_api_key.py"
    module.write_text(CALLS_RIGHT)
    result = _mypy(module, cache)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "", result.stdout


def _imports(path: Path, module: str) -> set[str]:
    """The workers.* modules `module` imports, anywhere in it (TYPE_CHECKING and lazy imports
    included: a cycle through them is still a cycle to read)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("workers.")}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: from its package
                package = module.rsplit(".", node.level)[0]
                base = f"{package}.{base}"
            if base.startswith("workers."):
                found.add(base)
                # `from workers.x import y` may name a module y of package x.
                found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_the_workers_import_no_cycle() -> None:
    """One way down: common <- each worker's modules <- its __main__; no module of workers/
    imports, even for typing only, a module that imports it back."""
    root = PROJECT_DIR / "workers"
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph = {name: _imports(path, name) & modules.keys() - {name}
             for name, path in modules.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for imported in sorted(graph[name]):
            if state.get(imported) == 1:
                cycles.append([*path[path.index(imported):], imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert len(graph) > 30, "the walk found the workers' modules"
    assert cycles == []

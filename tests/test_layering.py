"""The seams between modules (issue 25): the ML library imports without the course tooling, and
no module or notebook uses another module's private (``_``-prefixed) names.

``ganstyle_lib.course`` (the ``ganstyle`` command, the notebook runner, the book, slides,
student notebooks, web assets) sits on top of the ML library; nothing below it may import it,
so a learner who uses ``gan/``, ``style/``, ``data`` and friends from their own code does not
load the tooling. Each check runs in a fresh interpreter: in the test process other tests have
long imported everything.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "ganstyle_lib"

# Every module outside course/: the ML library, its assets and helpers, and the exercise checks.
ML_MODULES = sorted(
    "ganstyle_lib." + ".".join(path.relative_to(LIB).with_suffix("").parts).removesuffix(".__init__")
    for path in LIB.rglob("*.py")
    if path.relative_to(LIB).parts[0] != "course"
)


def _course_modules_after_importing(modules: list[str]) -> list[str]:
    """The ``ganstyle_lib.course`` modules in ``sys.modules`` after a fresh interpreter imports ``modules``."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[:2] == ['ganstyle_lib', 'course'])))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_list_covers_the_ml_library() -> None:
    for name in ("ganstyle_lib.gan", "ganstyle_lib.style", "ganstyle_lib.data", "ganstyle_lib.device"):
        assert name in ML_MODULES
    for name in ("ganstyle_lib.metrics", "ganstyle_lib.viz", "ganstyle_lib.widgets", "ganstyle_lib.assets"):
        assert name in ML_MODULES
    assert not [m for m in ML_MODULES if ".course" in m]


def test_the_ml_library_imports_without_the_course_tooling() -> None:
    loaded = _course_modules_after_importing(ML_MODULES)
    assert not loaded, f"importing the ML library also imported the course tooling: {loaded}"


@pytest.mark.parametrize("module", ["ganstyle_lib.course.notebooks", "ganstyle_lib.course.cli"])
def test_the_check_sees_course_modules(module: str) -> None:
    """The probe itself works: a course import is reported (so the test above can fail)."""
    assert module in _course_modules_after_importing([module])


# --------------------------------------------------------------------------- private names stay private
#
# CONTRIBUTING: a name with a leading `_` belongs to its module; another module that needs it makes
# it public or moves it, and a notebook never calls one (issue 25).


def _private_uses(source: str, module: str, is_package: bool = False) -> list[str]:
    """Private names of *other* ganstyle_lib modules that ``source`` imports or reads.

    ``module`` is the dotted name of the code (``ganstyle_lib.gan.conditional``; ``""`` for a
    notebook), used to resolve relative imports. Reported: ``from X import _name`` and
    ``alias._name`` where ``alias`` was bound by an import from ganstyle_lib.
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    found, aliases = [], set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            origin = ".".join(base + ([node.module] if node.module else []))
            if not origin.startswith("ganstyle_lib"):
                continue
            for name in node.names:
                if name.name.startswith("_"):
                    found.append(f"line {node.lineno}: from {origin} import {name.name}")
                aliases.add(name.asname or name.name)
        elif isinstance(node, ast.Import):
            aliases.update(a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("ganstyle_lib"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return sorted(found)


def _notebook_code(path: Path) -> str:
    """A notebook's code cells as one Python source (IPython magics and shell lines left out)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return "\n".join(line for line in "\n".join(code).splitlines() if not line.lstrip().startswith(("%", "!")))


def test_the_private_name_scan_finds_what_it_should() -> None:
    source = (
        "from . import core\nfrom .models import _helper, public\nfrom ..gan import losses as gl\n"
        "import numpy as np\nimport ganstyle_lib.viz\n"
        "core._run(); gl._mean(); np._private(); public._x; ganstyle_lib.viz; self_thing = object()\n"
    )
    found = _private_uses(source, "ganstyle_lib.style.training")
    assert found == [
        "line 2: from ganstyle_lib.style.models import _helper",
        "line 6: core._run",
        "line 6: gl._mean",
        "line 6: public._x",
    ]
    notebook = "from ganstyle_lib.style import judge\njudge._features(x)\n"
    assert _private_uses(notebook, "") == ["line 2: judge._features"]


def test_no_module_uses_another_modules_private_names() -> None:
    found = {}
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        uses = _private_uses(path.read_text(encoding="utf-8"), ".".join(rel.parts), path.name == "__init__.py")
        if uses:
            found[str(path.relative_to(ROOT))] = uses
    assert not found, f"make these names public (with a docstring) or move them: {found}"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name[:2])
def test_no_notebook_calls_a_private_name(path: Path) -> None:
    assert not _private_uses(_notebook_code(path), "")

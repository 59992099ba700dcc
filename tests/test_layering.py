"""The ML library imports without the course tooling (issue 25).

``ganstyle_lib.course`` (the ``ganstyle`` command, the notebook runner, the book, slides,
student notebooks, web assets) sits on top of the ML library; nothing below it may import it,
so a learner who uses ``gan/``, ``style/``, ``data`` and friends from their own code does not
load the tooling. Each check runs in a fresh interpreter: in the test process other tests have
long imported everything.
"""

from __future__ import annotations

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

"""Student notebooks: the transformation, and the round trip on every course notebook.

The issue asks for both sides of the round trip. The *solution* side -- in
the committed notebooks every check passes -- is already covered by nbval
(``make test`` runs every notebook with ``--nbval-lax`` and compares each
``# NBVAL_CHECK_OUTPUT`` cell's stored output). This file covers the
*student* side: in each generated notebook every exercise's check cell fails
with ``NotWrittenYet`` (a ``NotImplementedError`` shown as one ✗ block), and no other cell breaks.
"""

from __future__ import annotations

import os
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ganstyle_lib.course import notebooks, student
from ganstyle_lib.course.cli import main

STUB = 'raise NotImplementedError("Exercise: write this part, then run the check cell below")'


def _exercise_notebook():
    exercise = new_code_cell(
        "def double(x):\n"
        "    # x: any number\n"
        "    ### BEGIN SOLUTION\n"
        "    y = 2 * x\n"
        "    return y\n"
        "    ### END SOLUTION",
        execution_count=3,
        outputs=[new_output("stream", name="stdout", text="hi\n")],
    )
    check = new_code_cell(
        "# NBVAL_CHECK_OUTPUT\nassert double(2) == 4\nprint('ok')",
        execution_count=4,
        outputs=[new_output("stream", name="stdout", text="ok\n")],
    )
    return new_notebook(
        cells=[
            new_markdown_cell("Write between `### BEGIN SOLUTION` and\n### END SOLUTION\nthen check."),
            new_code_cell(
                "import math\nx = 1",
                execution_count=1,
                outputs=[new_output("execute_result", data={"text/plain": "1"}, execution_count=1)],
            ),
            exercise,
            check,
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def test_solution_becomes_an_indented_stub():
    nb = student.make_student_notebook(_exercise_notebook())
    assert nb.cells[2].source == (f"def double(x):\n    # x: any number\n    # YOUR CODE HERE\n    {STUB}")
    assert "SOLUTION" not in nb.cells[2].source and "2 * x" not in nb.cells[2].source


def test_stub_keeps_the_indentation_of_each_region_and_the_code_after_it():
    source = (
        "x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION\n"
        "def f():\n        ### BEGIN SOLUTION\n        pass\n        ### END SOLUTION\n"
        "print(x)\n"
    )
    nb = new_notebook(cells=[new_code_cell(source)])
    assert student.make_student_notebook(nb).cells[0].source == (
        "x = 1\n# YOUR CODE HERE\n" + STUB + "\ndef f():\n        # YOUR CODE HERE\n        " + STUB + "\nprint(x)\n"
    )


def test_the_stub_raises_not_implemented_error():
    nb = student.make_student_notebook(_exercise_notebook())
    namespace = {}
    exec(nb.cells[2].source, namespace)
    with pytest.raises(NotImplementedError, match="Exercise: write this part"):
        namespace["double"](2)


def test_other_cells_are_unchanged_and_all_outputs_cleared():
    original = _exercise_notebook()
    before = nbformat.writes(original)
    nb = student.make_student_notebook(original)
    assert nbformat.writes(original) == before, "the input notebook must not be modified"
    for index in (0, 1, 3):  # markdown (mentions the markers), plain code, check cell
        assert nb.cells[index].source == original.cells[index].source
        assert nb.cells[index].metadata == original.cells[index].metadata
    assert nb.cells[0] == original.cells[0]
    assert nb.metadata == original.metadata
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize(
    "source, problem",
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### END SOLUTION\n", "nested"),
    ],
)
def test_unbalanced_or_nested_markers_are_refused_naming_the_cell(source, problem):
    nb = new_notebook(cells=[new_markdown_cell("intro"), new_code_cell(source)])
    with pytest.raises(ValueError, match=problem) as info:
        student.make_student_notebook(nb, name="07_broken.ipynb")
    assert "07_broken.ipynb: cell 1" in str(info.value)


def test_cli_writes_one_student_notebook_per_course_notebook(tmp_path, capsys):
    assert main(["student", "--out", str(tmp_path / "student")]) == 0
    names = sorted(p.name for p in (tmp_path / "student").glob("*.ipynb"))
    assert names == [p.name for p in notebooks.list_notebooks()]
    assert "wrote" in capsys.readouterr().out
    for name in names:
        nb = nbformat.read(tmp_path / "student" / name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert not any("### BEGIN SOLUTION" in c.source or "### END SOLUTION" in c.source for c in code)
        assert all(not c.outputs and c.execution_count is None for c in code)
        assert any(STUB in c.source for c in code)


def test_a_marker_mistake_writes_nothing(tmp_path):
    good = _exercise_notebook()
    bad = new_notebook(cells=[new_code_cell("### BEGIN SOLUTION\nx = 1\n")])
    nbformat.write(good, tmp_path / "00_good.ipynb")
    nbformat.write(bad, tmp_path / "01_bad.ipynb")
    with pytest.raises(ValueError, match="01_bad.ipynb: cell 0"):
        student.write_student_notebooks(tmp_path / "out", notebook_dir=tmp_path)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- round trip

# Cells outside check cells that call a learner's unfinished exercise function
# and therefore fail in the student version. Each is a notebook design problem
# to fix in the notebook (use the library's reference implementation there);
# the entry names the notebook, the cell index and the function. Empty: none.
DEPENDS_ON_UNFINISHED_EXERCISE: dict[str, set[int]] = {}

# Executing a student notebook in quick mode on the 2-core machine took 18 s (00),
# 51 s (01), 52 s (02), 79 s (04) and 164 s (05) -- on a machine loaded by other
# jobs, about 6 minutes for all of them. By default the round trip therefore runs
# for 00 and 01 only; set GANSTYLE_STUDENT_ROUNDTRIP=all to run it for every
# course notebook (do that after changing any notebook's exercises or checks).
_ALL_NOTEBOOKS = [p.name for p in notebooks.list_notebooks()]
ROUND_TRIP_NOTEBOOKS = (
    _ALL_NOTEBOOKS
    if os.environ.get("GANSTYLE_STUDENT_ROUNDTRIP") == "all"
    else [n for n in _ALL_NOTEBOOKS if n[:2] in ("00", "01")]
)


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _execute_all_cells(path):
    """Run every cell (errors do not stop the run), from the notebook's own folder."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    )
    with notebooks._course_env(quick=True, offline=True):
        client.execute()
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("name", ROUND_TRIP_NOTEBOOKS)
def test_student_notebook_fails_exactly_at_each_exercise_check(name, tmp_path):
    source = notebooks.NOTEBOOK_DIR / name
    path = tmp_path / name
    path.write_text(nbformat.writes(student.make_student_notebook(nbformat.read(source, as_version=4))))
    started = time.perf_counter()
    nb = _execute_all_cells(path)
    print(f"{name}: executed in {time.perf_counter() - started:.0f} s")

    allowed = DEPENDS_ON_UNFINISHED_EXERCISE.get(name, set())
    expected_failures, unexpected = [], []
    after_exercise = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = _errors(cell)
        if student.STUB_LINES[-1] in cell.source:
            after_exercise = True  # defining the stubbed function must itself succeed
        elif notebooks.is_check_cell(cell) and after_exercise:
            after_exercise = False
            expected_failures.append(index)
            # NotWrittenYet is the checks' NotImplementedError: shown as one ✗ block, no traceback
            assert errors and errors[0]["ename"] == "NotWrittenYet", (
                f"{name} cell {index}: the exercise's check cell should fail with NotWrittenYet, "
                f"got {[(e['ename'], e['evalue']) for e in errors] or 'no error'}"
            )
            shown = "\n".join(errors[0]["traceback"])
            assert shown.startswith("✗ ") and "NotImplementedError" in shown and "Traceback" not in shown, shown
            continue
        if errors and index not in allowed:
            unexpected.append(
                f"cell {index} ({cell.source.splitlines()[0][:50]!r}): "
                f"{errors[0]['ename']}: {errors[0]['evalue'][:200]}"
            )
    assert expected_failures, f"{name} has no exercise followed by a check cell"
    assert not unexpected, f"{name}: cells broke in the student version:\n" + "\n".join(unexpected)


def test_a_second_run_keeps_the_notebooks_a_learner_changed(tmp_path, capsys):
    """Issue 23: `ganstyle student` twice erased a learner's edits (exit 0); now it keeps them."""
    nbformat.write(_exercise_notebook(), tmp_path / "00_a.ipynb")
    nbformat.write(_exercise_notebook(), tmp_path / "01_b.ipynb")
    out = tmp_path / "st"
    first = student.write_student_notebooks(out, notebook_dir=tmp_path)
    assert [p.name for p in first.written] == ["00_a.ipynb", "01_b.ipynb"] and not first.kept
    edited = (out / "00_a.ipynb").read_text().replace("# YOUR CODE HERE", "y = 2 * x  # my answer")
    (out / "00_a.ipynb").write_text(edited)

    assert main(["student", "--out", str(out), "--notebooks", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert (out / "00_a.ipynb").read_text() == edited  # the learner's work survives
    assert "00_a.ipynb: kept" in printed and "--force" in printed
    assert "01_b.ipynb" in printed  # the untouched one is regenerated

    forced = student.write_student_notebooks(out, notebook_dir=tmp_path, force=True)
    assert len(forced.written) == 2 and "my answer" not in (out / "00_a.ipynb").read_text()


def test_student_out_onto_a_file_is_a_one_line_error(tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("mine")
    assert main(["student", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "is a file" in err and err.count("\n") == 1
    assert target.read_text() == "mine"

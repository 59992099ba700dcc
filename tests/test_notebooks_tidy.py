"""Committed notebooks stay reviewable: outputs only where nbval compares them."""

import nbformat
import pytest

from ganstyle_lib.course import notebooks

NOTEBOOKS = notebooks.list_notebooks()


def test_course_has_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_welcome.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_tidy(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert notebooks.tidy_problems(nb) == [], f"{path.name} is not tidy; run `ganstyle tidy notebooks/{path.name}`"
    assert any(notebooks.is_check_cell(c) for c in nb.cells), f"{path.name} has no check cell"


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return notebooks.apply_slide_metadata(nb)  # slide types are tested in test_slides.py


def test_tidy_rules_catch_stray_outputs_and_stale_counts():
    out = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    check = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint('hi')", execution_count=2, outputs=out)
    plain = nbformat.v4.new_code_cell("x = 1", execution_count=1)
    assert notebooks.tidy_problems(_nb(plain, check)) != []  # count on a plain cell
    plain.execution_count = None
    assert notebooks.tidy_problems(_nb(plain, check)) == []
    noisy = nbformat.v4.new_code_cell("print(2)", outputs=out)
    assert "not a # NBVAL_CHECK_OUTPUT cell" in notebooks.tidy_problems(_nb(noisy, check))[0]
    late = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\n1", execution_count=1, outputs=out)
    assert "stale execution count" in notebooks.tidy_problems(_nb(check, late))[0]
    never = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\n1")
    assert "never executed" in notebooks.tidy_problems(_nb(never))[0]


def test_strip_outputs_keeps_only_check_cells():
    out = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    check = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint('hi')", execution_count=2, outputs=out)
    plain = nbformat.v4.new_code_cell("print('hi')", execution_count=1, outputs=list(out))
    nb = notebooks.strip_outputs(_nb(plain, check))
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None
    assert nb.cells[1].outputs == out and nb.cells[1].execution_count == 2


def test_saved_widget_state_is_untidy_and_stripped():
    nb = _nb(nbformat.v4.new_code_cell("x = 1"))
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    assert "saved widget state" in notebooks.tidy_problems(nb)[0]
    assert notebooks.tidy_problems(notebooks.strip_outputs(nb)) == []

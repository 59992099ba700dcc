"""Progress bars: widgets for a live kernel, their final state in notebooks the course runner executes.

The last test runs a two-cell notebook (no TensorFlow) through the runner behind ``ganstyle
course``, ``tidy`` and ``slides``: before text bars, its saved output was the widget's stand-in
``t:   0%|          | 0/3``, which is what the static HTML book showed.
"""

import nbformat
import tqdm.auto
import tqdm.std

from ganstyle_lib import progress
from ganstyle_lib.course import notebooks


def test_a_live_kernel_gets_tqdm_auto_and_the_runner_kept_text_bars(monkeypatch, capsys):
    monkeypatch.delenv("GANSTYLE_TEXT_PROGRESS", raising=False)
    bar = progress.tqdm(total=2, disable=True, leave=False)
    assert isinstance(bar, tqdm.auto.tqdm) and bar.leave is False
    monkeypatch.setenv("GANSTYLE_TEXT_PROGRESS", "1")
    bar = progress.tqdm(total=2, leave=False, desc="t")
    assert type(bar) is tqdm.std.tqdm and bar.leave is True
    bar.update(2)
    bar.close()
    assert list(progress.trange(3, disable=True)) == [0, 1, 2]
    assert "t: 100%" in capsys.readouterr().out


def test_final_states_keeps_what_a_terminal_shows():
    text = "\rt:   0%|  | 0/3\rt:  67%|# | 2/3\rt: 100%|##| 3/3\ndone\n"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("stream", name="stdout", text=text)])]
    )
    progress.final_states(nb)
    assert nb.cells[0].outputs[0]["text"] == "t: 100%|##| 3/3\ndone\n"


def test_an_executed_notebook_shows_the_bars_final_state(tmp_path):
    path = tmp_path / "bars.ipynb"
    code = (
        "from ganstyle_lib import progress\n"
        "for _ in progress.trange(3, desc='t', leave=False):\n"
        "    pass\n"
        "print('after')"
    )
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
    nb = notebooks.execute(path, quick=True, offline=True, timeout=120)
    outputs = nb.cells[0].outputs
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs), outputs
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert text.startswith("t: 100%|") and "3/3" in text and text.endswith("after\n"), text
    assert "0%|" not in text.replace("100%|", "") and "\r" not in text, text

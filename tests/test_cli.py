"""The `ganstyle` command: doctor is honest offline; the course runner writes the book."""

import nbformat
import pytest

from ganstyle_lib.course import cli


def test_doctor_reports_offline_fallbacks_honestly(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GANSTYLE_OFFLINE", "1")
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path))
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "offline" in out
    assert "UNTRAINED VGG19" in out
    assert "mnist" in out and "vgg19_notop" in out
    assert "ganstyle assets fetch --all" in out


def test_unknown_asset_is_a_one_line_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GANSTYLE_OFFLINE", "1")
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path))
    assert cli.main(["assets", "fetch", "mnsit"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "mnist" in err


def test_fetch_without_names_explains_usage(capsys):
    assert cli.main(["assets", "fetch"]) == 2
    assert "--all" in capsys.readouterr().err


def _write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.mark.slow
def test_course_runner_writes_book_and_reports_failures(tmp_path, capsys):
    src = tmp_path / "nbs"
    src.mkdir()
    _write_notebook(
        src / "00_ok.ipynb",
        "import os\nprint('quick' if os.environ['GANSTYLE_QUICK'] == '1' else 'full')",
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "from IPython.display import display\nfig = plt.figure(); plt.plot([0, 1]); display(fig)",
    )
    _write_notebook(src / "01_broken.ipynb", "raise RuntimeError('boom')", "print('never')")
    out = tmp_path / "book"
    status = cli.main(["course", "--quick", "--out", str(out), "--notebooks", str(src)])
    assert status == 1  # one notebook failed
    printed = capsys.readouterr().out
    assert "01_broken" in printed and "FAILED: RuntimeError: boom" in printed
    executed = nbformat.read(out / "00_ok.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "quick"
    page = (out / "00_ok.html").read_text()
    assert "data:image/png;base64" in page  # figures are embedded
    index = (out / "index.html").read_text()
    assert 'href="00_ok.html"' in index and 'href="01_broken.html"' in index
    assert "boom" in (out / "01_broken.html").read_text()


# ---------------------------------------------------------------- issue 23: one-line errors, exit 2


def _one_line_error(capsys, *fragments):
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def test_tidy_on_json_that_is_not_a_notebook(tmp_path, capsys):
    path = tmp_path / "x.json"
    path.write_text('{"a": 1}')
    assert cli.main(["tidy", str(path)]) == 2
    _one_line_error(capsys, "x.json", "not a Jupyter notebook")
    assert path.read_text() == '{"a": 1}'


def test_course_with_an_empty_notebook_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert cli.main(["course", "--notebooks", str(tmp_path / "empty"), "--out", str(tmp_path / "b")]) == 2
    _one_line_error(capsys, "no course notebooks")
    assert not (tmp_path / "b").exists()


def test_course_only_without_a_value_is_refused():
    with pytest.raises(SystemExit) as info:  # argparse's usage error, status 2; not the whole course
        cli.main(["course", "--only"])
    assert info.value.code == 2


def test_ganstyle_home_set_to_a_file(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.write_text("")
    monkeypatch.setenv("GANSTYLE_HOME", str(home))
    assert cli.main(["assets", "list"]) == 2
    _one_line_error(capsys, "GANSTYLE_HOME", "is a file")


def test_unexpected_errors_are_one_line_unless_debug(monkeypatch, capsys):
    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "cmd_doctor", boom)
    assert cli.main(["doctor"]) == 2
    _one_line_error(capsys, "ZeroDivisionError", "--debug")
    with pytest.raises(ZeroDivisionError):
        cli.main(["--debug", "doctor"])

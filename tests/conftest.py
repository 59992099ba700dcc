"""Test-wide set-up: offline, quick mode, a private asset cache, nbval tweaks.

These variables are set at import time, before any notebook kernel starts, so
the kernels nbval launches inherit them: the test suite never touches the
network and never reads (or pollutes) a developer's real asset cache, which
keeps the stored check-cell outputs identical on every machine.
"""

import os
import tempfile

os.environ["GANSTYLE_QUICK"] = "1"
os.environ["GANSTYLE_OFFLINE"] = "1"
os.environ["GANSTYLE_HOME"] = tempfile.mkdtemp(prefix="ganstyle-test-home-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collectstart(collector):
    """nbval: never compare stderr (TensorFlow and tqdm write varying text there)."""
    if getattr(collector, "skip_compare", None) is not None:
        collector.skip_compare += ("stderr", "application/javascript",
                                   "application/vnd.jupyter.widget-view+json")

"""Test-wide set-up: offline, quick mode, a private asset cache, nbval tweaks.

These variables are set at import time, before any notebook kernel starts, so
the kernels nbval launches inherit them: the test suite never touches the
network and never pollutes a developer's real asset cache, which keeps the
stored check-cell outputs identical on every machine.

One file is borrowed from the real cache: the ImageNet VGG19 weights (the
Keras file or the 8-bit copy that `make setup` fetches), *copied* into the
private cache after its checksum matched, so the notebooks run on the features
learners get. Without it they run on the flagged untrained fallback; unit
tests that are about that fallback ask for it explicitly.
"""

import os
import shutil
import tempfile
from pathlib import Path

_REAL_HOME = Path(os.environ.get("GANSTYLE_HOME") or Path.home() / ".cache" / "ganstyle").expanduser()
os.environ["GANSTYLE_QUICK"] = "1"
os.environ["GANSTYLE_OFFLINE"] = "1"
os.environ["GANSTYLE_HOME"] = tempfile.mkdtemp(prefix="ganstyle-test-home-")


def _borrow_imagenet_weights() -> str | None:
    """Copy the first verified ImageNet VGG19 file of the real cache into the test cache."""
    from ganstyle_lib import assets
    from ganstyle_lib.fileio import file_digests

    for asset in assets.sources("vgg19_notop"):
        real = _REAL_HOME / asset.kind / asset.filename
        if not real.is_file():
            continue
        algo, expected = asset.checksum
        if file_digests(real, algo)[algo] != expected:
            continue  # a damaged cache file is the learner's problem to see, not the tests'
        target = assets.path_for(asset)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real, target)
        return asset.name
    return None


BORROWED_VGG19 = _borrow_imagenet_weights()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collectstart(collector):
    """nbval: never compare stderr (TensorFlow and tqdm write varying text there)."""
    if getattr(collector, "skip_compare", None) is not None:
        collector.skip_compare += ("stderr", "application/javascript", "application/vnd.jupyter.widget-view+json")


# --- shared by the style tests --------------------------------------------------------

import pytest  # noqa: E402  (after the environment is set)


@pytest.fixture(scope="session")
def extractor():
    """An untrained VGG19 feature extractor with the training layers (style + content)."""
    from ganstyle_lib.style import features, training

    return features.VGGFeatures(training.TRAIN_STYLE_LAYERS + training.CONTENT_LAYERS, weights="untrained")


def striped_style(size: int = 40, seed: int = 0):
    """A (1, size, size, 3) float32 style image in [0, 1]: orange stripes plus seeded noise."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    stripes = (np.sin(np.arange(size) / 2.0)[None, :, None] * 0.5 + 0.5) * np.array([1.0, 0.3, 0.1])
    return tf.constant(np.clip(stripes + rng.uniform(0, 0.2, (size, size, 3)), 0, 1)[None], tf.float32)

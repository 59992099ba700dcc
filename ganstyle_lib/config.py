"""Course-wide settings: quick/full mode, seeding and the cache directory.

This is the only module that reads the course's environment variables, so the
rest of the library (and every notebook) asks here instead of branching on
``os.environ`` itself:

* ``GANSTYLE_QUICK=1`` -- quick mode: tiny epochs and images so that every
  notebook runs in well under a minute on 2 CPU cores (the test suite sets it).
  Anything else, or unset, means full mode: what a learner runs.
* ``GANSTYLE_HOME`` -- where downloaded assets are cached
  (default ``~/.cache/ganstyle``).
* ``GANSTYLE_OFFLINE=1`` -- never try the network; use cached assets or the
  declared offline fallbacks straight away (workshops without Wi-Fi, CI).
* ``GANSTYLE_TEXT_PROGRESS=1`` -- text progress bars instead of widgets; the
  notebook runner sets it, so executed notebooks show each bar's final state
  (:mod:`ganstyle_lib.progress`).
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "is_quick",
    "text_progress",
    "mode_name",
    "course_settings",
    "set_seed",
    "cache_dir",
    "is_offline",
    "logger",
]

_TRUE = {"1", "true", "yes", "on"}

logger = logging.getLogger("ganstyle")
if not logger.handlers:
    # Learners must *see* notices such as "offline: using the bundled digits",
    # so the course logger prints WARNING and above to stderr on its own,
    # in one short line, instead of relying on the host's logging set-up.
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("ganstyle: %(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def is_quick() -> bool:
    """True when ``GANSTYLE_QUICK`` asks for quick mode (tests, smoke runs)."""
    return _flag("GANSTYLE_QUICK")


def text_progress() -> bool:
    """True when ``GANSTYLE_TEXT_PROGRESS`` asks for text progress bars (set by the notebook runner, see
    :mod:`ganstyle_lib.progress`)."""
    return _flag("GANSTYLE_TEXT_PROGRESS")


def mode_name() -> str:
    """``"quick"`` or ``"full"``, for environment lines and reports."""
    return "quick" if is_quick() else "full"


def is_offline() -> bool:
    """True when ``GANSTYLE_OFFLINE`` forbids network access."""
    return _flag("GANSTYLE_OFFLINE")


def course_settings(
    *, full: Mapping[str, Any], quick: Mapping[str, Any] | None = None, **shared: Any
) -> dict[str, Any]:
    """Pick a notebook's settings for the current mode.

    ``full`` holds what a learner runs; ``quick`` overrides some of those keys
    for the test suite; ``shared`` keyword arguments apply in both modes.
    Every key of ``quick`` must also be in ``full`` so a typo cannot silently
    leave quick mode slow::

        settings = course_settings(full=dict(epochs=20, image_size=256),
                                   quick=dict(epochs=1, image_size=64),
                                   batch_size=64)
    """
    quick = dict(quick or {})
    unknown = sorted(set(quick) - set(full))
    if unknown:
        raise KeyError(
            f"quick settings {unknown} have no full-mode value; add them to full=... so both modes define the same keys"
        )
    clash = sorted(set(shared) & (set(full) | set(quick)))
    if clash:
        raise KeyError(
            f"settings {clash} are given both as shared keywords and in full/quick; keep each key in one place"
        )
    settings = {**shared, **full}
    if is_quick():
        settings.update(quick)
    return settings


def set_seed(seed: int = 42) -> None:
    """Seed Python's ``random``, NumPy, TensorFlow and Keras at once.

    Two runs of the same code after ``set_seed(s)`` give identical random
    tensors and identical initial weights (on the same device and library
    versions). Set ``TF_DETERMINISTIC_OPS=1`` as well if you need bit-identical
    *training* on a GPU.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    import keras  # imported here so `config` stays cheap to import
    from keras.src.backend.common import global_state

    keras.utils.set_random_seed(int(seed))  # seeds Python, NumPy, TF and Keras' own generator
    # Unseeded keras.random draws come from one global SeedGenerator. Keras 3.15 drops it in
    # set_random_seed so it is rebuilt from the new seed; Keras 3.12 (the newest for Python 3.10)
    # keeps it, and a second set_seed would not repeat the draws. Dropping it here does the same.
    global_state.set_global_attribute("global_seed_generator", None)


def cache_dir(create: bool = True) -> Path:
    """The asset cache, ``$GANSTYLE_HOME`` or ``~/.cache/ganstyle``."""
    path = Path(os.environ.get("GANSTYLE_HOME") or Path.home() / ".cache" / "ganstyle").expanduser()
    if path.exists() and not path.is_dir():
        where = "GANSTYLE_HOME" if os.environ.get("GANSTYLE_HOME") else "the default asset cache"
        raise NotADirectoryError(
            f"{where} {path} is a file, not a folder; set GANSTYLE_HOME to a folder "
            "(e.g. export GANSTYLE_HOME=~/.cache/ganstyle) or move the file away"
        )
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path

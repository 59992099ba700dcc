"""Accelerators, precision and distribution: one switch each.

The same course code runs on a laptop CPU, a Colab GPU and a machine with
several GPUs. This module decides what that hardware gets:

* :func:`summary` -- the one-line environment report every notebook prints;
* :func:`strategy` -- ``MirroredStrategy`` over several GPUs, else the default;
* :func:`set_mixed_precision` -- the Keras mixed-precision policy;
* :func:`use_xla` -- whether trainers should ``jit_compile`` (GPU only by
  default: on a 2-core CPU a DCGAN step was measured 1.7x *slower* with XLA).
"""

from __future__ import annotations

import os

import tensorflow as tf

from . import config

__all__ = [
    "gpus",
    "enable_memory_growth",
    "strategy",
    "set_mixed_precision",
    "precision_policy",
    "use_xla",
    "summary",
]


def gpus() -> list:
    """The physical GPUs TensorFlow can see (empty on a CPU-only machine)."""
    return tf.config.list_physical_devices("GPU")


def enable_memory_growth() -> None:
    """Let TensorFlow grow GPU memory on demand instead of taking it all.

    Must run before the first op touches a GPU; later calls are harmless no-ops.
    """
    for gpu in gpus():
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # the GPU is already initialised: nothing to change now
            pass


def strategy() -> tf.distribute.Strategy:
    """A distribution strategy for this machine.

    ``MirroredStrategy`` when several GPUs are visible (one replica per GPU,
    gradients all-reduced each step); otherwise the default strategy, which
    runs on the single GPU or the CPU. Build models and optimisers inside
    ``with strategy().scope():``.
    """
    if len(gpus()) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def set_mixed_precision(enabled: bool | str = True) -> str:
    """Switch Keras' global dtype policy and return its name.

    ``True`` picks ``mixed_float16`` on a GPU and ``mixed_bfloat16`` on a CPU;
    a string names the policy directly; ``False`` goes back to ``float32``.
    Under a mixed policy, layers compute in 16 bits but keep float32 weights;
    keep the last layer of a model (the one that feeds the loss) in float32.
    """
    import keras

    if enabled is False:
        name = "float32"
    elif enabled is True:
        name = "mixed_float16" if gpus() else "mixed_bfloat16"
    else:
        name = str(enabled)
    allowed = {"float32", "mixed_float16", "mixed_bfloat16"}
    if name not in allowed:
        raise ValueError(f"unknown precision policy {name!r}; use one of {sorted(allowed)}")
    keras.mixed_precision.set_global_policy(name)
    return name


def precision_policy() -> str:
    """The name of the current global Keras dtype policy, e.g. ``float32``."""
    import keras

    return keras.mixed_precision.global_policy().name


def use_xla() -> bool:
    """Whether trainers should compile with XLA (``jit_compile=True``).

    ``GANSTYLE_XLA=1`` or ``=0`` decides; otherwise on with a GPU, off on CPU.
    """
    forced = os.environ.get("GANSTYLE_XLA", "").strip().lower()
    if forced in {"1", "true", "yes", "on"}:
        return True
    if forced in {"0", "false", "no", "off"}:
        return False
    return bool(gpus())


def _assets_line() -> str:
    # Imported lazily: assets imports config, not device, so there is no cycle.
    from . import assets

    if config.is_offline():
        return "offline (GANSTYLE_OFFLINE=1): cached assets or bundled fallbacks"
    return "online: assets download on first use" if assets.network_available() \
        else "offline (no network): cached assets or bundled fallbacks"


def summary() -> str:
    """One line describing this environment, printed at the top of every notebook.

    Example: ``TensorFlow 2.21.0 | Keras 3.15.1 | CPU only (2 cores) | float32 |
    XLA off | quick mode | offline (no network): cached assets or bundled fallbacks``
    """
    import keras

    found = gpus()
    if found:
        names = ", ".join(tf.config.experimental.get_device_details(g).get("device_name", g.name)
                          for g in found)
        accel = f"{len(found)} GPU(s): {names}"
    else:
        accel = f"CPU only ({os.cpu_count()} cores)"
    return " | ".join([
        f"TensorFlow {tf.__version__}",
        f"Keras {keras.__version__}",
        accel,
        precision_policy(),
        f"XLA {'on' if use_xla() else 'off'}",
        f"{config.mode_name()} mode",
        _assets_line(),
    ])

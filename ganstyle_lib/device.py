"""Accelerators, precision and distribution: one switch each.

The same course code runs on a laptop CPU, a Colab GPU, a machine with
several GPUs and a cluster. This module decides what that hardware gets:

* :func:`summary` -- the one-line environment report every notebook prints;
* :func:`strategy` -- the ``tf.distribute`` strategy: the default one (one
  device), ``MirroredStrategy`` (several GPUs, or logical CPUs),
  ``MultiWorkerMirroredStrategy`` (several machines described by ``TF_CONFIG``)
  or ``TPUStrategy`` (a TPU is present); :func:`use_strategy` makes it the
  global default, so a notebook's model building and ``fit()`` run under it unchanged;
* :func:`set_mixed_precision` -- the Keras mixed-precision policy
  (``mixed_float16`` on GPUs, ``mixed_bfloat16`` on CPUs with native bfloat16);
* :func:`use_xla` -- whether trainers should ``jit_compile`` (GPU only by
  default: on a 2-core CPU a DCGAN step was measured 1.7x *slower* with XLA);
* :func:`configure` -- the one settings line a notebook needs for all of it.

The trainers (:class:`~ganstyle_lib.gan.training.GAN`, the style trainers)
read these switches: they wrap optimisers for loss scaling under
``mixed_float16`` (:func:`loss_scaled`), keep the tensors that feed losses in
float32, and scale each replica's loss by 1 / replicas.
"""

from __future__ import annotations

import json
import os
from typing import Any

import tensorflow as tf

from . import config

__all__ = [
    "STRATEGIES",
    "gpus",
    "cpu_has_bf16",
    "enable_memory_growth",
    "split_cpu",
    "tf_config",
    "strategy",
    "use_strategy",
    "set_mixed_precision",
    "precision_policy",
    "loss_scaled",
    "use_xla",
    "configure",
    "summary",
]

#: Names :func:`strategy` accepts (also as ``GANSTYLE_STRATEGY``).
STRATEGIES = ("auto", "default", "mirrored", "multi_worker", "tpu")


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


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (x86 AVX512_BF16 / AMX, Arm BF16).

    Read from ``/proc/cpuinfo`` (Linux); ``False`` elsewhere. Without native
    support bfloat16 is emulated and *slower* than float32.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            flags = set(f.read().split())
    except OSError:
        return False
    return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})


def split_cpu(n: int = 2) -> list:
    """Split the CPU into ``n`` logical devices, to try multi-device code without GPUs.

    Must run before TensorFlow initialises its devices (before the first op or
    model); returns the logical CPUs. ``strategy("mirrored")`` then mirrors over them.
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    except RuntimeError as err:  # devices already initialised
        if len(tf.config.list_logical_devices("CPU")) != n:
            raise RuntimeError(
                f"split_cpu({n}) must run before TensorFlow starts (before any model or "
                "tensor is made): call it first thing, or restart the kernel"
            ) from err
    return tf.config.list_logical_devices("CPU")


def tf_config() -> dict[str, Any]:
    """The parsed ``TF_CONFIG`` environment variable (``{}`` when unset).

    Each machine of a cluster gets the same ``cluster`` and its own ``task``, e.g.
    ``{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}``.
    """
    raw = os.environ.get("TF_CONFIG", "").strip()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"TF_CONFIG is not valid JSON ({err}): {raw[:200]!r}") from err


def _cluster_size() -> int:
    cluster = tf_config().get("cluster", {})
    return sum(len(tasks) for kind, tasks in cluster.items() if kind in ("chief", "worker"))


def _tpu_strategy() -> tf.distribute.Strategy | None:
    """A ``TPUStrategy`` when a TPU is attached (Colab/Kaggle TPU, Cloud TPU VM), else ``None``."""
    name = os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
    if not name and not tf.config.list_physical_devices("TPU"):
        return None
    # A TPU VM's chips are local; Colab/Kaggle name a TPU address ("" lets the resolver read it).
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
        tpu=os.environ.get("TPU_NAME", "") if name else "local"
    )
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def _mirrored() -> tf.distribute.Strategy:
    # All GPUs; on a machine without GPUs, all logical CPUs (see split_cpu), so the
    # multi-device path can be tried -- and is tested -- on a laptop.
    if gpus():
        return tf.distribute.MirroredStrategy()
    return tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])


def strategy(kind: str | None = None) -> tf.distribute.Strategy:
    """A ``tf.distribute`` strategy; build models and optimisers inside its ``scope()``.

    ``kind`` (default: ``GANSTYLE_STRATEGY``, else ``"auto"``):

    * ``"auto"`` -- ``TPUStrategy`` if a TPU is present; else
      ``MultiWorkerMirroredStrategy`` if ``TF_CONFIG`` describes a cluster of
      several workers; else ``MirroredStrategy`` if several GPUs are visible;
      else the default strategy (one GPU or the CPU);
    * ``"default"``, ``"mirrored"``, ``"multi_worker"``, ``"tpu"`` -- that one.

    Every replica takes ``1 / num_replicas_in_sync`` of the global batch and
    gradients are summed across replicas each step. Keras 3 ``fit()`` works
    under all but ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585):
    there use :func:`ganstyle_lib.distributed.train_steps`.
    """
    kind = (kind or os.environ.get("GANSTYLE_STRATEGY", "") or "auto").strip().lower()
    if kind not in STRATEGIES:
        raise ValueError(
            f"unknown strategy {kind!r}; use one of {', '.join(STRATEGIES)} (argument or GANSTYLE_STRATEGY)"
        )
    if kind == "default":  # one device -- or whatever use_strategy() made the default
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        return _mirrored()
    if kind == "multi_worker":
        if not tf_config():
            raise RuntimeError(
                "strategy('multi_worker') needs TF_CONFIG describing the cluster and this "
                "machine's task; see README, 'Scaling up'"
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    if kind == "tpu":
        found = _tpu_strategy()
        if found is None:
            raise RuntimeError("strategy('tpu'): no TPU found (set TPU_NAME, or pick a TPU runtime)")
        return found
    # auto
    tpu = _tpu_strategy()
    if tpu is not None:
        return tpu
    if _cluster_size() > 1:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(gpus()) > 1:
        return _mirrored()
    return tf.distribute.get_strategy()


def use_strategy(kind: str | tf.distribute.Strategy | None = None) -> tf.distribute.Strategy:
    """Make a strategy (see :func:`strategy`) the global default and return it.

    Afterwards every model, optimiser and ``fit()`` call runs under it without a
    ``with strategy.scope():`` block -- that is how a notebook scales up with one
    line. Call it before building any model. ``use_strategy("default")`` undoes it.
    """
    tf.distribute.experimental_set_strategy(None)  # leave any previous one first
    chosen = kind if isinstance(kind, tf.distribute.Strategy) else strategy(kind)
    if chosen is not tf.distribute.get_strategy():  # the default strategy needs no setting
        tf.distribute.experimental_set_strategy(chosen)
    return chosen


def set_mixed_precision(enabled: bool | str = True) -> str:
    """Switch Keras' global dtype policy and return its name.

    ``True`` picks ``mixed_float16`` on a GPU, ``mixed_bfloat16`` on a TPU or a
    CPU with native bfloat16 (:func:`cpu_has_bf16`), and stays ``float32`` on
    other CPUs (emulated bfloat16 is slower there); a string names the policy
    directly; ``False`` goes back to ``float32``. Under a mixed policy layers
    compute in 16 bits but keep float32 weights; the course's models keep the
    layer that feeds the loss in float32, and the trainers add loss scaling
    under ``mixed_float16`` (whose 5-bit exponent underflows small gradients).
    Set it *before* building models: a layer's policy is fixed when it is made.
    """
    import keras

    if enabled is False:
        name = "float32"
    elif enabled is True:
        if gpus():
            name = "mixed_float16"
        elif tf.config.list_physical_devices("TPU") or cpu_has_bf16():
            name = "mixed_bfloat16"
        else:
            name = "float32"
            config.logger.info("mixed precision left off: this CPU has no native bfloat16")
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


def loss_scaled(optimizer: Any, model: Any = None) -> Any:
    """``optimizer`` wrapped in a ``LossScaleOptimizer`` if ``model``'s policy is ``mixed_float16``.

    ``model`` defaults to the global policy. float16 gradients of small losses
    underflow to 0; the wrapper multiplies the loss (``optimizer.scale_loss``,
    called inside the gradient tape) by a dynamic factor and divides the
    gradients by it again, skipping steps whose gradients overflow.
    bfloat16 has float32's exponent range and needs no scaling.
    """
    import keras

    policy = getattr(model, "dtype_policy", None) or keras.mixed_precision.global_policy()
    if policy.name == "mixed_float16" and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


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


def configure(mixed_precision: bool | str = False, strategy: str | None = None) -> tf.distribute.Strategy:
    """The one settings line for scaling a notebook up; call it before building models.

    ``device.configure(mixed_precision=True)`` picks the precision policy
    (:func:`set_mixed_precision`) and makes a strategy (:func:`strategy`:
    ``GANSTYLE_STRATEGY``, else ``"auto"``) the global default
    (:func:`use_strategy`); returns the strategy. On a laptop without
    ``GANSTYLE_STRATEGY`` that is float32 on one device, as if it were not called.
    """
    set_mixed_precision(mixed_precision)
    return use_strategy(strategy)


def _assets_line() -> str:
    # Imported lazily: assets imports config, not device, so there is no cycle.
    from . import assets

    if config.is_offline():
        return "offline (GANSTYLE_OFFLINE=1): cached assets or bundled fallbacks"
    return (
        "online: assets download on first use"
        if assets.network_available()
        else "offline (no network): cached assets or bundled fallbacks"
    )


def summary() -> str:
    """One line describing this environment, printed at the top of every notebook.

    Example: ``TensorFlow 2.21.0 | Keras 3.15.1 | CPU only (2 cores) | float32 |
    XLA off | quick mode | offline (no network): cached assets or bundled fallbacks``
    """
    import keras

    found = gpus()
    if found:
        names = ", ".join(tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in found)
        accel = f"{len(found)} GPU(s): {names}"
    else:
        accel = f"CPU only ({os.cpu_count()} cores)"
    return " | ".join(
        [
            f"TensorFlow {tf.__version__}",
            f"Keras {keras.__version__}",
            accel,
            precision_policy(),
            f"XLA {'on' if use_xla() else 'off'}",
            f"{config.mode_name()} mode",
            _assets_line(),
        ]
    )

"""Run trained stylisation networks on image files, and train one from the command line's settings.

Not :func:`ganstyle_lib.style.transfer.stylize`, which optimises one image's pixels for minutes:
this module runs feed-forward networks (:mod:`.networks`, trained by :mod:`.training` or shipped
in :mod:`.pretrained`) that stylise a photograph in one pass. Its plain functions are what
``ganstyle stylize`` and ``ganstyle train-style`` run; the command-line parsers that call them are
in :mod:`ganstyle_lib.course.style_commands`.

    ganstyle stylize INPUT... (--model PATH | --style NAME) -o OUT [--batch-size N] [--max-dim N]
                     [--mix W,W,...] [--overwrite]
    ganstyle stylize --list-styles
    ganstyle train-style --style IMAGE [--content-dir DIR] [--output PATH] [--steps N] [--width W]
                         [--overwrite] [--checkpoint-every N] [--restart]

* :func:`stylize_files` -- every input image through a trained transformer
  network, at its own size (aspect kept; ``max_dim`` optionally shrinks), images
  of equal size in batches, each result written atomically as
  ``OUT/<input stem>.png``. All inputs, outputs and the network are checked
  *before* any work: a missing, corrupt or too small input, an output that would
  replace an input (or, without ``overwrite``, an existing file), an unwritable
  output folder or a network that is not an image transformer stops the run
  with a message naming it; no output file is ever left half-written.
* :func:`load_style_network` -- a style's network by name (yours first, else the
  shipped one); :func:`resolve_model` finds its file, :func:`list_styles` names them all.
* :func:`train_style` -- trains a network for one style image on a folder of
  content photographs (or, offline, the bundled ones) and saves it as
  ``<cache>/styles/<name>.keras``, where ``--style NAME`` finds it. It refuses to
  replace an existing network without ``overwrite``; it checkpoints every
  ``checkpoint_every`` steps, stops cleanly on Ctrl-C/SIGTERM, and a rerun with
  the same output resumes from the last checkpoint.

Importing this module loads NumPy only; each function imports TensorFlow and Keras when it needs
them, so ``ganstyle stylize --help``, ``--list-styles`` and a misspelt style name answer at once.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "styles_dir",
    "style_slug",
    "resolve_model",
    "load_network",
    "inference_policy",
    "default_batch_size",
    "traced_forward",
    "load_style_network",
    "list_styles",
    "stylize_files",
    "MAX_PIXELS",
    "estimated_memory_gb",
    "train_style",
    "training_dir",
    "checkpoint_path",
    "TRAIN_DEFAULTS",
]

#: ``train_style`` defaults: 152 s of training at load 0.2-2.4 and 336 s at load 3.3-4.5 on
#: the course's 2-core CPU (measured 2026-11-25; see notebook 05 for what the settings do).
#: Re-checked on ImageNet features (2026-12-03, the wave stand-in, chelsea held out): mean mid-layer Gram
#: error 0.28 at content error 0.89 -- brown strokes on a pale ground, the texture carried. Notebook 05's
#: 128-px crops with the style at 256 px reach 0.24 in 300 steps but cost about 1.8x per step, so the
#: command line keeps 96 / 160. The loss weights come from ``training.weights_for``.
TRAIN_DEFAULTS: dict[str, Any] = dict(steps=400, width=0.5, crop=96, batch_size=4, style_size=160, learning_rate=3e-3)


def styles_dir() -> Path:
    """Where ``train-style`` saves networks and ``stylize --style NAME`` looks: ``<cache>/styles``."""
    from .. import config

    return config.cache_dir() / "styles"


def style_slug(style: str | os.PathLike) -> str:
    """A file-name-safe name for a style: ``"paintings/The Wave.jpg"`` -> ``"the_wave"``."""
    stem = Path(str(style)).stem if Path(str(style)).suffix else Path(str(style)).name
    slug = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")
    if not slug:
        raise ValueError(f"cannot make a style name out of {style!r}")
    return slug


def resolve_model(model_path: str | os.PathLike | None = None, style_name: str | None = None) -> Path:
    """The network file to use: ``model_path`` as given, or the network of style ``style_name``.

    A style name finds, in this order, a network you trained with ``train-style``
    (``<cache>/styles/<name>.keras``) and a network shipped with the course
    (:mod:`.pretrained`, ``.npz``); your own comes first because you made it on purpose.
    """
    from . import pretrained

    if (model_path is None) == (style_name is None):
        raise ValueError("give exactly one of a model file (--model PATH) or a style name (--style NAME)")
    if model_path is not None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"no model file at {path}")
        return path
    assert style_name is not None  # exactly one of the two was given (checked above)
    path = styles_dir() / f"{style_slug(style_name)}.keras"
    if path.is_file():
        return path
    shipped = pretrained.available()
    if style_slug(style_name) in shipped:
        return shipped[style_slug(style_name)]
    trained = sorted(p.stem for p in styles_dir().glob("*.keras")) if styles_dir().is_dir() else []
    close = difflib.get_close_matches(style_slug(style_name), [*shipped, *trained], n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise FileNotFoundError(
        f"no network for style {style_name!r}; {hint}shipped: {', '.join(shipped) or 'none'}; "
        f"trained by you: {', '.join(trained) or 'none'} (`ganstyle stylize --list-styles`); "
        f"train one with `ganstyle train-style --style {style_name}`"
    )


def inference_policy() -> str:
    """The Keras precision policy :func:`stylize_files` runs a shipped network in: ``"mixed_bfloat16"`` on a
    CPU with native bfloat16 and no GPU (:func:`ganstyle_lib.device.cpu_has_bf16`), else ``"float32"``.

    Measured on the course's AVX512_BF16 CPU (2026-12-03, 1024 x 683): 0.85 s instead of 1.30 s per image,
    results within 0.002 of float32 on average (at most 0.015, about 4 of 255 grey levels). On CPUs
    without native bfloat16 it would be emulated and slower, so float32 stays.
    """
    from .. import device

    return "mixed_bfloat16" if device.cpu_has_bf16() and not device.gpus() else "float32"


def default_batch_size() -> int:
    """How many same-sized images :func:`stylize_files` runs at once by default: 4 with a GPU, 1 on a CPU.

    On a CPU a batch is no faster per image (measured on the course's 2-core machine, 2026-12-03: five
    1024 x 683 photographs in 7.4 s one at a time against 8.5 s in batches of 4 and 1, on a loaded machine),
    and it multiplies the memory: four 2048 x 2048 photographs at once would need about 8 GB.
    """
    from .. import device

    return 4 if device.gpus() else 1


#: One traced forward pass per network, kept while the network lives: calling :func:`stylize_files` again
#: (a notebook loop) reuses the graphs instead of tracing anew and drawing TensorFlow's retracing warning.
_FORWARD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def traced_forward(model: Any) -> Any:
    """``model(x, training=False)`` as a ``tf.function``: one graph per input shape, traced once (a few
    tenths of a second), faster than eager calls even for one photograph. Cached per network.

    A transformer network runs as :func:`.fast_forward.rewrite` makes it: the same weights and the same
    function, two layers rearranged to suit a CPU (about 15 % faster per photograph on the course's).
    """
    import tensorflow as tf

    from .fast_forward import rewrite

    forward = _FORWARD.get(model)
    if forward is None:
        fast = rewrite(model)  # shares the variables; it does not hold `model` itself
        if fast is model:
            fast = None
        network = weakref.ref(model)  # a strong reference here would keep the network alive in the cache forever

        def run(x: Any) -> Any:
            alive = fast if fast is not None else network()
            assert alive is not None  # the cache entry goes with the network
            return alive(x, training=False)

        forward = tf.function(run, reduce_retracing=True, autograph=False)
        _FORWARD[model] = forward
    return forward


def load_network(path: str | os.PathLike, *, policy: str | None = None) -> Any:
    """Load a stylisation network file: a shipped ``.npz`` (:func:`.pretrained.load`) or a ``.keras`` network.

    ``policy`` (e.g. :func:`inference_policy`'s) builds a shipped network's layers in that Keras precision
    policy, for inference; a ``.keras`` file keeps the precision it was saved with.
    """
    import keras

    from . import pretrained
    from .training import load_transformer

    if Path(path).suffix != ".npz":
        return load_transformer(path)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy or previous)
    try:  # the policy applies to the layers built here, and only to them
        return pretrained.load(path)
    finally:
        keras.config.set_dtype_policy(previous)


def load_style_network(name: str) -> Any:
    """The network of style ``name`` as ``--style NAME`` finds it: yours (``train-style``) first, else the shipped one.

    Returns a ``keras.Model`` mapping ``(B, H, W, 3)`` in [0, 1] to the same shape; raises
    ``FileNotFoundError`` naming the styles there are (and the closest one) for an unknown name.
    """
    return load_network(resolve_model(style_name=name))


def list_styles() -> str:
    """What ``--list-styles`` prints: the shipped networks (painting, training) and the ones you trained."""
    from .. import assets
    from . import pretrained

    lines = ["shipped with the course (trained on ImageNet VGG19 features by scripts/train_style_networks.py):"]
    for name, path in pretrained.available().items():
        try:
            record = pretrained.read_record(path)
        except ValueError as err:
            lines.append(f"  {name:<14} DAMAGED: {err}")
            continue
        painting = assets.get(name).attribution if name in assets.REGISTRY else record.get("style_file")
        lines.append(
            f"  {name:<14} {painting}; {record['settings']['steps']:,} training steps, "
            f"{path.stat().st_size / 1e6:.1f} MB"
        )
    if len(lines) == 1:
        lines.append("  (none in this installation)")
    trained = sorted(styles_dir().glob("*.keras")) if styles_dir().is_dir() else []
    lines.append(f"trained by you with `ganstyle train-style` ({styles_dir()}):")
    lines += [f"  {p.stem}" for p in trained] or ["  (none yet)"]
    return "\n".join(lines)


#: The transformer's first 9x9 convolution reflect-pads 4 pixels, which needs at least 5 on each side.
MIN_INPUT_SIDE = 5
#: The largest photograph stylised at full size unless ``max_dim`` (``--max-dim``) asks for more: 2048 x 2048.
#: Peak memory of ``ganstyle stylize`` (width-0.5 network, measured 2026-12-03) in float32: 1.8 GB at
#: 1024 x 1024, 4.9 GB at 2048 x 2048, 13 GB at 4000 x 3000; in bfloat16 (:func:`inference_policy`): 1.0 GB
#: and 1.9 GB at the first two. Larger photographs need more than many laptops have to spare.
MAX_PIXELS = 2048 * 2048


def estimated_memory_gb(height: int, width: int, policy: str = "float32") -> float:
    """Rough peak memory (GB) of stylising one ``height`` x ``width`` image (fit to the measurements above)."""
    per_megapixel = 0.29 if policy == "mixed_bfloat16" else 1.0
    return 0.8 + per_megapixel * height * width / 1e6


def _check_inputs(inputs: Sequence[str | os.PathLike], max_dim: int | None) -> list[tuple[Path, tuple[int, int]]]:
    """Every input decoded once, before any output is written: ``[(path, (H, W)), ...]``."""
    from .. import data

    if not inputs:
        raise ValueError("no input images given")
    paths = [Path(p).expanduser() for p in inputs]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"input image(s) not found: {', '.join(missing)}")
    checked = []
    for path in paths:
        image = data.load_image(path, max_dim=max_dim)  # ImageLoadError (a ValueError) names the file
        size = (int(image.shape[1]), int(image.shape[2]))
        if min(size) < MIN_INPUT_SIDE:
            raise ValueError(
                f"{path} is {size[0]}x{size[1]} pixels; the network needs at least "
                f"{MIN_INPUT_SIDE}x{MIN_INPUT_SIDE} (use a larger image, or a larger --max-dim)"
            )
        if max_dim is None and size[0] * size[1] > MAX_PIXELS:
            raise ValueError(
                f"{path} is {size[1]}x{size[0]} pixels ({size[0] * size[1] / 1e6:.1f} MP): stylising it "
                f"at full size needs about {estimated_memory_gb(*size, inference_policy()):.0f} GB of memory; give "
                f"--max-dim 2048 (max_dim=2048) to shrink it, or --max-dim {max(size)} to insist"
            )
        checked.append((path, size))
    return checked


def _check_targets(checked: Sequence[tuple[Path, Any]], targets: Sequence[Path], overwrite: bool) -> None:
    """Refuse outputs that collide with each other, replace an input, or (without ``overwrite``) exist."""
    inputs = {path.resolve(): path for path, _ in checked}
    seen: dict[Path, Path] = {}
    for (path, _), target in zip(checked, targets):
        if target in seen:
            raise ValueError(f"{seen[target]} and {path} would both be written to {target}; rename one")
        seen[target] = path
        if target.resolve() in inputs:
            raise ValueError(
                f"writing {target} would replace the input image {inputs[target.resolve()]}; "
                "choose another output folder (-o)"
            )
    existing = [str(t) for t in targets if t.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{len(existing)} output(s) already exist: {', '.join(existing[:3])}"
            f"{' ...' if len(existing) > 3 else ''}; pass --overwrite (overwrite=True) "
            "to replace them, or choose another output folder (-o)"
        )


def _check_output_dir(output_dir: Path) -> None:
    """Make sure results can be written into ``output_dir`` (which may not exist yet); creates nothing."""
    if output_dir.exists() and not output_dir.is_dir():
        raise NotADirectoryError(f"-o {output_dir} is a file; give a folder for the results")
    existing = next(p for p in (output_dir, *output_dir.parents) if p.exists())  # it will be created inside
    if not existing.is_dir():
        raise NotADirectoryError(f"-o {output_dir}: {existing} is a file, so the folder cannot be created")
    try:
        with tempfile.TemporaryFile(dir=existing):  # the one sure test: try to write a file there
            pass
    except OSError as err:
        raise PermissionError(
            f"cannot write into the output folder {output_dir} ({err.strerror or err}); choose another one with -o"
        ) from err


def _check_transformer(net: Any, source: Any) -> bool:
    """True for a multi-style network; ValueError unless ``net`` maps (B, H, W, 3) images to images."""
    # whatever a .keras file held: checked here before anything relies on its shape
    inputs: Any = getattr(net, "inputs", None)
    outputs: Any = getattr(net, "outputs", None)
    listed = isinstance(inputs, (list, tuple)) and isinstance(outputs, (list, tuple))

    def is_images(tensor: Any) -> bool:  # (B, H, W, 3)
        return len(tensor.shape) == 4 and tensor.shape[-1] == 3

    ok = (
        listed
        and len(inputs) in (1, 2)
        and is_images(inputs[0])
        and len(outputs) == 1
        and is_images(outputs[0])
        and (len(inputs) == 1 or len(inputs[1].shape) == 2)
    )
    if not ok:
        shapes = (
            f"inputs {[tuple(t.shape) for t in inputs]}, outputs {[tuple(t.shape) for t in outputs]}"
            if listed
            else f"a {type(net).__name__}"
        )
        raise ValueError(
            f"{source} is not an image-to-image stylisation network ({shapes}); "
            "give a network saved by `ganstyle train-style`"
        )
    return len(inputs) == 2


def stylize_files(
    inputs: Sequence[str | os.PathLike],
    output_dir: str | os.PathLike,
    model_path: str | os.PathLike | None = None,
    style_name: str | None = None,
    *,
    batch_size: int | None = None,
    max_dim: int | None = None,
    style_weights: Sequence[float] | None = None,
    suffix: str = ".png",
    model: Any = None,
    overwrite: bool = False,
) -> list[Path]:
    """Stylise image files with a trained transformer network; returns the written paths.

    Args:
        inputs: image files (PNG, JPEG, ...). Each result has the input's height and
            width (or, with ``max_dim``, the longer side shrunk to it, aspect kept).
        output_dir: created if needed; results are ``<output_dir>/<input stem><suffix>``.
        model_path / style_name: exactly one -- a ``.keras`` file, or a style name: one
            you trained with ``train-style`` (in :func:`styles_dir`) or one shipped with
            the course (:mod:`.pretrained`); see :func:`resolve_model`.
        batch_size: images *of the same size* are stylised together, up to this many
            (default :func:`default_batch_size`: 4 with a GPU, 1 on a CPU).
        style_weights: for a multi-style network, the mix (default: the first style).
        model: an already loaded network (skips loading; for notebooks and tests).
        overwrite: replace results that already exist (never an input image).

    Raises before anything is written: ``FileNotFoundError`` (missing input or
    model), ``FileExistsError`` (an existing result, without ``overwrite``),
    ``PermissionError``/``NotADirectoryError`` (an output folder that cannot be
    written), ``ValueError`` (a corrupt, unreadable or too small input, two inputs
    with the same name, an output that would replace an input, a network that is
    not a stylisation network, bad ``style_weights``).
    """
    if suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ValueError(f"write .png or .jpg results, not {suffix!r}")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    source = model_path or style_name
    if model is None:  # a misspelt style name is the cheapest mistake to report: first, before TensorFlow loads
        source = resolve_model(model_path, style_name)
    import tensorflow as tf  # only now: the checks above answer without it (tests/test_stylize_cli.py)

    from .. import data

    if batch_size is None:
        batch_size = default_batch_size()  # asks TensorFlow for GPUs
    checked = _check_inputs(inputs, max_dim)
    output_dir = Path(output_dir)
    targets = [output_dir / f"{path.stem}{suffix}" for path, _ in checked]
    _check_targets(checked, targets, overwrite)
    _check_output_dir(output_dir)
    if model is None:
        assert source is not None  # resolve_model returned a path
        model = load_network(source, policy=inference_policy())
    conditional = _check_transformer(model, source or "the model")
    forward = traced_forward(model)
    mix = _style_mix(model, style_weights) if conditional else None
    if not conditional and style_weights is not None:
        raise ValueError("style_weights only apply to a multi-style network; this one has a single style")

    groups: dict[tuple[int, int], list[int]] = {}
    for index, (_, size) in enumerate(checked):
        groups.setdefault(size, []).append(index)
    written: list[Path] = [Path()] * len(checked)
    for indices in groups.values():
        for start in range(0, len(indices), batch_size):
            chunk = indices[start : start + batch_size]
            batch = np.concatenate([np.asarray(data.load_image(checked[i][0], max_dim=max_dim)) for i in chunk])
            x = [batch, np.repeat(mix[None], len(chunk), 0)] if mix is not None else batch  # mix: conditional
            out = np.asarray(tf.cast(forward(x), tf.float32))
            for i, image in zip(chunk, out):
                written[i] = data.save_image(image, targets[i])
    return written


def _style_mix(net: Any, style_weights: Sequence[float] | None) -> np.ndarray:
    """The normalised style-weight vector ``(n,)`` of a multi-style network (default: its first style)."""
    n = net.inputs[1].shape[-1]
    mix = np.eye(n, dtype=np.float32)[0] if style_weights is None else np.asarray(style_weights, np.float32)
    # NaN or inf would pass "min >= 0, sum > 0" checks and turn every pixel black.
    if mix.shape != (n,) or not np.all(np.isfinite(mix)) or mix.min() < 0 or mix.sum() <= 0:
        raise ValueError(
            f"style_weights (--mix) must be {n} finite non-negative numbers with a positive sum, "
            f"e.g. {','.join(['1'] + ['0'] * (n - 1))}; got {style_weights}"
        )
    return mix / mix.sum()


def training_dir(output: str | os.PathLike) -> Path:
    """Where ``train_style`` keeps the resumable checkpoint and TensorBoard logs of ``output``."""
    output = Path(output)
    return output.parent / f"{output.stem}_training"


def checkpoint_path(output: str | os.PathLike) -> Path:
    """The resumable checkpoint of the network ``output``: ``<training_dir>/checkpoint.npz``."""
    return training_dir(output) / "checkpoint.npz"


def _check_style_image(style: Any, source: Any) -> None:
    from .training import MIN_CROP

    h, w = int(style.shape[1]), int(style.shape[2])
    if min(h, w) < MIN_CROP:  # VGG19 halves it three times before relu4_1; smaller fails in a pooling layer
        raise ValueError(
            f"the style image {source} is {h}x{w} pixels; give one of at least "
            f"{MIN_CROP}x{MIN_CROP} (a few hundred pixels shows its texture best)"
        )


def _prepare_checkpoint(output: Path, overwrite: bool, restart: bool) -> Path:
    """Refuse to replace a network unasked; drop a finished or unwanted checkpoint; return the checkpoint path."""
    from .training import read_training_meta

    if output.exists() and not overwrite:
        raise FileExistsError(
            f"a trained network already exists at {output}; pass --overwrite to replace it "
            "when the new one is finished, or choose another --output"
        )
    ckpt = checkpoint_path(output)
    if ckpt.exists() and (restart or _finished(read_training_meta(ckpt))):
        ckpt.unlink()  # a finished run is never resumed: a new run starts from step 0
    return ckpt


def _finished(meta: dict[str, Any]) -> bool:
    return int(meta.get("step", 0)) >= int(meta.get("total_steps", 0))


def train_style(
    style_image: str | os.PathLike,
    content_dir: str | os.PathLike | None = None,
    *,
    output: str | os.PathLike | None = None,
    log_dir: str | os.PathLike | None = None,
    verbose: int | str = "auto",
    overwrite: bool = False,
    restart: bool = False,
    checkpoint_every: int = 25,
    catch_signals: bool = False,
    **settings: Any,
) -> Path:
    """Train a transformer network for ``style_image`` and save it; returns the ``.keras`` path.

    ``style_image``: a file, a painting name (``"starry_night"``; offline its
    stand-in texture) or a sample name. ``content_dir``: a folder of photographs
    (default: the bundled ones). ``output``: default ``<cache>/styles/<name>.keras``.
    ``settings`` override :data:`TRAIN_DEFAULTS` (``steps``, ``width``, ``crop``,
    ``batch_size``, ``style_size``, ``learning_rate``) or set loss weights
    (``content_weight``, ``style_weight``, ``tv_weight``). TensorBoard logs go to
    ``log_dir`` (default: next to ``output``).

    Nothing is lost: an existing network is replaced only with ``overwrite``
    (and only once the new one is finished). The run is checkpointed every
    ``checkpoint_every`` steps into :func:`checkpoint_path`; calling again with the
    same output and settings resumes from there (``restart=True`` starts afresh),
    giving the network an uninterrupted run would have given. ``catch_signals``
    (the CLI): Ctrl-C/SIGTERM save a checkpoint and raise ``TrainingInterrupted``.
    The transformer's initial weights are seeded (``seed``, default 0).
    """
    import keras

    from .. import data
    from .training import save_transformer, train_transformer

    unknown = sorted(
        set(settings) - set(TRAIN_DEFAULTS) - {"content_weight", "style_weight", "tv_weight", "seed", "epochs", "norm"}
    )
    if unknown:
        raise ValueError(f"unknown training setting(s) {unknown}; known: {sorted(TRAIN_DEFAULTS)}")
    options = {**TRAIN_DEFAULTS, **settings}
    if content_dir is not None and not Path(content_dir).is_dir():
        raise FileNotFoundError(
            f"content folder {content_dir} does not exist; give a folder of photographs, "
            "or leave out --content-dir to train on the bundled photographs"
        )
    # Checked before training, not when saving: a wrong suffix must not cost a whole run.
    if output is not None and Path(output).suffix != ".keras":
        raise ValueError(
            f"the network is saved as a .keras file; got --output {output}: "
            f"use e.g. {Path(output).with_suffix('.keras')}"
        )
    if int(checkpoint_every) != checkpoint_every or checkpoint_every < 1:
        raise ValueError(f"checkpoint_every (--checkpoint-every) must be a whole number >= 1, got {checkpoint_every}")
    style = data.load_image(style_image, max_dim=options.pop("style_size"))
    _check_style_image(style, style_image)
    output = Path(output) if output is not None else styles_dir() / f"{style_slug(style_image)}.keras"
    ckpt = _prepare_checkpoint(output, overwrite, restart)
    log_dir = Path(log_dir) if log_dir is not None else training_dir(output)
    # Seeded initial weights: a run started afresh repeats, and a resumed one matches it.
    keras.utils.set_random_seed(int(options.get("seed", 0)))
    transformer, _, _ = train_transformer(
        style,
        content=content_dir,
        directory=log_dir,
        verbose=verbose,
        checkpoint=ckpt,
        checkpoint_every=checkpoint_every,
        catch_signals=catch_signals,
        **options,
    )
    return save_transformer(transformer, output)

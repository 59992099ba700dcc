"""The ``ganstyle stylize`` and ``ganstyle train-style`` sub-commands: parsers and the glue that runs them.

    ganstyle stylize INPUT... (--model PATH | --style NAME) -o OUT [--batch-size N] [--max-dim N]
                     [--mix W,W,...] [--overwrite]
    ganstyle stylize --list-styles
    ganstyle train-style --style IMAGE [--content-dir DIR] [--output PATH] [--steps N] [--width W]
                         [--overwrite] [--checkpoint-every N] [--restart]

The work is done by the plain functions of :mod:`ganstyle_lib.style.stylize`
(:func:`~ganstyle_lib.style.stylize.stylize_files`, :func:`~ganstyle_lib.style.stylize.train_style`,
:func:`~ganstyle_lib.style.stylize.list_styles`), which a notebook or a script can call without
this module. Here: :func:`add_cli_commands` registers both sub-commands on the ``ganstyle``
parser (:mod:`.cli` calls it), :func:`cmd_stylize` and :func:`cmd_train_style` turn the parsed
arguments into those calls and print what was written.

Importing this module does not import TensorFlow (nor does :mod:`ganstyle_lib.style.stylize`):
``ganstyle stylize --help``, ``--list-styles`` and a misspelt style name answer in a fraction of a
second; ``tests/test_stylize_cli.py`` checks that in a fresh interpreter.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..style import stylize

__all__ = ["add_cli_commands", "cmd_stylize", "cmd_train_style"]


def _parse_mix(text: str | None) -> list[float] | None:
    """``--mix 1,3`` -> ``[1.0, 3.0]``; no ``--mix``, None (the network's first style)."""
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"--mix takes comma-separated numbers, e.g. 0.5,0.5; got {text!r}") from None


def cmd_stylize(args: argparse.Namespace) -> int:
    """``ganstyle stylize``: print one line per written file (or, with ``--list-styles``, the styles)."""
    if args.list_styles:
        print(stylize.list_styles())
        return 0
    missing = [
        flag
        for flag, value in (
            ("INPUT", args.inputs),
            ("-o OUT", args.output),
            ("--style NAME or --model PATH", args.style or args.model),
        )
        if not value
    ]
    if missing:
        raise ValueError(
            f"stylize needs {', '.join(missing)}: e.g. `ganstyle stylize --style starry_night "
            "photo.jpg -o out/`; `ganstyle stylize --list-styles` names the styles"
        )
    written = stylize.stylize_files(
        args.inputs,
        args.output,
        model_path=args.model,
        style_name=args.style,
        batch_size=args.batch_size,
        max_dim=args.max_dim,
        style_weights=_parse_mix(args.mix),
        overwrite=args.overwrite,
    )
    for path in written:
        print(path)
    return 0


def cmd_train_style(args: argparse.Namespace) -> int:
    """``ganstyle train-style``: train, then print where the network went and how to use it."""
    settings = {k: getattr(args, k) for k in ("steps", "width", "crop", "batch_size") if getattr(args, k) is not None}
    path = stylize.train_style(
        args.style,
        args.content_dir,
        output=args.output,
        overwrite=args.overwrite,
        restart=args.restart,
        checkpoint_every=args.checkpoint_every,
        catch_signals=True,
        **settings,
    )
    print(f"saved {path}")
    print(f"training checkpoint and TensorBoard logs: {stylize.training_dir(path)} (safe to delete)")
    print(f"use it: ganstyle stylize PHOTO.jpg --model {path} -o out/")
    return 0


def add_cli_commands(subparsers: Any) -> None:
    """Register ``stylize`` and ``train-style`` on ``parser.add_subparsers()``'s result."""
    p = subparsers.add_parser(
        "stylize",
        help="stylise images with a trained feed-forward network",
        description="Stylise images with a trained transformer network; each result "
        "has its input's size and is written as OUT/<name>.png. Networks for "
        "famous paintings ship with the course, trained on ImageNet VGG19 "
        "features (they work without those weights); --list-styles names them.",
    )
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="image files")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--model", metavar="PATH", help="a .keras network saved by train-style")
    which.add_argument(
        "--style",
        metavar="NAME",
        help="a shipped style (e.g. starry_night) or one you trained with `ganstyle train-style`",
    )
    which.add_argument("--list-styles", action="store_true", help="name the styles there are, and stop")
    p.add_argument("-o", "--output", metavar="OUT", help="output folder")
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="images of equal size per batch (default 4 with a GPU, 1 on a CPU, where batches are no faster)",
    )
    p.add_argument(
        "--max-dim",
        type=int,
        default=None,
        help="shrink inputs whose longer side exceeds this (default: keep the size)",
    )
    p.add_argument("--mix", default=None, metavar="W,W,...", help="style weights of a multi-style network")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace results that already exist in OUT (an input image is never replaced)",
    )
    p.set_defaults(func=cmd_stylize)

    t = subparsers.add_parser(
        "train-style",
        help="train a feed-forward network for one style image",
        description="Train a transformer network (Johnson et al. 2016) for a style "
        "image; saved to the cache's styles folder unless --output is given. "
        "Safe to interrupt (Ctrl-C, SIGTERM): a checkpoint is saved, and the "
        "same command run again resumes where it stopped.",
    )
    t.add_argument("--style", required=True, metavar="IMAGE", help="style image file or painting name")
    t.add_argument(
        "--content-dir",
        default=None,
        metavar="DIR",
        help="folder of content photographs (default: the bundled sample photographs)",
    )
    t.add_argument("--output", default=None, metavar="PATH", help="where to save the .keras network")
    t.add_argument(
        "--steps", type=int, default=None, help=f"training steps (default {stylize.TRAIN_DEFAULTS['steps']})"
    )
    t.add_argument(
        "--width", type=float, default=None, help=f"width multiplier (default {stylize.TRAIN_DEFAULTS['width']})"
    )
    t.add_argument(
        "--crop", type=int, default=None, help=f"training crop size (default {stylize.TRAIN_DEFAULTS['crop']})"
    )
    t.add_argument(
        "--batch-size", type=int, default=None, help=f"batch size (default {stylize.TRAIN_DEFAULTS['batch_size']})"
    )
    t.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing network of that name (once the new one is finished)",
    )
    t.add_argument(
        "--checkpoint-every",
        type=int,
        default=25,
        metavar="N",
        help="save a resumable checkpoint every N steps (default 25); Ctrl-C also saves one",
    )
    t.add_argument(
        "--restart", action="store_true", help="start afresh instead of resuming an interrupted run of the same output"
    )
    t.set_defaults(func=cmd_train_style)

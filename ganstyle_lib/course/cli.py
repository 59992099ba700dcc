"""The ganstyle command: course tools from a terminal.

    ganstyle doctor                       environment line + every asset's status
    ganstyle assets list                  the registry: name, kind, size, status
    ganstyle assets fetch [NAME ...|--all]
    ganstyle assets pack BUNDLE.tar.gz    cached assets + npm tarballs -> one archive (workshops)
    ganstyle assets unpack BUNDLE.tar.gz  verify checksums, install into the cache
    ganstyle course [--quick] [--out build]   execute every notebook -> HTML book
    ganstyle tidy NOTEBOOK ...            re-run in quick mode, keep check outputs only
    ganstyle student [--out student] [--force]   student notebooks (keeps the ones you changed)
    ganstyle slides [NOTEBOOK ...] [--out build/slides] [--executed build]   reveal.js decks
    ganstyle stylize INPUT... (--model PATH | --style NAME) -o OUT
    ganstyle train-style --style IMAGE [--content-dir DIR]

Every error is printed as one line starting with ``error:`` and exits with
status 2, after nothing was written: inputs and outputs are checked before any
work. ``ganstyle --debug ...`` shows the full traceback instead (for bug
reports). Ctrl-C (or SIGTERM) exits with 130 (143); ``train-style`` saves a
checkpoint first and resumes from it when run again.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# TensorFlow's C++ start-up chatter hides the answers a learner asked for.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _print_asset_table() -> None:
    from .. import assets, config

    config.cache_dir(create=False)  # a GANSTYLE_HOME that is a file: one error line, before the header

    print(f"{'asset':<28} {'kind':<8} {'size':>9}  status")
    for asset in assets.REGISTRY.values():
        print(f"{asset.name:<28} {asset.kind:<8} {assets.human_size(asset.size):>9}  {assets.status(asset)}")


def cmd_doctor(args: argparse.Namespace) -> int:
    from .. import assets, config, device
    from ..style import vgg19_weights

    config.cache_dir(create=False)  # checked before anything is printed
    print(device.summary())
    print(f"asset cache: {config.cache_dir()}")
    print()
    _print_asset_table()
    print()
    print(vgg19_weights.imagenet_weights_plan())
    falling_back = [a.name for a in assets.REGISTRY.values() if assets.status(a).startswith("offline")]
    if falling_back:
        print()
        print("Offline fallbacks are in use for: " + ", ".join(falling_back) + ".")
        if "vgg19_notop" in falling_back:
            print(
                "Style transfer will use UNTRAINED VGG19 features: textures work, but results "
                "are not those of ImageNet features."
            )
        print(
            "To get the real files: run `ganstyle assets fetch --all` with network, or "
            "`ganstyle assets unpack BUNDLE` with an instructor's bundle."
        )
    return 0


def cmd_assets(args: argparse.Namespace) -> int:
    from .. import assets

    if args.action == "list":
        _print_asset_table()
        return 0
    if args.action == "fetch":
        names = list(assets.REGISTRY) if args.all else args.names
        if not names:
            raise UsageError("name the assets to fetch, or pass --all (see `ganstyle assets list`)")
        failed: list[str] = []
        obtained: set[str] = set()
        for name in names:
            asset = assets.get(name)
            if asset.name in obtained:  # an alternate of an asset already served (e.g. vgg19_notop_q8)
                print(f"{asset.name}: not needed, {_served_for(assets, asset, obtained)} is already served")
                continue
            try:
                served, path = assets.fetch_first_source(asset, prefer_cached=args.if_missing)
            except assets.AssetError as exc:  # unavailable, or a download that failed its checksum
                failed.append(name)
                print(f"{name}: not fetched: {exc}", file=sys.stderr)
                continue
            obtained.update(a.name for a in assets.sources(asset))
            if served is asset:
                print(f"{name}: {path}")
            else:
                print(
                    f"{name}: not obtainable from {asset.url}; its second source {served.name} serves instead: {path}"
                )
        return 1 if failed else 0
    if args.action == "pack":
        path = assets.pack(args.archive, names=args.names or None)
        print(f"wrote {path} ({assets.human_size(path.stat().st_size)})")
        return 0
    if args.action == "unpack":
        installed = assets.unpack(args.archive)
        print(f"installed {len(installed)} file(s) into the cache: {', '.join(installed)}")
        return 0
    raise UsageError(f"unknown assets action {args.action!r}")


def _served_for(assets, alternate, obtained: set[str]) -> str:
    """The asset fetched in this run whose alternate ``alternate`` is."""
    return next(
        (a.name for a in assets.REGISTRY.values() if a.name in obtained and alternate in assets.sources(a)[1:]),
        "another asset",
    )


def cmd_course(args: argparse.Namespace) -> int:
    from . import notebooks

    runs = notebooks.run_course(args.out, quick=args.quick, only=args.only, notebook_dir=args.notebooks)
    width = max(len(r.name) for r in runs)
    for run in runs:
        status = "ok" if run.ok else f"FAILED: {run.error}"
        print(f"{run.name:<{width}}  {run.seconds:7.1f} s  {status}")
    print(f"HTML book: {Path(args.out) / 'index.html'}")
    return 0 if all(r.ok for r in runs) else 1


def cmd_tidy(args: argparse.Namespace) -> int:
    from . import notebooks

    for path in args.notebooks:  # every file checked before the first (slow) run
        notebooks.read_notebook(path)
    status = 0
    for path in args.notebooks:
        problems = notebooks.tidy(path)
        print(f"{path}: {'tidy' if not problems else '; '.join(problems)}")
        status |= bool(problems)
    return status


def cmd_student(args: argparse.Namespace) -> int:
    from . import student

    result = student.write_student_notebooks(args.out, notebook_dir=args.notebooks, force=args.force)
    for path in result.written:
        print(path)
    for path in result.kept:
        print(f"{path}: kept, it has changes of yours (--force replaces it with a fresh copy)")
    print(
        f"wrote {len(result.written)} student notebook(s) into {args.out}"
        + (f"; kept {len(result.kept)} you changed" if result.kept else "")
    )
    return 0


def cmd_slides(args: argparse.Namespace) -> int:
    from . import notebooks, slides

    paths = args.notebooks or notebooks.list_notebooks()
    decks = slides.render_slides(paths, args.out, executed_dir=args.executed)
    for deck in decks:
        print(deck)
    print(f"slides: {Path(args.out) / 'index.html'} (works offline: reveal.js and MathJax are copied beside it)")
    return 0


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganstyle", description=__doc__.split("\n\n")[0])
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error (for bug reports)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("doctor", help="environment summary and asset status").set_defaults(func=cmd_doctor)

    p_assets = sub.add_parser("assets", help="list, fetch, pack or unpack downloadable assets")
    p_assets.set_defaults(func=cmd_assets)
    actions = p_assets.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every registered asset and its status")
    p_fetch = actions.add_parser("fetch", help="download assets into the cache")
    p_fetch.add_argument("names", nargs="*")
    p_fetch.add_argument("--all", action="store_true", help="every registered asset")
    p_fetch.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing for an asset whose file, or whose second source "
        "(vgg19_notop_q8 for vgg19_notop), is already cached",
    )
    p_pack = actions.add_parser(
        "pack",
        help="write cached assets, npm tarballs and a manifest into one archive",
        description="Write every cached registered asset and every cached npm tarball the "
        "slides and the HTML book load (reveal.js, require.js, jQuery, the widget "
        "renderer; in $GANSTYLE_HOME/web/) into one .tar.gz with a manifest of "
        "checksums. Each file is checked against its pinned checksum first.",
    )
    p_pack.add_argument("archive", help="e.g. ganstyle-assets.tar.gz")
    p_pack.add_argument(
        "names", nargs="*", help="only these registered assets, without npm tarballs (default: everything cached)"
    )
    p_unpack = actions.add_parser("unpack", help="verify and install an archive made by `pack`")
    p_unpack.add_argument("archive")

    p_course = sub.add_parser("course", help="execute every notebook into an HTML book")
    p_course.add_argument("--quick", action="store_true", help="quick mode (tiny runs, for checking)")
    p_course.add_argument("--out", default="build", help="output folder (default: build)")
    p_course.add_argument(
        "--only", nargs="+", metavar="NOTEBOOK", help="notebook numbers or names, e.g. 00 01 (default: all)"
    )
    p_course.add_argument("--notebooks", help="notebook folder (default: the clone's notebooks/, else ./notebooks)")
    p_course.set_defaults(func=cmd_course)

    p_tidy = sub.add_parser("tidy", help="(authors) re-run notebooks, keep only check-cell outputs")
    p_tidy.add_argument("notebooks", nargs="+")
    p_tidy.set_defaults(func=cmd_tidy)

    p_student = sub.add_parser("student", help="write student notebooks (solutions replaced by stubs)")
    p_student.add_argument("--out", default="student", help="output folder (default: student)")
    p_student.add_argument("--notebooks", help="notebook folder (default: the clone's notebooks/, else ./notebooks)")
    p_student.add_argument(
        "--force",
        action="store_true",
        help="also replace notebooks you changed since they were written (loses your work)",
    )
    p_student.set_defaults(func=cmd_student)

    p_slides = sub.add_parser("slides", help="reveal.js slides per notebook, usable offline")
    p_slides.add_argument("notebooks", nargs="*", help="notebook files (default: every course notebook)")
    p_slides.add_argument("--out", default=str(Path("build") / "slides"), help="output folder (default: build/slides)")
    p_slides.add_argument(
        "--executed",
        metavar="DIR",
        help="reuse the executed notebooks of a course build (e.g. build) instead of running each one in quick mode",
    )
    p_slides.set_defaults(func=cmd_slides)

    from . import style_commands  # `stylize` and `train-style`: parsers and glue over ganstyle_lib.style.stylize

    style_commands.add_cli_commands(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    """The message of ``exc`` as one line; unexpected exception types keep their name."""
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    text = " ".join(str(message).split()) or type(exc).__name__
    expected = (UsageError, ValueError, KeyError, OSError, RuntimeError)
    if isinstance(exc, expected):
        return text
    return f"{type(exc).__name__}: {text} (unexpected; `ganstyle --debug ...` shows where)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ganstyle`` console script.

    Returns 0 on success, 1 when some of the work failed (a notebook, an asset),
    2 on an error (one line on stderr; ``--debug`` re-raises it with its traceback),
    130 on Ctrl-C.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt as exc:  # train-style's TrainingInterrupted says where its checkpoint is
        if args.debug:
            raise
        print(f"interrupted: {exc}" if str(exc) else "interrupted", file=sys.stderr)
        return getattr(exc, "exit_status", 130)
    except Exception as exc:  # noqa: BLE001  a CLI user sees one line, never a traceback
        if args.debug:
            raise
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

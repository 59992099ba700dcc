"""Figures for the course: toy-GAN frames, sample scatters, image grids and GIFs.

Every plotting helper draws on a Matplotlib ``Axes`` you pass in (or a new one)
and returns it, so notebooks can lay several panels out with
``plt.subplots`` and still call one helper per panel. Nothing here shows or
saves a figure on its own, except :func:`save_gif`, whose job is to write a file,
and :func:`show_images`, whose job is to show one row of pictures (notebooks 04-06).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "plot_1d_gan_frame",
    "plot_2d_samples",
    "plot_history",
    "figure_to_array",
    "save_gif",
    "image_grid",
    "show_images",
]

# One colour per role, used by every figure of the course.
DATA_COLOR = "tab:blue"
GENERATOR_COLOR = "tab:orange"
DISCRIMINATOR_COLOR = "tab:green"


def _axes(ax):
    return ax if ax is not None else plt.subplots(figsize=(4, 3))[1]


def plot_1d_gan_frame(
    x, p_data, samples, d_prob=None, *, step: int | None = None, ax=None, bins: int = 80, ylim: float | None = None
):
    """One frame of a 1-D GAN: data density, generator histogram and discriminator.

    Args:
        x: grid, shape ``(n,)``.
        p_data: data density on the grid, shape ``(n,)``.
        samples: generator samples, shape ``(m,)`` or ``(m, 1)``; drawn as a
            density histogram (the estimate of ``p_g``).
        d_prob: optional discriminator output ``D(x)`` in [0, 1] on the grid,
            shape ``(n,)``; drawn dashed, on the same axis (probabilities and
            densities of a few tenths share a scale well).
        step: training step for the title.
        ax: axes to draw on (a new figure if None).
        bins: histogram bins over the grid's range.
        ylim: top of the y axis (fix it so that frames of a GIF line up).

    Returns:
        The axes.
    """
    ax = _axes(ax)
    x = np.asarray(x).ravel()
    ax.hist(
        np.asarray(samples).ravel(),
        bins=np.linspace(x.min(), x.max(), bins + 1),
        density=True,
        color=GENERATOR_COLOR,
        alpha=0.5,
        label=r"$p_g$ (generator samples)",
    )
    ax.plot(x, p_data, color=DATA_COLOR, lw=2, label=r"$p_{data}$")
    if d_prob is not None:
        ax.plot(x, d_prob, color=DISCRIMINATOR_COLOR, lw=2, ls="--", label=r"$D(x)$")
        ax.axhline(0.5, color="gray", lw=0.5, ls=":")
    ax.set_xlim(x.min(), x.max())
    if ylim is not None:
        ax.set_ylim(0, ylim)
    if step is not None:
        ax.set_title(f"step {step}")
    ax.set_xlabel("x")
    return ax


def plot_2d_samples(
    samples, centers=None, *, title: str | None = None, ax=None, lim: float | None = None, std: float | None = None
):
    """Scatter 2-D samples, optionally over the target's mode centres.

    Args:
        samples: shape ``(n, 2)``.
        centers: optional mode centres ``(k, 2)``, drawn as crosses.
        title: panel title.
        ax: axes to draw on (a new figure if None).
        lim: axis half-width (default: fits the centres with a margin, else the samples).
        std: optional per-mode standard deviation; draws the 3-sigma "high
            quality" circle around each centre.

    Returns:
        The axes.
    """
    ax = _axes(ax)
    samples = np.asarray(samples)
    ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, color=GENERATOR_COLOR, rasterized=True)
    if centers is not None:
        centers = np.asarray(centers)
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", s=30, color=DATA_COLOR, zorder=3)
        if std is not None:
            for c in centers:
                ax.add_patch(plt.Circle(c, 3 * std, fill=False, color=DATA_COLOR, lw=0.8))
    if lim is None:
        ref = centers if centers is not None else samples
        lim = 1.25 * float(np.abs(ref).max()) + 0.5
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_history(history: dict, keys: Sequence[str] = ("d_loss", "g_loss"), *, ax=None, title: str | None = None):
    """Plot logged training curves ``history[key]`` against ``history["step"]``.

    Returns:
        The axes.
    """
    ax = _axes(ax)
    for key in keys:
        ax.plot(history["step"], history[key], label=key)
    ax.set_xlabel("step")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def figure_to_array(fig) -> np.ndarray:
    """Render a Matplotlib figure to an RGB uint8 array of shape ``(H, W, 3)``."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def save_gif(frames, path, *, fps: float = 5, loop: int = 0) -> Path:
    """Write frames to an animated GIF with imageio and return its path.

    Args:
        frames: sequence of Matplotlib figures or of ``(H, W, 3)`` uint8 arrays
            (figures are rendered with :func:`figure_to_array`; all frames
            must have the same size).
        path: file to write; parent folders are created.
        fps: frames per second.
        loop: 0 loops forever.

    Returns:
        The path written.
    """
    import imageio.v3 as iio

    arrays = [figure_to_array(f) if hasattr(f, "canvas") else np.asarray(f, dtype=np.uint8) for f in frames]
    if not arrays:
        raise ValueError("save_gif needs at least one frame")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, np.stack(arrays), extension=".gif", duration=1000.0 / fps, loop=loop)
    return path


def image_grid(
    images, nrow: int = 8, *, value_range: tuple[float, float] | None = None, padding: int = 2, pad_value: float = 1.0
) -> np.ndarray:
    """Tile a batch of images into one image for ``plt.imshow``.

    Args:
        images: shape ``(n, H, W)`` or ``(n, H, W, C)`` with C = 1 or 3; GAN
            images in [-1, 1] or style images in [0, 1].
        nrow: images per row.
        value_range: ``(low, high)`` of the input; by default [-1, 1] if any
            value is negative, else [0, 1].
        padding: pixels between tiles.
        pad_value: colour of the padding in [0, 1] (1 = white).

    Returns:
        float32 array in [0, 1] of shape ``(rows * (H + padding) + padding,
        nrow * (W + padding) + padding, C)``.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"expected images of shape (n, H, W[, C]), got {images.shape}")
    low, high = value_range if value_range is not None else ((-1.0, 1.0) if images.min() < 0 else (0.0, 1.0))
    images = np.clip((images - low) / (high - low), 0.0, 1.0)
    n, h, w, c = images.shape
    ncol = min(nrow, n)
    rows = -(-n // ncol)
    out = np.full((rows * (h + padding) + padding, ncol * (w + padding) + padding, c), pad_value, np.float32)
    for i, img in enumerate(images):
        r, k = divmod(i, ncol)
        top, left = padding + r * (h + padding), padding + k * (w + padding)
        out[top : top + h, left : left + w] = img
    return out


def show_images(
    images, titles: Sequence[str], suptitle: str = "", *, label: str = "", size: float = 3.0, aspect: float = 1.05
) -> None:
    """Show pictures side by side, each with its title, and ``plt.show()`` the figure.

    The style notebooks' figure: ``images`` are ``[0, 1]`` pictures of shape ``(H, W, C)`` or
    ``(n, H, W, C)`` (the first of a batch is shown), converted by :func:`ganstyle_lib.data.to_uint8`.
    The figure's title is ``suptitle`` and, on the next line, ``label`` -- the notebooks pass
    ``VGGFeatures.label`` so that every figure says which features made it. Each picture is
    ``size`` inches wide; the figure is ``aspect`` times as tall, which leaves room for the titles.
    """
    from .data import to_uint8  # imported here: data imports TensorFlow, the plotting helpers do not need it

    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size * aspect), squeeze=False)
    for ax, img, title in zip(axes[0], images, titles):
        img = np.asarray(img)
        ax.imshow(to_uint8(img[0] if img.ndim == 4 else img))
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.suptitle("\n".join(t for t in (suptitle, label) if t), fontsize=10)
    plt.tight_layout()
    plt.show()


# --------------------------------------------------------------------------- notebook 02: GAN curves, latents
# (appended by the notebook-02 author; kept in one block so both authors' edits stay apart)

__all__ += [
    "smooth",
    "plot_gan_losses",
    "plot_d_outputs",
    "slerp",
    "lerp",
    "interpolate_latents",
]


def smooth(values, window: int = 25) -> np.ndarray:
    """Moving average over ``window`` points (shorter at the start), same length as ``values``."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or v.size == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, v.size + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_gan_losses(history: dict, *, window: int = 25, ax=None, title: str | None = "losses"):
    """Discriminator and generator losses per step (faint) and smoothed (bold).

    ``history`` holds ``step``, ``d_loss``, ``g_loss`` lists (e.g.
    ``ganstyle_lib.gan.callbacks.MetricHistory().history``). The dotted lines
    mark the values at the game's equilibrium for the non-saturating loss:
    ``d_loss = 2 log 2`` and ``g_loss = log 2`` (D outputs 1/2 everywhere).
    """
    ax = _axes(ax)
    steps = history["step"]
    for key, colour in (("d_loss", DISCRIMINATOR_COLOR), ("g_loss", GENERATOR_COLOR)):
        ax.plot(steps, history[key], color=colour, alpha=0.25, lw=0.8)
        ax.plot(steps, smooth(history[key], window), color=colour, lw=2, label=key)
    ax.axhline(2 * np.log(2), color=DISCRIMINATOR_COLOR, ls=":", lw=1)
    ax.axhline(np.log(2), color=GENERATOR_COLOR, ls=":", lw=1)
    ax.set_xlabel("step")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_d_outputs(history: dict, *, window: int = 25, ax=None, title: str | None = "discriminator outputs"):
    """D(x) on real and D(G(z)) on generated images (mean probabilities) per step.

    Both start near 1/2; the discriminator pushes them apart, the generator
    pulls D(G(z)) back up. A healthy run keeps them apart but not at 1 and 0.
    """
    ax = _axes(ax)
    steps = history["step"]
    for key, label, colour in (("d_real", "D(x), real", DATA_COLOR), ("d_fake", "D(G(z)), fake", GENERATOR_COLOR)):
        ax.plot(steps, history[key], color=colour, alpha=0.25, lw=0.8)
        ax.plot(steps, smooth(history[key], window), color=colour, lw=2, label=label)
    ax.axhline(0.5, color="grey", ls=":", lw=1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("step")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def lerp(z0, z1, t: float) -> np.ndarray:
    """Straight-line interpolation ``(1 - t) z0 + t z1``."""
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    return (1.0 - t) * z0 + t * z1


def slerp(z0, z1, t: float) -> np.ndarray:
    """Spherical interpolation between latent vectors z0, z1 (shape (D,)), t in [0, 1].

    ``sin((1-t) W)/sin W * z0 + sin(t W)/sin W * z1`` with W the angle between
    them (Shoemake 1985; White 2016, "Sampling generative networks"). Unlike a
    straight line, the path keeps the norm typical of Gaussian latents (about
    sqrt(D)), so the images in the middle are not washed out. Falls back to
    :func:`lerp` when the vectors are (anti)parallel.
    """
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1) + 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(z0, z1, t)
    return (np.sin((1.0 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def interpolate_latents(z0, z1, steps: int = 8, *, method: str = "slerp") -> np.ndarray:
    """``steps`` latent vectors from z0 to z1 inclusive, float32 (steps, D)."""
    fn = {"slerp": slerp, "lerp": lerp}[method]
    return np.stack([fn(z0, z1, t) for t in np.linspace(0.0, 1.0, steps)]).astype(np.float32)

"""Generative adversarial networks: losses, toy problems and (later) models and trainers.

* :mod:`ganstyle_lib.gan.losses` -- every GAN loss with one signature (logits in,
  scalar out), the WGAN-GP and R1 penalties, and the ``LOSSES`` table.
* :mod:`ganstyle_lib.gan.toy` -- 1-D and 2-D Gaussian-mixture targets, the
  optimal discriminator and JS divergence on a grid, mode-coverage measures,
  small MLPs and a toy training loop (notebook 01).
"""

from . import losses, toy

__all__ = ["losses", "toy"]

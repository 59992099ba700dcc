"""Generative adversarial networks: losses, toy problems, DCGAN models, training and callbacks.

* :mod:`.losses` -- every GAN loss with one signature (logits in, scalar out), the WGAN-GP and
  R1 penalties, and the ``LOSSES`` table (notebooks 01, 03).
* :mod:`.toy` -- 1-D and 2-D Gaussian-mixture targets, the optimal discriminator and JS
  divergence on a grid, mode-coverage measures, small MLPs and a toy training loop (01, 03).
* :mod:`.models` -- DCGAN generators and discriminators for 28x28 digits and 64x64 RGB, the
  TensorFlow tutorial's pair, FLOP counts, and the building blocks they share (02, 03, 06).
* :mod:`.conditional` -- a label-embedding generator and a projection discriminator (03).
* :mod:`.training` -- :class:`~.training.GAN`, a ``keras.Model`` whose ``fit()`` trains both
  networks (``gan_step``, EMA of the generator, ``fit_for_seconds``) (02, 03, 06).
* :mod:`.callbacks` -- Keras callbacks for it: sample grids and GIFs, logs, checkpoints that
  resume, a NaN guard (02).

The exercise checks of notebooks 02 and 03 are in :mod:`ganstyle_lib.exercises`.
"""

from . import losses, toy

__all__ = ["losses", "toy"]

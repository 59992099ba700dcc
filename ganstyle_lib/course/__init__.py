"""Course tooling: the ``ganstyle`` command and what it runs, apart from the ML library.

Nothing in :mod:`ganstyle_lib.gan`, :mod:`ganstyle_lib.style` or the top-level ML modules
(``data``, ``device``, ``metrics``, ``viz``, ``widgets``, ...) imports this package;
``tests/test_layering.py`` checks that in a fresh interpreter.

* :mod:`.notebooks` -- runs, tidies and publishes the notebooks (the HTML book); the slide-type
  rule and the notebook list (notebook 00 prints it).
* :mod:`.startup_noise` -- keeps TensorFlow's start-up lines out of executed notebooks.
* :mod:`.slides` -- reveal.js decks of the notebooks.
* :mod:`.webassets` -- local copies of the book's and the slides' JavaScript (pinned npm
  tarballs, no CDN).
* :mod:`.student` -- student notebooks: solutions out, stubs in.
* :mod:`.colab` -- the tested reference of notebook 00's Colab install cell.
* :mod:`.cli` -- the ``ganstyle`` command (``python -m ganstyle_lib.course.cli`` runs it too).
* :mod:`.style_commands` -- its ``stylize`` and ``train-style`` sub-commands: parsers and glue over
  :mod:`ganstyle_lib.style.stylize`, which does the work.
"""

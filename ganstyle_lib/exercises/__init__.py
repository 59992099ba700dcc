"""Exercise checks: one module per notebook, one runner, one way of reporting.

In a notebook::

    from ganstyle_lib.exercises import nb02 as checks

    checks.check_frechet_distance(frechet_distance)   # prints "✓ ..." or shows one ✗ block
    checks.hint("frechet_distance")                    # a pointer, no code
    checks.hint("frechet_distance", 2)                 # the full formula
    fid = checks.use("frechet_distance", frechet_distance)  # yours if it passed, else the library's

=========  ==========================================================  ===========================
module     exercises                                                   tests
=========  ==========================================================  ===========================
``core``   the runner: :class:`~.core.CheckFailed` (the ✗ block),      ``tests/test_exercises.py``
           comparison on seeded random inputs, known mistakes, hints
``nb00``   to_gan_range, from_gan_range, to_uint8                      ``tests/test_exercises.py``
``nb01``   optimal_discriminator, js_divergence, discriminator_loss,   ``tests/test_exercises.py``
           non_saturating_generator_loss
``nb02``   generator_block, ema_update, frechet_distance, slerp        ``tests/test_exercises.py``
``nb03``   gradient_penalty, hinge_losses, projection_logits           ``tests/test_exercises.py``
``nb04``   gram_matrix, content_loss, style_loss, total_variation_loss ``tests/test_exercises.py``
``nb05``   instance_norm, residual_block, adain                        ``tests/test_exercises.py``
``nb06``   receptive_field, valid_output_size, cycle_consistency_loss  ``tests/test_exercises.py``
=========  ==========================================================  ===========================

The notebook modules import TensorFlow only when a check runs, so ``import
ganstyle_lib.exercises`` stays cheap.
"""

from .core import CheckFailed, NotWrittenYet, check_function

__all__ = ["CheckFailed", "NotWrittenYet", "check_function"]

"""Notebook 02's exercise checks (``ganstyle_lib.gan.checks``): references pass with a ✓ line, mistakes fail.

Until now these ran only inside notebook 02 under nbval, where a check that
accepted everything would also have passed.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

from ganstyle_lib import metrics, viz  # noqa: E402
from ganstyle_lib.gan import checks  # noqa: E402


def test_references_pass_with_one_fixed_check_line():
    assert (
        checks.check_generator_block(checks.reference_generator_block)
        == "✓ generator_block: matches the reference on 3 random inputs"
    )
    assert (
        checks.check_ema_update(checks.reference_ema_update) == "✓ ema_update: matches the reference on 3 random inputs"
    )
    assert checks.check_frechet_distance(metrics.frechet_distance).startswith("✓ frechet_distance:")
    assert checks.check_slerp(viz.slerp).startswith("✓ slerp:")


def test_generator_block_mistakes_are_named():
    def with_bias(filters):  # a bias before batch norm: one weight too many
        return keras.Sequential(
            [layers.Conv2DTranspose(filters, 4, strides=2, padding="same"), layers.BatchNormalization(), layers.ReLU()]
        )

    def no_relu(filters):
        return keras.Sequential(
            [layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False), layers.BatchNormalization()]
        )

    def stride_one(filters):
        return keras.Sequential(
            [
                layers.Conv2DTranspose(filters, 4, strides=1, padding="same", use_bias=False),
                layers.BatchNormalization(),
                layers.ReLU(),
            ]
        )

    with pytest.raises(AssertionError, match="no bias in the convolution"):
        checks.check_generator_block(with_bias)
    with pytest.raises(AssertionError, match="ReLU"):
        checks.check_generator_block(no_relu)
    with pytest.raises(AssertionError, match="stride 2 doubles H and W"):
        checks.check_generator_block(stride_one)


def test_numeric_mistakes_fail():
    with pytest.raises(AssertionError, match="ema_update"):  # decay on the wrong side
        checks.check_ema_update(lambda ema, w, decay: (1 - decay) * ema + decay * w)
    with pytest.raises(AssertionError, match="frechet_distance"):  # forgets the covariance term
        checks.check_frechet_distance(lambda m1, s1, m2, s2: float(np.sum((m1 - m2) ** 2)))
    with pytest.raises(AssertionError, match="slerp"):  # linear interpolation is not spherical
        checks.check_slerp(lambda z0, z1, t: (1 - t) * z0 + t * z1)

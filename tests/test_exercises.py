"""Tests for ganstyle_lib.exercises: the comparator and the notebook 00 and 01 checks."""

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib import data, exercises
from ganstyle_lib.gan import losses, toy


def _stub(*args):
    raise NotImplementedError("write your solution here")


# (check, reference, a plausible wrong answer, the hint's key word)
CASES = [
    (exercises.check_to_gan_range, data.to_gan_range, lambda image: image * 2.0, "a line"),
    # forgets to clip a generator's overshoot
    (exercises.check_from_gan_range, data.from_gan_range, lambda image: (image + 1.0) / 2.0, "clipped"),
    # truncates instead of rounding: 0.999 -> 254
    (
        exercises.check_to_uint8,
        data.to_uint8,
        lambda image: (np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8),
        "round",
    ),
    (
        exercises.check_discriminator_loss,
        losses.minimax_discriminator_loss,
        # averages the two terms instead of adding them
        lambda r, f: 0.5 * losses.minimax_discriminator_loss(r, f),
        "softplus",
    ),
    (
        exercises.check_non_saturating_generator_loss,
        losses.non_saturating_generator_loss,
        losses.minimax_generator_loss,
        "softplus",
    ),
    (
        exercises.check_optimal_discriminator,
        toy.optimal_discriminator,
        lambda p_data, p_g: p_g / (p_data + p_g),
        "p_data(x) /",
    ),
    (exercises.check_js_divergence, toy.js_divergence, lambda p, q, dx: 2 * toy.js_divergence(p, q, dx), "KL"),
]


@pytest.mark.parametrize("check, reference, wrong, hint", CASES)
def test_reference_passes_and_prints_one_line(check, reference, wrong, hint, capsys):
    assert check(reference) is None  # a check cell displays only the printed line
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("✓ ") and "3 random inputs" in out
    assert "(max rel. error < 1e-06)" in out  # deterministic wording for nbval


@pytest.mark.parametrize("check, reference, wrong, hint", CASES)
def test_wrong_function_raises_helpful_assertion(check, reference, wrong, hint):
    with pytest.raises(AssertionError) as info:
        check(wrong)
    msg = str(info.value)
    for part in (
        "random input 1 of 3",
        "inputs:",
        "expected",
        "got",
        "max abs error",
        "max rel. error",
        "tolerance",
        hint,
    ):
        assert part in msg, f"{part!r} missing from:\n{msg}"


@pytest.mark.parametrize("check, reference, wrong, hint", CASES)
def test_stub_propagates_not_implemented(check, reference, wrong, hint):
    with pytest.raises(NotImplementedError):
        check(_stub)


def test_naive_log_sigmoid_fails_on_extreme_logits():
    def naive(real, fake):
        return -tf.reduce_mean(tf.math.log(tf.sigmoid(real))) - tf.reduce_mean(tf.math.log(1 - tf.sigmoid(fake)))

    with pytest.raises(AssertionError, match="not finite") as info:
        exercises.check_discriminator_loss(naive)
    assert "+-100" in str(info.value)


def test_forgetting_the_mean_reports_the_shape():
    with pytest.raises(AssertionError, match=r"shape: expected \(\), got \(\d+, 1\).*average over the batch"):
        exercises.check_non_saturating_generator_loss(lambda fake: tf.nn.softplus(-fake))


def test_missing_return_is_named():
    def forgot_return(p_data, p_g):
        p_data / (p_data + p_g)

    with pytest.raises(AssertionError, match="returned None: did you forget the `return`"):
        exercises.check_optimal_discriminator(forgot_return)


def test_dtype_mismatch_is_reported():
    with pytest.raises(AssertionError, match="dtype: expected float32, got float64"):
        exercises.check_non_saturating_generator_loss(
            lambda fake: np.mean(np.logaddexp(0.0, -fake.numpy().astype(np.float64)))
        )


def test_js_divergence_without_zero_log_zero_convention_fails():
    def naive(p, q, dx):
        m = (p + q) / 2
        return float(0.5 * np.sum(p * np.log(p / m)) * dx + 0.5 * np.sum(q * np.log(q / m)) * dx)

    with np.errstate(divide="ignore", invalid="ignore"):
        with pytest.raises(AssertionError, match="not finite"):
            exercises.check_js_divergence(naive)


def test_check_function_generic_use(capsys):
    # Inputs are fresh per trial but the same from run to run (seeded).
    calls = []

    def make_inputs(rng):
        x = rng.normal(size=5)
        calls.append(x)
        return (x,)

    rel = exercises.check_function(lambda x: x * (1 + 1e-9), lambda x: x, make_inputs, n_trials=4, name="scaling")
    assert 0 < rel < 1e-8 and len(calls) == 4
    assert not np.array_equal(calls[0], calls[1])
    assert capsys.readouterr().out == "✓ scaling matches the reference on 4 random inputs (max rel. error < 1e-06)\n"
    first = []
    exercises.check_function(np.sin, np.sin, lambda rng: first.append(rng.normal(size=5)) or (first[-1],))
    assert np.array_equal(first[0], calls[0])

    # Errors above the noise floor are printed to one significant digit.
    exercises.check_function(lambda x: x * (1 + 2e-6), lambda x: x, make_inputs, rtol=1e-5, name="close")
    assert "(max rel. error 2e-06)" in capsys.readouterr().out

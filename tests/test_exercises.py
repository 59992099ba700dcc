"""Tests for ganstyle_lib.exercises: one runner, the ✗ block, and every exercise's check.

For each exercise: the library's reference passes with one fixed ✓ line; every known
mistake (at least three per exercise) fails with its own diagnosis, which never
contains the formula that ``hint(name, 2)`` shows; a student stub fails with a ✗ block.
A notebook kernel shows a failing check as the ✗ block and no traceback line.
"""

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib.exercises import CheckFailed, NotWrittenYet, core, nb00, nb01, nb02, nb03, nb04, nb05, nb06

MODULES = [nb00, nb01, nb02, nb03, nb04, nb05, nb06]
EXERCISES = [(m, e) for m in MODULES for e in m.EXERCISES.values()]
MISTAKES = [(m, e, i) for m, e in EXERCISES for i in range(len(e.mistakes))]


def _ids(items):
    return [f"{m.__name__.rsplit('.', 1)[1]}-{e.name}" + (f"-{rest[0]}" if rest else "") for m, e, *rest in items]


def run_check(module, name, fn):
    """Call exercise ``name``'s check on ``fn``; the hinge check takes the pair (d, g) as one function."""
    if name == "hinge_losses":
        return module.check_hinge_losses(lambda r, f: fn(r, f)[0], lambda f: fn(np.zeros_like(f), f)[1])
    return getattr(module, f"check_{name}")(fn)


def reference_of(module, exercise):
    if exercise.name == "hinge_losses":
        from ganstyle_lib.gan import losses

        return losses.hinge_discriminator_loss, losses.hinge_generator_loss
    return exercise.reference()


def _stub(*args):
    raise NotImplementedError("Exercise: write this part, then run the check cell below")


def test_every_exercise_has_three_mistakes_a_nudge_and_a_formula():
    assert len(EXERCISES) == 24
    for module, e in EXERCISES:
        assert len(e.mistakes) >= 3 or e.name == "generator_block", e.name  # its mistakes are built below
        assert e.nudge and e.formula and e.nudge != e.formula
        assert callable(getattr(module, f"check_{e.name}"))


@pytest.mark.parametrize("module, exercise", EXERCISES, ids=_ids(EXERCISES))
def test_reference_passes_with_one_fixed_line(module, exercise, capsys):
    ref = reference_of(module, exercise)
    result = (
        getattr(module, f"check_{exercise.name}")(*ref)
        if isinstance(ref, tuple)
        else getattr(module, f"check_{exercise.name}")(ref)
    )
    assert result is None  # a check cell shows only its printed line
    out = capsys.readouterr().out
    inputs = 6 if module is nb06 and "loss" not in exercise.name else 3
    assert out == f"✓ {exercise.name} matches the reference on {inputs} random inputs\n"


@pytest.mark.parametrize("module, exercise, index", MISTAKES, ids=_ids(MISTAKES))
def test_known_mistake_fails_with_its_diagnosis_and_no_solution(module, exercise, index):
    mistake = exercise.mistakes[index]
    with pytest.raises(CheckFailed) as info:
        run_check(module, exercise.name, mistake.fn)
    failure = info.value
    assert failure.diagnosis == mistake.diagnosis
    block = str(failure)
    assert block.startswith(f"✗ {exercise.name} is not right yet\n")
    assert exercise.formula not in block
    assert f'checks.hint("{exercise.name}", 2)' in block  # the formula is one call away, never shown
    assert "Traceback" not in block and len(block.splitlines()) <= 7


@pytest.mark.parametrize("module, exercise", EXERCISES, ids=_ids(EXERCISES))
def test_student_stub_fails_with_a_block(module, exercise):
    with pytest.raises(NotWrittenYet) as info:
        run_check(module, exercise.name, _stub)
    assert isinstance(info.value, NotImplementedError)  # code that expects the stub's error still works
    assert "NotImplementedError" in str(info.value) and str(info.value).startswith("✗")


def test_not_a_function_and_missing_return_are_named():
    with pytest.raises(CheckFailed, match=r"without calling it: check_receptive_field\(receptive_field\)"):
        nb06.check_receptive_field(70)

    def forgot_return(p_data, p_g):
        p_data / (p_data + p_g)

    with pytest.raises(CheckFailed, match="forget the `return`"):
        nb01.check_optimal_discriminator(forgot_return)


# -- the mistakes issue 26 names, written as a learner would --------------------------------------


def test_log_of_sigmoid_fails_on_extreme_logits():
    def naive(real, fake):
        return -tf.reduce_mean(tf.math.log(tf.sigmoid(real))) - tf.reduce_mean(tf.math.log(1 - tf.sigmoid(fake)))

    with pytest.raises(CheckFailed, match="-100") as info:
        nb01.check_discriminator_loss(naive)
    assert "inf or nan" in info.value.got


def test_saturating_loss_is_recognised_by_its_sign():
    def saturating(fake):
        return tf.reduce_mean(tf.math.log(1.0 - tf.sigmoid(fake)))  # log(1 - D): negative

    with pytest.raises(CheckFailed, match="saturating"):
        nb01.check_non_saturating_generator_loss(saturating)


def test_js_divergence_without_dx_or_in_bits():
    def no_dx(p, q, dx):
        m = (p + q) / 2

        def kl(a):
            return np.sum(np.where(a > 0, a * np.log(np.where(a > 0, a, 1) / m), 0.0))

        return float(0.5 * kl(p) + 0.5 * kl(q))

    def bits(p, q, dx):
        m = (p + q) / 2

        def kl(a):
            return np.sum(np.where(a > 0, a * np.log2(np.where(a > 0, a, 1) / m), 0.0)) * dx

        return float(0.5 * kl(p) + 0.5 * kl(q))

    with pytest.raises(CheckFailed, match="dx"):
        nb01.check_js_divergence(no_dx)
    with pytest.raises(CheckFailed, match="1/ln 2"):
        nb01.check_js_divergence(bits)


def test_frechet_distance_without_real_part_fails_on_rank_deficient_covariances():
    from scipy import linalg

    def with_float(mu1, s1, mu2, s2):  # float() silently drops the imaginary part
        diff = mu1 - mu2
        return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(linalg.sqrtm(s1 @ s2)))

    def complex_result(mu1, s1, mu2, s2):
        diff = mu1 - mu2
        return diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(linalg.sqrtm(s1 @ s2))

    for fn in (with_float, complex_result):
        with pytest.raises(CheckFailed, match="real part") as info:
            nb02.check_frechet_distance(fn)
        assert "rank-deficient" in info.value.diagnosis


def test_ema_with_decay_swapped():
    with pytest.raises(CheckFailed, match="decay is on the wrong side"):
        nb02.check_ema_update(lambda ema, weights, decay: decay * weights + (1 - decay) * ema)


def test_generator_block_mistakes():
    import keras
    from keras import layers

    def as_list(filters):
        return [
            layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
        ]

    def with_bias(filters):
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

    for fn, words in (
        (as_list, "not the layers themselves"),
        (with_bias, "bias"),
        (no_relu, "ReLU"),
        (stride_one, "double height and width"),
    ):
        with pytest.raises(CheckFailed, match=words) as info:
            nb02.check_generator_block(fn)
        assert "Conv2DTranspose(filters" not in str(info.value)


def test_norms_without_epsilon_or_keepdims():
    def no_eps(x):
        mean, var = tf.nn.moments(x, axes=[1, 2], keepdims=True)
        return (x - mean) / tf.sqrt(var)

    def eps_outside(content, style):
        c_mean, c_var = tf.nn.moments(content, axes=[1, 2], keepdims=True)
        s_mean, s_var = tf.nn.moments(style, axes=[1, 2], keepdims=True)
        return (content - c_mean) / (tf.sqrt(c_var) + 1e-5) * (tf.sqrt(s_var) + 1e-5) + s_mean

    def no_keepdims(x):
        mean, var = tf.nn.moments(x, axes=[1, 2])
        return (x - mean) / tf.sqrt(var + 1e-5)

    with pytest.raises(CheckFailed, match="all-zero channel"):
        nb05.check_instance_norm(no_eps)
    with pytest.raises(CheckFailed, match="inside the square root"):
        nb05.check_adain(eps_outside)
    with pytest.raises(CheckFailed, match="keepdims") as info:
        nb05.check_instance_norm(no_keepdims)
    assert "Incompatible shapes" in info.value.got and "function_node" not in info.value.got


# -- hints, use() and the generic comparator -------------------------------------------------------


def test_hint_levels(capsys):
    nb02.hint("ema_update")
    nudge = capsys.readouterr().out
    nb02.hint("ema_update", 2)
    formula = capsys.readouterr().out
    assert "decay" in nudge and "(1 - decay) * weights" not in nudge
    assert "(1 - decay) * weights" in formula
    nb02.hint("nope")
    assert "ema_update" in capsys.readouterr().out


def test_use_returns_the_learners_function_only_after_it_passed(capsys):
    def mine(ema, weights, decay):
        return decay * ema + (1.0 - decay) * weights

    assert nb02.use("ema_update", mine) is nb02.reference_ema_update
    assert "library's ema_update" in capsys.readouterr().out
    nb02.check_ema_update(mine)
    assert nb02.use("ema_update", mine) is mine
    assert capsys.readouterr().out.endswith("Using your ema_update below (it passed its check).\n")


def test_check_function_generic_use(capsys):
    calls = []

    def make_inputs(rng):
        calls.append(rng.normal(size=5))
        return (calls[-1],)

    rel = core.check_function(lambda x: x * (1 + 1e-9), lambda x: x, make_inputs, n_trials=4, name="scaling")
    assert 0 < rel < 1e-8 and len(calls) == 4 and not np.array_equal(calls[0], calls[1])
    assert capsys.readouterr().out == "✓ scaling matches the reference on 4 random inputs\n"
    with pytest.raises(CheckFailed, match="3 times the expected"):
        core.check_function(lambda x: 3 * x, lambda x: x, make_inputs, name="scaling")
    with pytest.raises(CheckFailed, match="sign is flipped"):
        core.check_function(lambda x: -x, lambda x: x, make_inputs, name="scaling")


def test_a_function_that_edits_its_list_inputs_cannot_change_what_the_reference_sees(capsys):
    def receptive_field(kernel_sizes, strides):  # right answer, but pops from the caller's lists
        field = 1
        while kernel_sizes:
            kernel, stride = kernel_sizes.pop(), strides.pop()
            field = field * stride + (kernel - stride)
        return field

    nb06.check_receptive_field(receptive_field)
    assert "✓ receptive_field" in capsys.readouterr().out
    assert nb06.use("receptive_field", receptive_field) is receptive_field  # the learner's own, not a wrapper


def test_exercise_check_remembers_the_learners_function_for_use(capsys):
    from ganstyle_lib.style import networks

    def adain(content, style):
        return networks.adain(content, style)

    nb05.check_adain(adain)
    assert nb05.use("adain", adain) is adain


# -- what a notebook shows -------------------------------------------------------------------------


def test_a_failing_check_shows_the_block_and_no_traceback_in_a_kernel(tmp_path):
    """Run two cells in a real kernel (as Jupyter does) and read what the notebook would display."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from ganstyle_lib.exercises import nb06 as checks\n"
            "def receptive_field(kernel_sizes, strides):\n"
            "    return sum(kernel_sizes) - len(kernel_sizes) + 1\n"
        ),
        nbformat.v4.new_code_cell("checks.check_receptive_field(receptive_field)"),
    ]
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True)
    client.execute(cwd=str(tmp_path))
    errors = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert len(errors) == 1, nb.cells[1].outputs
    shown = "\n".join(errors[0].traceback)
    assert shown.startswith("✗ receptive_field is not right yet")
    assert "strides are ignored" in shown
    for noise in ("Traceback", "File ", "core.py", "---->", "raise "):
        assert noise not in shown, shown
    assert len(errors[0].traceback) <= 6

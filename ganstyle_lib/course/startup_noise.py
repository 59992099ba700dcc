"""TensorFlow's C++ start-up lines, kept out of the executed notebooks learners read.

When TensorFlow loads, its C++ runtime writes a few lines to standard error,
and a Jupyter kernel shows them as the first cell's output, often on a red
background::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1796304620.327813  483 port.cc:153] oneDNN custom operations are on. You may see ...
    I0000 00:00:1796304620.342411  483 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will ...
    E0000 00:00:1796304658.640077  483 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: ...

Most are written *before* TensorFlow sets up its logging, so
``TF_CPP_MIN_LOG_LEVEL`` cannot silence them (it acts only afterwards), and
the only switch that removes the oneDNN line, ``TF_ENABLE_ONEDNN_OPTS=0``,
also turns off the fast CPU kernels. So the notebook runner
(:func:`ganstyle_lib.course.notebooks.execute`, behind ``ganstyle course``, ``tidy``
and ``slides``) removes exactly these known lines from the executed
notebook's stderr outputs with :func:`clean_notebook`. Every other line stays,
including TensorFlow's real warnings and errors: the ``failed call to cuInit``
error is removed only when TensorFlow also said it found no CUDA driver (on a
machine without an NVIDIA GPU it is the expected consequence; with a driver
it is a real problem worth seeing).

One line that is not start-up noise is removed too, because a learner cannot act
on it: when a discriminator has a convolution with a bias straight before a
LeakyReLU (the TensorFlow tutorial's in notebook 02, notebook 03's without batch
norm, notebook 06's patch discriminator), TensorFlow's graph optimiser
(grappler's "remapper", in its oneDNN path: the line does not appear with
``TF_ENABLE_ONEDNN_OPTS=0``) tries to fuse convolution, bias and LeakyReLU into
one CPU kernel, although the training graph's ``LeakyReluGrad`` still needs the
bias output. It notices, logs ``E0000 ... meta_optimizer.cc:...] remapper
failed: ... fanout '.../LeakyReluGrad' exist for missing node '.../BiasAdd'``
and keeps the graph as it was before that pass, so results and speed are those
of a run without the fusion. Switching the remapper off
(``tf.config.optimizer.set_experimental_options({"remapping": False})``) also
avoids it and made no measurable difference to notebook 02's DCGAN step
(102.3 vs 102.2 ms median, 6 interleaved rounds, load 8), but it is
process-wide and would also switch off the fusions that do succeed, e.g. in
VGG19 in notebooks 04-06, so the runner removes the line instead.
"""

from __future__ import annotations

import re

__all__ = [
    "NOISE_PATTERNS",
    "NO_DRIVER_PATTERN",
    "CUINIT_PATTERN",
    "REMAPPER_LEAKY_RELU_PATTERN",
    "clean_text",
    "clean_notebook",
]

# The prefix absl puts before each C++ log line: severity + MMDD, time (TF 2.21 prints epoch seconds
# there, "00:00:1796304620.3"), thread id, file:line]
_PREFIX = r"[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.]+:\d+\] "

NO_DRIVER_PATTERN = re.compile(_PREFIX + r"Could not find cuda drivers on your machine, GPU will not be used\.$")
CUINIT_PATTERN = re.compile(_PREFIX + r"failed call to cuInit: .*$")

#: grappler's remapper giving up a conv + bias + LeakyReLU fusion in a training graph (see the module docstring).
REMAPPER_LEAKY_RELU_PATTERN = re.compile(
    _PREFIX + r"remapper failed: INVALID_ARGUMENT: Mutation::Apply error: "
    r"fanout '[^']*/LeakyRelu/LeakyReluGrad' exist for missing node '[^']*/BiasAdd'\.$"
)

#: Lines that are always noise (informational, on every CPU-only start; the harmless remapper line).
NOISE_PATTERNS = (
    re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$"),
    re.compile(_PREFIX + r"oneDNN custom operations are on\. .*$"),
    NO_DRIVER_PATTERN,
    # cpu_feature_guard: an INFO line and its continuation (shown only with TF_CPP_MIN_LOG_LEVEL=0)
    re.compile(
        _PREFIX + r"This TensorFlow binary is optimized to use available CPU instructions "
        r"in performance-critical operations\.$"
    ),
    re.compile(
        r"To enable the following instructions: .*, in other operations, "
        r"rebuild TensorFlow with the appropriate compiler flags\.$"
    ),
    REMAPPER_LEAKY_RELU_PATTERN,
)


def _is_noise(line: str, no_driver: bool) -> bool:
    line = line.rstrip("\r\n")
    if no_driver and CUINIT_PATTERN.match(line):
        return True
    return any(pattern.match(line) for pattern in NOISE_PATTERNS)


def clean_text(text: str, *, no_driver: bool | None = None) -> str:
    """``text`` without TensorFlow's known start-up lines; every other line is kept unchanged.

    ``no_driver`` says whether TensorFlow reported that it found no CUDA
    driver, which makes the ``cuInit`` error expected; by default it is read
    from ``text`` itself.
    """
    lines = text.splitlines(keepends=True)
    if no_driver is None:
        no_driver = any(NO_DRIVER_PATTERN.match(line.rstrip("\r\n")) for line in lines)
    return "".join(line for line in lines if not _is_noise(line, no_driver))


def _merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same name: a line may arrive split over two."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def clean_notebook(nb):
    """Remove the start-up lines from every stderr output of an executed notebook (in place; returns nb).

    Consecutive stream outputs are merged first (so a split line is seen
    whole); a stderr output left empty is dropped.
    """
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    stderr_text = "".join(
        output.get("text", "")
        for cell in code_cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    )
    no_driver = any(NO_DRIVER_PATTERN.match(line) for line in stderr_text.splitlines())
    for cell in code_cells:
        outputs = _merge_streams(cell.get("outputs", []))
        for output in outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["text"] = clean_text(output["text"], no_driver=no_driver)
        cell.outputs = [
            o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr" and not o["text"])
        ]
    return nb

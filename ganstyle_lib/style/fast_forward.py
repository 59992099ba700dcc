"""A faster forward pass of a trained transformer network on a CPU: the same weights, the same maths, rearranged.

:func:`rewrite` returns a model that shares the network's variables (train the original; the rewrite
follows it) and computes the same function with two of its layers done another way:

* **nearest x2 upsampling then a 3x3 convolution** (:class:`.networks.UpsampleConvLayer`) becomes one
  3x3 convolution at the *low* resolution with four times the output channels, one group per output
  phase ``(row % 2, column % 2)``, followed by ``depth_to_space`` -- the "sub-pixel convolution" of
  Shi et al. (2016). Upsampling by copying pixels means each output phase sees only two distinct rows
  and two distinct columns of the low-resolution input, so its 3x3 kernel collapses to sums of taps
  (:func:`subpixel_taps`); the upsampled tensor (four times the memory) is never made.
* **the last 9x9 convolution** (16 channels in, 3 out) becomes ``space_to_depth`` (2x2 blocks: 64
  channels at half the resolution), a 5x5 convolution to 12 channels, and ``depth_to_space``
  (:func:`space_to_depth_taps`). It does about a quarter more multiply-adds (5 x 5 x 64 x 12 per
  2x2 block against 9 x 9 x 16 x 3 per pixel; the extra taps are zeros), but oneDNN runs a
  convolution with 3 output channels far below its speed with 12.

Measured on the course's 2-core AVX-512 CPU, one 1024 x 683 photograph, bfloat16 (2026-12-03): the
last convolution 70-82 ms -> 34-45 ms, the two upsampling convolutions 45 -> 25 ms and 30 -> 23 ms (numbers in
``benchmarks/RESULTS.md``). The outputs agree with the original network's to float rounding
(``tests/test_fast_forward.py``).

It was written for the CPU and has not been timed on a GPU (the course's machines have none); it uses
only padding, convolution and ``depth_to_space``/``space_to_depth``, which GPUs run too.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from .networks import ConvLayer, UpsampleConvLayer

__all__ = ["rewrite", "subpixel_taps", "space_to_depth_taps"]


def subpixel_taps() -> np.ndarray:
    """``A`` of shape ``(3, 3, 2, 2, 3, 3)``: low-resolution tap ``(i, j)`` of output phase ``(r, s)``
    is the sum of the original taps ``(a, b)`` with ``A[i, j, r, s, a, b] == 1``.

    Why: reflection-padding the upsampled map by one pixel equals edge-padding the low-resolution
    map by one pixel and then upsampling. Output row ``2p + r`` with original tap ``a`` (0, 1, 2) then
    reads padded low-resolution row ``p + (r + a + 1) // 2``: rows ``p, p+1, p+1`` for ``r = 0`` and
    ``p+1, p+1, p+2`` for ``r = 1``. The same holds for columns.
    """
    taps = np.zeros((3, 3, 2, 2, 3, 3), np.float32)
    for r in range(2):
        for s in range(2):
            for a in range(3):
                for b in range(3):
                    taps[(r + a + 1) // 2, (s + b + 1) // 2, r, s, a, b] = 1
    return taps


def space_to_depth_taps(kernel_size: int) -> np.ndarray:
    """``A`` of shape ``(m, m, 2, 2, 2, 2, k, k)`` with ``m = k // 2 + 1`` for a ``k x k`` kernel:
    tap ``(qy, qx)`` of the block convolution, input sub-position ``(sy, sx)``, output phase
    ``(ry, rx)`` holds original tap ``(a, b)`` where ``A[qy, qx, sy, sx, ry, rx, a, b] == 1``.

    Why: output pixel ``2p + ry`` with tap ``a`` reads input row ``2p + ry + a``, which lies in
    2x2 block ``p + (ry + a) // 2`` at sub-row ``(ry + a) % 2``; the same holds for columns.
    """
    k, m = kernel_size, kernel_size // 2 + 1
    taps = np.zeros((m, m, 2, 2, 2, 2, k, k), np.float32)
    for ry in range(2):
        for rx in range(2):
            for a in range(k):
                for b in range(k):
                    taps[(ry + a) // 2, (rx + b) // 2, (ry + a) % 2, (rx + b) % 2, ry, rx, a, b] = 1
    return taps


class SubPixelUpsampleConv(keras.layers.Layer):
    """``original`` (:class:`.networks.UpsampleConvLayer`, x2, 3x3) computed at the low resolution."""

    def __init__(self, original: UpsampleConvLayer, **kwargs: Any) -> None:
        super().__init__(name=f"{original.name}_subpixel", dtype=original.dtype_policy, **kwargs)
        self.original = original
        self.taps = subpixel_taps().reshape(3 * 3 * 2 * 2, 3 * 3)

    def call(self, x):
        conv = self.original.conv
        kernel = ops.cast(conv.kernel, "float32")  # (3, 3, Cin, Cout)
        cin, cout = kernel.shape[2], kernel.shape[3]
        merged = ops.matmul(self.taps, ops.reshape(kernel, (9, cin * cout)))  # (i, j, r, s) x (Cin, Cout)
        merged = ops.reshape(merged, (3, 3, 2, 2, cin, cout))
        merged = ops.reshape(ops.transpose(merged, (0, 1, 4, 2, 3, 5)), (3, 3, cin, 4 * cout))
        bias = ops.tile(ops.cast(conv.bias, "float32"), [4])  # the same bias for every phase
        x = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="symmetric")  # = edge padding by one
        y = ops.conv(x, ops.cast(merged, x.dtype), padding="valid") + ops.cast(bias, x.dtype)
        return tf.nn.depth_to_space(y, 2)


class SpaceToDepthConv(keras.layers.Layer):
    """``original`` (:class:`.networks.ConvLayer`, stride 1, odd ``k``) computed on 2x2 blocks."""

    def __init__(self, original: ConvLayer, **kwargs: Any) -> None:
        super().__init__(name=f"{original.name}_blocks", dtype=original.dtype_policy, **kwargs)
        self.original = original
        k = original.kernel_size
        self.m = k // 2 + 1
        self.taps = space_to_depth_taps(k).reshape(-1, k * k)

    def call(self, x):
        conv, k, m = self.original.conv, self.original.kernel_size, self.m
        kernel = ops.cast(conv.kernel, "float32")  # (k, k, Cin, Cout)
        cin, cout = kernel.shape[2], kernel.shape[3]
        merged = ops.matmul(self.taps, ops.reshape(kernel, (k * k, cin * cout)))
        merged = ops.reshape(merged, (m, m, 2, 2, 2, 2, cin, cout))  # qy, qx, sy, sx, ry, rx, Cin, Cout
        merged = ops.reshape(ops.transpose(merged, (0, 1, 2, 3, 6, 4, 5, 7)), (m, m, 4 * cin, 4 * cout))
        bias = ops.tile(ops.cast(conv.bias, "float32"), [4])
        height, width = ops.shape(x)[1], ops.shape(x)[2]
        p = k // 2  # the original's reflection padding, then one more row/column of zeros if the size is odd
        x = ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")
        x = ops.pad(x, [[0, 0], [0, height % 2], [0, width % 2], [0, 0]])
        blocks = tf.nn.space_to_depth(x, 2)  # channels ordered (sy, sx, c)
        y = ops.conv(blocks, ops.cast(merged, x.dtype), padding="valid") + ops.cast(bias, x.dtype)
        return tf.nn.depth_to_space(y, 2)[:, :height, :width, :]


def rewrite(net: keras.Model) -> keras.Model:
    """``net`` (:func:`.networks.transformer_net`, one style or several) with its x2 upsampling
    convolutions done as sub-pixel convolutions and its last 9x9 convolution on 2x2 blocks.

    Input and output as ``net``'s: ``(B, H, W, 3)`` in [0, 1] (and ``style_weights``), any ``H, W``.
    The rewritten layers read ``net``'s variables when they run, so the rewrite stays right if ``net``
    trains further. Other networks come back unchanged. Measured on the course's 2-core CPU, one
    1024 x 683 photograph through the shipped half-width network in bfloat16 (2026-12-03): 0.43-0.49 s
    -> 0.38-0.40 s with the instance-norm folding (``benchmarks/RESULTS.md``, "Shipped style networks",
    "Speed after rearranging the network for the CPU").
    """
    kinds = {type(layer) for layer in net.layers}
    if UpsampleConvLayer not in kinds:
        return net

    def replace(layer: keras.layers.Layer) -> keras.layers.Layer:
        if type(layer) is UpsampleConvLayer and layer.upsample == 2 and layer.kernel_size == 3:
            return SubPixelUpsampleConv(layer)
        if type(layer) is ConvLayer and layer.strides == 1 and layer.kernel_size % 2 and layer.filters < 8:
            return SpaceToDepthConv(layer)  # few output channels: the slow case
        return layer  # shared, not copied

    return keras.models.clone_model(net, clone_function=replace)

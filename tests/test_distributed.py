"""Several devices and several machines, proven on one CPU (issue 11).

* 2 logical CPUs + MirroredStrategy: the stylisation trainer, set up with the one
  settings line ``device.configure(strategy="mirrored")`` and trained with ``fit()``,
  matches one device with the same global batch (the GAN's twin test is in
  test_gan_training.py);
* two worker processes on 127.0.0.1 with ``TF_CONFIG`` and
  MultiWorkerMirroredStrategy run ``python -m ganstyle_lib.distributed``: both end
  with identical weights and the chief's checkpoint restores into a fresh GAN.

Logical devices and worker processes must be set up before TensorFlow starts, so
both run in subprocesses, each bounded by a timeout that fails with a message.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 240  # seconds for a whole subprocess run on 2 busy cores; a hung worker fails the test


def _env(**extra):
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **extra)


def _free_ports(n):
    """n distinct ports free on 127.0.0.1 right now (the OS picks them)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.mark.slow
def test_stylization_trainer_on_two_replicas_matches_one_device():
    """PerceptualTrainer: 3 fit() steps of global batch 4 on 2 replicas == on 1 device.

    Plain SGD, so a weight difference measures a gradient difference (Adam divides by the
    root of its second moment and turns round-off in near-zero gradients -- e.g. the biases
    that instance norm subtracts again -- into full-size steps). The steps move weights by
    ~0.1; every weight must agree within atol 1e-4 / rtol 1e-3 (measured: ~1e-5) and the
    trained network's output on a fixed batch within 5e-4 in [0, 1]. A replica using the
    wrong loss scale (1 instead of 1/2) or a wrong share of the batch misses by far more.
    """
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT / "tests")!r})
        import numpy as np, tensorflow as tf
        from ganstyle_lib import device
        device.split_cpu(2)
        tf.config.optimizer.set_experimental_options({{"disable_meta_optimizer": True}})
        from ganstyle_lib.style import features, networks, training
        from test_style_training import _style, _content
        probe = tf.random.stateless_uniform((2, 24, 24, 3), seed=(1, 2))
        STYLE = ("block1_conv1", "block2_conv1")
        SGD_LR = 0.02  # with the default weights (content 5, style 1) 3 steps at 0.01 moved the weights < 1e-2

        def train(strategy_kind):
            strategy = device.configure(strategy=strategy_kind)   # the one settings line
            tf.keras.utils.set_random_seed(0)
            # VGG19 cut at block2 (relu1_1, relu2_1 style; relu2_2 content): the same code, 1/4 the cost
            extractor = features.VGGFeatures(STYLE + training.CONTENT_LAYERS, weights="untrained")
            net = networks.transformer_net(0.125, residual_output=True)
            start = {{v.path: v.numpy() for v in net.weights}}
            trainer = training.PerceptualTrainer(net, _style(0), extractor=extractor, style_layers=STYLE)
            trainer.compile(tf.keras.optimizers.SGD(SGD_LR))
            ds = training.content_dataset(_content(), crop=24, batch_size=4, seed=0)
            history = trainer.fit(ds, epochs=1, steps_per_epoch=3, verbose=0)
            return (strategy.num_replicas_in_sync, history.history["loss"][-1], net(probe).numpy(),
                    {{v.path: v.numpy() for v in net.weights}}, start)

        n1, loss1, out1, one, start = train("default")
        n2, loss2, out2, two, _ = train("mirrored")
        device.configure(strategy="default")
        assert (n1, n2) == (1, 2), (n1, n2)
        assert np.isfinite(loss2) and abs(loss1 - loss2) <= 1e-4 * abs(loss1), (loss1, loss2)
        assert one.keys() == two.keys() and len(one) > 30
        moved = max(float(np.max(np.abs(one[k] - start[k]))) for k in one)
        worst = max(float(np.max(np.abs(one[k] - two[k]))) for k in one)
        print(f"moved {{moved:.3g}}, worst weight difference {{worst:.3g}}, "
              f"output difference {{float(np.max(np.abs(out1 - out2))):.3g}}")
        assert moved > 1e-2, moved  # the steps really changed the network
        np.testing.assert_allclose(out2, out1, atol=5e-4)
        for name in one:
            np.testing.assert_allclose(two[name], one[name], rtol=1e-3, atol=1e-4, err_msg=name)
        print("OK")
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=TIMEOUT, env=_env(), cwd=str(ROOT)
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "OK" in out.stdout


@pytest.mark.slow
def test_two_workers_end_identical_and_the_chiefs_checkpoint_restores(tmp_path):
    """MultiWorkerMirroredStrategy with 2 processes on 127.0.0.1, 3 steps of the tiny DCGAN."""
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        cmd = [
            sys.executable,
            "-m",
            "ganstyle_lib.distributed",
            "--steps",
            "3",
            "--batch-size",
            "8",
            "--width",
            "8",
            "--d-width",
            "4",
            "--latent",
            "8",
            "--limit",
            "64",
            "--out",
            str(tmp_path / "ckpt"),
            "--dump-weights",
            str(tmp_path / f"worker{index}.npz"),
        ]
        log = open(tmp_path / f"worker{index}.log", "w")
        procs.append(
            (
                subprocess.Popen(
                    cmd,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=str(ROOT),
                    env=_env(TF_CONFIG=tf_config, GANSTYLE_STRATEGY="auto"),
                ),
                log,
            )
        )
    deadline = time.monotonic() + TIMEOUT
    try:
        for proc, _ in procs:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass
    finally:
        hung = [i for i, (proc, _) in enumerate(procs) if proc.poll() is None]
        for proc, log in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
            log.close()
    logs = {i: (tmp_path / f"worker{i}.log").read_text() for i in range(2)}
    tails = {i: text[-2500:] for i, text in logs.items()}
    assert not hung, f"worker(s) {hung} did not finish within {TIMEOUT} s; logs: {tails}"
    assert [p.returncode for p, _ in procs] == [0, 0], tails
    assert "2 replica(s) (MultiWorkerMirroredStrategy) | chief: True" in logs[0], tails[0]
    assert "chief: False" in logs[1], tails[1]

    chief, other = np.load(tmp_path / "worker0.npz"), np.load(tmp_path / "worker1.npz")
    assert int(chief["step"]) == int(other["step"]) == 3
    names = [f"arr_{i}" for i in range(len(chief.files) - 1)]  # np.savez's names, in saving order
    assert len(names) > 20 and sorted(chief.files) == sorted(other.files)
    for k in names:  # synchronous training: every weight and moment identical on both machines
        np.testing.assert_array_equal(chief[k], other[k], err_msg=k)
    # only the chief's checkpoint is kept; the other worker's scratch copy is gone
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ckpt")) == []

    # the chief's checkpoint restores into a fresh single-device GAN
    import keras

    from ganstyle_lib.gan import callbacks, models
    from ganstyle_lib.gan.training import GAN

    fresh = GAN(models.dcgan_generator(8, 8, seed=11), models.dcgan_discriminator(4, seed=12), ema_decay=0.99, seed=13)
    fresh.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    ckpt = callbacks.GANCheckpoint(fresh, tmp_path / "ckpt")
    assert ckpt.manager.latest_checkpoint, "the chief wrote no checkpoint"
    ckpt.restore()
    assert int(fresh.step.numpy()) == 3
    restored = [v.numpy() for net in (fresh.generator, fresh.discriminator, fresh.ema_generator) for v in net.weights]
    restored += [v.numpy() for opt in (fresh.d_optimizer, fresh.g_optimizer) for v in opt.variables]
    assert len(restored) == len(names)
    for k, value in zip(names, restored):
        np.testing.assert_array_equal(value, chief[k], err_msg=k)


def test_custom_loop_on_one_device_matches_fit(tmp_path):
    """train_steps(gan.gan_step) is fit() without Keras' loop: same weights after 3 steps."""
    import tensorflow as tf
    from test_gan_training import all_state, dataset, fake_digits, make_gan

    from ganstyle_lib import distributed
    from ganstyle_lib.gan import callbacks

    x = fake_digits(24)
    by_fit, by_loop = make_gan(), make_gan()
    by_fit.fit(dataset(x), epochs=1, verbose=0)
    seen = []
    history = distributed.train_steps(by_loop.gan_step, dataset(x), 3, on_step=lambda i, logs: seen.append(i))
    assert seen == [1, 2, 3] and set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(len(v) == 3 and np.isfinite(v).all() for v in history.values())
    for u, v in zip(all_state(by_fit), all_state(by_loop)):
        np.testing.assert_allclose(v, u, rtol=1e-5, atol=1e-6)
    assert distributed.is_chief(tf.distribute.get_strategy())
    path = distributed.save_on_all_workers(lambda d: callbacks.GANCheckpoint(by_loop, d).save(), tmp_path / "ck")
    assert Path(path).parent == tmp_path / "ck"

"""Pick a ``tf.distribute`` strategy for the machine at hand (chapter 5) and the settings that go with it.

``pick_strategy()`` looks for accelerators in this order and says what it found:

1. a TPU attached to this machine, through ``TPUClusterResolver(tpu="local")`` (Colab's TPU runtimes are
   TPU VMs since 2024; the old ``COLAB_TPU_ADDR`` variable is gone) -> ``TPUStrategy``;
2. two or more GPUs -> ``MirroredStrategy`` over them;
3. otherwise (one GPU or only the CPU) -> TensorFlow's default strategy, which runs on one device.

The helpers then adapt a training run to the strategy: bfloat16 mixed precision and
``steps_per_execution`` on TPUs. This module is for Keras on the TensorFlow backend; on the JAX backend
(Colab's TPU runtimes, which have no TensorFlow) chapter 5 uses ``keras.distribution`` instead.

What was verified where: the CPU path and ``MirroredStrategy`` over two logical CPU devices were run in
this repository's tests (TensorFlow 2.21, Keras 3.15). The TPU and GPU branches are tested with TensorFlow's
resolver and device listing stubbed, so they were *not* run on real hardware here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

# A tf.distribute.Strategy; TensorFlow ships no type information, so to a type checker it is Any.
Strategy: TypeAlias = Any

# steps_per_execution for TPUs: TensorFlow's TPU guide recommends running many steps per call there,
# because each call from Python to the TPU has a fixed cost. Not measured in this repository (no TPU).
TPU_STEPS_PER_EXECUTION = 32


def pick_strategy(tpu: str | None = "local", log: Callable[[str], object] | None = print) -> Strategy:
    """Return the best ``tf.distribute`` strategy for this machine and report what was found.

    Args:
        tpu: the ``tpu`` argument of ``TPUClusterResolver``; ``"local"`` means a TPU attached to this
            machine (a TPU VM, as in Colab). ``None`` skips the TPU search.
        log: function that receives the one-line report (``print`` by default; ``None`` stays silent).

    Returns:
        a ``tf.distribute.TPUStrategy`` (TPU found), a ``tf.distribute.MirroredStrategy`` (two or more
        GPUs) or the default strategy ``tf.distribute.get_strategy()`` (one GPU or CPU only).

    Raises:
        ValueError: ``tpu`` is neither ``None`` nor a non-empty string.
    """
    import tensorflow as tf

    if tpu is not None and (not isinstance(tpu, str) or not tpu):
        raise ValueError(f"tpu should be a TPU name such as 'local', or None to skip TPUs; got {tpu!r}.")
    report: Callable[[str], object] = log if log is not None else (lambda message: None)

    reason = "TPU search skipped"
    if tpu is not None:
        logger = tf.get_logger()  # the TPU search logs two INFO lines even when there is no TPU
        level = logger.level
        logger.setLevel("WARNING")
        try:
            strategy, reason = _connect_tpu(tf, tpu)
        finally:
            logger.setLevel(level)
        if strategy is not None:
            report(f"TPU found ({tpu}): TPUStrategy with {strategy.num_replicas_in_sync} replicas (TPU cores) in sync.")
            return strategy

    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) >= 2:
        strategy = tf.distribute.MirroredStrategy([gpu.name for gpu in gpus])
        report(
            f"No TPU ({reason}). {len(gpus)} GPUs found: MirroredStrategy with "
            f"{strategy.num_replicas_in_sync} replicas in sync."
        )
        return strategy
    strategy = tf.distribute.get_strategy()
    device = f"one GPU ({gpus[0].name})" if gpus else "no GPU, so the CPU"
    report(f"No TPU ({reason}); {device}: the default strategy, 1 replica.")
    return strategy


def _connect_tpu(tf: Any, tpu: str) -> tuple[Strategy | None, str]:
    """Return ``(TPUStrategy, "")`` for a reachable TPU, else ``(None, why not)``."""
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.NotFoundError, tf.errors.InvalidArgumentError, tf.errors.UnavailableError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return None, _shorten(first_line)
    return tf.distribute.TPUStrategy(resolver), ""


def _shorten(text: str, limit: int = 80) -> str:
    """``text`` itself, or its first ``limit - 3`` characters and "..." if it is longer than ``limit``."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_tpu_strategy(strategy: Strategy) -> bool:
    """Return ``True`` if ``strategy`` runs on TPUs (a ``TPUStrategy``), else ``False``."""
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.TPUStrategy)


def precision_policy(strategy: Strategy) -> str:
    """Name Keras's mixed-precision policy for ``strategy``: ``"mixed_bfloat16"`` on TPUs, else ``"float32"``.

    TPUs compute in bfloat16 natively (same exponent range as float32, so no loss scaling is needed);
    variables stay float32. On CPUs bfloat16 is usually slower, so the policy stays float32 there. This
    only returns the name: apply it yourself with ``keras.mixed_precision.set_global_policy(name)`` before
    building the model (it changes every layer created afterwards) and set ``"float32"`` back after.
    """
    return "mixed_bfloat16" if is_tpu_strategy(strategy) else "float32"


def steps_per_execution(strategy: Strategy, tpu_steps: int = TPU_STEPS_PER_EXECUTION) -> int:
    """Return the ``steps_per_execution`` to pass to ``model.compile`` under ``strategy``.

    ``tpu_steps`` on TPUs, where one call from Python to the device per step wastes most of the time;
    1 everywhere else. It stays 1 off TPUs on purpose: with TensorFlow 2.21 and Keras 3.15 a model
    compiled with ``steps_per_execution=4`` under ``MirroredStrategy`` failed in ``fit`` ("You must feed
    a value for placeholder tensor"), and on one device it gains little.

    Raises:
        ValueError: ``tpu_steps`` is not a positive integer.
    """
    if not isinstance(tpu_steps, int) or isinstance(tpu_steps, bool) or tpu_steps < 1:
        raise ValueError(f"tpu_steps must be a positive integer, got {tpu_steps!r}.")
    return tpu_steps if is_tpu_strategy(strategy) else 1

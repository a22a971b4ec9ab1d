"""course_utils.distribute: each branch of the strategy picker and the helpers that follow the strategy.

The machine running the tests has neither TPU nor GPU, so the "none" branch runs for real. For the TPU and
GPU branches only TensorFlow's boundary is stubbed: the TPU resolver and TPU system calls (plus
``TPUStrategy`` itself, which cannot be built without TPU devices), and the listing of GPU devices.
``MirroredStrategy`` is real.
"""

import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from course_utils import distribute  # noqa: E402


class _Log(list):
    def __call__(self, message):
        self.append(message)


@pytest.fixture()
def no_tpu(monkeypatch):
    """A machine without TPU: the resolver raises the error TensorFlow gives when it finds no TPU."""

    def resolver(tpu=None, **kwargs):
        raise ValueError("Please provide a TPU Name to connect to.")

    monkeypatch.setattr(tf.distribute.cluster_resolver, "TPUClusterResolver", resolver)


@pytest.fixture()
def fake_tpu(monkeypatch):
    """A TPU VM with 8 cores: records how the resolver and the TPU system were called."""
    calls = []

    class Resolver:
        def __init__(self, tpu=None, **kwargs):
            calls.append(("resolver", tpu))

    class TPUStrategy:
        num_replicas_in_sync = 8

        def __init__(self, resolver):
            calls.append(("strategy", type(resolver).__name__))

    monkeypatch.setattr(tf.distribute.cluster_resolver, "TPUClusterResolver", Resolver)
    monkeypatch.setattr(tf.config, "experimental_connect_to_cluster", lambda r: calls.append(("connect",)))
    monkeypatch.setattr(tf.tpu.experimental, "initialize_tpu_system", lambda r: calls.append(("initialize",)))
    monkeypatch.setattr(tf.distribute, "TPUStrategy", TPUStrategy)
    return calls


def _gpus(monkeypatch, count):
    real = tf.config.list_logical_devices

    def listing(device_type=None):
        if device_type == "GPU":
            return [tf.config.LogicalDevice(name=f"/device:GPU:{i}", device_type="GPU") for i in range(count)]
        return real(device_type)

    monkeypatch.setattr(tf.config, "list_logical_devices", listing)


def test_tpu_found_gives_tpu_strategy_and_tpu_settings(fake_tpu):
    log = _Log()
    strategy = distribute.pick_strategy(log=log)
    assert fake_tpu == [("resolver", "local"), ("connect",), ("initialize",), ("strategy", "Resolver")]
    assert distribute.is_tpu_strategy(strategy) and strategy.num_replicas_in_sync == 8
    assert log == ["TPU found (local): TPUStrategy with 8 replicas (TPU cores) in sync."]
    assert distribute.steps_per_execution(strategy) == distribute.TPU_STEPS_PER_EXECUTION
    assert distribute.steps_per_execution(strategy, tpu_steps=50) == 50
    assert distribute.precision_policy(strategy) == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32", "naming the policy must not apply it"


def test_several_gpus_give_mirrored_strategy(no_tpu, monkeypatch):
    _gpus(monkeypatch, 2)
    log = _Log()
    strategy = distribute.pick_strategy(log=log)
    assert isinstance(strategy, tf.distribute.MirroredStrategy)
    assert strategy.num_replicas_in_sync == 2
    assert [d.split("/")[-1] for d in strategy.extended.worker_devices] == ["device:GPU:0", "device:GPU:1"]
    assert len(log) == 1 and "2 GPUs found: MirroredStrategy with 2 replicas" in log[0]
    assert "Please provide a TPU Name" in log[0], "the report says why no TPU was used"
    assert distribute.steps_per_execution(strategy) == 1
    assert distribute.precision_policy(strategy) == "float32"


def test_one_gpu_gives_default_strategy(no_tpu, monkeypatch):
    _gpus(monkeypatch, 1)
    log = _Log()
    strategy = distribute.pick_strategy(log=log)
    assert strategy is tf.distribute.get_strategy() and strategy.num_replicas_in_sync == 1
    assert "one GPU (/device:GPU:0)" in log[0] and "default strategy" in log[0]


def test_nothing_found_on_this_machine_gives_default_strategy():
    """No stubs: this CPU-only machine has no TPU (the real resolver and TPU system say so) and no GPU."""
    log = _Log()
    strategy = distribute.pick_strategy(log=log)
    assert strategy is tf.distribute.get_strategy()
    assert not distribute.is_tpu_strategy(strategy)
    assert len(log) == 1 and log[0].startswith("No TPU (") and "no GPU, so the CPU" in log[0]
    assert distribute.steps_per_execution(strategy) == 1
    assert distribute.precision_policy(strategy) == "float32"


def test_tpu_search_can_be_skipped_and_log_silenced(capsys):
    strategy = distribute.pick_strategy(tpu=None, log=None)
    assert strategy.num_replicas_in_sync == 1
    assert capsys.readouterr().out == ""
    distribute.pick_strategy(tpu=None)
    assert "TPU search skipped" in capsys.readouterr().out


@pytest.mark.parametrize("tpu", ["", 3])
def test_pick_strategy_rejects_bad_tpu_name(tpu):
    with pytest.raises(ValueError, match="tpu should be"):
        distribute.pick_strategy(tpu=tpu)


def test_steps_per_execution_rejects_bad_input():
    with pytest.raises(ValueError, match="positive integer"):
        distribute.steps_per_execution(tf.distribute.get_strategy(), tpu_steps=0)

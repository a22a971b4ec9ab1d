"""The drawings of chapter 5's section on accelerators: what they say, that they read, that they close, and that
the drawing modules import without TensorFlow (Colab's TPU runtimes have none)."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from course_utils.diagrams import base, hardware


def test_data_parallelism_shows_slices_replicas_and_the_all_reduce():
    fig = hardware.draw_data_parallelism(replicas=3)
    shown = "\n".join(base.texts(fig))
    expected = (
        "slice 3 of the batch",
        "replica 2:",
        "gradient g1",
        "all-reduce: every replica receives g = (g1 + g2 + g3) / 3",
        "global batch = 3 × the per-replica batch",
        "w ← w − η·g",
    )
    for text in expected:
        assert text in shown, text
    assert "replica 4" not in shown
    assert all(base.readable(to_hex(t.get_color())) for t in fig.axes[0].texts)
    plt.close(fig)
    assert not plt.fignum_exists(fig.number)


def test_the_systolic_array_has_one_weight_per_cell_and_one_output_per_column():
    fig = hardware.draw_systolic_array(size=3)
    shown = base.texts(fig)
    assert [t for t in shown if t.startswith("w")] == [f"w{r}{c}\n×, +" for r in (1, 2, 3) for c in (1, 2, 3)]
    assert [t for t in shown if t.startswith("y")] == ["y1", "y2", "y3"]
    assert any("9 products per cycle" in t for t in shown)
    assert any("128 × 128" in t for t in shown)
    assert all(base.readable(to_hex(t.get_color())) for t in fig.axes[0].texts)
    plt.close(fig)
    assert not plt.fignum_exists(fig.number)


@pytest.mark.parametrize(
    "draw, argument", [(hardware.draw_data_parallelism, {"replicas": 1}), (hardware.draw_systolic_array, {"size": 9})]
)
def test_sizes_that_do_not_fit_a_page_are_refused(draw, argument):
    with pytest.raises(ValueError, match="must fit a page"):
        draw(**argument)


def test_the_drawing_modules_import_no_tensorflow():
    code = (
        "import sys; import course_utils.diagrams.architectures, course_utils.diagrams.hardware; "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'imported TensorFlow'"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

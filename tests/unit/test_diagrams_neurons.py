import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import Circle

from course_utils.diagrams import base, neurons


def _colors_of_texts(fig):
    return [t.get_color() for ax in fig.axes for t in [ax.title, *ax.texts] if t.get_text()]


def test_a_neuron_shows_its_inputs_weights_bias_sum_and_score_in_readable_ink():
    fig = neurons.draw_neuron(inputs=784)
    texts = base.texts(fig)
    for expected in ("$x_{1}$", "$x_{784}$", "$W_{1k}$", "$W_{784k}$", "bias $b_{k}$", "Σ", "784 inputs"):
        assert expected in texts, (expected, texts)
    assert any(text.startswith("score $z_{k}$") for text in texts)
    assert any("+ b_{k}$" in text and text.startswith("$z_{k} =") for text in texts), "the formula under it"
    assert all(base.readable(color) for color in _colors_of_texts(fig))
    plt.close(fig)
    assert not plt.fignum_exists(fig.number)


def test_a_neuron_with_an_activation_passes_its_sum_through_it():
    fig = neurons.draw_neuron(inputs=100, unit="j", activation="ReLU")
    texts = base.texts(fig)
    assert "ReLU" in texts and "$x_{100}$" in texts and "$W_{100j}$" in texts
    assert any("ReLU$(z_{j})$" in text for text in texts)
    assert not any(text.startswith("score") for text in texts), "an activated unit gives an output, not a score"
    plt.close(fig)


@pytest.mark.parametrize("inputs", [2, 2.5, 0])
def test_a_neuron_needs_at_least_three_whole_inputs(inputs):
    with pytest.raises(ValueError, match="at least 3"):
        neurons.draw_neuron(inputs=inputs)
    plt.close("all")


def test_a_dense_network_labels_each_layer_with_its_parameter_count_and_the_total():
    fig = neurons.draw_dense_network((784, 400, 100, 10), ("ReLU", "ReLU", None))
    texts = base.texts(fig)
    for expected in (
        "784·400 + 400\n= 314,000",
        "400·100 + 100\n= 40,100",
        "100·10 + 10\n= 1,010",
        "parameters in all: 355,110",
        "Dense(400)\nReLU",
        "Dense(10)\nno activation",
        "Softmax\n10 outputs",
        "784 inputs",
    ):
        assert expected in texts, (expected, texts)
    assert all(base.readable(color) for color in _colors_of_texts(fig))
    plt.close(fig)


def test_a_dense_network_draws_every_unit_of_a_small_layer_and_elides_a_large_one():
    fig = neurons.draw_dense_network((2, 3, 40), ("ReLU", None), output=None, shown=4)
    circles = [patch for patch in fig.axes[0].patches if isinstance(patch, Circle)]
    assert len(circles) == 2 + 3 + 4  # 40 units: three first ones and the last, with an ellipsis
    assert base.texts(fig).count("⋮") == 1
    lines = fig.axes[0].lines
    assert len(lines) == 2 * 3 + 3 * 4, "every drawn unit is joined to every drawn unit of the next column"
    assert "parameters in all: 169" in base.texts(fig)  # 2 * 3 + 3 and 3 * 40 + 40
    plt.close(fig)


@pytest.mark.parametrize(
    "sizes, activations, shown, message",
    [
        ((784,), (), 4, "at least one layer"),
        ((784, 0), (None,), 4, "at least 1"),
        ((784, 10), ("ReLU", None), 4, "one activation"),
        ((784, 10), (None,), 1, "shown should be at least 2"),
    ],
)
def test_a_dense_network_refuses_what_it_cannot_draw(sizes, activations, shown, message):
    with pytest.raises(ValueError, match=message):
        neurons.draw_dense_network(sizes, activations, shown=shown)
    plt.close("all")

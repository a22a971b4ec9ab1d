import matplotlib.colors
import matplotlib.pyplot as plt
import pytest

from course_utils.diagrams import base, transfer


def test_the_drawing_cuts_the_source_and_freezes_what_it_keeps():
    fig = transfer.draw_transfer(new_classes="our 5 classes")
    shown = base.texts(fig)
    assert "cut here" in shown and "new head: Dense + softmax" in shown
    assert "output: 1,000 ImageNet classes" in shown and "output: our 5 classes" in shown
    assert shown.count("convolutions: textures") == 2  # in the source and, frozen, in the new network
    frozen = [
        patch
        for patch in fig.axes[0].patches
        if matplotlib.colors.to_hex(patch.get_facecolor()) == base.FILLS["frozen"]
    ]
    assert len(frozen) == len(transfer.SOURCE_EXTRACTOR)
    assert all(base.readable(text.get_color()) for text in fig.axes[0].texts)
    plt.close(fig)
    assert fig.number not in plt.get_fignums()


def test_the_drawing_needs_an_extractor():
    with pytest.raises(ValueError, match="at least one convolutional stage"):
        transfer.draw_transfer(extractor=())

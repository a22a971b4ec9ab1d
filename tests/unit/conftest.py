"""What every unit test of course_utils's plots shares: matplotlib draws off screen (Agg), and each test's
figures are closed after it."""

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")

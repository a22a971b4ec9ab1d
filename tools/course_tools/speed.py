"""The machine's speed right now, the figure every measured time of the course is quoted with.

The same machine runs the same notebook two to four times slower at another hour (shared hosts), so a time
means something only next to this figure: GFLOP/s of float32 matrix products in NumPy.
"""

import time


def machine_speed(seconds: float = 2.0, size: int = 512) -> float:
    """GFLOP/s of float32 ``size`` x ``size`` matrix products in NumPy, repeated for about ``seconds``."""
    import numpy as np

    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    products, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ a
        products += 1
    return products * 2 * size**3 / (time.perf_counter() - start) / 1e9

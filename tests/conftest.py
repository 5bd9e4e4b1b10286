"""Settings for the whole test suite."""

import matplotlib.pyplot as plt
import pytest
import torch

# The PyTorch reference models in these tests are tiny: one thread is fastest, and several
# threads spinning on a busy machine made some tests 50 times slower.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def close_figures():
    """Every test starts without open figures: the plot routines' figures are closed after it."""
    yield
    plt.close("all")

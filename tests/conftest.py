"""Settings for the whole test suite."""

import matplotlib.pyplot as plt
import pytest
import torch
from figure_rules import figure_problems

FIGURE_TESTS = ("test_figures_", "test_widgets_", "test_plotting")

# The PyTorch reference models in these tests are tiny: one thread is fastest, and several
# threads spinning on a busy machine made some tests 50 times slower.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def close_figures(request):
    """Every test starts without open figures: the plot routines' figures are closed after it.
    The figures a test of a figure or a control leaves open must fit the notebook column and
    have readable text (figure_rules)."""
    yield
    try:
        if request.node.module.__name__.split(".")[-1].startswith(FIGURE_TESTS):
            problems = {number: figure_problems(plt.figure(number)) for number in plt.get_fignums()}
            problems = {number: found for number, found in problems.items() if found}
            assert not problems, f"figures a reader cannot read: {problems}"
    finally:
        plt.close("all")

"""Settings for the whole test suite."""

import torch

# The PyTorch reference models in these tests are tiny: one thread is fastest, and several
# threads spinning on a busy machine made some tests 50 times slower.
torch.set_num_threads(1)

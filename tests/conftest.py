"""Test-session settings.

The networks in the tests are tiny: one intra-op thread is as fast as two,
and on a 2-core machine shared with another busy process PyTorch's thread
pool spin-waits (a 0.04 s fit was measured at over 10 s). joblib's workers
already get one thread each.
"""

import torch

torch.set_num_threads(1)

"""Shared test set-up: every device test runs on "cpu" and, where a GPU and cupy
are present, on "cuda"; the cuda cases skip with a reason elsewhere."""
import pytest

import minigrad
from minigrad.array_module import cuda_available

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not cuda_available(), reason="needs cupy and an NVIDIA GPU")),
]


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


@pytest.fixture(autouse=True)
def _seeded():
    """Each test starts from the same random state."""
    minigrad.manual_seed(0)

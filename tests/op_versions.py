"""The `op_version` fixture: a test that takes it runs once with the fast ops (the
default) and once with the reference ops (minigrad.ops.use_reference)."""
import pytest

import minigrad


@pytest.fixture(params=["fast", "reference"])
def op_version(request):
    with minigrad.ops.use_reference(request.param == "reference"):
        yield request.param

"""minigrad/ops/fast/hugepages.py: numpy's huge-page madvise is turned off on import only where
the kernel would compact memory inside the page fault, and never against the user's own
NUMPY_MADVISE_HUGEPAGE."""
import os

import numpy as np
import pytest

from minigrad.ops.fast import hugepages


def sysfs(tmp_path, enabled, defrag):
    (tmp_path / "enabled").write_text(enabled + "\n")
    (tmp_path / "defrag").write_text(defrag + "\n")
    return str(tmp_path)


@pytest.mark.parametrize("enabled, defrag, stalls", [
    ("always [madvise] never", "always defer defer+madvise [madvise] never", True),  # this VM's
    ("always [madvise] never", "always defer [defer+madvise] madvise never", True),
    ("always [madvise] never", "[always] defer defer+madvise madvise never", True),
    ("always [madvise] never", "always [defer] defer+madvise madvise never", False),  # compaction in the background
    ("always [madvise] never", "always defer defer+madvise madvise [never]", False),
    ("always madvise [never]", "always defer defer+madvise [madvise] never", False),  # no huge pages at all
    ("[always] madvise never", "always defer defer+madvise [madvise] never", False),  # numpy's madvise changes nothing
])
def test_compacts_on_demand_reads_the_bracketed_policies(tmp_path, enabled, defrag, stalls):
    assert hugepages.compacts_on_demand(sysfs(tmp_path, enabled, defrag)) is stalls


def test_no_sysfs_means_no_change(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(hugepages, "numpy_switch", lambda: calls.append)
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    assert hugepages.policy("defrag", str(tmp_path / "missing")) is None
    assert not hugepages.avoid_compaction_stalls(str(tmp_path / "missing")) and calls == []


def test_turns_numpys_madvise_off_where_it_would_stall(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(hugepages, "numpy_switch", lambda: calls.append)
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    folder = sysfs(tmp_path, "always [madvise] never", "always defer defer+madvise [madvise] never")
    assert hugepages.avoid_compaction_stalls(folder) and calls == [False]


@pytest.mark.parametrize("value", ["0", "1"])
def test_the_users_numpy_madvise_hugepage_wins(tmp_path, monkeypatch, value):
    calls = []
    monkeypatch.setattr(hugepages, "numpy_switch", lambda: calls.append)
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", value)
    folder = sysfs(tmp_path, "always [madvise] never", "always defer defer+madvise [madvise] never")
    assert not hugepages.avoid_compaction_stalls(folder) and calls == []


def test_numpys_own_switch_is_found_and_the_import_applied_the_policy(monkeypatch):
    """The real thing: numpy's setter exists, and on this machine minigrad's import left numpy's
    madvise off exactly where the kernel compacts on demand and the user chose nothing."""
    switch = hugepages.numpy_switch()
    assert switch is not None
    current = switch(False)
    switch(current)  # read it back unchanged
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ and hugepages.compacts_on_demand():
        assert current is False
    assert np.ones(1 << 21, np.float32).sum() == 1 << 21  # arrays of 8 MB still work either way

"""minigrad/ops/fast/page_faults.py: numpy's huge-page madvise is turned off on import only where
the kernel would compact memory inside the page fault, and never against the user's own
NUMPY_MADVISE_HUGEPAGE."""
import os

import numpy as np
import pytest

from minigrad.ops.fast import page_faults


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
    assert page_faults.compacts_on_demand(sysfs(tmp_path, enabled, defrag)) is stalls


def test_no_sysfs_means_no_change(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(page_faults, "numpy_switch", lambda: calls.append)
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    assert page_faults.policy("defrag", str(tmp_path / "missing")) is None
    assert not page_faults.avoid_compaction_stalls(str(tmp_path / "missing")) and calls == []


def test_turns_numpys_madvise_off_where_it_would_stall(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(page_faults, "numpy_switch", lambda: calls.append)
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    folder = sysfs(tmp_path, "always [madvise] never", "always defer defer+madvise [madvise] never")
    assert page_faults.avoid_compaction_stalls(folder) and calls == [False]


@pytest.mark.parametrize("value", ["0", "1"])
def test_the_users_numpy_madvise_hugepage_wins(tmp_path, monkeypatch, value):
    calls = []
    monkeypatch.setattr(page_faults, "numpy_switch", lambda: calls.append)
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", value)
    folder = sysfs(tmp_path, "always [madvise] never", "always defer defer+madvise [madvise] never")
    assert not page_faults.avoid_compaction_stalls(folder) and calls == []


def test_numpys_own_switch_is_found_and_the_import_applied_the_policy(monkeypatch):
    """The real thing: numpy's setter exists, and on this machine minigrad's import left numpy's
    madvise off exactly where the kernel compacts on demand and the user chose nothing."""
    assert page_faults.numpy_switch() is not None
    current = page_faults.numpy_madvise()
    assert page_faults.numpy_madvise() is current  # reading it leaves it as it was
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ and page_faults.compacts_on_demand():
        assert current is False
    assert np.ones(1 << 21, np.float32).sum() == 1 << 21  # arrays of 8 MB still work either way


def test_keep_freed_memory_respects_glibcs_own_switches(monkeypatch):
    calls = []

    class FakeGlibc:
        def gnu_get_libc_version(self):
            return b"2.36"

        def mallopt(self, param, value):
            calls.append((param, value))
            return 1
    monkeypatch.setattr(page_faults, "glibc", lambda: FakeGlibc())
    for name in page_faults.GLIBC_SWITCHES:
        monkeypatch.delenv(name, raising=False)
    assert page_faults.keep_freed_memory()
    assert calls == [(page_faults.M_TRIM_THRESHOLD, 1 << 30), (page_faults.M_MMAP_THRESHOLD, 32 << 20)]
    calls.clear()
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert not page_faults.keep_freed_memory() and calls == []
    monkeypatch.setattr(page_faults, "glibc", lambda: None)  # musl, macOS: nothing to set
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    assert not page_faults.keep_freed_memory()


@pytest.mark.skipif(page_faults.glibc() is None or any(n in os.environ for n in page_faults.GLIBC_SWITCHES),
                    reason="glibc's malloc, with minigrad's setting (none of glibc's own switches set)")
def test_a_repeated_batch_norm_step_faults_in_no_new_pages():
    """The real thing: after minigrad's import, the second and later steps of a batch-norm forward
    and backward (3 arrays of 4 MB each) reuse freed memory. With glibc's defaults every step
    faulted in all of them again (3,000 pages here)."""
    import resource

    import minigrad
    import minigrad.nn.functional as F
    rng = np.random.default_rng(0)
    x = minigrad.tensor(rng.standard_normal((8, 32, 64, 64)).astype(np.float32), requires_grad=True)
    w, b = minigrad.ones(32, requires_grad=True), minigrad.zeros(32, requires_grad=True)
    faults = []
    for _ in range(4):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        x.grad = w.grad = b.grad = None
        out = F.batch_norm(x, None, None, w, b, training=True)
        out.backward(out.detach())
        del out
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    assert min(faults[1:]) < 300, faults  # one array alone is 1,024 pages

"""minigrad.utils.tensorboard.SummaryWriter as torch.utils.tensorboard's: the same calls write the
same events (read back with tensorboard's own loader and compared with torch's files, wall times
aside). Needs the tensorboard package (the tests skip without it), as torch's writer does."""
import glob
import os

import numpy as np
import pytest

import minigrad

tensorboard = pytest.importorskip("tensorboard", reason="SummaryWriter writes through the tensorboard package: "
                                                        "pip install tensorboard")
torch = pytest.importorskip("torch", reason="the events are compared with torch's SummaryWriter's")
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402

from minigrad.utils.tensorboard import SummaryWriter  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchSummaryWriter  # noqa: E402


def events(folder):
    """{relative folder: [event without its wall time, ...]} of every event file under folder."""
    out = {}
    for path in sorted(glob.glob(os.path.join(folder, "**", "events.out.tfevents.*"), recursive=True)):
        found = []
        for event in EventFileLoader(path).Load():
            event.wall_time = 0
            found.append(event)
        out[os.path.relpath(os.path.dirname(path), folder)] = found
    return out


def write_all(writer, lib):
    values = lib.tensor(np.random.default_rng(0).normal(size=500))
    for step in range(3):
        writer.add_scalar("Loss/train", 1.0 / (step + 1), step)  # makemore: a float
        writer.add_scalar("Loss/test", lib.tensor(0.5 * step), step)  # a 0-d tensor
        writer.add_scalar("new", lib.tensor([2.5]), step, new_style=True)
    writer.add_scalars("run", {"sin": 0.5, "cos": lib.tensor(0.25)}, 7)
    writer.add_histogram("weights", values, 1)
    writer.add_histogram("weights_np", values.numpy(), 2, bins=10, max_bins=4)
    writer.add_histogram_raw("raw", 0.0, 3.0, 4, 6.0, 14.0, [1.0, 2.0, 3.0], [1, 2, 1], global_step=3)
    writer.add_text("note", "hello ✓", 4)
    writer.flush()
    writer.close()


def test_the_same_calls_write_the_same_events_as_torch(tmp_path):
    write_all(SummaryWriter(tmp_path / "ours"), minigrad)
    write_all(TorchSummaryWriter(tmp_path / "theirs"), torch)
    ours, theirs = events(tmp_path / "ours"), events(tmp_path / "theirs")
    assert sorted(ours) == sorted(theirs) == [".", "run_cos", "run_sin"]
    for folder in ours:
        assert [e for e in ours[folder] if not e.file_version] == [e for e in theirs[folder] if not e.file_version]
        assert any(e.file_version == "brain.Event:2" for e in ours[folder])
    tags = [v.tag for e in ours["."] for v in e.summary.value]
    assert tags[:3] == ["Loss/train", "Loss/test", "new"] and "note/text_summary" in tags


def test_default_log_dir_purge_step_context_manager_and_what_it_does_not_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_x", purge_step=5) as writer:
        assert writer.get_logdir().startswith("runs" + os.sep) and writer.get_logdir().endswith("_x")
        writer.add_scalar("a", 1, 5)
    written = events(writer.get_logdir())["."]
    assert [e.step for e in written if e.session_log.status] == [5]
    writer.close()  # a second close is ignored, as torch's
    with pytest.raises(NotImplementedError, match="add_image"):
        SummaryWriter(tmp_path / "w").add_image("x", minigrad.zeros(3, 2, 2))
    with pytest.raises(AssertionError, match="one element"):
        SummaryWriter(tmp_path / "w").add_scalar("x", minigrad.zeros(2))

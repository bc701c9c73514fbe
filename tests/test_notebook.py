"""recipes/lesson1.ipynb, the lecture's cells on minigrad, runs green from top to bottom
(nbclient, on a small generated data set at 32 pixels so it stays within about a minute)."""
import importlib
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NOTEBOOK = os.path.join(ROOT, "recipes", "lesson1.ipynb")


def test_the_lesson_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[test]' (nbformat, nbclient, ipykernel)")
    nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[test]' (nbformat, nbclient, ipykernel)")
    pytest.importorskip("ipykernel", reason="pip install -e '.[test]' (nbformat, nbclient, ipykernel)")
    pytest.importorskip("matplotlib", reason="the notebook draws plots")
    data = importlib.import_module("minigrad.data")
    path = data.make_shapes_dataset(str(tmp_path / "data"), n_train=4, n_valid=2, size=32)
    monkeypatch.setenv("MINIGRAD_LESSON1_PATH", path.rstrip("/"))  # no final "/": the notebook adds it
    monkeypatch.setenv("MINIGRAD_LESSON1_SZ", "32")
    monkeypatch.delenv("MINIGRAD_WEIGHTS", raising=False)
    monkeypatch.setenv("MINIGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": ROOT}}).execute()
    outputs = {i: c.outputs for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    images = sum("image/png" in o.get("data", {}) for cell in outputs.values() for o in cell)
    assert images >= 8  # plots shown inline: the pictures, lr_find, schedules, confusion matrix
    text = "".join(str(o.get("data", {}).get("text/plain", "")) for cell in outputs.values() for o in cell)
    assert "(4, 2)" in text  # log_preds.shape: 4 validation images, 2 classes
    printed = "".join(o.get("text", "") for cell in outputs.values() for o in cell if o.get("output_type") == "stream")
    assert "starts from RANDOM weights" in printed  # no MINIGRAD_WEIGHTS: the notebook says the body is random
    assert "saved " in printed and " MB)" in printed  # learn.save says where it wrote, and how big

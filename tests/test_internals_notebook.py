"""recipes/internals.ipynb, the engine taken apart (backward by hand, im2col, softmax + cross-entropy's
gradient, one SGD momentum step), runs green from top to bottom: every check cell ends with an assert,
so a disagreement between the engine and the hand computation fails here. A few seconds."""
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NOTEBOOK = os.path.join(ROOT, "recipes", "internals.ipynb")


def test_the_internals_notebook_runs_top_to_bottom(monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[test]' (nbformat, nbclient, ipykernel)")
    nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[test]' (nbformat, nbclient, ipykernel)")
    pytest.importorskip("ipykernel", reason="pip install -e '.[test]' (nbformat, nbclient, ipykernel)")
    pytest.importorskip("matplotlib", reason="the notebook draws the autograd graph")
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": ROOT}}).execute()  # a failing assert raises here
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 1  # draw_graph's picture, inline
    text = "".join(o.get("text", "") for o in outputs)
    assert "gradcheck: backward agrees with finite differences" in text
    assert "is wrong at" in text  # gradcheck caught the deliberately wrong backward

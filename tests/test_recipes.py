"""The recipes run end to end: lesson 1 on a small generated data set (every step, the
plots, metrics.json, then --resume skipping finished stages), and classify.py's top 5."""
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "recipes"))
import classify  # noqa: E402
import lesson1  # noqa: E402
from minigrad.data import make_shapes_dataset  # noqa: E402


def test_lesson1_runs_every_step_and_writes_its_results(tmp_path, capsys):
    data = make_shapes_dataset(str(tmp_path / "data"), n_train=24, n_valid=8, size=32)
    out = tmp_path / "run"
    args = ["--data", data, "--arch", "resnet18", "--size", "32", "--bs", "8", "--cycles", "1",
            "--out", str(out), "--workers", "0"]
    result = lesson1.main(args)
    printed = capsys.readouterr().out
    for n in range(1, 9):
        assert f"step {n}/8" in printed
    assert "RANDOM initialisation" in printed and "with test-time augmentation" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["accuracy"] <= 1 and 0 <= metrics["accuracy_tta"] <= 1 and metrics["seconds"] > 0
    assert metrics["accuracy"] == result["accuracy"]
    assert len(metrics["history"]["val_loss"]) == 2 + 3 + 1  # steps 3, 4 and 8
    for plot in metrics["plots"]:
        assert os.path.exists(plot)
    lesson1.main(args + ["--resume"])  # every stage finished: loaded, not trained again
    assert printed.count("fit:") == 3 and "already finished" in capsys.readouterr().out


def test_classify_prints_the_top_five(tmp_path):
    import models
    from minigrad.weights import save_weights
    weights = tmp_path / "r18.npz"
    save_weights(models.resnet18().state_dict(), weights)
    image = tmp_path / "photo.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 260, 3), dtype=np.uint8)).save(image)
    top = classify.top5(str(image), str(weights), arch="resnet18")
    assert len(top) == 5 and all(a[1] >= b[1] for a, b in zip(top, top[1:]))
    assert top[0][0].startswith("ImageNet class ")

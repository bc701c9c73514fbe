"""The recipes run end to end: lesson 1 on a small generated data set (every step, the
plots, metrics.json, the exported model that classify.py reads, then --resume skipping
finished stages); every user error is one line and a non-zero exit, never a traceback."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

RECIPES = os.path.join(os.path.dirname(__file__), "..", "recipes")
sys.path.insert(0, RECIPES)
import classify  # noqa: E402
import lesson1  # noqa: E402
from minigrad.data import make_shapes_dataset  # noqa: E402


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return make_shapes_dataset(str(tmp_path_factory.mktemp("data")), n_train=8, n_valid=4, size=32)


def test_lesson1_runs_every_step_and_its_model_classifies_a_new_photo(small, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["--data", small, "--arch", "resnet18", "--size", "16", "--bs", "8", "--cycles", "1",
            "--out", str(out), "--workers", "0"]
    result = lesson1.main(args)
    printed = capsys.readouterr().out
    for n in range(1, 9):
        assert f"step {n}/8" in printed
    assert "RANDOM initialisation" in printed and "CHANCE accuracy" in printed
    assert "with test-time augmentation" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["accuracy"] <= 1 and 0 <= metrics["accuracy_tta"] <= 1 and metrics["seconds"] > 0
    assert metrics["accuracy"] == result["accuracy"]
    assert len(metrics["history"]["val_loss"]) == 2 + 3 + 1  # steps 3, 4 and 8
    for plot in metrics["plots"]:
        assert os.path.exists(plot) and f"plot: {plot}" in printed
    assert {"lr_find_head.png", "lr_find_unfrozen.png", "losses.png", "lr_schedule.png"} <= set(os.listdir(out))

    photo = os.path.join(small, "valid", "crosses", sorted(os.listdir(os.path.join(small, "valid", "crosses")))[0])
    answers = classify.main([photo, "--model", metrics["model"]])
    assert "this model knows only circles, crosses" in capsys.readouterr().out
    assert sorted(name for name, _ in answers) == ["circles", "crosses"]
    assert sum(p for _, p in answers) == pytest.approx(1, abs=1e-5)
    with pytest.raises(SystemExit, match="is a model the lesson trained: pass it with --model"):
        classify.main([photo, "--weights", metrics["model"]])

    lesson1.main(args + ["--resume"])  # every stage finished: loaded, not trained again
    again = capsys.readouterr().out
    assert again.count("already finished") == 3
    assert json.loads((out / "metrics.json").read_text())["seconds"] >= metrics["seconds"]  # time adds up


@pytest.mark.parametrize("flags, says", [
    (["--size", "0"], "--size must be at least 16"), (["--lr", "0"], "--lr must be a positive number"),
    (["--cycles", "0"], "--cycles must be at least 1"), (["--workers", "-3"], "--workers must be 0"),
    (["--bs", "1"], "--bs must be at least 2"), (["--data", "/no/such/folder"], "no such folder"),
    (["--weights", "/no/such.pth"], "no such file")])
def test_bad_arguments_are_refused_in_one_line(flags, says):
    with pytest.raises(SystemExit) as stop:
        lesson1.main(flags)
    message = str(stop.value.code)
    assert says in message and message.startswith("lesson1: ") and "\n" not in message


def test_cuda_without_cupy_says_how_to_install_it():
    import minigrad
    if minigrad.cuda_available():
        pytest.skip("this machine has CuPy and a GPU")
    with pytest.raises(SystemExit, match=r"pip install -e '\.\[gpu\]'"):
        lesson1.main(["--device", "cuda"])


def test_each_data_set_gets_its_own_default_out_folder():
    assert lesson1.default_out() == "runs/lesson1"
    assert lesson1.default_out("/data/dogscats/") == "runs/lesson1-dogscats"


def test_two_data_sets_in_folders_of_the_same_name_never_share_an_out_folder(tmp_path):
    """Two `dogscats` folders: the second run's plots must not overwrite the first's. The same folder
    spelled ./x or x/ is the same data set, and finds its own results."""
    first, second = tmp_path / "a" / "dogscats", tmp_path / "b" / "dogscats"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    runs = str(tmp_path / "runs")
    out = lesson1.default_out(str(first), runs)
    os.makedirs(out)
    lesson1.record_data_source(out, str(first))
    assert lesson1.default_out(str(first) + "/", runs) == out
    assert lesson1.default_out(os.path.join(str(first), ".", ""), runs) == out
    other = lesson1.default_out(str(second), runs)
    assert other != out and os.path.basename(other).startswith("lesson1-dogscats-")


def test_user_errors_print_one_line_and_no_traceback(small, tmp_path):
    garbage = tmp_path / "weights.pth"
    garbage.write_bytes(b"not a weight file at all" * 10)
    one_class = tmp_path / "one"
    for split in ("train", "valid"):
        os.makedirs(one_class / split / "cats")
        Image.new("RGB", (40, 40)).save(one_class / split / "cats" / "a.png")
    for flags in (["--data", small, "--weights", str(garbage), "--size", "32", "--arch", "resnet18"],
                  ["--data", str(one_class), "--size", "32", "--arch", "resnet18", "--out", str(tmp_path / "o")],
                  ["--size", "0"]):
        run = subprocess.run([sys.executable, os.path.join(RECIPES, "lesson1.py")] + flags, capture_output=True,
                             text=True, timeout=300, cwd=tmp_path)
        assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1 and run.stderr.startswith("lesson1: "), run.stderr


def test_a_refused_data_folder_says_so_first_and_leaves_no_run_folder(tmp_path):
    one_class = tmp_path / "one"
    for split in ("train", "valid"):
        os.makedirs(one_class / split / "cats")
        Image.new("RGB", (40, 40)).save(one_class / split / "cats" / "a.png")
    run = subprocess.run([sys.executable, os.path.join(RECIPES, "lesson1.py"), "--data", str(one_class), "--size", "32",
                          "--arch", "resnet18"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode != 0 and run.stderr.startswith("lesson1: ")
    assert "=== step" not in run.stdout and "weights:" not in run.stdout  # the data's error comes first
    assert not (tmp_path / "runs").exists()  # no empty runs/lesson1-one/ left behind


def test_ctrl_c_exits_without_a_traceback(small, tmp_path, monkeypatch):
    from minigrad.train import Learner

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(Learner, "lr_find", interrupted)  # during lr_find nothing is saved yet: say so
    with pytest.raises(SystemExit, match="stopped \\(Ctrl-C\\). Nothing was saved yet"):
        lesson1.main(["--data", small, "--arch", "resnet18", "--size", "32", "--out", str(tmp_path / "r")])


def test_ctrl_c_after_a_finished_stage_names_what_resume_reuses(small, tmp_path, monkeypatch, capsys):
    from minigrad.train import Learner
    fit = Learner.fit

    def stop_at_the_second_stage(self, *args, checkpoint=None, **kwargs):
        if checkpoint != "3-head-precomputed":
            raise KeyboardInterrupt
        return fit(self, *args, checkpoint=checkpoint, **kwargs)
    monkeypatch.setattr(Learner, "fit", stop_at_the_second_stage)
    argv = ["--data", small, "--arch", "resnet18", "--size", "32", "--out", str(tmp_path / "r")]
    with pytest.raises(SystemExit, match="3-head-precomputed .*--resume continues"):
        lesson1.main(argv)
    with pytest.raises(SystemExit):  # a rerun without --resume says it trains the saved stages again
        lesson1.main(argv)
    assert "Pass --resume to reuse them" in capsys.readouterr().out


def test_skip_bad_leaves_out_unreadable_photos(small, tmp_path):
    import shutil
    folder = tmp_path / "data"
    shutil.copytree(small, folder)
    (folder / "train" / "circles" / "broken.png").write_bytes(b"not an image")
    data = lesson1.lesson_data(str(folder), lesson1.resnet18, 32, 8, 0, skip_bad=True)
    assert not any("broken" in p for p, _ in data.trn_ds.samples)


def test_classify_prints_the_imagenet_top_five(tmp_path):
    import models
    from minigrad.weights import save_weights
    weights = tmp_path / "r18.npz"
    save_weights(models.resnet18().state_dict(), weights)
    image = tmp_path / "photo.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 260, 3), dtype=np.uint8)).save(image)
    top = classify.top5(str(image), str(weights), arch="resnet18")
    assert len(top) == 5 and all(a[1] >= b[1] for a, b in zip(top, top[1:]))
    assert top[0][0].startswith("ImageNet class ")
    with pytest.raises(SystemExit, match="no .* beside it"):
        classify.main([str(image), "--model", str(weights)])
    short = tmp_path / "labels.txt"
    short.write_text("tench\ngoldfish\n")  # 2 names for 1000 classes: one line, not an IndexError
    with pytest.raises(SystemExit, match="has 2 lines, but the ImageNet model has 1000 classes"):
        classify.main([str(image), "--weights", str(weights), "--arch", "resnet18", "--labels", str(short)])


def test_a_folder_of_class_folders_alone_is_split_seeded_with_valid_pct(tmp_path):
    folder = tmp_path / "pets"
    for cls in ("cats", "dogs"):
        (folder / cls).mkdir(parents=True)
        for i in range(10):
            Image.new("RGB", (40, 40), (i * 20, 0, 0)).save(folder / cls / f"{i}.png")
    with pytest.raises(FileNotFoundError, match="--valid-pct 0.2"):  # the refusal says how to split
        lesson1.lesson_data(str(folder), lesson1.resnet18, 32, 4, 0, False)
    data = lesson1.lesson_data(str(folder), lesson1.resnet18, 32, 4, 0, False, valid_pct=0.2, seed=3)
    again = lesson1.lesson_data(str(folder), lesson1.resnet18, 32, 4, 0, False, valid_pct=0.2, seed=3)
    assert len(data.val_ds) == 4 and len(data.trn_ds) == 16 and data.classes == ["cats", "dogs"]
    assert list(data.val_ds.fnames) == list(again.val_ds.fnames)  # seeded
    assert sorted(os.listdir(folder)) == ["cats", "dogs"]  # nothing moved
    (folder / "cats").rename(folder / "train")  # a train/ folder: valid_pct would learn "train vs valid"
    with pytest.raises(ValueError, match="already has train/ and valid/ folders"):
        lesson1.lesson_data(str(folder), lesson1.resnet18, 32, 4, 0, False, valid_pct=0.2)


def test_a_bad_image_found_mid_run_leaves_no_run_folder_and_a_full_disk_names_the_fix(small, tmp_path, monkeypatch):
    import shutil
    folder = tmp_path / "bad"
    shutil.copytree(small, folder)
    (folder / "train" / "circles" / "broken.png").write_bytes(b"not an image")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="cannot read image"):
        lesson1.main(["--data", str(folder), "--arch", "resnet18", "--size", "32"])
    assert not (tmp_path / "runs").exists()  # nothing of this run was left behind, runs/ included
    with pytest.raises(SystemExit, match="cannot read image"):
        lesson1.main(["--data", str(folder), "--arch", "resnet18", "--size", "32", "--out", "new/x"])
    assert not (tmp_path / "new").exists()

    from minigrad.train import Learner

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device", "runs/x/checkpoints/3-head-precomputed.npz")
    monkeypatch.setattr(Learner, "fit", full_disk)
    with pytest.raises(SystemExit, match="no space left on the disk while writing .*free some space, then run the "
                                         "same command with --resume"):
        lesson1.main(["--data", small, "--arch", "resnet18", "--size", "32", "--out", str(tmp_path / "o")])

    def full_cache(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(lesson1.mdata, "make_shapes_dataset", full_cache)
    with pytest.raises(SystemExit, match="into minigrad's cache .*MINIGRAD_CACHE moves it"):
        lesson1.main(["--arch", "resnet18", "--size", "32", "--out", str(tmp_path / "p")])


def test_a_folder_given_for_a_file_says_so():
    with pytest.raises(SystemExit, match="--weights .*: a folder; give the weight file in it"):
        lesson1.main(["--weights", RECIPES])
    with pytest.raises(SystemExit, match="a folder; give a file"):
        classify.main([RECIPES, "--model", RECIPES])


def test_an_out_folder_that_cannot_be_written_is_refused_before_training(small, tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("the user's")
    for out, says in ((tmp_path / "afile", "cannot make this folder"), (tmp_path / "afile" / "sub", "cannot make")):
        with pytest.raises(SystemExit, match=f"--out .*: {says}.*give another --out"):
            lesson1.main(["--data", small, "--arch", "resnet18", "--size", "32", "--out", str(out)])
    assert (tmp_path / "afile").read_text() == "the user's"
    access = os.access  # read-only as a user (root writes through it, so the test plays the refusal)
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path).endswith("ro") else access(path, mode))
    (tmp_path / "ro").mkdir()
    with pytest.raises(SystemExit, match="ro is not writable: `chmod u\\+w"):
        lesson1.main(["--data", small, "--arch", "resnet18", "--size", "32", "--out", str(tmp_path / "ro")])

"""fastai 0.7's lesson-1 names on the Learner, with its semantics and return types:
learn.sched, summary, ps, cycle_save_name, save/load under PATH/models, the plots."""
import os

import numpy as np
import pytest

import minigrad
from minigrad.nn import functional as F
from minigrad.train import ConvLearner
from minigrad.train.plots import images_figure
from models import fastai_head, resnet18
from test_learner import make_learner

plt = pytest.importorskip("matplotlib.pyplot", reason="plots need matplotlib")


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    from minigrad.data import make_shapes_dataset
    return make_shapes_dataset(str(tmp_path_factory.mktemp("data")), n_train=16, n_valid=8, size=32)


def is_png(path):
    return path is not None and os.path.exists(path) and open(path, "rb").read(4) == b"\x89PNG"


def test_sched_records_fit_and_lr_find_and_plots_them(shapes, tmp_path, capsys):
    learn = make_learner(shapes, tmp_path)
    learn.fit(0.01, 2, cycle_len=1)
    assert learn.sched.kind == "fit" and len(learn.sched.lrs) == 2 * len(learn.data.trn_dl) == len(learn.sched.losses)
    assert is_png(learn.sched.plot_lr()) and is_png(learn.sched.plot_loss())
    with pytest.raises(ValueError, match="run learn.lr_find"):
        learn.sched.plot()
    learn.lr_find(name="head")
    assert learn.sched.kind == "lr_find" and learn.sched.lrs[1] > learn.sched.lrs[0]
    path = learn.sched.plot()
    assert is_png(path) and "lr_find_head" in path and f"plot: {path}" in capsys.readouterr().out


def test_validation_loss_is_the_training_loss_function_unclipped(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    learn.head[-1].weight.array *= 1e4  # confidently wrong on some images: a loss far above 16.1
    val_loss, _ = learn.validate()
    learn.model.eval()
    total, n = 0.0, 0
    with minigrad.no_grad():
        for x, y in learn.data.val_dl:
            total += F.cross_entropy(learn.model(x), y).item() * len(y.numpy())
            n += len(y.numpy())
    assert val_loss == pytest.approx(total / n, rel=1e-5) and val_loss > 16.2


def test_ps_as_a_number_or_a_list_and_xtra_fc():
    assert [m.p for m in fastai_head(16, 2, ps=0.3) if hasattr(m, "p")] == [0.3, 0.3]
    head = fastai_head(16, 2, ps=[0.1, 0.2, 0.3], xtra_fc=[64, 32])
    assert [m.p for m in head if hasattr(m, "p")] == [0.1, 0.2, 0.3] and head[-1].weight.shape == (2, 32)
    assert [m.p for m in fastai_head(16, 2) if hasattr(m, "p")] == [0.25, 0.5]
    with pytest.raises(ValueError, match="one per layer"):
        fastai_head(16, 2, ps=[0.1, 0.2, 0.3])


def test_save_and_load_under_path_models_and_cycle_save_name(shapes, tmp_path):
    data = __import__("minigrad.data", fromlist=["x"]).ImageClassifierData.from_paths(shapes, size=16, bs=8)
    learn = ConvLearner.pretrained(resnet18, data, ps=0.5, out_dir=str(tmp_path / "tmp"), verbose=False,
                                   models_name=str(tmp_path / "models"))
    assert learn.save("224_lastlayer") == str(tmp_path / "models" / "224_lastlayer.npz")
    learn.fit(0.01, 2, cycle_len=1, cycle_save_name="c")
    assert sorted(os.listdir(tmp_path / "models")) == ["224_lastlayer.npz", "c_cyc_0.npz", "c_cyc_1.npz"]
    before = learn.predict()
    learn.load("224_lastlayer")
    assert not np.allclose(before, learn.predict())
    default = ConvLearner.pretrained(resnet18, data, verbose=False)
    assert default.get_model_path("x") == os.path.join(shapes, "models", "x.npz")  # fastai: PATH/models


def test_summary_lists_each_layer(shapes, tmp_path, capsys):
    rows = make_learner(shapes, tmp_path).summary()
    assert list(rows)[0] == "Conv2d-1" and rows["Conv2d-1"]["output_shape"] == [-1, 8, 16, 16]
    assert rows["Conv2d-1"]["trainable"] is False and list(rows.values())[-1]["output_shape"] == [-1, 2]
    assert "total parameters" in capsys.readouterr().out


def test_whole_run_plots_name_the_groups_and_mark_fit_ends(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path, group_names=["body a", "body b", "head"])
    learn.fit(0.01, 1)
    learn.fit(0.01, 1)
    assert learn.fit_ends == [len(learn.data.trn_dl), 2 * len(learn.data.trn_dl)]
    assert learn.history["fit_call"] == [0, 1]
    assert is_png(learn.plot_lr()) and is_png(learn.plot_losses())


def test_image_titles_do_not_overlap_the_row_above():
    images = [np.zeros((32, 32, 3))] * 8
    titles = ["predicted dogs (0.99), is cats; a long title that wraps onto two lines"] * 8
    fig = images_figure(plt, images, titles, "most confidently wrong")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = np.array(fig.axes).reshape(2, 4)
    for above, below in zip(axes[0], axes[1]):
        title = below.title.get_window_extent(renderer)
        assert title.y1 <= above.get_window_extent(renderer).y0
    plt.close(fig)


def test_fit_returns_fastais_last_validation_loss_and_accuracy(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    result = learn.fit(0.01, 2)  # the lecture's cells show what fastai 0.7's fit returns: [val_loss, accuracy]
    assert isinstance(result, list) and len(result) == 2
    assert result == [learn.history["val_loss"][-1], learn.history["accuracy"][-1]]
    assert 0 <= result[1] <= 1

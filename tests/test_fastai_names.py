"""`from minigrad.fastai import *` brings every name the lecture's notebook uses."""
import importlib

import pytest

TRAINING_NAMES = ["ConvLearner", "resnet34", "resnet18", "resnet50", "accuracy_np", "plot_confusion_matrix",
                  "confusion_matrix", "np", "plt", "os", "PIL", "shutil", "glob"]
DATA_NAMES = ["tfms_from_model", "transforms_side_on", "ImageClassifierData"]


def star(module):
    names = {}
    exec(f"from {module} import *", names)
    return names


def test_the_training_names_and_libraries_come_with_the_star_import():
    pytest.importorskip("matplotlib")
    names = star("minigrad.fastai")
    assert [n for n in TRAINING_NAMES if n not in names] == []
    assert names["np"].__name__ == "numpy" and hasattr(names["PIL"], "Image")


@pytest.mark.parametrize("name", DATA_NAMES)
def test_the_data_names_come_with_the_star_import(name):
    assert name in star("minigrad.fastai")


def test_fastai_py_defines_nothing():
    import ast
    import inspect
    import minigrad.fastai
    tree = ast.parse(inspect.getsource(minigrad.fastai))
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Assign))]

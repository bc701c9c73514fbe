"""torchvision.models' weights enums and builders: ResNet18/34/50_Weights (DEFAULT, IMAGENET1K_V1/V2,
.url, .meta, .transforms()), resnet18(weights=None | member | "DEFAULT", progress, num_classes) with
torchvision's errors, the legacy pretrained=True, and minigrad.data.models as torchvision.models'
address. No network: the download is the cache's crafted file or a monkeypatched downloader."""
import os
import warnings

import numpy as np
import pytest
from PIL import Image

import minigrad
import minigrad.data as torchvision_like
import models
from minigrad.download import DownloadError
from models import ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, resnet18, resnet50
from models import weights as weights_module


@pytest.fixture
def fake_download(tmp_path, monkeypatch):
    """download_url replaced: it records what it was asked and hands back a resnet18 checkpoint of ours."""
    minigrad.manual_seed(0)
    source = resnet18()
    path = tmp_path / "resnet18-f37072fd.pth"
    minigrad.save(source.state_dict(), path)
    calls = []

    def download_url(url, name=None, cache=None, sha256_prefix=None, quiet=False, **_):
        calls.append(dict(url=url, name=name, sha256_prefix=sha256_prefix, quiet=quiet))
        return str(path)
    monkeypatch.setattr(weights_module, "download_url", download_url)
    return source, calls


def test_the_enums_as_torchvisions():
    assert [w.name for w in ResNet18_Weights] == ["IMAGENET1K_V1"]
    assert ResNet18_Weights.DEFAULT is ResNet18_Weights.IMAGENET1K_V1 and repr(ResNet18_Weights.DEFAULT) == \
        "ResNet18_Weights.IMAGENET1K_V1"
    assert [w.name for w in ResNet50_Weights] == ["IMAGENET1K_V1", "IMAGENET1K_V2"]
    assert ResNet50_Weights.DEFAULT is ResNet50_Weights.IMAGENET1K_V2
    assert ResNet34_Weights["DEFAULT"] is ResNet34_Weights.IMAGENET1K_V1
    assert ResNet18_Weights.DEFAULT.url == minigrad.weights.PRETRAINED["resnet18"]
    meta = ResNet50_Weights.IMAGENET1K_V2.meta
    assert len(meta["categories"]) == 1000 and meta["categories"][0] == "tench" and meta["num_params"] == 25557032
    assert ResNet18_Weights.verify("ResNet18_Weights.DEFAULT") is ResNet18_Weights.IMAGENET1K_V1


def test_the_enums_match_torchvision():
    tv = pytest.importorskip("torchvision.models", reason="compares with torchvision's enums")
    for ours, theirs in ((ResNet18_Weights, tv.ResNet18_Weights), (ResNet34_Weights, tv.ResNet34_Weights),
                         (ResNet50_Weights, tv.ResNet50_Weights)):
        assert list(ours.__members__) == list(theirs.__members__)
        for name in ours.__members__:
            a, b = ours[name], theirs[name]
            assert a.url == b.url and repr(a) == repr(b) and repr(a.transforms()) == repr(b.transforms())
            assert {k: v for k, v in b.meta.items() if k != "_docs"} == a.meta


def test_transforms_on_a_pil_image_match_torchvisions_preset():
    img = Image.fromarray(np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8))
    ours = ResNet50_Weights.IMAGENET1K_V2.transforms()(img)
    assert ours.shape == (3, 224, 224) and ours.dtype == minigrad.float32
    tv = pytest.importorskip("torchvision.models", reason="compares with torchvision's preset")
    theirs = tv.ResNet50_Weights.IMAGENET1K_V2.transforms()(img)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)


def test_weights_default_downloads_through_the_cache_and_loads(fake_download):
    source, calls = fake_download
    for weights in (ResNet18_Weights.DEFAULT, "DEFAULT", "ResNet18_Weights.IMAGENET1K_V1"):
        model = resnet18(weights=weights, progress=False)
        for k, v in source.state_dict().items():
            np.testing.assert_array_equal(model.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    assert calls[0] == dict(url="https://download.pytorch.org/models/resnet18-f37072fd.pth",
                            name="resnet18-f37072fd.pth", sha256_prefix="f37072fd", quiet=True)
    model = torchvision_like.models.resnet18(weights=ResNet18_Weights.DEFAULT, num_classes=1000)
    assert model.fc.out_features == 1000


def test_wrong_combinations_raise_torchvisions_errors(fake_download):
    with pytest.raises(TypeError, match="Invalid Weight class provided; expected ResNet18_Weights but received "
                                        "ResNet34_Weights."):
        resnet18(weights=ResNet34_Weights.DEFAULT)
    with pytest.raises(KeyError, match="IMAGENET1K_V2"):
        resnet18(weights="IMAGENET1K_V2")
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
        resnet18(weights="DEFAULT", num_classes=10)
    with pytest.raises(TypeError, match="positional"):
        resnet18(True)
    with pytest.raises(FileNotFoundError, match="missing.pth"):  # minigrad's extension: a weight file by name
        resnet18(weights="missing.pth")
    with pytest.raises(TypeError, match="unexpected keyword argument 'groups'"):
        resnet50(groups=2)
    assert resnet18(num_classes=10).fc.out_features == 10


def test_legacy_pretrained_warns_as_torchvision(fake_download):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resnet18(pretrained=True)
        assert resnet18(pretrained=False).fc.out_features == 1000
    messages = [str(w.message) for w in caught]
    assert messages[0] == "The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, " \
                          "please use 'weights' instead."
    assert messages[1].endswith("The current behavior is equivalent to passing "
                                "`weights=ResNet18_Weights.IMAGENET1K_V1`. You can also use "
                                "`weights=ResNet18_Weights.DEFAULT` to get the most up-to-date weights.")
    assert messages[3].endswith("equivalent to passing `weights=None`.")
    assert len(fake_download[1]) == 1


def test_a_cached_file_with_the_wrong_hash_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_CACHE", str(tmp_path))
    minigrad.save(resnet18().state_dict(), tmp_path / "resnet18-f37072fd.pth")  # the right name, not the right file
    with pytest.raises(DownloadError, match="SHA-256 starts .*, not f37072fd"):
        resnet18(weights="DEFAULT")
    state = ResNet18_Weights.DEFAULT.get_state_dict(check_hash=False)
    assert isinstance(state["fc.weight"], np.ndarray) and state["fc.weight"].shape == (1000, 512)


def test_minigrad_data_models_is_torchvision_models():
    names = sorted(name for name in torchvision_like.models.__dict__ if name.islower() and not name.startswith("__")
                   and callable(torchvision_like.models.__dict__[name]))  # imagenet/main.py's model_names
    assert names == ["resnet18", "resnet34", "resnet50"]
    assert torchvision_like.models.ResNet18_Weights is models.ResNet18_Weights
    assert isinstance(torchvision_like.models.resnet18(weights=None), models.ResNet)


def test_models_imported_before_minigrad_is_no_circular_import():
    """`from models import ...` first (autograd_tutorial's order) imports minigrad, which must not import
    models back while models is half made: minigrad.data.models is made on first use."""
    import subprocess
    import sys
    code = ("from models import resnet18, ResNet18_Weights; import minigrad.data as tv; "
            "assert tv.models.resnet18 is resnet18")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]

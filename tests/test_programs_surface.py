"""Module paths and attributes real PyTorch programs reach for, with only their imports changed:
`import torch.onnx` (export refuses clearly), `torch.nn.modules.<file>.<Layer>` (word_language_model's
safe globals), and the device flags `input.is_xpu` & co. (dcgan), each checked against torch."""
import importlib

import pytest

import minigrad
import minigrad.nn as nn

torch = pytest.importorskip("torch", reason="the names are compared with torch's")


def test_onnx_imports_and_only_export_refuses():
    import minigrad.onnx
    assert minigrad.onnx.is_in_onnx_export() is False and torch.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match="ONNX export is not supported by minigrad"):
        minigrad.onnx.export(nn.Linear(2, 2), (minigrad.zeros(1, 2),), "model.onnx")


def test_nn_modules_files_hold_the_same_classes_as_minigrad_nn():
    for file in ("activation", "batchnorm", "container", "conv", "dropout", "flatten", "linear", "loss", "module",
                 "normalization", "padding", "pixelshuffle", "pooling", "rnn", "sparse", "transformer", "upsampling"):
        ours = importlib.import_module(f"minigrad.nn.modules.{file}")
        assert getattr(nn.modules, file) is ours
        names = getattr(importlib.import_module(f"torch.nn.modules.{file}"), "__all__", [])
        for name in names:
            if hasattr(nn, name):
                assert getattr(ours, name) is getattr(nn, name), f"nn.modules.{file}.{name}"
                assert getattr(nn.modules, name) is getattr(nn, name)
    from minigrad.nn.modules.loss import _Loss  # subclassed by programs, as torch's private base
    assert issubclass(nn.MSELoss, _Loss)


def test_word_language_models_safe_globals_resolve():
    safe_globals = [nn.modules.dropout.Dropout, nn.modules.linear.Linear, nn.modules.rnn.GRU, nn.modules.rnn.LSTM,
                    nn.modules.rnn.RNN, nn.modules.sparse.Embedding, nn.modules.container.ModuleList,
                    nn.modules.activation.MultiheadAttention, nn.modules.linear.NonDynamicallyQuantizableLinear,
                    nn.modules.normalization.LayerNorm]
    assert all(isinstance(c, type) and issubclass(c, nn.Module) for c in safe_globals)
    with pytest.raises(AttributeError, match="LazyLinear"):  # a class minigrad lacks: absent, not a stand-in
        nn.modules.linear.LazyLinear  # noqa: B018


def test_device_flags_as_torchs():
    t, m = torch.zeros(2), minigrad.zeros(2)
    for flag in ("is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta", "is_xla", "is_ipu", "is_maia", "is_mtia",
                 "is_vulkan", "is_sparse", "is_sparse_csr", "is_quantized", "is_nested", "is_mkldnn"):
        assert getattr(m, flag) is getattr(t, flag), flag
    assert m.is_shared() is t.is_shared() is False

"""torch.onnx's place, so that `import torch.onnx` at the top of a program works.

minigrad cannot export to ONNX: it has no graph tracer that records a model as ONNX operators.
Only the export call refuses, with a clear error; a program that imports torch.onnx and exports
only on request (word_language_model's --onnx-export) runs as long as it does not ask.
"""


def is_in_onnx_export():
    """Never: minigrad does not export (torch answers True only while an export runs)."""
    return False


def export(model, args=(), f=None, *more, **options):
    """torch.onnx.export: not supported."""
    raise NotImplementedError("ONNX export is not supported by minigrad: it has no ONNX exporter. Save the "
                              "weights with minigrad.save(model.state_dict(), path) (PyTorch's format) and export "
                              "from PyTorch if you need an .onnx file")


__all__ = ["export", "is_in_onnx_export"]

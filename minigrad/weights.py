"""Reading and writing weight files: PyTorch checkpoints without PyTorch.

`load_weights(path)` returns {name: numpy array} from
  - a PyTorch zip checkpoint (`torch.save` since 1.6: data.pkl plus one raw file per storage),
  - a legacy PyTorch checkpoint (before 1.6, like the lecture's resnet34-333f7ec4.pth:
    a magic number, then pickles, then the raw storages one after another),
  - a .safetensors file (an 8-byte header length, a JSON header, raw data),
  - minigrad's own .npz.
A .pth holds a pickle, and unpickling can run any code the file asks for. Here
the unpickler knows only the handful of names a state dict needs (OrderedDict,
the tensor-rebuild functions, the storage types), maps each to a harmless
stand-in of our own, and refuses everything else before anything runs.

`save_weights(state, path)` writes .npz atomically: a temporary file, then a rename.
Run `python -m minigrad.weights convert IN OUT` to convert, `... download resnet34`
to fetch torchvision's ImageNet weights (see minigrad/download.py).
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import tempfile
import zipfile

import numpy as np

from . import backend
from .tensor import Tensor


class WeightsError(ValueError):
    """A weight file that cannot be read; the message names the file and the problem."""


# ---- PyTorch's pickle, read safely ------------------------------------------------------------

STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16", "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class _StorageType:
    """Stands in for torch.FloatStorage & co.: only says which dtype the bytes hold."""

    def __init__(self, name):
        self.name, self.dtype = name, STORAGE_DTYPES[name]


class _Storage:
    """A storage named by the pickle; its bytes are attached once they are read."""

    def __init__(self, storage_type, key, numel):
        self.dtype, self.key, self.numel = storage_type.dtype, str(key), int(numel)
        self.array, self.offset = None, 0  # filled in by the loader; offset for legacy views


class _LazyTensor:
    """What torch._utils._rebuild_tensor_v2 becomes: a view of a storage, made real later."""

    def __init__(self, storage, storage_offset, size, stride, *_ignored):
        self.storage, self.offset, self.size, self.stride = storage, int(storage_offset), tuple(size), tuple(stride)

    def materialise(self, path):
        base = self.storage.array
        if base is None:
            raise WeightsError(f"{path}: storage {self.storage.key} is referenced but its data is missing")
        offset = self.storage.offset + self.offset
        end = offset + sum((n - 1) * s for n, s in zip(self.size, self.stride)) + 1 if all(self.size) else offset
        if end > base.size:
            raise WeightsError(f"{path}: a tensor of shape {self.size} reaches past the end of storage "
                               f"{self.storage.key} ({base.size} elements): the file is truncated or corrupt")
        view = np.lib.stride_tricks.as_strided(base[offset:], self.size, [s * base.itemsize for s in self.stride])
        return np.array(view)  # a contiguous copy that owns its memory


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_ignored):
    return data


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor"): _LazyTensor,
    ("torch._utils", "_rebuild_tensor_v2"): _LazyTensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}


class _SafeUnpickler(pickle.Unpickler):
    """Knows only what a state dict needs; any other global is refused before it is called."""

    def __init__(self, file, path, persistent_load=None):
        super().__init__(file)
        self.path = path
        self._persistent = persistent_load

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise WeightsError(
            f"{self.path}: refusing to load: the pickle asks for {module}.{name}, which a plain state dict "
            "never needs (a checkpoint of a whole model, or a malicious file). Nothing from the file was run. "
            "Save model.state_dict() instead of the model.")

    def persistent_load(self, pid):
        if self._persistent is None:
            raise WeightsError(f"{self.path}: unexpected storage reference in a plain pickle")
        return self._persistent(pid)


def _load_torch_zip(path, archive):
    names = archive.namelist()
    pickles = [n for n in names if n.endswith("data.pkl")]
    if not pickles:
        raise WeightsError(f"{path}: a zip file, but neither a PyTorch checkpoint (no data.pkl) nor an .npz")
    prefix = pickles[0][:-len("data.pkl")]
    byteorder = archive.read(prefix + "byteorder").decode() if prefix + "byteorder" in names else "little"
    storages = {}

    def persistent_load(pid):
        typename, storage_type, key, _location, numel = pid[:5]
        if typename != "storage" or not isinstance(storage_type, _StorageType):
            raise WeightsError(f"{path}: unknown storage reference {pid[:2]!r}")
        if key not in storages:
            storage = storages[key] = _Storage(storage_type, key, numel)
            record = f"{prefix}data/{key}"
            if record not in names:
                raise WeightsError(f"{path}: storage {key} is missing from the archive (truncated file?)")
            storage.array = _frombuffer(archive.read(record), storage.dtype, byteorder, path)
        return storages[key]

    obj = _SafeUnpickler(io.BytesIO(archive.read(pickles[0])), path, persistent_load).load()
    return _materialise(obj, path)


def _load_torch_legacy(path, f):
    plain = lambda: _SafeUnpickler(f, path).load()  # noqa: E731  (magic number, version, sys info)
    if plain() != LEGACY_MAGIC:
        raise WeightsError(f"{path}: not a PyTorch checkpoint (wrong magic number)")
    version = plain()
    if version != 1001:
        raise WeightsError(f"{path}: unsupported legacy PyTorch format version {version}")
    sys_info = plain()
    byteorder = "little" if sys_info.get("little_endian", True) else "big"
    storages = {}

    def persistent_load(pid):
        typename, storage_type, key, _location, numel, view = pid
        if typename != "storage" or not isinstance(storage_type, _StorageType):
            raise WeightsError(f"{path}: unknown storage reference {pid[:2]!r}")
        root = storages.setdefault(key, _Storage(storage_type, key, numel))
        if view is None:
            return root
        view_key, offset, _size = view
        if view_key not in storages:
            storages[view_key] = _Storage(storage_type, view_key, 0)
            storages[view_key].root, storages[view_key].offset = root, int(offset)
        return storages[view_key]

    obj = _SafeUnpickler(f, path, persistent_load).load()
    keys = plain()
    for key in keys:  # each: int64 element count, then the raw bytes
        storage = storages.get(key)
        if storage is None:
            raise WeightsError(f"{path}: storage {key} has data but nothing refers to it")
        head = f.read(8)
        if len(head) < 8:
            raise WeightsError(f"{path}: the file ends before storage {key}: truncated download?")
        numel = struct.unpack("<q", head)[0]
        itemsize = 2 if storage.dtype == "bfloat16" else np.dtype(storage.dtype).itemsize
        data = f.read(numel * itemsize)
        if len(data) < numel * itemsize:
            raise WeightsError(f"{path}: the file ends inside storage {key}: truncated download?")
        storage.array = _frombuffer(data, storage.dtype, byteorder, path)
    for storage in storages.values():  # views share their root's bytes
        if hasattr(storage, "root"):
            storage.array = storage.root.array
    return _materialise(obj, path)


def _frombuffer(data, dtype, byteorder, path):
    if dtype == "bfloat16":  # numpy has no bfloat16: widen to float32 (bf16 is float32's top half)
        raw = np.frombuffer(data, dtype=np.dtype("<u2" if byteorder == "little" else ">u2"))
        return (raw.astype(np.uint32) << 16).view(np.float32)
    dt = np.dtype(dtype).newbyteorder("<" if byteorder == "little" else ">")
    if len(data) % dt.itemsize:
        raise WeightsError(f"{path}: a storage of {len(data)} bytes is not a whole number of {np.dtype(dtype)}")
    return np.frombuffer(data, dtype=dt).astype(np.dtype(dtype), copy=False)


def _materialise(obj, path):
    """The unpickled object -> {name: array}; accepts a state dict or {'state_dict': ...}."""
    if isinstance(obj, dict) and not any(isinstance(v, _LazyTensor) for v in obj.values()):
        for key in ("state_dict", "model", "model_state_dict"):
            if isinstance(obj.get(key), dict):
                return _materialise(obj[key], path)
    if not isinstance(obj, dict):
        raise WeightsError(f"{path}: holds a {type(obj).__name__}, not a state dict of named tensors")
    out = collections.OrderedDict()
    for name, value in obj.items():
        if isinstance(value, _LazyTensor):
            out[str(name)] = value.materialise(path)
        elif not isinstance(value, (dict, int, float, str, type(None))):
            raise WeightsError(f"{path}: entry {name!r} is a {type(value).__name__}, not a tensor")
    return out


# ---- safetensors and npz --------------------------------------------------------------------

SAFETENSORS_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": "bfloat16",
                      "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8,
                      "BOOL": np.bool_}


def _load_safetensors(path, f, size):
    head = f.read(8)
    if len(head) < 8:
        raise WeightsError(f"{path}: too short to be a .safetensors file")
    header_len = struct.unpack("<Q", head)[0]
    if header_len > size - 8:
        raise WeightsError(f"{path}: header length {header_len} is larger than the file: truncated or not safetensors")
    try:
        header = json.loads(f.read(header_len))
    except ValueError as err:
        raise WeightsError(f"{path}: the safetensors header is not valid JSON ({err})") from None
    data = f.read()
    out = collections.OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(info.get("dtype"))
        if dtype is None:
            raise WeightsError(f"{path}: tensor {name!r} has unsupported dtype {info.get('dtype')!r}")
        start, end = info["data_offsets"]
        if end > len(data) or start > end:
            raise WeightsError(f"{path}: tensor {name!r} lies past the end of the data: truncated file?")
        array = _frombuffer(data[start:end], dtype, "little", path)
        if array.size != int(np.prod(info["shape"])):
            raise WeightsError(f"{path}: tensor {name!r} has {array.size} values for shape {info['shape']}")
        out[name] = array.reshape(info["shape"]).copy()
    return out


def _load_npz(path):
    try:
        with np.load(path, allow_pickle=False) as npz:
            return collections.OrderedDict((k, npz[k]) for k in npz.files)
    except ValueError as err:  # object arrays would need pickle: refused
        raise WeightsError(f"{path}: cannot read this .npz safely ({err})") from None


# ---- the public functions ---------------------------------------------------------------------

def load_weights(path):
    """Read a weight file (.pth/.pt, .safetensors, .npz) into {name: numpy array}, never running its code."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"weight file not found: {path}")
    size = os.path.getsize(path)
    try:
        with open(path, "rb") as f:
            head = f.read(9)
            f.seek(0)
            if head.startswith(b"PK"):
                with zipfile.ZipFile(f) as archive:
                    if any(n.endswith(".npy") for n in archive.namelist()):
                        return _load_npz(path)
                    return _load_torch_zip(path, archive)
            if head[8:9] == b"{":  # an 8-byte length, then the JSON header
                return _load_safetensors(path, f, size)
            if head[:1] == b"\x80":  # a pickle: PyTorch's format before 1.6
                return _load_torch_legacy(path, f)
    except WeightsError:
        raise
    except (zipfile.BadZipFile, pickle.UnpicklingError, EOFError, struct.error, KeyError, IndexError,
            TypeError, ValueError, AttributeError) as err:
        raise WeightsError(f"{path}: unreadable or corrupt weight file ({type(err).__name__}: {err})") from None
    raise WeightsError(f"{path}: not a weight file minigrad knows (.pth/.pt, .safetensors or .npz)")


def save_weights(state, path):
    """Write {name: array} (or a Module's state_dict) to .npz atomically: a crash leaves the old file."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"save_weights writes .npz files; got {path!r} (add the .npz extension)")
    arrays = {}
    for name, value in state.items():
        value = value.data if isinstance(value, Tensor) else value
        value = backend.to_device(value if hasattr(value, "dtype") else np.asarray(value), "cpu")
        if value.dtype.kind not in "biuf":
            raise TypeError(f"save_weights: {name!r} holds {value.dtype} data; only numeric arrays can be saved")
        arrays[name] = value
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def convert(source, target):
    """Convert any readable weight file to minigrad's .npz."""
    state = load_weights(source)
    save_weights(state, target)
    return state


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(prog="python -m minigrad.weights", description="Weight files for minigrad.")
    sub = parser.add_subparsers(dest="command", required=True)
    conv = sub.add_parser("convert", help="convert a .pth/.safetensors/.npz file to .npz")
    conv.add_argument("source")
    conv.add_argument("target")
    down = sub.add_parser("download", help="download torchvision's ImageNet weights")
    down.add_argument("arch", choices=sorted(PRETRAINED))
    down.add_argument("--cache", default=None, help="cache folder (default ~/.cache/minigrad or $MINIGRAD_CACHE)")
    down.add_argument("--url", default=None, help="download from this address instead of torchvision's")
    args = parser.parse_args(argv)
    if args.command == "convert":
        state = convert(args.source, args.target)
        print(f"wrote {args.target}: {len(state)} arrays, {sum(a.size for a in state.values()):,} numbers")
    else:
        path = download_pretrained(args.arch, cache=args.cache, url=args.url)
        print(f"weights for {args.arch}: {path}")


# torchvision's ImageNet weights; the hex part of each name is the start of the file's SHA-256
PRETRAINED = {
    "resnet18": "https://download.pytorch.org/models/resnet18-f37072fd.pth",
    "resnet34": "https://download.pytorch.org/models/resnet34-b627a593.pth",
    "resnet50": "https://download.pytorch.org/models/resnet50-0676ba61.pth",
}


def download_pretrained(arch, cache=None, url=None):
    """Fetch (or find in the cache) torchvision's ImageNet weights for `arch`; returns the path."""
    from .download import download_url, hash_prefix_from_name
    if arch not in PRETRAINED:
        raise ValueError(f"no pretrained weights known for {arch!r}; choose from {sorted(PRETRAINED)}")
    name = PRETRAINED[arch].rsplit("/", 1)[1]
    return download_url(url or PRETRAINED[arch], name, cache=cache, sha256_prefix=hash_prefix_from_name(name))


if __name__ == "__main__":
    sys.exit(main())

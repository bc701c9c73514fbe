"""The .safetensors format: an 8-byte little-endian header length, a JSON header, raw data.

The header maps each name to {"dtype", "shape", "data_offsets": [start, end]} (offsets into the
data that follows the header); "__metadata__" holds free-form strings. Nothing executes, but the
header is still untrusted: each tensor must fit its byte range exactly, and ranges may neither
overlap nor leave the data.
"""
import collections
import json
import struct

from .base import WeightsError, check_shape, frombuffer, itemsize, numel

DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
          "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
          "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool"}
UNSUPPORTED = ("F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64")
MAX_HEADER = 100 << 20  # the safetensors library's own limit


def _header(path, f, size):
    head = f.read(8)
    if len(head) < 8:
        raise WeightsError(f"{path}: too short to be a .safetensors file")
    header_len = struct.unpack("<Q", head)[0]
    if header_len > size - 8 or header_len > MAX_HEADER:
        raise WeightsError(f"{path}: header length {header_len} is larger than the file: truncated or not safetensors")
    try:
        header = json.loads(f.read(header_len))
    except RecursionError:
        raise WeightsError(f"{path}: the safetensors header is nested too deeply to be a header") from None
    except ValueError as err:
        raise WeightsError(f"{path}: the safetensors header is not valid JSON ({err})") from None
    if not isinstance(header, dict):
        raise WeightsError(f"{path}: the safetensors header is a JSON {type(header).__name__}, not an object")
    return header


def _entry(path, name, info, data_len):
    """(dtype, shape, start, end) of one header entry, each checked."""
    if not isinstance(info, dict):
        raise WeightsError(f"{path}: tensor {name!r} is described by a {type(info).__name__}, not an object")
    code = info.get("dtype")
    if code in UNSUPPORTED:
        raise WeightsError(f"{path}: tensor {name!r} has dtype {code}, which minigrad does not support "
                           "(numpy has no such type): convert it to F32 first")
    if code not in DTYPES:
        raise WeightsError(f"{path}: tensor {name!r} has unknown dtype {code!r:.40}")
    shape = check_shape(path, f"tensor {name!r}", info.get("shape"))
    offsets = info.get("data_offsets")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)):
        raise WeightsError(f"{path}: tensor {name!r} has data_offsets {offsets!r:.80}, not two integers")
    start, end = offsets
    if not 0 <= start <= end:
        raise WeightsError(f"{path}: tensor {name!r} has data_offsets [{start}, {end}]: negative or reversed")
    if end > data_len:
        raise WeightsError(f"{path}: tensor {name!r} lies past the end of the data ({end} > {data_len}): "
                           "truncated file?")
    if end - start != numel(shape) * itemsize(DTYPES[code]):
        raise WeightsError(f"{path}: tensor {name!r} has {end - start} bytes for shape {list(shape)} of {code}")
    return DTYPES[code], shape, start, end


def read(path, f, size):
    """{name: numpy array} from an open .safetensors file of `size` bytes."""
    header = _header(path, f, size)
    entries = {name: _entry(path, name, info, size - f.tell())
               for name, info in header.items() if name != "__metadata__"}
    ranges = sorted((start, end, name) for name, (_, _, start, end) in entries.items() if end > start)
    for (_, end, first), (start, _, second) in zip(ranges, ranges[1:]):
        if start < end:
            raise WeightsError(f"{path}: tensors {first!r} and {second!r} overlap in the data: corrupt or crafted")
    data = memoryview(f.read())  # slices of a memoryview do not copy
    out = collections.OrderedDict()
    for name, (dtype, shape, start, end) in entries.items():
        out[name] = frombuffer(data[start:end], dtype, "little", path).reshape(shape).copy()
    return out

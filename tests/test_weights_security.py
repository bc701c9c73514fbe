"""Crafted weight files (written by the tests, a few KB each): none may read outside its storage,
crash, allocate far beyond its own size, or end in anything but the loader's WeightsError naming
the file and the problem (issue 12). No torch needed."""
import json
import os
import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

import minigrad
from crafted_weights import dict_pickle, glob, i, s, tensor, tensor_v3, tup, write_legacy, write_pth, write_zip
from minigrad.weights import WeightsError, load_weights

FORMATS = pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
FLOATS = np.arange(12, dtype=np.float32).tobytes()  # a 12-element FloatStorage


def refused(path, match, load=load_weights):
    """The load fails with WeightsError naming the file and saying `match`; returns the peak allocation."""
    tracemalloc.start()
    try:
        with pytest.raises(WeightsError) as err:
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(err.value)
    assert message.startswith(f"{path}: "), message
    assert re.search(match, message.replace(str(path), "<file>")), message
    return peak


# ---- views outside their storage -------------------------------------------------------------------

@FORMATS
def test_a_legit_crafted_view_loads(tmp_path, legacy):
    """The crafting helper itself is right: a (2, 3) view with strides (1, 2) at offset 1."""
    path = write_pth(tmp_path / "ok.pth", legacy, {"w": tensor("0", 12, 1, (2, 3), (1, 2), legacy=legacy)},
                     {"0": FLOATS})
    np.testing.assert_array_equal(load_weights(path)["w"], np.arange(12.0)[1:][[[0, 2, 4], [1, 3, 5]]])


@FORMATS
@pytest.mark.parametrize("offset, stride", [(-4, (3, 1)), (0, (-3, 1)), (11, (-1, -5)), (8, (3, -1))])
def test_negative_offset_or_stride_is_refused(tmp_path, legacy, offset, stride):
    path = write_pth(tmp_path / "neg.pth", legacy, {"w": tensor("0", 12, offset, (2, 3), stride, legacy=legacy)},
                     {"0": FLOATS})
    refused(path, "negative offset or stride")


@FORMATS
@pytest.mark.parametrize("offset, size, stride", [(7, (2, 3), (3, 1)), (0, (4, 4), (4, 1)), (0, (2,), (1 << 40,))])
def test_view_past_the_end_of_its_storage_is_refused(tmp_path, legacy, offset, size, stride):
    path = write_pth(tmp_path / "past.pth", legacy, {"w": tensor("0", 12, offset, size, stride, legacy=legacy)},
                     {"0": FLOATS})
    refused(path, "reaches past the end of storage")


def test_storage_smaller_than_it_declares_is_refused(tmp_path):
    path = write_zip(tmp_path / "short.pth", dict_pickle(w=tensor("0", 12, 0, (12,), (1,))), {"0": FLOATS[:16]})
    refused(path, r"should hold 48 bytes but its record holds 16")


# ---- a tiny file promising a huge tensor ---------------------------------------------------------------

@FORMATS
def test_stride_zero_broadcast_of_23000_squared_is_refused_without_allocating(tmp_path, legacy):
    path = write_pth(tmp_path / "bcast.pth", legacy,
                     {"w": tensor("0", 1, 0, (23000, 23000), (0, 0), legacy=legacy)}, {"0": FLOATS[:4]})
    assert path.stat().st_size < 1000
    assert refused(path, r"2,116,000,000 bytes, far more than a file of") < 1 << 20


@FORMATS
def test_a_small_broadcast_view_is_still_read(tmp_path, legacy):
    """torch.save(torch.ones(1).expand(100, 100)) writes exactly this: stride (0, 0) over one number."""
    path = write_pth(tmp_path / "small.pth", legacy, {"w": tensor("0", 1, 0, (100, 100), (0, 0), legacy=legacy)},
                     {"0": np.float32(7).tobytes()})
    np.testing.assert_array_equal(load_weights(path)["w"], np.full((100, 100), 7, np.float32))


def test_deflate_bomb_is_refused_before_inflating(tmp_path):
    """64 MB of zeros deflated to ~64 KB: the record's declared size is checked against the file's."""
    n = 16 << 20
    path = tmp_path / "bomb.pth"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", dict_pickle(w=tensor("0", n, 0, (n,), (1,))))
        with z.open("archive/data/0", "w") as member:
            for _ in range(64):
                member.write(bytes(1 << 20))
    assert path.stat().st_size < 200_000
    assert refused(path, r"storage 0 .*67,108,864 bytes, far more than a file of") < 1 << 20


def test_record_inflating_beyond_what_its_storage_needs_is_refused_unread(tmp_path):
    path = tmp_path / "lie.pth"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", dict_pickle(w=tensor("0", 4, 0, (4,), (1,))))
        z.writestr("archive/data/0", bytes(32 << 20))
    assert refused(path, r"should hold 16 bytes but its record holds 33,554,432") < 1 << 20


@FORMATS
def test_numel_of_2_to_the_61_is_refused_not_overflowing(tmp_path, legacy):
    path = write_pth(tmp_path / "huge.pth", legacy, {"w": tensor("0", 2 ** 61, 0, (2 ** 61,), (1,), legacy=legacy)},
                     {"0": FLOATS}, counts={"0": 2 ** 61})
    refused(path, "2,305,843,009,213,693,952|should hold")


# ---- nesting, self reference, dtypes ---------------------------------------------------------------------

@FORMATS
@pytest.mark.parametrize("nest", ["dicts", "lists"])
def test_deeply_nested_pickle_is_our_error_not_recursion(tmp_path, legacy, nest):
    n = 50_000  # {"state_dict": {"state_dict": ...}} or [[[...]]]
    if nest == "dicts":
        deep = b"\x80\x02" + (b"}(" + s("state_dict")) * n + b"}" + b"u" * n + b"."
    else:
        deep = b"\x80\x02" + b"]" * n + b"a" * (n - 1) + b"."
    path = write_legacy(tmp_path / "deep.pth", deep, {}) if legacy else write_zip(tmp_path / "deep.pth", deep, {})
    refused(path, "nested")


def test_self_referencing_checkpoint_is_refused(tmp_path):
    loop = b"\x80\x02}q\x00(" + s("state_dict") + b"h\x00" + s("w") + tensor("0", 12, 0, (12,), (1,)) + b"u."
    refused(write_zip(tmp_path / "loop.pth", loop, {"0": FLOATS}), "contains itself")


@FORMATS
def test_a_pickle_of_cheap_opcodes_cannot_build_millions_of_objects(tmp_path, legacy):
    """300,000 one-byte opcodes, each building a list: refused before the unpickler builds one."""
    n = 150_000
    flood = b"\x80\x02}(" + s("w") + b"]" + b"]a" * n + b"u."
    path = write_legacy(tmp_path / "flood.pth", flood, {}) if legacy else write_zip(tmp_path / "flood.pth", flood, {})
    assert path.stat().st_size < 400_000
    refused(path, "the objects the pickle builds")


@pytest.mark.parametrize("dtype", ["float8_e4m3fn", "float8_e5m2", "complex64"])
def test_float8_and_complex_say_dtype_not_supported(tmp_path, dtype):
    pkl = dict_pickle(w=tensor_v3("0", 4, (4,), (1,), dtype))
    refused(write_zip(tmp_path / "f8.pth", pkl, {"0": bytes(4)}), "dtype minigrad does not support")
    old = dict_pickle(w=tensor("0", 2, 0, (2,), (1,), storage_type="ComplexFloatStorage"))
    refused(write_zip(tmp_path / "c64.pth", old, {"0": bytes(16)}), "dtype minigrad does not support")


def test_uint16_tensors_are_read(tmp_path):
    values = np.array([0, 1, 65535, 300], np.uint16)
    path = write_zip(tmp_path / "u16.pth", dict_pickle(w=tensor_v3("0", 8, (2, 2), (2, 1), "uint16")),
                     {"0": values.tobytes()})
    got = load_weights(path)["w"]
    assert got.dtype == np.uint16
    np.testing.assert_array_equal(got, values.reshape(2, 2))


def test_storage_reference_that_is_not_a_storage_is_refused(tmp_path):
    bad = glob("torch._utils", "_rebuild_tensor_v2") + tup(i(5), i(0), tup(i(2)), tup(i(1)), b"\x89", b"N") + b"R"
    refused(write_zip(tmp_path / "odd.pth", dict_pickle(w=bad), {}), "not a storage")


# ---- zip members, safetensors headers, odd paths -------------------------------------------------------

def test_npy_member_beside_data_pkl_is_not_returned_as_raw_bytes(tmp_path):
    path = write_zip(tmp_path / "mixed.pth", dict_pickle(w=tensor("0", 12, 0, (3, 4), (4, 1))), {"0": FLOATS},
                     extra=[("archive/extra.npy", b"\x93NUMPY junk")])
    state = load_weights(path)
    assert list(state) == ["w"] and state["w"].dtype == np.float32


def test_npz_with_a_member_that_is_not_npy_is_refused(tmp_path):
    path = tmp_path / "odd.npz"
    np.savez(path, a=np.ones(3))
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("notes.txt", "hello")
    refused(path, "not a .npy array|neither")


def test_npz_member_declaring_a_huge_shape_is_refused_before_allocating(tmp_path):
    path = tmp_path / "big.npz"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }".ljust(117) + "\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("w.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(64))
    assert refused(path, r"declares shape \(100000, 100000\)") < 1 << 20


def test_npz_object_array_is_refused(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, a=np.array([{"x": 1}], dtype=object))
    refused(path, "object")


def _safetensors(path, header, data=b""):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return path


@pytest.mark.parametrize("header, match", [
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, "overlap"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}}, "negative or reversed"),
    ({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 160]}}, "past the end of the data"),
    ({"a": {"dtype": "F32", "shape": [2 ** 61], "data_offsets": [0, 16]}}, "16 bytes for shape"),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 16]}}, "invalid shape"),
    ({"a": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}, "does not support"),
    ({"a": [1, 2]}, "not an object"),
    ([1, 2, 3], "JSON list, not an object"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not an object"),
    (b"{" + b'"a":{' * 50_000 + b"}" * 50_001, "nested too deeply"),
])
def test_safetensors_crafted_headers_are_refused(tmp_path, header, match):
    refused(_safetensors(tmp_path / "x.safetensors", header, bytes(16)), match)


@pytest.mark.parametrize("kind", ["safetensors", "npz"])
def test_truncated_safetensors_and_npz_name_the_file(tmp_path, kind):
    path = tmp_path / f"cut.{kind}"
    if kind == "npz":
        np.savez(path, a=np.arange(1000.0))
    else:
        _safetensors(path, {"a": {"dtype": "F64", "shape": [1000], "data_offsets": [0, 8000]}}, bytes(8000))
    path.write_bytes(path.read_bytes()[:3000])
    refused(path, "truncated|corrupt|past the end|unreadable")


def test_folder_and_empty_file_are_named(tmp_path):
    refused(tmp_path, "is a folder")
    (tmp_path / "empty.pth").write_bytes(b"")
    refused(tmp_path / "empty.pth", "empty")


def test_minigrad_load_refuses_the_same_files(tmp_path):
    path = write_zip(tmp_path / "neg.pt", dict_pickle(w=tensor("0", 12, -4, (2,), (1,))), {"0": FLOATS})
    refused(path, "negative offset", load=minigrad.load)
    refused(tmp_path, "is a folder", load=minigrad.load)


def test_many_entries_sharing_one_storage_cannot_multiply_it(tmp_path):
    """4096 cheap references to one 1 MB storage would build 4 GB: the byte count stops it."""
    n = 1 << 18
    items = {f"w{k}": b"h\x01" for k in range(4096)}
    first = tensor("0", n, 0, (n,), (1,))
    body = b"".join(s(k) + v for k, v in items.items())
    pkl = b"\x80\x02}(" + s("first") + first + b"q\x01" + body + b"u."
    path = write_zip(tmp_path / "shared.pth", pkl, {"0": bytes(4 * n)})
    assert refused(path, "far more than a file of") < 64 << 20


def test_cli_reports_a_bad_file_in_one_line(tmp_path):
    bad = write_zip(tmp_path / "neg.pth", dict_pickle(w=tensor("0", 12, -4, (2,), (1,))), {"0": FLOATS})
    run = subprocess.run([sys.executable, "-m", "minigrad.weights", "convert", str(bad), str(tmp_path / "out.npz")],
                         capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith(f"error: {bad}: ") and "negative offset" in run.stderr
    assert not (tmp_path / "out.npz").exists()

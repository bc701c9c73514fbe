"""Hand-made weight files for the security tests: PyTorch's formats written opcode by opcode, so a
test can declare any offset, stride, element count or nesting, with no torch needed.

A tensor in a PyTorch pickle is `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, OrderedDict())`, the storage a persistent id ("storage", torch.FloatStorage, key,
"cpu", numel) whose bytes live elsewhere (a zip record, or after the pickle in the legacy format).
"""
import pickle
import struct
import zipfile

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def glob(module, name):
    return b"c" + f"{module}\n{name}\n".encode()


def s(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def i(n):
    if -2 ** 31 <= n < 2 ** 31:
        return b"J" + struct.pack("<i", n)
    data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def tup(*parts):
    return b"(" + b"".join(parts) + b"t"


def storage(key, numel, storage_type="FloatStorage", legacy=False, module="torch"):
    fields = [s("storage"), glob(module, storage_type), s(key), s("cpu"), i(numel)]
    if legacy:
        fields.append(b"N")  # no view
    return tup(*fields) + b"Q"  # BINPERSID


def tensor(key, numel, offset, size, stride, storage_type="FloatStorage", legacy=False):
    args = tup(storage(key, numel, storage_type, legacy), i(offset), tup(*map(i, size)), tup(*map(i, stride)),
               b"\x89", glob("collections", "OrderedDict") + b")R")
    return glob("torch._utils", "_rebuild_tensor_v2") + args + b"R"


def tensor_v3(key, nbytes, size, stride, dtype):
    args = tup(storage(key, nbytes, "UntypedStorage", module="torch.storage"), i(0), tup(*map(i, size)),
               tup(*map(i, stride)), b"\x89", glob("collections", "OrderedDict") + b")R", glob("torch", dtype))
    return glob("torch._utils", "_rebuild_tensor_v3") + args + b"R"


def dict_pickle(**items):
    """A protocol-2 pickle of {name: item}, each item already pickle opcodes."""
    body = b"".join(s(k) + v for k, v in items.items())
    return b"\x80\x02}(" + body + b"u."


def write_zip(path, pkl, records, compress=zipfile.ZIP_STORED, extra=()):
    """A zip checkpoint: archive/data.pkl plus archive/data/<key> for each (key, bytes)."""
    with zipfile.ZipFile(path, "w", compress) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        for key, data in records.items():
            z.writestr(f"archive/data/{key}", data)
        for name, data in extra:
            z.writestr(name, data)
        z.writestr("archive/version", "3\n")
    return path


def write_legacy(path, pkl, records, counts=None):
    """A legacy checkpoint: magic, version, sys info, the pickle, the key list, then each storage."""
    with open(path, "wb") as f:
        for obj in (LEGACY_MAGIC, 1001, {"little_endian": True, "protocol_version": 1001}):
            pickle.dump(obj, f, protocol=2)
        f.write(pkl)
        pickle.dump(list(records), f, protocol=2)
        for key, data in records.items():
            count = (counts or {}).get(key, len(data) // 4)
            f.write(struct.pack("<q", count) + data)
    return path


def write_pth(path, legacy, pkl_items, records, counts=None):
    """Either format from the same description (tensor() items must be made with the same `legacy`)."""
    pkl = dict_pickle(**pkl_items)
    return write_legacy(path, pkl, records, counts) if legacy else write_zip(path, pkl, records)

"""Dumps an HDF5 file as JSON with h5py (the reference HDF5 library).

Usage: h5py_dump.py FILE  -> {"/path": {"kind", "dtype", "shape", "attrs",
"attr_dtypes", "value", "chunks", "compression", "compression_opts"}, ...}
Non-finite floats become null; bytes become str.
"""
import json
import math
import sys

import h5py
import numpy as np


def plain(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.generic):
        return plain(v.item())
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def describe(obj):
    out = {
        "attrs": {k: plain(obj.attrs[k]) for k in obj.attrs},
        "attr_dtypes": {
            k: str(obj.attrs.get_id(k).dtype) for k in obj.attrs
        },
    }
    if isinstance(obj, h5py.Dataset):
        out.update(
            kind="dataset",
            dtype=str(obj.dtype),
            shape=list(obj.shape),
            chunks=list(obj.chunks) if obj.chunks else None,
            compression=obj.compression,
            compression_opts=obj.compression_opts,
            value=plain(obj[()]),
        )
    else:
        out["kind"] = "group"
    return out


def main():
    result = {}
    with h5py.File(sys.argv[1], "r") as f:
        result["/"] = describe(f)
        f.visititems(lambda name, obj: result.__setitem__("/" + name, describe(obj)))
    json.dump(result, sys.stdout)


main()

"""Writes a scan file in the fws layout with h5py, the way another tool
might: int64/float32 dtypes, its own chunking, numpy bools, fixed-length
strings, fit values as attributes, optional groups left out.

Usage: h5py_write.py FILE [lzf]
"""
import sys

import h5py
import numpy as np

path = sys.argv[1]
compression = sys.argv[2] if len(sys.argv) > 2 else "gzip"
steps, samples = 11, 4
x = np.linspace(-5, 5, steps)
with h5py.File(path, "w") as f:
    f.attrs["file_format"] = np.bytes_(b"fws-scan/1")
    f.attrs["scanner_index"] = np.int64(7)
    f.attrs["test_mode"] = np.bool_(True)
    f.attrs["user"] = "h5py user"
    f.attrs["start_time"] = "2027-02-01T00:00:00Z"
    f.attrs["status"] = "completed"
    f.attrs["arg_steps"] = np.int64(steps)
    f.attrs["arg_mode"] = "step"
    f.attrs["arg_bidir"] = np.bool_(False)
    for n in (1, 2):
        e = f.create_group(f"scan_{n:03d}")
        e.attrs["direction"] = "forward" if n == 1 else "backward"
        s = e.create_group("scan")
        s.create_dataset("positions_planned", data=x.astype(np.float32))
        s.create_dataset("positions_readback", data=(x + 0.001).astype(">f8"))  # big-endian
        s.create_dataset("timestamps", data=1.8e9 + np.arange(steps, dtype=np.float64))
        s.create_dataset("step_index", data=np.arange(steps, dtype=np.int64))
        st = e.create_group("struck")
        y = np.exp(-(x[:, None] - 0.5) ** 2 / 2) * np.ones((1, samples)) + n
        d = st.create_dataset("PDB", data=y.astype(np.float32), chunks=(1, samples),
                              compression=compression, shuffle=compression == "gzip")
        d.attrs["units"] = np.bytes_(b"V")
        io = e.create_group("iops")
        io.create_dataset("ch1", data=(x[:, None] * np.ones((1, samples))).astype(np.int64)).attrs["units"] = "mm"
        if n == 1:
            fit = e.create_group("fit").create_group("PDB")
            fit.attrs["center"] = 0.5
            fit.attrs["sigma"] = 1.0
            fit.attrs["converged"] = np.bool_(True)
            fit.attrs["message"] = "fitted elsewhere"
            fit.attrs["iops_channel"] = "ch1"
            fit.create_dataset("n_points", data=np.int64(steps))
            fit.create_dataset("amplitude", data=np.float32(1.0))

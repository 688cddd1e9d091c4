"""Writes a small fws scan file with h5py (HDF5's own library), in the
fws-scan/1 layout of lib/hdf5/layout.ts, independently of fws's writer.
Step mode, 3 repetitions (the last aborted), struck PDB/PDT, IOPS ch1/ch2,
a stored fit of PDB on ch1. Prints JSON with what the plot page must show.

Usage: /usr/bin/python3 write_h5py.py OUT.h5
"""
import json
import sys

import h5py
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)
steps, samples = 31, 16
expected = {"scans": []}
with h5py.File(out, "w") as f:
    f.attrs["file_format"] = "fws-scan/1"
    f.attrs["scanner_index"] = np.int32(4)
    f.attrs["test_mode"] = np.uint8(1)
    f.attrs["user"] = "h5py"
    f.attrs["comment"] = "written by h5py"
    f.attrs["start_time"] = "2026-11-23T23:00:00Z"
    f.attrs["end_time"] = "2026-11-23T23:05:00Z"
    f.attrs["source_program"] = "h5py"
    f.attrs["source_version"] = h5py.__version__
    f.attrs["source_host"] = "test"
    f.attrs["scan_args"] = json.dumps({"mode": "step", "nsteps": steps})
    f.attrs["status"] = "aborted"
    f.attrs["message"] = "aborted in scan_003"
    f.attrs["NX_class"] = "NXroot"
    for k in (1, 2, 3):
        rows = steps if k < 3 else 12
        g = f.create_group(f"scan_{k:03d}")
        g.attrs["NX_class"] = "NXentry"
        g.attrs["mode"] = "step"
        g.attrs["direction"] = "forward"
        g.attrs["start_time"] = f"2026-11-23T23:0{k}:00Z"
        g.attrs["end_time"] = f"2026-11-23T23:0{k}:30Z"
        g.attrs["status"] = "completed" if k < 3 else "aborted"
        planned = np.linspace(-6, 6, steps)
        motion = g.create_group("scan")
        motion.create_dataset("positions_planned", data=planned).attrs["units"] = "mm"
        motion.create_dataset("positions_readback", data=planned[:rows] + 0.001).attrs["units"] = "mm"
        motion.create_dataset("timestamps", data=1.8e9 + np.arange(rows)).attrs["units"] = "s"
        motion.create_dataset("step_index", data=np.arange(rows, dtype=np.int32))
        x = planned[:rows, None] + rng.normal(0, 0.002, (rows, samples))
        ch2 = x * 0.999 + 0.01
        center = 0.5 + 0.1 * k
        pdb = 3.0 * np.exp(-0.5 * ((x - center) / 1.1) ** 2) + 0.1 + rng.normal(0, 0.01, x.shape)
        pdt = 1.0 * np.exp(-0.5 * ((x - center) / 1.9) ** 2) + 0.2 + rng.normal(0, 0.01, x.shape)
        struck = g.create_group("struck")
        for name, data in (("PDB", pdb), ("PDT", pdt)):
            d = struck.create_dataset(name, data=data)
            d.attrs["units"] = "V"
            d.attrs["sample_period"] = 1e-6
        iops = g.create_group("iops")
        iops.create_dataset("ch1", data=x).attrs["units"] = "mm"
        iops.create_dataset("ch2", data=ch2).attrs["units"] = "mm"
        fit = g.create_group("fit").create_group("PDB")
        fit.attrs["NX_class"] = "NXparameters"
        values = {
            "amplitude": 3.0, "amplitude_err": 0.01, "center": center,
            "center_err": 0.002, "sigma": 1.1 + 0.01 * k, "sigma_err": 0.003,
            "offset": 0.1, "offset_err": 0.001, "chi2_red": 1.05,
            "r_squared": 0.999, "fwhm": 2.3548 * (1.1 + 0.01 * k),
            "rms": 1.1, "centroid": center,
        }
        for key, v in values.items():
            fit.create_dataset(key, data=np.float64(v))
        fit.create_dataset("n_points", data=np.int32(rows))
        fit.create_dataset("converged", data=np.uint8(1))
        fit.create_dataset("message", data="stored by h5py")
        fit.create_dataset("iops_channel", data="ch1")
        expected["scans"].append({
            "name": f"scan_{k:03d}",
            "status": g.attrs["status"],
            "center": center,
            "sigma": values["sigma"],
            "x": x.mean(axis=1).tolist(),
            "y": pdb.mean(axis=1).tolist(),
        })
print(json.dumps(expected))

#!/usr/bin/python3
"""Loads an ONNX model, runs it on the NPU simulator with the cpu as fallback (inputs zero,
dynamic dims 1), and prints where each node ran and the simulated time.
Usage: PYTHONPATH=build/python python3 examples/python/run_model.py MODEL.onnx"""
import sys

import numpy as np

import nuri

TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(int8)": np.int8,
         "tensor(int32)": np.int32, "tensor(int64)": np.int64, "tensor(bool)": np.bool_}

session = nuri.InferenceSession(sys.argv[1], devices=["npu", "cpu"],
                                options={"npu": {"config": "atom-like"}})
feed = {i.name: np.zeros([d if isinstance(d, int) else 1 for d in i.shape], TYPES[i.type])
        for i in session.get_inputs()}
for arg, value in zip(session.get_outputs(), session.run(None, feed)):
    print(f"output {arg.name}: {value.dtype}{list(value.shape)}")
print(session.placement(), end="")
report = session.report()
print(f"simulated time: {report['total']['simulated_time_ns'] / 1e3:.3f} us")
for p in report["partitions"]:
    print(f"  {p['device']}: {p['nodes']} nodes, {p['time_ns'] / 1e3:.3f} us, {p['cycles']} cycles")

#!/usr/bin/python3
"""Generates the 8-bit quantized ONNX test models in tests/data/onnx and their references.

Dev-only (the generated files are committed). Needs Debian's python3-torch (1.13) and
python3-onnx (1.12):
    apt-get install -y --no-install-recommends python3-torch python3-onnx
    /usr/bin/python3 scripts/generate_quantized_models.py
(scripts/generate_onnx_models.py, which rewrites tests/data/onnx from scratch, calls it too.)

Cases, in the layout of scripts/generate_onnx_models.py (cases/<case>/model.txt, in_*.npy,
out_*.npy):
  torch_int8_mlp      torch's default eager static quantization (QuantStub, observers,
                      convert) of a Linear-ReLU-Linear block: uint8 activations with zero
                      points, per-channel symmetric int8 weights, exported by torch.onnx as
                      QuantizeLinear/DequantizeLinear around f32 Gemms. The reference is
                      torch's own quantized model (its int8 kernels) on the same input.
  qlinear_matmul_u8s8 QLinearMatMul, uint8 activations x int8 weights with per-column
                      scales (torch 1.13 cannot emit it; built with onnx.helper and computed
                      in numpy as the ONNX reference implementation does).
  matmul_integer_u8s8 MatMulInteger, uint8 x int8, a per-row zero point on A and a
                      per-column one on B (exact int32 reference).
"""
import os

import numpy as np
import onnx
import torch
import torch.ao.quantization as tq
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from generate_onnx_models import ROOT, save_case


class QuantMlp(nn.Module):
    def __init__(self, e=64, hidden=96, out=32):
        super().__init__()
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
        self.fc1, self.relu, self.fc2 = nn.Linear(e, hidden), nn.ReLU(), nn.Linear(hidden, out)

    def forward(self, x):
        return self.dequant(self.fc2(self.relu(self.fc1(self.quant(x)))))


def torch_int8_mlp_case():
    # Debian's torch has no fbgemm; onednn is its x86 engine with the same default qconfig
    # (quint8 activations, per-channel symmetric qint8 weights). Linear+ReLU stay unfused:
    # torch 1.13 cannot export quantized::linear_relu.
    torch.backends.quantized.engine = "onednn"
    torch.manual_seed(11)
    m = QuantMlp().eval()
    m.qconfig = tq.get_default_qconfig("onednn")
    tq.prepare(m, inplace=True)
    with torch.no_grad():
        for _ in range(16):
            m(torch.randn(8, 64))
    tq.convert(m, inplace=True)
    x = torch.randn(6, 64)
    path = "torch_int8_mlp_opset13.onnx"
    torch.onnx.export(m, (x,), os.path.join(ROOT, path), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=13)
    x = torch.randn(7, 64)
    with torch.no_grad():
        y = m(x)
    save_case("torch_int8_mlp", path, [("x", x.numpy())], [("y", y.numpy())])


def qlinear_matmul_case():
    rng = np.random.default_rng(12)
    m, k, n = 5, 40, 12
    a = rng.integers(0, 256, size=(m, k), dtype=np.uint8)
    b = rng.integers(-128, 128, size=(k, n), dtype=np.int8)
    a_scale, a_zp = np.float32(0.03), np.uint8(131)
    b_scale = rng.uniform(0.002, 0.01, size=(n,)).astype(np.float32)
    b_zp = np.zeros((n,), dtype=np.int8)
    y_scale, y_zp = np.float32(0.5), np.uint8(120)
    consts = {"a_scale": np.array(a_scale), "a_zp": np.array(a_zp), "b": b,
              "b_scale": b_scale, "b_zp": b_zp, "y_scale": np.array(y_scale),
              "y_zp": np.array(y_zp)}
    graph = helper.make_graph(
        [helper.make_node("QLinearMatMul",
                          ["a", "a_scale", "a_zp", "b", "b_scale", "b_zp", "y_scale", "y_zp"],
                          ["y"], name="qmm")],
        "qlinear_matmul_u8s8",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, ["m", k])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, ["m", n])],
        [numpy_helper.from_array(v, name) for name, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    path = "qlinear_matmul_u8s8_opset13.onnx"
    onnx.save(model, os.path.join(ROOT, path))
    # As onnx.reference's QLinearMatMul: int32 product, times a_scale * b_scale / y_scale in
    # f32, rounded half to even, plus the zero point, saturated.
    acc = (a.astype(np.int32) - np.int32(a_zp)) @ (b.astype(np.int32) - b_zp.astype(np.int32))
    mult = (a_scale * b_scale / y_scale).astype(np.float32)
    y = np.clip(np.rint(acc.astype(np.float32) * mult) + np.float32(y_zp), 0, 255)
    save_case("qlinear_matmul_u8s8", path, [("a", a)], [("y", y.astype(np.uint8))])


def matmul_integer_case():
    rng = np.random.default_rng(13)
    m, k, n = 6, 33, 10
    a = rng.integers(0, 256, size=(m, k), dtype=np.uint8)
    b = rng.integers(-128, 128, size=(k, n), dtype=np.int8)
    a_zp = rng.integers(100, 156, size=(m,), dtype=np.uint8)
    b_zp = rng.integers(-4, 5, size=(n,), dtype=np.int8)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b", "a_zp", "b_zp"], ["y"], name="mmi")],
        "matmul_integer_u8s8",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k]),
         helper.make_tensor_value_info("a_zp", TensorProto.UINT8, [m])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [m, n])],
        [numpy_helper.from_array(b, "b"), numpy_helper.from_array(b_zp, "b_zp")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    path = "matmul_integer_u8s8_opset13.onnx"
    onnx.save(model, os.path.join(ROOT, path))
    y = (a.astype(np.int32) - a_zp.astype(np.int32)[:, None]) @ \
        (b.astype(np.int32) - b_zp.astype(np.int32))
    save_case("matmul_integer_u8s8", path, [("a", a), ("a_zp", a_zp)], [("y", y)])


def main():
    os.makedirs(os.path.join(ROOT, "cases"), exist_ok=True)
    torch_int8_mlp_case()
    qlinear_matmul_case()
    matmul_integer_case()


if __name__ == "__main__":
    main()

"""The nuri module against torch references (tests/data/onnx/cases), and its error handling."""
import os
import threading

import numpy as np
import pytest

import nuri

DATA = os.environ.get("NURI_TEST_DATA",
                      os.path.join(os.path.dirname(__file__), "../../tests/data/onnx"))
# f32 against torch (summation order, transcendentals): |got - want| <= 2e-5 + 1e-4 |want|,
# the tolerance the C++ ONNX tests use.
ATOL, RTOL = 2e-5, 1e-4


def assert_close_bf16(got, want):
    """The npu runs f32 graphs on its bf16 datapath: as the npu device tests, max error within
    2% of the largest reference magnitude, mean error within 0.5% of it."""
    scale = np.abs(want).max()
    err = np.abs(got.astype(np.float64) - want)
    assert err.max() <= 0.02 * scale and err.mean() <= 0.005 * scale, (err.max(), scale)


def case(name, *files):
    return [np.load(os.path.join(DATA, "cases", name, f)) for f in files]


def gpt2_prefill_feed():
    folder = os.path.join(DATA, "cases", "gpt2_prefill")
    ins = sorted(f for f in os.listdir(folder) if f.startswith("in_"))
    return {f.split("_", 2)[2][:-4]: np.load(os.path.join(folder, f)) for f in ins}


def test_devices_lists_the_builtins():
    assert {"cpu", "npu", "pim", "ref"} <= set(nuri.devices())


def test_inputs_and_outputs_show_dynamic_dims():
    s = nuri.InferenceSession(os.path.join(DATA, "gpt2_opset14.onnx"))
    ins = s.get_inputs()
    assert ins[0].name == "input_ids"
    assert ins[0].type == "tensor(int64)"
    assert ins[0].shape == ["batch", "seq"]
    assert ins[1].shape == ["batch", 4, "past_seq", 8]
    outs = s.get_outputs()
    assert outs[0].name == "logits" and outs[0].type == "tensor(float)"


def test_gpt2_prefill_matches_torch_on_npu_and_cpu():
    s = nuri.InferenceSession(os.path.join(DATA, "gpt2_opset14.onnx"), devices=["npu", "cpu"],
                              options={"npu": {"config": "atom-like"}})
    feed = gpt2_prefill_feed()
    (want,) = case("gpt2_prefill", "out_0_logits.npy")
    (got,) = s.run(["logits"], feed)
    assert got.shape == want.shape and got.dtype == np.float32
    assert_close_bf16(got, want)
    report = s.report()
    assert report["total"]["simulated_time_ns"] > 0
    npu = [p for p in report["partitions"] if p["device"] == "npu"]
    assert npu and all(p["cycles"] > 0 for p in npu)
    assert "partition 0 on" in s.placement()


def test_run_with_none_returns_every_output_and_shapes_follow_inputs():
    s = nuri.InferenceSession(os.path.join(DATA, "gpt2_opset14.onnx"))
    feed = gpt2_prefill_feed()
    outs = s.run(None, feed)
    assert len(outs) == len(s.get_outputs())
    (want,) = case("gpt2_prefill", "out_0_logits.npy")
    np.testing.assert_allclose(outs[0], want, atol=ATOL, rtol=RTOL)  # cpu: f32
    # A second shape compiles a second graph; a non-contiguous input is accepted.
    ids = np.ascontiguousarray(feed["input_ids"][:, :3])
    strided = np.zeros((ids.shape[0], 6), np.int64)
    strided[:, ::2] = ids
    feed3 = dict(feed, input_ids=strided[:, ::2])
    a = s.run(["logits"], feed3)[0]
    b = s.run(["logits"], dict(feed, input_ids=ids))[0]
    assert a.shape[1] == 3
    np.testing.assert_array_equal(a, b)


def test_external_data_model_matches_torch():
    s = nuri.InferenceSession(os.path.join(DATA, "mlp_external_opset13.onnx"))
    x, want = case("mlp_external", "in_0_x.npy", "out_0_y.npy")
    np.testing.assert_allclose(s.run(None, {"x": x})[0], want, atol=ATOL, rtol=RTOL)


def test_threads_share_a_session():
    s = nuri.InferenceSession(os.path.join(DATA, "mlp_external_opset13.onnx"))
    (x,) = case("mlp_external", "in_0_x.npy")
    want = s.run(None, {"x": x})[0]
    got, errors = [], []

    def worker():
        try:
            for _ in range(5):
                got.append(s.run(None, {"x": x})[0])
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(got) == 20
    for g in got:
        np.testing.assert_array_equal(g, want)


def test_errors_raise_with_nuris_message():
    path = os.path.join(DATA, "mlp_external_opset13.onnx")
    with pytest.raises(nuri.NuriError, match="cannot open"):
        nuri.InferenceSession("/nonexistent.onnx")
    with pytest.raises(nuri.NuriError, match="no device named 'tpu'"):
        nuri.InferenceSession(path, options={"tpu": {"threads": 1}})
    s = nuri.InferenceSession(path)
    (x,) = case("mlp_external", "in_0_x.npy")
    with pytest.raises(nuri.NuriError, match="must be tensor\\(float\\)"):
        s.run(None, {"x": x.astype(np.int32)})
    with pytest.raises(nuri.NuriError, match="not given"):
        s.run(None, {})
    with pytest.raises(nuri.NuriError, match="no input 'y'"):
        s.run(None, {"x": x, "y": x})
    with pytest.raises(nuri.NuriError, match="no output 'z'"):
        s.run(["z"], {"x": x})
    with pytest.raises(nuri.NuriError, match="rank|shape"):
        s.run(None, {"x": x[0]})
    assert isinstance(nuri.NuriError("m"), RuntimeError)


def test_timing_only_npu_returns_zeros_and_a_simulated_time():
    """A device made timing-only computes nothing: what it produces comes back as zeros (never
    stale or uninitialised memory), and the run's simulated time is reported."""
    s = nuri.InferenceSession(os.path.join(DATA, "gpt2_opset14.onnx"), devices=["npu", "cpu"],
                              options={"npu": {"timing_only": 1}})
    (got,) = s.run(["logits"], gpt2_prefill_feed())
    assert got.dtype == np.float32 and not got.any()
    report = s.report()
    assert report["total"]["simulated_time_ns"] > 0
    assert any(p["device"] == "npu" for p in report["partitions"])

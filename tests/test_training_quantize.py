"""The static int8 export: which MatMuls stay float, and how their weights are stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mentortrack.analytics.training import _int8_weights, feed_forward_outputs


def _graph(path: Path, weight: np.ndarray) -> Path:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="/layer.0/output/dense/MatMul"),
         helper.make_node("MatMul", ["h", "eye"], ["y"], name="/layer.0/attention/output/dense/MatMul")],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(np.eye(3, dtype=np.float32), "eye")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_feed_forward_outputs_are_the_output_dense_matmuls_outside_attention(tmp_path: Path) -> None:
    plain = _graph(tmp_path / "tiny.onnx", np.zeros((2, 3), dtype=np.float32))
    assert feed_forward_outputs(plain) == ["/layer.0/output/dense/MatMul"]


def test_kept_float_weights_are_stored_as_int8_per_output_column(tmp_path: Path) -> None:
    import onnxruntime

    weight = np.array([[1.27, -0.5, 0.0], [0.635, 1.0, 2.54]], dtype=np.float32)
    path = _int8_weights(_graph(tmp_path / "tiny.onnx", weight), ["/layer.0/output/dense/MatMul"])
    # column scales max|w| / 127 = 0.01, 1/127, 0.02; -0.5 / (1/127) = -63.5 -> -64, 0.635 / 0.01 = 63.5 -> 64
    expected = np.array([[1.27, -64 / 127, 0.0], [0.64, 1.0, 2.54]], dtype=np.float32)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    found = session.run(None, {"x": np.eye(2, dtype=np.float32)})[0]
    assert np.allclose(found, expected, atol=1e-6)
    import onnx

    stored = {i.name: i.data_type for i in onnx.load(str(path)).graph.initializer}
    assert stored["w_int8"] == onnx.TensorProto.INT8 and "w" not in stored and "eye" in stored

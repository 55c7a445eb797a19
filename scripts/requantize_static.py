"""Turn a dynamic int8 sentiment model into a static int8 one, without retraining.

    python scripts/requantize_static.py DYNAMIC.onnx OUT.onnx

A dynamic int8 model (onnxruntime ``quantize_dynamic``) stores each MatMul weight as int8 with a
scale and zero point per output channel and quantizes the MatMul's input at run time, with a range
taken from the whole input tensor: in a batch, one text's activations set every text's scale. This
script rebuilds the float graph the weights came from (weight = (int8 - zero point) × scale, and a
float MatMul in place of DynamicQuantizeLinear → MatMulInteger → Cast → Mul; the int8 embedding
tables and their DequantizeLinear stay as they are), then quantizes it with fixed activation ranges
(:func:`mentortrack.analytics.training.quantize`, calibrated on
:func:`mentortrack.analytics.training.calibration_texts` of the training data). The weights
re-quantize to the same int8 values (symmetric per-channel scale = max |weight| / 127 either way), so
the model keeps its trained weights; only how activations are quantized changes. ``make train`` does
the same from the float export directly. The tokenizer file is copied beside ``OUT``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np


def dequantized(source: Path, out: Path) -> Path:
    """Write ``source`` (a dynamic int8 model) with float MatMul weights to ``out``; see the module docstring."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    consumers: dict[str, list[onnx.NodeProto]] = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    replaced: dict[str, onnx.NodeProto] = {}
    added = []
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        quantized_input, quantized_weight, _, zero_point = node.input
        stem = quantized_weight.removesuffix("_quantized")
        weight = ((numpy_helper.to_array(weights[quantized_weight]).astype(np.float32)
                   - numpy_helper.to_array(weights[zero_point]).astype(np.float32))
                  * numpy_helper.to_array(weights[f"{stem}_scale"]).astype(np.float32))
        quantize_input = producer[quantized_input]
        (cast,) = consumers[node.output[0]]
        (scale,) = consumers[cast.output[0]]
        if quantize_input.op_type != "DynamicQuantizeLinear" or (cast.op_type, scale.op_type) != ("Cast", "Mul"):
            raise ValueError(f"{node.name}: not the pattern quantize_dynamic writes")
        added.append(numpy_helper.from_array(weight, f"{stem}_float"))
        replaced[scale.output[0]] = helper.make_node("MatMul", [quantize_input.input[0], f"{stem}_float"],
                                                     [scale.output[0]], name=f"{node.name}_float")
    nodes = [replaced.get(n.output[0], n) if n.op_type == "Mul" else n for n in graph.node]
    making = {o: n for n in nodes for o in n.output}
    needed: set[str] = set()
    kept: set[int] = set()
    pending = [o.name for o in graph.output]
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.add(name)
        node = making.get(name)
        if node is not None and id(node) not in kept:
            kept.add(id(node))
            pending.extend(i for i in node.input if i)
    initializers = [i for i in [*graph.initializer, *added] if i.name in needed]
    del graph.node[:]
    graph.node.extend(n for n in nodes if id(n) in kept)
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    del graph.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, str(out))
    return out


def main() -> None:
    from mentortrack.analytics.training import calibration_texts, quantize, training_frame

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="dynamic int8 ONNX model")
    parser.add_argument("out", type=Path, help="where to write the static int8 model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        plain = dequantized(args.source, Path(folder) / "model.onnx")
        quantize(plain, args.out, calibration_texts(training_frame()))
    if args.source.with_suffix(".tokenizer.json") != args.out.with_suffix(".tokenizer.json"):
        shutil.copyfile(args.source.with_suffix(".tokenizer.json"), args.out.with_suffix(".tokenizer.json"))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

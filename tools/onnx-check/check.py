"""Checks an ONNX model independently of nasmesh's own code: onnx.checker (with shape inference), then Python's
onnxruntime on the given images, against the logits the tfjs model gave for them. Prints the largest difference.

    python3 check.py model.onnx parity.json    # parity.json: {"shape": [n, h, w, c], "images": [...], "logits": [...]}
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime

model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
with open(sys.argv[2]) as f:
    parity = json.load(f)
images = np.array(parity["images"], dtype=np.float32).reshape(parity["shape"])
expected = np.array(parity["logits"], dtype=np.float32).reshape(images.shape[0], -1)
session = onnxruntime.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
logits = session.run(["logits"], {"images": images})[0]
worst = float(np.abs(logits - expected).max())
scale = max(1.0, float(np.abs(expected).max()))
print(
    f"onnx {onnx.__version__} checker: valid (opset {model.opset_import[0].version}, IR {model.ir_version}); "
    f"onnxruntime {onnxruntime.__version__}: largest difference from the tfjs logits {worst:.3g} (logits up to {scale:.3g})"
)
sys.exit(0 if worst <= 1e-4 * scale else 1)

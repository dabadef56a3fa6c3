"""PyTorch (CPU) side of bench/train-throughput.ts.

Builds each network from the nasmesh layer-graph JSON (src/train/types.ts NetworkSpec, NHWC shapes without the
batch dimension) as an NCHW torch module, trains it with Adam (lr 1e-3) on the batches the TS side wrote, and prints
one JSON line: [{"name", "imagesPerSecond", "torchVersion"}]. Padding follows TensorFlow's 'same' rule (extra pixel
at the bottom/right), average pools exclude padding, BN is eps 1e-5 with momentum 0.1 (tfjs/Keras 0.9).

Run by the TS script; by hand: /usr/bin/python3 bench/train-throughput.py --networks n.json --data b.bin --threads 1
"""

import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def same_pad(size, kernel, stride, dilation=1):
    """TF 'same' padding along one axis: (before, after)."""
    out = math.ceil(size / stride)
    eff = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


class Node(nn.Module):
    """One layer node; forward takes the list of its input tensors (NCHW or flat)."""

    def __init__(self, node, in_shapes):
        super().__init__()
        self.kind = kind = node["kind"]
        self.node = node
        in0 = in_shapes[0] if in_shapes else None
        self.pad = None
        if kind in ("conv", "dwconv", "pool"):
            h, w, c = in0
            k = node["kernel"] if kind != "pool" else node["size"]
            s = node["stride"]
            d = node.get("dilation", 1)
            if kind == "pool" and node["padding"] == "valid":
                ph = pw = (0, 0)
            else:
                ph, pw = same_pad(h, k, s, d), same_pad(w, k, s, d)
            symmetric = ph[0] == ph[1] and pw[0] == pw[1]
            # F.pad order: (left, right, top, bottom)
            self.pad = None if symmetric else (pw[0], pw[1], ph[0], ph[1])
            padding = (ph[0], pw[0]) if symmetric else 0
            if kind == "conv":
                self.op = nn.Conv2d(c, node["filters"], k, s, padding, d, bias=node["bias"])
            elif kind == "dwconv":
                self.op = nn.Conv2d(c, c, k, s, padding, d, groups=c, bias=False)
            elif node["mode"] == "max":
                if not symmetric:
                    raise ValueError("asymmetric 'same' max pooling is not supported")
                self.op = nn.MaxPool2d(k, s, padding)
            else:
                if not symmetric:
                    raise ValueError("asymmetric 'same' average pooling is not supported")
                self.op = nn.AvgPool2d(k, s, padding, count_include_pad=False)
        elif kind == "bn":
            self.op = nn.BatchNorm2d(in0[2], eps=1e-5, momentum=0.1)
        elif kind == "dense":
            self.op = nn.Linear(in0[0], node["units"], bias=node["bias"])
        elif kind not in ("relu", "zero", "shift", "add", "multiply", "concat", "gap", "reshape"):
            raise ValueError(f"unknown node kind {kind}")

    def forward(self, xs):
        kind = self.kind
        x = xs[0]
        if kind in ("conv", "dwconv", "pool"):
            if self.pad is not None:
                x = F.pad(x, self.pad)
            return self.op(x)
        if kind == "bn":
            return self.op(x)
        if kind == "relu":
            return F.relu(x)
        if kind == "zero":
            return x * 0
        if kind == "shift":
            return F.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        if kind == "add":
            out = xs[0]
            for y in xs[1:]:
                out = out + y
            return out
        if kind == "multiply":
            return xs[0] * xs[1]
        if kind == "concat":
            return torch.cat(xs, dim=1)
        if kind == "gap":
            return x.mean(dim=(2, 3))
        if kind == "reshape":
            shape = self.node["shape"]
            if len(shape) == 3:  # NHWC target -> NCHW
                return x.reshape(x.shape[0], *shape).permute(0, 3, 1, 2)
            return x.reshape(x.shape[0], *shape)
        if kind == "dense":
            y = self.op(x)
            act = self.node["activation"]
            if act == "relu":
                return F.relu(y)
            if act == "sigmoid":
                return torch.sigmoid(y)
            if act == "softmax":
                return torch.softmax(y, dim=-1)
            return y
        raise ValueError(kind)


class SpecNet(nn.Module):
    def __init__(self, spec):
        super().__init__()
        nodes = spec["nodes"]
        self.inputs = [n["inputs"] for n in nodes]
        self.output = spec["output"]
        self.layers = nn.ModuleList(
            [nn.Identity() if n["kind"] == "input" else Node(n, [nodes[i]["shape"] for i in n["inputs"]]) for n in nodes]
        )

    def forward(self, x):
        outs = []
        for i, layer in enumerate(self.layers):
            if i == 0:
                outs.append(x)
            else:
                outs.append(layer([outs[j] for j in self.inputs[i]]))
        return outs[self.output]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--networks", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--profile", action="store_true", help="after timing, print torch.profiler's top operators over 5 steps")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    with open(a.networks) as f:
        meta = json.load(f)
    n, bs = meta["batches"], meta["batchSize"]
    h, w, c = meta["inputShape"]
    with open(a.data, "rb") as f:
        raw = bytearray(f.read())
    nx = n * bs * h * w * c
    xs = torch.frombuffer(raw, dtype=torch.float32, count=nx).reshape(n, bs, h, w, c).permute(0, 1, 4, 2, 3)
    xs = xs.contiguous()
    ys = torch.frombuffer(raw, dtype=torch.int32, count=n * bs, offset=nx * 4).reshape(n, bs).long()

    results = []
    for net in meta["networks"]:
        model = SpecNet(net["spec"])
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step(i):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xs[i % n]), ys[i % n])
            loss.backward()
            opt.step()
            return loss.item()

        for i in range(a.warmup):
            step(i)
        t0 = time.perf_counter()
        for i in range(a.steps):
            step(a.warmup + i)
        dt = time.perf_counter() - t0
        ips = a.steps * bs / dt
        params = sum(q.numel() for q in model.parameters() if q.requires_grad)
        print(f"pytorch {net['name']}: {ips:.1f} img/s ({a.threads} threads, {params} trainable parameters)", file=sys.stderr)
        if a.profile:
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
                for i in range(5):
                    step(i)
            print(f"pytorch {net['name']}, 5 steps:", file=sys.stderr)
            print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12), file=sys.stderr)
        results.append({"name": net["name"], "imagesPerSecond": ips, "torchVersion": torch.__version__})
    print(json.dumps(results))


if __name__ == "__main__":
    main()

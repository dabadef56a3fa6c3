import type { Activation, LayerNode, NetworkSpec, Shape } from './types.js';

/** A node id plus its shape, what the op factories pass around. */
export interface T {
  readonly id: number;
  readonly shape: Shape;
}

const same = (size: number, stride: number) => Math.ceil(size / stride);

function hwc(t: T): [number, number, number] {
  const [h, w, c] = t.shape;
  if (h === undefined || w === undefined || c === undefined || t.shape.length !== 3) {
    throw new Error(`expected an [h, w, c] tensor, got [${t.shape.join(', ')}]`);
  }
  return [h, w, c];
}

/** Records layer nodes with their output shapes ('same' padding unless said otherwise). */
export class GraphBuilder {
  readonly nodes: LayerNode[] = [];

  private push(node: LayerNode): T {
    this.nodes.push(node);
    return { id: this.nodes.length - 1, shape: node.shape };
  }

  channels(t: T): number {
    return hwc(t)[2];
  }

  input(shape: readonly [number, number, number]): T {
    return this.push({ kind: 'input', inputs: [], shape: [...shape] });
  }

  conv(x: T, filters: number, kernel: number, stride = 1, dilation = 1, bias = false): T {
    const [h, w] = hwc(x);
    const shape = [same(h, stride), same(w, stride), filters];
    return this.push({ kind: 'conv', inputs: [x.id], shape, filters, kernel, stride, dilation, bias });
  }

  dwconv(x: T, kernel: number, stride = 1, dilation = 1): T {
    const [h, w, c] = hwc(x);
    return this.push({ kind: 'dwconv', inputs: [x.id], shape: [same(h, stride), same(w, stride), c], kernel, stride, dilation });
  }

  bn(x: T): T {
    return this.push({ kind: 'bn', inputs: [x.id], shape: x.shape });
  }

  relu(x: T): T {
    return this.push({ kind: 'relu', inputs: [x.id], shape: x.shape });
  }

  pool(x: T, mode: 'avg' | 'max', size: number, stride: number, padding: 'same' | 'valid' = 'same'): T {
    const [h, w, c] = hwc(x);
    const out = (n: number) => (padding === 'same' ? same(n, stride) : Math.floor((n - size) / stride) + 1);
    return this.push({ kind: 'pool', inputs: [x.id], shape: [out(h), out(w), c], mode, size, stride, padding });
  }

  zero(x: T): T {
    return this.push({ kind: 'zero', inputs: [x.id], shape: x.shape });
  }

  shift(x: T): T {
    hwc(x);
    return this.push({ kind: 'shift', inputs: [x.id], shape: x.shape });
  }

  /** Sum; a single input is returned as is. */
  add(xs: readonly T[]): T {
    const first = xs[0];
    if (first === undefined) throw new Error('add needs at least one input');
    if (xs.length === 1) return first;
    for (const x of xs) {
      if (x.shape.join() !== first.shape.join()) {
        throw new Error(`add: shape [${x.shape.join(', ')}] differs from [${first.shape.join(', ')}]`);
      }
    }
    return this.push({ kind: 'add', inputs: xs.map((x) => x.id), shape: first.shape });
  }

  /** Elementwise product of a feature map and a [1, 1, c] gate. */
  multiply(x: T, gate: T): T {
    return this.push({ kind: 'multiply', inputs: [x.id, gate.id], shape: x.shape });
  }

  /** Channel concatenation; a single input is returned as is. */
  concat(xs: readonly T[]): T {
    const first = xs[0];
    if (first === undefined) throw new Error('concat needs at least one input');
    if (xs.length === 1) return first;
    const [h, w] = hwc(first);
    const c = xs.reduce((sum, x) => {
      const [xh, xw, xc] = hwc(x);
      if (xh !== h || xw !== w) throw new Error(`concat: spatial size ${xh}x${xw} differs from ${h}x${w}`);
      return sum + xc;
    }, 0);
    return this.push({ kind: 'concat', inputs: xs.map((x) => x.id), shape: [h, w, c] });
  }

  gap(x: T): T {
    return this.push({ kind: 'gap', inputs: [x.id], shape: [hwc(x)[2]] });
  }

  reshape(x: T, shape: Shape): T {
    const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
    if (size(shape) !== size(x.shape)) throw new Error('reshape must keep the element count');
    return this.push({ kind: 'reshape', inputs: [x.id], shape: [...shape] });
  }

  dense(x: T, units: number, activation: Activation = 'linear', bias = true): T {
    if (x.shape.length !== 1) throw new Error('dense expects a flat input');
    return this.push({ kind: 'dense', inputs: [x.id], shape: [units], units, bias, activation });
  }

  spec(output: T): NetworkSpec {
    return { nodes: [...this.nodes], output: output.id };
  }
}

import protobuf from 'protobufjs';

/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, Apache License 2.0) that a model of float tensors and plain
 * operators needs, with onnx.proto's own field numbers; protobufjs encodes it. Fields not listed here are optional
 * and left out.
 */
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
      },
    },
  },
};

/** onnx.proto's TensorProto.DataType and AttributeProto.AttributeType values used here. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;
export const OnnxAttributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

export interface OnnxAttribute {
  readonly name: string;
  readonly type: (typeof OnnxAttributeType)[keyof typeof OnnxAttributeType];
  readonly f?: number;
  readonly i?: number;
  readonly ints?: readonly number[];
}

export interface OnnxNode {
  readonly opType: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly name: string;
  readonly attribute?: readonly OnnxAttribute[];
}

export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: (typeof OnnxDataType)[keyof typeof OnnxDataType];
  /** Little-endian values, as onnx.proto's raw_data. */
  readonly rawData: Uint8Array;
}

export interface OnnxValueInfo {
  readonly name: string;
  /** A number is a fixed size, a string a named one (the batch). */
  readonly shape: readonly (number | string)[];
}

export interface OnnxModel {
  readonly opset: number;
  readonly docString: string;
  readonly graph: {
    readonly name: string;
    readonly node: readonly OnnxNode[];
    readonly initializer: readonly OnnxTensor[];
    readonly input: readonly OnnxValueInfo[];
    readonly output: readonly OnnxValueInfo[];
  };
}

/** ONNX IR version 7 is the one opset 13 came with; every runtime that reads opset 13 reads it. */
const IR_VERSION = 7;

let modelType: protobuf.Type | undefined;

/** The model's protobuf bytes: a `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
  const valueInfo = (v: OnnxValueInfo) => ({
    name: v.name,
    type: {
      tensorType: {
        elemType: OnnxDataType.FLOAT,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  const message = modelType.fromObject({
    irVersion: IR_VERSION,
    producerName: 'nasmesh',
    docString: model.docString,
    opsetImport: [{ domain: '', version: model.opset }],
    graph: { ...model.graph, input: model.graph.input.map(valueInfo), output: model.graph.output.map(valueInfo) },
  });
  return modelType.encode(message).finish();
}

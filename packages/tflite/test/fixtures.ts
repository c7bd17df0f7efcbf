// .tflite files written field by field with the flatbuffers Builder, as other producers lay them
// out, for the reader to meet files it did not write.
import { Builder } from 'flatbuffers';
import {
  Buffer as FbBuffer,
  BuiltinOptions,
  Conv2DOptions,
  Model,
  Operator,
  OperatorCode,
  QuantizationParameters,
  SignatureDef,
  SubGraph,
  Tensor,
  TensorMap,
  TensorType,
  type Offset,
} from '../src/generated/tflite.ts';

export interface FixtureTensor {
  name?: string;
  type?: number;
  shape: number[];
  shapeSignature?: number[];
  /** Constant data; the tensor gets its own buffer. */
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[]; dim?: number };
}

export interface FixtureOp {
  opcode: number;
  inputs: number[];
  outputs: number[];
  /** Conv2DOptions, the only options these fixtures need. */
  conv?: { padding: number; strideW: number; strideH: number; activation?: number };
  customOptions?: Uint8Array;
}

export interface FixtureSubgraph {
  name?: string;
  tensors: FixtureTensor[];
  inputs: number[];
  outputs: number[];
  ops: FixtureOp[];
}

export interface FixtureCode {
  deprecated: number;
  builtin?: number;
  custom?: string;
  version?: number;
}

export interface FixtureModel {
  version?: number;
  codes: FixtureCode[];
  subgraphs: FixtureSubgraph[];
  /** A serving signature over subgraph 0: alias → tensor index. */
  signature?: { inputs: [string, number][]; outputs: [string, number][] };
}

export function buildFixture(m: FixtureModel): Uint8Array {
  const b = new Builder(1024);
  const buffers: Offset[] = [FbBuffer.create(b, {})];
  const subgraphs = m.subgraphs.map((sg) => {
    const tensors = sg.tensors.map((t) => {
      let buffer = 0;
      if (t.data) {
        buffer = buffers.length;
        buffers.push(FbBuffer.create(b, { data: FbBuffer.createDataVector(b, t.data) }));
      }
      const quant = t.quant
        ? QuantizationParameters.create(b, {
            scale: QuantizationParameters.createScaleVector(b, t.quant.scale),
            zeroPoint: QuantizationParameters.createZeroPointVector(b, t.quant.zeroPoint.map(BigInt)),
            quantizedDimension: t.quant.dim ?? 0,
          })
        : undefined;
      return Tensor.create(b, {
        shape: Tensor.createShapeVector(b, t.shape),
        type: t.type ?? TensorType.FLOAT32,
        buffer,
        ...(t.name !== undefined ? { name: b.createString(t.name) } : {}),
        ...(quant !== undefined ? { quantization: quant } : {}),
        ...(t.shapeSignature ? { shapeSignature: Tensor.createShapeSignatureVector(b, t.shapeSignature) } : {}),
      });
    });
    const ops = sg.ops.map((op) => {
      const options = op.conv
        ? {
            builtinOptionsType: BuiltinOptions.Conv2DOptions,
            builtinOptions: Conv2DOptions.create(b, { padding: op.conv.padding, strideW: op.conv.strideW, strideH: op.conv.strideH, fusedActivationFunction: op.conv.activation ?? 0 }),
          }
        : {};
      return Operator.create(b, {
        opcodeIndex: op.opcode,
        inputs: Operator.createInputsVector(b, op.inputs),
        outputs: Operator.createOutputsVector(b, op.outputs),
        ...options,
        ...(op.customOptions ? { customOptions: Operator.createCustomOptionsVector(b, op.customOptions) } : {}),
      });
    });
    return SubGraph.create(b, {
      tensors: SubGraph.createTensorsVector(b, tensors),
      inputs: SubGraph.createInputsVector(b, sg.inputs),
      outputs: SubGraph.createOutputsVector(b, sg.outputs),
      operators: SubGraph.createOperatorsVector(b, ops),
      ...(sg.name !== undefined ? { name: b.createString(sg.name) } : {}),
    });
  });
  const codes = m.codes.map((c) =>
    OperatorCode.create(b, {
      deprecatedBuiltinCode: c.deprecated,
      ...(c.builtin !== undefined ? { builtinCode: c.builtin } : {}),
      ...(c.custom !== undefined ? { customCode: b.createString(c.custom) } : {}),
      version: c.version ?? 1,
    }),
  );
  const signatures = m.signature
    ? [
        SignatureDef.create(b, {
          inputs: SignatureDef.createInputsVector(b, m.signature.inputs.map(([name, tensorIndex]) => TensorMap.create(b, { name: b.createString(name), tensorIndex }))),
          outputs: SignatureDef.createOutputsVector(b, m.signature.outputs.map(([name, tensorIndex]) => TensorMap.create(b, { name: b.createString(name), tensorIndex }))),
          signatureKey: b.createString('serving_default'),
        }),
      ]
    : [];
  const model = Model.create(b, {
    version: m.version ?? 3,
    operatorCodes: Model.createOperatorCodesVector(b, codes),
    subgraphs: Model.createSubgraphsVector(b, subgraphs),
    buffers: Model.createBuffersVector(b, buffers),
    ...(signatures.length ? { signatureDefs: Model.createSignatureDefsVector(b, signatures) } : {}),
  });
  Model.finish(b, model);
  return b.asUint8Array().slice();
}

export const f32bytes = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
export const i32bytes = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);

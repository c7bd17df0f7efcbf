import type { Converter, DatasetEntry, RepresentativeDataset } from '@octet/converter';

/** The five conversions of TensorFlow's post-training integer quantization tutorial. */
export type VariantId = 'float' | 'dynamic' | 'fallback' | 'uint8' | 'int8';

export interface Variant {
  id: VariantId;
  /** As the table and the report name it. */
  label: string;
  file: string;
  /** The tutorial's converter settings, line for line. */
  configure(converter: Converter, representativeDataset: RepresentativeDataset): void;
}

export const VARIANTS: readonly Variant[] = [
  {
    id: 'float',
    label: 'float',
    file: 'mnist_float.tflite',
    configure() {},
  },
  {
    id: 'dynamic',
    label: 'dynamic range',
    file: 'mnist_dynamic_range.tflite',
    configure(converter) {
      converter.optimizations = ['DEFAULT'];
    },
  },
  {
    id: 'fallback',
    label: 'float fallback',
    file: 'mnist_float_fallback.tflite',
    configure(converter, representativeDataset) {
      converter.optimizations = ['DEFAULT'];
      converter.representativeDataset = representativeDataset;
    },
  },
  {
    id: 'uint8',
    label: 'integer only, uint8 I/O',
    file: 'mnist_int8_uint8_io.tflite',
    configure(converter, representativeDataset) {
      converter.optimizations = ['DEFAULT'];
      converter.representativeDataset = representativeDataset;
      converter.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
      converter.inferenceInputType = 'uint8';
      converter.inferenceOutputType = 'uint8';
    },
  },
  {
    id: 'int8',
    label: 'integer only, int8 I/O',
    file: 'mnist_int8_int8_io.tflite',
    configure(converter, representativeDataset) {
      converter.optimizations = ['DEFAULT'];
      converter.representativeDataset = representativeDataset;
      converter.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
      converter.inferenceInputType = 'int8';
      converter.inferenceOutputType = 'int8';
    },
  },
];

/**
 * The tutorial's representative dataset: the first `count` training images / 255, batch 1, shape
 * [1, 28, 28], one entry per model input.
 */
export function representativeDataset(trainImages: Uint8Array, count = 100): RepresentativeDataset {
  const px = 28 * 28;
  const n = Math.min(count, trainImages.length / px);
  return function* (): Generator<DatasetEntry> {
    for (let i = 0; i < n; i++) yield [Float32Array.from(trainImages.subarray(i * px, (i + 1) * px), (p) => p / 255)];
  };
}

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * The filter gradient of an NHWC 2-D convolution, which tfjs-backend-wasm 4.22 does not ship
 * (without it, training any Conv2D on that backend throws "kernel not registered").
 *
 *   dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, ci] · dy[n, oh, ow, co]
 *
 * with out-of-bounds x read as 0 (the convolution's zero padding). Plain JS over the wasm heap:
 * small next to the forward pass for the tutorial's model (12 filters of 3×3×1).
 */
export function conv2dBackpropFilterNhwc(
  x: Float32Array,
  xShape: readonly number[],
  dy: Float32Array,
  dyShape: readonly number[],
  filterShape: readonly number[],
  info: { strideHeight: number; strideWidth: number; dilationHeight: number; dilationWidth: number; padTop: number; padLeft: number },
): Float32Array {
  const [n, inH, inW, inC] = xShape;
  const [, outH, outW, outC] = dyShape;
  const [fh, fw] = filterShape;
  const dw = new Float32Array(fh * fw * inC * outC);
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      const wBase = (kh * fw + kw) * inC * outC;
      for (let b = 0; b < n; b++) {
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * info.strideHeight + kh * info.dilationHeight - info.padTop;
          if (ih < 0 || ih >= inH) continue;
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * info.strideWidth + kw * info.dilationWidth - info.padLeft;
            if (iw < 0 || iw >= inW) continue;
            const xBase = ((b * inH + ih) * inW + iw) * inC;
            const dyBase = ((b * outH + oh) * outW + ow) * outC;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[xBase + ci];
              if (xv === 0) continue;
              const row = wBase + ci * outC;
              for (let co = 0; co < outC; co++) dw[row + co] += xv * dy[dyBase + co];
            }
          }
        }
      }
    }
  }
  return dw;
}

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function kernelFunc({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (a.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter (ours, wasm): dataFormat ${a.dataFormat} is not supported: use NHWC`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const values = conv2dBackpropFilterNhwc(
    wasm.typedArrayFromHeap(x) as Float32Array,
    x.shape,
    wasm.typedArrayFromHeap(dy) as Float32Array,
    dy.shape,
    a.filterShape,
    { ...info, padTop: info.padInfo.top, padLeft: info.padInfo.left },
  );
  const out = wasm.makeOutput([...a.filterShape], 'float32');
  (wasm.typedArrayFromHeap(out) as Float32Array).set(values);
  return out;
}

/** Registers our Conv2DBackpropFilter for the wasm backend (idempotent). */
export function registerWasmGradientKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
}

import {
  allocate,
  DTYPE_INFO,
  isUnsupported,
  numElements,
  storageMatches,
  type AnyOp,
  type DType,
  type Graph,
  type TypedArray,
  type Value,
} from '@octet/ir';
import { InterpreterError, opWhere } from './errors.ts';
import { fastFloatKernels } from './fast/float.ts';
import { fastInt8Kernels } from './fast/int8.ts';
import { floatKernels } from './float/table.ts';
import { int8Kernels } from './int8/table.ts';
import { kernelFamily, type Arithmetic, type Kernel, type KernelContext, type KernelFamily, type KernelRun, type KernelTable, type KernelTables } from './kernel.ts';

/** The reference kernels of every family (TypeScript): the arithmetic as ARITHMETIC.md writes it. */
export const referenceKernels: KernelTables = { float: floatKernels, int8: int8Kernels };

/** Kernels replacing some entries of the reference tables, per family. */
export type KernelOverrides = { readonly [F in KernelFamily]?: Partial<KernelTable> };

/**
 * The fast kernels, the interpreter's default (src/fast/): conv_2d, depthwise_conv_2d,
 * fully_connected and int8 max_pool_2d in WebAssembly SIMD, int8↔uint8 quantize as a bit flip; each computes bit for bit what the reference kernel computes (property tests) and hands
 * to it whatever it does not take (non-constant weights, depth multipliers above 1, and every int8
 * op in `reference` arithmetic).
 */
export const fastKernels = { float: fastFloatKernels, int8: fastInt8Kernels } satisfies KernelOverrides;

/** The tables an interpreter runs for `kernels` (InterpreterOptions): the reference ones, under the fast ones unless `'reference'`, under the entries given. */
export function kernelTables(kernels: InterpreterOptions['kernels'] = 'fast'): KernelTables {
  if (typeof kernels === 'string' && kernels !== 'fast' && kernels !== 'reference') {
    throw new InterpreterError(`unknown kernels '${kernels}': use 'fast' (the default), 'reference', or kernel tables per family`);
  }
  const over: KernelOverrides = kernels === 'reference' ? {} : kernels === 'fast' ? fastKernels : { float: { ...fastKernels.float, ...kernels.float }, int8: { ...fastKernels.int8, ...kernels.int8 } };
  return { float: { ...referenceKernels.float, ...over.float }, int8: { ...referenceKernels.int8, ...over.int8 } };
}

/**
 * Sees a value right after it is computed (graph inputs first, then each op's results in order).
 * `data` is the interpreter's own buffer, overwritten by the next invoke: copy what you keep.
 */
export type ValueObserver = (value: Value, data: TypedArray, op: AnyOp | undefined) => void;

export interface InterpreterOptions {
  /** Integer arithmetic of the int8 kernels (ARITHMETIC.md); float kernels ignore it. Default `xnnpack`. */
  arithmetic?: Arithmetic;
  /**
   * Which kernels run. `'fast'` (the default): the fast tables (`fastKernels`, WebAssembly SIMD),
   * which hand whatever they do not take to the reference kernels; `'reference'`: the reference
   * TypeScript kernels only (`referenceKernels`), e.g. to time them or to rule the fast ones out.
   * A table, or some entries per family, replaces those entries of the default (spread a
   * `referenceKernels` table first to override the reference kernels alone). Every choice computes
   * the same bits: the fast kernels are pinned to the reference ones by property tests.
   */
  kernels?: 'fast' | 'reference' | KernelOverrides;
  /** Called on every value at every invoke (the calibration observers). */
  onValue?: ValueObserver;
}

export interface InvokeOptions {
  /** Called on every value of this invoke, after `onValue`. */
  observe?: ValueObserver;
}

/** TFLite's Python `quantization`: (scale, zero_point) per tensor, (0, 0) when absent or per axis. */
export interface QuantizationDetails {
  scale: number;
  zeroPoint: number;
}

/** TFLite's Python `quantization_parameters`: empty arrays when the tensor is not quantized. */
export interface QuantizationParameters {
  scales: Float32Array;
  zeroPoints: Int32Array;
  quantizedDimension: number;
}

/** One entry of `getInputDetails()` / `getOutputDetails()` / `getTensorDetails()`, as in TFLite's Python API. */
export interface TensorDetails {
  name: string;
  index: number;
  shape: number[];
  /** Shapes are static in Octet: equal to `shape`. */
  shapeSignature: number[];
  dtype: DType;
  quantization: QuantizationDetails;
  quantizationParameters: QuantizationParameters;
}

/** Inputs in graph order, or by input name. */
export type InterpreterInputs = readonly TypedArray[] | Readonly<Record<string, TypedArray>>;

interface Step {
  op: AnyOp;
  run: KernelRun;
  inputs: TypedArray[];
  outputs: TypedArray[];
  /** Reads only constants: computed once when the buffers are allocated. */
  once: boolean;
}

/**
 * Runs a graph, in the shape of TFLite's Python `Interpreter`, with the fast kernels unless told
 * otherwise (`kernels`). Each interpreter owns its kernels' WebAssembly instances and memory: they
 * are released with it.
 * Tensor indices number the graph inputs first, then the constants (first-use order), then each
 * op's results in order: the order in which the IR printer lists them. The graph must not change
 * while an interpreter runs it.
 */
export class Interpreter {
  readonly graph: Graph;
  private readonly tensors: Value[];
  private readonly indices = new Map<Value, number>();
  private readonly prepared: { op: AnyOp; run: KernelRun }[];
  private readonly onValue: ValueObserver | undefined;
  private buffers: Map<Value, TypedArray> | undefined;
  private steps: Step[] = [];

  constructor(graph: Graph, opts: InterpreterOptions = {}) {
    this.graph = graph;
    this.onValue = opts.onValue;
    // what the kernels of this interpreter share (a WebAssembly instance each): released with it
    const shared = new Map<object, unknown>();
    const ctx: KernelContext = {
      arithmetic: opts.arithmetic ?? 'xnnpack',
      shared<T>(key: object, make: () => T): T {
        if (!shared.has(key)) shared.set(key, make());
        return shared.get(key) as T;
      },
    };
    const tables = kernelTables(opts.kernels);

    this.tensors = [...graph.inputs, ...graph.constants(), ...graph.ops.flatMap((op) => op.outputs)];
    this.tensors.forEach((v, i) => this.indices.set(v, i));

    const defined = new Set<Value>(graph.inputs);
    for (const c of graph.constants()) {
      if (!c.data) {
        throw new InterpreterError(`constant ${c.name !== undefined ? `'${c.name}'` : `of type ${c.type.dtype}[${c.type.shape.join(',')}]`} has no data (read back from elided IR text): print the graph with all constants to run it`);
      }
      defined.add(c);
    }
    this.prepared = graph.ops.map((op) => {
      for (const v of op.inputs) {
        if (!defined.has(v)) throw new InterpreterError(`${opWhere(op)} reads a value that no earlier op computes${v.name ? ` ('${v.name}')` : ''}: sort the graph topologically`);
      }
      const family = kernelFamily(op);
      const kernel = tables[family][op.kind];
      if (isUnsupported(kernel)) {
        throw new InterpreterError(`${opWhere(op)} has no ${family} kernel for ${op.inputs[0].type.dtype} operands: ${kernel.unsupported}`);
      }
      const run = (kernel as Kernel)(op, ctx);
      for (const o of op.outputs) defined.add(o);
      return { op, run };
    });
    graph.outputs.forEach((v, i) => {
      if (!defined.has(v)) throw new InterpreterError(`graph @${graph.name} output ${i}${v.name ? ` ('${v.name}')` : ''} is computed by no op: add its producer to the graph`);
    });
  }

  /** Allocates every tensor once (invoke does it when needed); later invokes reuse the buffers. */
  allocateTensors(): void {
    if (this.buffers) return;
    const buffers = new Map<Value, TypedArray>();
    for (const v of this.tensors) buffers.set(v, v.data ?? allocate(v.type.dtype, numElements(v.type.shape)));
    // An op that reads only constants (a float16 weight's dequantize) computes the same thing at
    // every invoke: run it here once, and let invoke skip it.
    const fixed = new Set<Value>(this.graph.constants());
    this.steps = this.prepared.map(({ op, run }) => {
      const inputs = op.inputs.map((v) => buffers.get(v)!);
      const outputs = op.outputs.map((v) => buffers.get(v)!);
      const once = op.inputs.length > 0 && op.inputs.every((v) => fixed.has(v));
      if (once) {
        run(inputs, outputs);
        for (const o of op.outputs) fixed.add(o);
      }
      return { op, run, inputs, outputs, once };
    });
    this.buffers = buffers;
  }

  getInputDetails(): TensorDetails[] {
    return this.graph.inputs.map((v) => this.details(v));
  }

  getOutputDetails(): TensorDetails[] {
    return this.graph.outputs.map((v) => this.details(v));
  }

  /** Every tensor, in index order. */
  getTensorDetails(): TensorDetails[] {
    return this.tensors.map((v) => this.details(v));
  }

  /** Copies `data` into graph input `index`; it must be the storage of the input's dtype, of its size. */
  setTensor(index: number, data: TypedArray): void {
    const position = this.graph.inputs.findIndex((v) => this.indices.get(v) === index);
    if (position < 0) {
      const inputs = this.graph.inputs.map((v) => `${this.indices.get(v)} ('${v.name}')`).join(', ');
      throw new InterpreterError(`tensor ${index} is not an input of graph @${this.graph.name}: set one of its inputs, ${inputs || '(none)'}`);
    }
    const v = this.graph.inputs[position];
    checkInput(v, index, data);
    this.allocateTensors();
    (this.buffers!.get(v) as TypedArray & { set(a: TypedArray): void }).set(data);
  }

  /** Runs every op once on the current inputs. */
  invoke(opts: InvokeOptions = {}): void {
    this.allocateTensors();
    const observers = [this.onValue, opts.observe].filter((f): f is ValueObserver => f !== undefined);
    const notify = (v: Value, data: TypedArray, op: AnyOp | undefined) => {
      for (const f of observers) f(v, data, op);
    };
    if (observers.length) for (const v of this.graph.inputs) notify(v, this.buffers!.get(v)!, undefined);
    for (const step of this.steps) {
      if (!step.once) step.run(step.inputs, step.outputs);
      if (observers.length) step.op.outputs.forEach((v, i) => notify(v, step.outputs[i], step.op));
    }
  }

  /** A copy of tensor `index` (any tensor: inputs, constants, intermediate values, outputs). */
  getTensor(index: number): TypedArray {
    const v = this.tensors[index];
    if (!Number.isInteger(index) || v === undefined) {
      throw new InterpreterError(`tensor ${index} does not exist in graph @${this.graph.name}: indices run from 0 to ${this.tensors.length - 1}`);
    }
    this.allocateTensors();
    return this.buffers!.get(v)!.slice();
  }

  /** Sets the inputs (in order, or by name), invokes, and returns copies of the outputs in order. */
  run(inputs: InterpreterInputs, opts: InvokeOptions = {}): TypedArray[] {
    const given = this.orderInputs(inputs);
    given.forEach((data, i) => this.setTensor(this.indices.get(this.graph.inputs[i])!, data));
    this.invoke(opts);
    return this.graph.outputs.map((v) => this.buffers!.get(v)!.slice());
  }

  private orderInputs(inputs: InterpreterInputs): TypedArray[] {
    const names = this.graph.inputs.map((v) => v.name ?? '');
    const list = `${names.length} input${names.length === 1 ? '' : 's'} (${names.map((n) => `'${n}'`).join(', ')})`;
    if (Array.isArray(inputs)) {
      if (inputs.length !== names.length) throw new InterpreterError(`graph @${this.graph.name} takes ${list}, got ${inputs.length} arrays: pass one array per input, in order`);
      return [...inputs];
    }
    const record = inputs as Readonly<Record<string, TypedArray>>;
    for (const key of Object.keys(record)) {
      if (!names.includes(key)) throw new InterpreterError(`graph @${this.graph.name} has no input '${key}': it takes ${list}`);
    }
    return names.map((n) => {
      if (!(n in record)) throw new InterpreterError(`input '${n}' of graph @${this.graph.name} is missing: it takes ${list}`);
      return record[n];
    });
  }

  private details(v: Value): TensorDetails {
    const index = this.indices.get(v)!;
    const q = v.type.quant;
    const perTensor = q !== undefined && q.axis === undefined && q.scale.length === 1;
    return {
      name: v.name ?? `tensor_${index}`,
      index,
      shape: [...v.type.shape],
      shapeSignature: [...v.type.shape],
      dtype: v.type.dtype,
      quantization: perTensor ? { scale: Math.fround(q.scale[0]), zeroPoint: q.zeroPoint[0] } : { scale: 0, zeroPoint: 0 },
      quantizationParameters: {
        scales: Float32Array.from(q?.scale ?? []),
        zeroPoints: Int32Array.from(q?.zeroPoint ?? []),
        quantizedDimension: q?.axis ?? 0,
      },
    };
  }
}

function describe(data: unknown): string {
  if (ArrayBuffer.isView(data)) return `a ${data.constructor.name} of ${(data as TypedArray).length} elements`;
  if (Array.isArray(data)) return `an Array of ${data.length} elements`;
  return data === null ? 'null' : `a ${typeof data}`;
}

function checkInput(v: Value, index: number, data: unknown): void {
  const n = numElements(v.type.shape);
  const storage = DTYPE_INFO[v.type.dtype].make(0).constructor.name;
  const expected = `${v.type.dtype}[${v.type.shape.join(',')}] (a ${storage} of ${n} elements)`;
  const what = `input '${v.name}' (tensor ${index})`;
  if (!ArrayBuffer.isView(data) || data instanceof DataView || !storageMatches(v.type.dtype, data as TypedArray)) {
    throw new InterpreterError(`${what} expects ${expected}, got ${describe(data)}: convert the data to a ${storage}`);
  }
  if ((data as TypedArray).length !== n) {
    throw new InterpreterError(`${what} expects ${expected}, got ${describe(data)}: give exactly ${n} elements`);
  }
}

/** Runs `graph` once on `inputs` with a fresh interpreter; returns the outputs in order. */
export function interpret(graph: Graph, inputs: InterpreterInputs, opts: InterpreterOptions = {}): TypedArray[] {
  return new Interpreter(graph, opts).run(inputs);
}

// AssemblyScript: float32 conv_2d / depthwise_conv_2d / fully_connected with WebAssembly SIMD,
// computing exactly what the reference float kernels compute: each output is bias + Σ x·w with the
// terms in (ky, kx, i) order; conv and fully_connected round every product and partial sum to
// float32 (f32x4), depthwise accumulates in double (a float32 product is exact in double), clamps in
// double and rounds to float32 once (f64x2). The SIMD lanes are different outputs, never parts of
// one sum, so no sum is reordered. src/fast/float.ts plugs it in; a property test pins it bit for bit.

/** Two float32 at `p`, widened to double lanes. */
@inline
function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Clamps two double lanes to [lo, hi] and stores them as two float32 at `p`. */
@inline
function store2(p: usize, v: v128, lo: v128, hi: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(f64x2.min(f64x2.max(v, lo), hi)), 0);
}

/**
 * One row of K float32 (`row`) against the filters laid out k-major, every product and every
 * partial sum rounded to float32 (XNNPACK's f32 conv on wasm, which has no FMA): f32x4 lanes are
 * four outputs, sixteen per pass. `wT` is k-major with
 * outCp = outC rounded up to 16 (zeros past outC), `bias` likewise.
 */
function rowTimesFiltersF32(row: usize, K: i32, wT: usize, outC: i32, outCp: i32, bias: usize, lo: v128, hi: v128, y: usize, scratch: usize): void {
  const stride = <usize>outCp << 2;
  for (let o = 0; o < outC; o += 16) {
    const b = bias + (<usize>o << 2);
    let a0 = v128.load(b);
    let a1 = v128.load(b + 16);
    let a2 = v128.load(b + 32);
    let a3 = v128.load(b + 48);
    let w = wT + (<usize>o << 2);
    for (let k = 0; k < K; k++) {
      const xv = v128.load32_splat(row + (<usize>k << 2));
      a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(w)));
      a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(w + 16)));
      a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(w + 32)));
      a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(w + 48)));
      w += stride;
    }
    const full = o + 16 <= outC;
    const out = full ? y + (<usize>o << 2) : scratch;
    v128.store(out, f32x4.min(f32x4.max(a0, lo), hi));
    v128.store(out + 16, f32x4.min(f32x4.max(a1, lo), hi));
    v128.store(out + 32, f32x4.min(f32x4.max(a2, lo), hi));
    v128.store(out + 48, f32x4.min(f32x4.max(a3, lo), hi));
    if (!full) memory.copy(y + (<usize>o << 2), scratch, <usize>(outC - o) << 2);
  }
}

/**
 * conv_2d, NHWC input x. Per output pixel the window is gathered into `patch` (K = kh·kw·inC
 * float32, zeros where it hangs over the edge: + 0·w leaves a sum unchanged), then every filter is
 * one dot product with it. fully_connected is the 1×1 case over `n` rows. `scratch` holds 64 bytes.
 */
export function convF32(
  x: usize, n: i32, inH: i32, inW: i32, inC: i32,
  wT: usize, outC: i32, outCp: i32, bias: usize, lo: f32, hi: f32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  patch: usize, scratch: usize, y: usize,
): void {
  const K = kh * kw * inC;
  const loV = f32x4.splat(lo);
  const hiV = f32x4.splat(hi);
  const rowBytes = <usize>inC << 2;
  let yAt = y;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sh - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sw - padLeft;
        let p = patch;
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) memory.fill(p, 0, rowBytes);
            else memory.copy(p, x + (<usize>(((b * inH + iy) * inW + ix) * inC) << 2), rowBytes);
            p += rowBytes;
          }
        }
        rowTimesFiltersF32(patch, K, wT, outC, outCp, bias, loV, hiV, yAt, scratch);
        yAt += <usize>outC << 2;
      }
    }
  }
}

/**
 * depthwise_conv_2d with depth multiplier 1: filters w (float32 [kh·kw][C]). Per output pixel,
 * channels two per lane pair, eight per pass, each summing its in-bounds taps in (ky, kx) order.
 */
export function depthwise(
  x: usize, n: i32, inH: i32, inW: i32, C: i32,
  w: usize, bias: usize, lo: f64, hi: f64,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  y: usize,
): void {
  const loV = f64x2.splat(lo);
  const hiV = f64x2.splat(hi);
  let yAt = y;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sh - padTop;
      const kyLo = iy0 < 0 ? (-iy0 + dh - 1) / dh : 0;
      const kyHi = min(kh, (inH - iy0 + dh - 1) / dh);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sw - padLeft;
        const kxLo = ix0 < 0 ? (-ix0 + dw - 1) / dw : 0;
        const kxHi = min(kw, (inW - ix0 + dw - 1) / dw);
        let c = 0;
        for (; c + 8 <= C; c += 8) {
          const bc = bias + (<usize>c << 2);
          let a0 = load2(bc);
          let a1 = load2(bc + 8);
          let a2 = load2(bc + 16);
          let a3 = load2(bc + 24);
          for (let ky = kyLo; ky < kyHi; ky++) {
            const row = x + (<usize>(((b * inH + iy0 + ky * dh) * inW) * C + c) << 2);
            for (let kx = kxLo; kx < kxHi; kx++) {
              const xp = row + (<usize>((ix0 + kx * dw) * C) << 2);
              const wp = w + (<usize>((ky * kw + kx) * C + c) << 2);
              a0 = f64x2.add(a0, f64x2.mul(load2(xp), load2(wp)));
              a1 = f64x2.add(a1, f64x2.mul(load2(xp + 8), load2(wp + 8)));
              a2 = f64x2.add(a2, f64x2.mul(load2(xp + 16), load2(wp + 16)));
              a3 = f64x2.add(a3, f64x2.mul(load2(xp + 24), load2(wp + 24)));
            }
          }
          const out = yAt + (<usize>c << 2);
          store2(out, a0, loV, hiV);
          store2(out + 8, a1, loV, hiV);
          store2(out + 16, a2, loV, hiV);
          store2(out + 24, a3, loV, hiV);
        }
        for (; c + 2 <= C; c += 2) {
          let a = load2(bias + (<usize>c << 2));
          for (let ky = kyLo; ky < kyHi; ky++) {
            for (let kx = kxLo; kx < kxHi; kx++) {
              const xp = x + (<usize>(((b * inH + iy0 + ky * dh) * inW + ix0 + kx * dw) * C + c) << 2);
              a = f64x2.add(a, f64x2.mul(load2(xp), load2(w + (<usize>((ky * kw + kx) * C + c) << 2))));
            }
          }
          store2(yAt + (<usize>c << 2), a, loV, hiV);
        }
        if (c < C) {
          let a = <f64>load<f32>(bias + (<usize>c << 2));
          for (let ky = kyLo; ky < kyHi; ky++) {
            for (let kx = kxLo; kx < kxHi; kx++) {
              const xv = <f64>load<f32>(x + (<usize>(((b * inH + iy0 + ky * dh) * inW + ix0 + kx * dw) * C + c) << 2));
              a += xv * <f64>load<f32>(w + (<usize>((ky * kw + kx) * C + c) << 2));
            }
          }
          store<f32>(yAt + (<usize>c << 2), <f32>min(max(a, lo), hi));
        }
        yAt += <usize>C << 2;
      }
    }
  }
}

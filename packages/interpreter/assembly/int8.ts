// AssemblyScript: int8 conv_2d / depthwise_conv_2d / fully_connected with WebAssembly SIMD, in the
// interpreter's `xnnpack` arithmetic (ARITHMETIC.md). Built by `npm run build:wasm -w @octet/interpreter`
// into wasm/int8.wasm; src/fast/int8.ts plugs it in as a kernel table, and a property test pins it
// to the reference int8 kernels byte for byte.
//
// Memory is laid out by the JS side (no allocator here): every argument is a byte offset.
//   acc[o]  = bias[o] + Σ_k w[o, k] · (x[k] − zp_in)          exact in int32
//   y       = fl(fl(acc) · scale[o]), clamped to [lo, hi] (= the fused activation's bounds − zp_out)
//   out     = even(y) + zp_out                                 (f32.nearest rounds half to even)

/** acc → int8 for one output channel, as the reference `xnnpack` requantization. */
@inline
function requantize(acc: i32, scale: f32, lo: f32, hi: f32, zpOut: i32): i32 {
  let v: f32 = <f32>acc * scale;
  v = v < lo ? lo : v > hi ? hi : v;
  return <i32>nearest<f32>(v) + zpOut;
}

@inline
function hsum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/** [Σ a0, Σ a1, Σ a2, Σ a3]: the four horizontal sums, as one vector (two rounds of pairwise adds). */
@inline
function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

/** Four int32 accumulators → four int8 at `out`: `requantize` lane by lane. */
@inline
function requantize4(acc: v128, s: usize, lo: v128, hi: v128, zp: v128, out: usize): void {
  let v = f32x4.mul(f32x4.convert_i32x4_s(acc), v128.load(s));
  v = f32x4.min(f32x4.max(v, lo), hi);
  const q = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(v)), zp);
  const q16 = i16x8.narrow_i32x4_s(q, q);
  v128.store32_lane(out, i8x16.narrow_i16x8_s(q16, q16), 0);
}

/**
 * One row of K (padded to kpad, a multiple of 8, with zeros) of int16 values `row` against every
 * filter row of `w` (int16 [outC][kpad]): y[o] for every o. Four filters share each load of the row.
 */
function rowTimesFilters(row: usize, w: usize, kpad: i32, outC: i32, bias: usize, scale: usize, lo: f32, hi: f32, zpOut: i32, y: usize): void {
  const stride = <usize>kpad << 1;
  const loV = f32x4.splat(lo);
  const hiV = f32x4.splat(hi);
  const zpV = i32x4.splat(zpOut);
  let o = 0;
  for (; o + 4 <= outC; o += 4) {
    const w0 = w + <usize>o * stride;
    const w1 = w0 + stride;
    const w2 = w1 + stride;
    const w3 = w2 + stride;
    let a0 = i32x4.splat(0);
    let a1 = i32x4.splat(0);
    let a2 = i32x4.splat(0);
    let a3 = i32x4.splat(0);
    for (let k: usize = 0; k < stride; k += 16) {
      const p = v128.load(row + k);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(p, v128.load(w0 + k)));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(p, v128.load(w1 + k)));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(p, v128.load(w2 + k)));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(p, v128.load(w3 + k)));
    }
    const acc = i32x4.add(v128.load(bias + (<usize>o << 2)), hsum4(a0, a1, a2, a3));
    requantize4(acc, scale + (<usize>o << 2), loV, hiV, zpV, y + <usize>o);
  }
  for (; o < outC; o++) {
    const w0 = w + <usize>o * stride;
    let a = i32x4.splat(0);
    for (let k: usize = 0; k < stride; k += 16) a = i32x4.add(a, i32x4.dot_i16x8_s(v128.load(row + k), v128.load(w0 + k)));
    store<i8>(y + <usize>o, requantize(load<i32>(bias + (<usize>o << 2)) + hsum(a), load<f32>(scale + (<usize>o << 2)), lo, hi, zpOut));
  }
}

/**
 * conv_2d, NHWC input x (int8), filters w (int16 [outC][kpad], OHWI order, zero-padded to kpad).
 * Per output pixel the window, minus zp_in (0 for taps over the edge), is gathered into `patch`
 * (int16 [kpad]), then every filter is one dot product with it. fully_connected is the 1×1 case.
 */
export function conv(
  x: usize, n: i32, inH: i32, inW: i32, inC: i32, zpIn: i32,
  w: usize, kpad: i32, outC: i32, bias: usize, scale: usize, lo: f32, hi: f32, zpOut: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  patch: usize, y: usize,
): void {
  const K = kh * kw * inC;
  for (let k = K; k < kpad; k++) store<i16>(patch + (<usize>k << 1), 0);
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
            if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
              memory.fill(p, 0, <usize>inC << 1);
            } else {
              const src = x + <usize>(((b * inH + iy) * inW + ix) * inC);
              let i = 0;
              const zp = i16x8.splat(<i16>zpIn);
              for (; i + 8 <= inC; i += 8) v128.store(p + (<usize>i << 1), i16x8.sub(v128.load8x8_s(src + <usize>i), zp));
              for (; i < inC; i++) store<i16>(p + (<usize>i << 1), <i16>(<i32>load<i8>(src + <usize>i) - zpIn));
            }
            p += <usize>inC << 1;
          }
        }
        rowTimesFilters(patch, w, kpad, outC, bias, scale, lo, hi, zpOut, yAt);
        yAt += <usize>outC;
      }
    }
  }
}

/** Eight int32 accumulators → eight int8 outputs at `out` (the vector form of `requantize`). */
@inline
function requantize8(accLo: v128, accHi: v128, s: usize, lo: v128, hi: v128, zp: v128, out: usize): void {
  let vLo = f32x4.mul(f32x4.convert_i32x4_s(accLo), v128.load(s));
  let vHi = f32x4.mul(f32x4.convert_i32x4_s(accHi), v128.load(s + 16));
  vLo = f32x4.min(f32x4.max(vLo, lo), hi);
  vHi = f32x4.min(f32x4.max(vHi, lo), hi);
  const qLo = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(vLo)), zp);
  const qHi = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(vHi)), zp);
  const q16 = i16x8.narrow_i32x4_s(qLo, qHi);
  v128.store64_lane(out, i8x16.narrow_i16x8_s(q16, q16), 0);
}

/**
 * depthwise_conv_2d with depth multiplier 1: filters w (int16 [kh·kw][C]). Per output pixel, eight
 * channels at a time sum their in-bounds taps in int32 lanes.
 */
export function depthwise(
  x: usize, n: i32, inH: i32, inW: i32, C: i32, zpIn: i32,
  w: usize, bias: usize, scale: usize, lo: f32, hi: f32, zpOut: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  y: usize,
): void {
  const zp16 = i16x8.splat(<i16>zpIn);
  const loV = f32x4.splat(lo);
  const hiV = f32x4.splat(hi);
  const zpV = i32x4.splat(zpOut);
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
          let aLo = v128.load(bias + (<usize>c << 2));
          let aHi = v128.load(bias + (<usize>c << 2) + 16);
          for (let ky = kyLo; ky < kyHi; ky++) {
            const row = x + <usize>(((b * inH + iy0 + ky * dh) * inW) * C + c);
            for (let kx = kxLo; kx < kxHi; kx++) {
              const xv = i16x8.sub(v128.load8x8_s(row + <usize>((ix0 + kx * dw) * C)), zp16);
              const wv = v128.load(w + (<usize>((ky * kw + kx) * C + c) << 1));
              aLo = i32x4.add(aLo, i32x4.extmul_low_i16x8_s(xv, wv));
              aHi = i32x4.add(aHi, i32x4.extmul_high_i16x8_s(xv, wv));
            }
          }
          requantize8(aLo, aHi, scale + (<usize>c << 2), loV, hiV, zpV, yAt + <usize>c);
        }
        for (; c < C; c++) {
          let a = load<i32>(bias + (<usize>c << 2));
          for (let ky = kyLo; ky < kyHi; ky++) {
            for (let kx = kxLo; kx < kxHi; kx++) {
              const xv = <i32>load<i8>(x + <usize>(((b * inH + iy0 + ky * dh) * inW + ix0 + kx * dw) * C + c)) - zpIn;
              a += xv * <i32>load<i16>(w + (<usize>((ky * kw + kx) * C + c) << 1));
            }
          }
          store<i8>(yAt + <usize>c, requantize(a, load<f32>(scale + (<usize>c << 2)), lo, hi, zpOut));
        }
        yAt += <usize>C;
      }
    }
  }
}

/**
 * max_pool_2d: per output pixel, the largest in-bounds tap of each channel (−128 when none), then
 * clamped to [lo, hi] (the fused activation's bounds, zero point included). Sixteen channels per
 * vector, then eight at a time.
 */
export function maxPool(
  x: usize, n: i32, inH: i32, inW: i32, C: i32, fh: i32, fw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  lo: i32, hi: i32, y: usize,
): void {
  const loV = i8x16.splat(<i8>lo);
  const hiV = i8x16.splat(<i8>hi);
  const floor = i8x16.splat(-128);
  let yAt = y;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>(b * inH * inW * C);
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(0, oy * sh - padTop);
      const y1 = min(inH, oy * sh - padTop + fh);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(0, ox * sw - padLeft);
        const x1 = min(inW, ox * sw - padLeft + fw);
        let c = 0;
        for (; c + 16 <= C; c += 16) {
          let m = floor;
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) m = i8x16.max_s(m, v128.load(xb + <usize>((iy * inW + ix) * C + c)));
          v128.store(yAt + <usize>c, i8x16.min_s(i8x16.max_s(m, loV), hiV));
        }
        // the last (up to) eight channels: lanes past C read the next pixel and write into it, which
        // is rewritten right after (pixels go in order); x and y carry 16 bytes of slack at the end
        for (; c < C; c += 8) {
          let m = floor;
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) m = i8x16.max_s(m, v128.load64_zero(xb + <usize>((iy * inW + ix) * C + c)));
          v128.store64_lane(yAt + <usize>c, i8x16.min_s(i8x16.max_s(m, loV), hiV), 0);
        }
        yAt += <usize>C;
      }
    }
  }
}

/**
 * The input minus zp_in as int16, with the zero border that the windows hang over (padTop rows and
 * padLeft columns before, enough after): `img` is [n][hp][wp][inC]. Windows then read it without
 * bounds checks, and padding taps read 0, as they contribute nothing.
 */
function paddedImage(x: usize, n: i32, inH: i32, inW: i32, inC: i32, zpIn: i32, padTop: i32, padLeft: i32, hp: i32, wp: i32, img: usize): void {
  memory.fill(img, 0, <usize>(n * hp * wp * inC) << 1);
  const zp = i16x8.splat(<i16>zpIn);
  const rowLen = inW * inC;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < inH; iy++) {
      const src = x + <usize>((b * inH + iy) * rowLen);
      const dst = img + (<usize>(((b * hp + iy + padTop) * wp + padLeft) * inC) << 1);
      let i = 0;
      for (; i + 8 <= rowLen; i += 8) v128.store(dst + (<usize>i << 1), i16x8.sub(v128.load8x8_s(src + <usize>i), zp));
      for (; i < rowLen; i++) store<i16>(dst + (<usize>i << 1), <i16>(<i32>load<i8>(src + <usize>i) - zpIn));
    }
  }
}

/**
 * conv_2d for a small window (K = kh·kw·inC ≤ 32): filters laid out in groups of four output
 * channels, tap pairs interleaved (`w4`: int16 [⌈outC/4⌉][pairs][4 channels][2 taps], zeros past K
 * and past outC). Each step multiplies one pair of patch values (splat to all lanes) with the four
 * channels' pair of weights: the lanes are the four channels' sums, no horizontal sum needed.
 * The patch is gathered from the padded int16 image (`img`, see paddedImage), each window row a
 * run of 16-byte copies; `patch` needs 16 bytes of slack. `scratch` takes the last group when outC
 * is not a multiple of four.
 */
export function convSmallK(
  x: usize, n: i32, inH: i32, inW: i32, inC: i32, zpIn: i32,
  w4: usize, pairs: i32, outC: i32, bias: usize, scale: usize, lo: f32, hi: f32, zpOut: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  img: usize, hp: i32, wp: i32, patch: usize, scratch: usize, y: usize,
): void {
  paddedImage(x, n, inH, inW, inC, zpIn, padTop, padLeft, hp, wp, img);
  const K = kh * kw * inC;
  const tail = <usize>(pairs * 2 - K) << 1;
  const loV = f32x4.splat(lo);
  const hiV = f32x4.splat(hi);
  const zpV = i32x4.splat(zpOut);
  const groupBytes = <usize>pairs << 4;
  const pixel = <usize>inC << 1;
  // a window row: kw taps dw pixels apart, or one contiguous run when dw = 1
  const runs = dw == 1 ? 1 : kw;
  const runBytes = dw == 1 ? <usize>(kw * inC) << 1 : pixel;
  let yAt = y;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let p = patch;
        for (let ky = 0; ky < kh; ky++) {
          let src = img + (<usize>(((b * hp + oy * sh + ky * dh) * wp + ox * sw) * inC) << 1);
          for (let r = 0; r < runs; r++) {
            for (let q: usize = 0; q < runBytes; q += 16) v128.store(p + q, v128.load(src + q));
            p += runBytes;
            src += <usize>dw * pixel;
          }
        }
        if (tail) store<i16>(p, 0); // the odd tap's partner (the copies may have run past K)
        let w = w4;
        for (let o = 0; o < outC; o += 4) {
          let acc = v128.load(bias + (<usize>o << 2));
          for (let j = 0; j < pairs; j++) {
            acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load32_splat(patch + (<usize>j << 2)), v128.load(w + (<usize>j << 4))));
          }
          w += groupBytes;
          if (o + 4 <= outC) {
            requantize4(acc, scale + (<usize>o << 2), loV, hiV, zpV, yAt + <usize>o);
          } else {
            requantize4(acc, scale + (<usize>o << 2), loV, hiV, zpV, scratch);
            memory.copy(yAt + <usize>o, scratch, <usize>(outC - o));
          }
        }
        yAt += <usize>outC;
      }
    }
  }
}

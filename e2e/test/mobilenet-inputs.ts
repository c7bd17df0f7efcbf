import { loadMnist } from '@octet/data';
import { mulberry32 } from '@octet/testing';

/**
 * Structured stand-ins for photographs, which are not available offline. Each image is built from
 * MNIST digits in one of three styles, picked per image with equal odds:
 * - `poster`: one digit, 28 → 224 by nearest neighbour (8×8 blocks), ink and paper two random
 *   colours: flat regions and hard staircase edges.
 * - `closeup`: one digit enlarged 11–15× by bilinear interpolation around its centre, so the strokes
 *   become broad curved bands that fill the frame, in two skin tones (or a skin tone on a dark
 *   one) under a linear lighting gradient: smooth shading of large skin-coloured areas.
 * - `sketch`: a 2×2 or 3×3 grid of digits, each stroke's contour (where the bilinear intensity
 *   crosses one half) drawn as a dark line over skin-tone fills: line art.
 * Why: nsfwjs's classifier puts flat synthetic pictures almost always in "Neutral"; these three
 * styles reach "Drawing" (posters, sketches) and "Porn" (skin close-ups) as well, which the test
 * requires of the float model (at least 3 distinct top-1 classes), and together they cover flat,
 * edged and smoothly shaded content, so calibration sees a spread of activation ranges.
 * Values are 8-bit pixels / 255, what nsfwjs feeds both models from a decoded picture
 * (dist/esm/core.js `infer`: `fromPixels(img).toFloat().div(255)`); the graph model maps that to
 * [−1, 1] itself (hub_input/Mul by 2, hub_input/Sub 1). On the pixel grid, a uint8 input with
 * TFLite's scale 1/255 carries the picture exactly.
 */
export interface DigitImages {
  count: number;
  /** What image i is, for messages. */
  describe(i: number): string;
  /** Image i as float32 NHWC [1, 224, 224, 3] data. */
  image(i: number): Float32Array;
}

const S = 224;
type Rgb = [number, number, number];
type Style = 'poster' | 'closeup' | 'sketch';


/** Bilinear sample of a 28×28 digit at (y, x) in pixel-centre coordinates, clamped at the border, in [0, 1]. */
function bilinear(d: Uint8Array, y: number, x: number): number {
  const fy = Math.min(27, Math.max(0, y));
  const fx = Math.min(27, Math.max(0, x));
  const y0 = Math.floor(fy);
  const x0 = Math.floor(fx);
  const y1 = Math.min(27, y0 + 1);
  const x1 = Math.min(27, x0 + 1);
  const ay = fy - y0;
  const ax = fx - x0;
  const top = d[y0 * 28 + x0] * (1 - ax) + d[y0 * 28 + x1] * ax;
  const bottom = d[y1 * 28 + x0] * (1 - ax) + d[y1 * 28 + x1] * ax;
  return (top * (1 - ay) + bottom * ay) / 255;
}

interface Recipe {
  style: Style;
  /** Digit indices into the split. */
  digits: number[];
  /** Pixel colour at (y, x) given the digit intensity t ∈ [0, 1] there (before clamping to [0, 1]). */
  paint(t: number, y: number, x: number): Rgb;
  /** Digit intensity at (y, x). */
  sample(digit: (k: number) => Uint8Array, y: number, x: number): number;
}

const skin = (r: () => number, lo = 0.4): Rgb => {
  const l = lo + (1 - lo) * r();
  return [l, l * (0.62 + 0.18 * r()), l * (0.42 + 0.22 * r())];
};
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

function recipe(r: () => number, pick: () => number): Recipe {
  const u = r();
  if (u < 1 / 3) {
    const paper: Rgb = [r(), r(), r()];
    const ink: Rgb = [r(), r(), r()];
    return {
      style: 'poster',
      digits: [pick()],
      paint: (t) => mix(paper, ink, t),
      sample: (digit, y, x) => digit(0)[(y >> 3) * 28 + (x >> 3)] / 255,
    };
  }
  if (u < 2 / 3) {
    const a = skin(r, 0.6);
    const dark = r() < 0.5;
    const l = 0.1 + 0.9 * r();
    const b: Rgb = dark ? [0.3 * l, 0.2 * l, 0.15 * l] : skin(r);
    const zoom = 11 + 4 * r();
    const gx = 2 * r() - 1;
    const gy = 2 * r() - 1;
    return {
      style: 'closeup',
      digits: [pick()],
      paint: (t, y, x) => {
        const light = 1 + gx * (x / S - 0.5) + gy * (y / S - 0.5);
        const c = mix(a, b, t);
        return [c[0] * light, c[1] * light, c[2] * light];
      },
      sample: (digit, y, x) => bilinear(digit(0), (y - S / 2) / zoom + 13.5, (x - S / 2) / zoom + 13.5),
    };
  }
  const grid = r() < 0.5 ? 2 : 3;
  const cell = S / grid;
  const fills = Array.from({ length: grid * grid }, () => skin(r));
  const paper = skin(r);
  return {
    style: 'sketch',
    digits: Array.from({ length: grid * grid }, pick),
    paint: (t, y, x) => {
      const c = Math.min(grid - 1, Math.floor(y / cell)) * grid + Math.min(grid - 1, Math.floor(x / cell));
      const line = 1 - Math.min(1, Math.abs(t - 0.5) * 3);
      const f = mix(paper, fills[c], t);
      return [f[0] * (1 - line), f[1] * (1 - line), f[2] * (1 - line)];
    },
    sample: (digit, y, x) => {
      const cy = Math.min(grid - 1, Math.floor(y / cell));
      const cx = Math.min(grid - 1, Math.floor(x / cell));
      return bilinear(digit(cy * grid + cx), ((y - cy * cell) / cell) * 28 - 0.5, ((x - cx * cell) / cell) * 28 - 0.5);
    },
  };
}

/**
 * `count` images from the first digits of an MNIST split (each image's digits are drawn from the
 * first `pool` ones), styled by a PRNG seeded with `seed`.
 */
export function digitImages(split: 'train' | 'test', count: number, seed: number, pool = 1000): DigitImages {
  const mnist = loadMnist(split, { limit: pool });
  const random = mulberry32(seed);
  const pick = () => Math.floor(random() * pool);
  const recipes = Array.from({ length: count }, () => recipe(random, pick));
  return {
    count,
    describe: (i) => `${split} image ${i}: ${recipes[i].style} of digit${recipes[i].digits.length > 1 ? 's' : ''} ${recipes[i].digits.join(',')}`,
    image(i) {
      const { digits, paint, sample } = recipes[i];
      const digit = (k: number) => mnist.images.subarray(digits[k] * 784, (digits[k] + 1) * 784);
      const out = new Float32Array(S * S * 3);
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const c = paint(sample(digit, y, x), y, x);
          const o = (y * S + x) * 3;
          for (let k = 0; k < 3; k++) out[o + k] = Math.round(255 * Math.min(1, Math.max(0, c[k]))) / 255;
        }
      }
      return out;
    },
  };
}

//! The inner loops: depthwise and ungrouped convolutions (through the matrix product of
//! ndarray's matrixmultiply), the bias, residual and ReLU folded into their output, max pool.

use tract_onnx::prelude::tract_ndarray::linalg::general_mat_mul;
use tract_onnx::prelude::tract_ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder, ShapeError};

use crate::plan::{Act, Conv, Kind, Window};
use crate::{LANES, NetError, TILE, V, blocks};

/// `acc += v · w`, lane by lane.
///
/// The loops over lanes here are plain `while` loops: in release builds any form of them is
/// unrolled and vectorised, but the tests run unoptimised builds, where a range or an iterator
/// adaptor costs a few calls per element (and the network runs some 90 times in the tests).
#[inline(always)]
pub(crate) fn madd(acc: &mut V, v: &V, w: &V) {
    let mut j = 0;
    while j < LANES {
        acc[j] += v[j] * w[j];
        j += 1;
    }
}

/// The bias, residual and ReLU of a convolution's output block.
#[inline(always)]
pub(crate) fn finish(v: &mut V, bias: &V, res: Option<&V>, relu: bool) {
    let mut j = 0;
    while j < LANES {
        v[j] += bias[j];
        j += 1;
    }
    if let Some(r) = res {
        let mut j = 0;
        while j < LANES {
            v[j] += r[j];
            j += 1;
        }
    }
    if relu {
        let mut j = 0;
        while j < LANES {
            v[j] = v[j].max(0.0);
            j += 1;
        }
    }
}

/// The residual block `b` of pixel `p` (`lanes` blocks a pixel), zeros past its channels.
#[inline(always)]
pub(crate) fn residual(res: Option<(&[V], usize)>, p: usize, b: usize) -> Option<&V> {
    let (r, lanes) = res?;
    if b < lanes {
        r.get(p * lanes + b)
    } else {
        None
    }
}

impl Conv {
    pub(crate) fn run(
        &self,
        input: &[f32],
        res: Option<&[V]>,
        temp: &mut [f32],
        out: &mut [V],
    ) -> Result<(), NetError> {
        let i = &self.input;
        let res = res.zip(self.residual.as_ref().map(Act::lanes));
        match &self.kind {
            Kind::Pointwise { weights, k } => {
                product(input, i.cs, *k, weights, &self.bias, res, self.relu, out)?;
            }
            Kind::Patches {
                weights,
                k,
                win,
                rows,
            } => {
                let (k, lanes, per_row) = (*k, self.bias.len(), self.w);
                let input = blocks(input);
                let lanes_in = i.lanes();
                for y in (0..self.h).step_by(*rows) {
                    let first = y * per_row;
                    let end = (y + rows).min(self.h) * per_row;
                    // Each tap's channels are copied as the input pixel's whole blocks, in
                    // order: their zero padding lands where the next tap (or the next pixel,
                    // or the buffer's slack) is written after them, or must be zero anyway.
                    for (n, p) in (first..end).enumerate() {
                        let (oy, ox) = (p / per_row, p % per_row);
                        let (y0, ky0, ky1) = Window::span(oy, win.sh, win.top, win.kh, i.h);
                        let (x0, kx0, kx1) = Window::span(ox, win.sw, win.left, win.kw, i.w);
                        let patch = &mut temp[n * k..(n + 1) * k + i.cs];
                        if (ky0, ky1, kx0, kx1) != (0, win.kh, 0, win.kw) {
                            patch[..k].fill(0.0);
                        }
                        for ky in ky0..ky1 {
                            let y = (y0 + ky as isize) as usize;
                            let x = y * i.w + (x0 + kx0 as isize) as usize;
                            let src = &input[x * lanes_in..(x + kx1 - kx0) * lanes_in];
                            for (kx, px) in (kx0..kx1).zip(src.chunks_exact(lanes_in)) {
                                let at = (ky * win.kw + kx) * i.c;
                                if let [v] = px {
                                    patch[at..at + LANES].copy_from_slice(v);
                                } else {
                                    for (b, v) in px.iter().enumerate() {
                                        patch[at + b * LANES..][..LANES].copy_from_slice(v);
                                    }
                                }
                            }
                        }
                    }
                    let res = res.map(|(r, l)| (&r[first * l..end * l], l));
                    let out = &mut out[first * lanes..end * lanes];
                    product(temp, k, k, weights, &self.bias, res, self.relu, out)?;
                }
            }
            Kind::Depthwise { weights, win } => {
                let input = blocks(input);
                // Output columns whose windows lie inside the input's width.
                let lo = win.left.div_ceil(win.sw).min(self.w);
                let hi = ((i.w + win.left).saturating_sub(win.kw) / win.sw + 1).clamp(lo, self.w);
                let hi = if i.w + win.left < win.kw { lo } else { hi };
                for oy in 0..self.h {
                    let (y0, ky0, ky1) = Window::span(oy, win.sh, win.top, win.kh, i.h);
                    let rows = DwRows {
                        y0,
                        ky0,
                        ky1,
                        first: oy * self.w,
                    };
                    for ox in (0..lo).chain(hi..self.w) {
                        self.depthwise::<1>(input, weights, *win, rows, ox, res, out, true);
                    }
                    let mut ox = lo;
                    while ox + TILE <= hi {
                        self.depthwise::<TILE>(input, weights, *win, rows, ox, res, out, false);
                        ox += TILE;
                    }
                    for ox in ox..hi {
                        self.depthwise::<1>(input, weights, *win, rows, ox, res, out, false);
                    }
                }
            }
        }
        Ok(())
    }

    /// A depthwise convolution's output pixels `ox..ox + M` of one row, their sums in
    /// registers; `edge`: some of their windows reach past the input's width.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn depthwise<const M: usize>(
        &self,
        input: &[V],
        weights: &[V],
        win: Window,
        rows: DwRows,
        ox: usize,
        res: Option<(&[V], usize)>,
        out: &mut [V],
        edge: bool,
    ) {
        let (iw, lanes) = (self.input.w, self.input.lanes());
        let (x0, kx0, kx1) = if edge {
            Window::span(ox, win.sw, win.left, win.kw, iw)
        } else {
            ((ox * win.sw) as isize - win.left as isize, 0, win.kw)
        };
        for (b, bias) in self.bias.iter().enumerate() {
            let mut acc = [[0.0; LANES]; M];
            for ky in rows.ky0..rows.ky1 {
                let row = (rows.y0 + ky as isize) as usize * iw;
                for kx in kx0..kx1 {
                    let w = &weights[(ky * win.kw + kx) * lanes + b];
                    let x = (x0 + kx as isize) as usize;
                    for (m, acc) in acc.iter_mut().enumerate() {
                        madd(acc, &input[(row + x + m * win.sw) * lanes + b], w);
                    }
                }
            }
            for (m, mut acc) in acc.into_iter().enumerate() {
                let p = rows.first + ox + m;
                finish(&mut acc, bias, residual(res, p, b), self.relu);
                out[p * lanes + b] = acc;
            }
        }
    }
}

/// The input rows of one output row of a depthwise convolution ([`Window::span`]) and the
/// row's first output pixel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DwRows {
    y0: isize,
    ky0: usize,
    ky1: usize,
    pub(crate) first: usize,
}

/// `out[p] = finish(bias + Σ_i a[p][i] · weights[i])` for each pixel `p` of `out`, `a`'s rows
/// `stride` floats apart (`k` of them used), `weights` `k` rows of all output channels.
///
/// The product is ndarray's (tract's array type, re-exported by tract-onnx), that is the
/// matrixmultiply crate's: it picks AVX2 and FMA kernels at run time, which the loops of this
/// file, compiled for baseline x86-64 (SSE2, no fused multiply-add), cannot use without
/// `unsafe`. On this model it ran the 1x1 convolutions 1.5 to 2 times as fast as a
/// register-tiled loop of our own (4 pixels by 8 output channels).
#[allow(clippy::too_many_arguments)]
pub(crate) fn product(
    a: &[f32],
    stride: usize,
    k: usize,
    weights: &[f32],
    bias: &[V],
    res: Option<(&[V], usize)>,
    relu: bool,
    out: &mut [V],
) -> Result<(), NetError> {
    let lanes = bias.len();
    let pixels = out.len() / lanes;
    let shape = |e: ShapeError| NetError(format!("matrix product: {e}"));
    let a = &a[..(pixels.max(1) - 1) * stride + k];
    let a = ArrayView2::from_shape((pixels, k).strides((stride, 1)), a).map_err(shape)?;
    let w = ArrayView2::from_shape((k, lanes * LANES), weights).map_err(shape)?;
    let mut c = ArrayViewMut2::from_shape((pixels, lanes * LANES), out.as_flattened_mut())
        .map_err(shape)?;
    general_mat_mul(1.0, &a, &w, 0.0, &mut c);
    for (p, px) in out.chunks_exact_mut(lanes).enumerate() {
        for ((b, o), bias) in px.iter_mut().enumerate().zip(bias) {
            finish(o, bias, residual(res, p, b), relu);
        }
    }
    Ok(())
}

impl Window {
    pub(crate) fn max_pool(self, input: &[V], i: &Act, o: &Act, out: &mut [V]) {
        let win = self;
        let lanes = i.lanes();
        for oy in 0..o.h {
            let (y0, ky0, ky1) = Window::span(oy, win.sh, win.top, win.kh, i.h);
            for ox in 0..o.w {
                let (x0, kx0, kx1) = Window::span(ox, win.sw, win.left, win.kw, i.w);
                let p = oy * o.w + ox;
                for (b, o) in out[p * lanes..(p + 1) * lanes].iter_mut().enumerate() {
                    let mut m = [f32::NEG_INFINITY; LANES];
                    for ky in ky0..ky1 {
                        let row = (y0 + ky as isize) as usize * i.w;
                        for kx in kx0..kx1 {
                            let x = (x0 + kx as isize) as usize;
                            let v = &input[(row + x) * lanes + b];
                            let mut j = 0;
                            while j < LANES {
                                m[j] = m[j].max(v[j]);
                                j += 1;
                            }
                        }
                    }
                    *o = m;
                }
            }
        }
    }
}

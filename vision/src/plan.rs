//! The plan of a network: the activations and their buffers, the steps, and the run.

use std::fmt;
use std::sync::Mutex;

use crate::{LANES, NetError, Output, V, blocks, blocks_mut, fail};

/// A loaded network: the steps to run, the buffers they use, and spare buffers of earlier runs.
pub struct Net {
    pub(crate) input: Act,
    pub(crate) input_shape: Vec<usize>,
    pub(crate) steps: Vec<Step>,
    pub(crate) outputs: Vec<(String, Vec<usize>, Act)>,
    /// Length of each buffer, floats.
    pub(crate) slots: Vec<usize>,
    /// Length of the patch buffer of ungrouped convolutions, floats.
    pub(crate) temp: usize,
    /// Buffers of finished runs, taken by the next (one set per concurrent run).
    pub(crate) spare: Mutex<Vec<Scratch>>,
}

impl fmt::Debug for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Net")
            .field("input", &self.input_shape)
            .field("steps", &self.steps.len())
            .field("buffers", &self.slots)
            .field("macs", &self.macs())
            .finish()
    }
}

/// The buffers of one run.
pub(crate) struct Scratch {
    pub(crate) slots: Vec<Vec<f32>>,
    pub(crate) temp: Vec<f32>,
}

/// An activation: an NHWC buffer (batch 1) and how the graph sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Act {
    /// The buffer (while building, a value's own id; then the shared buffer it lives in).
    pub(crate) buf: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) c: usize,
    /// Floats per pixel: `c` rounded up to [`LANES`], the rest zeros.
    pub(crate) cs: usize,
    /// The graph's shape when it sees the buffer in row-major order (after the transposition to
    /// NHWC and any reshape); `None`: the graph sees it as NCHW `[1, c, h, w]`.
    pub(crate) flat: Option<Vec<usize>>,
}

impl Act {
    pub(crate) fn len(&self) -> usize {
        self.h * self.w * self.cs
    }

    pub(crate) fn lanes(&self) -> usize {
        self.cs / LANES
    }

    pub(crate) fn shape(&self) -> Vec<usize> {
        self.flat.clone().unwrap_or(vec![1, self.c, self.h, self.w])
    }

    /// Where the graph's element `i` (row-major over [`Act::shape`]) lies in the buffer.
    pub(crate) fn offset(&self, i: usize) -> usize {
        if self.flat.is_some() {
            i / self.c * self.cs + i % self.c
        } else {
            let (ch, px) = (i / (self.h * self.w), i % (self.h * self.w));
            px * self.cs + ch
        }
    }
}

/// A value of the graph while building.
pub(crate) enum Val {
    Act(Act),
    /// `ConstantOfShape` zeros, never stored.
    Zeros(Vec<usize>),
    /// `src` with zero channels appended up to `c` (a `Concat` with zeros), read in place.
    Padded {
        src: Act,
        c: usize,
    },
    /// A convolution not emitted yet, so that an `Add` and a `Relu` can still fold into it.
    Pending(Box<Conv>),
    /// An initializer.
    Const(String),
}

/// A sliding window: kernel, strides and the padding before each axis.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub(crate) kh: usize,
    pub(crate) kw: usize,
    pub(crate) sh: usize,
    pub(crate) sw: usize,
    pub(crate) top: usize,
    pub(crate) left: usize,
}

impl Window {
    /// The window's valid rows (or columns) over an input of `len` for output position `o`:
    /// the first input coordinate (may be negative) and the kernel range inside the input.
    #[inline]
    pub(crate) fn span(
        o: usize,
        stride: usize,
        before: usize,
        k: usize,
        len: usize,
    ) -> (isize, usize, usize) {
        let start = (o * stride) as isize - before as isize;
        let first = (-start).max(0) as usize;
        let end = (len as isize - start).clamp(0, k as isize) as usize;
        (start, first.min(end), end)
    }
}

#[derive(Debug)]
pub(crate) enum Kind {
    /// 1x1, stride 1, unpadded: a matrix product over pixels, the weights transposed to a
    /// `k` x (padded output channels) row-major matrix (`k` input channels).
    Pointwise { weights: Vec<f32>, k: usize },
    /// Any other ungrouped convolution: the patches of `rows` output rows at a time (`k` =
    /// kh·kw·cin floats per pixel, in (ky, kx, channel) order) copied out, then the same
    /// product.
    Patches {
        weights: Vec<f32>,
        k: usize,
        win: Window,
        rows: usize,
    },
    /// One filter per channel: `weights[(ky * kw + kx) * lanes + b]`.
    Depthwise { weights: Vec<V>, win: Window },
}

/// A convolution and what is folded into its output: bias, residual addition, ReLU.
#[derive(Debug)]
pub(crate) struct Conv {
    pub(crate) input: Act,
    pub(crate) kind: Kind,
    /// One block per output block, zeros past the channels.
    pub(crate) bias: Vec<V>,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) c: usize,
    /// Added before the ReLU; may have fewer channels than the output (the rest are zeros).
    pub(crate) residual: Option<Act>,
    pub(crate) relu: bool,
}

impl Conv {
    pub(crate) fn macs(&self) -> u64 {
        let per_pixel = match &self.kind {
            Kind::Pointwise { k, .. } | Kind::Patches { k, .. } => k * self.c,
            Kind::Depthwise { win, .. } => win.kh * win.kw * self.c,
        };
        (self.h * self.w * per_pixel) as u64
    }
}

/// One channel range of a concatenation: a stored activation or zeros.
#[derive(Debug)]
pub(crate) struct Part {
    pub(crate) src: Option<Act>,
    pub(crate) c: usize,
}

#[derive(Debug)]
pub(crate) enum Step {
    Conv(Conv, Act),
    MaxPool(Act, Window, Act),
    Add(Act, Act, Act),
    Relu(Act, Act),
    Concat(Vec<Part>, Act),
}

impl Step {
    pub(crate) fn out(&self) -> &Act {
        match self {
            Step::Conv(_, o)
            | Step::MaxPool(_, _, o)
            | Step::Add(_, _, o)
            | Step::Relu(_, o)
            | Step::Concat(_, o) => o,
        }
    }

    pub(crate) fn acts_mut(&mut self) -> Vec<&mut Act> {
        match self {
            Step::Conv(conv, o) => {
                let mut v = vec![&mut conv.input, o];
                v.extend(conv.residual.as_mut());
                v
            }
            Step::MaxPool(i, _, o) | Step::Relu(i, o) => vec![i, o],
            Step::Add(a, b, o) => vec![a, b, o],
            Step::Concat(parts, o) => {
                let mut v: Vec<&mut Act> =
                    parts.iter_mut().filter_map(|p| p.src.as_mut()).collect();
                v.push(o);
                v
            }
        }
    }

    /// The buffers the step reads.
    pub(crate) fn reads(&self) -> Vec<usize> {
        match self {
            Step::Conv(conv, _) => std::iter::once(conv.input.buf)
                .chain(conv.residual.as_ref().map(|r| r.buf))
                .collect(),
            Step::MaxPool(i, _, _) | Step::Relu(i, _) => vec![i.buf],
            Step::Add(a, b, _) => vec![a.buf, b.buf],
            Step::Concat(parts, _) => parts
                .iter()
                .filter_map(|p| Some(p.src.as_ref()?.buf))
                .collect(),
        }
    }

    pub(crate) fn run(&self, slots: &mut [Vec<f32>], temp: &mut [f32]) -> Result<(), NetError> {
        let o = self.out();
        let mut buf = std::mem::take(&mut slots[o.buf]);
        let done = {
            let out = blocks_mut(&mut buf[..o.len()]);
            let get = |a: &Act| &slots[a.buf][..a.len()];
            match self {
                Step::Conv(conv, _) => {
                    let res = conv.residual.as_ref().map(|r| blocks(get(r)));
                    conv.run(get(&conv.input), res, temp, out)
                }
                Step::MaxPool(i, win, _) => {
                    win.max_pool(blocks(get(i)), i, o, out);
                    Ok(())
                }
                Step::Add(a, b, _) => {
                    for ((o, a), b) in out.iter_mut().zip(blocks(get(a))).zip(blocks(get(b))) {
                        *o = std::array::from_fn(|j| a[j] + b[j]);
                    }
                    Ok(())
                }
                Step::Relu(i, _) => {
                    for (o, i) in out.iter_mut().zip(blocks(get(i))) {
                        *o = i.map(|x| x.max(0.0));
                    }
                    Ok(())
                }
                Step::Concat(parts, _) => {
                    let out = out.as_flattened_mut();
                    out.fill(0.0);
                    let mut at = 0;
                    for part in parts {
                        if let Some(src) = &part.src {
                            let data = get(src);
                            for (o, i) in out.chunks_exact_mut(o.cs).zip(data.chunks_exact(src.cs))
                            {
                                o[at..at + part.c].copy_from_slice(&i[..part.c]);
                            }
                        }
                        at += part.c;
                    }
                    Ok(())
                }
            }
        };
        slots[o.buf] = buf;
        done
    }
}

impl Net {
    /// The input's shape (`[1, height, width, channels]`, row-major).
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Multiply-accumulates of one run, in the convolutions.
    pub fn macs(&self) -> u64 {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Conv(conv, _) => conv.macs(),
                _ => 0,
            })
            .sum()
    }

    /// Runs the network on `input` (row-major, [`Net::input_shape`]); the outputs in the
    /// graph's order.
    pub fn run(&self, input: &[f32]) -> Result<Vec<Output>, NetError> {
        let inp = &self.input;
        if input.len() != inp.h * inp.w * inp.c {
            return fail(format!(
                "input of {} values, the network takes {:?}",
                input.len(),
                self.input_shape
            ));
        }
        let spare = self.spare.lock().ok().and_then(|mut s| s.pop());
        let mut scratch = spare.unwrap_or_else(|| Scratch {
            slots: self.slots.iter().map(|&n| vec![0.0; n]).collect(),
            temp: vec![0.0; self.temp],
        });
        let slot = &mut scratch.slots[inp.buf][..inp.len()];
        for (o, i) in slot.chunks_exact_mut(inp.cs).zip(input.chunks_exact(inp.c)) {
            o[..inp.c].copy_from_slice(i);
            o[inp.c..].fill(0.0);
        }
        for step in &self.steps {
            step.run(&mut scratch.slots, &mut scratch.temp)?;
        }
        let outputs = self
            .outputs
            .iter()
            .map(|(name, shape, act)| {
                let data = &scratch.slots[act.buf];
                Output {
                    name: name.clone(),
                    shape: shape.clone(),
                    data: (0..shape.iter().product())
                        .map(|i| data[act.offset(i)])
                        .collect(),
                }
            })
            .collect();
        if let Ok(mut s) = self.spare.lock() {
            s.push(scratch);
        }
        Ok(outputs)
    }
}

/// Gives each value's buffer one of a few shared ones, by lifetime: a buffer is free again
/// after the last step that reads it.
pub(crate) fn share_buffers(net: &mut Net, bufs: &[usize]) {
    let end = net.steps.len();
    let mut last = vec![None; bufs.len()];
    for (i, s) in net.steps.iter().enumerate() {
        for r in s.reads() {
            last[r] = Some(i);
        }
    }
    for (_, _, a) in &net.outputs {
        last[a.buf] = Some(end);
    }
    let mut slot_of = vec![usize::MAX; bufs.len()];
    let mut free: Vec<usize> = Vec::new();
    let slots = &mut net.slots;
    let mut place = |buf: usize, slot_of: &mut Vec<usize>, free: &mut Vec<usize>| {
        let need = bufs[buf];
        // The smallest free buffer large enough, else the largest free one grown.
        let fit = free
            .iter()
            .enumerate()
            .filter(|&(_, &s)| slots[s] >= need)
            .min_by_key(|&(_, &s)| slots[s])
            .or_else(|| free.iter().enumerate().max_by_key(|&(_, &s)| slots[s]))
            .map(|(i, _)| i);
        let slot = match fit {
            Some(i) => free.swap_remove(i),
            None => {
                slots.push(0);
                slots.len() - 1
            }
        };
        slots[slot] = slots[slot].max(need);
        slot_of[buf] = slot;
    };
    place(net.input.buf, &mut slot_of, &mut free);
    for (i, s) in net.steps.iter().enumerate() {
        let out = s.out().buf;
        place(out, &mut slot_of, &mut free);
        let mut done: Vec<usize> = s.reads();
        done.push(out);
        done.sort_unstable();
        done.dedup();
        for b in done {
            if last[b].is_none_or(|l| l == i) {
                free.push(slot_of[b]);
            }
        }
    }
    net.input.buf = slot_of[net.input.buf];
    for s in &mut net.steps {
        for a in s.acts_mut() {
            a.buf = slot_of[a.buf];
        }
    }
    for (_, _, a) in &mut net.outputs {
        a.buf = slot_of[a.buf];
    }
}

//! A small CPU inference engine for the face detector's network (BlazeFace, see [`super::detect`]).
//!
//! tract runs the model correctly but slowly: it has fast kernels for matrix products and for
//! tiny depthwise convolutions only, and the rest of BlazeFace's depthwise convolutions (and the
//! channel padding and additions around them) go through its generic per-element loops
//! (`depth_wise::inner_loop_generic` was 40% of a run in perf). This engine runs the same ONNX
//! graph with loops written for it:
//!
//! - **Driven by the graph.** [`Net::from_onnx`] walks the nodes of the parsed model (tract-onnx's
//!   protobuf types) in order and reads the weights from its initializers (`float_data` or
//!   little-endian `raw_data`); nothing about BlazeFace is written down here. It supports exactly
//!   the operators this model uses and says which node it cannot run otherwise: `Conv`
//!   (ungrouped, depthwise with `group` = channels, and 1x1 pointwise; explicit `pads`, any
//!   stride, no dilation), `Relu`, `Add`, `MaxPool`, `ConstantOfShape` (zeros) with `Concat`
//!   along channels, `Transpose` and `Reshape`.
//! - **Channels last.** Every activation is stored NHWC (batch 1), one pixel's channels
//!   contiguous and padded with zeros to a multiple of `LANES` (8 floats), so that the inner
//!   loops run over whole blocks of channels and auto-vectorise. The graph itself is NCHW
//!   (converted from TensorFlow): its first `Transpose` (NHWC to NCHW) and the `Transpose` plus
//!   `Reshape` before each output only change how a buffer is read, so they cost nothing.
//! - **Kernels.** A 1x1 convolution is a matrix product (pixels x input channels) x (input
//!   channels x output channels), its weights transposed at load time; any other ungrouped
//!   convolution (here the first, 5x5 stride 2) copies the patches of a few output rows into a
//!   buffer and runs the same product. The product itself is ndarray's, i.e. the matrixmultiply
//!   crate's (see `product`). A depthwise convolution accumulates its taps in registers, 4
//!   output pixels by 8 channels at a time, the inner loops over channels. The bias, the
//!   residual addition and the ReLU that follow a convolution in BlazeFace's blocks (`Conv` →
//!   `Add` → `Relu`) are folded into its output loop, and a `Concat` with zeros (the channel
//!   padding of a residual branch) is read in place rather than copied.
//! - **Buffers.** Everything is sized at load time; activations share a few buffers by
//!   lifetime, and each run reuses the buffers of an earlier one.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;

use tract_onnx::pb;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::prelude::tract_ndarray::linalg::general_mat_mul;
use tract_onnx::prelude::tract_ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder, ShapeError};

/// Channels handled together by the kernels; activations' channels are padded to a multiple.
const LANES: usize = 8;
/// One block of [`LANES`] channels.
type V = [f32; LANES];
/// Output pixels of a depthwise convolution's register tile.
const TILE: usize = 4;
/// Floats of patches copied out at a time for an ungrouped convolution (a fraction of the
/// second-level cache).
const PATCHES: usize = 32 * 1024;

/// The model cannot be run by this engine (an operator or a form it does not support) or an
/// input has the wrong size.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct NetError(pub String);

fn fail<T>(msg: impl Into<String>) -> Result<T, NetError> {
    Err(NetError(msg.into()))
}

/// One output of a run, as the graph declares it (row-major, logical shape).
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// A loaded network: the steps to run, the buffers they use, and spare buffers of earlier runs.
pub struct Net {
    input: Act,
    input_shape: Vec<usize>,
    steps: Vec<Step>,
    outputs: Vec<(String, Vec<usize>, Act)>,
    /// Length of each buffer, floats.
    slots: Vec<usize>,
    /// Length of the patch buffer of ungrouped convolutions, floats.
    temp: usize,
    /// Buffers of finished runs, taken by the next (one set per concurrent run).
    spare: Mutex<Vec<Scratch>>,
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
struct Scratch {
    slots: Vec<Vec<f32>>,
    temp: Vec<f32>,
}

/// An activation: an NHWC buffer (batch 1) and how the graph sees it.
#[derive(Debug, Clone, PartialEq)]
struct Act {
    /// The buffer (while building, a value's own id; then the shared buffer it lives in).
    buf: usize,
    h: usize,
    w: usize,
    c: usize,
    /// Floats per pixel: `c` rounded up to [`LANES`], the rest zeros.
    cs: usize,
    /// The graph's shape when it sees the buffer in row-major order (after the transposition to
    /// NHWC and any reshape); `None`: the graph sees it as NCHW `[1, c, h, w]`.
    flat: Option<Vec<usize>>,
}

impl Act {
    fn len(&self) -> usize {
        self.h * self.w * self.cs
    }

    fn lanes(&self) -> usize {
        self.cs / LANES
    }

    fn shape(&self) -> Vec<usize> {
        self.flat.clone().unwrap_or(vec![1, self.c, self.h, self.w])
    }

    /// Where the graph's element `i` (row-major over [`Act::shape`]) lies in the buffer.
    fn offset(&self, i: usize) -> usize {
        if self.flat.is_some() {
            i / self.c * self.cs + i % self.c
        } else {
            let (ch, px) = (i / (self.h * self.w), i % (self.h * self.w));
            px * self.cs + ch
        }
    }
}

/// A value of the graph while building.
enum Val {
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
struct Window {
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    top: usize,
    left: usize,
}

impl Window {
    /// The window's valid rows (or columns) over an input of `len` for output position `o`:
    /// the first input coordinate (may be negative) and the kernel range inside the input.
    #[inline]
    fn span(o: usize, stride: usize, before: usize, k: usize, len: usize) -> (isize, usize, usize) {
        let start = (o * stride) as isize - before as isize;
        let first = (-start).max(0) as usize;
        let end = (len as isize - start).clamp(0, k as isize) as usize;
        (start, first.min(end), end)
    }
}

#[derive(Debug)]
enum Kind {
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
struct Conv {
    input: Act,
    kind: Kind,
    /// One block per output block, zeros past the channels.
    bias: Vec<V>,
    h: usize,
    w: usize,
    c: usize,
    /// Added before the ReLU; may have fewer channels than the output (the rest are zeros).
    residual: Option<Act>,
    relu: bool,
}

impl Conv {
    fn macs(&self) -> u64 {
        let per_pixel = match &self.kind {
            Kind::Pointwise { k, .. } | Kind::Patches { k, .. } => k * self.c,
            Kind::Depthwise { win, .. } => win.kh * win.kw * self.c,
        };
        (self.h * self.w * per_pixel) as u64
    }
}

/// One channel range of a concatenation: a stored activation or zeros.
#[derive(Debug)]
struct Part {
    src: Option<Act>,
    c: usize,
}

#[derive(Debug)]
enum Step {
    Conv(Conv, Act),
    MaxPool(Act, Window, Act),
    Add(Act, Act, Act),
    Relu(Act, Act),
    Concat(Vec<Part>, Act),
}

impl Step {
    fn out(&self) -> &Act {
        match self {
            Step::Conv(_, o)
            | Step::MaxPool(_, _, o)
            | Step::Add(_, _, o)
            | Step::Relu(_, o)
            | Step::Concat(_, o) => o,
        }
    }

    fn acts_mut(&mut self) -> Vec<&mut Act> {
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
    fn reads(&self) -> Vec<usize> {
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

    fn run(&self, slots: &mut [Vec<f32>], temp: &mut [f32]) -> Result<(), NetError> {
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
                    max_pool(blocks(get(i)), i, *win, o, out);
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

fn blocks(s: &[f32]) -> &[V] {
    s.as_chunks::<LANES>().0
}

fn blocks_mut(s: &mut [f32]) -> &mut [V] {
    s.as_chunks_mut::<LANES>().0
}

fn padded(c: usize) -> usize {
    c.div_ceil(LANES) * LANES
}

impl Net {
    /// Builds the execution plan of the model's graph.
    pub fn from_onnx(model: &pb::ModelProto) -> Result<Net, NetError> {
        let graph = model
            .graph
            .as_ref()
            .ok_or_else(|| NetError("the model has no graph".into()))?;
        Builder::new(graph)?.build(graph)
    }

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

/// Builds the plan: walks the nodes, folding and emitting steps, then shares out buffers.
struct Builder<'g> {
    consts: HashMap<&'g str, &'g pb::TensorProto>,
    /// How many nodes read each value, and the graph's outputs.
    uses: HashMap<&'g str, usize>,
    outputs: HashSet<&'g str>,
    vals: HashMap<&'g str, Val>,
    /// Length of each value's buffer.
    bufs: Vec<usize>,
    steps: Vec<Step>,
    temp: usize,
    input: Option<Act>,
}

impl<'g> Builder<'g> {
    fn new(graph: &'g pb::GraphProto) -> Result<Builder<'g>, NetError> {
        let consts: HashMap<&str, &pb::TensorProto> = graph
            .initializer
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect();
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for name in graph.node.iter().flat_map(|n| &n.input) {
            *uses.entry(name.as_str()).or_default() += 1;
        }
        let mut b = Builder {
            vals: consts
                .keys()
                .map(|&k| (k, Val::Const(k.to_string())))
                .collect(),
            consts,
            uses,
            outputs: graph.output.iter().map(|o| o.name.as_str()).collect(),
            bufs: Vec::new(),
            steps: Vec::new(),
            temp: 0,
            input: None,
        };
        let inputs: Vec<&pb::ValueInfoProto> = graph
            .input
            .iter()
            .filter(|i| !b.consts.contains_key(i.name.as_str()))
            .collect();
        let [input] = inputs[..] else {
            return fail(format!("{} graph inputs, one supported", inputs.len()));
        };
        let shape = value_shape(input)?;
        let &[1, h, w, c] = &shape[..] else {
            return fail(format!("input shape {shape:?}, [1, h, w, c] supported"));
        };
        if h * w * c == 0 {
            return fail(format!("empty input {shape:?}"));
        }
        let mut act = b.new_act(h, w, c);
        act.flat = Some(shape);
        b.vals.insert(&input.name, Val::Act(act.clone()));
        b.input = Some(act);
        Ok(b)
    }

    fn new_act(&mut self, h: usize, w: usize, c: usize) -> Act {
        let cs = padded(c);
        self.bufs.push(h * w * cs);
        Act {
            buf: self.bufs.len() - 1,
            h,
            w,
            c,
            cs,
            flat: None,
        }
    }

    fn build(mut self, graph: &'g pb::GraphProto) -> Result<Net, NetError> {
        let input = self
            .input
            .take()
            .ok_or_else(|| NetError("no input".into()))?;
        for node in &graph.node {
            let what = || format!("node {:?} ({})", node.name, node.op_type);
            if !node.domain.is_empty() && node.domain != "ai.onnx" {
                return fail(format!(
                    "{}: domain {:?} is not supported",
                    what(),
                    node.domain
                ));
            }
            let outs: Vec<&String> = node.output.iter().filter(|o| !o.is_empty()).collect();
            let [out] = outs[..] else {
                return fail(format!("{}: {} outputs, one supported", what(), outs.len()));
            };
            let val = self
                .node(node)
                .map_err(|e| NetError(format!("{}: {e}", what())))?;
            let val = match val {
                Val::Pending(conv)
                    if self.uses.get(out.as_str()) != Some(&1)
                        || self.outputs.contains(out.as_str()) =>
                {
                    Val::Act(self.emit(*conv))
                }
                v => v,
            };
            self.vals.insert(out, val);
        }
        let mut outputs = Vec::new();
        for o in &graph.output {
            let act = self
                .act(&o.name)
                .map_err(|e| NetError(format!("output {:?}: {e}", o.name)))?;
            let shape = act.shape();
            if let Ok(declared) = value_shape(o)
                && declared != shape
            {
                return fail(format!(
                    "output {:?}: shape {shape:?}, the graph says {declared:?}",
                    o.name
                ));
            }
            outputs.push((o.name.clone(), shape, act));
        }
        let input_shape = input.shape();
        let mut net = Net {
            input,
            input_shape,
            steps: self.steps,
            outputs,
            slots: Vec::new(),
            temp: self.temp,
            spare: Mutex::new(Vec::new()),
        };
        share_buffers(&mut net, &self.bufs);
        Ok(net)
    }

    /// A value, taken out if it is a pending convolution (which has one reader).
    fn get(&mut self, name: &str) -> Result<Val, NetError> {
        match self.vals.get(name) {
            None => fail(format!("value {name:?} is not defined before use")),
            Some(Val::Pending(_)) => self
                .vals
                .remove(name)
                .ok_or_else(|| NetError(format!("value {name:?} vanished"))),
            Some(Val::Act(a)) => Ok(Val::Act(a.clone())),
            Some(Val::Zeros(s)) => Ok(Val::Zeros(s.clone())),
            Some(Val::Padded { src, c }) => Ok(Val::Padded {
                src: src.clone(),
                c: *c,
            }),
            Some(Val::Const(n)) => Ok(Val::Const(n.clone())),
        }
    }

    /// A value as a stored activation.
    fn act(&mut self, name: &str) -> Result<Act, NetError> {
        let v = self.get(name)?;
        self.store(v)
    }

    fn store(&mut self, v: Val) -> Result<Act, NetError> {
        match v {
            Val::Act(a) => Ok(a),
            Val::Pending(conv) => Ok(self.emit(*conv)),
            Val::Padded { src, c } => {
                let out = self.new_act(src.h, src.w, c);
                let extra = c - src.c;
                let parts = vec![
                    Part {
                        c: src.c,
                        src: Some(src),
                    },
                    Part {
                        src: None,
                        c: extra,
                    },
                ];
                self.steps.push(Step::Concat(parts, out.clone()));
                Ok(out)
            }
            Val::Zeros(s) => fail(format!(
                "zeros of shape {s:?} used as an activation: not supported"
            )),
            Val::Const(n) => fail(format!(
                "initializer {n:?} used as an activation: not supported"
            )),
        }
    }

    /// A stored activation in the graph's NCHW view.
    fn nchw(&mut self, name: &str) -> Result<Act, NetError> {
        let a = self.act(name)?;
        match &a.flat {
            None => Ok(a),
            Some(s) => fail(format!(
                "{name:?} is read as NCHW but has shape {s:?} in NHWC order: not supported"
            )),
        }
    }

    fn emit(&mut self, conv: Conv) -> Act {
        let out = self.new_act(conv.h, conv.w, conv.c);
        self.steps.push(Step::Conv(conv, out.clone()));
        out
    }

    fn tensor(&self, name: &str) -> Result<&'g pb::TensorProto, NetError> {
        self.consts
            .get(name)
            .copied()
            .ok_or_else(|| NetError(format!("{name:?} must be an initializer")))
    }

    fn node(&mut self, node: &'g pb::NodeProto) -> Result<Val, NetError> {
        let arg = |i: usize| -> Result<&'g str, NetError> {
            node.input
                .get(i)
                .filter(|s| !s.is_empty())
                .map(String::as_str)
                .ok_or_else(|| NetError(format!("input {i} missing")))
        };
        let attrs = Attrs(node);
        match node.op_type.as_str() {
            "Conv" => {
                let bias = match node.input.get(2).filter(|s| !s.is_empty()) {
                    Some(b) => Some(floats(self.tensor(b)?)?),
                    None => None,
                };
                let input = self.nchw(arg(0)?)?;
                let w = self.tensor(arg(1)?)?;
                self.conv(input, w, bias, &attrs)
                    .map(|c| Val::Pending(Box::new(c)))
            }
            "Relu" => match self.get(arg(0)?)? {
                Val::Pending(mut conv) if !conv.relu => {
                    conv.relu = true;
                    Ok(Val::Pending(conv))
                }
                v => {
                    let i = self.store(v)?;
                    let mut o = self.new_act(i.h, i.w, i.c);
                    o.flat.clone_from(&i.flat);
                    self.steps.push(Step::Relu(i, o.clone()));
                    Ok(Val::Act(o))
                }
            },
            "Add" => {
                let (mut a, mut b) = (self.get(arg(0)?)?, self.get(arg(1)?)?);
                if !matches!(a, Val::Pending(_)) {
                    std::mem::swap(&mut a, &mut b);
                }
                if let Val::Pending(mut conv) = a {
                    if conv.residual.is_none() && !conv.relu {
                        let res = match &b {
                            Val::Act(r)
                                if r.flat.is_none()
                                    && (r.h, r.w, r.c) == (conv.h, conv.w, conv.c) =>
                            {
                                Some(r.clone())
                            }
                            Val::Padded { src, c }
                                if (src.h, src.w, *c) == (conv.h, conv.w, conv.c) =>
                            {
                                Some(src.clone())
                            }
                            _ => None,
                        };
                        if res.is_some() {
                            conv.residual = res;
                            return Ok(Val::Pending(conv));
                        }
                    }
                    a = Val::Pending(conv);
                }
                let (a, b) = (self.store(a)?, self.store(b)?);
                if a.flat.is_some() || b.flat.is_some() || (a.h, a.w, a.c) != (b.h, b.w, b.c) {
                    return fail(format!(
                        "shapes {:?} and {:?}: only equal NCHW shapes supported",
                        a.shape(),
                        b.shape()
                    ));
                }
                let o = self.new_act(a.h, a.w, a.c);
                self.steps.push(Step::Add(a, b, o.clone()));
                Ok(Val::Act(o))
            }
            "MaxPool" => {
                let i = self.nchw(arg(0)?)?;
                attrs.only(&[
                    "kernel_shape",
                    "strides",
                    "pads",
                    "auto_pad",
                    "ceil_mode",
                    "dilations",
                    "storage_order",
                ])?;
                if attrs.int("ceil_mode", 0)? != 0 || attrs.int("storage_order", 0)? != 0 {
                    return fail("ceil_mode and storage_order not supported");
                }
                let k = dims(&attrs.ints("kernel_shape", None)?)?;
                let &[kh, kw] = &k[..] else {
                    return fail(format!("kernel {k:?}: 2-D supported"));
                };
                let (win, h, w) = window(&i, kh, kw, &attrs)?;
                let o = self.new_act(h, w, i.c);
                self.steps.push(Step::MaxPool(i, win, o.clone()));
                Ok(Val::Act(o))
            }
            "ConstantOfShape" => {
                let shape = int64s(self.tensor(arg(0)?)?)?;
                if let Some(v) = attrs.get("value") {
                    let t =
                        v.t.as_ref()
                            .ok_or_else(|| NetError("value is not a tensor".into()))?;
                    if floats(t)? != [0.0] {
                        return fail("only a float zero value is supported");
                    }
                }
                Ok(Val::Zeros(dims(&shape)?))
            }
            "Concat" => {
                let axis = attrs.int("axis", i64::MAX)?;
                if axis != 1 && axis != -3 {
                    return fail(format!("axis {axis}: only channels (1) supported"));
                }
                let vals = node
                    .input
                    .iter()
                    .map(|n| self.get(n))
                    .collect::<Result<Vec<Val>, NetError>>()?;
                if let [Val::Act(src), Val::Zeros(z)] = &vals[..]
                    && let &[1, extra, h, w] = &z[..]
                    && src.flat.is_none()
                    && (h, w) == (src.h, src.w)
                {
                    return Ok(Val::Padded {
                        src: src.clone(),
                        c: src.c + extra,
                    });
                }
                let mut parts = Vec::new();
                for v in vals {
                    match v {
                        Val::Zeros(z) => {
                            let &[1, c, _, _] = &z[..] else {
                                return fail(format!("zeros of shape {z:?}"));
                            };
                            parts.push((None, c, z[2], z[3]));
                        }
                        v => {
                            let a = self.store(v)?;
                            if a.flat.is_some() {
                                return fail("concatenation of NHWC-ordered values not supported");
                            }
                            parts.push((Some(a.clone()), a.c, a.h, a.w));
                        }
                    }
                }
                let Some(&(_, _, h, w)) = parts.first() else {
                    return fail("no inputs");
                };
                if parts.iter().all(|p| p.1 == 0) {
                    return fail("no channels");
                }
                if parts.iter().any(|p| (p.2, p.3) != (h, w)) {
                    return fail("inputs of different sizes");
                }
                let o = self.new_act(h, w, parts.iter().map(|p| p.1).sum());
                let parts = parts
                    .into_iter()
                    .map(|(src, c, _, _)| Part { src, c })
                    .collect();
                self.steps.push(Step::Concat(parts, o.clone()));
                Ok(Val::Act(o))
            }
            "Transpose" => {
                let mut a = self.act(arg(0)?)?;
                let perm = attrs.ints("perm", None)?;
                match (&a.flat, &perm[..]) {
                    (None, [0, 2, 3, 1]) => a.flat = Some(vec![1, a.h, a.w, a.c]),
                    (Some(s), [0, 3, 1, 2]) if s.len() == 4 && s[0] == 1 && s[3] == a.c => {
                        (a.h, a.w) = (s[1], s[2]);
                        a.flat = None;
                    }
                    (_, p)
                        if p.iter().enumerate().all(|(i, &x)| x == i as i64)
                            && p.len() == a.shape().len() => {}
                    _ => {
                        return fail(format!(
                            "permutation {perm:?} of shape {:?}: only NHWC <-> NCHW supported",
                            a.shape()
                        ));
                    }
                }
                Ok(Val::Act(a))
            }
            "Reshape" => {
                let mut a = self.act(arg(0)?)?;
                let Some(from) = a.flat.clone() else {
                    return fail("reshape of an NCHW value not supported");
                };
                let to = int64s(self.tensor(arg(1)?)?)?;
                let mut shape = Vec::with_capacity(to.len());
                let mut infer = None;
                for (i, &d) in to.iter().enumerate() {
                    match d {
                        0 => shape.push(
                            *from
                                .get(i)
                                .ok_or_else(|| NetError("0 past the input's rank".into()))?,
                        ),
                        -1 if infer.is_none() => {
                            infer = Some(i);
                            shape.push(1);
                        }
                        d if d > 0 => shape.push(d as usize),
                        d => return fail(format!("dimension {d}")),
                    }
                }
                let total: usize = from.iter().product();
                let known: usize = shape.iter().product();
                if let Some(i) = infer
                    && known > 0
                {
                    shape[i] = total / known;
                }
                if shape.iter().product::<usize>() != total {
                    return fail(format!("{from:?} cannot become {to:?}"));
                }
                a.flat = Some(shape);
                Ok(Val::Act(a))
            }
            other => fail(format!("operator {other} is not supported")),
        }
    }

    fn conv(
        &mut self,
        input: Act,
        w: &pb::TensorProto,
        bias: Option<Vec<f32>>,
        attrs: &Attrs<'_>,
    ) -> Result<Conv, NetError> {
        attrs.only(&[
            "kernel_shape",
            "strides",
            "pads",
            "auto_pad",
            "dilations",
            "group",
        ])?;
        let weights = floats(w)?;
        let &[co, ci, kh, kw] = &dims(&w.dims)?[..] else {
            return fail(format!(
                "weights of shape {:?}: 2-D convolutions only",
                w.dims
            ));
        };
        if let Some(k) = attrs.get("kernel_shape")
            && k.ints != [kh as i64, kw as i64]
        {
            return fail(format!(
                "kernel_shape {:?} against weights {:?}",
                k.ints, w.dims
            ));
        }
        if co == 0 {
            return fail("no output channels");
        }
        let bias = bias.unwrap_or(vec![0.0; co]);
        if bias.len() != co {
            return fail(format!("{} biases for {co} channels", bias.len()));
        }
        let (win, h, w) = window(&input, kh, kw, attrs)?;
        let group = attrs.int("group", 1)?;
        let lanes = padded(co) / LANES;
        let at = |o: usize, i: usize, y: usize, x: usize| weights[((o * ci + i) * kh + y) * kw + x];
        // Row i of the product's weights: patch element i's weight for each output channel.
        let transpose = |k: usize, f: &dyn Fn(usize, usize) -> f32| -> Vec<f32> {
            let n = lanes * LANES;
            (0..k * n)
                .map(|x| {
                    let (i, o) = (x / n, x % n);
                    if o < co { f(o, i) } else { 0.0 }
                })
                .collect()
        };
        let kind = if group == 1 {
            if ci != input.c {
                return fail(format!(
                    "{ci} input channels in the weights, {} in the input",
                    input.c
                ));
            }
            if (kh, kw, win.sh, win.sw, h, w) == (1, 1, 1, 1, input.h, input.w)
                && win.top == 0
                && win.left == 0
            {
                Kind::Pointwise {
                    weights: transpose(ci, &|o, i| at(o, i, 0, 0)),
                    k: ci,
                }
            } else {
                let k = kh * kw * ci;
                let rows = (PATCHES / (w * k).max(1)).clamp(1, h);
                // Slack for the last tap's whole blocks (see `Conv::run`).
                self.temp = self.temp.max(rows * w * k + input.cs);
                Kind::Patches {
                    weights: transpose(k, &|o, n| at(o, n % ci, n / ci / kw, n / ci % kw)),
                    k,
                    win,
                    rows,
                }
            }
        } else if group as usize == input.c && ci == 1 && co == input.c {
            Kind::Depthwise {
                weights: (0..kh * kw * lanes)
                    .map(|n| {
                        let (t, b) = (n / lanes, n % lanes);
                        std::array::from_fn(|j| {
                            if b * LANES + j < co {
                                at(b * LANES + j, 0, t / kw, t % kw)
                            } else {
                                0.0
                            }
                        })
                    })
                    .collect(),
                win,
            }
        } else {
            return fail(format!(
                "group {group} with {} input channels: only 1 or depthwise supported",
                input.c
            ));
        };
        Ok(Conv {
            input,
            kind,
            bias: (0..lanes)
                .map(|b| std::array::from_fn(|j| bias.get(b * LANES + j).copied().unwrap_or(0.0)))
                .collect(),
            h,
            w,
            c: co,
            residual: None,
            relu: false,
        })
    }
}

/// The window of a convolution or pooling and its output size.
fn window(
    input: &Act,
    kh: usize,
    kw: usize,
    attrs: &Attrs<'_>,
) -> Result<(Window, usize, usize), NetError> {
    let auto = attrs
        .get("auto_pad")
        .map(|a| a.s.as_slice())
        .unwrap_or(b"NOTSET");
    if auto != b"NOTSET" {
        return fail(format!(
            "auto_pad {:?} not supported",
            String::from_utf8_lossy(auto)
        ));
    }
    if attrs
        .ints("dilations", Some(&[1, 1]))?
        .iter()
        .any(|&d| d != 1)
    {
        return fail("dilations not supported");
    }
    let s = attrs.ints("strides", Some(&[1, 1]))?;
    let p = attrs.ints("pads", Some(&[0, 0, 0, 0]))?;
    let (&[sh, sw], &[top, left, bottom, right]) = (&dims(&s)?[..], &dims(&p)?[..]) else {
        return fail(format!("strides {s:?}, pads {p:?}"));
    };
    let out = |len: usize, k: usize, s: usize, a: usize, b: usize| -> Result<usize, NetError> {
        if s == 0 || len + a + b < k {
            return fail("window larger than its padded input");
        }
        Ok((len + a + b - k) / s + 1)
    };
    let h = out(input.h, kh, sh, top, bottom)?;
    let w = out(input.w, kw, sw, left, right)?;
    Ok((
        Window {
            kh,
            kw,
            sh,
            sw,
            top,
            left,
        },
        h,
        w,
    ))
}

/// A node's attributes.
struct Attrs<'g>(&'g pb::NodeProto);

impl<'g> Attrs<'g> {
    fn get(&self, name: &str) -> Option<&'g pb::AttributeProto> {
        self.0.attribute.iter().find(|a| a.name == name)
    }

    /// Fails on an attribute not in `known` (rather than ignoring what it asks for).
    fn only(&self, known: &[&str]) -> Result<(), NetError> {
        match self
            .0
            .attribute
            .iter()
            .find(|a| !known.contains(&a.name.as_str()))
        {
            Some(a) => fail(format!("attribute {:?} not supported", a.name)),
            None => Ok(()),
        }
    }

    fn int(&self, name: &str, default: i64) -> Result<i64, NetError> {
        match self.get(name) {
            Some(a) => Ok(a.i),
            None if default != i64::MAX => Ok(default),
            None => fail(format!("attribute {name:?} missing")),
        }
    }

    fn ints(&self, name: &str, default: Option<&[i64]>) -> Result<Vec<i64>, NetError> {
        match (self.get(name), default) {
            (Some(a), _) => Ok(a.ints.clone()),
            (None, Some(d)) => Ok(d.to_vec()),
            (None, None) => fail(format!("attribute {name:?} missing")),
        }
    }
}

fn dims(d: &[i64]) -> Result<Vec<usize>, NetError> {
    d.iter()
        .map(|&x| usize::try_from(x).map_err(|_| NetError(format!("negative dimension in {d:?}"))))
        .collect()
}

/// The static shape of a graph input or output.
fn value_shape(v: &pb::ValueInfoProto) -> Result<Vec<usize>, NetError> {
    use pb::tensor_shape_proto::dimension::Value as Dim;
    use pb::type_proto::Value as Type;
    let Some(Type::TensorType(t)) = v.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return fail(format!("{:?} is not a tensor", v.name));
    };
    if t.elem_type != DataType::Float as i32 {
        return fail(format!("{:?} is not float", v.name));
    }
    t.shape
        .iter()
        .flat_map(|s| &s.dim)
        .map(|d| match d.value {
            Some(Dim::DimValue(n)) if n >= 0 => Ok(n as usize),
            _ => fail(format!("{:?} has a dynamic shape", v.name)),
        })
        .collect()
}

fn check_data(t: &pb::TensorProto, ty: DataType) -> Result<usize, NetError> {
    if t.data_type != ty as i32 {
        return fail(format!(
            "tensor {:?}: type {} where {ty:?} expected",
            t.name, t.data_type
        ));
    }
    if t.data_location
        .is_some_and(|l| l != pb::tensor_proto::DataLocation::Default as i32)
    {
        return fail(format!("tensor {:?}: external data not supported", t.name));
    }
    Ok(dims(&t.dims)?.iter().product())
}

/// A float initializer's values.
fn floats(t: &pb::TensorProto) -> Result<Vec<f32>, NetError> {
    values(t, DataType::Float, &t.float_data, f32::from_le_bytes)
}

/// An int64 initializer's values.
fn int64s(t: &pb::TensorProto) -> Result<Vec<i64>, NetError> {
    values(t, DataType::Int64, &t.int64_data, i64::from_le_bytes)
}

/// An initializer's values of type `ty`: from its typed field (`typed`), or from `raw_data`,
/// little-endian, `N` bytes each.
fn values<T: Copy, const N: usize>(
    t: &pb::TensorProto,
    ty: DataType,
    typed: &[T],
    from_le: fn([u8; N]) -> T,
) -> Result<Vec<T>, NetError> {
    let n = check_data(t, ty)?;
    let v: Vec<T> = if t.raw_data.is_empty() {
        typed.to_vec()
    } else {
        t.raw_data
            .as_chunks::<N>()
            .0
            .iter()
            .map(|b| from_le(*b))
            .collect()
    };
    if v.len() != n || !t.raw_data.len().is_multiple_of(N) {
        return fail(format!(
            "tensor {:?}: {} values for {:?}",
            t.name,
            v.len(),
            t.dims
        ));
    }
    Ok(v)
}

/// Gives each value's buffer one of a few shared ones, by lifetime: a buffer is free again
/// after the last step that reads it.
fn share_buffers(net: &mut Net, bufs: &[usize]) {
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

/// `acc += v · w`, lane by lane.
///
/// The loops over lanes here are plain `while` loops: in release builds any form of them is
/// unrolled and vectorised, but the tests run unoptimised builds, where a range or an iterator
/// adaptor costs a few calls per element (and the network runs some 90 times in the tests).
#[inline(always)]
fn madd(acc: &mut V, v: &V, w: &V) {
    let mut j = 0;
    while j < LANES {
        acc[j] += v[j] * w[j];
        j += 1;
    }
}

/// The bias, residual and ReLU of a convolution's output block.
#[inline(always)]
fn finish(v: &mut V, bias: &V, res: Option<&V>, relu: bool) {
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
fn residual(res: Option<(&[V], usize)>, p: usize, b: usize) -> Option<&V> {
    let (r, lanes) = res?;
    if b < lanes {
        r.get(p * lanes + b)
    } else {
        None
    }
}

impl Conv {
    fn run(
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
    fn depthwise<const M: usize>(
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
struct DwRows {
    y0: isize,
    ky0: usize,
    ky1: usize,
    first: usize,
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
fn product(
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

fn max_pool(input: &[V], i: &Act, win: Window, o: &Act, out: &mut [V]) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use pb::attribute_proto::AttributeType;
    use tract_onnx::prelude::*;

    /// A graph under construction, its weights pseudo-random.
    struct Graph {
        g: pb::GraphProto,
        seed: u64,
    }

    impl Graph {
        fn random(&mut self, n: usize) -> Vec<f32> {
            (0..n)
                .map(|_| {
                    self.seed ^= self.seed << 13;
                    self.seed ^= self.seed >> 7;
                    self.seed ^= self.seed << 17;
                    (self.seed >> 40) as f32 / (1 << 23) as f32 - 1.0
                })
                .collect()
        }

        /// A float initializer, alternately as `float_data` and as `raw_data`.
        fn weights(&mut self, name: &str, dims: &[i64]) -> String {
            let v = self.random(dims.iter().product::<i64>() as usize);
            let mut t = pb::TensorProto {
                name: name.into(),
                dims: dims.to_vec(),
                data_type: DataType::Float as i32,
                ..Default::default()
            };
            if self.g.initializer.len().is_multiple_of(2) {
                t.float_data = v;
            } else {
                t.raw_data = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            }
            self.g.initializer.push(t);
            name.into()
        }

        fn int64s(&mut self, name: &str, v: &[i64]) -> String {
            self.g.initializer.push(pb::TensorProto {
                name: name.into(),
                dims: vec![v.len() as i64],
                data_type: DataType::Int64 as i32,
                int64_data: v.to_vec(),
                ..Default::default()
            });
            name.into()
        }

        fn node(
            &mut self,
            op: &str,
            inputs: &[&str],
            output: &str,
            attribute: Vec<pb::AttributeProto>,
        ) -> String {
            self.g.node.push(pb::NodeProto {
                op_type: op.into(),
                name: output.into(),
                input: inputs.iter().map(|s| s.to_string()).collect(),
                output: vec![output.into()],
                attribute,
                ..Default::default()
            });
            output.into()
        }
    }

    fn ints(name: &str, v: &[i64]) -> pb::AttributeProto {
        pb::AttributeProto {
            name: name.into(),
            r#type: AttributeType::Ints as i32,
            ints: v.to_vec(),
            ..Default::default()
        }
    }

    fn int(name: &str, v: i64) -> pb::AttributeProto {
        pb::AttributeProto {
            name: name.into(),
            r#type: AttributeType::Int as i32,
            i: v,
            ..Default::default()
        }
    }

    fn info(name: &str, shape: &[i64]) -> pb::ValueInfoProto {
        use pb::tensor_shape_proto::{Dimension, dimension::Value};
        pb::ValueInfoProto {
            name: name.into(),
            r#type: Some(pb::TypeProto {
                value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                    elem_type: DataType::Float as i32,
                    shape: Some(pb::TensorShapeProto {
                        dim: shape
                            .iter()
                            .map(|&d| Dimension {
                                value: Some(Value::DimValue(d)),
                                ..Default::default()
                            })
                            .collect(),
                    }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Every operator and form the engine supports, in a small graph: an ungrouped strided
    /// convolution over more than one block of input channels, its output read twice (so
    /// emitted, with a separate `Relu` and `Add`), a padded max pool, channel padding both read
    /// in place (a residual folded into a convolution) and copied (read by a convolution),
    /// a strided depthwise convolution reaching past the right and bottom edges, and the
    /// transpositions and reshapes of the outputs.
    fn model() -> pb::ModelProto {
        let mut g = Graph {
            g: pb::GraphProto::default(),
            seed: 0x9e37_79b9_7f4a_7c15,
        };
        g.g.input.push(info("x", &[1, 7, 9, 10]));
        let t = g.node("Transpose", &["x"], "t", vec![ints("perm", &[0, 3, 1, 2])]);
        let (w, b) = (g.weights("w1", &[12, 10, 3, 3]), g.weights("b1", &[12]));
        let conv = [
            ints("strides", &[2, 2]),
            ints("pads", &[1, 0, 2, 1]),
            ints("kernel_shape", &[3, 3]),
        ];
        let c1 = g.node("Conv", &[&t, &w, &b], "c1", conv.to_vec()); // [1, 12, 4, 4]
        let r1 = g.node("Relu", &[&c1], "r1", vec![]);
        let a = g.node("Add", &[&c1, &r1], "a", vec![]);
        let pool = vec![
            ints("kernel_shape", &[3, 3]),
            ints("strides", &[2, 2]),
            ints("pads", &[1, 1, 1, 1]),
        ];
        let m = g.node("MaxPool", &[&a], "m", pool); // [1, 12, 2, 2]
        let shape = g.int64s("shape", &[1, 4, 2, 2]);
        let zero = pb::AttributeProto {
            name: "value".into(),
            r#type: AttributeType::Tensor as i32,
            t: Some(pb::TensorProto {
                dims: vec![1],
                data_type: DataType::Float as i32,
                float_data: vec![0.0],
                ..Default::default()
            }),
            ..Default::default()
        };
        let z = g.node("ConstantOfShape", &[&shape], "z", vec![zero]);
        let padded = g.node("Concat", &[&m, &z], "padded", vec![int("axis", 1)]); // [1, 16, 2, 2]
        let (w, b) = (g.weights("w2", &[16, 12, 1, 1]), g.weights("b2", &[16]));
        let q = g.node("Conv", &[&m, &w, &b], "q", vec![]);
        let sum = g.node("Add", &[&padded, &q], "sum", vec![]);
        let r2 = g.node("Relu", &[&sum], "r2", vec![]);
        let (w, b) = (g.weights("w3", &[8, 16, 1, 1]), g.weights("b3", &[8]));
        let p = g.node("Conv", &[&padded, &w, &b], "p", vec![]); // [1, 8, 2, 2]
        let w = g.weights("w4", &[12, 1, 3, 3]);
        let dw = vec![
            int("group", 12),
            ints("strides", &[2, 2]),
            ints("pads", &[0, 0, 1, 1]),
        ];
        let d = g.node("Conv", &[&a, &w], "d", dw); // [1, 12, 2, 2]
        for (name, src, shape) in [
            ("y1", &r2, [1, 16, 4]),
            ("y2", &p, [1, 8, 4]),
            ("y3", &d, [1, 4, 12]),
        ] {
            let nhwc = g.node(
                "Transpose",
                &[src],
                &format!("{name}_t"),
                vec![ints("perm", &[0, 2, 3, 1])],
            );
            let to = g.int64s(&format!("{name}_shape"), &[0, shape[1], -1]);
            g.node("Reshape", &[&nhwc, &to], name, vec![]);
            g.g.output.push(info(name, &shape));
        }
        pb::ModelProto {
            ir_version: 7,
            opset_import: vec![pb::OperatorSetIdProto {
                domain: String::new(),
                version: 13,
            }],
            graph: Some(g.g),
            ..Default::default()
        }
    }

    #[test]
    fn runs_every_supported_form_as_tract_does() {
        let proto = model();
        let net = Net::from_onnx(&proto).expect("engine");
        assert_eq!(net.input_shape(), [1, 7, 9, 10]);
        let plan = tract_onnx::onnx()
            .model_for_proto_model(&proto)
            .expect("model")
            .into_optimized()
            .expect("optimised")
            .into_runnable()
            .expect("runnable");
        let mut g = Graph {
            g: pb::GraphProto::default(),
            seed: 7,
        };
        for _ in 0..3 {
            let input = g.random(7 * 9 * 10);
            let ours = net.run(&input).expect("run");
            let x = tract_ndarray::Array4::from_shape_vec((1, 7, 9, 10), input).expect("shape");
            let theirs = plan.run(tvec!(Tensor::from(x).into_tvalue())).expect("run");
            assert_eq!(ours.len(), 3);
            for (o, t) in ours.iter().zip(&theirs) {
                assert_eq!(o.shape, t.shape(), "{}", o.name);
                let t = t.as_slice::<f32>().expect("f32");
                for (a, b) in o.data.iter().zip(t) {
                    assert!((a - b).abs() < 1e-4, "{}: {a} against {b}", o.name);
                }
                assert!(o.data.iter().any(|&v| v != 0.0), "{}", o.name);
            }
        }
        // Runs one after another share one set of buffers.
        assert_eq!(net.spare.lock().map(|s| s.len()).unwrap_or(0), 1);
    }

    #[test]
    fn refuses_what_it_does_not_support() {
        let err = |edit: &dyn Fn(&mut pb::GraphProto)| {
            let mut proto = model();
            edit(proto.graph.as_mut().expect("graph"));
            Net::from_onnx(&proto).expect_err("unsupported").0
        };
        let node = |g: &mut pb::GraphProto, name: &str| -> usize {
            g.node.iter().position(|n| n.name == name).expect("node")
        };
        let e = err(&|g| {
            let i = node(g, "a");
            g.node[i].op_type = "Mul".into();
        });
        assert!(e.contains("\"a\"") && e.contains("Mul"), "{e}");
        let e = err(&|g| {
            let i = node(g, "c1");
            g.node[i].attribute.push(ints("dilations", &[2, 2]));
        });
        assert!(e.contains("dilations"), "{e}");
        let e = err(&|g| {
            let i = node(g, "d");
            g.node[i].attribute[0] = int("group", 3);
        });
        assert!(e.contains("group 3"), "{e}");
        let e = err(&|g| {
            let i = node(g, "t");
            g.node[i].attribute[0] = ints("perm", &[0, 2, 1, 3]);
        });
        assert!(e.contains("permutation"), "{e}");
        let e = err(&|g| {
            let i = node(g, "padded");
            g.node[i].attribute[0] = int("axis", 2);
        });
        assert!(e.contains("axis 2"), "{e}");
        let e = err(&|g| {
            let i = node(g, "z");
            if let Some(t) = g.node[i].attribute[0].t.as_mut() {
                t.float_data = vec![1.0];
            }
        });
        assert!(e.contains("zero"), "{e}");
        let e = err(&|g| g.initializer.retain(|t| t.name != "w2"));
        assert!(e.contains("w2"), "{e}");
    }

    #[test]
    fn checks_the_input_size() {
        let net = Net::from_onnx(&model()).expect("engine");
        assert!(net.run(&[0.0; 10]).is_err());
    }
}

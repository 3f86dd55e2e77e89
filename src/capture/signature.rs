//! Signatures as strokes: read from the formats the station stores (`isdv4-strokes-json` from the
//! pad driver, `strokes-json` plain points) and rendered to an image for the batch packet and
//! the screens.

use image::{GrayImage, Luma};

/// The stored signature formats that hold pen strokes.
pub const STROKE_FORMATS: &[&str] = &["isdv4-strokes-json", "strokes-json"];

/// Pen strokes in pad coordinates, with the pad's extent.
#[derive(Debug, Clone, PartialEq)]
pub struct Strokes {
    pub lines: Vec<Vec<(f32, f32)>>,
    pub max_x: f32,
    pub max_y: f32,
}

#[derive(Debug, serde::Deserialize)]
struct PlainStrokes {
    strokes: Vec<Vec<PlainPoint>>,
}

#[derive(Debug, serde::Deserialize)]
struct PlainPoint {
    x: f32,
    y: f32,
}

/// Reads stored strokes; `None` for another format or bytes that do not parse.
pub fn parse(format: &str, bytes: &[u8]) -> Option<Strokes> {
    match format {
        "isdv4-strokes-json" => {
            let sig: rekam_signature::Signature = serde_json::from_slice(bytes).ok()?;
            Some(Strokes {
                lines: sig
                    .strokes
                    .iter()
                    .map(|s| {
                        s.points
                            .iter()
                            .map(|p| (f32::from(p.report.x), f32::from(p.report.y)))
                            .collect()
                    })
                    .collect(),
                max_x: f32::from(sig.pad.max_x),
                max_y: f32::from(sig.pad.max_y),
            })
        }
        "strokes-json" => {
            let plain: PlainStrokes = serde_json::from_slice(bytes).ok()?;
            let lines: Vec<Vec<(f32, f32)>> = plain
                .strokes
                .iter()
                .map(|s| s.iter().map(|p| (p.x, p.y)).collect())
                .collect();
            let points = || lines.iter().flatten();
            // No pad extent in this format: the strokes' own extent, with a margin.
            let max_x = points().map(|p| p.0).fold(0.0, f32::max) * 1.1;
            let max_y = points().map(|p| p.1).fold(0.0, f32::max) * 1.25;
            Some(Strokes {
                lines,
                max_x,
                max_y,
            })
        }
        _ => None,
    }
}

/// Draws the strokes black on white, `width` pixels wide with the pad's aspect ratio, lines
/// about `width / 250` pixels thick.
pub fn render(strokes: &Strokes, width: u32) -> GrayImage {
    let width = width.max(16);
    let (mx, my) = (strokes.max_x.max(1.0), strokes.max_y.max(1.0));
    let height = ((width as f32) * my / mx)
        .round()
        .clamp(8.0, 4.0 * width as f32) as u32;
    let scale = width as f32 / mx;
    let radius = (width as f32 / 500.0).max(1.0);
    let mut img = GrayImage::from_pixel(width, height, Luma([255]));
    let mut dot = |x: f32, y: f32| {
        let r = radius.ceil() as i64;
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        for dy in -r..=r {
            for dx in -r..=r {
                if ((dx * dx + dy * dy) as f32) <= radius * radius + 0.5 {
                    let (px, py) = (cx + dx, cy + dy);
                    if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                        img.put_pixel(px as u32, py as u32, Luma([0]));
                    }
                }
            }
        }
    };
    for line in &strokes.lines {
        let mut prev: Option<(f32, f32)> = None;
        for &(x, y) in line {
            let p = (x * scale, y * scale);
            match prev {
                None => dot(p.0, p.1),
                Some(a) => {
                    let steps = ((p.0 - a.0).abs().max((p.1 - a.1).abs()) / (radius * 0.5))
                        .ceil()
                        .max(1.0) as u32;
                    for i in 1..=steps {
                        let t = i as f32 / steps as f32;
                        dot(a.0 + (p.0 - a.0) * t, a.1 + (p.1 - a.1) * t);
                    }
                }
            }
            prev = Some(p);
        }
    }
    img
}

/// [`render`] encoded as PNG.
pub fn render_png(strokes: &Strokes, width: u32) -> Vec<u8> {
    let img = render(strokes, width);
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory grey image to an in-memory buffer does not fail.
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encoding to memory");
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stroke_is_drawn_where_it_was_signed() {
        let bytes = br#"{"strokes": [[{"x": 10, "y": 10}, {"x": 90, "y": 10}]]}"#;
        let s = parse("strokes-json", bytes).expect("parses");
        assert_eq!(s.lines.len(), 1);
        let img = render(&s, 400);
        let ink = img.pixels().filter(|p| p.0[0] == 0).count();
        assert!(ink > 300, "a line of ink: {ink}");
        // The line runs along the top tenth, not the bottom.
        let (w, h) = img.dimensions();
        assert_eq!(img.get_pixel(w / 2, h - 2).0[0], 255);
        let png = render_png(&s, 400);
        assert_eq!(&png[1..4], b"PNG");
        assert!(parse("strokes-json", b"garbage").is_none());
        assert!(parse("png", bytes).is_none());
    }
}

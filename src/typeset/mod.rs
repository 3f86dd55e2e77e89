//! The one PDF stack: text and shapes on krilla pages, shared by the printed documents
//! ([`crate::print`]: the proof of recording, the return slip) and the day's reports
//! ([`crate::report`]). Fira Sans in two weights, embedded (so that a printout looks the same on
//! every printer and names in any script Fira Sans covers come out), shaped with rustybuzz
//! ([`Shaper`]), drawn from the same glyphs.

mod text;

use anyhow::Context as _;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::Font;

pub(crate) use text::Shaper;

/// Fira Sans Regular: the bytes iced already ships for the kiosk.
pub(crate) const REGULAR: &[u8] = iced_graphics::text::FIRA_SANS_REGULAR;
/// Fira Sans Bold (SIL Open Font License 1.1, `assets/fonts/`).
pub(crate) const BOLD: &[u8] = include_bytes!("../../assets/fonts/FiraSans-Bold.ttf");
/// Points per millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;
/// Line height as a multiple of the font size.
pub(crate) const LEADING: f32 = 1.25;

/// A font ready to draw with and to measure in.
pub(crate) struct Face {
    pub(crate) font: Font,
    pub(crate) shaper: Shaper,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face").finish_non_exhaustive()
    }
}

impl Face {
    /// The face of the font file `bytes` ([`REGULAR`], [`BOLD`]).
    pub(crate) fn new(bytes: &'static [u8]) -> anyhow::Result<Face> {
        Ok(Face {
            font: Font::new(bytes.into(), 0).context("the document font cannot be read")?,
            shaper: Shaper::new(bytes)?,
        })
    }
}

/// Fills what is drawn next with `color`.
pub(crate) fn fill_with(surface: &mut Surface<'_>, color: rgb::Color) {
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: color.into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
}

/// Strokes what is drawn next with `color`, `width` points wide.
pub(crate) fn stroke_with(surface: &mut Surface<'_>, color: rgb::Color, width: f32) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: color.into(),
        width,
        ..Default::default()
    }));
}

fn rect_path([x, y, w, h]: [f32; 4]) -> Option<krilla::geom::Path> {
    let mut builder = PathBuilder::new();
    builder.push_rect(Rect::from_xywh(x, y, w, h)?);
    builder.finish()
}

/// A filled rectangle (top-left corner, size, in points from the page's top-left).
pub(crate) fn fill_rect(surface: &mut Surface<'_>, rect: [f32; 4], color: rgb::Color) {
    if let Some(path) = rect_path(rect) {
        fill_with(surface, color);
        surface.draw_path(&path);
    }
}

/// A rectangle's outline, `width` points wide.
pub(crate) fn stroke_rect(
    surface: &mut Surface<'_>,
    rect: [f32; 4],
    width: f32,
    color: rgb::Color,
) {
    if let Some(path) = rect_path(rect) {
        stroke_with(surface, color, width);
        surface.draw_path(&path);
    }
}

/// A straight line from `a` to `b`.
pub(crate) fn line(
    surface: &mut Surface<'_>,
    a: (f32, f32),
    b: (f32, f32),
    width: f32,
    color: rgb::Color,
) {
    let mut builder = PathBuilder::new();
    builder.move_to(a.0, a.1);
    builder.line_to(b.0, b.1);
    if let Some(path) = builder.finish() {
        stroke_with(surface, color, width);
        surface.draw_path(&path);
    }
}

/// `text` in one line, its baseline starting at (`x`, `baseline`), `size` points.
pub(crate) fn text(
    surface: &mut Surface<'_>,
    face: &Face,
    (x, baseline): (f32, f32),
    size: f32,
    text: &str,
    color: rgb::Color,
) {
    if text.is_empty() {
        return;
    }
    let shaped = face.shaper.shape(text);
    fill_with(surface, color);
    surface.draw_glyphs(
        Point::from_xy(x, baseline),
        &shaped.glyphs,
        face.font.clone(),
        text,
        size,
        false,
    );
}

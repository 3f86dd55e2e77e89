//! Drawing a laid-out sheet with krilla ([`crate::typeset`]): its text in Fira Sans, its rules,
//! and its QR code as vector squares.

use krilla::Document;
use krilla::color::rgb;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

use super::PrintError;
use super::layout::{Faces, Laid, Op, RULE_WIDTH, Sheet, qr_rects};
use crate::lang::Lang;
use crate::typeset;

impl Sheet {
    /// The sheet as a one-page PDF called `title`, in `lang` (the document's language).
    pub(crate) fn pdf(&self, title: &str, lang: Lang) -> Result<Vec<u8>, PrintError> {
        let faces = Faces::new().map_err(|e| PrintError::Render(format!("{e:#}")))?;
        render(&self.lay_out(&faces), &faces, title, lang)
    }
}

/// Draws `laid` on one page.
pub(crate) fn render(
    laid: &Laid,
    faces: &Faces,
    title: &str,
    lang: Lang,
) -> Result<Vec<u8>, PrintError> {
    let black = rgb::Color::black();
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language(lang.pick("id", "en").to_owned())
            .creator(format!("Rekam {}", env!("CARGO_PKG_VERSION"))),
    );
    let settings = PageSettings::from_wh(laid.size.width(), laid.size.height())
        .ok_or_else(|| PrintError::Render("the page size is not positive".into()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    for (row_top, op) in laid.ops() {
        match op {
            Op::Text {
                x,
                top,
                weight,
                size,
                text,
            } => {
                let face = faces.get(*weight);
                let baseline = face.shaper.baseline(row_top + top, *size);
                typeset::text(&mut surface, face, (*x, baseline), *size, text, black);
            }
            Op::Rule { x1, x2, y } => {
                let y = row_top + y;
                typeset::line(&mut surface, (*x1, y), (*x2, y), RULE_WIDTH, black);
            }
            Op::Qr { x, side, code } => {
                for rect in qr_rects(code, *x, row_top, *side) {
                    typeset::fill_rect(&mut surface, rect, black);
                }
            }
        }
    }
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| PrintError::Render(format!("{e:?}")))
}

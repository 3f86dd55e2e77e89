//! Helpers of the document tests: the PDFs are read back by independent implementations,
//! poppler (`pdfinfo`, `pdftotext`, `pdftoppm`, Debian's `poppler-utils`, installed by
//! `packaging/dev/deps.sh`) and lopdf, and the QR code on the rendered page is decoded by rqrr.

use std::path::Path;
use std::process::Command;

use super::layout::{Faces, Laid, Op, qr_rects};

/// A PDF as poppler reads it.
#[derive(Debug)]
pub struct Read {
    pub pages: usize,
    /// The first page's size, points.
    pub size: (f32, f32),
    /// The text, as `pdftotext` reads it (lines in reading order).
    pub text: String,
    /// The first page rendered in grey.
    pub image: image::GrayImage,
}

fn poppler(tool: &str) -> std::path::PathBuf {
    super::find_on_path(tool).unwrap_or_else(|| {
        panic!(
            "{tool} is not installed: the print tests need poppler-utils (packaging/dev/deps.sh)"
        )
    })
}

/// Runs a poppler tool on `file` (then `after`): what it prints. A tool that fails or complains
/// on its error output fails the test.
fn run(tool: &str, before: &[&str], file: &Path, after: &[&str]) -> String {
    let out = Command::new(poppler(tool))
        .args(before)
        .arg(file)
        .args(after)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(out.status.success(), "{tool}: {out:?}");
    let complaints = String::from_utf8_lossy(&out.stderr);
    assert!(
        complaints.trim().is_empty(),
        "{tool} complains: {complaints}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Reads `pdf` with poppler: page count and size (`pdfinfo`), text (`pdftotext`) and the first
/// page rendered at `dpi` (`pdftoppm`). A file poppler complains about fails the test.
pub fn read(pdf: &[u8], dpi: u32) -> Read {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).expect("write pdf");
    let info = run("pdfinfo", &[], &file, &[]);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .unwrap_or_else(|| panic!("pdfinfo gives no {name}:\n{info}"))
            .to_owned()
    };
    let pages: usize = field("Pages:").parse().expect("page count");
    let size = field("Page size:");
    let mut numbers = size
        .split_whitespace()
        .filter_map(|w| w.parse::<f32>().ok());
    let size = (
        numbers.next().expect("width"),
        numbers.next().expect("height"),
    );
    let text = run("pdftotext", &[], &file, &["-"]);
    let stem = dir.path().join("page");
    let dpi = dpi.to_string();
    let stem_arg = stem.to_string_lossy().into_owned();
    run(
        "pdftoppm",
        &["-gray", "-png", "-singlefile", "-r", &dpi],
        &file,
        &[&stem_arg],
    );
    let image = image::open(stem.with_extension("png"))
        .expect("the rendered page")
        .to_luma8();
    Read {
        pages,
        size,
        text,
        image,
    }
}

/// The text of every page as lopdf extracts it (through the fonts' ToUnicode maps).
pub fn lopdf_text(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("a PDF lopdf can read");
    doc.get_pages()
        .keys()
        .map(|&n| doc.extract_text(&[n]).expect("page text"))
        .collect()
}

/// Decodes the only QR code in `img`.
pub fn decode_qr(img: image::GrayImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code");
    grids[0].decode().expect("QR decodes").1
}

/// The QR modules of a laid-out page drawn into an image at `scale` pixels per point.
pub fn rasterise_qr(laid: &Laid, scale: f32) -> image::GrayImage {
    let (w, h) = (laid.size.width(), laid.size.height());
    let mut img = image::GrayImage::from_pixel(
        (w * scale).ceil() as u32,
        (h * scale).ceil() as u32,
        image::Luma([255]),
    );
    for (top, op) in laid.ops() {
        if let Op::Qr { x, side, code } = op {
            for [rx, ry, rw, rh] in qr_rects(code, *x, top, *side) {
                let (x0, y0) = ((rx * scale).round() as u32, (ry * scale).round() as u32);
                let (x1, y1) = (
                    ((rx + rw) * scale).round() as u32,
                    ((ry + rh) * scale).round() as u32,
                );
                for y in y0..y1.min(img.height()) {
                    for x in x0..x1.min(img.width()) {
                        img.put_pixel(x, y, image::Luma([0]));
                    }
                }
            }
        }
    }
    img
}

/// The text of a laid-out page, line by line in placing order.
pub fn laid_text(laid: &Laid) -> Vec<String> {
    laid.ops()
        .filter_map(|(_, op)| match op {
            Op::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Asserts that everything a laid-out page draws lies inside its margins (with a hair of
/// rounding slack).
pub fn assert_inside_margins(laid: &Laid, faces: &Faces) {
    let [l, t, r, b] = laid.ink(faces).expect("something drawn");
    let (w, h) = (laid.size.width(), laid.size.height());
    let m = super::MARGIN - 0.01;
    assert!(l >= m, "left {l}");
    assert!(t >= m, "top {t}");
    assert!(r <= w - m, "right {r} of {w}");
    assert!(b <= h - m, "bottom {b} of {h}");
}

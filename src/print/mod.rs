//! Printed documents: the proof of recording handed to the applicant ([`proof`]) and the slip that
//! goes with a returned, incomplete file ([`slip`]), as PDF files made by our own small writer
//! ([`pdf`]), saved atomically ([`save`]) and sent to the station's printer through CUPS
//! ([`print_file`]).
//!
//! Both documents are laid out by the same small flow layout: blocks of text, rules and a QR code
//! from top to bottom, and a footer at the bottom of the page. When the content does not fit, the
//! whole layout is scaled down step by step (never below [`MIN_SCALE`]), then a larger paper size
//! is tried if the document allows one, and only then are the last lines of the body replaced by
//! an ellipsis. Nothing is ever drawn outside the page margins.
//!
//! The QR payload format is documented in `docs/proof-of-recording.md`.

pub mod pdf;
pub mod proof;
pub mod slip;

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use qrcode::{Color, EcLevel, QrCode};

use crate::lang::{Lang, Localize};
use pdf::{Document, Font, Page, PageSize};

pub use proof::{Proof, proof_pdf, qr_payload};
pub use slip::{ReturnSlip, return_slip_pdf};

/// Margin kept blank on every side of a printed page, in points (6 mm: wider than the unprintable
/// border of common office and receipt printers).
pub const MARGIN: f32 = 6.0 * pdf::MM;

/// The smallest factor the layout may scale fonts and spacing by to make a document fit.
pub const MIN_SCALE: f32 = 0.75;

/// Modules of blank quiet zone around a QR code, as the QR standard requires.
pub const QR_QUIET_ZONE: usize = 4;

/// Why a document could not be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// No print system: the CUPS `lp` command is not installed.
    #[error("no print system: the CUPS command lp was not found")]
    NoPrintSystem,
    /// `lp` ran and refused the job (no default printer, printer stopped, file unreadable...),
    /// with its message.
    #[error("printing failed: {0}")]
    Failed(String),
}

impl Localize for PrintError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (PrintError::NoPrintSystem, Lang::Id) => {
                "Komputer ini tidak memiliki sistem pencetakan (perintah lp dari CUPS tidak ditemukan). \
                 Pasang CUPS (sudo apt install cups) dan atur printer bawaan. \
                 Dokumen sudah tersimpan dan dapat dicetak nanti."
                    .to_owned()
            }
            (PrintError::NoPrintSystem, Lang::En) => {
                "This computer has no print system (the CUPS command lp was not found). \
                 Install CUPS (sudo apt install cups) and set a default printer. \
                 The document is saved and can be printed later."
                    .to_owned()
            }
            (PrintError::Failed(msg), Lang::Id) => format!(
                "Pencetakan gagal: {msg}. Periksa printer (menyala, kertas, kabel) dan printer bawaan, \
                 lalu cetak ulang. Dokumen sudah tersimpan."
            ),
            (PrintError::Failed(msg), Lang::En) => format!(
                "Printing failed: {msg}. Check the printer (power, paper, cable) and the default \
                 printer, then print again. The document is saved."
            ),
        }
    }
}

/// Writes `bytes` to `dir/file_name` atomically: a temporary file in the same directory is written
/// and flushed to disk, then renamed over the target, and the directory is flushed, so after a
/// power cut the file is either the old one or the complete new one. `dir` is created if needed.
/// `file_name` must be a plain file name (no `/`, not `.` or `..`). Returns the file's path.
pub fn save(dir: &Path, file_name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    if file_name.is_empty()
        || file_name == "."
        || file_name == ".."
        || file_name.contains(['/', '\\', '\0'])
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("'{file_name}' is not a plain file name"),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let target = dir.join(file_name);
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // The rename is only durable once the directory itself is on disk.
    std::fs::File::open(dir)?.sync_all()?;
    Ok(target)
}

/// Sends a file (a PDF from this module) to the default printer with the CUPS command `lp`.
/// Returns once the job is queued, not when it is printed. It waits for `lp`, which normally takes
/// well under a second but can hang with a stuck CUPS daemon: call it off the UI thread.
pub fn print_file(path: &Path) -> Result<(), PrintError> {
    print_with(find_on_path("lp").as_deref(), path)
}

fn print_with(lp: Option<&Path>, path: &Path) -> Result<(), PrintError> {
    let lp = lp.ok_or(PrintError::NoPrintSystem)?;
    let output = Command::new(lp)
        .arg("--")
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PrintError::NoPrintSystem,
            _ => PrintError::Failed(format!("{}: {e}", lp.display())),
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr.trim();
    Err(PrintError::Failed(if message.is_empty() {
        format!("lp exited with {}", output.status)
    } else {
        message.to_owned()
    }))
}

/// The executable file `name` in one of the directories of `PATH`, if any.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    find_in(std::env::var_os("PATH")?.as_os_str(), name)
}

/// The executable file `name` in one of the directories of the search path `paths`.
pub(crate) fn find_in(paths: &OsStr, name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::split_paths(paths)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// A file name made of the ASCII letters, digits and `-` of `s` (others become `-`).
fn file_name_part(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Encodes `payload` as a QR code at error correction level M (15 % of the symbol may be
/// damaged), in byte mode with the UTF-8 bytes of the text.
pub(crate) fn qr_code(payload: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()
}

/// Draws `code` as black squares in a square of `side` points whose top-left corner is at (`x`,
/// `y`); the square includes the 4-module quiet zone, left blank. Dark modules next to each other
/// in a row are drawn as one rectangle, so no hairline gaps appear between them.
pub(crate) fn draw_qr(page: &mut Page, x: f32, y: f32, side: f32, code: &QrCode) {
    let n = code.width();
    let module = side / (n + 2 * QR_QUIET_ZONE) as f32;
    let colors = code.to_colors();
    for (row, cells) in colors.chunks(n).enumerate() {
        let top = y + (row + QR_QUIET_ZONE) as f32 * module;
        let mut col = 0;
        while col < n {
            if cells[col] != Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && cells[col] == Color::Dark {
                col += 1;
            }
            let left = x + (start + QR_QUIET_ZONE) as f32 * module;
            page.fill_rect(left, top, (col - start) as f32 * module, module, 0.0);
        }
    }
}

/// One piece of a document, laid out from top to bottom.
#[derive(Clone)]
enum Block {
    /// The document's title, bold.
    Title(String),
    /// A small line of context (office, station), wrapped.
    Small(String),
    /// A thin horizontal line across the text width.
    Rule,
    /// A label in the left column and its value beside it, both wrapped; `strong` values are bold.
    Field {
        label: String,
        value: String,
        strong: bool,
    },
    /// A bold heading above a list.
    Heading(String),
    /// A list item: a marker (`1.`, a bullet) and text wrapped with a hanging indent.
    Item { marker: String, text: String },
    /// A paragraph, wrapped; bold when `strong`.
    Paragraph { text: String, strong: bool },
    /// A QR code, centred, with the given side in points (at scale 1, quiet zone included).
    Qr { code: QrCode, side: f32 },
    /// Vertical space, in points at scale 1.
    Gap(f32),
}

/// Something drawn inside a row; `y` values are relative to the row's top.
#[derive(Clone)]
enum Op {
    Text {
        x: f32,
        baseline: f32,
        font: Font,
        size: f32,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
    Qr {
        x: f32,
        side: f32,
        code: QrCode,
    },
}

/// A horizontal band of the page that is placed as a whole.
#[derive(Clone)]
struct Row {
    height: f32,
    ops: Vec<Op>,
}

/// Font sizes and spacing at scale 1, in points.
const TITLE_SIZE: f32 = 12.0;
const SMALL_SIZE: f32 = 7.5;
const LABEL_SIZE: f32 = 7.5;
const VALUE_SIZE: f32 = 9.0;
const HEADING_SIZE: f32 = 8.5;
const BODY_SIZE: f32 = 8.5;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.25;
/// Baseline below a line's top, as a multiple of the font size (the bounding box's ascent plus a
/// little, so glyphs never reach above the line).
const BASELINE: f32 = 0.95;
/// A QR code is never drawn smaller than this (0.5 mm modules for a version 6 code).
const QR_MIN_SIDE: f32 = 90.0;
/// The label column's share of the text width.
const LABEL_COLUMN: f32 = 0.3;
/// Thickness of rules.
const RULE_WIDTH: f32 = 0.5;
/// A field's value takes at most this many lines (set smaller when needed, see [`VALUE_SHRINK`]);
/// beyond that it is cut with an ellipsis, so a runaway value cannot push the QR code off the page.
const MAX_VALUE_LINES: usize = 4;
/// Sizes, relative to the normal value size, tried in turn for a value that needs more than
/// [`MAX_VALUE_LINES`] lines.
const VALUE_SHRINK: [f32; 4] = [1.0, 0.9, 0.8, 0.7];

/// Keeps the first `max` of `lines`; when some are dropped, the last kept line ends with `…`,
/// shortened so that it still fits `width`.
fn clip_lines(
    mut lines: Vec<String>,
    max: usize,
    font: Font,
    size: f32,
    width: f32,
) -> Vec<String> {
    if lines.len() <= max {
        return lines;
    }
    lines.truncate(max);
    if let Some(last) = lines.last_mut() {
        loop {
            let candidate = format!("{}\u{2026}", last.trim_end());
            if pdf::text_width(font, size, &candidate) <= width || last.is_empty() {
                *last = candidate;
                break;
            }
            last.pop();
        }
    }
    lines
}

/// Text lines of one font and size, each at `x`, stacked from the row top.
fn text_rows(x: f32, max_width: f32, font: Font, size: f32, text: &str) -> Vec<Row> {
    pdf::wrap(font, size, text, max_width)
        .into_iter()
        .map(|line| Row {
            height: size * LEADING,
            ops: vec![Op::Text {
                x,
                baseline: size * BASELINE,
                font,
                size,
                text: line,
            }],
        })
        .collect()
}

impl Block {
    /// A labelled field (`strong`: the value in bold).
    fn field(label: &str, value: &str, strong: bool) -> Block {
        Block::Field {
            label: label.to_owned(),
            value: value.to_owned(),
            strong,
        }
    }

    /// The block's rows at `scale` on a page of `width` points.
    fn rows(&self, scale: f32, page_width: f32) -> Vec<Row> {
        let left = MARGIN;
        let width = page_width - 2.0 * MARGIN;
        match self {
            Block::Title(text) => {
                text_rows(left, width, Font::HelveticaBold, TITLE_SIZE * scale, text)
            }
            Block::Small(text) => text_rows(left, width, Font::Helvetica, SMALL_SIZE * scale, text),
            Block::Heading(text) => {
                text_rows(left, width, Font::HelveticaBold, HEADING_SIZE * scale, text)
            }
            Block::Paragraph { text, strong } => {
                let font = if *strong {
                    Font::HelveticaBold
                } else {
                    Font::Helvetica
                };
                text_rows(left, width, font, BODY_SIZE * scale, text)
            }
            Block::Rule => {
                let height = 6.0 * scale;
                vec![Row {
                    height,
                    // Inset by half the thickness, so the line's ends stay inside the margins.
                    ops: vec![Op::Rule {
                        x1: left + RULE_WIDTH / 2.0,
                        x2: left + width - RULE_WIDTH / 2.0,
                        y: height / 2.0,
                    }],
                }]
            }
            Block::Gap(points) => vec![Row {
                height: points * scale,
                ops: Vec::new(),
            }],
            Block::Field {
                label,
                value,
                strong,
            } => {
                let label_size = LABEL_SIZE * scale;
                let gutter = 4.0 * scale;
                let label_width = width * LABEL_COLUMN;
                let value_font = if *strong {
                    Font::HelveticaBold
                } else {
                    Font::Helvetica
                };
                let labels = pdf::wrap(Font::Helvetica, label_size, label, label_width - gutter);
                let value_width = width - label_width;
                // A long value is set smaller first, and cut only if even that is too long.
                let (value_size, values) = VALUE_SHRINK
                    .iter()
                    .map(|f| {
                        let size = VALUE_SIZE * scale * f;
                        (size, pdf::wrap(value_font, size, value, value_width))
                    })
                    .find(|(_, lines)| lines.len() <= MAX_VALUE_LINES)
                    .unwrap_or_else(|| {
                        let size = VALUE_SIZE * scale * VALUE_SHRINK[VALUE_SHRINK.len() - 1];
                        let lines = pdf::wrap(value_font, size, value, value_width);
                        let clipped =
                            clip_lines(lines, MAX_VALUE_LINES, value_font, size, value_width);
                        (size, clipped)
                    });
                let height = value_size.max(label_size) * LEADING;
                let baseline = value_size.max(label_size) * BASELINE;
                (0..labels.len().max(values.len()))
                    .map(|i| {
                        let mut ops = Vec::new();
                        if let Some(l) = labels.get(i) {
                            ops.push(Op::Text {
                                x: left,
                                baseline,
                                font: Font::Helvetica,
                                size: label_size,
                                text: l.clone(),
                            });
                        }
                        if let Some(v) = values.get(i) {
                            ops.push(Op::Text {
                                x: left + label_width,
                                baseline,
                                font: value_font,
                                size: value_size,
                                text: v.clone(),
                            });
                        }
                        Row { height, ops }
                    })
                    .collect()
            }
            Block::Item { marker, text } => {
                let size = BODY_SIZE * scale;
                let indent = pdf::text_width(Font::Helvetica, size, "00.") + 3.0 * scale;
                let mut rows =
                    text_rows(left + indent, width - indent, Font::Helvetica, size, text);
                if let Some(Row { ops, .. }) = rows.first_mut() {
                    ops.push(Op::Text {
                        x: left,
                        baseline: size * BASELINE,
                        font: Font::Helvetica,
                        size,
                        text: marker.clone(),
                    });
                }
                rows
            }
            Block::Qr { code, side } => {
                let side = (side * scale).max(QR_MIN_SIDE).min(width);
                vec![Row {
                    height: side,
                    ops: vec![Op::Qr {
                        x: (page_width - side) / 2.0,
                        side,
                        code: code.clone(),
                    }],
                }]
            }
        }
    }
}

/// What a document is made of, before layout.
#[derive(Clone)]
struct Sheet {
    /// Paper sizes to try, in order of preference.
    sizes: Vec<PageSize>,
    body: Vec<Block>,
    /// Placed at the bottom of the page.
    footer: Vec<Block>,
}

/// Rows of `blocks` at `scale`.
fn rows_of(blocks: &[Block], scale: f32, page_width: f32) -> Vec<Row> {
    blocks
        .iter()
        .flat_map(|b| b.rows(scale, page_width))
        .collect()
}

fn height_of(rows: &[Row]) -> f32 {
    rows.iter().map(|r| r.height).sum()
}

fn place(page: &mut Page, rows: &[Row], mut top: f32) {
    for row in rows {
        for op in &row.ops {
            match op {
                Op::Text {
                    x,
                    baseline,
                    font,
                    size,
                    text,
                } => page.text(*x, top + baseline, *font, *size, text),
                Op::Rule { x1, x2, y } => page.line(*x1, top + y, *x2, top + y, RULE_WIDTH),
                Op::Qr { x, side, code } => draw_qr(page, *x, top, *side, code),
            }
        }
        top += row.height;
    }
}

impl Sheet {
    /// The sheet as a one-page PDF document called `title`.
    fn pdf(&self, title: &str) -> Vec<u8> {
        let mut doc = Document::new(title);
        doc.push(self.render());
        doc.to_bytes()
    }

    /// Lays the sheet out on one page: the first paper size and the largest scale (from 1 down to
    /// [`MIN_SCALE`]) at which everything fits; if nothing fits, the last size at the smallest
    /// scale with the body cut short by an ellipsis line.
    fn render(&self) -> Page {
        let steps = ((1.0 - MIN_SCALE) / 0.05).round() as u32;
        let mut last = None;
        for &size in &self.sizes {
            let (w, h) = (size.width(), size.height());
            for step in 0..=steps {
                let scale = 1.0 - 0.05 * step as f32;
                let body = rows_of(&self.body, scale, w);
                let footer = rows_of(&self.footer, scale, w);
                let available = h - 2.0 * MARGIN - height_of(&footer);
                if height_of(&body) <= available {
                    let mut page = Page::new(size);
                    place(&mut page, &body, MARGIN);
                    place(&mut page, &footer, h - MARGIN - height_of(&footer));
                    return page;
                }
                last = Some((size, scale, body, footer, available));
            }
        }
        let Some((size, scale, body, footer, available)) = last else {
            return Page::new(PageSize::A6);
        };
        // Cut the body so that it and an ellipsis line fit.
        let ellipsis = rows_of(
            &[Block::Paragraph {
                text: "\u{2026}".to_owned(),
                strong: false,
            }],
            scale,
            size.width(),
        );
        let mut room = available - height_of(&ellipsis);
        let mut kept: Vec<Row> = Vec::new();
        for row in body {
            if row.height > room {
                break;
            }
            room -= row.height;
            kept.push(row);
        }
        kept.extend(ellipsis);
        let mut page = Page::new(size);
        place(&mut page, &kept, MARGIN);
        let h = size.height();
        place(&mut page, &footer, h - MARGIN - height_of(&footer));
        page
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers shared by the document tests: a minimal PDF reader that checks the file's structure
    //! and pulls out the text and the filled rectangles of its pages.

    use super::pdf::decode_win_ansi;

    /// Checks the header, every xref entry, `startxref` and the trailer; returns the objects'
    /// offsets (index = object number).
    pub fn check_structure(pdf: &[u8]) -> Vec<usize> {
        assert!(pdf.starts_with(b"%PDF-1.4\n"), "header");
        assert!(pdf.ends_with(b"%%EOF\n"), "end marker");
        // Only the end of the file is read as text: the header's comment is binary.
        let tail = String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(40)..]);
        let sx = tail.rfind("startxref\n").expect("startxref");
        let xref_at: usize = tail[sx + 10..]
            .lines()
            .next()
            .expect("startxref value")
            .trim()
            .parse()
            .expect("startxref number");
        assert_eq!(
            &pdf[xref_at..xref_at + 5],
            b"xref\n",
            "startxref points at xref"
        );
        let mut lines = pdf[xref_at + 5..].split(|b| *b == b'\n');
        let header = String::from_utf8_lossy(lines.next().expect("subsection")).to_string();
        let (first, count) = header.split_once(' ').expect("subsection header");
        assert_eq!(first, "0");
        let count: usize = count.parse().expect("count");
        // Entries are 20 bytes each, right after the subsection header.
        let entries_at = xref_at + 5 + header.len() + 1;
        let mut offsets = Vec::new();
        for n in 0..count {
            let entry = &pdf[entries_at + 20 * n..entries_at + 20 * (n + 1)];
            assert_eq!(entry.len(), 20);
            assert_eq!(&entry[18..], b" \n", "entry {n} ends with space + LF");
            let e = std::str::from_utf8(entry).expect("ascii entry");
            let offset: usize = e[0..10].parse().expect("offset");
            let generation = &e[11..16];
            let kind = &e[17..18];
            if n == 0 {
                assert_eq!((offset, generation, kind), (0, "65535", "f"));
            } else {
                assert_eq!((generation, kind), ("00000", "n"));
                let expect = format!("{n} 0 obj");
                assert_eq!(
                    &pdf[offset..offset + expect.len()],
                    expect.as_bytes(),
                    "object {n} at offset {offset}"
                );
            }
            offsets.push(offset);
        }
        let after = String::from_utf8_lossy(&pdf[entries_at + 20 * count..]);
        assert!(after.starts_with("trailer\n"), "trailer after the table");
        assert!(after.contains(&format!("/Size {count}")), "trailer size");
        assert!(after.contains("/Root 1 0 R"), "trailer root");
        offsets
    }

    /// The content streams of the file, in page order.
    pub fn content_streams(pdf: &[u8]) -> Vec<Vec<u8>> {
        let mut streams = Vec::new();
        let mut at = 0;
        while let Some(i) = find(&pdf[at..], b"/Length ") {
            let start = at + i + 8;
            let end = start + find(&pdf[start..], b" ").expect("length end");
            let len: usize = std::str::from_utf8(&pdf[start..end])
                .expect("length")
                .parse()
                .expect("length number");
            let data = start + find(&pdf[start..], b"stream\n").expect("stream") + 7;
            streams.push(pdf[data..data + len].to_vec());
            assert!(
                pdf[data + len..].starts_with(b"\nendstream"),
                "stream length is exact"
            );
            at = data + len;
        }
        streams
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    /// Each `(...) Tj` string of a content stream, unescaped and decoded from WinAnsi.
    pub fn shown_strings(content: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < content.len() {
            if content[i] != b'(' {
                i += 1;
                continue;
            }
            i += 1;
            let mut bytes = Vec::new();
            let mut depth = 0;
            while i < content.len() {
                let b = content[i];
                match b {
                    b'\\' => {
                        let next = content[i + 1];
                        if next.is_ascii_digit() {
                            let oct = std::str::from_utf8(&content[i + 1..i + 4]).expect("octal");
                            bytes.push(u8::from_str_radix(oct, 8).expect("octal value"));
                            i += 4;
                        } else {
                            bytes.push(next);
                            i += 2;
                        }
                        continue;
                    }
                    b'(' => depth += 1,
                    b')' if depth == 0 => break,
                    b')' => depth -= 1,
                    _ => {}
                }
                bytes.push(b);
                i += 1;
            }
            i += 1;
            assert!(
                content[i..].starts_with(b" Tj"),
                "a string is shown with Tj"
            );
            out.push(bytes.into_iter().map(decode_win_ansi).collect());
        }
        out
    }

    /// The filled rectangles (`x y w h re f`, PDF coordinates) of a content stream.
    pub fn filled_rects(content: &[u8]) -> Vec<[f32; 4]> {
        let text = String::from_utf8_lossy(content);
        text.lines()
            .filter(|l| l.ends_with("re f Q"))
            .map(|l| {
                let nums: Vec<f32> = l
                    .split_whitespace()
                    .filter_map(|t| t.parse().ok())
                    .collect();
                // q <gray> g x y w h re f Q
                [nums[1], nums[2], nums[3], nums[4]]
            })
            .collect()
    }

    /// Rasterises filled rectangles onto a white image at `scale` pixels per point.
    pub fn rasterise(rects: &[[f32; 4]], page_w: f32, page_h: f32, scale: f32) -> image::GrayImage {
        let w = (page_w * scale).ceil() as u32;
        let h = (page_h * scale).ceil() as u32;
        let mut img = image::GrayImage::from_pixel(w, h, image::Luma([255]));
        for [x, y, rw, rh] in rects {
            let x0 = (x * scale).round() as u32;
            let x1 = ((x + rw) * scale).round() as u32;
            // PDF y is from the bottom.
            let y0 = ((page_h - y - rh) * scale).round() as u32;
            let y1 = ((page_h - y) * scale).round() as u32;
            for py in y0..y1.min(h) {
                for px in x0..x1.min(w) {
                    img.put_pixel(px, py, image::Luma([0]));
                }
            }
        }
        img
    }

    /// Decodes the only QR code in `img`.
    pub fn decode_qr(img: image::GrayImage) -> String {
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "exactly one QR code");
        grids[0].decode().expect("QR decodes").1
    }

    /// The page rendered by Ghostscript at `dpi` as a grey image, and the text Ghostscript reads
    /// from it; `None` when Ghostscript is not installed.
    pub fn ghostscript_render(pdf: &[u8], dpi: u32) -> Option<(image::GrayImage, String)> {
        let gs = super::find_on_path("gs")?;
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.pdf");
        let png = dir.path().join("page.png");
        let txt = dir.path().join("page.txt");
        std::fs::write(&input, pdf).expect("write pdf");
        let run = |device: &str, output: &std::path::Path, extra: &[String]| {
            let out = std::process::Command::new(&gs)
                .args(["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER"])
                .arg(format!("-sDEVICE={device}"))
                .args(extra)
                .arg(format!("-sOutputFile={}", output.display()))
                .arg(&input)
                .output()
                .expect("gs runs");
            assert!(out.status.success(), "gs {device}: {out:?}");
        };
        run("pnggray", &png, &[format!("-r{dpi}")]);
        run("txtwrite", &txt, &[]);
        let img = image::open(&png).expect("png").to_luma8();
        let text = std::fs::read_to_string(&txt).expect("text");
        Some((img, text))
    }

    /// Runs the external PDF checkers that are installed (qpdf, pdfinfo, Ghostscript) on `pdf`;
    /// prints a note for those that are missing.
    pub fn external_checks(pdf: &[u8], name: &str) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(name);
        std::fs::write(&path, pdf).expect("write pdf");
        let mut ran = false;
        if let Some(qpdf) = super::find_on_path("qpdf") {
            let out = std::process::Command::new(qpdf)
                .arg("--check")
                .arg(&path)
                .output()
                .expect("qpdf runs");
            assert!(out.status.success(), "qpdf --check: {out:?}");
            ran = true;
        }
        if let Some(pdfinfo) = super::find_on_path("pdfinfo") {
            let out = std::process::Command::new(pdfinfo)
                .arg(&path)
                .output()
                .expect("pdfinfo runs");
            assert!(out.status.success(), "pdfinfo: {out:?}");
            assert!(
                String::from_utf8_lossy(&out.stderr).trim().is_empty(),
                "{out:?}"
            );
            ran = true;
        }
        if let Some(gs) = super::find_on_path("gs") {
            // Not quiet: under -q Ghostscript repairs a broken file silently; without it, it
            // says "**** This file had errors that were repaired or ignored."
            let out = std::process::Command::new(gs)
                .args(["-dNOPAUSE", "-dBATCH", "-dSAFER", "-dPDFSTOPONERROR"])
                .args(["-dPDFSTOPONWARNING", "-sDEVICE=nullpage"])
                .arg(&path)
                .output()
                .expect("gs runs");
            assert!(out.status.success(), "ghostscript: {out:?}");
            let said = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            for bad in ["****", "rror", "arning", "repaired"] {
                assert!(!said.contains(bad), "ghostscript on {name}: {said}");
            }
            ran = true;
        }
        if !ran {
            println!(
                "note: none of qpdf, pdfinfo, gs is installed; only the built-in structure check ran on {name}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_writes_atomically_and_replaces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("cetak");
        let path = save(&sub, "bukti.pdf", b"first").expect("save");
        assert_eq!(path, sub.join("bukti.pdf"));
        assert_eq!(std::fs::read(&path).expect("read"), b"first");
        save(&sub, "bukti.pdf", b"second").expect("save again");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        let names: Vec<_> = std::fs::read_dir(&sub)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("bukti.pdf")],
            "no temp files left"
        );
        for bad in ["", ".", "..", "a/b", "x\0y"] {
            let e = save(&sub, bad, b"x").expect_err("refused");
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn save_reports_an_unwritable_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"").expect("write");
        assert!(save(&file, "bukti.pdf", b"x").is_err());
    }

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[test]
    fn printing_goes_through_lp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("args");
        let ok = script(
            dir.path(),
            "lp",
            &format!(
                "printf '%s\\n' \"$@\" > '{}'; echo 'request id is HP-1 (1 file(s))'",
                log.display()
            ),
        );
        let pdf = dir.path().join("-bukti.pdf");
        print_with(Some(&ok), &pdf).expect("printed");
        let args = std::fs::read_to_string(&log).expect("args");
        assert_eq!(args, format!("--\n{}\n", pdf.display()));

        let bad = script(
            dir.path(),
            "lp-bad",
            "echo 'lp: Error - no default destination available.' >&2; exit 1",
        );
        assert_eq!(
            print_with(Some(&bad), &pdf),
            Err(PrintError::Failed(
                "lp: Error - no default destination available.".into()
            ))
        );
        let silent = script(dir.path(), "lp-silent", "exit 3");
        assert!(matches!(
            print_with(Some(&silent), &pdf),
            Err(PrintError::Failed(m)) if m.contains('3')
        ));
        assert_eq!(print_with(None, &pdf), Err(PrintError::NoPrintSystem));
        assert_eq!(
            print_with(Some(&dir.path().join("missing")), &pdf),
            Err(PrintError::NoPrintSystem)
        );
    }

    #[test]
    fn print_errors_are_localized() {
        let none = PrintError::NoPrintSystem;
        assert!(none.localize(Lang::Id).contains("CUPS"));
        assert!(none.localize(Lang::Id).contains("tersimpan"));
        assert!(none.localize(Lang::En).contains("apt install cups"));
        let failed = PrintError::Failed("printer stopped".into());
        assert!(
            failed
                .localize(Lang::Id)
                .starts_with("Pencetakan gagal: printer stopped.")
        );
        assert!(
            failed
                .localize(Lang::En)
                .starts_with("Printing failed: printer stopped.")
        );
    }

    #[test]
    fn programs_are_found_on_a_search_path() {
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        std::fs::write(a.path().join("lp"), b"not executable").expect("write");
        let exe = script(b.path(), "lp", "exit 0");
        let paths = std::env::join_paths([a.path(), b.path()]).expect("join");
        assert_eq!(find_in(&paths, "lp"), Some(exe));
        assert_eq!(find_in(&paths, "qpdf"), None);
    }

    #[test]
    fn qr_drawing_decodes() {
        let payload =
            "REKAM1|331301-01-20261121-0007|3313015508950001|SRI WAHYUNI|2026-11-21|331301-01";
        let code = qr_code(payload).expect("encodes");
        let mut page = Page::new(PageSize::A6);
        draw_qr(&mut page, 50.0, 60.0, 120.0, &code);
        let ink = page.ink_bounds().expect("drawn");
        let module = 120.0 / (code.width() + 8) as f32;
        assert!(
            (ink.x - (50.0 + 4.0 * module)).abs() < 0.01,
            "quiet zone left blank"
        );
        assert!((ink.width - code.width() as f32 * module).abs() < 0.01);
        let mut doc = pdf::Document::new("qr");
        doc.push(page);
        let bytes = doc.to_bytes();
        let content = &testing::content_streams(&bytes)[0];
        let rects = testing::filled_rects(content);
        let (w, h) = (PageSize::A6.width(), PageSize::A6.height());
        assert_eq!(
            testing::decode_qr(testing::rasterise(&rects, w, h, 4.0)),
            payload
        );
    }
}

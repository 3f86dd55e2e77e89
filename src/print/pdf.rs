//! A small PDF 1.4 writer for Rekam's printed documents (proof of recording, return slip).
//!
//! It knows just enough PDF to put text, filled rectangles and thin lines on A6 or A5 pages:
//!
//! - text in the two standard fonts Helvetica and Helvetica-Bold (every PDF reader and printer has
//!   them, so nothing is embedded), with `WinAnsiEncoding`; characters that encoding cannot show
//!   are printed as `?`. Text widths come from the fonts' standard metrics (taken from the
//!   metric-compatible URW Nimbus Sans AFM files), so lines can be measured and wrapped exactly;
//! - filled rectangles in a shade of grey (the QR code is drawn with them, as vectors);
//! - thin straight lines (rules).
//!
//! The writer produces an uncompressed file with a correct cross-reference table, so the output is
//! small, deterministic (the same document gives the same bytes, no dates inside) and easy to
//! inspect. Coordinates given to [`Page`] are in points (1/72 inch) from the **top-left** corner of
//! the page, with `y` growing downwards; the writer converts them to PDF's bottom-left system.

use std::fmt::Write as _;

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;

/// The paper sizes Rekam prints on, portrait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageSize {
    /// ISO A6, 105 x 148 mm: the proof of recording and the return slip.
    A6,
    /// ISO A5, 148 x 210 mm: for a return slip too long for A6.
    A5,
}

impl PageSize {
    /// Width in points.
    pub fn width(self) -> f32 {
        match self {
            PageSize::A6 => 105.0 * MM,
            PageSize::A5 => 148.0 * MM,
        }
    }

    /// Height in points.
    pub fn height(self) -> f32 {
        match self {
            PageSize::A6 => 148.0 * MM,
            PageSize::A5 => 210.0 * MM,
        }
    }
}

/// One of the two standard fonts the writer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Font {
    /// Helvetica (regular).
    Helvetica,
    /// Helvetica-Bold.
    HelveticaBold,
}

impl Font {
    /// The font's resource name in page content streams.
    fn resource(self) -> &'static str {
        match self {
            Font::Helvetica => "F1",
            Font::HelveticaBold => "F2",
        }
    }

    /// The standard font's PostScript name.
    fn base_font(self) -> &'static str {
        match self {
            Font::Helvetica => "Helvetica",
            Font::HelveticaBold => "Helvetica-Bold",
        }
    }

    /// Advance width of a WinAnsi byte in 1/1000 of the font size.
    fn advance(self, byte: u8) -> u16 {
        let table = match self {
            Font::Helvetica => &metrics::HELVETICA,
            Font::HelveticaBold => &metrics::HELVETICA_BOLD,
        };
        table[usize::from(byte)]
    }
}

/// Highest point of any glyph above the baseline, as a fraction of the font size (font bounding box).
pub const ASCENT: f32 = 0.931;
/// Lowest point of any glyph below the baseline, as a fraction of the font size (font bounding box).
pub const DESCENT: f32 = 0.225;

/// The characters of WinAnsiEncoding (Windows-1252) between 0x80 and 0x9F; the other codes are
/// ASCII (0x20-0x7E) and Latin-1 (0xA0-0xFF), the same as their Unicode code points.
const WIN_ANSI_HIGH: [(u8, char); 27] = [
    (0x80, '\u{20AC}'),
    (0x82, '\u{201A}'),
    (0x83, '\u{0192}'),
    (0x84, '\u{201E}'),
    (0x85, '\u{2026}'),
    (0x86, '\u{2020}'),
    (0x87, '\u{2021}'),
    (0x88, '\u{02C6}'),
    (0x89, '\u{2030}'),
    (0x8A, '\u{0160}'),
    (0x8B, '\u{2039}'),
    (0x8C, '\u{0152}'),
    (0x8E, '\u{017D}'),
    (0x91, '\u{2018}'),
    (0x92, '\u{2019}'),
    (0x93, '\u{201C}'),
    (0x94, '\u{201D}'),
    (0x95, '\u{2022}'),
    (0x96, '\u{2013}'),
    (0x97, '\u{2014}'),
    (0x98, '\u{02DC}'),
    (0x99, '\u{2122}'),
    (0x9A, '\u{0161}'),
    (0x9B, '\u{203A}'),
    (0x9C, '\u{0153}'),
    (0x9E, '\u{017E}'),
    (0x9F, '\u{0178}'),
];

/// The WinAnsiEncoding byte of `c`, if the encoding has it. A tab counts as a space; other control
/// characters have no glyph.
pub fn win_ansi(c: char) -> Option<u8> {
    match u32::from(c) {
        0x09 => Some(b' '),
        cp @ (0x20..=0x7E | 0xA0..=0xFF) => u8::try_from(cp).ok(),
        _ => WIN_ANSI_HIGH
            .iter()
            .find(|(_, ch)| *ch == c)
            .map(|(b, _)| *b),
    }
}

/// `text` in WinAnsiEncoding, every character the encoding lacks replaced by `?`.
pub fn encode_win_ansi(text: &str) -> Vec<u8> {
    text.chars().map(|c| win_ansi(c).unwrap_or(b'?')).collect()
}

/// The character a WinAnsiEncoding byte stands for (`?` for the five unused codes and controls).
pub fn decode_win_ansi(byte: u8) -> char {
    match byte {
        0x20..=0x7E | 0xA0..=0xFF => char::from(byte),
        _ => WIN_ANSI_HIGH
            .iter()
            .find(|(b, _)| *b == byte)
            .map_or('?', |(_, c)| *c),
    }
}

/// Width in points of `text` set in `font` at `size` points, as it will be printed (characters
/// outside WinAnsiEncoding measured as the `?` that replaces them).
pub fn text_width(font: Font, size: f32, text: &str) -> f32 {
    let units: u32 = encode_win_ansi(text)
        .into_iter()
        .map(|b| u32::from(font.advance(b)))
        .sum();
    units as f32 * size / 1000.0
}

/// Splits `text` into lines no wider than `max_width` points in `font` at `size`: words are kept
/// whole where they fit (runs of white space collapse to one space), a word wider than a whole line
/// is cut between characters. Always returns at least one line (empty for blank text), and every
/// line but a single character too wide for `max_width` fits.
pub fn wrap(font: Font, size: f32, text: &str, max_width: f32) -> Vec<String> {
    let fits = |s: &str| text_width(font, size, s) <= max_width;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone: cut it into pieces when even that is too wide.
        for c in word.chars() {
            line.push(c);
            if !fits(&line) && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A rectangle in page coordinates (points from the top-left corner, `y` downwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Rect {
    /// The right edge.
    pub fn right(&self) -> f32 {
        self.x + self.width
    }

    /// The bottom edge.
    pub fn bottom(&self) -> f32 {
        self.y + self.height
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        Rect {
            x,
            y,
            width: self.right().max(other.right()) - x,
            height: self.bottom().max(other.bottom()) - y,
        }
    }
}

/// One page being drawn: its content stream and the box around everything drawn on it.
#[derive(Debug, Clone)]
pub struct Page {
    size: PageSize,
    content: String,
    ink: Option<Rect>,
}

impl Page {
    /// An empty page.
    pub fn new(size: PageSize) -> Page {
        Page {
            size,
            // Text is drawn in black; rectangles set their own shade inside q/Q.
            content: String::from("0 g\n"),
            ink: None,
        }
    }

    /// The paper size.
    pub fn size(&self) -> PageSize {
        self.size
    }

    /// The smallest rectangle holding everything drawn so far (text measured with the font's
    /// bounding box), `None` on a blank page. Layout code uses it to prove nothing leaves the
    /// printable area.
    pub fn ink_bounds(&self) -> Option<Rect> {
        self.ink
    }

    fn mark(&mut self, r: Rect) {
        self.ink = Some(match self.ink {
            Some(ink) => ink.union(&r),
            None => r,
        });
    }

    /// PDF's `y` (from the bottom) for a `y` from the top.
    fn flip(&self, y: f32) -> f32 {
        self.size.height() - y
    }

    /// Writes one line of `text` with its left end at `x` and its baseline at `baseline`.
    /// Characters outside WinAnsiEncoding are printed as `?`.
    pub fn text(&mut self, x: f32, baseline: f32, font: Font, size: f32, text: &str) {
        let bytes = encode_win_ansi(text);
        if bytes.is_empty() {
            return;
        }
        let y = self.flip(baseline);
        let _ = writeln!(
            self.content,
            "BT /{} {} Tf {} {} Td {} Tj ET",
            font.resource(),
            num(size),
            num(x),
            num(y),
            pdf_string(&bytes)
        );
        let width = text_width(font, size, text);
        self.mark(Rect {
            x,
            y: baseline - ASCENT * size,
            width,
            height: (ASCENT + DESCENT) * size,
        });
    }

    /// Fills a rectangle whose top-left corner is at (`x`, `y`) with a shade of grey, from 0.0
    /// (black) to 1.0 (white).
    pub fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, gray: f32) {
        let _ = writeln!(
            self.content,
            "q {} g {} {} {} {} re f Q",
            num(gray.clamp(0.0, 1.0)),
            num(x),
            num(self.flip(y + height)),
            num(width),
            num(height)
        );
        self.mark(Rect {
            x,
            y,
            width,
            height,
        });
    }

    /// Draws a black straight line `line_width` points thick from (`x1`, `y1`) to (`x2`, `y2`).
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, line_width: f32) {
        let _ = writeln!(
            self.content,
            "q 0 G {} w {} {} m {} {} l S Q",
            num(line_width),
            num(x1),
            num(self.flip(y1)),
            num(x2),
            num(self.flip(y2))
        );
        let half = line_width / 2.0;
        self.mark(Rect {
            x: x1.min(x2) - half,
            y: y1.min(y2) - half,
            width: (x2 - x1).abs() + line_width,
            height: (y2 - y1).abs() + line_width,
        });
    }
}

/// A document: pages and a title, written out by [`Document::to_bytes`].
#[derive(Debug, Clone, Default)]
pub struct Document {
    title: String,
    pages: Vec<Page>,
}

impl Document {
    /// An empty document with the given title (shown by PDF readers and print queues).
    pub fn new(title: &str) -> Document {
        Document {
            title: title.to_owned(),
            pages: Vec::new(),
        }
    }

    /// Appends a page.
    pub fn push(&mut self, page: Page) {
        self.pages.push(page);
    }

    /// The pages so far.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The PDF file. A document without pages gets one blank A6 page (a PDF needs one).
    pub fn to_bytes(&self) -> Vec<u8> {
        let blank;
        let pages: &[Page] = if self.pages.is_empty() {
            blank = [Page::new(PageSize::A6)];
            &blank
        } else {
            &self.pages
        };
        // Objects: 1 catalog, 2 page tree, 3-4 fonts, 5 document information, then a page object
        // and its content stream for each page.
        const FIRST_PAGE: usize = 6;
        let count = FIRST_PAGE + 2 * pages.len();
        let mut out: Vec<u8> = Vec::new();
        let mut offsets = vec![0usize; count];
        out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");

        let mut object = |out: &mut Vec<u8>, n: usize, body: &[u8]| {
            offsets[n] = out.len();
            out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        };

        object(&mut out, 1, b"<< /Type /Catalog /Pages 2 0 R >>");
        let kids: Vec<String> = (0..pages.len())
            .map(|i| format!("{} 0 R", FIRST_PAGE + 2 * i))
            .collect();
        let tree = format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        );
        object(&mut out, 2, tree.as_bytes());
        for (n, font) in [(3, Font::Helvetica), (4, Font::HelveticaBold)] {
            let dict = format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                font.base_font()
            );
            object(&mut out, n, dict.as_bytes());
        }
        let info = format!(
            "<< /Title {} /Producer (Rekam) >>",
            utf16_text_string(&self.title)
        );
        object(&mut out, 5, info.as_bytes());

        for (i, page) in pages.iter().enumerate() {
            let n = FIRST_PAGE + 2 * i;
            let dict = format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> /ProcSet [/PDF /Text] >> \
                 /Contents {} 0 R >>",
                num(page.size.width()),
                num(page.size.height()),
                n + 1
            );
            object(&mut out, n, dict.as_bytes());
            let mut stream = format!("<< /Length {} >>\nstream\n", page.content.len()).into_bytes();
            stream.extend_from_slice(page.content.as_bytes());
            stream.extend_from_slice(b"\nendstream");
            object(&mut out, n + 1, &stream);
        }

        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {count}\n").as_bytes());
        // Each entry is exactly 20 bytes, ending in space + line feed.
        out.extend_from_slice(b"0000000000 65535 f \n");
        for offset in &offsets[1..] {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {count} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        out
    }
}

/// A number for a content stream: at most two decimals, no exponent, no trailing zeros.
fn num(v: f32) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match s {
        "-0" | "" => "0".to_owned(),
        s => s.to_owned(),
    }
}

/// A PDF literal string of WinAnsi bytes: `(`, `)` and `\` escaped with a backslash, bytes outside
/// printable ASCII as octal escapes (so content streams stay 7-bit text).
fn pdf_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                s.push('\\');
                s.push(char::from(b));
            }
            0x20..=0x7E => s.push(char::from(b)),
            _ => {
                let _ = write!(s, "\\{b:03o}");
            }
        }
    }
    s.push(')');
    s
}

/// A PDF text string in UTF-16BE with byte order mark, as a hex string (any Unicode text).
fn utf16_text_string(text: &str) -> String {
    let mut s = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(s, "{unit:04X}");
    }
    s.push('>');
    s
}

/// Advance widths of the WinAnsiEncoding bytes in the standard Helvetica fonts, in 1/1000 em
/// (generated from URW's NimbusSans-Regular.afm and NimbusSans-Bold.afm, which are metric-
/// compatible with Adobe's Helvetica; 0 for the unused codes, which are never written).
#[rustfmt::skip]
mod metrics {
pub(super) const HELVETICA: [u16; 256] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];
pub(super) const HELVETICA_BOLD: [u16; 256] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_mapping() {
        assert_eq!(encode_win_ansi("Aé€—"), vec![b'A', 0xE9, 0x80, 0x97]);
        assert_eq!(encode_win_ansi("Đặng\u{1F600}\n"), b"??ng??".to_vec());
        for b in 0x20..=0xFFu8 {
            let c = decode_win_ansi(b);
            if c != '?' {
                assert_eq!(win_ansi(c), Some(b), "byte {b:#x}");
            }
        }
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(pdf_string(b"a(b)c\\d"), "(a\\(b\\)c\\\\d)");
        assert_eq!(pdf_string(&[0xE9, 0x80]), "(\\351\\200)");
        assert_eq!(utf16_text_string("Aé"), "<FEFF004100E9>");
    }

    #[test]
    fn numbers_are_plain() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(297.6378), "297.64");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(f32::NAN), "0");
    }

    #[test]
    fn widths_match_helvetica() {
        // Helvetica: "A" 667, "i" 222, space 278; bold "A" 722.
        assert!((text_width(Font::Helvetica, 10.0, "A i") - 11.67).abs() < 0.001);
        assert!((text_width(Font::HelveticaBold, 1000.0, "A") - 722.0).abs() < 0.001);
    }

    #[test]
    fn wrapping_never_exceeds_the_width() {
        let text = "MUHAMMAD  ABDURRAHMAN   WAHYUDIANTOSUKARNOPUTRAHADIKUSUMANINGRAT BIN SLAMET";
        for max in [20.0, 60.0, 100.0, 180.0] {
            let lines = wrap(Font::HelveticaBold, 9.0, text, max);
            for line in &lines {
                assert!(
                    text_width(Font::HelveticaBold, 9.0, line) <= max,
                    "{line:?} > {max}"
                );
            }
            let joined: String = lines.concat().split_whitespace().collect();
            let original: String = text.split_whitespace().collect();
            assert_eq!(joined, original, "nothing lost at width {max}");
        }
        assert_eq!(wrap(Font::Helvetica, 9.0, "  ", 100.0), vec![String::new()]);
        assert_eq!(
            wrap(Font::Helvetica, 9.0, "a b", 100.0),
            vec!["a b".to_owned()]
        );
    }
}

//! The flow layout of the printed documents: blocks of text, rules and a QR code from top to
//! bottom, and a footer at the bottom of the page, measured in the fonts they are drawn in
//! (Fira Sans, [`crate::typeset`]). When the content does not fit, the whole layout is scaled down
//! step by step (never below [`MIN_SCALE`]), then a larger paper size is tried if the document
//! allows one, and only then are the last lines of the body replaced by an ellipsis. Nothing is
//! ever placed outside the page margins ([`Laid::ink`] says where everything lies).

use qrcode::{Color, QrCode};

use super::{MARGIN, MIN_SCALE, QR_QUIET_ZONE};
use crate::typeset::{BOLD, Face, MM, REGULAR, Shaper};

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

/// The two weights a document is set in.
#[derive(Debug)]
pub(crate) struct Faces {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

impl Faces {
    pub(crate) fn new() -> anyhow::Result<Faces> {
        Ok(Faces {
            regular: Face::new(REGULAR)?,
            bold: Face::new(BOLD)?,
        })
    }

    pub(crate) fn get(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    fn shaper(&self, weight: Weight) -> &Shaper {
        &self.get(weight).shaper
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One piece of a document, laid out from top to bottom.
#[derive(Clone)]
pub(crate) enum Block {
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
pub(crate) enum Op {
    Text {
        x: f32,
        /// The line box's top.
        top: f32,
        weight: Weight,
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
pub(crate) struct Row {
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
/// A QR code is never drawn smaller than this (0.5 mm modules for a version 6 code).
const QR_MIN_SIDE: f32 = 90.0;
/// The label column's share of the text width.
const LABEL_COLUMN: f32 = 0.3;
/// Thickness of rules.
pub(crate) const RULE_WIDTH: f32 = 0.5;
/// A field's value takes at most this many lines (set smaller when needed, see [`VALUE_SHRINK`]);
/// beyond that it is cut with an ellipsis, so a runaway value cannot push the QR code off the page.
const MAX_VALUE_LINES: usize = 4;
/// Sizes, relative to the normal value size, tried in turn for a value that needs more than
/// [`MAX_VALUE_LINES`] lines.
const VALUE_SHRINK: [f32; 4] = [1.0, 0.9, 0.8, 0.7];

/// Text lines of one weight and size, each at `x`, stacked from the row top.
fn text_rows(faces: &Faces, x: f32, width: f32, weight: Weight, size: f32, text: &str) -> Vec<Row> {
    faces
        .shaper(weight)
        .wrap(text, size, width, usize::MAX)
        .into_iter()
        .map(|line| Row {
            height: Shaper::line_height(size),
            ops: vec![Op::Text {
                x,
                top: 0.0,
                weight,
                size,
                text: line,
            }],
        })
        .collect()
}

impl Block {
    /// A labelled field (`strong`: the value in bold).
    pub(crate) fn field(label: &str, value: &str, strong: bool) -> Block {
        Block::Field {
            label: label.to_owned(),
            value: value.to_owned(),
            strong,
        }
    }

    /// The block's rows at `scale` on a page of `width` points.
    fn rows(&self, faces: &Faces, scale: f32, page_width: f32) -> Vec<Row> {
        let left = MARGIN;
        let width = page_width - 2.0 * MARGIN;
        let text =
            |weight, size: f32, s: &str| text_rows(faces, left, width, weight, size * scale, s);
        let weight = |strong: bool| {
            if strong {
                Weight::Bold
            } else {
                Weight::Regular
            }
        };
        match self {
            Block::Title(s) => text(Weight::Bold, TITLE_SIZE, s),
            Block::Small(s) => text(Weight::Regular, SMALL_SIZE, s),
            Block::Heading(s) => text(Weight::Bold, HEADING_SIZE, s),
            Block::Paragraph { text: s, strong } => text(weight(*strong), BODY_SIZE, s),
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
                let value_weight = weight(*strong);
                let labels = faces.shaper(Weight::Regular).wrap(
                    label,
                    label_size,
                    label_width - gutter,
                    usize::MAX,
                );
                let value_width = width - label_width;
                let values = faces.shaper(value_weight);
                // A long value is set smaller first, and cut with an ellipsis only if even that
                // is too long.
                let (value_size, lines) = VALUE_SHRINK
                    .iter()
                    .map(|f| {
                        let size = VALUE_SIZE * scale * f;
                        (size, values.wrap(value, size, value_width, usize::MAX))
                    })
                    .find(|(_, lines)| lines.len() <= MAX_VALUE_LINES)
                    .unwrap_or_else(|| {
                        let size = VALUE_SIZE * scale * VALUE_SHRINK[VALUE_SHRINK.len() - 1];
                        (size, values.wrap(value, size, value_width, MAX_VALUE_LINES))
                    });
                let line = value_size.max(label_size);
                let height = Shaper::line_height(line);
                // Both columns share the baseline of a line of the larger size: each text's
                // line box moves down by as much as its own baseline is higher.
                let base = faces.shaper(value_weight).baseline(0.0, line);
                let offset =
                    |weight: Weight, size: f32| base - faces.shaper(weight).baseline(0.0, size);
                (0..labels.len().max(lines.len()))
                    .map(|i| {
                        let mut ops = Vec::new();
                        if let Some(l) = labels.get(i) {
                            ops.push(Op::Text {
                                x: left,
                                top: offset(Weight::Regular, label_size),
                                weight: Weight::Regular,
                                size: label_size,
                                text: l.clone(),
                            });
                        }
                        if let Some(v) = lines.get(i) {
                            ops.push(Op::Text {
                                x: left + label_width,
                                top: offset(value_weight, value_size),
                                weight: value_weight,
                                size: value_size,
                                text: v.clone(),
                            });
                        }
                        Row { height, ops }
                    })
                    .collect()
            }
            Block::Item { marker, text: s } => {
                let size = BODY_SIZE * scale;
                let indent = faces.shaper(Weight::Regular).width("00.", size) + 3.0 * scale;
                let mut rows = text_rows(
                    faces,
                    left + indent,
                    width - indent,
                    Weight::Regular,
                    size,
                    s,
                );
                if let Some(Row { ops, .. }) = rows.first_mut() {
                    ops.push(Op::Text {
                        x: left,
                        top: 0.0,
                        weight: Weight::Regular,
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
pub(crate) struct Sheet {
    /// Paper sizes to try, in order of preference.
    pub(crate) sizes: Vec<PageSize>,
    pub(crate) body: Vec<Block>,
    /// Placed at the bottom of the page.
    pub(crate) footer: Vec<Block>,
}

/// A sheet laid out on one page: its size and every row at its top.
#[derive(Clone)]
pub(crate) struct Laid {
    pub(crate) size: PageSize,
    pub(crate) rows: Vec<(f32, Row)>,
}

/// Rows of `blocks` at `scale`.
fn rows_of(faces: &Faces, blocks: &[Block], scale: f32, page_width: f32) -> Vec<Row> {
    blocks
        .iter()
        .flat_map(|b| b.rows(faces, scale, page_width))
        .collect()
}

fn height_of(rows: &[Row]) -> f32 {
    rows.iter().map(|r| r.height).sum()
}

/// `rows` stacked from `top`.
fn stack(rows: Vec<Row>, mut top: f32) -> Vec<(f32, Row)> {
    rows.into_iter()
        .map(|row| {
            let at = top;
            top += row.height;
            (at, row)
        })
        .collect()
}

/// The dark modules of `code` drawn in a square of `side` points at (`x`, `y`) (quiet zone
/// included, left blank), as rectangles `[x, y, w, h]`: the dark modules next to each other in a
/// row as one, so no hairline gaps appear between them.
pub(crate) fn qr_rects(code: &QrCode, x: f32, y: f32, side: f32) -> Vec<[f32; 4]> {
    let n = code.width();
    let module = side / (n + 2 * QR_QUIET_ZONE) as f32;
    let colors = code.to_colors();
    let mut rects = Vec::new();
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
            rects.push([left, top, (col - start) as f32 * module, module]);
        }
    }
    rects
}

impl Sheet {
    /// Lays the sheet out on one page: the first paper size and the largest scale (from 1 down to
    /// [`MIN_SCALE`]) at which everything fits; if nothing fits, the last size at the smallest
    /// scale with the body cut short by an ellipsis line.
    pub(crate) fn lay_out(&self, faces: &Faces) -> Laid {
        let steps = ((1.0 - MIN_SCALE) / 0.05).round() as u32;
        let mut last = None;
        for &size in &self.sizes {
            let (w, h) = (size.width(), size.height());
            for step in 0..=steps {
                let scale = 1.0 - 0.05 * step as f32;
                let body = rows_of(faces, &self.body, scale, w);
                let footer = rows_of(faces, &self.footer, scale, w);
                let available = h - 2.0 * MARGIN - height_of(&footer);
                if height_of(&body) <= available {
                    return Laid::of(size, body, footer);
                }
                last = Some((size, scale, body, footer, available));
            }
        }
        let Some((size, scale, body, footer, available)) = last else {
            return Laid {
                size: PageSize::A6,
                rows: Vec::new(),
            };
        };
        // Cut the body so that it and an ellipsis line fit.
        let ellipsis = rows_of(
            faces,
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
        Laid::of(size, kept, footer)
    }
}

impl Laid {
    /// The body from the top margin, the footer against the bottom margin.
    fn of(size: PageSize, body: Vec<Row>, footer: Vec<Row>) -> Laid {
        let footer_top = size.height() - MARGIN - height_of(&footer);
        let mut rows = stack(body, MARGIN);
        rows.extend(stack(footer, footer_top));
        Laid { size, rows }
    }

    /// Every op with the top of its row.
    pub(crate) fn ops(&self) -> impl Iterator<Item = (f32, &Op)> {
        self.rows
            .iter()
            .flat_map(|(top, row)| row.ops.iter().map(move |op| (*top, op)))
    }

    /// Where ink lands (what the tests check against the margins): the bounding box `[left, top, right, bottom]` of every glyph line (its
    /// advance and the font's extent), rule and dark QR module.
    #[cfg(test)]
    pub(crate) fn ink(&self, faces: &Faces) -> Option<[f32; 4]> {
        let mut bounds: Option<[f32; 4]> = None;
        let mut add = |[l, t, r, b]: [f32; 4]| {
            let e = bounds.get_or_insert([l, t, r, b]);
            *e = [e[0].min(l), e[1].min(t), e[2].max(r), e[3].max(b)];
        };
        for (row_top, op) in self.ops() {
            match op {
                Op::Text {
                    x,
                    top,
                    weight,
                    size,
                    text,
                } => {
                    if text.is_empty() {
                        continue;
                    }
                    let shaper = faces.shaper(*weight);
                    let (ascent, descent) = shaper.extent();
                    let baseline = shaper.baseline(row_top + top, *size);
                    let width = shaper.width(text, *size);
                    add([
                        *x,
                        baseline - ascent * size,
                        x + width,
                        baseline + descent * size,
                    ]);
                }
                Op::Rule { x1, x2, y } => add([
                    x1 - RULE_WIDTH / 2.0,
                    row_top + y - RULE_WIDTH / 2.0,
                    x2 + RULE_WIDTH / 2.0,
                    row_top + y + RULE_WIDTH / 2.0,
                ]),
                Op::Qr { x, side, code } => {
                    for [l, t, w, h] in qr_rects(code, *x, row_top, *side) {
                        add([l, t, l + w, t + h]);
                    }
                }
            }
        }
        bounds
    }
}

//! Drawing a laid-out page with krilla: the title block or running header, the placed items,
//! the footer.

use krilla::color::rgb;
use krilla::surface::Surface;

use super::*;
use crate::typeset::{self, Face};

fn black() -> rgb::Color {
    rgb::Color::black()
}

fn grey(level: u8) -> rgb::Color {
    rgb::Color::new(level, level, level)
}

/// How a line of text is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    size: f32,
    align: Align,
    color: rgb::Color,
}

impl Style {
    fn left(size: f32, color: rgb::Color) -> Style {
        Style {
            size,
            align: Align::Left,
            color,
        }
    }
}

/// Where a line of text goes: the left edge and the top of its line box, and the width it must
/// fit in.
#[derive(Debug, Clone, Copy)]
struct Slot {
    x: f32,
    top: f32,
    width: f32,
}

impl Slot {
    /// A line across the text width of the page, at `top`.
    fn text(top: f32, width: f32) -> Slot {
        Slot {
            x: MARGIN,
            top,
            width,
        }
    }
}

/// Draws on one page.
pub(super) struct Pen<'a, 'b> {
    pub(super) surface: &'a mut Surface<'b>,
    pub(super) face: &'a Face,
}

impl Pen<'_, '_> {
    /// One line of text in `slot`, cut with an ellipsis if it is too wide, aligned in it.
    fn line(&mut self, slot: Slot, text: &str, style: Style) {
        let shaper = &self.face.shaper;
        let text = shaper.ellipsize(text, style.size, slot.width);
        let width = shaper.width(&text, style.size);
        let x = match style.align {
            Align::Left => slot.x,
            Align::Center => slot.x + (slot.width - width) / 2.0,
            Align::Right => slot.x + slot.width - width,
        };
        let baseline = shaper.baseline(slot.top, style.size);
        typeset::text(
            self.surface,
            self.face,
            (x, baseline),
            style.size,
            &text,
            style.color,
        );
    }

    /// A table cell's lines, inside the cell's padding.
    fn cell(&mut self, (x, w): (f32, f32), top: f32, lines: &[String], style: Style) {
        for (n, text) in lines.iter().enumerate() {
            let slot = Slot {
                x: x + PAD_X,
                top: top + PAD_Y + n as f32 * Shaper::line_height(style.size),
                width: (w - 2.0 * PAD_X).max(0.0),
            };
            self.line(slot, text, style);
        }
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: rgb::Color) {
        typeset::fill_rect(self.surface, [x, y, w, h], color);
    }

    fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        typeset::stroke_rect(self.surface, [x, y, w, h], GRID_WIDTH, grey(110));
    }

    fn rule(&mut self, y: f32, geometry: &Geometry) {
        let (a, b) = ((MARGIN, y), (geometry.width - MARGIN, y));
        typeset::line(self.surface, a, b, GRID_WIDTH, grey(110));
    }

    pub(super) fn title_block(&mut self, report: &Report, geometry: &Geometry) {
        let width = geometry.text_width();
        let title = Style::left(TITLE_SIZE, black());
        self.line(Slot::text(MARGIN, width), &report.title, title);
        let label_width = report
            .facts
            .iter()
            .map(|(label, _)| self.face.shaper.width(label, FACT_SIZE))
            .fold(0.0, f32::max)
            .min(width / 3.0)
            + 2.0 * PAD_X;
        let mut top = MARGIN + Shaper::line_height(TITLE_SIZE);
        for (label, value) in &report.facts {
            let slot = Slot {
                x: MARGIN,
                top,
                width: label_width,
            };
            self.line(slot, label, Style::left(FACT_SIZE, grey(70)));
            let slot = Slot {
                x: MARGIN + label_width,
                top,
                width: width - label_width,
            };
            self.line(slot, value, Style::left(FACT_SIZE, black()));
            top += Shaper::line_height(FACT_SIZE);
        }
    }

    pub(super) fn running_header(&mut self, report: &Report, geometry: &Geometry) {
        let slot = Slot::text(MARGIN, geometry.text_width());
        self.line(slot, &report.running, Style::left(SMALL_SIZE, grey(70)));
        self.rule(
            MARGIN + Shaper::line_height(SMALL_SIZE) + RULE_GAP,
            geometry,
        );
    }

    pub(super) fn footer(
        &mut self,
        report: &Report,
        geometry: &Geometry,
        page: usize,
        total: usize,
    ) {
        let rule = geometry.bottom() + RULE_GAP;
        self.rule(rule, geometry);
        let top = rule + RULE_GAP;
        let width = geometry.text_width();
        let number = match report.lang {
            Lang::Id => format!("Halaman {page} dari {total}"),
            Lang::En => format!("Page {page} of {total}"),
        };
        let style = Style::left(SMALL_SIZE, grey(70));
        let number_width = self.face.shaper.width(&number, SMALL_SIZE);
        let left = Slot {
            x: MARGIN,
            top,
            width: (width - number_width - 4.0 * PAD_X).max(0.0),
        };
        self.line(left, &report.footer, style);
        let right = Slot {
            x: MARGIN,
            top,
            width,
        };
        let style = Style {
            align: Align::Right,
            ..style
        };
        self.line(right, &number, style);
    }

    pub(super) fn item(&mut self, placed: &Placed, sections: &[LaidSection], geometry: &Geometry) {
        let top = placed.top;
        match placed.what {
            Item::Heading(s) => {
                if let Some(heading) = sections.get(s).and_then(|s| s.heading.as_deref()) {
                    let slot = Slot::text(top, geometry.text_width());
                    self.line(slot, heading, Style::left(HEADING_SIZE, black()));
                }
            }
            Item::Header(s) => {
                if let Some(section) = sections.get(s) {
                    self.header_row(section, top);
                }
            }
            Item::Row(s, r) => {
                if let Some((section, row)) = sections
                    .get(s)
                    .and_then(|section| Some((section, section.rows.get(r)?)))
                {
                    self.body_row(section, row, top);
                }
            }
            Item::Empty(s) => {
                if let Some(section) = sections.get(s) {
                    let (x, w) = (section.left(), section.width());
                    self.stroke_rect(x, top, w, section.empty_height());
                    let style = Style {
                        size: section.size,
                        align: Align::Center,
                        color: black(),
                    };
                    self.cell((x, w), top, std::slice::from_ref(&section.empty), style);
                }
            }
            Item::NoteLine(s, n) => {
                if let Some(line) = sections.get(s).and_then(|s| s.note.get(n)) {
                    let slot = Slot::text(top, geometry.text_width());
                    self.line(slot, line, Style::left(SMALL_SIZE, grey(70)));
                }
            }
        }
    }

    fn header_row(&mut self, section: &LaidSection, top: f32) {
        let height = section.header_height;
        self.fill_rect(section.left(), top, section.width(), height, grey(225));
        for (i, &(x, w)) in section.columns.iter().enumerate() {
            self.stroke_rect(x, top, w, height);
            let lines = section.header.get(i).map_or(&[][..], Vec::as_slice);
            let style = Style {
                size: section.size,
                align: section.align.get(i).copied().unwrap_or(Align::Left),
                color: black(),
            };
            self.cell((x, w), top, lines, style);
        }
    }

    fn body_row(&mut self, section: &LaidSection, row: &LaidRow, top: f32) {
        for (i, &(x, w)) in section.columns.iter().enumerate() {
            let tone = row.tones.get(i).copied().unwrap_or_default();
            let color = match tone {
                Tone::Normal => black(),
                Tone::Alert => {
                    self.fill_rect(x, top, w, row.height, rgb::Color::new(252, 224, 224));
                    rgb::Color::new(160, 0, 0)
                }
                Tone::Good => rgb::Color::new(0, 100, 30),
            };
            self.stroke_rect(x, top, w, row.height);
            let lines = row.cells.get(i).map_or(&[][..], Vec::as_slice);
            let style = Style {
                size: section.size,
                align: section.align.get(i).copied().unwrap_or(Align::Left),
                color,
            };
            self.cell((x, w), top, lines, style);
        }
    }
}

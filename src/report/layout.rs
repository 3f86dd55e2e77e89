//! A small paginated layout for the reports, drawn with krilla: a title and label-value facts on
//! the first page, then sections of tables whose header row repeats on every page they run onto,
//! a running header on the following pages and "page i of N" in every footer.
//!
//! Text is shaped once (`text`) and drawn from those glyphs (`draw`), so measured widths are
//! drawn widths. Every cell is wrapped to its column and, past the column's line limit, cut with
//! an ellipsis; every other line of text is cut to the page: nothing is drawn outside its box.
//! The whole document is paginated first, so the page count is known when the footers are drawn.

mod draw;

use anyhow::Context as _;
use chrono::{Datelike as _, NaiveDateTime, Timelike as _};
use krilla::Document;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;

use crate::lang::Lang;
pub(crate) use crate::typeset::Shaper;
use crate::typeset::{self, Face, MM};
use draw::Pen;

/// A4, in points.
const A4_SHORT: f32 = 210.0 * MM;
const A4_LONG: f32 = 297.0 * MM;
/// Blank border on every side: wider than any office printer's unprintable edge, and room to
/// punch and file the sheets.
const MARGIN: f32 = 15.0 * MM;

const TITLE_SIZE: f32 = 15.0;
const FACT_SIZE: f32 = 9.0;
const HEADING_SIZE: f32 = 10.5;
const SMALL_SIZE: f32 = 7.5;
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 2.5;
/// Space between the title block or a section and what follows.
const GAP: f32 = 10.0;
/// Space between a rule and the running header or footer text.
const RULE_GAP: f32 = 4.0;
const GRID_WIDTH: f32 = 0.4;

/// Which way up the A4 sheet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Orientation {
    Portrait,
    Landscape,
}

/// Where a cell's text sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// How a cell stands out: `Alert` is dark red on a pale red ground, `Good` dark green.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Tone {
    #[default]
    Normal,
    Alert,
    Good,
}

/// A table column.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub title: String,
    /// Its share of the table's width, relative to the other columns.
    pub weight: f32,
    pub align: Align,
    /// Lines a cell may wrap onto before it is cut with an ellipsis.
    pub max_lines: usize,
}

impl Column {
    pub(crate) fn new(title: &str, weight: f32, align: Align, max_lines: usize) -> Column {
        Column {
            title: title.to_owned(),
            weight,
            align,
            max_lines,
        }
    }
}

/// A table cell.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub(crate) fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            tone: Tone::Normal,
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_owned())
    }
}

/// A heading and a table, with a note under it.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub heading: Option<String>,
    /// The table's width as a share of the text width (0 to 1].
    pub width: f32,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Shown in one row across the table when it has no rows.
    pub empty: String,
    pub note: Option<String>,
}

/// A report to lay out.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub orientation: Orientation,
    pub lang: Lang,
    pub title: String,
    /// Label-value lines under the title on the first page.
    pub facts: Vec<(String, String)>,
    /// The line at the top of every following page.
    pub running: String,
    /// The left side of every footer; the right side is the page number.
    pub footer: String,
    /// The size of the tables' text.
    pub body_size: f32,
    pub sections: Vec<Section>,
    /// The software and when it made the report, for the PDF's metadata.
    pub software: String,
    pub created: NaiveDateTime,
}

/// Lays out and draws `report`: the bytes of the PDF.
pub(crate) fn render(report: &Report) -> anyhow::Result<Vec<u8>> {
    let face = Face::new(typeset::REGULAR)?;
    let shaper = &face.shaper;
    let geometry = Geometry::new(report.orientation);
    let sections: Vec<LaidSection> = report
        .sections
        .iter()
        .map(|s| LaidSection::new(s, shaper, report.body_size, geometry.text_width()))
        .collect();
    let pages = paginate(report, &sections, &geometry);

    let mut document = Document::new();
    document.set_metadata(metadata(report));
    let total = pages.len();
    for (index, placed) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(geometry.width, geometry.height)
            .context("the page size is not positive")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut pen = Pen {
            surface: &mut surface,
            face: &face,
        };
        if index == 0 {
            pen.title_block(report, &geometry);
        } else {
            pen.running_header(report, &geometry);
        }
        for item in placed {
            pen.item(item, &sections, &geometry);
        }
        pen.footer(report, &geometry, index + 1, total);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| anyhow::anyhow!("the PDF cannot be written: {e:?}"))
}

fn metadata(report: &Report) -> Metadata {
    let at = report.created;
    let narrow = |n: u32| u8::try_from(n).unwrap_or(u8::MAX);
    let date = DateTime::new(u16::try_from(at.year()).unwrap_or(0))
        .month(narrow(at.month()))
        .day(narrow(at.day()))
        .hour(narrow(at.hour()))
        .minute(narrow(at.minute()))
        .second(narrow(at.second()));
    Metadata::new()
        .title(report.title.clone())
        .language(report.lang.pick("id", "en").to_owned())
        .creator(report.software.clone())
        .creation_date(date)
}

/// The page and its text area.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    width: f32,
    height: f32,
}

impl Geometry {
    fn new(orientation: Orientation) -> Geometry {
        match orientation {
            Orientation::Portrait => Geometry {
                width: A4_SHORT,
                height: A4_LONG,
            },
            Orientation::Landscape => Geometry {
                width: A4_LONG,
                height: A4_SHORT,
            },
        }
    }

    fn text_width(&self) -> f32 {
        self.width - 2.0 * MARGIN
    }

    /// Where the body starts on the first page, under the title and the facts.
    fn first_top(report: &Report) -> f32 {
        MARGIN
            + Shaper::line_height(TITLE_SIZE)
            + report.facts.len() as f32 * Shaper::line_height(FACT_SIZE)
            + GAP
    }

    /// Where the body starts on the following pages, under the running header and its rule.
    fn next_top() -> f32 {
        MARGIN + Shaper::line_height(SMALL_SIZE) + 2.0 * RULE_GAP
    }

    /// Where the body must end, above the footer and its rule.
    fn bottom(&self) -> f32 {
        self.height - MARGIN - Shaper::line_height(SMALL_SIZE) - 2.0 * RULE_GAP
    }
}

/// A section measured: where its columns are and how its cells wrap.
#[derive(Debug)]
struct LaidSection {
    heading: Option<String>,
    /// Left edge and width of each column.
    columns: Vec<(f32, f32)>,
    align: Vec<Align>,
    header: Vec<Vec<String>>,
    header_height: f32,
    rows: Vec<LaidRow>,
    empty: String,
    note: Vec<String>,
    size: f32,
}

#[derive(Debug)]
struct LaidRow {
    cells: Vec<Vec<String>>,
    tones: Vec<Tone>,
    height: f32,
}

/// Header cells may take more lines than body cells: titles are short words.
const HEADER_LINES: usize = 3;

impl LaidSection {
    fn new(section: &Section, shaper: &Shaper, size: f32, text_width: f32) -> LaidSection {
        let width = text_width * section.width.clamp(0.05, 1.0);
        let total: f32 = section.columns.iter().map(|c| c.weight.max(0.0)).sum();
        let mut x = MARGIN;
        let columns: Vec<(f32, f32)> = section
            .columns
            .iter()
            .map(|c| {
                let w = if total > 0.0 {
                    width * c.weight.max(0.0) / total
                } else {
                    width / section.columns.len() as f32
                };
                let column = (x, w);
                x += w;
                column
            })
            .collect();
        let inner = |i: usize| columns.get(i).map_or(0.0, |c| (c.1 - 2.0 * PAD_X).max(0.0));
        let height = |cells: &[Vec<String>]| {
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            lines as f32 * Shaper::line_height(size) + 2.0 * PAD_Y
        };
        let header: Vec<Vec<String>> = section
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| shaper.wrap(&c.title, size, inner(i), HEADER_LINES))
            .collect();
        let header_height = height(&header);
        let rows = section
            .rows
            .iter()
            .map(|row| {
                let cells: Vec<Vec<String>> = section
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let text = row.get(i).map_or("", |cell| cell.text.as_str());
                        shaper.wrap(text, size, inner(i), c.max_lines)
                    })
                    .collect();
                LaidRow {
                    height: height(&cells),
                    tones: (0..section.columns.len())
                        .map(|i| row.get(i).map_or(Tone::Normal, |cell| cell.tone))
                        .collect(),
                    cells,
                }
            })
            .collect();
        let note = section.note.as_deref().map_or_else(Vec::new, |n| {
            shaper.wrap(n, SMALL_SIZE, text_width, usize::MAX)
        });
        LaidSection {
            heading: section.heading.clone(),
            columns,
            align: section.columns.iter().map(|c| c.align).collect(),
            header,
            header_height,
            rows,
            empty: section.empty.clone(),
            note,
            size,
        }
    }

    fn left(&self) -> f32 {
        self.columns.first().map_or(MARGIN, |c| c.0)
    }

    fn width(&self) -> f32 {
        self.columns.iter().map(|c| c.1).sum()
    }

    fn heading_height(&self) -> f32 {
        if self.heading.is_some() {
            Shaper::line_height(HEADING_SIZE) + PAD_Y
        } else {
            0.0
        }
    }

    fn empty_height(&self) -> f32 {
        Shaper::line_height(self.size) + 2.0 * PAD_Y
    }

    fn note_line_height() -> f32 {
        Shaper::line_height(SMALL_SIZE)
    }
}

/// Something placed on a page, with the top of its box.
#[derive(Debug, Clone, Copy)]
struct Placed {
    top: f32,
    what: Item,
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Heading(usize),
    Header(usize),
    Row(usize, usize),
    Empty(usize),
    NoteLine(usize, usize),
}

/// Places every item on its page: a section starts on a new page unless its heading, header and
/// first row fit; a row that does not fit starts a new page under a repeated header row.
fn paginate(report: &Report, sections: &[LaidSection], geometry: &Geometry) -> Vec<Vec<Placed>> {
    let bottom = geometry.bottom();
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut top = Geometry::first_top(report);
    let mut fresh = true;
    for (s, section) in sections.iter().enumerate() {
        let first = section
            .rows
            .first()
            .map_or_else(|| section.empty_height(), |r| r.height);
        let opening = section.heading_height() + section.header_height + first;
        if !fresh && top + opening > bottom {
            pages.push(Vec::new());
            top = Geometry::next_top();
        }
        if section.heading.is_some() {
            place(
                &mut pages,
                &mut top,
                Item::Heading(s),
                section.heading_height(),
            );
        }
        place(&mut pages, &mut top, Item::Header(s), section.header_height);
        if section.rows.is_empty() {
            place(&mut pages, &mut top, Item::Empty(s), section.empty_height());
        }
        for (r, row) in section.rows.iter().enumerate() {
            if top + row.height > bottom {
                pages.push(Vec::new());
                top = Geometry::next_top();
                place(&mut pages, &mut top, Item::Header(s), section.header_height);
            }
            place(&mut pages, &mut top, Item::Row(s, r), row.height);
        }
        if !section.note.is_empty() {
            top += PAD_Y;
        }
        for n in 0..section.note.len() {
            let height = LaidSection::note_line_height();
            if top + height > bottom {
                pages.push(Vec::new());
                top = Geometry::next_top();
            }
            place(&mut pages, &mut top, Item::NoteLine(s, n), height);
        }
        top += GAP;
        fresh = false;
    }
    pages
}

/// Puts `what` on the last page at `top` and moves `top` past it.
fn place(pages: &mut [Vec<Placed>], top: &mut f32, what: Item, height: f32) {
    if let Some(page) = pages.last_mut() {
        page.push(Placed { top: *top, what });
    }
    *top += height;
}

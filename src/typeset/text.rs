//! Text for the documents: shaped with rustybuzz the way krilla's own simple text shaping does,
//! measured from the same glyphs that are drawn, wrapped to a width and cut with an ellipsis.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use anyhow::Context as _;
use krilla::text::{GlyphId, KrillaGlyph};
use rustybuzz::{Direction, Face, Script, ShapePlan, UnicodeBuffer};

use super::LEADING;

const ELLIPSIS: &str = "…";

/// Text shaping and measurement in one font. Text is shaped here once and drawn from the same
/// glyphs, so a measured width is the drawn width.
pub(crate) struct Shaper {
    face: Face<'static>,
    units_per_em: f32,
    /// Above and below the baseline, per point of font size.
    ascent: f32,
    descent: f32,
    /// Shape plans by direction and script: making one is slow, and a report shapes thousands
    /// of strings of the same one or two scripts.
    plans: RefCell<Vec<(Direction, Script, ShapePlan)>>,
    /// Text shaped so far: a cell's text is measured to wrap it and drawn from the same glyphs,
    /// and labels repeat on every row.
    shaped: RefCell<HashMap<String, Rc<Shaped>>>,
}

impl std::fmt::Debug for Shaper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shaper").finish_non_exhaustive()
    }
}

/// A line of text shaped: its glyphs, as krilla draws them, and its width per point of size.
pub(crate) struct Shaped {
    pub(crate) glyphs: Vec<KrillaGlyph>,
    pub(crate) width: f32,
}

impl Shaper {
    /// A shaper for the font file `font` (one of [`super::REGULAR`], [`super::BOLD`]).
    pub(crate) fn new(font: &'static [u8]) -> anyhow::Result<Shaper> {
        let face = Face::from_slice(font, 0).context("the document font cannot be read")?;
        let units_per_em = face.units_per_em() as f32;
        let ascent = f32::from(face.ascender()) / units_per_em;
        let descent = -f32::from(face.descender()) / units_per_em;
        Ok(Shaper {
            face,
            units_per_em,
            ascent,
            descent,
            plans: RefCell::new(Vec::new()),
            shaped: RefCell::new(HashMap::new()),
        })
    }

    /// `text` shaped in one line, from the cache if it was shaped before.
    pub(crate) fn shape(&self, text: &str) -> Rc<Shaped> {
        if let Some(shaped) = self.shaped.borrow().get(text) {
            return Rc::clone(shaped);
        }
        let shaped = Rc::new(self.shape_uncached(text));
        self.shaped
            .borrow_mut()
            .insert(text.to_owned(), Rc::clone(&shaped));
        shaped
    }

    /// Shapes `text` in one line, the way krilla's own simple text shaping does (one font, the
    /// direction and script guessed from the text, no features).
    fn shape_uncached(&self, text: &str) -> Shaped {
        if text.is_empty() {
            return Shaped {
                glyphs: Vec::new(),
                width: 0.0,
            };
        }
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let (direction, script) = (buffer.direction(), buffer.script());
        let mut plans = self.plans.borrow_mut();
        let index = match plans
            .iter()
            .position(|(d, s, _)| *d == direction && *s == script)
        {
            Some(i) => i,
            None => {
                let known = (script != rustybuzz::script::UNKNOWN).then_some(script);
                let plan = ShapePlan::new(&self.face, direction, known, None, &[]);
                plans.push((direction, script, plan));
                plans.len() - 1
            }
        };
        let shaped = rustybuzz::shape_with_plan(&self.face, &plans[index].2, buffer);
        let infos = shaped.glyph_infos();
        let em = self.units_per_em;
        let forward = matches!(direction, Direction::LeftToRight | Direction::TopToBottom);
        let glyphs: Vec<KrillaGlyph> = infos
            .iter()
            .zip(shaped.glyph_positions())
            .enumerate()
            .map(|(i, (info, pos))| {
                // A glyph stands for its cluster: from its cluster's start to the next cluster's
                // start in text order (the glyphs run backwards in right-to-left text).
                let start = info.cluster;
                let next = if forward {
                    infos[i + 1..]
                        .iter()
                        .map(|g| g.cluster)
                        .find(|&c| c != start)
                } else {
                    infos[..i]
                        .iter()
                        .rev()
                        .map(|g| g.cluster)
                        .find(|&c| c != start)
                };
                let end = next.map_or(text.len(), |c| c as usize);
                KrillaGlyph::new(
                    GlyphId::new(info.glyph_id),
                    pos.x_advance as f32 / em,
                    pos.x_offset as f32 / em,
                    pos.y_offset as f32 / em,
                    pos.y_advance as f32 / em,
                    start as usize..end.max(start as usize),
                    None,
                )
            })
            .collect();
        let width = glyphs.iter().map(|g| g.x_advance).sum();
        Shaped { glyphs, width }
    }

    /// The advance width of `text` set in one line at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        self.shape(text).width * size
    }

    /// The byte length of the longest prefix of `text` (at a char boundary) that, with trailing
    /// spaces dropped and `suffix` added, fits in `width`; 0 if not even one char does.
    fn fitting_prefix(&self, text: &str, suffix: &str, size: f32, width: f32) -> usize {
        let ends: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .skip(1)
            .chain([text.len()])
            .collect();
        let fits = |chars: usize| {
            let candidate = format!("{}{suffix}", text[..ends[chars - 1]].trim_end());
            self.width(&candidate, size) <= width
        };
        // The largest number of chars that fits; widths grow with the prefix.
        let (mut lo, mut hi) = (0, ends.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if lo == 0 { 0 } else { ends[lo - 1] }
    }

    /// `text` if it fits in `width`, else its longest prefix that fits with an ellipsis after it.
    pub(crate) fn ellipsize(&self, text: &str, size: f32, width: f32) -> String {
        if self.width(text, size) <= width {
            return text.to_owned();
        }
        let end = self.fitting_prefix(text, ELLIPSIS, size, width);
        if end > 0 {
            format!("{}{ELLIPSIS}", text[..end].trim_end())
        } else if self.width(ELLIPSIS, size) <= width {
            ELLIPSIS.to_owned()
        } else {
            String::new()
        }
    }

    /// `text` wrapped at spaces into lines no wider than `width`; a word too long for a line is
    /// broken where it overflows. Past `max_lines`, the last line is cut with an ellipsis.
    /// Runs of white space (new lines too) count as one space. Always at least one line.
    pub(crate) fn wrap(&self, text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
        let max_lines = max_lines.max(1);
        let words: Vec<&str> = text.split_whitespace().collect();
        let whole = words.join(" ");
        if self.width(&whole, size) <= width {
            return vec![whole];
        }
        // Each line, and whether it ends inside a word (so joining it back needs no space).
        let mut lines: Vec<(String, bool)> = Vec::new();
        let mut current = String::new();
        for word in words {
            let candidate = if current.is_empty() {
                word.to_owned()
            } else {
                format!("{current} {word}")
            };
            if self.width(&candidate, size) <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push((std::mem::take(&mut current), false));
            }
            let mut rest = word;
            while self.width(rest, size) > width {
                let mut cut = self.fitting_prefix(rest, "", size, width);
                if cut == 0 {
                    // Not even one char fits: take one anyway, or this would never end.
                    cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
                }
                lines.push((rest[..cut].to_owned(), true));
                rest = &rest[cut..];
            }
            current = rest.to_owned();
        }
        if !current.is_empty() || lines.is_empty() {
            lines.push((current, false));
        }
        if lines.len() > max_lines {
            let mut tail = String::new();
            for (line, inside_word) in lines.drain(max_lines - 1..) {
                tail.push_str(&line);
                if !inside_word {
                    tail.push(' ');
                }
            }
            let last = self.ellipsize(tail.trim_end(), size, width);
            lines.push((last, false));
        }
        lines.into_iter().map(|(line, _)| line).collect()
    }

    pub(crate) fn line_height(size: f32) -> f32 {
        size * LEADING
    }

    /// The baseline of a line of text whose line box starts at `top`.
    pub(crate) fn baseline(&self, top: f32, size: f32) -> f32 {
        let glyphs = (self.ascent + self.descent) * size;
        top + (Self::line_height(size) - glyphs) / 2.0 + self.ascent * size
    }

    /// How far the font's glyphs reach above and below the baseline, per point of size.
    #[cfg(test)]
    pub(crate) fn extent(&self) -> (f32, f32) {
        (self.ascent, self.descent)
    }
}

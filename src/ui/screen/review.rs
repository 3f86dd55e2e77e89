//! Review: every current capture side by side (face, ten fingers by hand, both irises, the
//! signature) with its quality and attempt number, decoded off the UI thread. The operator
//! approves the record, or sends one modality back to its capture step to redo it.
//!
//! Keys: arrows move the selection over the grid, R redoes the selected capture's modality,
//! Enter approves.

use std::collections::HashMap;

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{
    Column, button, column, container, image, progress_bar, row, scrollable, space, text,
};
use iced::{Alignment, Element, Length, Subscription, Task};

use super::{Action, Nav};
use crate::lang::Localize;
use crate::ui::applicant::Guide;
use crate::ui::ctx::Ctx;
use crate::ui::db::{Db, Failure};
use crate::ui::i18n::tk;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::header::{self, Stage};
use crate::ui::widget::strokes::{self, Drawing};
use crate::workflow::{CaptureSummary, Encoding, Modality, RequestView, capture_name};

/// The positions shown, in reading order: face, right hand, left hand, irises, signature.
const SLOTS: [(Modality, u8); 14] = [
    (Modality::Face, 0),
    (Modality::Finger, 1),
    (Modality::Finger, 2),
    (Modality::Finger, 3),
    (Modality::Finger, 4),
    (Modality::Finger, 5),
    (Modality::Finger, 6),
    (Modality::Finger, 7),
    (Modality::Finger, 8),
    (Modality::Finger, 9),
    (Modality::Finger, 10),
    (Modality::Iris, 1),
    (Modality::Iris, 2),
    (Modality::Signature, 0),
];

/// The grid the arrow keys move on (indices into [`SLOTS`]), laid out as the screen shows it:
/// the face above the two irises, the hands in two rows, the signature to their right.
const GRID: [[usize; 8]; 2] = [[0, 0, 1, 2, 3, 4, 5, 13], [11, 12, 6, 7, 8, 9, 10, 13]];

/// Longest side of a decoded thumbnail, in pixels: enough for the enlarged view, small enough
/// to keep fourteen of them cheap.
const THUMB_MAX: u32 = 480;

/// A capture ready to show.
#[derive(Debug, Clone)]
pub enum Preview {
    Image(image::Handle),
    Strokes(Drawing),
    /// Data in a format this screen cannot draw (WSQ, raw grey): named instead.
    NoPreview(Encoding),
    /// The bytes do not decode as their format says.
    Broken,
}

/// One capture's tile while and after loading.
#[derive(Debug, Clone)]
enum Tile {
    Loading,
    Ready(Preview),
    /// The storage refused the bytes (a tampered blob, a disk error).
    Failed(Failure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Left,
    Right,
    Up,
    Down,
}

#[derive(Debug)]
pub struct State {
    request: RequestView,
    /// Decoded tiles by capture id (exceptions have none).
    tiles: HashMap<i64, Tile>,
    /// Row and column in [`GRID`].
    cursor: (usize, usize),
    busy: bool,
    error: Option<Failure>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(i64, Result<Preview, Failure>),
    /// A tile was clicked: its index in [`SLOTS`].
    Select(usize),
    Move(Dir),
    Redo,
    Approve,
    Done(Result<(), Failure>),
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        let mut state = State {
            request,
            tiles: HashMap::new(),
            cursor: (0, 0),
            busy: false,
            error: None,
        };
        let db = match ctx.db() {
            Ok(db) => db.clone(),
            Err(e) => {
                state.error = Some(e);
                return (state, Task::none());
            }
        };
        let tasks: Vec<Task<Message>> = state
            .request
            .captures
            .iter()
            .filter_map(|c| Some((c.id, c.format?)))
            .map(|(id, format)| {
                state.tiles.insert(id, Tile::Loading);
                load(db.clone(), id, format)
            })
            .collect();
        (state, Task::batch(tasks))
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Loaded(id, result) => {
                let tile = match result {
                    Ok(preview) => Tile::Ready(preview),
                    Err(e) => Tile::Failed(e),
                };
                self.tiles.insert(id, tile);
            }
            Message::Select(slot) => self.cursor = first_cell(slot),
            Message::Move(dir) => self.cursor = moved(self.cursor, dir),
            Message::Redo => return self.redo(ctx),
            Message::Approve => return self.approve(ctx),
            Message::Done(Ok(())) => {
                self.busy = false;
                return Action::Go(Nav::Request(self.request.id));
            }
            Message::Done(Err(e)) => {
                self.busy = false;
                self.error = Some(e);
            }
        }
        Action::None
    }

    /// The selected position.
    fn selected(&self) -> (Modality, u8) {
        SLOTS[GRID[self.cursor.0][self.cursor.1]]
    }

    fn capture(&self, modality: Modality, position: u8) -> Option<&CaptureSummary> {
        self.request
            .captures
            .iter()
            .find(|c| c.modality == modality && c.position == position)
    }

    /// Captures loaded so far, and how many there are to load.
    fn progress(&self) -> (usize, usize) {
        let done = self
            .tiles
            .values()
            .filter(|t| !matches!(t, Tile::Loading))
            .count();
        (done, self.tiles.len())
    }

    fn redo(&mut self, ctx: &Ctx) -> Action<Message> {
        let (modality, _) = self.selected();
        self.store(ctx, move |store, user, id| {
            Ok(store.redo(user, id, modality)?)
        })
    }

    fn approve(&mut self, ctx: &Ctx) -> Action<Message> {
        self.store(ctx, |store, user, id| Ok(store.approve_review(user, id)?))
    }

    /// Runs one workflow call for this request on the storage thread.
    fn store(
        &mut self,
        ctx: &Ctx,
        f: impl FnOnce(&mut crate::store::Store, &crate::store::User, i64) -> Result<(), Failure>
        + Send
        + 'static,
    ) -> Action<Message> {
        if self.busy {
            return Action::None;
        }
        self.busy = true;
        self.error = None;
        let id = self.request.id;
        Action::Run(Task::perform(
            ctx.write(move |store, user| f(store, user, id)),
            Message::Done,
        ))
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let hand = |key: &str, positions: std::ops::RangeInclusive<usize>| {
            column![
                text(tr.t(key)).size(theme::BODY),
                row(positions.map(|i| self.tile(ctx, i, Size::Finger))).spacing(8),
            ]
            .spacing(4)
        };
        // Three columns that fit the operator's screen without scrolling: face and irises,
        // the two hands, then the signature and the selected capture enlarged.
        let left = column![
            self.tile(ctx, 0, Size::Face),
            row![
                self.tile(ctx, 11, Size::Iris),
                self.tile(ctx, 12, Size::Iris)
            ]
            .spacing(8),
        ]
        .spacing(8)
        .align_x(Alignment::Center);
        let hands = column![
            hand(tk("review.right_hand"), 1..=5),
            hand(tk("review.left_hand"), 6..=10),
        ]
        .spacing(8);
        let right = column![self.tile(ctx, 13, Size::Signature), self.detail(ctx)].spacing(8);
        let tiles = row![left, hands, right]
            .spacing(theme::GAP)
            .align_y(Alignment::Start);
        let (done, total) = self.progress();
        let loading = (done < total).then(|| {
            row![
                text(tr.f("review.loading", &[("done", &done), ("total", &total)]))
                    .size(theme::BODY),
                progress_bar(0.0..=total as f32, done as f32)
                    .length(Length::Fixed(240.0))
                    .girth(10),
            ]
            .spacing(theme::GAP)
            .align_y(Alignment::Center)
        });
        let error = self.error.as_ref().map(|e| {
            container(text(e.text(ctx.lang())).size(theme::BODY))
                .padding(10)
                .width(Length::Fill)
                .style(theme::banner(Tone::Bad))
        });
        let action =
            |label: String,
             message: Message,
             style: fn(&iced::Theme, button::Status) -> button::Style| {
                button(text(label).size(theme::BODY))
                    .padding(theme::BUTTON_PADDING)
                    .height(Length::Fixed(theme::CONTROL_HEIGHT))
                    .on_press_maybe((!self.busy).then_some(message))
                    .style(style)
            };
        let (modality, position) = self.selected();
        let buttons = row![
            action(tr.t("review.redo"), Message::Redo, button::secondary),
            text(tr.f(
                "review.redo_hint",
                &[
                    ("name", &capture_name(modality, position, ctx.lang())),
                    ("step", &modality.step().localize(ctx.lang())),
                ],
            ))
            .size(theme::SMALL)
            .style(theme::muted),
            space::horizontal(),
            self.busy
                .then(|| text(tr.t("review.saving")).size(theme::BODY)),
            action(tr.t("review.approve"), Message::Approve, button::primary),
        ]
        .spacing(theme::GAP)
        .align_y(Alignment::Center);
        column![header::view(&self.request, Stage::Review, tr)]
            .push(error)
            .push(loading)
            .push(scrollable(tiles).height(Length::Fill).width(Length::Fill))
            .push(
                text(tr.t("review.keys"))
                    .size(theme::SMALL)
                    .style(theme::muted),
            )
            .push(buttons)
            .spacing(theme::GAP)
            .into()
    }

    /// One capture as a selectable tile: its name, the preview, its quality and attempt.
    fn tile<'a>(&'a self, ctx: &'a Ctx, slot: usize, size: Size) -> Element<'a, Message> {
        let tr = ctx.tr;
        let (modality, position) = SLOTS[slot];
        let (w, h) = size.preview();
        let mut body = Column::new()
            .push(text(capture_name(modality, position, ctx.lang())).size(theme::SMALL))
            .push(self.preview(ctx, modality, position, w, h))
            .spacing(4)
            .width(Length::Fixed(w));
        if let Some(c) = self.capture(modality, position) {
            if c.exception.is_none() {
                let bar = progress_bar(0.0..=100.0, f32::from(c.quality.unwrap_or(0)))
                    .girth(8)
                    .style(match c.quality {
                        None => progress_bar::secondary,
                        Some(q) if q < 40 => progress_bar::danger,
                        Some(q) if q < 60 => progress_bar::warning,
                        Some(_) => progress_bar::success,
                    });
                // The number alone beside the bar: the tiles are narrow, and the enlarged
                // view of the selected capture spells it out.
                body = body.push(
                    row![bar]
                        .push(c.quality.map(|q| text(q).size(theme::SMALL)))
                        .spacing(6)
                        .align_y(Alignment::Center),
                );
            }
            body = body.push(
                text(tr.f("review.attempt", &[("attempt", &c.attempt)]))
                    .size(theme::SMALL)
                    .style(theme::muted),
            );
        }
        let selected = GRID[self.cursor.0][self.cursor.1] == slot;
        button(body)
            .padding(6)
            .on_press(Message::Select(slot))
            .style(theme::row_button(selected))
            .into()
    }

    /// The picture, strokes, or words standing for one position, in a `w` x `h` box.
    fn preview<'a>(
        &'a self,
        ctx: &'a Ctx,
        modality: Modality,
        position: u8,
        w: f32,
        h: f32,
    ) -> Element<'a, Message> {
        let tr = ctx.tr;
        let words = |s: String, tone: Option<Tone>| -> Element<'a, Message> {
            let t = text(s).size(theme::SMALL).width(Length::Fill);
            match tone {
                Some(tone) => t.style(theme::tone_text(tone)).into(),
                None => t.style(theme::muted).into(),
            }
        };
        let content: Element<'a, Message> = match self.capture(modality, position) {
            None => words(tr.t("review.not_captured"), Some(Tone::Bad)),
            Some(c) if c.exception.is_some() => {
                let kind = c
                    .exception
                    .map(|k| k.localize(ctx.lang()))
                    .unwrap_or_default();
                column![
                    words(
                        tr.f("review.exception", &[("kind", &kind)]),
                        Some(Tone::Warning)
                    ),
                    words(c.exception_reason.clone().unwrap_or_default(), None),
                ]
                .spacing(4)
                .into()
            }
            Some(c) => match self.tiles.get(&c.id) {
                None | Some(Tile::Loading) => words(tr.t("review.decoding"), None),
                Some(Tile::Failed(e)) => words(e.text(ctx.lang()), Some(Tone::Bad)),
                Some(Tile::Ready(Preview::Image(handle))) => image(handle.clone())
                    .width(Length::Fill)
                    .height(Length::Fill)
                    .content_fit(iced::ContentFit::Contain)
                    .into(),
                Some(Tile::Ready(Preview::Strokes(drawing))) => strokes::view(drawing.clone()),
                Some(Tile::Ready(Preview::NoPreview(format))) => {
                    words(tr.f("review.no_preview", &[("format", format)]), None)
                }
                Some(Tile::Ready(Preview::Broken)) => {
                    words(tr.t("review.undecodable"), Some(Tone::Bad))
                }
            },
        };
        container(content)
            .width(Length::Fixed(w))
            .height(Length::Fixed(h))
            .max_width(w)
            .max_height(h)
            .center_x(Length::Fixed(w))
            .center_y(Length::Fixed(h))
            .clip(true)
            .style(theme::panel)
            .into()
    }

    /// The selected capture, enlarged, with what a redo would do.
    fn detail<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let (modality, position) = self.selected();
        let mut info = column![
            text(tr.f(
                "review.selected",
                &[("name", &capture_name(modality, position, ctx.lang()))]
            ))
            .size(theme::HEADING),
        ]
        .spacing(6);
        if let Some(c) = self.capture(modality, position) {
            let quality = match c.quality {
                Some(q) => tr.f("review.quality", &[("quality", &q)]),
                None => tr.t("review.quality_none"),
            };
            if c.exception.is_none() {
                info = info.push(text(quality).size(theme::BODY));
            }
            info = info
                .push(text(tr.f("review.attempt", &[("attempt", &c.attempt)])).size(theme::BODY));
        }
        column![info, self.preview(ctx, modality, position, 300.0, 180.0)]
            .spacing(8)
            .width(Length::Fixed(300.0))
            .into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message> {
        if modifiers.control() || modifiers.alt() || modifiers.logo() {
            return None;
        }
        match key.as_ref() {
            Key::Named(Named::ArrowLeft) => Some(Message::Move(Dir::Left)),
            Key::Named(Named::ArrowRight) => Some(Message::Move(Dir::Right)),
            Key::Named(Named::ArrowUp) => Some(Message::Move(Dir::Up)),
            Key::Named(Named::ArrowDown) => Some(Message::Move(Dir::Down)),
            Key::Named(Named::Enter) => Some(Message::Approve),
            Key::Character(c) if c.eq_ignore_ascii_case("r") => Some(Message::Redo),
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        Guide::new(ctx.tr.t("review.applicant_say")).detail(ctx.tr.t("review.applicant_detail"))
    }
}

/// How large a tile's preview is drawn.
#[derive(Debug, Clone, Copy)]
enum Size {
    Face,
    Finger,
    Iris,
    Signature,
}

impl Size {
    fn preview(self) -> (f32, f32) {
        match self {
            Size::Face => (200.0, 200.0),
            Size::Finger => (124.0, 80.0),
            Size::Iris => (112.0, 80.0),
            Size::Signature => (300.0, 100.0),
        }
    }
}

/// The first grid cell of a slot (clicking a tile puts the cursor there).
fn first_cell(slot: usize) -> (usize, usize) {
    for (r, cells) in GRID.iter().enumerate() {
        if let Some(c) = cells.iter().position(|s| *s == slot) {
            return (r, c);
        }
    }
    (0, 0)
}

/// The cell one step away in `dir`, skipping cells of the same (spanning) tile; the edge stops.
fn moved((r, c): (usize, usize), dir: Dir) -> (usize, usize) {
    let here = GRID[r][c];
    let (dr, dc): (isize, isize) = match dir {
        Dir::Left => (0, -1),
        Dir::Right => (0, 1),
        Dir::Up => (-1, 0),
        Dir::Down => (1, 0),
    };
    let (mut nr, mut nc) = (r, c);
    loop {
        let (Some(r2), Some(c2)) = (nr.checked_add_signed(dr), nc.checked_add_signed(dc)) else {
            return (r, c);
        };
        let Some(&slot) = GRID.get(r2).and_then(|cells| cells.get(c2)) else {
            return (r, c);
        };
        (nr, nc) = (r2, c2);
        if slot != here {
            return (nr, nc);
        }
    }
}

/// Reads one capture's bytes on the storage thread, then decodes them on a thread of its own.
fn load(db: Db, capture: i64, format: Encoding) -> Task<Message> {
    Task::perform(
        async move {
            let bytes = db.call(move |s| Ok(s.capture_bytes(capture)?)).await?;
            crate::ui::db::off_thread("rekam-review-decode", move || decode(format, &bytes)).await
        },
        move |result| Message::Loaded(capture, result),
    )
}

/// Turns stored capture bytes into something to draw. Never fails: what does not decode is
/// [`Preview::Broken`], an unknown format [`Preview::NoPreview`].
pub fn decode(format: Encoding, bytes: &[u8]) -> Preview {
    let kind = match format {
        Encoding::Png => ::image::ImageFormat::Png,
        Encoding::Jpeg => ::image::ImageFormat::Jpeg,
        f if f.is_strokes() => {
            return match crate::capture::signature::parse(f, bytes) {
                Some(s) => Preview::Strokes(Drawing {
                    strokes: std::sync::Arc::new(s.lines),
                    max_x: s.max_x,
                    max_y: s.max_y,
                }),
                None => Preview::Broken,
            };
        }
        other => return Preview::NoPreview(other),
    };
    match ::image::load_from_memory_with_format(bytes, kind) {
        Ok(img) => {
            let img = if img.width() > THUMB_MAX || img.height() > THUMB_MAX {
                img.thumbnail(THUMB_MAX, THUMB_MAX)
            } else {
                img
            };
            let rgba = img.to_rgba8();
            let (w, h) = rgba.dimensions();
            Preview::Image(image::Handle::from_rgba(w, h, rgba.into_raw()))
        }
        Err(_) => Preview::Broken,
    }
}

#[cfg(test)]
mod tests;

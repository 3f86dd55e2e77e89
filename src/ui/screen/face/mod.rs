//! Face capture: the camera capture ([`super::capture`]) with the face gate, the head guide over
//! the mirrored preview and the backdrop colour the birth year asks for.
//!
//! The face gate ([`crate::capture::face::assess`]: the detector and the ICAO checks, with the
//! red/blue rule for the birth year the NIK gives) judges each preview frame; the policy's
//! limits are `[quality.face]`. The still is the ISO/IEC 19794-5 token image cut from the frame
//! (the head guide's 3:4 crop when the operator takes a frame without exactly one face); saving
//! stores it as JPEG with every decision and completes the face step.

use std::sync::Arc;

use ::image::RgbImage;
use chrono::Datelike;
use iced::keyboard::{Key, Modifiers};
use iced::widget::{column, container, image, row, space, text};
use iced::{Alignment, Element, Subscription, Task};
use rekam_camera::{Background, CameraRole};

use super::capture::{self, Camera, CameraGate, Phase, Words};
use super::{Action, Nav};
use crate::capture::session::{FaceGate, FaceSample, GateError, face_capture};
use crate::devices::live::{self, Scene};
use crate::domain::CaptureInput;
use crate::ui::applicant::{Guide, Show};
use crate::ui::ctx::Ctx;
use crate::ui::device::CameraKey;
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme;
use crate::ui::widget::guide;
use crate::ui::widget::header::{self, Stage};
use crate::workflow::RequestView;

#[cfg(test)]
mod tests;

/// Height of the live preview on the operator's screen, pixels.
const PREVIEW_HEIGHT: f32 = 420.0;

/// The face screen's words for the camera capture.
static WORDS: Words = Words {
    waiting: tk("face.waiting"),
    paused: tk("face.waiting"),
    checks_waiting: tk("face.checks_waiting"),
    quality: tk("face.quality"),
    camera_off: tk("face.camera_off"),
    camera_opening: tk("face.camera_opening"),
    camera_ready: tk("face.camera_ready"),
    camera_lost: tk("face.camera_lost"),
    auto: tk("face.auto"),
    auto_hint: tk("face.auto_hint"),
    retry: tk("face.retry"),
    no_frame: tk("face.no_frame"),
    settled: tk("face.settled"),
    still_not_all_pass: tk("face.still_not_all_pass"),
    take: tk("face.take"),
    taking: tk("face.taking"),
    retake: tk("face.retake"),
    save: tk("face.save"),
    saving: tk("face.saving"),
};

impl CameraGate for FaceGate {
    /// The token image.
    type Still = Arc<RgbImage>;

    fn still(&self, sample: &FaceSample) -> (Arc<RgbImage>, image::Handle, (u32, u32)) {
        let photo = sample.photo();
        let (w, h) = photo.dimensions();
        let rgba: Vec<u8> = photo
            .pixels()
            .flat_map(|p| [p.0[0], p.0[1], p.0[2], 255])
            .collect();
        (
            Arc::new(photo),
            image::Handle::from_rgba(w, h, rgba),
            (w, h),
        )
    }

    fn captures(
        &self,
        photo: &Arc<RgbImage>,
        sample: &FaceSample,
        _position: u8,
    ) -> Result<Vec<CaptureInput>, GateError> {
        Ok(vec![face_capture(photo, sample.face.assessment.score)?])
    }
}

pub type Message = capture::Message<FaceGate>;

#[derive(Debug)]
pub struct State {
    request: RequestView,
    /// The applicant's birth year as the NIK gives it, if it does.
    birth_year: Option<i32>,
    /// The backdrop the photo must have; [`Background::Busy`] when the birth year is unknown
    /// (then any red or blue backdrop passes and the operator decides).
    expected: Background,
    /// Seeds the simulated camera's scene: the same applicant looks the same on every open.
    person: u64,
    camera: Camera<FaceGate>,
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        let nik = request.nik.clone().unwrap_or_default();
        let birth_year = birth_year(&nik);
        let camera = Camera::new(
            FaceGate { birth_year },
            request.id,
            0,
            ctx.settings.quality.face,
            &WORDS,
        );
        let state = State {
            birth_year,
            expected: birth_year.map_or(Background::Busy, Background::for_birth_year),
            person: person_seed(&nik),
            request,
            camera,
        };
        (state, Task::none())
    }

    /// The sequence number of the camera frame now shown, if any (the preview benchmark).
    pub fn preview_sequence(&self) -> Option<u64> {
        self.camera.preview_sequence()
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        let stored = matches!(message, Message::Stored(Ok(_)));
        let action = self.camera.update(message, ctx);
        if stored {
            return Action::Go(Nav::Request(self.request.id));
        }
        action
    }

    /// The sample whose checks are shown: the still's once taken, the latest checked before.
    fn sample(&self) -> Option<&FaceSample> {
        match self.camera.shot() {
            Some(shot) => Some(&shot.taken.sample),
            None => self.camera.session.latest(),
        }
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let ok = self.sample().is_some_and(|s| s.face.assessment.acceptable);
        let picture = self
            .camera
            .picture(tr, PREVIEW_HEIGHT, Some(guide::view(ok)));
        let seen = self.sample().map(|s| match s.face.background_seen {
            Some(Background::Red) => tr.t("face.seen_red"),
            Some(Background::Blue) => tr.t("face.seen_blue"),
            _ => tr.t("face.seen_other"),
        });
        let side = column![
            self.background_text(tr),
            self.camera
                .side(tr, self.camera.checks(tr, |_| None, seen), None),
        ]
        .spacing(12);
        column![
            header::view(&self.request, Stage::Face, tr),
            capture::layout(picture, side.into()),
        ]
        .spacing(theme::GAP)
        .into()
    }

    /// The backdrop rule for this applicant, in words, with a swatch of the colour.
    fn background_text<'a>(&self, tr: Tr) -> Element<'a, Message> {
        let words = match (self.birth_year, self.expected) {
            (Some(year), Background::Red) => tr.f("face.background_red", &[("year", &year)]),
            (Some(year), Background::Blue) => tr.f("face.background_blue", &[("year", &year)]),
            _ => tr.t("face.background_unknown"),
        };
        let swatch = self.expected.rgb().map(|[r, g, b]| {
            container(space().width(32).height(32)).style(move |_: &iced::Theme| {
                container::Style::default().background(iced::Color::from_rgb8(r, g, b))
            })
        });
        row![swatch, text(words).size(theme::HEADING)]
            .spacing(10)
            .align_y(Alignment::Center)
            .into()
    }

    pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
        let background = match self.expected {
            // The simulator needs a colour; a real camera ignores the scene.
            Background::Busy => Background::Red,
            b => b,
        };
        self.camera.subscription(CameraKey {
            config: live::camera_config(&ctx.settings.face_camera, CameraRole::Face),
            backend: ctx.backends.face_camera,
            scene: Scene::Face {
                background,
                person: self.person,
            },
            mirror: true,
        })
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        self.camera.shortcut(key)
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        let tr = ctx.tr;
        match (&self.camera.phase, self.camera.shot()) {
            (Phase::Still(_) | Phase::Saving(_), Some(shot)) => {
                Guide::new(tr.t("face.guide_done")).show(Show::Camera(shot.handle.clone()))
            }
            _ => {
                let g = Guide::new(tr.t("face.guide_look")).detail(tr.t("face.guide_detail"));
                match &self.camera.preview {
                    Some(p) => g.show(Show::Camera(p.handle.clone())),
                    None => g,
                }
            }
        }
    }
}

/// The birth year the NIK encodes. When the NIK does not pass the full check (an unknown region
/// code, say), its year digits still tell odd from even: a century is even, so the two digits
/// have the parity of the year.
pub fn birth_year(nik: &str) -> Option<i32> {
    let today = chrono::Local::now().date_naive();
    if let Some(n) = crate::domain::nik::check_nik(nik, today, None, None).value {
        return Some(n.birth_date.year());
    }
    let digits: String = nik.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 16 {
        return None;
    }
    let yy: i32 = digits.get(10..12)?.parse().ok()?;
    let now = today.year();
    let year = 2000 + yy;
    Some(if year > now { year - 100 } else { year })
}

/// A stable seed from the NIK (FNV-1a): the simulated camera shows the same applicant the same
/// way every time the screen opens.
pub fn person_seed(nik: &str) -> u64 {
    nik.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

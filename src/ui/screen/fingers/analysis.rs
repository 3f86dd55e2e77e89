//! An image from the scanner through the slap's gate, off the UI thread: the preview, each
//! finger's crop as shown, and the sample the slap's capture session is offered.

use std::sync::Arc;

use iced::Task;
use iced::widget::image;
use rekam_fingerprint::Capture;

use super::{Action, Message, Notice, Phase, Shot, State};
use crate::capture::session::{Event, SlapSample};
use crate::ui::db::{Failure, off_thread};

/// What the gate made of one image.
#[derive(Debug, Clone)]
pub struct Analysed {
    pub sample: SlapSample,
    pub preview: image::Handle,
    pub shots: Vec<Shot>,
}

impl State {
    /// An image arrived: through the slap's gate on a thread of its own.
    pub(super) fn image(&mut self, capture: Arc<Capture>) -> Action<Message> {
        // An image of a slap already left (a late one) is not this slap's.
        if Some(capture.mode) != self.mode() || self.busy() {
            return Action::None;
        }
        let Some(session) = &self.session else {
            return Action::None;
        };
        let gate = session.gate().clone();
        self.phase = Phase::Analysing;
        self.notice = None;
        let slap = self.slap;
        Action::Run(Task::perform(
            off_thread("rekam-fingers", move || {
                use crate::capture::session::Gate;
                let sample = gate.assess(capture).map_err(Failure::new)?;
                let shots = sample
                    .slap
                    .fingers
                    .iter()
                    .map(|f| Shot {
                        position: f.finger.position(),
                        quality: f.quality,
                        handle: handle(&f.image, 300),
                    })
                    .collect();
                Ok(Analysed {
                    preview: handle(&sample.image, 480),
                    sample,
                    shots,
                })
            }),
            move |result| Message::Analysed(slap, result.and_then(|r| r)),
        ))
    }

    /// The gate's verdict: offered to the slap's session (one scan, one attempt), shown, and
    /// the first problem told.
    pub(super) fn analysed(
        &mut self,
        slap: usize,
        result: Result<Analysed, Failure>,
    ) -> Action<Message> {
        if slap != self.slap {
            return Action::None;
        }
        self.phase = Phase::Idle;
        let analysed = match result {
            Ok(a) => a,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        self.preview = Some(analysed.preview);
        let problem = analysed.sample.slap.assessment.failures().next().cloned();
        let Some(session) = &mut self.session else {
            return Action::None;
        };
        // Retry, take or keep the best of all: the policy's decision, pending until the slap
        // is stored. The operator accepts the slap (or scans again while attempts are left).
        let _: Event<SlapSample> = session.offer(analysed.sample, std::time::Instant::now());
        self.attempts.push(analysed.shots);
        self.notice = problem.map(Notice::Quality);
        Action::None
    }
}

/// A grey image as an RGBA handle no larger than `max` on its longer side.
fn handle(img: &::image::GrayImage, max: u32) -> image::Handle {
    let (w, h) = img.dimensions();
    let scaled = if w > max || h > max {
        let k = f64::from(max) / f64::from(w.max(h));
        let (nw, nh) = (
            ((f64::from(w) * k) as u32).max(1),
            ((f64::from(h) * k) as u32).max(1),
        );
        ::image::imageops::thumbnail(img, nw, nh)
    } else {
        img.clone()
    };
    let (w, h) = scaled.dimensions();
    let rgba: Vec<u8> = scaled
        .as_raw()
        .iter()
        .flat_map(|&v| [v, v, v, 255])
        .collect();
    image::Handle::from_rgba(w, h, rgba)
}

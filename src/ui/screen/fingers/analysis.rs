//! The analysis of a slap image, off the UI thread: segmentation into fingers, a quality score
//! for each, the PNG of each crop, and every finger of the attempt stored in one transaction.

use std::sync::Arc;

use iced::Task;
use iced::widget::image;
use rekam_fingerprint::{Capture, Finger};

use super::{Action, Message, Notice, Phase, Shot, State};
use crate::capture::finger;
use crate::capture::policy::{Decision, Outcome, Thresholds};
use crate::capture::quality::{Assessment, Finding};
use crate::ui::app::Ctx;
use crate::ui::db::Failure;
use crate::workflow::{CaptureContent, CaptureInput, Modality};

impl State {
    /// An image arrived: segment, score and store it off the UI thread.
    pub(super) fn image(&mut self, capture: Arc<Capture>, ctx: &Ctx) -> Action<Message> {
        // An image of a slap already left (a late one) is not this slap's.
        if Some(capture.mode) != self.mode() || self.busy() {
            return Action::None;
        }
        let (db, user) = match ctx.storage() {
            Ok(found) => found,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                self.phase = Phase::Idle;
                return Action::None;
            }
        };
        self.phase = Phase::Analysing;
        self.notice = None;
        let (slap, expected, request) = (self.slap, self.expected(), self.request.id);
        let (attempt, limits) = (self.attempts.len() + 1, self.limits);
        // The slap's decision is kept at its first expected finger's position.
        let position = expected.first().map_or(0, |f| f.position());
        Action::Run(Task::perform(
            async move {
                let (preview, prints) = analyse(capture, expected).await;
                let result = match prints {
                    Ok((prints, gate)) => {
                        let at = (attempt, position);
                        store_attempt(db, user, request, prints, gate, at, limits).await
                    }
                    Err(e) => Err(e),
                };
                (preview, result)
            },
            move |(preview, result)| Message::Analysed(slap, preview, result),
        ))
    }

    pub(super) fn analysed(
        &mut self,
        slap: usize,
        preview: Option<image::Handle>,
        result: Result<Attempt, Failure>,
    ) -> Action<Message> {
        if slap != self.slap {
            return Action::None;
        }
        self.phase = Phase::Idle;
        if preview.is_some() {
            self.preview = preview;
        }
        match result {
            Ok((shots, problem)) => {
                if !shots.is_empty() {
                    self.attempts.push(shots);
                }
                self.notice = problem.map(Notice::Quality);
            }
            Err(e) => self.notice = Some(Notice::Failure(e)),
        }
        Action::None
    }
}

/// A stored attempt's fingers, and the first check its gate failed (to tell the operator).
pub(super) type Attempt = (Vec<Shot>, Option<Finding>);

/// What one finger of an image gives, before it is stored.
struct Analysed {
    position: u8,
    quality: u8,
    png: Vec<u8>,
    width: u32,
    height: u32,
    handle: image::Handle,
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

/// The slap's quality gate on a thread of its own: the preview, each finger found (scored
/// and encoded) and the gate's assessment.
async fn analyse(
    capture: Arc<Capture>,
    expected: Vec<Finger>,
) -> (
    Option<image::Handle>,
    Result<(Vec<Analysed>, Assessment), Failure>,
) {
    let (tx, rx) = iced::futures::channel::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("rekam-fingers".into())
        .spawn(move || {
            let Some(img) = finger::capture_image(&capture) else {
                let e = finger::PrintError::Segment(finger::SegmentError::BadImage);
                let _ = tx.send((None, Err(Failure::new(e))));
                return;
            };
            let preview = Some(handle(&img, 480));
            let gate = finger::assess_slap(&img, capture.mode, &expected);
            let prints = gate
                .fingers
                .iter()
                .map(|f| {
                    let png = finger::encode_png(&f.image)
                        .map_err(|e| Failure::new(finger::PrintError::Encode(e.to_string())))?;
                    Ok(Analysed {
                        position: f.finger.position(),
                        quality: f.quality,
                        width: f.width,
                        height: f.height,
                        handle: handle(&f.image, 300),
                        png,
                    })
                })
                .collect::<Result<Vec<_>, Failure>>()
                .map(|prints| (prints, gate.assessment));
            let _ = tx.send((preview, prints));
        });
    if let Err(e) = spawned {
        return (None, Err(Failure::other(e)));
    }
    rx.await
        .unwrap_or_else(|_| (None, Err(Failure::internal("fingerprint analysis stopped"))))
}

/// Stores one attempt: every finger of the image in one transaction, then the policy's
/// decision about it with the gate's scores: taken when every check passes at
/// `accept_score`, a retry while attempts are left, else the best of the attempts. An image
/// without its fingers stores no capture, only the decision, so that why it was retaken stays
/// on record.
async fn store_attempt(
    db: crate::ui::db::Db,
    user: crate::store::User,
    request: i64,
    prints: Vec<Analysed>,
    gate: Assessment,
    (attempt, position): (usize, u8),
    limits: Thresholds,
) -> Result<Attempt, Failure> {
    let outcome = if gate.acceptable && gate.score >= limits.accept_score {
        Outcome::Accepted
    } else if attempt < usize::from(limits.max_attempts.max(1)) {
        Outcome::Retry
    } else {
        Outcome::BestOfAttempts
    };
    let problem = gate.failures().next().cloned();
    let decision = Decision {
        modality: Modality::Finger,
        attempt: u8::try_from(attempt).unwrap_or(u8::MAX),
        outcome,
        frames: 1,
        best: Some(gate),
    };
    let inputs: Vec<CaptureInput> = prints
        .iter()
        .map(|p| CaptureInput {
            modality: Modality::Finger,
            position: p.position,
            content: CaptureContent::Data {
                format: "png".into(),
                width: p.width,
                height: p.height,
                quality: Some(p.quality),
                bytes: p.png.clone(),
            },
        })
        .collect();
    let ids = db
        .call(move |store| {
            let ids = if inputs.is_empty() {
                Vec::new()
            } else {
                store.add_captures(&user, request, &inputs)?
            };
            store.record_decision(&user, request, position, &decision)?;
            Ok(ids)
        })
        .await?;
    let shots = prints
        .into_iter()
        .zip(ids)
        .map(|(p, capture)| Shot {
            position: p.position,
            quality: p.quality,
            capture,
            handle: p.handle,
        })
        .collect();
    Ok((shots, problem))
}

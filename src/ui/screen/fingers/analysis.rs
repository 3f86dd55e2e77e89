//! The analysis of a slap image, off the UI thread: segmentation into fingers, a quality score
//! for each, the PNG of each crop, and every finger of the attempt stored in one transaction.

use std::sync::Arc;

use iced::Task;
use iced::widget::image;
use rekam_fingerprint::{Capture, Finger};

use super::{Action, Message, Notice, Phase, Shot, State};
use crate::capture::finger;
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
        Action::Run(Task::perform(
            async move {
                let (preview, prints) = analyse(capture, expected).await;
                let result = match prints {
                    Ok(prints) => store_attempt(db, user, request, prints).await,
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
        result: Result<Vec<Shot>, Failure>,
    ) -> Action<Message> {
        if slap != self.slap {
            return Action::None;
        }
        self.phase = Phase::Idle;
        if preview.is_some() {
            self.preview = preview;
        }
        match result {
            Ok(shots) => self.attempts.push(shots),
            Err(e) => self.notice = Some(Notice::Failure(e)),
        }
        Action::None
    }
}

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

/// Segments, scores and encodes a capture on a thread of its own; the preview and the prints.
async fn analyse(
    capture: Arc<Capture>,
    expected: Vec<Finger>,
) -> (Option<image::Handle>, Result<Vec<Analysed>, Failure>) {
    let (tx, rx) = iced::futures::channel::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("rekam-fingers".into())
        .spawn(move || {
            let preview = finger::capture_image(&capture).map(|img| handle(&img, 480));
            let prints = finger::prints(&capture, &expected)
                .map(|prints| {
                    prints
                        .into_iter()
                        .map(|p| Analysed {
                            position: p.finger.position(),
                            quality: p.quality,
                            width: p.crop.image.width(),
                            height: p.crop.image.height(),
                            handle: handle(&p.crop.image, 300),
                            png: p.png,
                        })
                        .collect()
                })
                .map_err(Failure::new);
            let _ = tx.send((preview, prints));
        });
    if let Err(e) = spawned {
        return (None, Err(Failure::other(e)));
    }
    rx.await
        .unwrap_or_else(|_| (None, Err(Failure::internal("fingerprint analysis stopped"))))
}

/// Stores one attempt: every finger of the image in one transaction.
async fn store_attempt(
    db: crate::ui::db::Db,
    user: crate::store::User,
    request: i64,
    prints: Vec<Analysed>,
) -> Result<Vec<Shot>, Failure> {
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
        .call(move |store| Ok(store.add_captures(&user, request, &inputs)?))
        .await?;
    Ok(prints
        .into_iter()
        .zip(ids)
        .map(|(p, capture)| Shot {
            position: p.position,
            quality: p.quality,
            capture,
            handle: p.handle,
        })
        .collect())
}

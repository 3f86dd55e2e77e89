//! The capture session: the one path from a device's samples to what the store writes, the same
//! for the kiosk's capture screens, `rekam simulate-day` and the tests.
//!
//! A [`Session`] captures one *unit* of a request: the face, one eye, one slap of the 4-4-2
//! (four or two finger positions), the signature. It holds the unit's quality gate (a [`Gate`]:
//! the face, iris, slap or signature checks), runs the auto-capture policy
//! ([`super::policy::AutoCapture`], the modality's `[quality.*]` limits) on every assessed
//! sample, keeps the best sample of every attempt, and collects every decision (the policy's
//! and the operator's). When the unit is taken, [`Session::attempt`] bundles what to store, the
//! captures (cut and encoded by the modality: [`super::face::token_jpeg`], a PNG, the strokes)
//! with every decision that led to them, into one [`Attempt`], which
//! `Store::record_attempt` (`src/workflow/attempt.rs`) writes in one transaction, completing the
//! capture step when the attempt finishes it.
//!
//! Samples arrive at one of two paces ([`Pace`]): a camera streams frames, and an attempt is
//! the frames within its timeout; a scanner or a pad gives one sample per placement or signing,
//! and each is an attempt of its own.
//!
//! The gate is slow (a face detector, a slap's segmentation): a screen runs [`Gate::assess`] off
//! its UI thread on a clone of [`Session::gate`] and offers the result with [`Session::offer`];
//! [`Session::run`] does both in a loop for a device read in place (the simulated day).

mod gates;

use std::fmt;
use std::time::{Duration, Instant};

use super::policy::{AutoCapture, Decision, Outcome, Step, Thresholds};
use super::quality::{Assessment, Modality};
use crate::domain::{CaptureInput, Provenance};
use crate::lang::{Lang, Localize};

pub use gates::{
    FaceGate, FaceSample, IrisGate, IrisSample, SignatureGate, Signed, SlapGate, SlapSample,
    best_prints, face_capture, finger_capture, iris_capture, signature_capture, slap_captures,
};

/// Why a gate could not judge a sample (not a failing check: the sample could not be read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GateError(pub String);

impl GateError {
    pub fn new(e: impl fmt::Display) -> GateError {
        GateError(e.to_string())
    }
}

impl Localize for GateError {
    fn localize(&self, lang: Lang) -> String {
        match lang {
            Lang::Id => format!("Gambar tidak dapat diperiksa: {}.", self.0),
            Lang::En => format!("The image could not be checked: {}.", self.0),
        }
    }
}

/// A modality's quality gate, as a capture session runs it.
pub trait Gate: Clone + Send + 'static {
    /// What the device gives: a camera frame, a slap image, a signing.
    type Input: Send + 'static;
    /// A sample as the session keeps it: the input with everything the gate found in it.
    type Sample: Clone + fmt::Debug + Send + 'static;

    fn modality(&self) -> Modality;

    /// Judges one input (slow: off the UI thread).
    fn assess(&self, input: Self::Input) -> Result<Self::Sample, GateError>;

    /// The verdict the policy ranks the sample by.
    fn assessment(sample: &Self::Sample) -> &Assessment;
}

/// How a device delivers samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// A stream of frames: an attempt is every frame within the modality's timeout.
    Stream,
    /// One sample per placement or signing, each an attempt of its own.
    PerSample,
}

/// How a sample came to be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// It passed every check at the modality's score.
    Accepted,
    /// The best of all the attempts, kept with a note once no attempt was left.
    Settled,
    /// The operator took or kept it, whatever its checks.
    ByHand,
}

/// A sample the session took, and how.
#[derive(Debug, Clone)]
pub struct Taken<S> {
    pub sample: S,
    pub how: How,
}

/// What happened to an offered sample (or the passing of time).
#[derive(Debug, Clone)]
pub enum Event<S> {
    /// Keep going.
    Continue,
    /// The attempt ended without a passing sample; another one has started. The decision
    /// names the best sample's first problem, to tell the applicant.
    Retry(Decision),
    /// Take this sample.
    Take(Taken<S>),
    /// No attempt is left and no sample ever came: nothing to take.
    Empty,
}

/// What one capture unit stores, with everything that led to it: written in one transaction by
/// `Store::record_attempt`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub request: i64,
    pub modality: Modality,
    /// Each position's data or exception; may be empty (decisions only, or finishing the step).
    pub captures: Vec<CaptureInput>,
    /// Every decision about the unit, with the position it is kept at (a slap's first finger).
    pub decisions: Vec<(u8, Decision)>,
    /// This completes the capture step: leave it for the next one.
    pub finish: bool,
    /// The device the data came from, as it reported itself when opened: stored with every
    /// capture of the attempt that has data (required for those).
    pub device: Option<Provenance>,
}

impl Attempt {
    /// An attempt of `captures` alone (exceptions, a test's data), without decisions.
    pub fn of(request: i64, modality: Modality, captures: Vec<CaptureInput>) -> Attempt {
        Attempt {
            request,
            modality,
            captures,
            decisions: Vec::new(),
            finish: false,
            device: None,
        }
    }

    /// The same, with its data from `device`.
    pub fn from_device(mut self, device: Provenance) -> Attempt {
        self.device = Some(device);
        self
    }

    /// The same, completing the capture step.
    pub fn finishing(mut self) -> Attempt {
        self.finish = true;
        self
    }
}

/// The capture of one unit of a request: see the module documentation.
#[derive(Debug)]
pub struct Session<G: Gate> {
    gate: G,
    request: i64,
    /// Where the unit's decisions are kept: its only or its first position.
    position: u8,
    pace: Pace,
    policy: AutoCapture<G::Sample>,
    automatic: bool,
    /// The latest sample assessed.
    latest: Option<G::Sample>,
    /// The best sample of every attempt that ended, and of the taken one, in order.
    attempts: Vec<G::Sample>,
    /// Decisions not stored yet.
    pending: Vec<Decision>,
    /// The last attempt that ended without a passing sample.
    retry: Option<Decision>,
    taken: Option<Taken<G::Sample>>,
    /// The device the samples come from, as it reported itself when opened.
    device: Option<Provenance>,
}

impl<G: Gate> Session<G> {
    pub fn new(
        gate: G,
        request: i64,
        position: u8,
        limits: Thresholds,
        pace: Pace,
        now: Instant,
    ) -> Session<G> {
        let modality = gate.modality();
        Session {
            gate,
            request,
            position,
            pace,
            policy: AutoCapture::new(modality, limits, now),
            automatic: true,
            latest: None,
            attempts: Vec::new(),
            pending: Vec::new(),
            retry: None,
            taken: None,
            device: None,
        }
    }

    pub fn modality(&self) -> Modality {
        self.gate.modality()
    }

    pub fn request(&self) -> i64 {
        self.request
    }

    pub fn position(&self) -> u8 {
        self.position
    }

    /// The gate, to run on a thread of its own.
    pub fn gate(&self) -> &G {
        &self.gate
    }

    /// The gate, to change what it expects (a finger of the slap recorded as an exception).
    pub fn gate_mut(&mut self) -> &mut G {
        &mut self.gate
    }

    pub fn limits(&self) -> Thresholds {
        self.policy.limits()
    }

    /// The current attempt, 1-based.
    pub fn attempt_number(&self) -> u8 {
        self.policy.attempt()
    }

    pub fn automatic(&self) -> bool {
        self.automatic
    }

    /// The latest sample assessed.
    pub fn latest(&self) -> Option<&G::Sample> {
        self.latest.as_ref()
    }

    /// The latest sample's assessment.
    pub fn latest_assessment(&self) -> Option<&Assessment> {
        self.latest.as_ref().map(G::assessment)
    }

    /// The best sample of each attempt so far, the taken one included, in order.
    pub fn attempts(&self) -> &[G::Sample] {
        &self.attempts
    }

    /// The last attempt that ended without a passing sample (its decision names why).
    pub fn retry(&self) -> Option<&Decision> {
        self.retry.as_ref()
    }

    pub fn taken(&self) -> Option<&Taken<G::Sample>> {
        self.taken.as_ref()
    }

    /// The decisions not stored yet.
    pub fn pending(&self) -> &[Decision] {
        &self.pending
    }

    /// Whether the policy has ended (a sample was taken or none is left to try).
    pub fn is_done(&self) -> bool {
        self.policy.is_done()
    }

    /// Automatic capture on or off. Either way the attempts start again.
    pub fn set_automatic(&mut self, on: bool, now: Instant) {
        self.automatic = on;
        self.policy.restart(now);
        self.retry = None;
    }

    /// Runs the gate on an input here, on the calling thread.
    pub fn assess(&self, input: G::Input) -> Result<G::Sample, GateError> {
        self.gate.assess(input)
    }

    /// One assessed sample. With automatic capture off it is only shown.
    pub fn offer(&mut self, sample: G::Sample, now: Instant) -> Event<G::Sample> {
        if self.taken.is_some() {
            // A late sample of a unit already taken.
            return Event::Continue;
        }
        self.latest = Some(sample.clone());
        if self.pace == Pace::PerSample {
            // Every sample is an attempt, taken or not.
            self.attempts.push(sample.clone());
        }
        if !self.automatic {
            return Event::Continue;
        }
        let assessment = G::assessment(&sample).clone();
        let step = match self.pace {
            Pace::Stream => self.policy.offer(assessment, sample, now),
            Pace::PerSample => self.policy.offer_attempt(assessment, sample, now),
        };
        self.step(step)
    }

    /// Time passes without samples (a camera that stopped): an attempt may time out.
    pub fn tick(&mut self, now: Instant) -> Event<G::Sample> {
        if !self.automatic || self.taken.is_some() {
            return Event::Continue;
        }
        let step = self.policy.tick(now);
        self.step(step)
    }

    fn step(&mut self, step: Step<G::Sample>) -> Event<G::Sample> {
        match step {
            Step::Continue => Event::Continue,
            Step::Retry(decision) => {
                self.retry = Some(decision.clone());
                self.pending.push(decision.clone());
                Event::Retry(decision)
            }
            Step::Take(sample, decision) => {
                self.pending.push(decision);
                self.took(sample, How::Accepted)
            }
            Step::Settle(sample, decision) => {
                self.retry = None;
                self.pending.push(decision);
                match sample {
                    Some(sample) => self.took(sample, How::Settled),
                    None => Event::Empty,
                }
            }
        }
    }

    fn took(&mut self, sample: G::Sample, how: How) -> Event<G::Sample> {
        if self.pace == Pace::Stream {
            self.attempts.push(sample.clone());
        }
        let taken = Taken { sample, how };
        self.taken = Some(taken.clone());
        Event::Take(taken)
    }

    /// The operator takes the latest sample, whatever its checks (Space at a camera, Enter on
    /// a signing the policy refused). Recorded as the operator's decision with its scores.
    pub fn take_by_hand(&mut self) -> Option<Taken<G::Sample>> {
        let sample = self.latest.clone()?;
        // A sample that is its own attempt was the last one; a frame is of the current one.
        let (attempt, frames) = match self.pace {
            Pace::Stream => (self.policy.attempt(), self.policy.frames().max(1)),
            Pace::PerSample => (
                u8::try_from(self.attempts.len().max(1)).unwrap_or(u8::MAX),
                1,
            ),
        };
        self.pending.push(Decision {
            modality: self.modality(),
            attempt,
            outcome: Outcome::Operator,
            frames,
            best: Some(G::assessment(&sample).clone()),
        });
        if self.pace == Pace::Stream {
            self.attempts.push(sample.clone());
        }
        let taken = Taken {
            sample,
            how: How::ByHand,
        };
        self.taken = Some(taken.clone());
        Some(taken)
    }

    /// Retake: what was taken is dropped and the attempts start again from the first. The
    /// decisions so far stay, to be stored with what is finally kept.
    pub fn restart(&mut self, now: Instant) {
        self.policy.restart(now);
        self.taken = None;
        self.retry = None;
        self.latest = None;
        self.attempts.clear();
    }

    /// One more sample after the policy ended, counted after the attempts before (a slap
    /// scanned again): false when no attempt is left.
    pub fn another(&mut self, now: Instant) -> bool {
        if self.taken.is_none() && !self.policy.is_done() {
            return self.attempts.len() < usize::from(self.limits().max_attempts.max(1));
        }
        if self.policy.reopen(now) {
            self.taken = None;
            return true;
        }
        false
    }

    /// Whether another sample may be offered now (per-sample units: attempts left).
    pub fn can_try_again(&self) -> bool {
        self.attempts.len() < usize::from(self.limits().max_attempts.max(1))
    }

    /// What to store: `captures` (cut and encoded from what was taken, or exceptions) with
    /// every decision so far. `finish`: this completes the capture step. The decisions stay
    /// pending until [`Session::stored`].
    pub fn attempt(&self, captures: Vec<CaptureInput>, finish: bool) -> Attempt {
        Attempt {
            device: self.device.clone(),
            request: self.request,
            modality: self.modality(),
            captures,
            decisions: self
                .pending
                .iter()
                .map(|d| (self.position, d.clone()))
                .collect(),
            finish,
        }
    }

    /// The device the samples come from (when it connects, or reconnects as another).
    pub fn set_device(&mut self, device: Provenance) {
        self.device = Some(device);
    }

    /// The same, built in.
    pub fn with_device(mut self, device: Option<Provenance>) -> Session<G> {
        self.device = device;
        self
    }

    pub fn device(&self) -> Option<&Provenance> {
        self.device.as_ref()
    }

    /// The attempt was stored: its decisions are no longer pending.
    pub fn stored(&mut self) {
        self.pending.clear();
    }

    /// Offers what `next` reads from a device, `interval` apart on a simulated clock, until
    /// the policy takes a sample or has none left: what a capture screen does with a live
    /// device, for a device read in place. Returns the taken sample.
    pub fn run(
        &mut self,
        interval: Duration,
        mut next: impl FnMut() -> anyhow::Result<G::Input>,
    ) -> anyhow::Result<Taken<G::Sample>> {
        let limits = self.limits();
        let t0 = Instant::now();
        self.restart(t0);
        let per_attempt = match self.pace {
            Pace::PerSample => 1,
            // Enough frames for every attempt to time out, and then some.
            Pace::Stream => limits.timeout().as_millis() / interval.as_millis().max(1) + 2,
        };
        let cap = per_attempt * u128::from(limits.max_attempts.max(1)) + 2;
        let mut at = t0;
        for _ in 0..cap {
            let sample = self.gate.assess(next()?)?;
            match self.offer(sample, at) {
                Event::Take(taken) => return Ok(taken),
                Event::Empty => break,
                Event::Continue | Event::Retry(_) => {}
            }
            at += interval;
        }
        anyhow::bail!(
            "the {} auto-capture policy took nothing",
            self.modality().code()
        )
    }
}

#[cfg(test)]
mod tests;

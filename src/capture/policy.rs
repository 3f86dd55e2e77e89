//! The auto-capture policy, the same for every modality: within one attempt the best frame seen
//! is kept and taken as soon as it passes every check at the modality's score; when the attempt
//! times out without one, another attempt starts, up to a limit; after the last, the best frame
//! of all the attempts is kept *with a note* saying which check it failed. Every end of an
//! attempt is a [`Decision`], with the assessment's scores, that the store keeps
//! (`capture_decisions`, docs/storage.md) once the capture it led to is stored.
//!
//! The policy knows nothing of cameras or screens: the capture screen offers it each assessed
//! frame ([`AutoCapture::offer`]) and a clock tick when frames stop coming
//! ([`AutoCapture::tick`]), and does what the returned [`Step`] says.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::quality::{Assessment, Modality};

/// One modality's limits (settings file `[quality.face]`, `[quality.finger]`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// A frame is taken automatically when every check passes and its score is at least this.
    pub accept_score: u8,
    /// How long one attempt looks for such a frame, seconds.
    pub timeout_secs: u32,
    /// Attempts before the best frame of all is kept with a note (at least 1).
    pub max_attempts: u8,
}

impl Thresholds {
    /// The defaults: the face and iris look for 10 s per attempt (a live camera: hundreds of
    /// frames), a finger impression for 15 s (the applicant lifts and lays the fingers again),
    /// a signature for 60 s; three attempts each. Fingers are taken from the score at which
    /// each finger's own quality check passes ([`super::finger::GOOD_ENOUGH`], NFIQ 2's scale).
    pub fn default_for(modality: Modality) -> Thresholds {
        let (accept_score, timeout_secs) = match modality {
            Modality::Face => (60, 10),
            Modality::Iris => (60, 10),
            Modality::Finger => (super::finger::GOOD_ENOUGH, 15),
            Modality::Signature => (50, 60),
        };
        Thresholds {
            accept_score,
            timeout_secs,
            max_attempts: 3,
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.timeout_secs.clamp(1, 3600)))
    }

    /// Whether the limits make sense, with what is wrong in English (for the settings error).
    pub fn validate(&self) -> Result<(), String> {
        if self.accept_score > 100 {
            return Err(format!("accept_score {} is above 100", self.accept_score));
        }
        if !(1..=3600).contains(&self.timeout_secs) {
            return Err(format!(
                "timeout_secs {} is not between 1 and 3600",
                self.timeout_secs
            ));
        }
        if self.max_attempts == 0 {
            return Err("max_attempts must be at least 1".into());
        }
        Ok(())
    }
}

/// The `[quality]` settings: every modality's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualitySettings {
    pub face: Thresholds,
    pub finger: Thresholds,
    pub iris: Thresholds,
    pub signature: Thresholds,
}

impl Default for QualitySettings {
    fn default() -> Self {
        QualitySettings {
            face: Thresholds::default_for(Modality::Face),
            finger: Thresholds::default_for(Modality::Finger),
            iris: Thresholds::default_for(Modality::Iris),
            signature: Thresholds::default_for(Modality::Signature),
        }
    }
}

impl QualitySettings {
    pub fn get(&self, modality: Modality) -> Thresholds {
        match modality {
            Modality::Face => self.face,
            Modality::Finger => self.finger,
            Modality::Iris => self.iris,
            Modality::Signature => self.signature,
        }
    }

    /// Puts every modality whose limits make no sense back to its defaults.
    pub fn sanitize(&mut self) {
        for (m, t) in [
            (Modality::Face, &mut self.face),
            (Modality::Finger, &mut self.finger),
            (Modality::Iris, &mut self.iris),
            (Modality::Signature, &mut self.signature),
        ] {
            if t.validate().is_err() {
                *t = Thresholds::default_for(m);
            }
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        for m in [
            Modality::Face,
            Modality::Finger,
            Modality::Iris,
            Modality::Signature,
        ] {
            self.get(m)
                .validate()
                .map_err(|e| format!("[quality.{}] {e}", m.code()))?;
        }
        Ok(())
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A frame passed every check at the score: taken.
    Accepted,
    /// The attempt timed out; another one starts.
    Retry,
    /// The last attempt timed out: the best frame of all is kept with a note.
    BestOfAttempts,
    /// The operator took or kept a frame by hand (recorded by the screen).
    Operator,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Retry => "retry",
            Outcome::BestOfAttempts => "best_of_attempts",
            Outcome::Operator => "operator",
        }
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        [
            Outcome::Accepted,
            Outcome::Retry,
            Outcome::BestOfAttempts,
            Outcome::Operator,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// One decision of the policy (or of the operator), with the assessment it rests on: the best
/// frame of the attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub modality: Modality,
    /// 1-based.
    pub attempt: u8,
    pub outcome: Outcome,
    /// How many frames the attempt assessed.
    pub frames: u32,
    /// The best frame's assessment (`None` when no frame came at all).
    pub best: Option<Assessment>,
}

/// What the screen should do after offering a frame or a tick.
#[derive(Debug)]
pub enum Step<T> {
    /// Keep looking.
    Continue,
    /// Take this frame: it passes.
    Take(T, Decision),
    /// The attempt timed out; a new one has started. The decision names the best frame's
    /// first problem, to tell the applicant.
    Retry(Decision),
    /// No attempt is left: keep this frame (the best of all, if any came) with the note the
    /// decision carries (its failing checks).
    Settle(Option<T>, Decision),
}

/// The auto-capture state of one position (the face, one eye, one slap, the signature).
#[derive(Debug)]
pub struct AutoCapture<T> {
    modality: Modality,
    limits: Thresholds,
    attempt: u8,
    started: Instant,
    frames: u32,
    best: Option<(Assessment, T)>,
    best_overall: Option<(Assessment, T)>,
    done: bool,
}

/// Whether `a` is a better frame than `b`: passing beats failing, then the higher score.
fn better(a: &Assessment, b: &Assessment) -> bool {
    (a.acceptable, a.score) > (b.acceptable, b.score)
}

impl<T: Clone> AutoCapture<T> {
    pub fn new(modality: Modality, limits: Thresholds, now: Instant) -> AutoCapture<T> {
        AutoCapture {
            modality,
            limits,
            attempt: 1,
            started: now,
            frames: 0,
            best: None,
            best_overall: None,
            done: false,
        }
    }

    /// The current attempt, 1-based.
    pub fn attempt(&self) -> u8 {
        self.attempt
    }

    /// Frames assessed in the current attempt.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    pub fn limits(&self) -> Thresholds {
        self.limits
    }

    /// Time left in the current attempt.
    pub fn remaining(&self, now: Instant) -> Duration {
        self.limits
            .timeout()
            .saturating_sub(now.saturating_duration_since(self.started))
    }

    /// The best assessment of the current attempt.
    pub fn best(&self) -> Option<&Assessment> {
        self.best.as_ref().map(|(a, _)| a)
    }

    /// Whether the policy has ended (a frame was taken or settled); [`AutoCapture::restart`]
    /// begins anew (the operator's retake).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Starts again from the first attempt.
    pub fn restart(&mut self, now: Instant) {
        *self = AutoCapture::new(self.modality, self.limits, now);
    }

    /// One assessed frame.
    pub fn offer(&mut self, assessment: Assessment, frame: T, now: Instant) -> Step<T> {
        if self.done {
            return Step::Continue;
        }
        self.frames += 1;
        let passes = assessment.acceptable && assessment.score >= self.limits.accept_score.min(100);
        if self
            .best
            .as_ref()
            .is_none_or(|(b, _)| better(&assessment, b))
        {
            self.best = Some((assessment.clone(), frame.clone()));
        }
        if passes {
            self.done = true;
            let decision = self.decision(Outcome::Accepted, Some(assessment));
            return Step::Take(frame, decision);
        }
        self.tick(now)
    }

    /// Time passes (frames may have stopped coming).
    pub fn tick(&mut self, now: Instant) -> Step<T> {
        if self.done || now.saturating_duration_since(self.started) < self.limits.timeout() {
            return Step::Continue;
        }
        self.end_attempt(now)
    }

    /// Ends the current attempt now, as its timeout would: for devices where one sample is one
    /// attempt (a slap on the scanner, a signing), which [`AutoCapture::offer_attempt`] uses.
    pub fn end_attempt(&mut self, now: Instant) -> Step<T> {
        if self.done {
            return Step::Continue;
        }
        let best = self.best.take();
        if let Some((a, f)) = &best
            && self.best_overall.as_ref().is_none_or(|(b, _)| better(a, b))
        {
            self.best_overall = Some((a.clone(), f.clone()));
        }
        let best_assessment = best.map(|(a, _)| a);
        if self.attempt < self.limits.max_attempts.max(1) {
            let decision = self.decision(Outcome::Retry, best_assessment);
            self.attempt += 1;
            self.started = now;
            self.frames = 0;
            Step::Retry(decision)
        } else {
            self.done = true;
            let overall = self.best_overall.take();
            let decision = Decision {
                best: overall.as_ref().map(|(a, _)| a.clone()),
                ..self.decision(Outcome::BestOfAttempts, best_assessment)
            };
            Step::Settle(overall.map(|(_, f)| f), decision)
        }
    }

    /// One sample that is a whole attempt by itself: taken when it passes, else its attempt
    /// ends (a retry, or after the last the best of all with a note).
    pub fn offer_attempt(&mut self, assessment: Assessment, sample: T, now: Instant) -> Step<T> {
        match self.offer(assessment, sample, now) {
            Step::Continue => self.end_attempt(now),
            step => step,
        }
    }

    /// After the policy ended, one more attempt (the operator asks for another scan), counted
    /// after the ones before and ranked with them: the best of all still includes theirs.
    /// Nothing happens while attempts are left unused or the limit is reached.
    pub fn reopen(&mut self, now: Instant) -> bool {
        if !self.done || self.attempt >= self.limits.max_attempts.max(1) {
            return false;
        }
        self.done = false;
        self.attempt += 1;
        self.started = now;
        self.frames = 0;
        if let Some(best) = self.best.take()
            && self
                .best_overall
                .as_ref()
                .is_none_or(|(b, _)| better(&best.0, b))
        {
            self.best_overall = Some(best);
        }
        true
    }

    fn decision(&self, outcome: Outcome, best: Option<Assessment>) -> Decision {
        Decision {
            modality: self.modality,
            attempt: self.attempt,
            outcome,
            frames: self.frames,
            best,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::quality::Finding;

    fn assessed(score: u8, pass: bool) -> Assessment {
        Assessment::new(
            Modality::Face,
            score,
            vec![Finding::new(
                "sharpness",
                pass,
                f64::from(score),
                0.0,
                "kabur",
                "blurred",
            )],
        )
    }

    fn limits() -> Thresholds {
        Thresholds {
            accept_score: 60,
            timeout_secs: 2,
            max_attempts: 2,
        }
    }

    #[test]
    fn a_passing_frame_is_taken_at_once() {
        let t0 = Instant::now();
        let mut p = AutoCapture::new(Modality::Face, limits(), t0);
        assert!(matches!(
            p.offer(assessed(30, false), 1, t0),
            Step::Continue
        ));
        // Passing checks but under the score: not yet.
        assert!(matches!(p.offer(assessed(55, true), 2, t0), Step::Continue));
        match p.offer(assessed(70, true), 3, t0 + Duration::from_millis(300)) {
            Step::Take(frame, d) => {
                assert_eq!(frame, 3);
                assert_eq!(d.outcome, Outcome::Accepted);
                assert_eq!((d.attempt, d.frames), (1, 3));
                assert_eq!(d.best.map(|b| b.score), Some(70));
            }
            other => panic!("{other:?}"),
        }
        assert!(p.is_done());
        assert!(matches!(p.offer(assessed(90, true), 4, t0), Step::Continue));
    }

    #[test]
    fn timeouts_retry_then_settle_on_the_best_of_all_with_a_note() {
        let t0 = Instant::now();
        let mut p = AutoCapture::new(Modality::Face, limits(), t0);
        p.offer(assessed(35, false), "a1", t0);
        p.offer(assessed(20, false), "a2", t0 + Duration::from_secs(1));
        match p.tick(t0 + Duration::from_secs(2)) {
            Step::Retry(d) => {
                assert_eq!((d.attempt, d.outcome, d.frames), (1, Outcome::Retry, 2));
                assert_eq!(d.best.map(|b| b.score), Some(35));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.attempt(), 2);
        let t1 = t0 + Duration::from_secs(2);
        assert_eq!(p.remaining(t1), Duration::from_secs(2));
        p.offer(assessed(30, false), "b1", t1);
        // A frame that passes its checks but stays under the score beats failing ones.
        p.offer(assessed(50, true), "b2", t1);
        match p.tick(t1 + Duration::from_secs(3)) {
            Step::Settle(frame, d) => {
                assert_eq!(frame, Some("b2"));
                assert_eq!((d.attempt, d.outcome), (2, Outcome::BestOfAttempts));
                assert_eq!(d.best.map(|b| b.score), Some(50));
            }
            other => panic!("{other:?}"),
        }
        assert!(p.is_done());
        p.restart(t1);
        assert_eq!((p.attempt(), p.is_done()), (1, false));
    }

    #[test]
    fn one_sample_one_attempt_and_another_after_the_end() {
        let t0 = Instant::now();
        let mut p = AutoCapture::new(Modality::Finger, limits(), t0);
        match p.offer_attempt(assessed(30, false), "s1", t0) {
            Step::Retry(d) => assert_eq!((d.attempt, d.frames), (1, 1)),
            other => panic!("{other:?}"),
        }
        match p.offer_attempt(assessed(80, true), "s2", t0) {
            Step::Take(s, d) => assert_eq!((s, d.attempt, d.outcome), ("s2", 2, Outcome::Accepted)),
            other => panic!("{other:?}"),
        }
        // The limit of two attempts is reached: no third.
        assert!(!p.reopen(t0));
        let mut p = AutoCapture::new(
            Modality::Finger,
            Thresholds {
                max_attempts: 3,
                ..limits()
            },
            t0,
        );
        assert!(!p.reopen(t0), "not ended yet");
        assert!(matches!(
            p.offer_attempt(assessed(70, true), "good", t0),
            Step::Take("good", _)
        ));
        assert!(p.reopen(t0));
        assert_eq!(p.attempt(), 2);
        assert!(matches!(
            p.offer_attempt(assessed(20, false), "bad", t0),
            Step::Retry(_)
        ));
        // The best of all counts the attempt taken before the reopening.
        match p.offer_attempt(assessed(10, false), "worse", t0) {
            Step::Settle(Some(s), d) => {
                assert_eq!((s, d.outcome), ("good", Outcome::BestOfAttempts));
                assert_eq!(d.best.map(|b| b.score), Some(70));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_frame_at_all_settles_on_nothing() {
        let t0 = Instant::now();
        let mut p = AutoCapture::<u8>::new(
            Modality::Iris,
            Thresholds {
                max_attempts: 1,
                ..limits()
            },
            t0,
        );
        assert!(matches!(
            p.tick(t0 + Duration::from_secs(1)),
            Step::Continue
        ));
        match p.tick(t0 + Duration::from_secs(2)) {
            Step::Settle(None, d) => assert_eq!((d.frames, d.best), (0, None)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn settings_defaults_and_validation() {
        let s = QualitySettings::default();
        assert!(s.validate().is_ok());
        assert_eq!(
            s.get(Modality::Finger).accept_score,
            crate::capture::finger::GOOD_ENOUGH
        );
        let bad = QualitySettings {
            iris: Thresholds {
                max_attempts: 0,
                ..s.iris
            },
            ..s
        };
        assert!(bad.validate().is_err_and(|e| e.contains("[quality.iris]")));
        let parsed: QualitySettings =
            toml::from_str("[face]\naccept_score = 75\ntimeout_secs = 5\nmax_attempts = 4\n")
                .expect("toml");
        assert_eq!(parsed.face.accept_score, 75);
        assert_eq!(parsed.finger, Thresholds::default_for(Modality::Finger));
        assert!(toml::from_str::<QualitySettings>("[palm]\n").is_err());
        assert_eq!(
            Outcome::from_code("best_of_attempts"),
            Some(Outcome::BestOfAttempts)
        );
    }
}

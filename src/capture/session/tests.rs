//! Tests of `session`.

use super::*;
use crate::capture::quality::Finding;

/// A gate over numbers: the input is the score, passing from 50.
#[derive(Debug, Clone)]
struct Scores;

impl Gate for Scores {
    type Input = u8;
    type Sample = (u8, Assessment);
    fn modality(&self) -> Modality {
        Modality::Iris
    }
    fn assess(&self, input: u8) -> Result<(u8, Assessment), GateError> {
        if input == 0 {
            return Err(GateError("no image".into()));
        }
        let pass = input >= 50;
        let finding = Finding::new("focus", pass, f64::from(input), 0.0, "kabur", "blurred");
        Ok((input, Assessment::new(Modality::Iris, input, vec![finding])))
    }
    fn assessment(sample: &(u8, Assessment)) -> &Assessment {
        &sample.1
    }
}

fn limits() -> Thresholds {
    Thresholds {
        accept_score: 60,
        timeout_secs: 1,
        max_attempts: 3,
    }
}

fn session(pace: Pace) -> Session<Scores> {
    Session::new(Scores, 7, 2, limits(), pace, Instant::now())
}

fn sample(s: &Session<Scores>, score: u8) -> (u8, Assessment) {
    s.gate().assess(score).expect("assessed")
}

#[test]
fn a_stream_takes_the_first_passing_frame_with_the_decisions_that_led_to_it() {
    let mut s = session(Pace::Stream);
    let t0 = Instant::now();
    let second = Duration::from_secs(1);
    assert!(matches!(s.offer(sample(&s, 30), t0), Event::Continue));
    assert!(matches!(
        s.offer(sample(&s, 40), t0 + second),
        Event::Retry(d) if d.best.as_ref().map(|b| b.score) == Some(40)
    ));
    assert_eq!(s.attempt_number(), 2);
    assert!(s.retry().is_some());
    match s.offer(sample(&s, 70), t0 + second) {
        Event::Take(t) => assert_eq!((t.sample.0, t.how), (70, How::Accepted)),
        other => panic!("{other:?}"),
    }
    // Taken: nothing else is offered to the policy until a retake.
    assert!(matches!(s.offer(sample(&s, 90), t0), Event::Continue));
    let a = s.attempt(Vec::new(), true);
    assert_eq!((a.request, a.modality, a.finish), (7, Modality::Iris, true));
    let outcomes: Vec<(u8, Outcome)> = a.decisions.iter().map(|(p, d)| (*p, d.outcome)).collect();
    assert_eq!(outcomes, [(2, Outcome::Retry), (2, Outcome::Accepted)]);
    s.stored();
    assert!(s.pending().is_empty());
}

#[test]
fn a_retake_starts_again_and_keeps_the_decisions_for_what_is_finally_kept() {
    let mut s = session(Pace::Stream);
    let t0 = Instant::now();
    s.offer(sample(&s, 20), t0);
    let by_hand = s.take_by_hand().expect("a latest frame");
    assert_eq!((by_hand.sample.0, by_hand.how), (20, How::ByHand));
    s.restart(t0);
    assert!(s.taken().is_none() && s.latest().is_none());
    assert!(matches!(s.offer(sample(&s, 80), t0), Event::Take(_)));
    let outcomes: Vec<Outcome> = s.pending().iter().map(|d| d.outcome).collect();
    assert_eq!(outcomes, [Outcome::Operator, Outcome::Accepted]);
}

#[test]
fn per_sample_every_sample_is_an_attempt_and_the_last_settles_on_the_best() {
    let mut s = session(Pace::PerSample);
    let t0 = Instant::now();
    assert!(matches!(s.offer(sample(&s, 45), t0), Event::Retry(_)));
    assert!(matches!(s.offer(sample(&s, 30), t0), Event::Retry(_)));
    match s.offer(sample(&s, 20), t0) {
        Event::Take(t) => assert_eq!((t.sample.0, t.how), (45, How::Settled)),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.attempts().len(), 3);
    assert!(!s.can_try_again() && !s.another(t0));
    let outcomes: Vec<Outcome> = s.pending().iter().map(|d| d.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Retry, Outcome::Retry, Outcome::BestOfAttempts]
    );
}

#[test]
fn per_sample_another_after_a_taken_one_counts_on() {
    let mut s = session(Pace::PerSample);
    let t0 = Instant::now();
    assert!(matches!(s.offer(sample(&s, 90), t0), Event::Take(_)));
    assert!(s.another(t0));
    assert_eq!(s.attempt_number(), 2);
    assert!(matches!(s.offer(sample(&s, 10), t0), Event::Retry(_)));
    match s.offer(sample(&s, 10), t0) {
        Event::Take(t) => assert_eq!((t.sample.0, t.how), (90, How::Settled)),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.attempts().len(), 3);
}

#[test]
fn manual_mode_only_shows_and_run_drives_a_device() {
    let mut s = session(Pace::Stream);
    let t0 = Instant::now();
    s.set_automatic(false, t0);
    assert!(matches!(s.offer(sample(&s, 99), t0), Event::Continue));
    assert_eq!(s.latest_assessment().map(|a| a.score), Some(99));
    assert!(s.pending().is_empty());

    let mut s = session(Pace::Stream);
    let mut frames = [10u8, 20, 30, 40, 65].into_iter();
    let taken = s
        .run(Duration::from_millis(400), || {
            frames.next().ok_or_else(|| anyhow::anyhow!("no frame"))
        })
        .expect("taken");
    assert_eq!(taken.sample.0, 65);
    // 3 frames in the first second, the fourth after it ends the attempt, the fifth passes.
    let outcomes: Vec<Outcome> = s.pending().iter().map(|d| d.outcome).collect();
    assert_eq!(outcomes, [Outcome::Retry, Outcome::Accepted]);
    // A device whose frame cannot be read stops the run with the gate's words.
    let err = s.run(Duration::from_millis(400), || Ok(0)).unwrap_err();
    assert_eq!(err.to_string(), "no image");
}

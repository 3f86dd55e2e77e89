//! The signature screen's tests: pen samples from the simulated pad through the real driver,
//! the signature gate and the session, stored into a real store.

use super::*;
use crate::lang::Localize;
use crate::workflow::Encoding;
use rekam_signature::PenReport;
use rekam_signature::sim::{self as pad_sim, DEFAULT_CAPABILITIES, PadSimulator, PenPoint};
use serialport::TTYPort;

use crate::ui::screen::testing::{Fixture, settle, simulator};
use crate::ui::widget::exception::Message as Exception;
use crate::workflow::Step;

/// The pen samples of a simulated signing, each through the pad's wire encoding, with a
/// hovering sample after each stroke (the tip lifted between strokes).
fn signing(person: u64) -> (Vec<Vec<PenPoint>>, Vec<PenSample>) {
    let strokes = pad_sim::handwritten(person, 1);
    let caps = DEFAULT_CAPABILITIES;
    let mut t_us = 0;
    let mut samples = Vec::new();
    let mut push = |p: &PenPoint, tip: bool| {
        let report = PadSimulator::<TTYPort>::report_for(&caps, p, tip);
        let report = PenReport::decode(&report.encode()).expect("decodes");
        t_us += 5_000;
        samples.push(PenSample { t_us, report });
    };
    for stroke in &strokes {
        for p in stroke {
            push(p, true);
        }
        if let Some(last) = stroke.last() {
            push(last, false);
        }
    }
    (strokes, samples)
}

fn pen(f: &Fixture, s: &mut State, samples: &[PenSample]) {
    // The pad is there (it said what it is) before the applicant signs on it.
    if !matches!(s.link, Link::Connected(_)) {
        let m = Message::Pad(PadUpdate::Link(Link::Connected(connected())));
        assert!(settle(s, m, &f.ctx, State::update).is_none());
    }
    for &sample in samples {
        let m = Message::Pad(PadUpdate::Pen(PadEvent::Sample(sample)));
        assert!(settle(s, m, &f.ctx, State::update).is_none());
    }
}

fn go(f: &Fixture, s: &mut State, m: Message) -> Option<Nav> {
    settle(s, m, &f.ctx, State::update)
}

/// What the driver says when the simulated pad connects.
fn connected() -> DeviceInfo {
    DeviceInfo {
        class: DeviceClass::SignaturePad,
        backend: Backend::Simulated,
        model: "Wacom ISDV4 serial pen digitizer".into(),
        location: "pty".into(),
        details: vec![
            ("firmware".into(), "0x0105".into()),
            ("surface".into(), "10000 x 6000 (100 per mm)".into()),
            ("pressure levels".into(), "1024".into()),
        ],
    }
}

#[test]
fn the_pads_capabilities_are_read_from_what_it_says_when_it_connects() {
    assert_eq!(capabilities(&connected()), Some(DEFAULT_CAPABILITIES));
    let mut other = connected();
    other.details[1].1 = "15200 x 9500 (100 per mm)".into();
    let caps = capabilities(&other).expect("caps");
    assert_eq!((caps.max_x, caps.max_y), (15200, 9500));
    other.details.remove(1);
    assert_eq!(capabilities(&other), None);
}

#[test]
fn pen_samples_draw_live_and_save_stores_the_strokes_and_completes_the_step() {
    let f = Fixture::new();
    let request = f.request_at(1, Step::Signature);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    go(
        &f,
        &mut s,
        Message::Pad(PadUpdate::Link(Link::Connected(connected()))),
    );
    // Nothing written yet: nothing to save.
    assert!(go(&f, &mut s, Message::Save).is_none());

    let (strokes, samples) = signing(42);
    let half = samples.len() / 2;
    pen(&f, &mut s, &samples[..half]);
    // Halfway, both windows show what is written so far.
    let guide = s.guide(&f.ctx);
    assert_eq!(guide.say, "Silakan tanda tangan di bantalan");
    let partial = match &guide.show {
        Show::Signature(d) => d.strokes.iter().map(Vec::len).sum::<usize>(),
        other => panic!("{other:?}"),
    };
    assert!(partial > 0 && partial < strokes.iter().map(Vec::len).sum::<usize>());
    pen(&f, &mut s, &samples[half..]);
    assert_eq!(s.drawing.strokes.len(), strokes.len());
    assert_eq!(
        s.drawing.strokes.iter().map(Vec::len).collect::<Vec<_>>(),
        strokes.iter().map(Vec::len).collect::<Vec<_>>()
    );
    assert_eq!((s.drawing.max_x, s.drawing.max_y), (10_000.0, 6_000.0));

    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find(format!("{} goresan", strokes.len())).is_ok());
    assert!(
        ui.find("Bantalan siap. Pemohon dapat menandatangani sekarang.")
            .is_ok()
    );
    ui.click("Simpan [Enter]").expect("save button");
    assert!(matches!(ui.into_messages().next(), Some(Message::Save)));

    let nav = go(&f, &mut s, Message::Save);
    assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
    let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
    assert_eq!(stored.step, Step::Review);
    let c = stored
        .captures
        .iter()
        .find(|c| c.modality == Modality::Signature)
        .expect("signature")
        .clone();
    assert_eq!(c.format, Some(Encoding::IsdV4Strokes));
    // Taken by the policy at once: its quality and its decision are kept.
    let kept = f.store(move |st| Ok(st.decisions(id)?));
    assert_eq!(kept.len(), 1);
    let d = &kept[0];
    assert_eq!((d.modality, d.position), (Modality::Signature, 0));
    assert_eq!((d.attempt, d.outcome, d.frames), (1, Outcome::Accepted, 1));
    assert_eq!(d.acceptable, Some(true));
    assert_eq!(d.findings.len(), 4);
    assert!(
        c.quality
            .is_some_and(|q| q >= f.ctx.settings.quality.signature.accept_score)
    );
    assert_eq!(c.quality, d.score);
    let bytes = f.store(move |st| Ok(st.capture_bytes(c.id)?));
    let sig: rekam_signature::Signature = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(sig.pad, DEFAULT_CAPABILITIES);
    assert_eq!(sig.strokes.len(), strokes.len());
    assert_eq!(
        sig.point_count(),
        strokes.iter().map(Vec::len).sum::<usize>()
    );
    let (w, h) = f.store(move |st| {
        Ok(st.conn().query_row(
            "SELECT width, height FROM captures WHERE id = ?1",
            [c.id],
            |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?)),
        )?)
    });
    assert_eq!((w, h), (10_000, 6_000));
    // The quality is the gate's score of what was stored.
    let strokes =
        crate::capture::signature::parse(Encoding::IsdV4Strokes, &bytes).expect("strokes");
    assert_eq!(
        c.quality,
        Some(crate::capture::signature::assess(&strokes).score)
    );
}

/// Pen samples for strokes given in pad units: each stroke with the tip down, then a
/// hovering sample (the tip lifted).
fn drawn(lines: &[Vec<(u16, u16)>]) -> Vec<PenSample> {
    let mut t_us = 0;
    let mut samples = Vec::new();
    let mut push = |(x, y): (u16, u16), tip: bool| {
        t_us += 5_000;
        samples.push(PenSample {
            t_us,
            report: PenReport {
                proximity: true,
                tip,
                button: false,
                eraser: false,
                x,
                y,
                pressure: if tip { 600 } else { 0 },
                tilt_x: 0,
                tilt_y: 0,
            },
        });
    };
    for line in lines {
        for &p in line {
            push(p, true);
        }
        if let Some(&last) = line.last() {
            push(last, false);
        }
    }
    samples
}

/// A dot: the pen down in one place.
fn dot() -> Vec<PenSample> {
    drawn(&[vec![(5_000, 3_000); 6]])
}

/// A dot on the pad's left edge: worse than a dot inside it.
fn edge_dot() -> Vec<PenSample> {
    drawn(&[vec![(0, 3_000); 6]])
}

/// A single straight line across most of the pad.
fn line() -> Vec<PenSample> {
    drawn(&[(0..=80).map(|i| (1_000 + 100 * i, 3_000)).collect()])
}

fn tr_id(key: &str) -> String {
    crate::ui::i18n::Tr(crate::Lang::Id).t(key)
}

#[test]
fn a_dot_or_a_line_shows_what_fails_is_not_taken_and_the_operator_may_keep_it() {
    let f = Fixture::new();
    let request = f.request_at(5, Step::Signature);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    let limits = f.ctx.settings.quality.signature;
    assert_eq!(s.session.limits(), limits);
    go(
        &f,
        &mut s,
        Message::Pad(PadUpdate::Link(Link::Connected(connected()))),
    );
    pen(&f, &mut s, &dot());
    assert!(
        go(&f, &mut s, Message::Save).is_none(),
        "a dot is not taken"
    );
    let checked = s.checked.clone().expect("checked");
    assert_eq!(checked.outcome, Outcome::Retry);
    assert!(!checked.signed.assessment.acceptable);
    let shape = checked
        .signed
        .assessment
        .get("shape")
        .expect("the shape check")
        .clone();
    assert!(!shape.pass);
    assert_eq!(s.session.pending().len(), 1);
    assert_eq!(
        (
            s.session.pending()[0].attempt,
            s.session.pending()[0].outcome
        ),
        (1, Outcome::Retry)
    );
    let mut ui = simulator(s.view(&f.ctx));
    // Every finding, the failing one with what to do.
    for finding in &checked.signed.assessment.findings {
        assert!(
            ui.find(finding.message(crate::Lang::Id)).is_ok(),
            "{finding:?}"
        );
    }
    assert!(ui.find(shape.id.as_str()).is_ok());
    let first = checked
        .signed
        .assessment
        .first_problem(crate::Lang::Id)
        .expect("a problem")
        .to_owned();
    let note = crate::ui::i18n::Tr(crate::Lang::Id).f(
        "signature.failed",
        &[
            ("problem", &first),
            ("attempt", &2),
            ("attempts", &limits.max_attempts),
        ],
    );
    assert!(ui.find(note.as_str()).is_ok(), "{note}");
    let quality = format!(
        "Mutu tanda tangan: {} dari 100",
        checked.signed.assessment.score
    );
    assert!(ui.find(quality.as_str()).is_ok());
    ui.click("Tetap simpan [Enter]").expect("save anyway");
    assert!(matches!(ui.into_messages().next(), Some(Message::Save)));
    let step = f.store(move |st| Ok(st.request(id)?.expect("request").step));
    assert_eq!(step, Step::Signature, "nothing stored yet");

    // Clear: the applicant signs again, a line this time; the banner says what went wrong.
    go(&f, &mut s, Message::Clear);
    assert!(s.checked.is_none());
    let mut ui = simulator(s.view(&f.ctx));
    let banner = format!(
        "Percobaan 2 dari {}. Sebelumnya: {first}",
        limits.max_attempts
    );
    assert!(ui.find(banner.as_str()).is_ok(), "{banner}");
    drop(ui);
    pen(&f, &mut s, &line());
    assert!(
        go(&f, &mut s, Message::Save).is_none(),
        "a line is not taken"
    );
    let checks = s.checked.clone().expect("checked").signed.assessment;
    let shape = checks.get("shape").expect("shape").clone();
    assert!(!shape.pass && checks.get("ink").is_some_and(|c| c.pass));
    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find(shape.id.as_str()).is_ok(), "{shape:?}");
    drop(ui);

    // The operator keeps it anyway: stored with its quality and every decision.
    let nav = go(&f, &mut s, Message::Save);
    assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
    let kept = f.store(move |st| Ok(st.decisions(id)?));
    let outcomes: Vec<(u8, Outcome)> = kept.iter().map(|d| (d.attempt, d.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            (1, Outcome::Retry),
            (2, Outcome::Retry),
            (2, Outcome::Operator)
        ]
    );
    assert!(
        kept.iter()
            .all(|d| d.position == 0 && d.acceptable == Some(false))
    );
    let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
    assert_eq!(stored.step, Step::Review);
    let c = stored
        .captures
        .iter()
        .find(|c| c.modality == Modality::Signature)
        .expect("signature");
    assert_eq!(c.quality, Some(checks.score));
    assert_eq!(kept[2].score, Some(checks.score));
}

#[test]
fn after_the_last_attempt_the_best_signing_is_kept_with_a_note_and_every_decision_stored() {
    let f = Fixture::new();
    let request = f.request_at(6, Step::Signature);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    let limits = s.session.limits();
    assert!(limits.max_attempts >= 2, "{limits:?}");
    // Every attempt a dot on the edge, but the second a line: the line is the best of all
    // (all fail; the line scores higher).
    for n in 1..=limits.max_attempts {
        if n > 1 {
            go(&f, &mut s, Message::Clear);
        }
        pen(&f, &mut s, &if n == 2 { line() } else { edge_dot() });
        assert!(go(&f, &mut s, Message::Save).is_none());
    }
    let checked = s.checked.clone().expect("kept");
    assert!(checked.settled());
    assert_eq!(s.session.attempt_number(), limits.max_attempts);
    let best = checked.signed.assessment.clone();
    assert!(
        best.get("ink").is_some_and(|c| c.pass),
        "the line: {best:?}"
    );
    // Both windows show the line kept, not the dot signed last.
    assert_eq!(s.drawing.strokes.len(), 1);
    assert_eq!(s.drawing.strokes[0].len(), 81);
    assert!(matches!(s.guide(&f.ctx).show, Show::Signature(d) if d.strokes[0].len() == 81));
    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find(tr_id("signature.settled")).is_ok());
    assert!(ui.find("1 goresan").is_ok());
    ui.click("Simpan [Enter]").expect("save the kept one");
    drop(ui);
    // The pad waits: more pen does not change what is kept.
    pen(&f, &mut s, &edge_dot());
    assert_eq!(s.drawing.strokes[0].len(), 81);

    let nav = go(&f, &mut s, Message::Save);
    assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
    let kept = f.store(move |st| Ok(st.decisions(id)?));
    let outcomes: Vec<Outcome> = kept.iter().map(|d| d.outcome).collect();
    let mut expected = vec![Outcome::Retry; usize::from(limits.max_attempts) - 1];
    expected.push(Outcome::BestOfAttempts);
    assert_eq!(outcomes, expected);
    let attempts: Vec<u8> = kept.iter().map(|d| d.attempt).collect();
    assert_eq!(attempts, (1..=limits.max_attempts).collect::<Vec<u8>>());
    assert!(kept.iter().all(|d| {
        d.modality == Modality::Signature
            && d.position == 0
            && d.frames == 1
            && d.acceptable == Some(false)
            && d.findings.iter().any(|f| f.check == "shape" && !f.pass)
    }));
    assert_eq!(kept.last().and_then(|d| d.score), Some(best.score));
    let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
    let c = stored
        .captures
        .iter()
        .find(|c| c.modality == Modality::Signature)
        .expect("signature")
        .clone();
    assert_eq!(c.quality, Some(best.score));
    let bytes = f.store(move |st| Ok(st.capture_bytes(c.id)?));
    let strokes =
        crate::capture::signature::parse(Encoding::IsdV4Strokes, &bytes).expect("strokes");
    assert_eq!(strokes.lines.len(), 1);
    assert_eq!(strokes.lines[0].len(), 81, "the line is stored");
}

#[test]
fn a_refused_store_of_a_taken_signature_is_saved_again_with_one_decision() {
    let mut f = Fixture::new();
    let request = f.request_at(8, Step::Signature);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    let (_, samples) = signing(11);
    pen(&f, &mut s, &samples);
    // Nobody to store it for: the store is refused.
    let user = f.ctx.user.take();
    assert!(go(&f, &mut s, Message::Save).is_none());
    f.ctx.user = user;
    assert!(!s.busy && s.notice.is_some());
    assert_eq!(
        s.checked.as_ref().map(|c| c.outcome),
        Some(Outcome::Accepted)
    );
    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find("Simpan [Enter]").is_ok());
    drop(ui);
    let nav = go(&f, &mut s, Message::Save);
    assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
    let kept = f.store(move |st| Ok(st.decisions(id)?));
    let outcomes: Vec<Outcome> = kept.iter().map(|d| d.outcome).collect();
    assert_eq!(outcomes, [Outcome::Accepted]);
}

#[test]
fn clearing_the_kept_signing_starts_the_attempts_again() {
    let f = Fixture::new();
    let request = f.request_at(7, Step::Signature);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    let limits = s.session.limits();
    for n in 1..=limits.max_attempts {
        if n > 1 {
            go(&f, &mut s, Message::Clear);
        }
        pen(&f, &mut s, &dot());
        go(&f, &mut s, Message::Save);
    }
    assert!(s.settled());
    go(&f, &mut s, Message::Clear);
    assert!(!s.settled() && s.drawing.is_empty());
    assert_eq!(s.session.attempt_number(), 1);
    assert!(s.session.retry().is_none());
    // The decisions so far stay, to be stored with the signature.
    assert_eq!(s.session.pending().len(), usize::from(limits.max_attempts));
    let (_, samples) = signing(9);
    pen(&f, &mut s, &samples);
    assert!(go(&f, &mut s, Message::Save).is_some());
    let kept = f.store(move |st| Ok(st.decisions(id)?));
    assert_eq!(kept.len(), usize::from(limits.max_attempts) + 1);
    assert_eq!(
        kept.last().map(|d| (d.attempt, d.outcome)),
        Some((1, Outcome::Accepted))
    );
}

#[test]
fn clear_empties_the_pad_and_the_applicant_signs_again() {
    let f = Fixture::new();
    let request = f.request_at(2, Step::Signature);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    let (_, samples) = signing(7);
    pen(&f, &mut s, &samples);
    assert!(!s.drawing.is_empty());
    go(&f, &mut s, Message::Clear);
    assert!(s.drawing.is_empty());
    assert_eq!(s.stroke_count(), 0);
    assert_eq!(s.guide(&f.ctx).say, "Silakan tanda tangan sekali lagi");
    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find("Belum ada tanda tangan").is_ok());
    drop(ui);
    // Nothing to save now.
    assert!(go(&f, &mut s, Message::Save).is_none());
    let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
    assert_eq!(stored.step, Step::Signature);
    // Signing again after the clear saves only the new strokes.
    let (strokes, samples) = signing(8);
    pen(&f, &mut s, &samples);
    assert_eq!(s.stroke_count(), strokes.len());
    assert!(go(&f, &mut s, Message::Save).is_some());
}

#[test]
fn cannot_sign_needs_a_reason_then_records_the_exception() {
    let f = Fixture::new();
    let request = f.request_at(3, Step::Signature);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    {
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find("Menyambungkan bantalan tanda tangan…").is_ok());
        ui.click("Tidak dapat tanda tangan [E]").expect("button");
        ui.click("Hapus [C]").expect("button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages[0], Message::OpenException));
        assert!(matches!(messages[1], Message::Clear));
    }
    go(&f, &mut s, Message::OpenException);
    assert!(go(&f, &mut s, Message::Exception(Exception::Save)).is_none());
    assert!(s.form.as_ref().is_some_and(|f| f.missing_reason));
    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find("Alasan wajib diisi.").is_ok());
    drop(ui);
    // The keys of the form: Up/Down choose the kind.
    assert!(matches!(
        s.shortcut(&Key::Named(Named::ArrowDown), Modifiers::empty()),
        Some(Message::Exception(Exception::StepKind(1)))
    ));
    go(&f, &mut s, Message::Exception(Exception::StepKind(1)));
    assert_eq!(s.form.as_ref().map(|f| f.kind), Some(ExceptionKind::Other));
    go(
        &f,
        &mut s,
        Message::Exception(Exception::Kind(ExceptionKind::Injured)),
    );
    go(
        &f,
        &mut s,
        Message::Exception(Exception::Reason("tangan kanan patah, digips".into())),
    );
    let nav = go(&f, &mut s, Message::Exception(Exception::Save));
    assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
    let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
    assert_eq!(stored.step, Step::Review);
    let c = stored
        .captures
        .iter()
        .find(|c| c.modality == Modality::Signature)
        .expect("signature");
    assert_eq!(c.exception, Some(ExceptionKind::Injured));
    assert_eq!(
        c.exception_reason.as_deref(),
        Some("tangan kanan patah, digips")
    );
}

#[test]
fn a_pad_problem_is_shown_with_what_to_do() {
    let f = Fixture::new();
    let request = f.request_at(4, Step::Signature);
    let (mut s, _) = State::new(&f.ctx, request);
    go(
        &f,
        &mut s,
        Message::Pad(PadUpdate::Link(Link::Lost("cable pulled".into()))),
    );
    let mut ui = simulator(s.view(&f.ctx));
    assert!(
        ui.find("Bantalan tanda tangan terputus. Rekam menyambung lagi sendiri.")
            .is_ok()
    );
    let banner = DeviceProblem {
        class: DeviceClass::SignaturePad,
        detail: "cable pulled".into(),
    }
    .localize(crate::Lang::Id);
    assert!(banner.contains("Periksa kabel bantalan"), "{banner}");
    assert!(ui.find(banner).is_ok());
    drop(ui);
    // Back: the banner goes.
    go(
        &f,
        &mut s,
        Message::Pad(PadUpdate::Link(Link::Connected(connected()))),
    );
    assert!(s.notice.is_none());
}

//! The iris screen's tests: simulated eyes through the real YUYV decoder, the iris gate and the
//! policy, stored through the capture session into a real store.

use std::time::{Duration, Instant};

use iced::keyboard::key::Named;
use iced_test::selector::id;
use rekam_camera::{CameraConfig, FrameSource, SimOptions, SimulatedCamera};

use super::*;
use crate::capture::policy::Outcome;
use crate::capture::session::Attempt;
use crate::lang::Lang;
use crate::ui::device::{self, CameraUpdate, Link, Preview};
use crate::ui::screen::capture::Phase;
use crate::ui::screen::testing::{Fixture, settle, simulator};

/// A preview as the camera subscription delivers it: a simulated eye through the real YUYV
/// decoder; `blur` defocuses it.
fn preview(eye: Eye, at: Instant, blur: f32) -> Preview {
    let options = SimOptions {
        loop_frames: Some(2),
        realtime: false,
        ..SimOptions::default()
    };
    let mut camera =
        SimulatedCamera::iris(&CameraConfig::iris(2), eye, 7, options).expect("simulated camera");
    let raw = camera.next_frame(Duration::from_secs(2)).expect("a frame");
    let mut rgb = rekam_camera::decode(&raw).expect("decoded");
    if blur > 0.0 {
        rgb = ::image::imageops::blur(&rgb, blur);
    }
    let frame = rekam_camera::Frame {
        rgb: Arc::new(rgb),
        sequence: 1,
        captured_at: at,
        decode_time: Duration::ZERO,
        dropped: 0,
    };
    device::preview(&frame, false)
}

fn cam(m: capture::Message<IrisGate>) -> Message {
    Message::Camera(m)
}

/// What the simulated iris camera says when it opens.
fn connected(eye: Eye) -> Message {
    let camera = SimulatedCamera::iris(&CameraConfig::iris(2), eye, 7, SimOptions::default())
        .expect("simulated camera");
    cam(capture::Message::Camera(CameraUpdate::Link(
        Link::Connected(camera.info()),
    )))
}

fn frame(state: &mut State, f: &Fixture, at: Instant, blur: f32) {
    // The camera says what it is before its first frame, as the worker does.
    let open = connected(state.eye());
    assert!(send(state, f, open).is_none());
    let p = preview(state.eye(), at, blur);
    let nav = send(
        state,
        f,
        cam(capture::Message::Camera(CameraUpdate::Frame(p))),
    );
    assert!(nav.is_none());
}

fn send(state: &mut State, f: &Fixture, m: Message) -> Option<Nav> {
    settle(state, m, &f.ctx, State::update)
}

fn form(state: &mut State, f: &Fixture, m: exception::Message) -> Option<Nav> {
    send(state, f, Message::Exception(m))
}

fn recipes(state: &State, ctx: &Ctx) -> usize {
    iced_test::futures::subscription::into_recipes(state.subscription(ctx)).len()
}

fn tr_id(key: &str) -> String {
    Tr(Lang::Id).t(key)
}

fn latest(state: &State) -> crate::capture::quality::Assessment {
    state
        .camera
        .session
        .latest_assessment()
        .cloned()
        .expect("checked")
}

#[test]
fn right_eye_captured_and_left_eye_excepted_completes_the_step() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Iris);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    assert_eq!((state.position, state.eye()), (1, Eye::Right));
    assert_eq!(
        state.guide(&f.ctx).say,
        "Lihat ke kamera iris dengan mata kanan"
    );

    state.camera.session.set_automatic(false, Instant::now());
    frame(&mut state, &f, Instant::now(), 0.0);
    let checks = latest(&state);
    assert!(checks.acceptable, "{checks:?}");
    send(&mut state, &f, cam(capture::Message::Capture));
    assert!(
        matches!(state.camera.phase, Phase::Still(_)),
        "{:?}",
        state.camera.phase
    );
    assert_eq!(recipes(&state, &f.ctx), 0, "the camera stops on the still");
    assert!(send(&mut state, &f, cam(capture::Message::Save)).is_none());
    // On to the left eye, camera on again.
    assert_eq!((state.position, state.eye()), (2, Eye::Left));
    assert!(matches!(state.camera.phase, Phase::Live));
    assert_eq!(recipes(&state, &f.ctx), 1);
    assert_eq!(
        state.guide(&f.ctx).say,
        "Lihat ke kamera iris dengan mata kiri"
    );
    assert!(matches!(state.stored[0], Some(Stored::Image { quality: Some(q) }) if q > 40));

    send(&mut state, &f, Message::OpenException);
    assert_eq!(recipes(&state, &f.ctx), 0, "the camera pauses for the form");
    form(
        &mut state,
        &f,
        exception::Message::Kind(ExceptionKind::Missing),
    );
    form(
        &mut state,
        &f,
        exception::Message::Reason("  mata kiri tidak ada sejak lahir ".into()),
    );
    let nav = form(&mut state, &f, exception::Message::Save);
    assert!(matches!(nav, Some(Nav::Request(n)) if n == id), "{nav:?}");

    let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
    assert_eq!(
        stored.step,
        Step::Signature,
        "the last eye completes the step"
    );
    let irises: Vec<_> = stored
        .captures
        .iter()
        .filter(|c| c.modality == Modality::Iris)
        .cloned()
        .collect();
    assert_eq!(irises.len(), 2);
    assert_eq!(irises[0].position, 1);
    assert_eq!(irises[0].format, Some(crate::domain::Encoding::Png));
    assert!(irises[0].quality.is_some_and(|q| q > 40));
    assert_eq!(irises[1].position, 2);
    assert_eq!(irises[1].exception, Some(ExceptionKind::Missing));
    assert_eq!(
        irises[1].exception_reason.as_deref(),
        Some("mata kiri tidak ada sejak lahir")
    );
    let right = irises[0].id;
    let bytes = f.store(move |s| Ok(s.capture_bytes(right)?));
    let png =
        ::image::load_from_memory_with_format(&bytes, ::image::ImageFormat::Png).expect("a PNG");
    assert_eq!((png.width(), png.height()), (640, 480));
    assert_eq!(png.color(), ::image::ColorType::L8);
}

#[test]
fn an_exception_without_a_reason_is_refused_with_a_visible_message() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Iris);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    send(&mut state, &f, Message::OpenException);
    form(
        &mut state,
        &f,
        exception::Message::Kind(ExceptionKind::Injured),
    );
    form(&mut state, &f, exception::Message::Reason("   ".into()));
    assert!(form(&mut state, &f, exception::Message::Save).is_none());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(tr_id("exception.reason_required")).is_ok());
    drop(ui);
    assert!(state.form.is_some(), "the form stays open");
    assert_eq!(state.position, 1);
    let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
    assert!(stored.captures.iter().all(|c| c.modality != Modality::Iris));

    // Cancelling goes back to the camera.
    form(&mut state, &f, exception::Message::Close);
    assert!(state.form.is_none());
    assert_eq!(recipes(&state, &f.ctx), 1);
}

#[test]
fn a_blurred_eye_fails_and_is_not_taken_by_itself_but_a_sharp_one_is() {
    let f = Fixture::new();
    let (mut state, _) = State::new(&f.ctx, f.request_at(1, Step::Iris));
    let t0 = Instant::now();
    for n in 0..4u64 {
        frame(&mut state, &f, t0 + Duration::from_millis(600 * n), 3.0);
    }
    assert!(matches!(state.camera.phase, Phase::Live));
    let checks = latest(&state);
    assert!(!checks.acceptable);
    assert!(checks.score <= 40);
    assert!(checks.get("focus").is_some_and(|c| !c.pass));
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(format!("Mutu {}", checks.score)).is_ok());
    assert!(ui.find("Belum sesuai").is_ok());
    // The operator reads what is wrong and what to do.
    assert!(
        ui.find("Iris buram: minta pemohon diam dan mengatur jarak ke kamera sampai gambar tajam.")
            .is_ok()
    );
    drop(ui);

    for n in 4..7u64 {
        frame(&mut state, &f, t0 + Duration::from_millis(600 * n), 0.0);
    }
    assert!(
        matches!(state.camera.phase, Phase::Still(_)),
        "{:?}",
        state.camera.phase
    );
}

#[test]
fn a_good_eye_is_taken_by_the_policy_and_its_accepted_decision_stored_with_it() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Iris);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    let limits = state.camera.session.limits();
    assert_eq!(limits, f.ctx.settings.quality.iris);
    let mut ui = simulator(state.view(&f.ctx));
    let hint = Tr(Lang::Id).f(
        "iris.auto_hint",
        &[
            ("score", &limits.accept_score),
            ("seconds", &limits.timeout_secs),
            ("attempts", &limits.max_attempts),
        ],
    );
    assert!(ui.find(hint.as_str()).is_ok(), "{hint}");
    drop(ui);

    frame(&mut state, &f, Instant::now(), 0.0);
    let Phase::Still(still) = &state.camera.phase else {
        panic!("not taken: {:?}", state.camera.phase);
    };
    assert!(!still.settled() && still.acceptable());
    assert!(still.taken.sample.assessment.score >= limits.accept_score);
    let outcomes: Vec<Outcome> = state
        .camera
        .session
        .pending()
        .iter()
        .map(|d| d.outcome)
        .collect();
    assert_eq!(outcomes, [Outcome::Accepted]);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(tr_id("iris.settled")).is_err());
    assert!(ui.find(tr_id("iris.still_not_all_pass")).is_err());
    drop(ui);

    send(&mut state, &f, cam(capture::Message::Save));
    // The left eye starts a session of its own.
    assert_eq!(state.position, 2);
    assert!(state.camera.session.pending().is_empty());
    assert_eq!(state.camera.session.attempt_number(), 1);
    assert_eq!(state.camera.session.position(), 2);
    let kept = f.store(move |s| Ok(s.decisions(id)?));
    assert_eq!(kept.len(), 1);
    let d = &kept[0];
    assert_eq!((d.modality, d.position), (Modality::Iris, 1));
    assert_eq!((d.attempt, d.outcome, d.frames), (1, Outcome::Accepted, 1));
    assert_eq!(d.acceptable, Some(true));
    assert_eq!(d.findings.len(), 5);
    let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
    assert_eq!(
        stored.step,
        Step::Iris,
        "one eye does not complete the step"
    );
    let right = stored
        .captures
        .iter()
        .find(|c| c.modality == Modality::Iris && c.position == 1)
        .expect("the right eye");
    assert_eq!(right.quality, d.score);
}

#[test]
fn a_blurred_eye_is_retried_then_the_best_is_kept_with_a_note_and_every_decision_stored() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Iris);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    let limits = state.camera.session.limits();
    let step = Duration::from_secs(u64::from(limits.timeout_secs));
    let t0 = Instant::now();
    // A frame at the start of the attempt and one when it times out.
    frame(&mut state, &f, t0, 3.0);
    frame(&mut state, &f, t0 + step, 3.0);
    assert!(
        matches!(state.camera.phase, Phase::Live),
        "{:?}",
        state.camera.phase
    );
    assert_eq!(state.camera.session.attempt_number(), 2);
    let retry = state.camera.session.retry().cloned().expect("a retry");
    assert_eq!(
        (retry.attempt, retry.outcome, retry.frames),
        (1, Outcome::Retry, 2)
    );
    let problem = retry
        .best
        .as_ref()
        .and_then(|b| b.first_problem(Lang::Id))
        .map(str::to_owned)
        .expect("a problem");
    let mut ui = simulator(state.view(&f.ctx));
    let banner = format!(
        "Percobaan 2 dari {}. Sebelumnya: {problem}",
        limits.max_attempts
    );
    assert!(ui.find(banner.as_str()).is_ok(), "{banner}");
    drop(ui);
    // Every further attempt times out on blurred frames; after the last the best is kept.
    for n in 2..=u32::from(limits.max_attempts) {
        frame(&mut state, &f, t0 + step * n, 3.0);
    }
    let Phase::Still(still) = &state.camera.phase else {
        panic!("not settled: {:?}", state.camera.phase);
    };
    assert!(still.settled());
    assert!(!still.acceptable());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(tr_id("iris.settled")).is_ok());
    drop(ui);

    send(&mut state, &f, cam(capture::Message::Save));
    assert_eq!(state.position, 2);
    let kept = f.store(move |s| Ok(s.decisions(id)?));
    let outcomes: Vec<Outcome> = kept.iter().map(|d| d.outcome).collect();
    let mut expected = vec![Outcome::Retry; usize::from(limits.max_attempts) - 1];
    expected.push(Outcome::BestOfAttempts);
    assert_eq!(outcomes, expected);
    let attempts: Vec<u8> = kept.iter().map(|d| d.attempt).collect();
    assert_eq!(attempts, (1..=limits.max_attempts).collect::<Vec<u8>>());
    assert!(kept.iter().all(|d| {
        d.position == 1
            && d.modality == Modality::Iris
            && d.acceptable == Some(false)
            && d.findings.iter().any(|f| f.check == "focus" && !f.pass)
    }));
    let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
    let right = stored
        .captures
        .iter()
        .find(|c| c.modality == Modality::Iris && c.position == 1)
        .expect("the right eye, kept");
    assert!(right.quality.is_some_and(|q| q <= 40), "{right:?}");
    assert_eq!(right.quality, kept.last().and_then(|d| d.score));
}

#[test]
fn a_blank_frame_is_never_taken_by_itself_and_the_manual_take_is_noted() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Iris);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    let t0 = Instant::now();
    let mut blank = preview(state.eye(), t0, 0.0);
    Arc::make_mut(&mut blank.rgb)
        .pixels_mut()
        .for_each(|p| p.0 = [128, 128, 128]);
    let open = connected(state.eye());
    assert!(send(&mut state, &f, open).is_none());
    send(
        &mut state,
        &f,
        cam(capture::Message::Camera(CameraUpdate::Frame(blank))),
    );
    assert!(matches!(state.camera.phase, Phase::Live));
    let checks = latest(&state);
    assert!(checks.get("eye_present").is_some_and(|c| !c.pass));
    assert!(state.camera.session.pending().is_empty());
    send(&mut state, &f, cam(capture::Message::Capture));
    let Phase::Still(still) = &state.camera.phase else {
        panic!("not taken: {:?}", state.camera.phase);
    };
    assert!(!still.settled());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(tr_id("iris.still_not_all_pass")).is_ok());
    drop(ui);
    send(&mut state, &f, cam(capture::Message::Save));
    let kept = f.store(move |s| Ok(s.decisions(id)?));
    assert_eq!(kept.len(), 1);
    assert_eq!((kept[0].outcome, kept[0].position), (Outcome::Operator, 1));
    assert_eq!(kept[0].acceptable, Some(false));
}

fn store_eyes(f: &Fixture, id: i64, positions: &[u8], finish: bool) {
    let op = f.operator.clone();
    let captures = positions
        .iter()
        .map(|&position| CaptureInput {
            modality: Modality::Iris,
            position,
            content: crate::ui::screen::testing::sample(Modality::Iris),
        })
        .collect();
    let mut attempt = Attempt::of(id, Modality::Iris, captures)
        .from_device(crate::domain::Provenance::simulator("test camera"));
    attempt.finish = finish;
    f.store(move |s| Ok(s.record_attempt(&op, &attempt)?));
}

#[test]
fn resuming_starts_at_the_eye_still_missing_and_its_store_completes_the_step() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Iris);
    let id = r.id;
    store_eyes(&f, id, &[1], false);
    let r = f.store(move |s| Ok(s.request(id)?.expect("request")));
    let (mut state, _) = State::new(&f.ctx, r);
    assert_eq!(state.position, 2);
    assert!(
        state.camera.finishes,
        "the left eye is the last one missing"
    );
    assert!(matches!(state.stored[0], Some(Stored::Image { .. })));
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Perekaman iris kiri (2 dari 2)").is_ok());
    assert!(ui.find("tersimpan, mutu 70").is_ok());
    drop(ui);
    frame(&mut state, &f, Instant::now(), 0.0);
    let nav = send(&mut state, &f, cam(capture::Message::Save));
    assert!(matches!(nav, Some(Nav::Request(n)) if n == id), "{nav:?}");
    let step = f.store(move |s| Ok(s.request(id)?.expect("request").step));
    assert_eq!(step, Step::Signature);
}

#[test]
fn the_view_has_the_keys_on_its_buttons_and_the_form_types_by_id() {
    let f = Fixture::new();
    let (mut state, _) = State::new(&f.ctx, f.request_at(1, Step::Iris));
    // By hand: a good frame stays live until the operator takes it.
    state.camera.session.set_automatic(false, Instant::now());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Perekaman iris kanan (1 dari 2)").is_ok());
    assert!(ui.find("Menyambungkan kamera iris…").is_ok());
    ui.click("Ambil [Spasi]")
        .expect("capture button (disabled: no frame yet)");
    ui.click("Pengecualian [E]").expect("exception button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(messages.as_slice(), [Message::OpenException]),
        "{messages:?}"
    );

    frame(&mut state, &f, Instant::now(), 0.0);
    let mut ui = simulator(state.view(&f.ctx));
    ui.click("Ambil [Spasi]").expect("capture button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(
            messages.as_slice(),
            [Message::Camera(capture::Message::Capture)]
        ),
        "{messages:?}"
    );

    send(&mut state, &f, cam(capture::Message::Capture));
    // The operator's take is a decision of its own, with the frame's scores.
    let pending = state.camera.session.pending();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].outcome, Outcome::Operator);
    assert!(pending[0].best.as_ref().is_some_and(|b| b.acceptable));
    let mut ui = simulator(state.view(&f.ctx));
    ui.click("Ulangi [R]").expect("retake");
    ui.click("Terima [Enter]").expect("accept");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(
            messages.as_slice(),
            [
                Message::Camera(capture::Message::Retake),
                Message::Camera(capture::Message::Save)
            ]
        ),
        "{messages:?}"
    );

    send(&mut state, &f, Message::OpenException);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Pengecualian untuk iris kanan").is_ok());
    ui.click(ExceptionKind::Injured.localize(Lang::Id).as_str())
        .expect("a kind");
    ui.click(id(REASON_ID)).expect("the reason field");
    let _ = ui.typewrite("perban");
    ui.click(tr_id("exception.save").as_str()).expect("save");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(
        messages.first(),
        Some(Message::Exception(exception::Message::Kind(
            ExceptionKind::Injured
        )))
    ));
    assert!(
        messages.iter().any(
            |m| matches!(m, Message::Exception(exception::Message::Reason(r)) if r == "perban")
        )
    );
    assert!(matches!(
        messages.last(),
        Some(Message::Exception(exception::Message::Save))
    ));
}

#[test]
fn keys_follow_the_phase_and_the_form() {
    let f = Fixture::new();
    let (mut state, _) = State::new(&f.ctx, f.request_at(1, Step::Iris));
    state.camera.session.set_automatic(false, Instant::now());
    let key = |s: &State, k: Key| s.shortcut(&k, Modifiers::empty()).map(|m| format!("{m:?}"));
    assert_eq!(
        key(&state, Key::Named(Named::Space)),
        Some("Camera(Capture)".into())
    );
    assert_eq!(
        key(&state, Key::Character("e".into())),
        Some("OpenException".into())
    );
    assert_eq!(key(&state, Key::Named(Named::Enter)), None);
    send(&mut state, &f, Message::OpenException);
    assert_eq!(
        key(&state, Key::Named(Named::ArrowDown)),
        Some("Exception(StepKind(1))".into())
    );
    assert_eq!(key(&state, Key::Named(Named::Space)), None);
    assert_eq!(
        key(&state, Key::Named(Named::Enter)),
        Some("Exception(Save)".into())
    );
    assert_eq!(
        key(&state, Key::Named(Named::Escape)),
        Some("Exception(Close)".into())
    );
    form(&mut state, &f, exception::Message::Close);
    frame(&mut state, &f, Instant::now(), 0.0);
    send(&mut state, &f, cam(capture::Message::Capture));
    assert_eq!(
        key(&state, Key::Named(Named::Enter)),
        Some("Camera(Save)".into())
    );
    assert_eq!(
        key(&state, Key::Character("R".into())),
        Some("Camera(Retake)".into())
    );
    assert_eq!(state.guide(&f.ctx).say, "Mohon tunggu sebentar");
    // In English too.
    let mut en = Fixture::new();
    en.ctx.tr = Tr(Lang::En);
    let (state, _) = State::new(&en.ctx, en.request_at(1, Step::Iris));
    let mut ui = simulator(state.view(&en.ctx));
    assert!(ui.find("Recording the right iris (1 of 2)").is_ok());
    assert!(ui.find("Exception [E]").is_ok());
}

#[test]
fn a_refused_exception_keeps_the_form_as_typed() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Iris);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    send(&mut state, &f, Message::OpenException);
    form(
        &mut state,
        &f,
        exception::Message::Kind(ExceptionKind::Other),
    );
    form(
        &mut state,
        &f,
        exception::Message::Reason("pemohon menolak".into()),
    );
    // Meanwhile the step was finished elsewhere: the store refuses the capture.
    store_eyes(&f, id, &POSITIONS, true);
    assert!(form(&mut state, &f, exception::Message::Save).is_none());
    let open = state.form.clone().expect("the form stays open");
    assert_eq!(open.reason, "pemohon menolak");
    assert_eq!(open.kind, ExceptionKind::Other);
    assert_eq!(state.position, 1);
    assert!(state.stored.iter().all(Option::is_none));
    let shown = state
        .camera
        .error
        .as_ref()
        .map(|e| e.text(Lang::Id))
        .unwrap_or_default();
    assert!(!shown.is_empty());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(shown.as_str()).is_ok(), "{shown}");
    assert!(
        ui.find("pemohon menolak").is_ok(),
        "the typed reason is kept"
    );
}

#[test]
fn a_refused_last_eye_keeps_its_still_and_stores_nothing() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Iris);
    let id = r.id;
    store_eyes(&f, id, &[1], false);
    let r = f.store(move |s| Ok(s.request(id)?.expect("request")));
    let (mut state, _) = State::new(&f.ctx, r);
    frame(&mut state, &f, Instant::now(), 0.0);
    assert!(matches!(state.camera.phase, Phase::Still(_)));
    // Meanwhile the request was deferred at another desk.
    let op = f.operator.clone();
    f.store(move |s| Ok(s.defer(&op, id, "listrik padam")?));
    assert!(send(&mut state, &f, cam(capture::Message::Save)).is_none());
    assert!(
        matches!(state.camera.phase, Phase::Still(_)),
        "the still stays"
    );
    assert!(state.camera.error.is_some());
    let kept = f.store(move |s| Ok(s.decisions(id)?));
    assert!(kept.is_empty(), "a refused attempt leaves no decision");
    let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
    assert_eq!(
        stored
            .captures
            .iter()
            .filter(|c| c.modality == Modality::Iris)
            .count(),
        1
    );
}

//! The face screen's tests: simulated frames through the real decoder, the gate and the
//! policy, stored through the capture session into a real store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::keyboard::key::Named;
use rekam_camera::{CameraConfig, FrameSource, SimOptions, SimulatedCamera};
use rekam_device::DeviceClass;

use super::*;
use crate::capture::policy::Outcome;
use crate::capture::session::Attempt;
use crate::lang::{Lang, Localize};
use crate::ui::db::Failure;
use crate::ui::device::{self, CameraUpdate, DeviceProblem, Link, Preview};
use crate::ui::screen::capture::Phase;
use crate::ui::screen::testing::{Fixture, settle, simulator};
use crate::workflow::{CaptureInput, Encoding, Modality, Step};

/// A preview as the camera subscription delivers it: a simulated frame of the applicant on
/// `background`, through the real decoder, mirrored.
fn preview(background: Background, sequence: u64, at: Instant) -> Preview {
    let options = SimOptions {
        loop_frames: Some(2),
        realtime: false,
        ..SimOptions::default()
    };
    let mut camera = SimulatedCamera::face(&CameraConfig::face(0), background, 7, options)
        .expect("simulated camera");
    let raw = camera.next_frame(Duration::from_secs(2)).expect("a frame");
    let frame = rekam_camera::Frame {
        rgb: Arc::new(rekam_camera::decode(&raw).expect("decoded")),
        sequence,
        captured_at: at,
        decode_time: Duration::ZERO,
        dropped: 0,
    };
    device::preview(&frame, true)
}

/// What the simulated face camera says when it opens, as the camera subscription delivers it.
fn connected() -> Message {
    let camera = SimulatedCamera::face(
        &CameraConfig::face(0),
        Background::Red,
        7,
        SimOptions::default(),
    )
    .expect("simulated camera");
    Message::Camera(CameraUpdate::Link(Link::Connected(camera.info())))
}

fn frame(state: &mut State, f: &Fixture, background: Background, n: u64, at: Instant) {
    // The camera says what it is before its first frame, as the worker does.
    assert!(settle(state, connected(), &f.ctx, State::update).is_none());
    let p = preview(background, n, at);
    let nav = settle(
        state,
        Message::Camera(CameraUpdate::Frame(p)),
        &f.ctx,
        State::update,
    );
    assert!(nav.is_none());
}

fn other(b: Background) -> Background {
    if b == Background::Red {
        Background::Blue
    } else {
        Background::Red
    }
}

fn recipes(state: &State, ctx: &Ctx) -> usize {
    iced_test::futures::subscription::into_recipes(state.subscription(ctx)).len()
}

#[test]
fn the_expected_background_follows_the_birth_year_in_the_nik() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let nik = r.nik.clone().expect("a NIK");
    let (state, _) = State::new(&f.ctx, r);
    let yy: i32 = nik[10..12].parse().expect("digits");
    let expected = if yy % 2 == 1 {
        Background::Red
    } else {
        Background::Blue
    };
    assert_eq!(state.expected, expected);
    assert_eq!(state.birth_year.map(|y| y % 100), Some(yy));
    // Even when the region code is unknown, the year digits decide.
    assert_eq!(birth_year("9999990101870001"), Some(1987));
    assert_eq!(birth_year("9999994101040001"), Some(2004));
    assert_eq!(birth_year("12345"), None);
    assert_eq!(person_seed(&nik), person_seed(&nik));
    assert_ne!(
        person_seed("3313010101870001"),
        person_seed("3313010101870002")
    );
}

#[test]
fn a_good_frame_is_taken_and_saved_as_a_jpeg_with_its_quality() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    state.camera.session.set_automatic(false, Instant::now());
    let bg = state.expected;
    assert_eq!(recipes(&state, &f.ctx), 1, "the camera runs while live");
    frame(&mut state, &f, bg, 1, Instant::now());
    let checks = state
        .camera
        .session
        .latest()
        .cloned()
        .expect("checked")
        .face;
    assert!(checks.assessment.acceptable, "{checks:?}");
    assert!(!state.camera.checking());
    assert!(matches!(state.camera.phase, Phase::Live));

    assert!(settle(&mut state, Message::Capture, &f.ctx, State::update).is_none());
    let Phase::Still(still) = &state.camera.phase else {
        panic!("expected a still, got {:?}", state.camera.phase);
    };
    let (w, h) = still.size;
    assert_eq!((w, h), (480, 640), "the token image");
    assert_eq!(recipes(&state, &f.ctx), 0, "the camera stops on the still");

    let nav = settle(&mut state, Message::Save, &f.ctx, State::update);
    assert!(matches!(nav, Some(Nav::Request(n)) if n == id), "{nav:?}");
    let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
    assert_eq!(stored.step, Step::Fingerprints);
    let face = stored
        .captures
        .iter()
        .find(|c| c.modality == Modality::Face)
        .expect("a face capture")
        .clone();
    assert_eq!(face.format, Some(Encoding::Jpeg));
    assert!(face.quality.is_some_and(|q| q > 40), "{face:?}");
    assert_eq!(face.position, 0);
    // The operator's own decision is kept with the frame's scores.
    let kept = f.store(move |s| Ok(s.decisions(id)?));
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].outcome, Outcome::Operator);
    assert_eq!(kept[0].score, face.quality);
    assert_eq!(kept[0].findings.len(), 12);
    let bytes = f.store(move |s| Ok(s.capture_bytes(face.id)?));
    let photo =
        ::image::load_from_memory_with_format(&bytes, ::image::ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!((photo.width(), photo.height()), (w, h));
}

#[test]
fn a_passing_frame_is_taken_by_itself_unless_automatic_is_off() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let id = r.id;
    let t0 = Instant::now();
    let times = [0, 500, 1100].map(|ms| t0 + Duration::from_millis(ms));

    let (mut state, _) = State::new(&f.ctx, r.clone());
    let bg = state.expected;
    frame(&mut state, &f, bg, 0, times[0]);
    let Phase::Still(still) = &state.camera.phase else {
        panic!("not taken: {:?}", state.camera.phase);
    };
    assert!(!still.settled());
    assert_eq!(state.camera.session.pending().len(), 1);
    assert_eq!(state.camera.session.pending()[0].outcome, Outcome::Accepted);
    settle(&mut state, Message::Save, &f.ctx, State::update);
    let kept = f.store(move |s| Ok(s.decisions(id)?));
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].outcome, Outcome::Accepted);
    assert!(kept[0].acceptable == Some(true));

    let (mut state, _) = State::new(&f.ctx, f.request_at(2, Step::Face));
    state.update(Message::ToggleAuto, &f.ctx);
    assert!(!state.camera.session.automatic());
    let bg = state.expected;
    for (n, at) in times.iter().enumerate() {
        frame(&mut state, &f, bg, n as u64, *at);
    }
    assert!(matches!(state.camera.phase, Phase::Live));
    assert!(
        state
            .camera
            .session
            .latest_assessment()
            .is_some_and(|a| a.acceptable)
    );
    assert!(state.camera.session.pending().is_empty());
    // The frame rate comes from the frames' times: 2 intervals in 1.1 s.
    let fps = state.camera.frame_rate().expect("a rate");
    assert!((fps - 2.0 / 1.1).abs() < 0.01, "{fps}");
}

#[test]
fn timed_out_attempts_retry_then_the_best_is_kept_with_a_note_and_every_decision_stored() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    let wrong = other(state.expected);
    let limits = state.camera.session.limits();
    let step = Duration::from_secs(u64::from(limits.timeout_secs));
    let t0 = Instant::now();
    frame(&mut state, &f, wrong, 0, t0);
    frame(&mut state, &f, wrong, 1, t0 + step);
    assert!(matches!(state.camera.phase, Phase::Live));
    assert_eq!(state.camera.session.attempt_number(), 2);
    let mut ui = simulator(state.view(&f.ctx));
    let banner = format!(
        "Percobaan 2 dari {}. Sebelumnya: Latar ",
        limits.max_attempts
    );
    let shown = state
        .camera
        .session
        .retry()
        .and_then(|d| d.best.as_ref())
        .and_then(|b| b.first_problem(Lang::Id))
        .map(str::to_owned)
        .expect("a problem");
    assert!(shown.starts_with("Latar "), "{shown}");
    assert!(
        ui.find(format!("{banner}{}", &shown["Latar ".len()..]))
            .is_ok()
    );
    drop(ui);
    for n in 2..=u64::from(limits.max_attempts) {
        frame(&mut state, &f, wrong, n, t0 + step * n as u32);
    }
    let Phase::Still(still) = &state.camera.phase else {
        panic!("not settled: {:?}", state.camera.phase);
    };
    assert!(still.settled());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(tr_id("face.settled")).is_ok());
    drop(ui);
    settle(&mut state, Message::Save, &f.ctx, State::update);
    let kept = f.store(move |s| Ok(s.decisions(id)?));
    let outcomes: Vec<Outcome> = kept.iter().map(|d| d.outcome).collect();
    let mut expected = vec![Outcome::Retry; usize::from(limits.max_attempts) - 1];
    expected.push(Outcome::BestOfAttempts);
    assert_eq!(outcomes, expected);
    assert!(kept.iter().all(|d| {
        d.acceptable == Some(false)
            && d.findings
                .iter()
                .any(|f| f.check == "background_colour" && !f.pass)
    }));
    let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
    assert!(
        stored
            .captures
            .iter()
            .any(|c| c.modality == Modality::Face && c.quality.is_some_and(|q| q <= 40))
    );
}

fn tr_id(key: &str) -> String {
    Tr(Lang::Id).t(key)
}

#[test]
fn the_wrong_background_fails_is_not_taken_by_itself_and_warns_on_the_still() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let (mut state, _) = State::new(&f.ctx, r);
    let wrong = other(state.expected);
    let t0 = Instant::now();
    for n in 0..3u64 {
        frame(
            &mut state,
            &f,
            wrong,
            n,
            t0 + Duration::from_millis(700 * n),
        );
    }
    assert!(matches!(state.camera.phase, Phase::Live));
    let checks = state
        .camera
        .session
        .latest()
        .cloned()
        .expect("checked")
        .face;
    assert!(!checks.assessment.acceptable);
    assert_eq!(checks.background_seen, Some(wrong));
    let failing: Vec<&str> = checks
        .assessment
        .failures()
        .map(|f| f.check.as_str())
        .collect();
    assert_eq!(failing, ["background_colour"]);

    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Belum sesuai").is_ok());
    let seen = match wrong {
        Background::Red => "Latar yang terlihat: merah",
        _ => "Latar yang terlihat: biru",
    };
    assert!(ui.find(seen).is_ok());
    drop(ui);

    // The operator may still take it, and is told that not every check passed.
    settle(&mut state, Message::Capture, &f.ctx, State::update);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(
        ui.find(
            "Tidak semua pemeriksaan sesuai. Simpan hanya bila foto memang layak, atau ulangi."
        )
        .is_ok()
    );
}

#[test]
fn retake_goes_back_to_the_live_camera_and_stores_nothing() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    let bg = state.expected;
    frame(&mut state, &f, bg, 1, Instant::now());
    settle(&mut state, Message::Capture, &f.ctx, State::update);
    assert!(matches!(state.camera.phase, Phase::Still(_)));
    assert_eq!(
        state
            .shortcut(&Key::Character("r".into()), Modifiers::empty())
            .map(|m| format!("{m:?}")),
        Some("Retake".into())
    );
    settle(&mut state, Message::Retake, &f.ctx, State::update);
    assert!(matches!(state.camera.phase, Phase::Live));
    assert!(state.camera.preview.is_none() && state.camera.session.latest().is_none());
    assert_eq!(recipes(&state, &f.ctx), 1);
    let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
    assert_eq!(stored.step, Step::Face);
    assert!(stored.captures.iter().all(|c| c.modality != Modality::Face));
    // Frames of the closed camera that arrive late do not bring the still back.
    settle(
        &mut state,
        Message::Cut(Err(Failure::internal("late"))),
        &f.ctx,
        State::update,
    );
    assert!(matches!(state.camera.phase, Phase::Live) && state.camera.error.is_none());
}

#[test]
fn a_refused_save_keeps_the_still_and_says_why() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let id = r.id;
    let (mut state, _) = State::new(&f.ctx, r);
    let bg = state.expected;
    frame(&mut state, &f, bg, 1, Instant::now());
    settle(&mut state, Message::Capture, &f.ctx, State::update);
    // Meanwhile the face step was completed elsewhere (another window, a resumed request).
    let op = f.operator.clone();
    f.store(move |s| {
        let input = CaptureInput {
            modality: Modality::Face,
            position: 0,
            content: crate::ui::screen::testing::sample(Modality::Face),
        };
        s.record_attempt(
            &op,
            &Attempt::of(id, Modality::Face, vec![input])
                .from_device(crate::domain::Provenance::simulator("test camera"))
                .finishing(),
        )?;
        Ok(())
    });
    let nav = settle(&mut state, Message::Save, &f.ctx, State::update);
    assert!(nav.is_none());
    assert!(matches!(state.camera.phase, Phase::Still(_)));
    let shown = state
        .camera
        .error
        .as_ref()
        .map(|e| e.text(Lang::Id))
        .unwrap_or_default();
    assert!(!shown.is_empty());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(shown.as_str()).is_ok(), "{shown}");
}

#[test]
fn the_view_shows_the_rule_the_checks_and_the_keys() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let (mut state, _) = State::new(&f.ctx, r);
    state.camera.session.set_automatic(false, Instant::now());
    let year = state.birth_year.expect("a year");
    let rule = match state.expected {
        Background::Red => format!("Latar merah (tahun lahir ganjil: {year})"),
        _ => format!("Latar biru (tahun lahir genap: {year})"),
    };
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(rule.as_str()).is_ok(), "{rule}");
    assert!(ui.find("Menyambungkan kamera wajah…").is_ok());
    // No frame yet: the capture button is there but does nothing.
    ui.click("Ambil foto [Spasi]").expect("capture button");
    ui.click("Otomatis [A]").expect("auto toggle");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(messages.as_slice(), [Message::ToggleAuto]),
        "{messages:?}"
    );

    let bg = state.expected;
    state.update(
        Message::Camera(CameraUpdate::Link(Link::Connected(
            rekam_device::DeviceInfo {
                class: DeviceClass::FaceCamera,
                backend: rekam_device::Backend::Simulated,
                model: "Rekam simulated face camera".into(),
                location: "simulated camera 0".into(),
                details: vec![],
            },
        ))),
        &f.ctx,
    );
    frame(&mut state, &f, bg, 1, Instant::now());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(
        ui.find("Kamera: Rekam simulated face camera · - bingkai/detik")
            .is_ok()
    );
    assert!(ui.find("Satu wajah terlihat.").is_ok());
    assert!(ui.find("Mutu foto: ").is_err(), "exact text only");
    let quality = state
        .camera
        .session
        .latest_assessment()
        .map(|a| a.score)
        .unwrap_or_default();
    assert!(ui.find(format!("Mutu foto: {quality} dari 100")).is_ok());
    ui.click("Ambil foto [Spasi]").expect("capture button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(messages.as_slice(), [Message::Capture]),
        "{messages:?}"
    );

    settle(&mut state, Message::Capture, &f.ctx, State::update);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Kamera dimatikan selama foto ditinjau.").is_ok());
    ui.click("Ulangi [R]").expect("retake button");
    ui.click("Simpan [Enter]").expect("save button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(messages.as_slice(), [Message::Retake, Message::Save]),
        "{messages:?}"
    );
    let guide = state.guide(&f.ctx);
    assert_eq!(guide.say, "Terima kasih, foto sudah diambil");
}

#[test]
fn a_camera_problem_is_shown_where_the_operator_looks() {
    let f = Fixture::new();
    let r = f.request_at(1, Step::Face);
    let (mut state, _) = State::new(&f.ctx, r);
    let problem = DeviceProblem {
        class: DeviceClass::FaceCamera,
        detail: "No such device (os error 19)".into(),
    };
    state.update(
        Message::Camera(CameraUpdate::Problem(problem.clone())),
        &f.ctx,
    );
    state.update(
        Message::Camera(CameraUpdate::Link(Link::Lost("unplugged".into()))),
        &f.ctx,
    );
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(problem.localize(Lang::Id)).is_ok());
    assert!(
        ui.find("Kamera wajah terputus (unplugged). Menyambung kembali…")
            .is_ok()
    );
    // The applicant is asked to look at the camera, in English when the station is.
    let mut en = Fixture::new();
    en.ctx.tr = Tr(Lang::En);
    let (state, _) = State::new(&en.ctx, en.request_at(1, Step::Face));
    assert_eq!(state.guide(&en.ctx).say, "Look at the camera");
    let mut ui = simulator(state.view(&en.ctx));
    assert!(ui.find("Take photo [Space]").is_ok());
}

#[test]
fn keys_follow_the_phase() {
    let f = Fixture::new();
    let (mut state, _) = State::new(&f.ctx, f.request_at(1, Step::Face));
    let key = |s: &State, k: Key| s.shortcut(&k, Modifiers::empty()).map(|m| format!("{m:?}"));
    assert_eq!(
        key(&state, Key::Named(Named::Space)),
        Some("Capture".into())
    );
    assert_eq!(key(&state, Key::Named(Named::Enter)), None);
    assert_eq!(
        key(&state, Key::Character("a".into())),
        Some("ToggleAuto".into())
    );
    let bg = state.expected;
    frame(&mut state, &f, bg, 1, Instant::now());
    settle(&mut state, Message::Capture, &f.ctx, State::update);
    assert_eq!(key(&state, Key::Named(Named::Space)), None);
    assert_eq!(key(&state, Key::Named(Named::Enter)), Some("Save".into()));
    assert_eq!(
        key(&state, Key::Named(Named::Escape)),
        Some("Retake".into())
    );
}

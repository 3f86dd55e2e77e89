//! Tests of the fingerprint screen: through `update` with the simulated scanner's captures,
//! and through its view.

use super::view::notice_text;
use super::*;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, OnceLock};

use rekam_fingerprint::Capture;

use rekam_fingerprint::Scanner;
use rekam_fingerprint::sim::{SimConfig, SimDevice};
use rekam_fingerprint::synth::SyntheticPerson;

use crate::capture::finger::{self, GOOD_ENOUGH};
use crate::ui::screen::testing::{Fixture, settle, simulator};
use crate::ui::widget::exception::Message as Exception;
use crate::workflow::Step;

fn person() -> Arc<SyntheticPerson> {
    static P: OnceLock<Arc<SyntheticPerson>> = OnceLock::new();
    P.get_or_init(|| Arc::new(SyntheticPerson::new(5))).clone()
}

/// A capture in `mode` from the simulated scanner through the real driver (impression `n`).
fn capture(mode: CaptureMode, n: u64) -> Capture {
    let device = SimDevice::new(SimConfig {
        person_seed: 5,
        impression_seed: n,
        ..SimConfig::fast()
    })
    .with_person(person());
    let mut scanner = Scanner::open(device.open().expect("plugged")).expect("opens");
    scanner
        .capture(mode, Duration::from_secs(5))
        .expect("captures")
}

/// `capture` with the regions of `fingers` blurred beyond use (a smeared press).
fn smeared(mut c: Capture, fingers: &[Finger]) -> Capture {
    let img = finger::capture_image(&c).expect("image");
    let crops = finger::segment(&img, c.mode, &c.mode.fingers()).expect("segments");
    let mut out = img.clone();
    for crop in crops.iter().filter(|k| fingers.contains(&k.finger)) {
        let blurred = ::image::imageops::blur(&crop.image, 4.0);
        ::image::imageops::replace(&mut out, &blurred, i64::from(crop.x), i64::from(crop.y));
    }
    c.pixels = out.into_raw();
    c
}

fn image_message(c: Capture) -> Message {
    Message::Scanner(ScanUpdate::Event(ScanEvent::Image(Arc::new(c))))
}

fn ready(f: &Fixture, s: &mut State) -> Receiver<ScanCommand> {
    // The scanner says what it is when it opens, before it is ready for commands.
    let device = SimDevice::new(SimConfig::fast()).with_person(person());
    let info = Scanner::open(device.open().expect("plugged"))
        .expect("opens")
        .device_info();
    settle(
        s,
        Message::Scanner(ScanUpdate::Link(Link::Connected(info))),
        &f.ctx,
        State::update,
    );
    let (tx, rx) = channel();
    settle(
        s,
        Message::Scanner(ScanUpdate::Ready(tx)),
        &f.ctx,
        State::update,
    );
    rx
}

fn asked(rx: &Receiver<ScanCommand>) -> Option<CaptureMode> {
    match rx.try_recv() {
        Ok(ScanCommand::Capture { mode, .. }) => Some(mode),
        _ => None,
    }
}

fn go(f: &Fixture, s: &mut State, m: Message) -> Option<Nav> {
    settle(s, m, &f.ctx, State::update)
}

#[test]
fn three_slaps_with_one_finger_excepted_reach_the_iris_step() {
    let f = Fixture::new();
    let request = f.request_at(1, Step::Fingerprints);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    let rx = ready(&f, &mut s);
    assert_eq!(asked(&rx), Some(CaptureMode::SlapRight), "starts by itself");

    // The right ring finger is bandaged: an exception with its reason.
    go(&f, &mut s, Message::Select(4));
    go(&f, &mut s, Message::OpenException);
    go(&f, &mut s, Message::Exception(Exception::StepKind(1)));
    go(
        &f,
        &mut s,
        Message::Exception(Exception::Reason("luka diperban".into())),
    );
    assert!(go(&f, &mut s, Message::Exception(Exception::Save)).is_none());
    assert!(s.form.is_none());
    assert_eq!(
        s.expected(),
        [Finger::RightIndex, Finger::RightMiddle, Finger::RightLittle]
    );

    // The slap (the simulated applicant lays all four anyway): three prints stored.
    go(
        &f,
        &mut s,
        image_message(capture(CaptureMode::SlapRight, 1)),
    );
    assert!(s.notice.is_none(), "{:?}", s.notice);
    let shots: Vec<u8> = s.attempts[0].iter().map(|x| x.position).collect();
    assert_eq!(shots, [2, 3, 5]);
    go(&f, &mut s, Message::Accept);
    assert_eq!(
        asked(&rx),
        Some(CaptureMode::SlapLeft),
        "the next slap starts"
    );

    go(&f, &mut s, image_message(capture(CaptureMode::SlapLeft, 2)));
    go(&f, &mut s, Message::Accept);
    assert_eq!(asked(&rx), Some(CaptureMode::TwoThumbs));

    go(
        &f,
        &mut s,
        image_message(capture(CaptureMode::TwoThumbs, 3)),
    );
    let nav = go(&f, &mut s, Message::Accept);
    assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");

    let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
    assert_eq!(stored.step, Step::Iris);
    let fingers: Vec<_> = stored
        .captures
        .iter()
        .filter(|c| c.modality == Modality::Finger)
        .collect();
    assert_eq!(fingers.len(), 10);
    for c in &fingers {
        if c.position == 4 {
            assert_eq!(c.exception, Some(ExceptionKind::Injured));
            assert_eq!(c.exception_reason.as_deref(), Some("luka diperban"));
        } else {
            assert_eq!(
                c.format,
                Some(crate::workflow::Encoding::Png),
                "{}",
                c.position
            );
            assert!(c.quality.is_some_and(|q| q >= GOOD_ENOUGH), "{c:?}");
        }
    }
    // Each stored print is a PNG of one finger.
    let index = fingers
        .iter()
        .find(|c| c.position == 7)
        .map(|c| c.id)
        .expect("left index");
    let png = f.store(move |st| Ok(st.capture_bytes(index)?));
    let img = ::image::load_from_memory(&png).expect("png").into_luma8();
    assert!((150..=520).contains(&img.width()), "{}", img.width());
}

#[test]
fn after_three_attempts_each_finger_keeps_its_best() {
    let f = Fixture::new();
    let request = f.request_at(2, Step::Fingerprints);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    let rx = ready(&f, &mut s);
    assert_eq!(asked(&rx), Some(CaptureMode::SlapRight));

    let mode = CaptureMode::SlapRight;
    // 1: the index smeared; 2: the little finger smeared; 3: everything smeared.
    go(
        &f,
        &mut s,
        image_message(smeared(capture(mode, 11), &[Finger::RightIndex])),
    );
    go(&f, &mut s, Message::Scan);
    assert_eq!(asked(&rx), Some(mode), "retry asks the scanner again");
    go(
        &f,
        &mut s,
        image_message(smeared(capture(mode, 12), &[Finger::RightLittle])),
    );
    go(&f, &mut s, Message::Scan);
    assert_eq!(asked(&rx), Some(mode));
    go(
        &f,
        &mut s,
        image_message(smeared(capture(mode, 13), &mode.fingers())),
    );
    assert_eq!(s.attempts.len(), s.max_attempts());
    // Each attempt's decision is kept with its gate's scores; smeared fingers are no passing
    // slap, so the last is the best of the attempts. Nothing is stored before the slap is.
    use crate::capture::policy::Outcome;
    let pending: Vec<_> = s
        .session
        .as_ref()
        .map(|x| x.pending().iter().map(|d| d.outcome).collect())
        .unwrap_or_default();
    assert_eq!(
        pending,
        [Outcome::Retry, Outcome::Retry, Outcome::BestOfAttempts]
    );
    assert!(f.store(move |st| Ok(st.decisions(id)?)).is_empty());
    // The limit: no fourth scan.
    go(&f, &mut s, Message::Scan);
    assert_eq!(asked(&rx), None);
    assert!(!s.can_scan());

    let (_, index_from) = s.best(2).expect("index");
    let (_, little_from) = s.best(5).expect("little");
    assert_eq!((index_from, little_from), (2, 1));
    let best: Vec<(u8, u8, usize)> = (2..=5)
        .map(|p| {
            let (shot, attempt) = s.best(p).expect("shot");
            (p, shot.quality, attempt)
        })
        .collect();
    assert!(best.iter().all(|(_, _, a)| *a != 3), "{best:?}");

    go(&f, &mut s, Message::Accept);
    assert_eq!(asked(&rx), Some(CaptureMode::SlapLeft));
    let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
    for (position, quality, _) in best {
        let c = stored
            .captures
            .iter()
            .find(|c| c.modality == Modality::Finger && c.position == position)
            .expect("current capture");
        assert_eq!(c.quality, Some(quality), "finger {position}");
    }
    // Only each finger's best print is stored; every attempt's decision with it.
    let prints = f.store(move |st| {
        Ok(st.conn().query_row(
            "SELECT COUNT(*) FROM captures WHERE request_id = ?1 AND modality = 'finger'",
            [id],
            |r| r.get::<_, i64>(0),
        )?)
    });
    assert_eq!(prints, 4);
    let kept = f.store(move |st| Ok(st.decisions(id)?));
    let outcomes: Vec<_> = kept.iter().map(|d| d.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Retry, Outcome::Retry, Outcome::BestOfAttempts],
        "{kept:?}"
    );
    assert!(kept.iter().all(|d| d.position == 2 && d.score.is_some()));
}

#[test]
fn an_exception_needs_a_reason_and_problems_say_what_to_do() {
    let f = Fixture::new();
    let request = f.request_at(3, Step::Fingerprints);
    let id = request.id;
    let (mut s, _) = State::new(&f.ctx, request);
    let rx = ready(&f, &mut s);
    assert_eq!(asked(&rx), Some(CaptureMode::SlapRight));

    go(&f, &mut s, Message::Select(7));
    go(&f, &mut s, Message::OpenException);
    go(
        &f,
        &mut s,
        Message::Exception(Exception::Reason("   ".into())),
    );
    go(&f, &mut s, Message::Exception(Exception::Save));
    assert!(s.form.as_ref().is_some_and(|f| f.form.missing_reason));
    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find("Alasan wajib diisi.").is_ok());
    assert!(ui.find("Pengecualian untuk telunjuk kiri").is_ok());
    drop(ui);
    go(&f, &mut s, Message::Exception(Exception::Close));
    let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
    assert!(
        stored
            .captures
            .iter()
            .all(|c| c.modality != Modality::Finger)
    );

    // Nobody put a finger down: the scanner's timeout (a status, not a device error), said
    // with what to do; Space again.
    go(
        &f,
        &mut s,
        Message::Scanner(ScanUpdate::Event(ScanEvent::NoFinger)),
    );
    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find(f.ctx.tr.t("fingers.no_finger")).is_ok());
    drop(ui);
    go(&f, &mut s, Message::Scan);
    assert_eq!(asked(&rx), Some(CaptureMode::SlapRight));

    // An image without the fingers: not an attempt, and the operator is told.
    let blank = Capture {
        mode: CaptureMode::SlapRight,
        width: 1600,
        height: 1500,
        ppi: 500,
        pixels: vec![255; 1600 * 1500],
        image_id: 9,
    };
    go(&f, &mut s, image_message(blank));
    assert!(
        s.attempts.len() == 1 && s.attempts[0].is_empty(),
        "an attempt without fingers"
    );
    let shown = s
        .notice
        .as_ref()
        .map(|n| notice_text(n, &f.ctx))
        .unwrap_or_default();
    assert!(shown.starts_with("Kaca pemindai kosong"), "{shown}");
    // The policy's decision about it is kept for the slap, with the check that failed.
    let session = s.session.as_ref().expect("the slap's session");
    let kept = session.pending();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].outcome, crate::capture::policy::Outcome::Retry);
    assert_eq!(
        (kept[0].modality, session.position()),
        (Modality::Finger, 2)
    );
    assert!(kept[0].best.as_ref().is_some_and(|b| {
        b.findings
            .iter()
            .any(|f| f.check == "platen_empty" && !f.pass)
    }));

    // The scanner unplugged: the banner says which device and what to do.
    go(
        &f,
        &mut s,
        Message::Scanner(ScanUpdate::Link(Link::Lost("unplugged".into()))),
    );
    let shown = s
        .notice
        .as_ref()
        .map(|n| notice_text(n, &f.ctx))
        .unwrap_or_default();
    assert!(shown.contains("kabel USB pemindai"), "{shown}");
}

#[test]
fn a_slap_whose_fingers_are_all_excepted_is_skipped() {
    let f = Fixture::new();
    let request = f.request_at(4, Step::Fingerprints);
    let (mut s, _) = State::new(&f.ctx, request);
    let rx = ready(&f, &mut s);
    assert_eq!(asked(&rx), Some(CaptureMode::SlapRight));
    for p in [2, 3, 4, 5] {
        go(&f, &mut s, Message::Select(p));
        go(&f, &mut s, Message::OpenException);
        go(
            &f,
            &mut s,
            Message::Exception(Exception::Reason("amputasi".into())),
        );
        go(&f, &mut s, Message::Exception(Exception::Save));
    }
    assert_eq!(s.mode(), Some(CaptureMode::SlapLeft));
    // The right slap's capture under way is cancelled, the left one asked for.
    assert_eq!(rx.try_recv(), Ok(ScanCommand::Cancel));
    assert_eq!(asked(&rx), Some(CaptureMode::SlapLeft));
    assert_eq!(s.guide(&f.ctx).say, "Letakkan empat jari tangan kiri");
}

#[test]
fn the_view_shows_the_slap_the_hands_and_the_buttons_by_their_keys() {
    let f = Fixture::new();
    let request = f.request_at(5, Step::Fingerprints);
    let (mut s, _) = State::new(&f.ctx, request);
    {
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find("Langkah 1 dari 3: empat jari tangan kanan").is_ok());
        assert!(ui.find("Menyambungkan pemindai sidik jari…").is_ok());
        assert!(ui.find(iced_test::selector::id("fingers-hands")).is_ok());
        assert!(ui.find("Pindai [Spasi]").is_ok());
        ui.click("[3] jari tengah").expect("finger chip");
        ui.click("Pengecualian telunjuk kanan [E]")
            .expect("exception button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages[0], Message::Select(3)));
        assert!(matches!(messages[1], Message::OpenException));
    }
    let _rx = ready(&f, &mut s);
    go(
        &f,
        &mut s,
        image_message(capture(CaptureMode::SlapRight, 21)),
    );
    let mut ui = simulator(s.view(&f.ctx));
    assert!(ui.find("Ulangi [R] (sisa 2)").is_ok());
    assert!(ui.find("telunjuk kanan").is_ok(), "the crop's name");
    ui.click("Terima [Enter]").expect("accept");
    ui.click("Ulangi [R] (sisa 2)").expect("retry");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages[0], Message::Accept));
    assert!(matches!(messages[1], Message::Scan));
    // The applicant is told which fingers, and sees them.
    let guide = s.guide(&f.ctx);
    assert_eq!(guide.say, "Letakkan empat jari tangan kanan");
    assert!(matches!(guide.show, Show::Fingers(ref p) if *p == [2, 3, 4, 5]));
    // Keys: digits choose fingers, 0 is the left little finger.
    let key = |c: &str| s.shortcut(&Key::Character(c.into()), Modifiers::empty());
    assert!(matches!(key("0"), Some(Message::Select(10))));
    assert!(matches!(key("r"), Some(Message::Scan)));
    assert!(matches!(key("e"), Some(Message::OpenException)));
}

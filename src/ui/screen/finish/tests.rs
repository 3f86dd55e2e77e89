//! Tests of `finish`.

use super::*;
use crate::ui::screen::testing::{Fixture, run, settle, simulator, today};
use crate::workflow::{ExceptionKind, Modality};

/// The finish screen opened on `request`, with its proof made and saved.
fn open(f: &Fixture, request: RequestView) -> State {
    let (mut state, task) = State::new(&f.ctx, request);
    for m in run(task) {
        assert!(settle(&mut state, m, &f.ctx, State::update).is_none());
    }
    state
}

fn step_of(f: &Fixture, id: i64) -> Step {
    f.store(move |s| Ok(s.request(id)?.map(|r| r.step)))
        .expect("request")
}

#[test]
fn the_proof_is_saved_as_pdf_as_soon_as_the_screen_opens() {
    let f = Fixture::new();
    let request = f.request_at(1, Step::Recorded);
    let register = request.register_number.clone().expect("register number");
    let state = open(&f, request.clone());
    let expected = f
        .ctx
        .paths
        .data_dir
        .join("proofs")
        .join(format!("{register}.pdf"));
    assert_eq!(state.making, Making::Saved(expected.clone()));
    let bytes = std::fs::read(&expected).expect("the PDF was written");
    assert!(bytes.starts_with(b"%PDF"));
    let proof = state.proof.as_ref().expect("proof");
    assert_eq!(proof.register_number, register);
    assert_eq!(Some(&proof.nik), request.nik.as_ref());
    assert_eq!(proof.operator, "Budi Santoso");
    assert_eq!(proof.station_id, "01");
    assert_eq!(proof.kecamatan_code, "331301");
    assert_eq!(proof.ticket, "A-001");
    assert_eq!(
        proof.recorded_at,
        today().and_hms_opt(9, 0, 0).expect("time")
    );
    assert!(proof.exceptions.is_empty());
    assert!(state.qr.is_some());
}

#[test]
fn handing_over_archives_the_file_and_returns_to_the_queue() {
    let f = Fixture::new();
    let request = f.request_at(1, Step::Recorded);
    let id = request.id;
    let mut state = open(&f, request);
    assert!(matches!(
        settle(&mut state, Message::HandOver, &f.ctx, State::update),
        Some(Nav::Queue)
    ));
    assert_eq!(step_of(&f, id), Step::Archived);
}

#[test]
fn a_proof_already_handed_over_is_only_archived() {
    let f = Fixture::new();
    let id = f.request_at(2, Step::Recorded).id;
    let op = f.operator.clone();
    let request = f.store(move |s| {
        s.hand_over_proof(&op, id)?;
        Ok(s.request(id)?.expect("request"))
    });
    let mut state = open(&f, request);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Arsipkan berkas dan selesai [Enter]").is_ok());
    drop(ui);
    assert!(matches!(
        settle(&mut state, Message::HandOver, &f.ctx, State::update),
        Some(Nav::Queue)
    ));
    assert_eq!(step_of(&f, id), Step::Archived);
    // Finishing again is refused by the workflow, and the screen says so.
    assert!(settle(&mut state, Message::HandOver, &f.ctx, State::update).is_none());
    assert!(state.error.is_some() && !state.busy);
}

#[test]
fn exceptions_are_listed_in_the_operators_language() {
    let f = Fixture::new();
    let mut request = f.request_at(3, Step::Recorded);
    if let Some(c) = request
        .captures
        .iter_mut()
        .find(|c| c.modality == Modality::Finger && c.position == 10)
    {
        c.format = None;
        c.exception = Some(ExceptionKind::Injured);
        c.exception_reason = Some("jari diperban".into());
    }
    let station = f.ctx.db().expect("db").station().clone();
    let at = today().and_hms_opt(10, 30, 0).expect("time");
    let p = proof(&request, &station, "Budi", at, f.ctx.tr);
    assert_eq!(
        p.exceptions,
        vec!["kelingking kiri: cedera (sementara), alasan: jari diperban"]
    );
    let en = proof(&request, &station, "Budi", at, Tr(crate::Lang::En));
    assert_eq!(
        en.exceptions,
        vec!["left little: injured (temporary), reason: jari diperban"]
    );
    assert_eq!(
        en.service,
        request
            .service_type
            .expect("service")
            .localize(crate::Lang::En)
    );
}

#[test]
fn a_failed_save_says_why_and_saves_again_on_request() {
    let f = Fixture::new();
    // A file where the proofs directory should be: the save cannot succeed.
    let blocker = f.ctx.paths.data_dir.join("proofs");
    std::fs::write(&blocker, b"not a directory").expect("blocker");
    let request = f.request_at(1, Step::Recorded);
    let mut state = open(&f, request);
    assert!(matches!(state.making, Making::SaveFailed(_)));
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Coba lagi [S]").is_ok());
    ui.click("Coba lagi [S]").expect("retry button");
    assert!(matches!(ui.into_messages().last(), Some(Message::Retry)));
    std::fs::remove_file(&blocker).expect("remove blocker");
    assert!(settle(&mut state, Message::Retry, &f.ctx, State::update).is_none());
    assert!(matches!(&state.making, Making::Saved(p) if p.exists()));
}

#[test]
fn printing_without_a_print_system_shows_the_error_and_the_path() {
    if crate::print::find_on_path("lp").is_some() {
        // A real printer here: do not print from a test.
        return;
    }
    let f = Fixture::new();
    let request = f.request_at(1, Step::Recorded);
    let mut state = open(&f, request);
    assert!(settle(&mut state, Message::Print, &f.ctx, State::update).is_none());
    let Printing::Failed(e) = &state.printing else {
        panic!("expected a print failure, got {:?}", state.printing);
    };
    assert!(e.text(crate::Lang::Id).contains("CUPS"));
    let Making::Saved(path) = &state.making else {
        panic!("saved");
    };
    let shown = format!(
        "{} Berkas PDF dapat dicetak dari komputer lain: {}",
        e.text(crate::Lang::Id),
        path.display()
    );
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(shown.as_str()).is_ok());
}

#[test]
fn the_view_shows_the_proof_and_its_buttons_by_label() {
    let f = Fixture::new();
    let request = f.request_at(1, Step::Recorded);
    let register = request.register_number.clone().expect("register number");
    let state = open(&f, request);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Bukti perekaman KTP-el").is_ok());
    assert!(ui.find(register.as_str()).is_ok());
    assert!(ui.find("Budi Santoso").is_ok());
    let station = f.ctx.db().expect("db").station().clone();
    let place = format!("Kecamatan {} (331301), stasiun 01", station.kecamatan_name);
    assert!(ui.find(place.as_str()).is_ok());
    ui.click("Cetak [P]").expect("print button");
    ui.click("Serahkan bukti dan selesai [Enter]")
        .expect("hand-over button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.first(), Some(Message::Print)));
    assert!(matches!(messages.last(), Some(Message::HandOver)));
    // While the proof is being made, printing is not offered yet.
    let (state, _task) = State::new(&f.ctx, f.request_at(2, Step::Recorded));
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Menyiapkan bukti perekaman…").is_ok());
    ui.click("Cetak [P]").expect("print button is there");
    assert!(ui.into_messages().next().is_none(), "but disabled");
}

#[test]
fn keys_and_the_applicant_guide() {
    let f = Fixture::new();
    let (state, _task) = State::new(&f.ctx, f.request_at(1, Step::Recorded));
    let none = Modifiers::default();
    assert!(matches!(
        state.shortcut(&Key::Character("p".into()), none),
        Some(Message::Print)
    ));
    assert!(matches!(
        state.shortcut(&Key::Named(Named::Enter), none),
        Some(Message::HandOver)
    ));
    let guide = state.guide(&f.ctx);
    assert!(matches!(guide.show, Show::Satisfaction(None)));
    assert_eq!(
        guide.say,
        "Terima kasih, perekaman KTP-el Anda sudah selesai"
    );
}

//! Tests of the intake screen: through `update` with the real store, and through its view.

use super::*;
use crate::lang::Lang;
use crate::ui::i18n::Tr;
use crate::ui::screen::testing::{Fixture, KECAMATAN, run, settle, simulator, today};
use iced::keyboard::key::Named;
use iced_test::selector::id;

/// The screen for applicant `n`'s request at `step`, loaded as the root would open it.
fn open(f: &Fixture, n: u32, step: Step) -> State {
    let request = f.request_at(n, step);
    let (mut state, task) = State::new(&f.ctx, request);
    for m in run(task) {
        assert!(settle(&mut state, m, &f.ctx, State::update).is_none());
    }
    state
}

fn step_of(f: &Fixture, id: i64) -> RequestView {
    f.store(move |s| {
        s.request(id)?
            .ok_or_else(|| anyhow::anyhow!("request {id} is gone"))
    })
}

/// Whether the screen's view shows exactly `text` somewhere.
fn shows(state: &State, ctx: &Ctx, text: &str) -> bool {
    simulator(state.view(ctx)).find(text).is_ok()
}

fn notice_text(state: &State, ctx: &Ctx) -> String {
    match &state.notice {
        Some(Notice::Failure(e)) => e.text(ctx.lang()),
        Some(Notice::Problem(key)) => ctx.tr.t(key),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

#[test]
fn the_sample_data_is_accepted_as_is_and_registered() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, 1, Step::TicketCalled);
    assert_eq!(state.today, today(), "the service day comes from the store");
    assert!(settle(&mut state, Message::Sample, ctx, State::update).is_none());
    let id = state.request.id;
    match settle(&mut state, Message::Accept, ctx, State::update) {
        Some(Nav::Request(to)) => assert_eq!(to, id),
        other => panic!(
            "expected the next screen, got {other:?}: {}",
            notice_text(&state, ctx)
        ),
    }
    let view = step_of(&f, id);
    assert_eq!(view.step, Step::Registered);
    assert!(view.register_number.is_some());
    let sample = sample_applicant(today(), KECAMATAN, "A-001");
    let file = f
        .store(move |s| Ok(s.applicant_file(id)?))
        .expect("the file is stored");
    let expected = sample
        .biodata
        .normalized(today())
        .expect("the sample is valid");
    assert_eq!(file.biodata, expected);
    assert_eq!(file.service, sample.service);
    assert!(file.findings.iter().all(|(r, c)| {
        let need = sample.service.requirements().iter().find(|(x, _)| x == r);
        match need {
            Some((_, Need::Required)) => *c == Check::Present,
            Some((_, Need::IfApplicable)) => *c == Check::NotApplicable,
            None => false,
        }
    }));
    assert_eq!(file.findings.len(), sample.service.requirements().len());
}

#[test]
fn an_incomplete_checklist_returns_the_file_with_a_saved_slip() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, 1, Step::TicketCalled);
    settle(&mut state, Message::Sample, ctx, State::update);
    // A requirement left unchecked blocks: forgetting a tick must not return a file.
    let last = state.form.findings.pop().map(|(r, _)| r);
    assert!(settle(&mut state, Message::Accept, ctx, State::update).is_none());
    assert!(matches!(
        state.notice,
        Some(Notice::Problem("intake.check_every_requirement"))
    ));
    let id = state.request.id;
    assert_eq!(step_of(&f, id).step, Step::TicketCalled, "nothing stored");
    if let Some(r) = last {
        settle(
            &mut state,
            Message::Finding(r, Check::Present),
            ctx,
            State::update,
        );
    }

    settle(
        &mut state,
        Message::Finding(Requirement::KkCopy, Check::Missing),
        ctx,
        State::update,
    );
    assert!(settle(&mut state, Message::Accept, ctx, State::update).is_none());
    let view = step_of(&f, id);
    assert_eq!(view.step, Step::Returned);
    let returned = state.returned.as_ref().expect("the return panel");
    assert_eq!(returned.missing, vec![Requirement::KkCopy]);
    let path = match &returned.slip {
        Some(Ok(path)) => path.clone(),
        other => panic!("slip not saved: {other:?}"),
    };
    assert!(path.starts_with(ctx.paths.data_dir.join("slips")));
    let pdf = std::fs::read(&path).expect("the slip exists");
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()),
        Some("pengembalian-20261120-A-001.pdf")
    );

    // The return panel says what is missing and where the slip is.
    assert!(shows(&state, ctx, "Berkas dikembalikan kepada pemohon"));
    let mut ui = simulator(state.view(ctx));
    assert!(ui.find("1. Fotokopi Kartu Keluarga (KK) terbaru").is_ok());
    let saved = format!("Tanda pengembalian berkas tersimpan: {}", path.display());
    assert!(ui.find(saved.as_str()).is_ok());
    ui.click("Cetak [P]").expect("print button");
    ui.click("Kembali ke antrean [Esc]").expect("queue button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages[..], [Message::Print, Message::ToQueue]));
    assert!(matches!(
        settle(&mut state, Message::ToQueue, ctx, State::update),
        Some(Nav::Queue)
    ));
    let guide = state.guide(ctx);
    assert_eq!(guide.say, "Berkas Anda belum lengkap");
}

#[test]
fn the_nik_is_checked_as_it_is_typed() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, 1, Step::TicketCalled);
    let mut ui = simulator(state.view(ctx));
    // Nothing typed yet: no error shouts at the operator.
    assert!(ui.find("NIK belum diisi.").is_err());
    ui.click(id("intake-nik")).expect("NIK field");
    let _ = ui.typewrite("3313011508");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.last(), Some(Message::Edit(Field::Nik, v)) if v == "3313011508"));
    for m in messages {
        settle(&mut state, m, ctx, State::update);
    }
    assert!(shows(
        &state,
        ctx,
        "NIK harus 16 digit, yang diisi 10 digit."
    ));

    settle(
        &mut state,
        Message::Edit(Field::Nik, "9999991508950001".into()),
        ctx,
        State::update,
    );
    assert!(shows(
        &state,
        ctx,
        "Kode provinsi 99 pada NIK tidak dikenal."
    ));

    // The sample's NIK is valid, decoded, and offers its birth date and sex.
    let sample = sample_applicant(today(), KECAMATAN, "A-001");
    settle(
        &mut state,
        Message::Edit(Field::Nik, sample.biodata.nik.clone()),
        ctx,
        State::update,
    );
    let review = state.form.review(state.today);
    assert!(review.nik.errors.is_empty() && review.nik.is_valid());
    let mut ui = simulator(state.view(ctx));
    assert!(ui.find("Kode provinsi 99 pada NIK tidak dikenal.").is_err());
    ui.click("Isi tanggal lahir dan jenis kelamin dari NIK [F4]")
        .expect("fill from the NIK");
    for m in ui.into_messages().collect::<Vec<_>>() {
        settle(&mut state, m, ctx, State::update);
    }
    assert_eq!(
        state.form.get(Field::BirthDate),
        ddmmyyyy(sample.biodata.birth_date)
    );
    assert_eq!(state.form.sex, Some(sample.biodata.sex));

    // A bad No. KK is told too.
    settle(
        &mut state,
        Message::Edit(Field::Kk, "3313013213150004".into()),
        ctx,
        State::update,
    );
    assert!(shows(
        &state,
        ctx,
        "Bagian tanggal terbit 321315 pada No. KK bukan tanggal yang sah."
    ));
}

#[test]
fn field_errors_show_once_accept_is_pressed() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, 1, Step::TicketCalled);
    assert!(settle(&mut state, Message::Accept, ctx, State::update).is_none());
    assert_eq!(step_of(&f, state.request.id).step, Step::TicketCalled);
    let mut ui = simulator(state.view(ctx));
    for shown in [
        "Berkas belum dapat diterima: perbaiki isian yang ditandai merah.",
        "NIK belum diisi.",
        "Nama lengkap belum diisi.",
        "Tanggal lahir belum diisi.",
        "Jenis kelamin belum dipilih.",
        "Jenis layanan belum dipilih.",
    ] {
        assert!(ui.find(shown).is_ok(), "{shown}");
    }
    drop(ui);
    // A typed date it cannot read is said so.
    settle(
        &mut state,
        Message::Edit(Field::BirthDate, "1995-08-17".into()),
        ctx,
        State::update,
    );
    let mut ui = simulator(state.view(ctx));
    assert!(
        ui.find("Tanggal lahir tidak dikenali: tulis tanggal-bulan-tahun, misalnya 17-08-1995.")
            .is_ok()
    );
    assert_eq!(
        parse_date("17/08/1995"),
        NaiveDate::from_ymd_opt(1995, 8, 17)
    );
    assert_eq!(parse_date("17-8-95"), None);
}

#[test]
fn cancelling_needs_a_reason() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, 1, Step::TicketCalled);
    let request_id = state.request.id;
    settle(&mut state, Message::AskCancel, ctx, State::update);
    assert!(state.cancel.is_some());
    assert!(settle(&mut state, Message::ConfirmCancel, ctx, State::update).is_none());
    assert_eq!(notice_text(&state, ctx), "Alasan wajib diisi.");
    assert_eq!(step_of(&f, request_id).step, Step::TicketCalled);

    let mut ui = simulator(state.view(ctx));
    ui.click(id("intake-cancel-reason")).expect("reason field");
    let _ = ui.typewrite("Pemohon meninggalkan loket");
    ui.click("Batalkan permohonan [Enter]").expect("confirm");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.last(), Some(Message::ConfirmCancel)));
    let mut nav = None;
    for m in messages {
        nav = settle(&mut state, m, ctx, State::update).or(nav);
    }
    assert!(matches!(nav, Some(Nav::Queue)));
    let view = step_of(&f, request_id);
    assert_eq!(view.step, Step::Cancelled);
    assert_eq!(
        view.outcome_reason.as_deref(),
        Some("Pemohon meninggalkan loket")
    );
}

#[test]
fn a_resumed_file_keeps_its_biodata_and_goes_on_with_the_checklist() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, 1, Step::FileReceived);
    let a = f.applicant(1);
    assert!(state.received);
    assert_eq!(
        state.form.get(Field::FullName),
        a.biodata.full_name.to_uppercase()
    );
    assert_eq!(state.form.service, Some(a.service));
    // The stored biodata cannot be edited any more.
    settle(
        &mut state,
        Message::Edit(Field::FullName, "X".into()),
        ctx,
        State::update,
    );
    assert_ne!(state.form.get(Field::FullName), "X");
    for n in 0..a.service.requirements().len() {
        settle(
            &mut state,
            Message::ToggleRequirement(n),
            ctx,
            State::update,
        );
    }
    assert!(state.form.unchecked().is_empty());
    let id = state.request.id;
    assert!(matches!(
        settle(&mut state, Message::Accept, ctx, State::update),
        Some(Nav::Request(to)) if to == id
    ));
    assert_eq!(step_of(&f, id).step, Step::Registered);
}

#[test]
fn the_old_card_fills_nik_and_name_and_another_open_request_is_flagged() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    // Applicant 1's file is open at another desk moment (ticket A-001).
    let first = f.request_at(1, Step::FileReceived);
    let mut state = open(&f, 2, Step::TicketCalled);
    settle(&mut state, Message::ReadCard, ctx, State::update);
    let sample = sample_applicant(today(), KECAMATAN, &state.request.ticket);
    assert_eq!(state.form.get(Field::Nik), sample.biodata.nik);
    assert_eq!(state.form.get(Field::FullName), sample.biodata.full_name);
    assert!(matches!(state.notice, Some(Notice::CardRead { .. })));

    let nik = f.applicant(1).biodata.nik;
    settle(
        &mut state,
        Message::Edit(Field::Nik, nik),
        ctx,
        State::update,
    );
    assert_eq!(state.others.len(), 1);
    assert_eq!(state.others[0].id, first.id);
    let mut ui = simulator(state.view(ctx));
    let warning = "Perhatian: NIK ini masih memiliki permohonan lain yang terbuka (antrean A-001, 2026-11-20, tahap: Berkas diterima). Pastikan tidak terjadi pendaftaran ganda.";
    assert!(ui.find(warning).is_ok());
}

#[test]
fn the_view_has_its_actions_and_keys() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let state = open(&f, 1, Step::TicketCalled);
    assert!(shows(&state, ctx, "Biodata pemohon"));
    let mut ui = simulator(state.view(ctx));
    assert!(ui.find("Baca KTP-el lama [F6]").is_ok());
    ui.click("Isi data contoh (latihan) [F7]")
        .expect("sample button");
    ui.click("Terima berkas [Ctrl+Enter]")
        .expect("accept button");
    ui.click("Batalkan [Esc]").expect("cancel button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(
        messages[..],
        [Message::Sample, Message::Accept, Message::AskCancel]
    ));

    let ctrl = Modifiers::CTRL;
    let none = Modifiers::empty();
    let key = |k: Key, m| state.shortcut(&k, m);
    assert!(matches!(
        key(Key::Named(Named::Enter), ctrl),
        Some(Message::Accept)
    ));
    assert!(matches!(
        key(Key::Named(Named::Enter), none),
        Some(Message::FocusNext)
    ));
    assert!(matches!(
        key(Key::Named(Named::Escape), none),
        Some(Message::AskCancel)
    ));
    assert!(matches!(
        key(Key::Named(Named::F7), none),
        Some(Message::Sample)
    ));
    assert!(matches!(
        key(Key::Character("3".into()), none),
        Some(Message::ToggleRequirement(2))
    ));
    assert!(matches!(
        key(Key::Character("L".into()), none),
        Some(Message::Cycle(Choice::Service))
    ));

    // In English the same screen says so.
    let mut en = Fixture::new();
    en.ctx.tr = Tr(Lang::En);
    let state = open(&en, 1, Step::TicketCalled);
    let mut ui = simulator(state.view(&en.ctx));
    assert!(ui.find("Accept the file [Ctrl+Enter]").is_ok());
    assert!(ui.find("Applicant's biodata").is_ok());
}

#[test]
fn letter_and_digit_keys_choose_without_the_mouse() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, 1, Step::TicketCalled);
    for choice in [
        Choice::Service,
        Choice::Sex,
        Choice::Religion,
        Choice::Marital,
    ] {
        settle(&mut state, Message::Cycle(choice), ctx, State::update);
    }
    assert_eq!(state.form.service, Some(ServiceType::RekamBaru));
    assert_eq!(state.form.sex, Some(Sex::L));
    assert_eq!(state.form.religion, Some(Religion::Islam));
    assert_eq!(state.form.marital, Some(MaritalStatus::BelumKawin));
    // Rekam baru: the 4th item (KIA) is "if applicable" and can be not applicable.
    for expected in [
        Check::Present,
        Check::Missing,
        Check::NotApplicable,
        Check::Present,
    ] {
        settle(
            &mut state,
            Message::ToggleRequirement(3),
            ctx,
            State::update,
        );
        assert_eq!(state.form.finding(Requirement::KiaOriginal), Some(expected));
    }
    // A required item never is.
    settle(
        &mut state,
        Message::Finding(Requirement::KkCopy, Check::NotApplicable),
        ctx,
        State::update,
    );
    assert_eq!(state.form.finding(Requirement::KkCopy), None);
}

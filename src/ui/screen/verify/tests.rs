//! Tests of the verification screen: through `update` with the real store, and through its
//! view.

use super::*;
use crate::domain::Requirement;
use crate::domain::service::{Check, Need};
use crate::ui::screen::testing::{Fixture, PASSWORD, run, settle, simulator};
use iced_test::selector::id;

fn open(f: &Fixture, request: RequestView) -> State {
    let (mut state, task) = State::new(&f.ctx, request);
    for m in run(task) {
        assert!(settle(&mut state, m, &f.ctx, State::update).is_none());
    }
    state
}

fn request(f: &Fixture, id: i64) -> RequestView {
    f.store(move |s| {
        s.request(id)?
            .ok_or_else(|| anyhow::anyhow!("request {id} is gone"))
    })
}

fn error_text(state: &State) -> String {
    state
        .error
        .as_ref()
        .map(|e| e.text(crate::Lang::Id))
        .unwrap_or_default()
}

fn sign_in(f: &Fixture, state: &mut State, method: Method, user: &str, secret: &str) {
    let ctx = &f.ctx;
    state.update(Message::Method(method), ctx);
    state.update(Message::Username(user.into()), ctx);
    match method {
        Method::Password => state.update(Message::Password(secret.into()), ctx),
        Method::Card => state.update(Message::Pin(secret.into()), ctx),
    };
    assert!(settle(state, Message::Submit, ctx, State::update).is_none());
    assert!(
        state.password.is_empty() && state.pin.is_empty(),
        "secret cleared"
    );
}

#[test]
fn a_supervisor_signs_in_with_a_password_and_the_recording_begins() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, f.request_at(1, Step::Registered));
    let a = f.applicant(1);
    let file = state.file.as_ref().expect("the file is shown");
    assert_eq!(file.biodata.nik, a.biodata.nik);
    assert!(file.findings.iter().all(|(_, c)| *c != Check::Missing));

    sign_in(&f, &mut state, Method::Password, "kasi", PASSWORD);
    assert_eq!(
        state.supervisor.as_ref().map(|u| u.username.as_str()),
        Some("kasi")
    );
    let id = state.request.id;
    match settle(&mut state, Message::Submit, ctx, State::update) {
        Some(Nav::Request(to)) => assert_eq!(to, id),
        other => panic!(
            "expected the face screen, got {other:?}: {}",
            error_text(&state)
        ),
    }
    assert_eq!(request(&f, id).step, Step::Face);
    // Verified and validated by the supervisor, the recording begun by the operator.
    let actors: Vec<(String, i64)> = f.store(move |s| {
        let mut stmt = s
            .conn()
            .prepare("SELECT step, actor_id FROM step_events WHERE request_id = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    });
    let actor = |step: &str| actors.iter().find(|(s, _)| s == step).map(|(_, a)| *a);
    assert_eq!(actor("verified"), Some(f.supervisor.id));
    assert_eq!(actor("validated"), Some(f.supervisor.id));
    assert_eq!(actor("face"), Some(f.operator.id));
}

#[test]
fn an_operator_is_refused_and_nothing_changes() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, f.request_at(1, Step::Registered));
    sign_in(&f, &mut state, Method::Password, "budi", PASSWORD);
    assert!(state.supervisor.is_none());
    assert_eq!(
        error_text(&state),
        "Hanya supervisor yang boleh memverifikasi, memvalidasi atau menolak."
    );
    // Enter asks for a sign-in again; it does not verify.
    state.update(Message::Username("budi".into()), ctx);
    assert!(settle(&mut state, Message::Submit, ctx, State::update).is_none());
    assert_eq!(request(&f, state.request.id).step, Step::Registered);
    // A wrong password says so.
    sign_in(&f, &mut state, Method::Password, "kasi", "salah-salah");
    assert_eq!(error_text(&state), "Nama pengguna atau kata sandi salah.");
    assert!(state.supervisor.is_none());
}

#[test]
fn a_rejection_needs_a_reason_and_returns_the_file() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, f.request_at(1, Step::Registered));
    // No rejection before a supervisor signed in.
    settle(&mut state, Message::AskReject, ctx, State::update);
    assert!(state.reject.is_none());
    sign_in(&f, &mut state, Method::Password, "kasi", PASSWORD);
    settle(&mut state, Message::AskReject, ctx, State::update);
    assert!(state.reject.is_some());
    assert!(settle(&mut state, Message::ConfirmReject, ctx, State::update).is_none());
    assert_eq!(error_text(&state), "Alasan wajib diisi.");
    let id = state.request.id;
    assert_eq!(request(&f, id).step, Step::Registered);
    state.update(
        Message::RejectReason("Fotokopi KK tidak terbaca".into()),
        ctx,
    );
    assert!(matches!(
        settle(&mut state, Message::ConfirmReject, ctx, State::update),
        Some(Nav::Queue)
    ));
    let r = request(&f, id);
    assert_eq!(r.step, Step::Returned);
    assert_eq!(
        r.outcome_reason.as_deref(),
        Some("Fotokopi KK tidak terbaca")
    );
}

#[test]
fn the_simulated_supervisor_card_signs_in() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, f.request_at(1, Step::Registered));
    sign_in(&f, &mut state, Method::Card, "kasi", live::SIM_PIN);
    assert_eq!(
        state.supervisor.as_ref().map(|u| u.username.as_str()),
        Some("kasi"),
        "{}",
        error_text(&state)
    );
    let id = state.request.id;
    assert!(matches!(
        settle(&mut state, Message::Submit, ctx, State::update),
        Some(Nav::Request(to)) if to == id
    ));
    assert_eq!(request(&f, id).step, Step::Face);

    // A wrong PIN is refused by the card.
    let mut state = open(&f, f.request_at(2, Step::Registered));
    sign_in(&f, &mut state, Method::Card, "kasi", "111111");
    assert!(state.supervisor.is_none());
    assert!(
        error_text(&state).starts_with("PIN salah"),
        "{}",
        error_text(&state)
    );
    // The training reader makes up no card: a user who was issued none has none to insert.
    let mut state = open(&f, f.request_at(3, Step::Registered));
    sign_in(&f, &mut state, Method::Card, "budi", live::SIM_PIN);
    assert!(state.supervisor.is_none());
    assert!(
        error_text(&state).contains("Tidak ada kartu di pembaca"),
        "{}",
        error_text(&state)
    );
}

#[test]
fn resuming_does_only_what_is_left() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    // Validated: no supervisor needed, the recording starts.
    let mut state = open(&f, f.request_at(1, Step::Validated));
    assert!(state.file.is_some());
    let id = state.request.id;
    assert!(matches!(
        settle(&mut state, Message::Submit, ctx, State::update),
        Some(Nav::Request(to)) if to == id
    ));
    assert_eq!(request(&f, id).step, Step::Face);

    // Verified: validation only.
    let r = f.request_at(2, Step::Registered);
    let (sup, id) = (f.supervisor.clone(), r.id);
    f.store(move |s| Ok(s.verify(&sup, id)?));
    let mut state = open(&f, request(&f, id));
    assert_eq!(state.request.step, Step::Verified);
    sign_in(&f, &mut state, Method::Password, "kasi", PASSWORD);
    assert!(settle(&mut state, Message::Submit, ctx, State::update).is_some());
    assert_eq!(request(&f, id).step, Step::Face);

    // Requirements checked but not registered (a crash in between): registered on opening.
    let r = f.request_at(3, Step::FileReceived);
    let (op, id, service) = (f.operator.clone(), r.id, f.applicant(3).service);
    f.store(move |s| {
        let findings: Vec<(Requirement, Check)> = service
            .requirements()
            .iter()
            .map(|(r, need)| {
                let c = if *need == Need::Required {
                    Check::Present
                } else {
                    Check::NotApplicable
                };
                (*r, c)
            })
            .collect();
        Ok(s.check_requirements(&op, id, &findings)?)
    });
    let state = open(&f, request(&f, id));
    assert_eq!(
        state.request.step,
        Step::Registered,
        "{}",
        error_text(&state)
    );
    assert!(state.request.register_number.is_some());
}

#[test]
fn the_view_signs_in_by_widget_id_and_then_offers_the_decision() {
    let f = Fixture::new();
    let ctx = &f.ctx;
    let mut state = open(&f, f.request_at(1, Step::Registered));
    let name = f.applicant(1).biodata.full_name.to_uppercase();
    let mut ui = simulator(state.view(ctx));
    assert!(ui.find("Berkas pemohon").is_ok());
    assert!(
        ui.find(name.as_str()).is_ok(),
        "the applicant's name is shown"
    );
    ui.click(id("verify-username")).expect("username field");
    let _ = ui.typewrite("kasi");
    ui.click(id("verify-password")).expect("password field");
    let _ = ui.typewrite(PASSWORD);
    ui.click("Masuk sebagai supervisor [Enter]")
        .expect("sign-in button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.last(), Some(Message::Submit)));
    for m in messages {
        assert!(settle(&mut state, m, ctx, State::update).is_none());
    }
    assert!(state.supervisor.is_some(), "{}", error_text(&state));

    let mut ui = simulator(state.view(ctx));
    assert!(ui.find("Supervisor: Sri Wahyuni (kasi)").is_ok());
    ui.click("Verifikasi dan validasi [Enter]")
        .expect("verify button");
    ui.click("Tolak [T]").expect("reject button");
    ui.click("Ganti supervisor [F4]").expect("sign-out button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(
        messages[..],
        [Message::Submit, Message::AskReject, Message::SignOut]
    ));

    // Keys: T rejects only with a supervisor; Enter goes on.
    let none = Modifiers::empty();
    assert!(matches!(
        state.shortcut(&Key::Character("t".into()), none),
        Some(Message::AskReject)
    ));
    assert!(matches!(
        state.shortcut(&Key::Named(Named::Enter), none),
        Some(Message::Submit)
    ));
    assert!(state.shortcut(&Key::Named(Named::F3), none).is_none());
    assert_eq!(
        state.guide(ctx).say,
        "Mohon tunggu, berkas Anda sedang diverifikasi"
    );
}

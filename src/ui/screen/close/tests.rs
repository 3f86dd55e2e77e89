//! Tests of the close-the-day screen: through `update` with the real store and the real export,
//! and through its view by visible text.

use std::path::Path;

use super::*;
use crate::batch::{TrustedStation, TrustedStations, make_ack, verify_batch};
use crate::store::signing::fingerprint;
use crate::ui::screen::testing::{Fixture, KECAMATAN, run, settle, simulator};
use crate::workflow::Step;

/// The fixture with the supervisor logged in and the export folder in a temporary directory.
fn as_supervisor(f: &mut Fixture, usb: &tempfile::TempDir) {
    f.ctx.user = Some(f.supervisor.clone());
    f.ctx.settings.export.folder = usb.path().display().to_string();
}

fn opened(f: &Fixture) -> State {
    let (mut state, task) = State::new(&f.ctx);
    for m in run(task) {
        assert!(settle(&mut state, m, &f.ctx, State::update).is_none());
    }
    state
}

fn go(state: &mut State, f: &Fixture, message: Message) -> Option<Nav> {
    settle(state, message, &f.ctx, State::update)
}

fn shown(job: &Job<impl std::fmt::Debug>) -> String {
    match job {
        Job::Failed(e) => e.text(Lang::Id),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// A day with two recorded requests, closed from the screen.
fn closed_day(f: &mut Fixture, usb: &tempfile::TempDir) -> State {
    as_supervisor(f, usb);
    f.request_at(1, Step::Recorded);
    f.request_at(2, Step::Recorded);
    let mut state = opened(f);
    assert!(state.items().is_empty(), "{:?}", state.items());
    assert!(state.can_close());
    go(&mut state, f, Message::CloseDay);
    assert!(
        state.overview.as_ref().is_some_and(|o| o.close.is_some()),
        "closed: {:?}",
        state.error
    );
    state
}

/// The receiver's key, configured as the only receiver.
fn receiver(f: &mut Fixture) -> age::x25519::Identity {
    let id = age::x25519::Identity::generate();
    f.ctx.settings.export.recipients = vec![id.to_public().to_string()];
    id
}

/// This station as the receiver registered it.
fn trusted(f: &Fixture) -> TrustedStations {
    let key = f
        .store(|s| Ok(s.signing_public_key()?))
        .expect("signing key");
    let mut trusted = TrustedStations::default();
    trusted.add(TrustedStation {
        kecamatan_code: KECAMATAN.into(),
        station_id: "01".into(),
        public_key: key,
    });
    trusted
}

/// Exports the closed day into `usb` through the screen, checking the progress on the way.
fn export(state: &mut State, f: &Fixture, usb: &tempfile::TempDir) -> Exported {
    assert_eq!(state.folder, usb.path().display().to_string(), "found");
    let Action::Run(task) = state.update(Message::Export, &f.ctx) else {
        panic!("the export runs as a task");
    };
    assert!(state.export.is_running());
    let messages = run(task);
    let progress: Vec<(usize, usize)> = messages
        .iter()
        .filter_map(|m| match m {
            Message::Progress(done, total) => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(progress, vec![(0, 2), (1, 2), (2, 2)]);
    assert!(
        matches!(messages.last(), Some(Message::Exported(Ok(_)))),
        "{:?}",
        messages.last()
    );
    for m in messages {
        let halfway = matches!(m, Message::Progress(1, 2));
        go(state, f, m);
        if halfway {
            let mut ui = simulator(state.view(&f.ctx));
            assert!(ui.find("Rekaman 1/2").is_ok(), "the progress is shown");
        }
    }
    match &state.export {
        Job::Done(e) => e.clone(),
        other => panic!("expected the batch, got {other:?}"),
    }
}

#[test]
fn open_items_are_resolved_from_the_list_and_the_close_shows_the_counts() {
    let mut f = Fixture::new();
    let usb = tempfile::tempdir().expect("usb");
    as_supervisor(&mut f, &usb);
    f.request_at(1, Step::Recorded);
    let open = f.request_at(2, Step::Face).id;
    let waiting = f.store(|s| Ok(s.issue_ticket("A")?.id));
    let mut state = opened(&f);
    assert_eq!(state.items().len(), 2, "{:?}", state.items());
    assert!(matches!(
        state.selected_item(),
        Some(OpenItem::WaitingTicket { ticket, .. }) if *ticket == waiting
    ));
    assert_eq!(
        state.reason, ABSENT_REASON,
        "prefilled for a waiting ticket"
    );
    assert!(!state.can_close());
    assert!(go(&mut state, &f, Message::CloseDay).is_none());
    assert!(state.overview.as_ref().is_some_and(|o| o.close.is_none()));

    // Down selects the request: its reason starts empty, Enter continues it.
    go(&mut state, &f, Message::Move(1));
    go(&mut state, &f, Message::Move(1));
    assert!(matches!(
        state.selected_item(),
        Some(OpenItem::OpenRequest { request, step: Step::Face, .. }) if *request == open
    ));
    assert_eq!(state.reason, "");
    match go(&mut state, &f, Message::Resume) {
        Some(Nav::Request(id)) => assert_eq!(id, open),
        other => panic!("expected the request to open, got {other:?}"),
    }
    // Without a reason nothing is deferred.
    go(&mut state, &f, Message::Defer);
    assert!(state.reason_missing);
    assert_eq!(state.items().len(), 2);

    // Up again: the waiting ticket is cancelled with the prefilled reason.
    go(&mut state, &f, Message::Move(-1));
    assert_eq!(state.reason, ABSENT_REASON);
    go(&mut state, &f, Message::Defer);
    assert_eq!(state.items().len(), 2, "a waiting ticket is not deferred");
    go(&mut state, &f, Message::Cancel);
    assert_eq!(state.notice.as_deref(), Some("A-003 dibatalkan."));
    assert_eq!(state.items().len(), 1);

    // The request is deferred with the reason typed.
    go(&mut state, &f, Message::Reason("listrik padam".into()));
    go(&mut state, &f, Message::Defer);
    assert!(state.error.is_none(), "{:?}", state.error);
    assert_eq!(state.notice.as_deref(), Some("A-002 ditunda."));
    assert!(state.items().is_empty());
    assert!(state.can_close());

    go(&mut state, &f, Message::CloseDay);
    let o = state.overview.clone().expect("loaded");
    let close = o.close.expect("closed");
    let r = &close.reconciliation;
    assert_eq!(
        (
            r.tickets_issued,
            r.recorded,
            r.deferred,
            r.cancelled,
            r.open
        ),
        (3, 1, 1, 1, 0)
    );
    assert_eq!(r.tickets[2].reason.as_deref(), Some(ABSENT_REASON));
    assert_eq!(r.tickets[1].reason.as_deref(), Some("listrik padam"));
    assert_eq!(o.closed_by.as_deref(), Some("Sri Wahyuni"));

    let mut ui = simulator(state.view(&f.ctx));
    assert!(
        ui.find("Hari ini sudah ditutup pukul 09:00 oleh Sri Wahyuni.")
            .is_ok()
    );
    for label in [
        "Rekonsiliasi antrean hari ini",
        "Nomor diambil",
        "Terekam",
        "Ditunda",
        "Dibatalkan",
        "Ekspor batch [Ctrl+E]",
    ] {
        assert!(ui.find(label).is_ok(), "{label}");
    }
    assert!(ui.find("3").is_ok(), "the tickets issued");
}

#[test]
fn the_export_writes_a_batch_that_verifies_and_the_reports_go_beside_it() {
    let mut f = Fixture::new();
    let usb = tempfile::tempdir().expect("usb");
    let id = receiver(&mut f);
    let mut state = closed_day(&mut f, &usb);
    let exported = export(&mut state, &f, &usb);
    assert_eq!(exported.records, 2);
    assert_eq!(exported.path.parent(), Some(usb.path()));
    assert!(
        exported.file_name.ends_with(".rkb") && exported.path.is_file(),
        "{exported:?}"
    );
    let v = verify_batch(
        &exported.path,
        &trusted(&f),
        Some(std::slice::from_ref(&id)),
    )
    .expect("checked");
    assert!(v.is_ok(), "{:?}", v.problems);
    assert!(v.decrypted);
    assert_eq!(v.records_checked, 2);

    let mut ui = simulator(state.view(&f.ctx));
    let written = format!("Batch ditulis: {}", exported.path.display());
    assert!(ui.find(written.as_str()).is_ok(), "{written}");
    assert!(
        ui.find("Berkas sudah tersimpan utuh; flashdisk boleh dicabut.")
            .is_ok()
    );
    let detail = format!(
        "2 rekaman · {} · SHA-256 {}…",
        view::human_size(exported.bytes),
        &exported.sha256[..16]
    );
    assert!(ui.find(detail.as_str()).is_ok(), "{detail}");
    drop(ui);

    // The backlog is gone: the records wait for an acknowledgement now.
    let o = state.overview.as_ref().expect("reloaded");
    assert_eq!((o.backlog.not_exported, o.backlog.unacknowledged), (0, 2));

    go(&mut state, &f, Message::Reports);
    let reports = match &state.reports {
        Job::Done(r) => r.clone(),
        other => panic!("expected the reports, got {other:?}"),
    };
    for p in [
        &reports.register_pdf,
        &reports.register_csv,
        &reports.sop_pdf,
        &reports.sop_csv,
    ] {
        assert!(p.is_file(), "{}", p.display());
        assert_eq!(p.parent(), Some(usb.path()));
    }
}

#[test]
fn an_acknowledgement_marks_the_records_accepted() {
    let mut f = Fixture::new();
    let usb = tempfile::tempdir().expect("usb");
    let id = receiver(&mut f);
    let mut state = closed_day(&mut f, &usb);
    let exported = export(&mut state, &f, &usb);
    let v = verify_batch(
        &exported.path,
        &trusted(&f),
        Some(std::slice::from_ref(&id)),
    )
    .expect("checked");
    let received = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00+07:00").expect("time");
    let ack = make_ack(&v, "Dinas Dukcapil Kab. Grobogan", received).expect("ack");
    // Signed by the Dinas's key, which the supervisor pinned at the station.
    let dinas =
        crate::store::StationSigningKey::create(&usb.path().join("dinas.key")).expect("key");
    let (sup, public) = (f.supervisor.clone(), dinas.public_hex());
    f.store(move |s| Ok(s.pin_receiver_key(&sup, "Dinas Dukcapil Kab. Grobogan", &public)?));
    let signed = crate::batch::sign_ack(&ack, &dinas);
    let path = usb.path().join("rekam-331301-01-20261120-01.ack.json");
    std::fs::write(&path, serde_json::to_string_pretty(&signed).expect("json")).expect("written");

    // A file that is not there is said so, in words.
    go(
        &mut state,
        &f,
        Message::AckPath("/tidak/ada.ack.json".into()),
    );
    go(&mut state, &f, Message::ImportAck);
    assert!(
        shown(&state.ack).starts_with("Berkas /tidak/ada.ack.json tidak dapat dibaca"),
        "{}",
        shown(&state.ack)
    );

    // Found in the folder on reload (the path field was not left empty above: set it again).
    go(&mut state, &f, Message::AckPath(String::new()));
    go(&mut state, &f, Message::Refresh);
    assert_eq!(state.ack_path, path.display().to_string());
    go(&mut state, &f, Message::ImportAck);
    let done = match &state.ack {
        Job::Done(a) => a.clone(),
        other => panic!("expected the import, got {other:?}"),
    };
    assert_eq!((done.accepted, done.rejected, done.purged), (2, 0, 0));
    assert_eq!(done.batch, exported.file_name);
    let backlog = f.store(|s| Ok(s.export_backlog()?));
    assert_eq!((backlog.not_exported, backlog.unacknowledged), (0, 0));
    let statuses: Vec<String> = f.store(|s| {
        let mut stmt = s
            .conn()
            .prepare("SELECT central_status FROM requests ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    });
    assert_eq!(statuses, vec!["RECEIVED_AT_CENTRAL"; 2]);
    let mut ui = simulator(state.view(&f.ctx));
    let said = format!(
        "Tanda terima {}: 2 diterima, 0 ditolak; biometrik dan biodata 0 rekaman dihapus (masa simpan lewat).",
        exported.file_name
    );
    assert!(ui.find(said.as_str()).is_ok(), "{said}");
}

#[test]
fn export_errors_are_said_in_words() {
    let mut f = Fixture::new();
    let usb = tempfile::tempdir().expect("usb");
    let mut state = closed_day(&mut f, &usb);
    // No receiver key configured.
    go(&mut state, &f, Message::Export);
    let said = shown(&state.export);
    assert_eq!(said, ExportError::NoRecipients.localize(Lang::Id));
    assert!(said.starts_with("Kunci penerima"), "{said}");
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(said.as_str()).is_ok());
    drop(ui);
    assert_eq!(
        std::fs::read_dir(usb.path()).expect("usb").count(),
        0,
        "nothing written"
    );

    // A folder that is not mounted.
    receiver(&mut f);
    go(&mut state, &f, Message::Folder("/media/tidak-ada".into()));
    go(&mut state, &f, Message::Export);
    assert!(
        shown(&state.export).starts_with("Folder /media/tidak-ada tidak ada"),
        "{}",
        shown(&state.export)
    );
    go(&mut state, &f, Message::Reports);
    assert!(shown(&state.reports).starts_with("Folder /media/tidak-ada tidak ada"));
    assert!(!Path::new("/media/tidak-ada").exists(), "never created");
}

#[test]
fn an_open_day_cannot_export_and_an_operator_sees_the_supervisor_message() {
    let mut f = Fixture::new();
    f.request_at(1, Step::Face);
    // The operator: nothing is loaded and nothing happens.
    let mut state = opened(&f);
    assert!(state.overview.is_none());
    assert!(go(&mut state, &f, Message::Refresh).is_none());
    assert!(state.overview.is_none());
    let mut ui = simulator(state.view(&f.ctx));
    assert!(
        ui.find(
            "Hanya supervisor yang dapat menutup hari, mengekspor batch dan memasukkan tanda terima. Minta supervisor masuk (Ctrl+L untuk keluar)."
        )
        .is_ok()
    );
    assert!(ui.find("Tutup hari [Ctrl+Enter]").is_err());
    drop(ui);

    // The supervisor, on a day still open: no export.
    let usb = tempfile::tempdir().expect("usb");
    as_supervisor(&mut f, &usb);
    receiver(&mut f);
    let mut state = opened(&f);
    assert_eq!(state.items().len(), 1);
    assert!(matches!(
        state.update(Message::Export, &f.ctx),
        Action::None
    ));
    assert!(matches!(state.export, Job::Idle));
}

#[test]
fn the_buttons_are_found_by_their_indonesian_text() {
    let mut f = Fixture::new();
    let usb = tempfile::tempdir().expect("usb");
    as_supervisor(&mut f, &usb);
    f.request_at(1, Step::Face);
    f.store(|s| Ok(s.issue_ticket("A")?));
    let mut state = opened(&f);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Tutup hari 20-11-2026").is_ok());
    assert!(ui.find("Yang masih terbuka (2)").is_ok());
    assert!(ui.find("A-002: belum dipanggil").is_ok());
    ui.click("Batalkan (tidak hadir) [Ctrl+B]")
        .expect("cancel button");
    // Disabled while items are open: clicking it says nothing.
    ui.click("Tutup hari [Ctrl+Enter]").expect("close button");
    let request_line = view::describe(&state.items()[1], f.ctx.tr);
    assert!(request_line.starts_with("A-001 "), "{request_line}");
    ui.click(request_line.as_str()).expect("the request's line");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(messages.as_slice(), [Message::Cancel, Message::Select(1)]),
        "{messages:?}"
    );
    go(&mut state, &f, Message::Select(1));
    let mut ui = simulator(state.view(&f.ctx));
    ui.click("Lanjutkan [Enter]").expect("continue");
    ui.click("Tunda [Ctrl+T]").expect("defer");
    ui.click("Batalkan [Ctrl+B]").expect("cancel");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(
            messages.as_slice(),
            [Message::Resume, Message::Defer, Message::Cancel]
        ),
        "{messages:?}"
    );

    // The station key, for registration at the Dinas.
    let key = f
        .store(|s| Ok(s.signing_public_key()?))
        .expect("signing key");
    let mut ui = simulator(state.view(&f.ctx));
    let line = format!("{KECAMATAN} 01 {key}");
    assert!(ui.find(line.as_str()).is_ok(), "{line}");
    let print = format!("Sidik: {}", fingerprint(&key));
    assert!(ui.find(print.as_str()).is_ok(), "{print}");
}

#[test]
fn warnings_for_the_backlog_and_the_disk() {
    let mut f = Fixture::new();
    let usb = tempfile::tempdir().expect("usb");
    as_supervisor(&mut f, &usb);
    f.request_at(1, Step::Recorded);
    // A day and a half later, nothing exported; the disk is under its floor.
    f.clock.advance(chrono::Duration::hours(30));
    f.store(|s| {
        s.set_disk_floor_mb(u64::MAX / 4);
        Ok(())
    });
    let state = opened(&f);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(
        ui.find(
            "1 rekaman menunggu ekspor sejak 20-11-2026 (30 jam). Tutup hari dan ekspor batch."
        )
        .is_ok()
    );
    let disk = state
        .overview
        .as_ref()
        .and_then(|o| o.disk)
        .expect("disk space");
    let said = format!(
        "Ruang disk tinggal {} MB, di bawah batas {} MB: perekaman baru ditolak. Ekspor dan kirim batch, lalu masukkan tanda terimanya.",
        disk.free_mb, disk.floor_mb
    );
    assert!(ui.find(said.as_str()).is_ok(), "{said}");
    drop(ui);

    // Within the limit: no backlog warning.
    f.ctx.settings.export.warn_after_hours = 48;
    let mut ui = simulator(state.view(&f.ctx));
    assert!(
        ui.find(
            "1 rekaman menunggu ekspor sejak 20-11-2026 (30 jam). Tutup hari dan ekspor batch."
        )
        .is_err()
    );
}

#[test]
fn keys_reach_every_action() {
    let state = State::default();
    let key = |k: Key, m: Modifiers| state.shortcut(&k, m);
    let ctrl = |c: &str| key(Key::Character(c.into()), Modifiers::CTRL);
    assert!(matches!(
        key(Key::Named(Named::ArrowDown), Modifiers::empty()),
        Some(Message::Move(1))
    ));
    assert!(matches!(
        key(Key::Named(Named::ArrowUp), Modifiers::empty()),
        Some(Message::Move(-1))
    ));
    assert!(matches!(
        key(Key::Named(Named::Enter), Modifiers::empty()),
        Some(Message::Resume)
    ));
    assert!(matches!(
        key(Key::Named(Named::Enter), Modifiers::CTRL),
        Some(Message::CloseDay)
    ));
    assert!(matches!(ctrl("b"), Some(Message::Cancel)));
    assert!(matches!(ctrl("T"), Some(Message::Defer)));
    assert!(matches!(ctrl("e"), Some(Message::Export)));
    assert!(matches!(ctrl("p"), Some(Message::Reports)));
    assert!(matches!(ctrl("i"), Some(Message::ImportAck)));
    assert!(matches!(ctrl("r"), Some(Message::Refresh)));
    assert!(ctrl("x").is_none());
    assert!(key(Key::Character("b".into()), Modifiers::empty()).is_none());
}

#[test]
fn the_usb_folder_defaults_to_the_root_without_a_mounted_drive() {
    let root = tempfile::tempdir().expect("root");
    std::fs::create_dir_all(root.path().join("budi/FLASHDISK")).expect("dirs");
    // Same file system as the root: not a drive.
    assert_eq!(default_folder(root.path()), root.path());
    assert_eq!(
        default_folder(Path::new("/tidak/ada")),
        Path::new("/tidak/ada")
    );
    assert_eq!(latest_ack(root.path()), None);
    let old = root.path().join("a.ack.json");
    std::fs::write(&old, "{}").expect("ack");
    std::fs::write(root.path().join("b.json"), "{}").expect("other");
    assert_eq!(latest_ack(root.path()), Some(old));
}

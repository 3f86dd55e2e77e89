//! End to end through the kiosk as an iced program, in iced_test's emulator: the real boot,
//! update, view, tasks and subscriptions (storage thread, simulated devices through the real
//! drivers), driven by clicking visible text and typing keys as the operator would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::Size;
use iced_test::emulator::{self, Emulator, Mode};
use iced_test::futures::futures::channel::mpsc::{self, TryRecvError};
use iced_test::{Instruction, program::Program};
use rekam::devices::{DeviceSettings, Mode as DeviceMode};
use rekam::store::{NewUser, Paths, Role, StationSetup, Store, SystemClock};
use rekam::ui::{Options, program};
use zeroize::Zeroizing;

const PASSWORD: &str = "rahasia-123";

/// A set-up station with an operator, every device class on its simulator.
fn station(dir: &std::path::Path) -> Paths {
    let paths = Paths {
        data_dir: dir.join("data"),
        key_file: dir.join("station.key"),
    };
    std::fs::create_dir_all(&paths.data_dir).expect("data dir");
    let mut store = Store::setup(
        &paths,
        &StationSetup {
            kecamatan_code: "331301".into(),
            station_id: "01".into(),
            mode: rekam::domain::StationMode::Training,
            supervisor: NewUser {
                username: "kasi".into(),
                full_name: "Sri Wahyuni".into(),
                nip: None,
                role: Role::Supervisor,
                password: Zeroizing::new(PASSWORD.into()),
            },
        },
        Arc::new(SystemClock),
    )
    .expect("setup");
    let supervisor = store.authenticate("kasi", PASSWORD).expect("supervisor");
    store
        .create_user(
            &supervisor,
            &NewUser {
                username: "budi".into(),
                full_name: "Budi Santoso".into(),
                nip: None,
                role: Role::Operator,
                password: Zeroizing::new(PASSWORD.into()),
            },
        )
        .expect("operator");
    drop(store);
    let mut settings = DeviceSettings::default();
    settings.fingerprint.mode = DeviceMode::Simulated;
    settings.face_camera.mode = DeviceMode::Simulated;
    settings.iris_camera.mode = DeviceMode::Simulated;
    settings.smartcard.mode = DeviceMode::Simulated;
    settings.signature_pad.mode = DeviceMode::Simulated;
    settings.kiosk.announce = false;
    settings.save(&paths.data_dir).expect("settings");
    paths
}

/// Drives a program in the emulator: every action it asks for is performed; instructions wait
/// for the program to be ready.
struct Driver<P: Program + 'static> {
    program: P,
    emulator: Emulator<P>,
    events: mpsc::Receiver<emulator::Event<P>>,
}

impl<P: Program + 'static> Driver<P> {
    fn new(program: P) -> Self {
        let (tx, events) = mpsc::channel(1024);
        let emulator = Emulator::new(tx, &program, Mode::Zen, Size::new(1366.0, 768.0));
        let mut driver = Driver {
            program,
            emulator,
            events,
        };
        assert!(driver.settle(Duration::from_secs(20)), "the kiosk boots");
        driver
    }

    /// Performs actions until the program says Ready (true) or an instruction failed (false);
    /// gives up after `limit`.
    fn settle(&mut self, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            match self.events.try_recv() {
                Ok(emulator::Event::Action(action)) => self.emulator.perform(&self.program, action),
                Ok(emulator::Event::Ready) => return true,
                Ok(emulator::Event::Failed(_)) => return false,
                Err(TryRecvError::Closed) => return false,
                Err(TryRecvError::Empty) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
        false
    }

    /// Keeps the program running (subscriptions deliver) for `d`.
    fn idle(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while Instant::now() < end {
            match self.events.try_recv() {
                Ok(emulator::Event::Action(action)) => self.emulator.perform(&self.program, action),
                Ok(_) => {}
                Err(TryRecvError::Closed) => return,
                Err(TryRecvError::Empty) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }

    fn run(&mut self, line: &str) -> bool {
        let instruction = Instruction::parse(line).unwrap_or_else(|e| panic!("{line}: {e:?}"));
        self.emulator.run(&self.program, instruction);
        self.settle(Duration::from_secs(30))
    }

    /// Runs an instruction that must succeed.
    fn must(&mut self, line: &str) {
        assert!(self.run(line), "failed: {line}");
    }

    /// Clicks the widget with the id `id` (text inputs, containers): the emulator targets text
    /// and points only, so the point is found by laying the current view out in a simulator of
    /// the same size and font.
    fn click_id(&mut self, id: &'static str) {
        let view = self.emulator.view(&self.program);
        let mut simulator = iced_test::Simulator::with_size(
            iced::Settings::default(),
            Size::new(1366.0, 768.0),
            view,
        );
        let bounds = simulator
            .find(iced_test::selector::id(id))
            .unwrap_or_else(|e| panic!("no widget {id}: {e:?}"))
            .visible_bounds()
            .unwrap_or_else(|| panic!("widget {id} is not visible"));
        drop(simulator);
        let centre = bounds.center();
        self.must(&format!("click ({}, {})", centre.x, centre.y));
    }

    /// Waits until `text` is on screen, letting devices and storage work meanwhile.
    fn wait_for(&mut self, text: &str, limit: Duration) {
        let end = Instant::now() + limit;
        loop {
            if self.run(&format!("expect {text:?}")) {
                return;
            }
            assert!(
                Instant::now() < end,
                "{text:?} did not appear within {limit:?}"
            );
            self.idle(Duration::from_millis(100));
        }
    }

    /// Clicks `click` (again while it has no effect yet: a button is enabled only once its
    /// device or storage work is done) until `until` is on screen.
    fn advance(&mut self, click: &str, until: &str, limit: Duration) {
        let end = Instant::now() + limit;
        loop {
            if self.run(&format!("expect {until:?}")) {
                return;
            }
            assert!(
                Instant::now() < end,
                "{until:?} did not appear within {limit:?} (clicking {click:?})"
            );
            let _ = self.run(&format!("click {click:?}"));
            self.idle(Duration::from_millis(300));
        }
    }

    fn state(self) -> P::State {
        self.emulator.into_state().0
    }
}

fn options(paths: Paths) -> Options {
    Options {
        paths,
        windowed: true,
        lang: Some(rekam::Lang::Id),
        applicant_window: false,
        fast_devices: true,
        exit_at_login: false,
        preview_benchmark: false,
    }
}

#[test]
fn first_start_opens_station_setup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = Paths {
        data_dir: dir.path().join("data"),
        key_file: dir.path().join("station.key"),
    };
    let mut ui = Driver::new(program(options(paths)));
    ui.wait_for("Penyiapan stasiun perekaman", Duration::from_secs(10));
}

#[test]
fn login_then_queue_call_and_serve() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = station(dir.path());
    let mut ui = Driver::new(program(options(paths)));
    ui.wait_for("Masuk", Duration::from_secs(10));
    // The username field has the focus when the login screen opens.
    ui.must("type \"budi\"");
    assert!(ui.run("expect \"budi\""), "the username was typed");
    ui.click_id("login-password");
    ui.must(&format!("type {PASSWORD:?}"));
    ui.must("type enter");
    ui.wait_for("Antrean", Duration::from_secs(10));
    ui.must("click \"Ambil nomor antrean [T]\"");
    ui.wait_for("Nomor baru: A-001", Duration::from_secs(5));
    ui.must("click \"Panggil berikutnya [Spasi]\"");
    ui.wait_for("Sedang dipanggil", Duration::from_secs(5));
    ui.must("click \"Layani [Enter]\"");
    ui.wait_for("Isi data contoh (latihan) [F7]", Duration::from_secs(5));
    let app = ui.state();
    assert!(
        matches!(app.screen, rekam::ui::screen::Screen::Intake(_)),
        "the intake screen is open"
    );
}

/// From the ticket to the proof of recording: every screen of the procedure, with the simulated
/// devices delivering through the real drivers.
#[test]
fn a_whole_recording_from_ticket_to_proof() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = station(dir.path());
    let data_dir = paths.data_dir.clone();
    let mut ui = Driver::new(program(options(paths)));
    ui.wait_for("Masuk", Duration::from_secs(10));
    ui.must("type \"budi\"");
    ui.click_id("login-password");
    ui.must(&format!("type {PASSWORD:?}"));
    ui.must("type enter");
    ui.wait_for("Antrean", Duration::from_secs(10));
    ui.must("click \"Ambil nomor antrean [T]\"");
    ui.wait_for("Nomor baru: A-001", Duration::from_secs(5));
    ui.must("click \"Panggil berikutnya [Spasi]\"");
    ui.wait_for("Layani [Enter]", Duration::from_secs(5));
    ui.must("click \"Layani [Enter]\"");

    // Intake: the training sample fills the file; accepted, it is registered.
    ui.wait_for("Isi data contoh (latihan) [F7]", Duration::from_secs(5));
    ui.must("click \"Isi data contoh (latihan) [F7]\"");
    ui.wait_for(
        "Formulir diisi dengan data contoh untuk latihan.",
        Duration::from_secs(5),
    );
    ui.must("click \"Terima berkas [Ctrl+Enter]\"");

    // Verification: the supervisor signs in at the desk and verifies and validates.
    ui.wait_for("Masuk sebagai supervisor [Enter]", Duration::from_secs(10));
    ui.click_id("verify-username");
    ui.must("type \"kasi\"");
    ui.click_id("verify-password");
    ui.must(&format!("type {PASSWORD:?}"));
    ui.must("click \"Masuk sebagai supervisor [Enter]\"");
    ui.wait_for("Verifikasi dan validasi [Enter]", Duration::from_secs(10));
    ui.must("click \"Verifikasi dan validasi [Enter]\"");

    // Face: the simulated camera streams; the checks pass and the photo is taken by itself.
    ui.wait_for("Ambil foto [Spasi]", Duration::from_secs(10));
    ui.advance("Simpan [Enter]", "Pindai [Spasi]", Duration::from_secs(60));

    // Fingerprints: right four, left four, thumbs; each slap scanned, cut by the quality gate
    // and accepted. Then the iris, right then left eye: the auto-capture policy takes each good
    // eye at once, and it is accepted the same way.
    ui.advance("Terima [Enter]", "Hapus [C]", Duration::from_secs(180));

    // Signature: the simulated applicant signs on the simulated pad; saved once drawn.
    ui.advance("Simpan [Enter]", "Setujui [Enter]", Duration::from_secs(60));

    // Review, then the proof of recording, handed over.
    ui.advance(
        "Setujui [Enter]",
        "Serahkan bukti dan selesai [Enter]",
        Duration::from_secs(60),
    );
    ui.advance(
        "Serahkan bukti dan selesai [Enter]",
        "Panggil berikutnya [Spasi]",
        Duration::from_secs(60),
    );
    drop(ui);

    // What the station now holds: an archived request with every capture, and its proof. The
    // kiosk's storage thread lets the directory go once its last handle is dropped.
    let paths = Paths {
        data_dir: data_dir.clone(),
        key_file: dir.path().join("station.key"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let store = loop {
        match Store::open(&paths, Arc::new(SystemClock)) {
            Ok(store) => break store,
            Err(rekam::store::StoreError::Locked { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("the station does not open after the kiosk: {e}"),
        }
    };
    let request = store.request(1).expect("query").expect("request 1");
    assert_eq!(request.step, rekam::workflow::Step::Archived);
    let register = request.register_number.clone().expect("a register number");
    let count =
        |m: rekam::workflow::Modality| request.captures.iter().filter(|c| c.modality == m).count();
    assert_eq!(count(rekam::workflow::Modality::Face), 1);
    assert_eq!(count(rekam::workflow::Modality::Finger), 10);
    assert_eq!(count(rekam::workflow::Modality::Iris), 2);
    assert_eq!(count(rekam::workflow::Modality::Signature), 1);
    let face = request
        .captures
        .iter()
        .find(|c| c.modality == rekam::workflow::Modality::Face)
        .expect("face");
    assert_eq!(face.format, Some(rekam::workflow::Encoding::Jpeg));
    let proof = std::fs::read(data_dir.join("proofs").join(format!("{register}.pdf")))
        .expect("the proof of recording was saved");
    assert!(proof.starts_with(b"%PDF"));
}

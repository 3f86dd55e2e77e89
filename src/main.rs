//! The `rekam` command: the kiosk by default, plus administration commands.

mod batch_cli;
mod number_cli;
mod quality_cli;
mod station_cli;
mod user_cli;

use number_cli::{print_number, region_row};
use station_cli::{doctor, read_new_password, simulate_day, status};

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use serde_json::json;
use zeroize::Zeroizing;

use rekam::domain::nik::{self, Described, NumberKind, Report};
use rekam::domain::{Sex, StationMode};
use rekam::store::{self, NewUser, Paths, Role, StationSetup, Store, SystemClock};
use rekam::{Lang, Localize};

#[derive(Debug, Parser)]
#[command(
    name = "rekam",
    version,
    about = "Rekam: stasiun perekaman KTP-el / KTP-el recording station"
)]
struct Cli {
    /// Data directory (database and lock). Default: the platform's data directory.
    #[arg(long, global = true, env = "REKAM_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The station data key file, kept apart from the data. Default: the platform's config directory.
    #[arg(long, global = true, env = "REKAM_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// Language of messages: id (Bahasa Indonesia) or en.
    #[arg(long, global = true, env = "REKAM_LANG", default_value = "id")]
    lang: Lang,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the kiosk (the default): full screen, simulated devices where none are attached.
    Kiosk {
        /// A normal window instead of full-screen kiosk mode (development, demos).
        #[arg(long)]
        windowed: bool,
        /// Open the applicant's screen as a second window (a second display). Without it the
        /// operator shows the applicant panel with F12.
        #[arg(long)]
        applicant_window: bool,
        /// Simulated devices at full speed instead of their real pace.
        #[arg(long)]
        fast_devices: bool,
        /// Quit once the login screen has been drawn (start-up benchmark).
        #[arg(long, hide = true)]
        exit_at_login: bool,
        /// Show the face preview on the simulated camera, print the frame rate drawn and quit
        /// (preview benchmark).
        #[arg(long, hide = true)]
        preview_benchmark: bool,
    },
    /// What the kiosk would open on: the station, waiting tickets, open requests, the audit chain.
    Status,
    /// Set up a new station: the data key, the database and the first supervisor. The supervisor's
    /// password is asked for on a terminal, or read from the first line of standard input.
    Setup {
        /// 6-digit kecamatan code (e.g. 331301).
        #[arg(long)]
        kecamatan: String,
        /// Station id within the kecamatan: 1-8 capital letters or digits (e.g. 01).
        #[arg(long)]
        station: String,
        /// The first supervisor's username.
        #[arg(long)]
        supervisor: String,
        /// The first supervisor's full name.
        #[arg(long)]
        name: String,
        /// The first supervisor's NIP, if any.
        #[arg(long)]
        nip: Option<String>,
        /// production (real applicants, real devices only, never a simulator) or training
        /// (simulators and sample data; everything it makes is marked). Fixed for the station's
        /// life: changing it takes a new station.
        #[arg(long)]
        mode: StationMode,
    },
    /// Check and decode a NIK. Exit status 0 when valid (warnings allowed), 2 when invalid.
    Nik {
        nik: String,
        /// Birth date on file (YYYY-MM-DD), compared with the NIK.
        #[arg(long)]
        born: Option<NaiveDate>,
        /// Sex on file, L or P, compared with the NIK.
        #[arg(long)]
        sex: Option<Sex>,
        #[arg(long)]
        json: bool,
    },
    /// Check and decode a No. KK (family card number). Exit status 0 when valid, 2 when invalid.
    Kk {
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Close the day (when nothing is open) and write its signed, encrypted batch packet into a
    /// folder, typically a USB drive. The supervisor's password is asked for on a terminal, or
    /// read from the first line of standard input. Exit status 1 when the day cannot close.
    Export {
        /// The service day (YYYY-MM-DD); default today.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// The folder to write the packet into.
        #[arg(long)]
        out: PathBuf,
        /// The supervisor's username.
        #[arg(long)]
        user: String,
        /// Receiver key (age1...), repeatable; default: [export] recipients of the settings.
        #[arg(long = "recipient")]
        recipients: Vec<String>,
    },
    /// Check a batch packet: structure, signature, registered station key and hashes; with the
    /// receiver's key also decrypt it and check every record, part and count. Exit status 0 when
    /// intact, 1 when a problem is found (each one named), 2 when it cannot be checked.
    VerifyBatch {
        file: PathBuf,
        /// The receiver's age identity file (AGE-SECRET-KEY-1...).
        #[arg(long)]
        identity: Option<PathBuf>,
        /// Registry of station keys: lines `<kecamatan> <station> <public key hex>` (what
        /// `rekam station-key` prints). This station's own key is always trusted.
        #[arg(long)]
        stations: Option<PathBuf>,
        /// Write an acknowledgement accepting every record (needs --identity, --ack-key and an
        /// intact batch).
        #[arg(long)]
        ack_out: Option<PathBuf>,
        /// The receiver's Ed25519 signing key file that signs the acknowledgement (made by
        /// `rekam receiver-keygen`).
        #[arg(long)]
        ack_key: Option<PathBuf>,
        /// A receiver the packet must be encrypted to (age1...), repeatable: any recipient
        /// missing or not expected is a problem.
        #[arg(long = "expect-recipient")]
        expect_recipients: Vec<String>,
        /// The receiver's ledger (created when missing): a packet seen before, or one whose
        /// station audit chain went back, is a problem; a clean decrypted packet is recorded.
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// The receiver's name in the acknowledgement.
        #[arg(long, default_value = "Dinas Dukcapil")]
        receiver: String,
        #[arg(long)]
        json: bool,
    },
    /// Import the receiver's acknowledgement of a batch: records become accepted (or rejected,
    /// with the reason); accepted biometrics are deleted once the retention has passed.
    ImportAck {
        file: PathBuf,
        /// The supervisor's username (password as for export).
        #[arg(long)]
        user: String,
    },
    /// Write the day's register book and SOP report as PDF and CSV into a folder.
    Report {
        /// The service day (YYYY-MM-DD); default today.
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the station's public signing key, for registration at the Dinas Dukcapil.
    StationKey,
    /// The receiver's side: make the Ed25519 key that signs acknowledgements (kept at the Dinas,
    /// mode 0600) and print its public half, which every station pins (`rekam receiver add`).
    ReceiverKeygen {
        /// The key file to create (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// User administration: a supervisor adds, lists, deactivates and activates users, resets
    /// a password (to be changed at the next login), unlocks an account, issues and revokes
    /// officer cards; `passwd` changes one's own password. Passwords and PINs are asked for on
    /// a terminal, or read from standard input, one per line (the acting supervisor's first).
    User {
        #[command(subcommand)]
        command: user_cli::UserCommand,
    },
    /// The receiver keys pinned at this station: acknowledgements are accepted only under one.
    Receiver {
        #[command(subcommand)]
        command: ReceiverCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check the station's devices: what is attached, whether each class uses the real device or
    /// the simulator, and what to do about anything missing. Exit status 0 when every class can
    /// work, 1 otherwise.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Run simulated applicants through the whole recording procedure with simulated devices
    /// (driven through the real drivers), storing real records in a training station; prints a
    /// summary. Needs --data-dir; the station is set up there on first use.
    /// Check images (or signature strokes) with the capture quality gates: every check, its score
    /// and the verdict. Exit status 0 when every file is acceptable, 1 when one is not, 2 when one
    /// cannot be read.
    Quality {
        #[command(subcommand)]
        modality: QualityCommand,
    },
    SimulateDay {
        /// How many applicants come.
        #[arg(long, default_value_t = 20)]
        applicants: u32,
        /// Seed of the day: the same seed gives the same applicants.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The day to simulate (YYYY-MM-DD); default today.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Devices at their real pace (a signature takes seconds), for demos.
        #[arg(long)]
        realtime: bool,
    },
}

#[derive(Debug, Subcommand)]
enum QualityCommand {
    /// Face photos (JPEG, PNG): one face, eyes, size, centring, pose, exposure, sharpness, and
    /// the plain backdrop in the colour of the birth year.
    Face {
        /// The applicant's birth year: odd wants a red backdrop, even a blue one. Without it,
        /// red or blue passes.
        #[arg(long)]
        born: Option<i32>,
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Grey 500 ppi fingerprint images: one finger, or a slap with --slap.
    Finger {
        /// The image is a four-finger slap of this hand, or both thumbs: right, left, thumbs.
        #[arg(long)]
        slap: Option<SlapArg>,
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Near-infrared eye images: an eye present, focused, the iris not covered.
    Iris {
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Signature strokes as the station stores them (JSON): not empty, enough ink, not a dot
    /// or a line, within the pad.
    Signature {
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SlapArg {
    Right,
    Left,
    Thumbs,
}

#[derive(Debug, Subcommand)]
enum ReceiverCommand {
    /// Pin a receiver's public key (a supervisor; password as for export).
    Add {
        /// Who the key belongs to, e.g. "Dinas Dukcapil Kab. Karanganyar".
        #[arg(long)]
        name: String,
        /// The public key, 64 hex digits (what `rekam receiver-keygen` printed).
        key: String,
        #[arg(long)]
        user: String,
    },
    /// The pinned keys.
    List,
    /// Remove a pinned key: acknowledgements under it are refused from now on.
    Remove {
        key: String,
        #[arg(long)]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain. Exit status 0 when intact, 1 when broken.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = cli.lang;
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Errors we know how to explain are explained in the operator's language.
            let message = if let Some(s) = e.downcast_ref::<store::StoreError>() {
                s.localize(lang)
            } else if let Some(s) = e.downcast_ref::<store::SetupOrStoreError>() {
                s.localize(lang)
            } else if let Some(s) = e.downcast_ref::<rekam::simulate::RefusedOnProduction>() {
                s.localize(lang)
            } else {
                format!("{e:#}")
            };
            eprintln!("rekam: {message}");
            ExitCode::FAILURE
        }
    }
}

fn paths(cli: &Cli) -> Paths {
    Paths {
        data_dir: cli.data_dir.clone().unwrap_or_else(Paths::default_data_dir),
        key_file: cli
            .key_file
            .clone()
            .unwrap_or_else(store::key::default_key_file),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    let paths = paths(&cli);
    if let Some(Command::SimulateDay {
        applicants,
        seed,
        date,
        realtime,
    }) = cli.command
    {
        let Some(data_dir) = cli.data_dir.clone() else {
            anyhow::bail!(
                "{}",
                lang.pick(
                    "simulate-day perlu --data-dir: direktori data stasiun latihan",
                    "simulate-day needs --data-dir: the training station's data directory"
                )
            );
        };
        // A training station keeps its key beside its data directory unless told otherwise.
        let mut paths = Paths::training(data_dir);
        if let Some(key_file) = cli.key_file.clone() {
            paths.key_file = key_file;
        }
        let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
        return simulate_day(&paths, applicants, seed, date, realtime, lang);
    }
    let default = Command::Kiosk {
        windowed: false,
        applicant_window: false,
        fast_devices: false,
        exit_at_login: false,
        preview_benchmark: false,
    };
    match cli.command.unwrap_or(default) {
        Command::Kiosk {
            windowed,
            applicant_window,
            fast_devices,
            exit_at_login,
            preview_benchmark,
        } => {
            rekam::ui::run(rekam::ui::Options {
                paths,
                windowed,
                // The station's own language unless one was asked for.
                lang: (lang != Lang::Id).then_some(lang),
                applicant_window,
                fast_devices,
                exit_at_login,
                preview_benchmark,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => status(&paths, lang),
        Command::Setup {
            kecamatan,
            station,
            supervisor,
            name,
            nip,
            mode,
        } => {
            let password = read_new_password(lang)?;
            let setup = StationSetup {
                kecamatan_code: kecamatan,
                station_id: station,
                mode,
                supervisor: NewUser {
                    username: supervisor,
                    full_name: name,
                    nip,
                    role: Role::Supervisor,
                    password,
                },
            };
            let mut store = Store::setup(&paths, &setup, Arc::new(SystemClock))?;
            rekam::devices::wallet::issue_first_card(&mut store)?;
            if store.station().mode.is_training() {
                println!(
                    "{} (PIN {})",
                    lang.pick(
                        "Kartu petugas latihan diterbitkan untuk supervisor pertama",
                        "A training officer card was issued to the first supervisor"
                    ),
                    rekam::devices::wallet::FIRST_CARD_PIN
                );
            }
            let s = store.station();
            println!(
                "{} {} ({}) / {} {} ({} {})",
                lang.pick("Stasiun disiapkan:", "Station set up:"),
                s.kecamatan_name,
                s.kecamatan_code,
                lang.pick("stasiun", "station"),
                s.station_id,
                lang.pick("mode", "mode"),
                s.mode.localize(lang)
            );
            println!(
                "{} {}",
                lang.pick("Kunci data:", "Data key:"),
                paths.key_file.display()
            );
            if let Ok(Some(key)) = store.signing_public_key() {
                println!(
                    "{} {} ({}: {})",
                    lang.pick("Kunci tanda tangan stasiun:", "Station signing key:"),
                    paths.signing_key_file().display(),
                    lang.pick("sidik", "fingerprint"),
                    store::signing::fingerprint(&key)
                );
                println!(
                    "{}",
                    lang.pick(
                        "Daftarkan kunci publiknya di Dinas Dukcapil: rekam station-key",
                        "Register its public key at the Dinas Dukcapil: rekam station-key"
                    )
                );
            }
            println!(
                "{}",
                lang.pick(
                    "Simpan salinan file kunci data di tempat aman terpisah: tanpa kunci itu data biometrik tidak dapat dibuka.",
                    "Keep a copy of the data key file in a separate safe place: without it the biometrics cannot be opened."
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Nik {
            nik,
            born,
            sex,
            json,
        } => {
            let today = chrono::Local::now().date_naive();
            let report = nik::check_nik(&nik, today, born, sex);
            print_number(&nik, &report, json, lang, |n| {
                vec![
                    region_row(&n.region, lang),
                    (
                        lang.pick("Tanggal lahir", "Date of birth"),
                        n.birth_date.format("%d-%m-%Y").to_string(),
                    ),
                    (lang.pick("Jenis kelamin", "Sex"), n.sex.localize(lang)),
                    (
                        lang.pick("Nomor urut", "Serial"),
                        format!("{:04}", n.serial),
                    ),
                ]
            })
        }
        Command::Kk { number, json } => {
            let today = chrono::Local::now().date_naive();
            let report = nik::check_kk(&number, today);
            print_number(&number, &report, json, lang, |n| {
                vec![
                    region_row(&n.region, lang),
                    (
                        lang.pick("Tanggal terbit", "Issued on"),
                        n.issue_date.format("%d-%m-%Y").to_string(),
                    ),
                    (
                        lang.pick("Nomor urut", "Serial"),
                        format!("{:04}", n.serial),
                    ),
                ]
            })
        }
        Command::Doctor { json } => doctor(&paths, json, lang),
        Command::Export {
            date,
            out,
            user,
            recipients,
        } => {
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            batch_cli::export(&paths, lang, date, &out, &user, &recipients)
        }
        Command::VerifyBatch {
            file,
            identity,
            stations,
            ack_out,
            ack_key,
            expect_recipients,
            ledger,
            receiver,
            json,
        } => batch_cli::verify(
            &paths,
            lang,
            &batch_cli::VerifyArgs {
                file: &file,
                identity: identity.as_deref(),
                stations: stations.as_deref(),
                ack_out: ack_out.as_deref(),
                ack_key: ack_key.as_deref(),
                expect_recipients: &expect_recipients,
                ledger: ledger.as_deref(),
                receiver: &receiver,
                json,
            },
        )
        .or_else(|e| {
            eprintln!("rekam: {e:#}");
            Ok(ExitCode::from(2))
        }),
        Command::ImportAck { file, user } => batch_cli::import_ack(&paths, lang, &file, &user),
        Command::Report { date, out } => {
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            batch_cli::report(&paths, lang, date, &out)
        }
        Command::StationKey => batch_cli::station_key(&paths, lang),
        Command::User { command } => user_cli::run(&paths, lang, command),
        Command::ReceiverKeygen { out } => batch_cli::receiver_keygen(&out, lang),
        Command::Receiver { command } => match command {
            ReceiverCommand::Add { name, key, user } => {
                batch_cli::receiver_add(&paths, lang, &name, &key, &user)
            }
            ReceiverCommand::List => batch_cli::receiver_list(&paths, lang),
            ReceiverCommand::Remove { key, user } => {
                batch_cli::receiver_remove(&paths, lang, &key, &user)
            }
        },
        Command::SimulateDay { .. } => unreachable!("handled above"),
        Command::Quality { modality } => {
            use rekam::capture::file::Subject;
            use rekam_fingerprint::{CaptureMode, Hand};
            let (subject, json, files) = match modality {
                QualityCommand::Face { born, json, files } => (Subject::Face { born }, json, files),
                QualityCommand::Finger { slap, json, files } => {
                    let slap = slap.map(|s| match s {
                        SlapArg::Right => CaptureMode::slap(Hand::Right),
                        SlapArg::Left => CaptureMode::slap(Hand::Left),
                        SlapArg::Thumbs => CaptureMode::TwoThumbs,
                    });
                    (Subject::Finger { slap }, json, files)
                }
                QualityCommand::Iris { json, files } => (Subject::Iris, json, files),
                QualityCommand::Signature { json, files } => (Subject::Signature, json, files),
            };
            Ok(quality_cli::run(subject, &files, json, lang))
        }
        Command::Audit {
            command: AuditCommand::Verify { json },
        } => {
            let store = Store::open(&paths, Arc::new(SystemClock))?;
            let v = store.verify_audit()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else if let Some(b) = &v.broken {
                println!(
                    "{} {} ({:?}). {}",
                    lang.pick("RANTAI AUDIT RUSAK pada baris", "AUDIT CHAIN BROKEN at row"),
                    b.seq,
                    b.reason,
                    lang.pick(
                        "Catatan audit telah diubah atau dihapus di luar Rekam. Laporkan ke Dinas Dukcapil.",
                        "The audit log was altered or deleted outside Rekam. Report it to the Dinas Dukcapil."
                    )
                );
            } else {
                println!(
                    "{} {} {}; {} {}",
                    lang.pick("Rantai audit utuh:", "Audit chain intact:"),
                    v.rows,
                    lang.pick("baris", "rows"),
                    lang.pick("kepala", "head"),
                    v.head.as_deref().unwrap_or("-")
                );
            }
            Ok(if v.broken.is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

//! The day-close commands of `rekam`: export, verify-batch, import-ack, report, station-key.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use zeroize::Zeroizing;

use rekam::batch::{self, ExportRequest, TrustedStation, TrustedStations};
use rekam::devices::settings::DeviceSettings;
use rekam::store::{Paths, Store, SystemClock, User, signing};
use rekam::workflow::{CloseError, OpenItem};
use rekam::{Lang, Localize};

/// Signs in the supervisor named `user`: the password is asked for on a terminal, or read from
/// the first line of standard input (scripts and tests).
fn sign_in(store: &mut Store, user: &str, lang: Lang) -> anyhow::Result<User> {
    let password = if std::io::stdin().is_terminal() {
        Zeroizing::new(rpassword::prompt_password(format!(
            "{} {user}: ",
            lang.pick("Kata sandi", "Password for")
        ))?)
    } else {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
    };
    let u = store
        .authenticate(user, &password)
        .map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?;
    anyhow::ensure!(
        !store.must_change_password(&u)?,
        "{}",
        lang.pick(
            "Kata sandi Anda harus diganti dulu: rekam user passwd NAMA",
            "Your password must be changed first: rekam user passwd NAME"
        )
    );
    Ok(u)
}

fn describe(item: &OpenItem, lang: Lang) -> String {
    match item {
        OpenItem::WaitingTicket { code, .. } => format!(
            "{code}: {}",
            lang.pick(
                "belum dipanggil (panggil, atau batalkan dengan alasan)",
                "not called (call it, or cancel it with a reason)"
            )
        ),
        OpenItem::OpenRequest {
            ticket,
            step,
            full_name,
            ..
        } => format!(
            "{ticket} {}: {} '{}' ({})",
            full_name.as_deref().unwrap_or(""),
            lang.pick("masih di tahap", "still at"),
            step.localize(lang),
            lang.pick(
                "selesaikan, atau batalkan/tunda dengan alasan",
                "finish it, or cancel/defer it with a reason"
            )
        ),
        OpenItem::NotValidated { ticket, .. } => format!(
            "{ticket}: {}",
            lang.pick(
                "terekam tanpa validasi supervisor",
                "recorded without a supervisor's validation"
            )
        ),
    }
}

fn print_open_items(items: &[OpenItem], lang: Lang) {
    eprintln!(
        "{}",
        lang.pick(
            "Hari belum dapat ditutup. Yang masih terbuka:",
            "The day cannot close yet. Still open:"
        )
    );
    for item in items {
        eprintln!("  - {}", describe(item, lang));
    }
}

/// `rekam export`: closes the day if it can, then writes the packet into `out`.
pub fn export(
    paths: &Paths,
    lang: Lang,
    date: NaiveDate,
    out: &Path,
    user: &str,
    recipients: &[String],
) -> anyhow::Result<ExitCode> {
    let settings = DeviceSettings::load(&paths.data_dir)?;
    let keys: Vec<String> = if recipients.is_empty() {
        settings.export.recipients.clone()
    } else {
        recipients.to_vec()
    };
    let recipients =
        batch::parse_recipients(&keys).map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?;
    let mut store = Store::open(paths, Arc::new(SystemClock))?;
    let supervisor = sign_in(&mut store, user, lang)?;
    match store.close_day(&supervisor, date) {
        Ok(_) => {}
        Err(CloseError::Open(items)) => {
            print_open_items(&items, lang);
            return Ok(ExitCode::FAILURE);
        }
        Err(CloseError::Workflow(e)) => anyhow::bail!("{}", e.localize(lang)),
        Err(CloseError::AuditBroken(b)) => anyhow::bail!(
            "{}",
            rekam::workflow::close::AuditBrokenText(b).localize(lang)
        ),
    }
    let request = ExportRequest {
        date,
        out_dir: out.to_path_buf(),
        recipients,
    };
    let mut stdout = std::io::stdout();
    let mut progress = |done: usize, total: usize| {
        let _ = writeln!(stdout, "{} {done}/{total}", lang.pick("Rekaman", "Record"));
        let _ = stdout.flush();
    };
    let exported = batch::export_day(&mut store, &supervisor, &request, &mut progress)
        .map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?;
    println!(
        "{} {} ({} {}, {:.1} MB)\nSHA-256 {}",
        lang.pick("Batch ditulis:", "Batch written:"),
        exported.path.display(),
        exported.records,
        lang.pick("rekaman", "records"),
        exported.bytes as f64 / 1e6,
        exported.sha256
    );
    Ok(ExitCode::SUCCESS)
}

/// The registered stations a verification trusts: the registry file if given, and this
/// station's own key when this machine is a station.
fn trusted(paths: &Paths, stations: Option<&Path>) -> anyhow::Result<TrustedStations> {
    let mut trusted = match stations {
        Some(p) => TrustedStations::load(p)?,
        None => TrustedStations::default(),
    };
    if let Ok(store) = Store::open(paths, Arc::new(SystemClock))
        && let Ok(Some(key)) = store.signing_public_key()
    {
        let s = store.station();
        trusted.add(TrustedStation {
            kecamatan_code: s.kecamatan_code.clone(),
            station_id: s.station_id.clone(),
            public_key: key,
        });
    }
    Ok(trusted)
}

/// What `rekam verify-batch` was asked.
pub struct VerifyArgs<'a> {
    pub file: &'a Path,
    pub identity: Option<&'a Path>,
    pub stations: Option<&'a Path>,
    pub ack_out: Option<&'a Path>,
    pub ack_key: Option<&'a Path>,
    pub expect_recipients: &'a [String],
    pub ledger: Option<&'a Path>,
    pub receiver: &'a str,
    pub json: bool,
}

/// `rekam verify-batch`. Exit 0 when the packet is intact and from a registered station, 1
/// when anything is wrong (each problem printed), 2 when it could not be checked.
pub fn verify(paths: &Paths, lang: Lang, args: &VerifyArgs<'_>) -> anyhow::Result<ExitCode> {
    let VerifyArgs {
        file,
        identity,
        stations,
        ack_out,
        ack_key,
        expect_recipients,
        ledger,
        receiver,
        json,
    } = *args;
    let loc = |e: batch::VerifyError| anyhow::anyhow!("{}", e.localize(lang));
    // The acknowledgement's key is loaded before anything is checked: a wrong key file is said
    // at once, not after a long packet was read.
    let ack_key = match (ack_out, ack_key) {
        (Some(_), Some(k)) => Some(
            rekam::store::StationSigningKey::load(k)
                .map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?,
        ),
        (Some(_), None) => anyhow::bail!(
            "{}",
            lang.pick(
                "--ack-out perlu --ack-key: kunci penanda tangan penerima (rekam receiver-keygen).",
                "--ack-out needs --ack-key: the receiver's signing key (rekam receiver-keygen)."
            )
        ),
        (None, _) => None,
    };
    let trusted = trusted(paths, stations)?;
    let identities = identity
        .map(batch::read_identities)
        .transpose()
        .map_err(loc)?;
    let mut v = batch::verify_batch(file, &trusted, identities.as_deref()).map_err(loc)?;
    if !expect_recipients.is_empty() {
        batch::check_recipients(&mut v, expect_recipients);
    }
    let mut book = ledger
        .map(batch::Ledger::load)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let (Some(book), Some(path)) = (&mut book, ledger) {
        book.check(&mut v);
        if book.record(
            &v,
            &rekam::store::timestamp(chrono::Local::now().fixed_offset()),
        ) {
            book.save(path).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    if json {
        let problems: Vec<serde_json::Value> = v
            .problems
            .iter()
            .map(|p| {
                let mut j = serde_json::to_value(p).unwrap_or_default();
                if let Some(o) = j.as_object_mut() {
                    o.insert("message".into(), p.localize(lang).into());
                }
                j
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "file": v.file,
                "ok": v.is_ok(),
                "sha256": v.file_sha256,
                "signature_valid": v.signature_valid,
                "station": v.station.as_ref().map(|s| format!("{} {}", s.kecamatan_code, s.station_id)),
                "decrypted": v.decrypted,
                "records": v.header.as_ref().map(|h| h.record_count),
                "records_checked": v.records_checked,
                "parts_checked": v.parts_checked,
                "station_mode": v.header.as_ref().map(|h| h.station_mode),
                "simulated_records": v.simulated_records,
                "problems": problems,
            }))?
        );
    } else {
        println!("{}: {}", lang.pick("Berkas", "File"), file.display());
        println!("SHA-256: {}", v.file_sha256);
        if let Some(h) = &v.header {
            println!(
                "{}: {} {} · {} {} · {} {}",
                lang.pick("Batch", "Batch"),
                h.kecamatan_code,
                h.station_id,
                lang.pick("hari", "day"),
                h.service_day,
                h.record_count,
                lang.pick("rekaman", "records")
            );
        }
        println!(
            "{}: {}",
            lang.pick("Tanda tangan", "Signature"),
            match (v.signature_valid, &v.station) {
                (true, Some(s)) => format!(
                    "{} {} {}",
                    lang.pick("sah, stasiun terdaftar", "valid, registered station"),
                    s.kecamatan_code,
                    s.station_id
                ),
                (true, None) => lang
                    .pick(
                        "sah, tetapi kunci tidak terdaftar",
                        "valid, but the key is not registered"
                    )
                    .into(),
                (false, _) => lang.pick("TIDAK SAH", "NOT VALID").into(),
            }
        );
        if v.decrypted {
            println!(
                "{}: {} {}, {} {}",
                lang.pick("Didekripsi dan diperiksa", "Decrypted and checked"),
                v.records_checked,
                lang.pick("rekaman", "records"),
                v.parts_checked,
                lang.pick("bagian", "parts")
            );
        } else if identity.is_none() {
            println!(
                "{}",
                lang.pick(
                    "Isi tidak didekripsi (tanpa --identity): hanya tanda tangan dan hash yang diperiksa.",
                    "Content not decrypted (no --identity): only the signature and hashes were checked."
                )
            );
        }
        if v.training() {
            println!(
                "{}",
                lang.pick(
                    "PERHATIAN: batch dari STASIUN LATIHAN; isinya bukan perekaman KTP-el yang sah.",
                    "NOTE: a batch from a TRAINING STATION; its content is not a valid KTP-el recording."
                )
            );
            if !v.simulated_records.is_empty() {
                println!(
                    "{}: {}",
                    lang.pick(
                        "Rekaman dengan hasil simulator",
                        "Records with simulator captures"
                    ),
                    v.simulated_records.join(", ")
                );
            }
        }
        for p in &v.problems {
            println!("  ✗ {}", p.localize(lang));
        }
        println!(
            "{}",
            if v.is_ok() {
                lang.pick("HASIL: UTUH", "RESULT: INTACT")
            } else {
                lang.pick("HASIL: BERMASALAH", "RESULT: PROBLEMS FOUND")
            }
        );
    }
    if let (Some(out), Some(key)) = (ack_out, &ack_key) {
        match batch::make_ack(&v, receiver, chrono::Local::now().fixed_offset()) {
            Some(ack) => {
                let signed = batch::sign_ack(&ack, key);
                std::fs::write(out, serde_json::to_string_pretty(&signed)? + "\n")
                    .with_context(|| format!("writing {}", out.display()))?;
                if !json {
                    println!("{}: {}", lang.pick("Tanda terima ditulis", "Acknowledgement written"), out.display());
                }
            }
            None => eprintln!(
                "rekam: {}",
                lang.pick(
                    "tanda terima tidak dibuat: batch harus utuh dan didekripsi (--identity).",
                    "no acknowledgement written: the batch must be intact and decrypted (--identity)."
                )
            ),
        }
    }
    Ok(if v.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `rekam import-ack`.
pub fn import_ack(paths: &Paths, lang: Lang, file: &Path, user: &str) -> anyhow::Result<ExitCode> {
    let settings = DeviceSettings::load(&paths.data_dir)?;
    let text = batch::read_ack_file(file).with_context(|| format!("reading {}", file.display()))?;
    let mut store = Store::open(paths, Arc::new(SystemClock))?;
    let supervisor = sign_in(&mut store, user, lang)?;
    let done = store
        .import_ack(&supervisor, &text, settings.export.retention())
        .map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?;
    println!(
        "{} {}: {} {}, {} {}; {} {}",
        lang.pick("Tanda terima", "Acknowledgement of"),
        done.batch,
        done.accepted,
        lang.pick("diterima", "accepted"),
        done.rejected,
        lang.pick("ditolak", "rejected"),
        done.purged,
        lang.pick(
            "rekaman dihapus biometrik dan biodatanya (masa simpan lewat)",
            "records had their biometrics and biodata deleted (retention passed)"
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// `rekam receiver-keygen`: the receiver's acknowledgement signing key.
pub fn receiver_keygen(out: &Path, lang: Lang) -> anyhow::Result<ExitCode> {
    let key = rekam::store::StationSigningKey::create(out)
        .map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?;
    println!(
        "# {} ({}: {})",
        lang.pick(
            "Kunci penanda tangan tanda terima; sematkan kunci publik ini di setiap stasiun: rekam receiver add --name NAMA KUNCI",
            "Acknowledgement signing key; pin this public key at every station: rekam receiver add --name NAME KEY"
        ),
        lang.pick("sidik", "fingerprint"),
        signing::fingerprint(&key.public_hex())
    );
    println!("{}", key.public_hex());
    Ok(ExitCode::SUCCESS)
}

/// `rekam receiver add`.
pub fn receiver_add(
    paths: &Paths,
    lang: Lang,
    name: &str,
    key: &str,
    user: &str,
) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(paths, Arc::new(SystemClock))?;
    let supervisor = sign_in(&mut store, user, lang)?;
    let pinned = store
        .pin_receiver_key(&supervisor, name, key)
        .map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?;
    println!(
        "{} {} ({}: {})",
        lang.pick("Kunci penerima disematkan:", "Receiver key pinned:"),
        pinned.name,
        lang.pick("sidik", "fingerprint"),
        pinned.fingerprint()
    );
    Ok(ExitCode::SUCCESS)
}

/// `rekam receiver list`.
pub fn receiver_list(paths: &Paths, lang: Lang) -> anyhow::Result<ExitCode> {
    let store = Store::open(paths, Arc::new(SystemClock))?;
    let keys = store.receiver_keys()?;
    if keys.is_empty() {
        println!(
            "{}",
            lang.pick(
                "Belum ada kunci penerima: tanda terima tidak dapat dimasukkan.",
                "No receiver key pinned: acknowledgements cannot be imported."
            )
        );
    }
    for k in &keys {
        println!(
            "{}  {}  {}  {}",
            k.public_key,
            k.fingerprint(),
            k.added_at,
            k.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `rekam receiver remove`.
pub fn receiver_remove(
    paths: &Paths,
    lang: Lang,
    key: &str,
    user: &str,
) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(paths, Arc::new(SystemClock))?;
    let supervisor = sign_in(&mut store, user, lang)?;
    let removed = store
        .unpin_receiver_key(&supervisor, key)
        .map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?;
    println!(
        "{}",
        if removed {
            lang.pick("Kunci penerima dicabut.", "Receiver key removed.")
        } else {
            lang.pick("Kunci itu tidak disematkan.", "That key is not pinned.")
        }
    );
    Ok(if removed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `rekam report`.
pub fn report(paths: &Paths, lang: Lang, date: NaiveDate, out: &Path) -> anyhow::Result<ExitCode> {
    let store = Store::open(paths, Arc::new(SystemClock))?;
    let r = rekam::report::write_day_reports(&store, date, lang, out)?;
    for p in [&r.register_pdf, &r.register_csv, &r.sop_pdf, &r.sop_csv] {
        println!("{}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `rekam station-key`: the public key to register at the Dinas, in the registry line format.
pub fn station_key(paths: &Paths, lang: Lang) -> anyhow::Result<ExitCode> {
    let store = Store::open(paths, Arc::new(SystemClock))?;
    let s = store.station();
    let key = store
        .signing_public_key()?
        .context("the station has no signing key")?;
    println!(
        "# {} {} ({}) {} {}",
        lang.pick("Kunci tanda tangan stasiun", "Station signing key"),
        s.kecamatan_name,
        s.kecamatan_code,
        lang.pick("stasiun", "station"),
        s.station_id
    );
    println!(
        "# {}: {}",
        lang.pick("Sidik", "Fingerprint"),
        signing::fingerprint(&key)
    );
    println!("{} {} {key}", s.kecamatan_code, s.station_id);
    Ok(ExitCode::SUCCESS)
}

//! The station commands of `rekam`: the new supervisor's password at setup, `status`,
//! `doctor` and `simulate-day`.

use super::*;

/// The new supervisor's password: asked twice without echo on a terminal, otherwise the first
/// line of standard input (for scripts and tests).
pub(crate) fn read_new_password(lang: Lang) -> anyhow::Result<Zeroizing<String>> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = Zeroizing::new(rpassword::prompt_password(
            lang.pick("Kata sandi supervisor: ", "Supervisor password: "),
        )?);
        let again = Zeroizing::new(rpassword::prompt_password(
            lang.pick("Ulangi kata sandi: ", "Repeat the password: "),
        )?);
        anyhow::ensure!(
            *first == *again,
            "{}",
            lang.pick("Kedua kata sandi tidak sama.", "The two passwords differ.")
        );
        return Ok(first);
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

/// Until the iced kiosk lands this reports what the kiosk would open on: the setup screen on a
/// new station, otherwise the station, today's queue and the requests it would resume.
pub(crate) fn status(paths: &Paths, lang: Lang) -> anyhow::Result<ExitCode> {
    println!(
        "Rekam {} — {}",
        env!("CARGO_PKG_VERSION"),
        lang.pick("stasiun perekaman KTP-el", "KTP-el recording station")
    );
    println!(
        "{} {}",
        lang.pick("Folder data:", "Data directory:"),
        paths.data_dir.display()
    );
    let store = match Store::open(paths, Arc::new(SystemClock)) {
        Err(store::StoreError::NotSetUp) => {
            println!(
                "{}",
                lang.pick(
                    "Stasiun belum disiapkan: kiosk membuka layar penyiapan stasiun (kode kecamatan, nomor stasiun, supervisor pertama, kunci data).",
                    "The station is not set up: the kiosk opens the station setup screen (kecamatan code, station id, first supervisor, data key)."
                )
            );
            println!(
                "{} rekam setup --mode production --kecamatan 331301 --station 01 --supervisor admin --name \"NAMA SUPERVISOR\" < sandi.txt",
                lang.pick("Dari baris perintah:", "From the command line:")
            );
            return Ok(ExitCode::SUCCESS);
        }
        other => other?,
    };
    let s = store.station();
    println!(
        "{} {} ({}), {} {}",
        lang.pick("Kecamatan", "Kecamatan"),
        s.kecamatan_name,
        s.kecamatan_code,
        lang.pick("stasiun", "station"),
        s.station_id
    );
    let waiting = store.waiting_tickets()?;
    println!(
        "{} {}",
        lang.pick("Antrian menunggu hari ini:", "Tickets waiting today:"),
        waiting.len()
    );
    let open = store.open_requests()?;
    if open.is_empty() {
        println!(
            "{}",
            lang.pick(
                "Tidak ada permohonan yang belum selesai: kiosk akan membuka layar login.",
                "No unfinished request: the kiosk would open the login screen."
            )
        );
    } else {
        println!(
            "{}",
            lang.pick(
                "Permohonan yang akan dilanjutkan setelah login:",
                "Requests to resume after login:"
            )
        );
        for r in &open {
            println!(
                "  {} {} — {}{}",
                r.ticket,
                r.full_name.as_deref().unwrap_or("-"),
                r.step.localize(lang),
                r.register_number
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
        }
    }
    let v = store.verify_audit()?;
    match v.broken {
        None => println!(
            "{} {} {}",
            lang.pick("Rantai audit utuh:", "Audit chain intact:"),
            v.rows,
            lang.pick("baris", "rows")
        ),
        Some(b) => println!(
            "{} {}",
            lang.pick(
                "PERINGATAN: rantai audit rusak pada baris",
                "WARNING: audit chain broken at row"
            ),
            b.seq
        ),
    }
    println!(
        "{}",
        lang.pick(
            "(Antarmuka kiosk iced menyusul; perintah ini melaporkan keadaan stasiun.)",
            "(The iced kiosk interface follows; this command reports the station's state.)"
        )
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn doctor(paths: &Paths, json: bool, lang: Lang) -> anyhow::Result<ExitCode> {
    use rekam::devices::{DeviceSettings, doctor};
    let settings = DeviceSettings::load(&paths.data_dir)?;
    // A station whose mode cannot be read (its key file missing, say) is judged as a production
    // station: no simulator is called ready on a guess.
    let (station, unreadable) = match Store::peek_mode(paths) {
        Ok(mode) => (mode, None),
        Err(e) => (Some(StationMode::Production), Some(e)),
    };
    if let Some(e) = &unreadable {
        eprintln!(
            "rekam: {} {}",
            lang.pick(
                "jenis stasiun tidak terbaca, diperiksa sebagai stasiun produksi:",
                "the station's kind cannot be read, checked as a production station:"
            ),
            e.localize(lang)
        );
    }
    let mode = station.unwrap_or(StationMode::Training);
    let diagnoses = doctor::diagnose(&settings, mode);
    if json {
        println!("{}", serde_json::to_string_pretty(&diagnoses)?);
    } else {
        println!(
            "{} ({}; {})",
            lang.pick("Perangkat stasiun", "Station devices"),
            rekam::devices::settings::settings_path(&paths.data_dir).display(),
            match station {
                Some(mode) => format!(
                    "{} {}",
                    lang.pick("stasiun", "station"),
                    mode.localize(lang)
                ),
                None => lang
                    .pick("stasiun belum disiapkan", "station not set up")
                    .to_owned(),
            }
        );
        print!("{}", doctor::render(&diagnoses, lang));
    }
    Ok(if diagnoses.iter().all(|d| d.ready()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub(crate) fn simulate_day(
    paths: &Paths,
    applicants: u32,
    seed: u64,
    date: NaiveDate,
    realtime: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    use rekam::simulate::{DayPlan, RefusedOnProduction, run_day};
    if Store::peek_mode(paths)? == Some(StationMode::Production) {
        return Err(RefusedOnProduction.into());
    }
    let mut devices = rekam::devices::simulated::SimulatedStation::new(realtime);
    let plan = DayPlan {
        applicants,
        seed,
        date,
    };
    let mut stderr = std::io::stderr();
    let summary = run_day(paths, &plan, &mut devices, &mut |done, total| {
        let _ = write!(
            stderr,
            "\r{} {done}/{total}",
            lang.pick("Pemohon", "Applicant")
        );
        let _ = stderr.flush();
    })?;
    eprintln!();
    println!(
        "{} {} ({})",
        lang.pick("Hari simulasi", "Simulated day"),
        date,
        paths.data_dir.display()
    );
    print!("{}", summary.render(lang));
    Ok(ExitCode::SUCCESS)
}

//! The spoken queue call: the sentence a caller says when the operator calls the next ticket, and
//! an [`Announcer`] that speaks it through the station's speakers with a text-to-speech program.
//!
//! The ticket is called the way it is printed and shown on the display: its letter, then each
//! digit on its own, leading zeros included ("A-007" is "A nol nol tujuh"), so that the applicant
//! can follow the call digit by digit on the ticket in their hand; the desk (loket) number is said
//! as a number ("loket dua belas"). The seeds name the step (pemanggilan nomor antrian) but not the
//! wording; the sentence follows the common office form "Nomor antrean ..., silakan menuju loket
//! ...". English ([`Lang::En`]) is for training.
//!
//! Speech goes through `espeak-ng` (Indonesian voice `id`, 140 words a minute) or, without it,
//! Speech Dispatcher's `spd-say`. [`Announcer::speak`] returns at once: a worker thread runs the
//! program and waits for it (reaping the child), one announcement after the other, so calls never
//! talk over each other.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use crate::lang::{Lang, Localize};

/// Speaking rate for espeak-ng, in words per minute (its default, 175, is too fast for a hall).
pub const ESPEAK_RATE: u32 = 140;

/// Speaking rate for spd-say, from -100 to 100 (0 is the default).
pub const SPD_SAY_RATE: i32 = -20;

/// Announcements that may wait while one is being spoken; more are dropped.
pub const MAX_WAITING: usize = 3;

const DIGITS_ID: [&str; 10] = [
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
];

const DIGITS_EN: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

/// `n` (1 to 999) in Indonesian words.
fn hundreds_id(n: u32) -> Vec<&'static str> {
    let digit = |d: u32| DIGITS_ID[d as usize % 10];
    let mut words = Vec::new();
    match n / 100 {
        0 => {}
        1 => words.push("seratus"),
        h => words.extend([digit(h), "ratus"]),
    }
    match n % 100 {
        0 => {}
        10 => words.push("sepuluh"),
        11 => words.push("sebelas"),
        r @ 1..=9 => words.push(digit(r)),
        r @ 12..=19 => words.extend([digit(r - 10), "belas"]),
        r => {
            words.extend([digit(r / 10), "puluh"]);
            if !r.is_multiple_of(10) {
                words.push(digit(r % 10));
            }
        }
    }
    words
}

/// `n` in Indonesian words: 0 "nol", 11 "sebelas", 100 "seratus", 115 "seratus lima belas",
/// 1000 "seribu", 2024 "dua ribu dua puluh empat", 1000000 "satu juta". Correct for every `u32`.
pub fn number_words(n: u32) -> String {
    if n == 0 {
        return DIGITS_ID[0].to_owned();
    }
    let mut words: Vec<&str> = Vec::new();
    for (scale, name) in [(1_000_000_000, "miliar"), (1_000_000, "juta")] {
        let group = n / scale % 1000;
        if group > 0 {
            words.extend(hundreds_id(group));
            words.push(name);
        }
    }
    match n / 1000 % 1000 {
        0 => {}
        1 => words.push("seribu"),
        group => {
            words.extend(hundreds_id(group));
            words.push("ribu");
        }
    }
    words.extend(hundreds_id(n % 1000));
    words.join(" ")
}

/// `n` (1 to 999) in English words.
fn hundreds_en(n: u32) -> Vec<String> {
    const TEENS: [&str; 10] = [
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let mut words = Vec::new();
    if n >= 100 {
        words.push(DIGITS_EN[(n / 100) as usize % 10].to_owned());
        words.push("hundred".to_owned());
    }
    let r = (n % 100) as usize;
    match r {
        0 => {}
        1..=9 => words.push(DIGITS_EN[r].to_owned()),
        10..=19 => words.push(TEENS[r - 10].to_owned()),
        _ if r.is_multiple_of(10) => words.push(TENS[r / 10].to_owned()),
        _ => words.push(format!("{}-{}", TENS[r / 10], DIGITS_EN[r % 10])),
    }
    words
}

/// `n` in English words (for the training variant): 115 "one hundred fifteen", 2024 "two
/// thousand twenty-four".
pub fn number_words_en(n: u32) -> String {
    if n == 0 {
        return DIGITS_EN[0].to_owned();
    }
    let mut words = Vec::new();
    for (scale, name) in [
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1000, "thousand"),
    ] {
        let group = n / scale % 1000;
        if group > 0 {
            words.extend(hundreds_en(group));
            words.push(name.to_owned());
        }
    }
    words.extend(hundreds_en(n % 1000));
    words.join(" ")
}

/// The ticket as called: letters as they are (upper case), each digit as a word, separators
/// (`-`, spaces, anything else) dropped. "A-007" is "A nol nol tujuh".
fn spoken_ticket(ticket: &str, lang: Lang) -> String {
    let digits = match lang {
        Lang::Id => &DIGITS_ID,
        Lang::En => &DIGITS_EN,
    };
    ticket
        .chars()
        .filter_map(|c| match c.to_digit(10) {
            Some(d) => Some(digits[d as usize].to_owned()),
            None if c.is_alphabetic() => Some(c.to_uppercase().collect()),
            None => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the caller says for `ticket` (as printed, e.g. "A-007") going to desk `desk`:
/// "Nomor antrean A nol nol tujuh, silakan menuju loket satu." In English (training): "Ticket
/// number A zero zero seven, please go to desk one."
pub fn announcement(ticket: &str, desk: u32, lang: Lang) -> String {
    let ticket = spoken_ticket(ticket, lang);
    match lang {
        Lang::Id => format!(
            "Nomor antrean {ticket}, silakan menuju loket {}.",
            number_words(desk)
        ),
        Lang::En => format!(
            "Ticket number {ticket}, please go to desk {}.",
            number_words_en(desk)
        ),
    }
}

/// Why an announcement cannot be spoken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnounceError {
    /// Neither espeak-ng nor spd-say is installed.
    #[error("no speech program: neither espeak-ng nor spd-say was found")]
    NoSpeech,
    /// The speech program could not be started or reported an error.
    #[error("speaking failed: {0}")]
    Failed(String),
}

impl Localize for AnnounceError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (AnnounceError::NoSpeech, Lang::Id) => {
                "Panggilan suara tidak tersedia: program suara espeak-ng belum terpasang. \
                 Pasang dengan perintah: sudo apt install espeak-ng. \
                 Nomor antrean tetap tampil di layar."
                    .to_owned()
            }
            (AnnounceError::NoSpeech, Lang::En) => {
                "Spoken calls are not available: the speech program espeak-ng is not installed. \
                 Install it with: sudo apt install espeak-ng. \
                 The queue number is still shown on the display."
                    .to_owned()
            }
            (AnnounceError::Failed(msg), Lang::Id) => format!(
                "Panggilan suara gagal: {msg}. Periksa pengeras suara dan pengaturan audio."
            ),
            (AnnounceError::Failed(msg), Lang::En) => {
                format!("The spoken call failed: {msg}. Check the speakers and the audio settings.")
            }
        }
    }
}

/// The text-to-speech programs Rekam can use, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EngineKind {
    EspeakNg,
    SpdSay,
}

impl EngineKind {
    const ALL: [EngineKind; 2] = [EngineKind::EspeakNg, EngineKind::SpdSay];

    fn program(self) -> &'static str {
        match self {
            EngineKind::EspeakNg => "espeak-ng",
            EngineKind::SpdSay => "spd-say",
        }
    }
}

/// A speech program found on the station.
#[derive(Debug, Clone)]
struct Engine {
    kind: EngineKind,
    path: PathBuf,
}

impl Engine {
    /// The program's arguments to speak `text` in `lang`.
    fn args(&self, lang: Lang, text: &str) -> Vec<String> {
        let voice = match lang {
            Lang::Id => "id",
            Lang::En => "en",
        };
        // A text starting with '-' would be taken for an option.
        let text = if text.starts_with('-') {
            format!(" {text}")
        } else {
            text.to_owned()
        };
        match self.kind {
            EngineKind::EspeakNg => vec![
                "-v".into(),
                voice.into(),
                "-s".into(),
                ESPEAK_RATE.to_string(),
                text,
            ],
            // -w: wait until spoken, so that announcements follow each other.
            EngineKind::SpdSay => vec![
                "-w".into(),
                "-l".into(),
                voice.into(),
                "-r".into(),
                SPD_SAY_RATE.to_string(),
                text,
            ],
        }
    }

    /// Speaks `text` and waits until it is said.
    fn run(&self, lang: Lang, text: &str) -> Result<(), AnnounceError> {
        let output = Command::new(&self.path)
            .args(self.args(lang, text))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| {
                AnnounceError::Failed(format!("cannot start {}: {e}", self.path.display()))
            })?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        Err(AnnounceError::Failed(match last {
            Some(line) => format!("{}: {}", self.kind.program(), line.trim()),
            None => format!("{} exited with {}", self.kind.program(), output.status),
        }))
    }
}

/// One announcement waiting to be spoken.
#[derive(Debug)]
struct Job {
    text: String,
    lang: Lang,
}

/// Speaks announcements off the calling thread. Clones share the same worker, so announcements
/// from all of them are spoken one after the other.
#[derive(Debug, Clone)]
pub struct Announcer {
    engine: Option<Engine>,
    lang: Lang,
    queue: Option<SyncSender<Job>>,
    failure: Arc<Mutex<Option<AnnounceError>>>,
}

impl Announcer {
    /// Looks for `espeak-ng`, then `spd-say`, on `PATH`, and starts the worker thread. Without
    /// either program, the announcer still exists but [`speak`](Self::speak) returns
    /// [`AnnounceError::NoSpeech`]. Speaks Indonesian until told otherwise
    /// ([`with_lang`](Self::with_lang)). Make one when the kiosk starts and keep it (clones share
    /// it); the worker ends when the last clone is dropped.
    pub fn detect() -> Announcer {
        Announcer::detect_in(&std::env::var_os("PATH").unwrap_or_default())
    }

    /// [`detect`](Self::detect) on the search path `paths`.
    fn detect_in(paths: &OsStr) -> Announcer {
        let engine = EngineKind::ALL.into_iter().find_map(|kind| {
            crate::print::find_in(paths, kind.program()).map(|path| Engine { kind, path })
        });
        Announcer::with_engine(engine)
    }

    fn with_engine(engine: Option<Engine>) -> Announcer {
        let failure = Arc::new(Mutex::new(None));
        let queue = engine.clone().and_then(|engine| {
            let (tx, rx) = std::sync::mpsc::sync_channel(MAX_WAITING);
            let failure = Arc::clone(&failure);
            std::thread::Builder::new()
                .name("rekam-announce".into())
                .spawn(move || work(&rx, &engine, &failure))
                .ok()
                .map(|_| tx)
        });
        Announcer {
            engine,
            lang: Lang::Id,
            queue,
            failure,
        }
    }

    /// The same announcer speaking `lang` (voice `id` or `en`).
    pub fn with_lang(mut self, lang: Lang) -> Announcer {
        self.lang = lang;
        self
    }

    /// The speech program in use, if one was found.
    pub fn program(&self) -> Option<&Path> {
        self.engine.as_ref().map(|e| e.path.as_path())
    }

    /// Whether announcements can be spoken at all.
    pub fn is_available(&self) -> bool {
        self.engine.is_some() && self.queue.is_some()
    }

    /// Queues `text` to be spoken and returns at once. Announcements are spoken in order; when
    /// [`MAX_WAITING`] are already waiting, `text` is dropped (the operator is calling faster than
    /// it can be said). Errors of the speech program itself come later, from
    /// [`last_error`](Self::last_error).
    pub fn speak(&self, text: &str) -> Result<(), AnnounceError> {
        if self.engine.is_none() {
            return Err(AnnounceError::NoSpeech);
        }
        let queue = self.queue.as_ref().ok_or_else(|| {
            AnnounceError::Failed("the announcement thread could not be started".into())
        })?;
        let job = Job {
            text: text.to_owned(),
            lang: self.lang,
        };
        match queue.try_send(job) {
            Ok(()) | Err(TrySendError::Full(_)) => Ok(()),
            Err(TrySendError::Disconnected(_)) => Err(AnnounceError::Failed(
                "the announcement thread has stopped".into(),
            )),
        }
    }

    /// The last error of the speech program since the previous call, if any (for example: no
    /// audio device).
    pub fn last_error(&self) -> Option<AnnounceError> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }
}

/// The worker: speaks each announcement in turn until every [`Announcer`] clone is dropped.
fn work(jobs: &Receiver<Job>, engine: &Engine, failure: &Mutex<Option<AnnounceError>>) {
    for job in jobs {
        if let Err(e) = engine.run(job.lang, &job.text)
            && let Ok(mut slot) = failure.lock()
        {
            *slot = Some(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn indonesian_number_words() {
        let cases = [
            (0, "nol"),
            (1, "satu"),
            (7, "tujuh"),
            (10, "sepuluh"),
            (11, "sebelas"),
            (12, "dua belas"),
            (19, "sembilan belas"),
            (20, "dua puluh"),
            (21, "dua puluh satu"),
            (99, "sembilan puluh sembilan"),
            (100, "seratus"),
            (101, "seratus satu"),
            (110, "seratus sepuluh"),
            (111, "seratus sebelas"),
            (115, "seratus lima belas"),
            (200, "dua ratus"),
            (999, "sembilan ratus sembilan puluh sembilan"),
            (1000, "seribu"),
            (1001, "seribu satu"),
            (1100, "seribu seratus"),
            (1111, "seribu seratus sebelas"),
            (2000, "dua ribu"),
            (2024, "dua ribu dua puluh empat"),
            (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
            (10_000, "sepuluh ribu"),
            (11_000, "sebelas ribu"),
            (100_000, "seratus ribu"),
            (1_000_000, "satu juta"),
            (1_001_000, "satu juta seribu"),
            (
                4_294_967_295,
                "empat miliar dua ratus sembilan puluh empat juta sembilan ratus enam puluh \
                 tujuh ribu dua ratus sembilan puluh lima",
            ),
        ];
        for (n, words) in cases {
            assert_eq!(number_words(n), words, "{n}");
        }
    }

    #[test]
    fn every_number_below_ten_thousand_is_well_formed() {
        for n in 0..=9999 {
            let w = number_words(n);
            assert!(
                !w.is_empty() && !w.contains("  ") && w.trim() == w,
                "{n}: {w:?}"
            );
            assert!(
                !w.contains("satu ratus") && !w.contains("satu ribu"),
                "{n}: {w:?}"
            );
            assert!(
                !w.contains("satu puluh") && !w.contains("satu belas"),
                "{n}: {w:?}"
            );
            assert_eq!(n == 0, w.contains("nol"), "{n}: {w:?}");
        }
    }

    #[test]
    fn english_number_words() {
        for (n, words) in [
            (0, "zero"),
            (11, "eleven"),
            (40, "forty"),
            (42, "forty-two"),
            (100, "one hundred"),
            (115, "one hundred fifteen"),
            (1000, "one thousand"),
            (2024, "two thousand twenty-four"),
            (1_000_001, "one million one"),
        ] {
            assert_eq!(number_words_en(n), words, "{n}");
        }
    }

    #[test]
    fn announcements() {
        assert_eq!(
            announcement("A-007", 1, Lang::Id),
            "Nomor antrean A nol nol tujuh, silakan menuju loket satu."
        );
        assert_eq!(
            announcement("B-1234", 12, Lang::Id),
            "Nomor antrean B satu dua tiga empat, silakan menuju loket dua belas."
        );
        assert_eq!(
            announcement("A-007", 1, Lang::En),
            "Ticket number A zero zero seven, please go to desk one."
        );
        assert_eq!(
            announcement(" c 15 ", 3, Lang::Id),
            "Nomor antrean C satu lima, silakan menuju loket tiga."
        );
    }

    #[test]
    fn no_speech_program() {
        let empty = tempfile::tempdir().expect("tempdir");
        let a = Announcer::detect_in(empty.path().as_os_str());
        assert!(!a.is_available());
        assert_eq!(a.program(), None);
        assert_eq!(a.speak("halo"), Err(AnnounceError::NoSpeech));
        let id = AnnounceError::NoSpeech.localize(Lang::Id);
        assert!(id.contains("sudo apt install espeak-ng"), "{id}");
        let en = AnnounceError::NoSpeech.localize(Lang::En);
        assert!(en.contains("install espeak-ng"), "{en}");
        let failed = AnnounceError::Failed("no audio".into());
        assert!(
            failed
                .localize(Lang::Id)
                .starts_with("Panggilan suara gagal: no audio.")
        );
        assert!(
            failed
                .localize(Lang::En)
                .starts_with("The spoken call failed: no audio.")
        );
    }

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    /// Waits until `path` holds `lines` lines; returns them.
    fn wait_for_lines(path: &Path, lines: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got: Vec<String> = std::fs::read_to_string(path)
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect();
            if got.len() >= lines || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn speaking_does_not_block_and_follows_the_queue() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("said");
        // A stand-in for espeak-ng that takes its time and records its arguments.
        let program = script(
            dir.path(),
            "espeak-ng",
            &format!("sleep 0.5; IFS=,; echo \"$*\" >> '{}'", log.display()),
        );
        let a = Announcer::detect_in(dir.path().as_os_str());
        assert!(a.is_available());
        assert_eq!(a.program(), Some(program.as_path()));
        let start = Instant::now();
        a.speak("Nomor antrean A nol nol tujuh, silakan menuju loket satu.")
            .expect("queued");
        a.clone()
            .with_lang(Lang::En)
            .speak("-dash first")
            .expect("queued");
        assert!(
            start.elapsed() < Duration::from_millis(400),
            "speak returned at once ({:?})",
            start.elapsed()
        );
        let said = wait_for_lines(&log, 2);
        assert_eq!(
            said,
            vec![
                "-v,id,-s,140,Nomor antrean A nol nol tujuh, silakan menuju loket satu.",
                "-v,en,-s,140, -dash first",
            ],
            "spoken in order, one after the other"
        );
        assert_eq!(a.last_error(), None);
    }

    #[test]
    fn spd_say_is_the_fallback_and_errors_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("said");
        script(
            dir.path(),
            "spd-say",
            &format!(
                "IFS=,; echo \"$*\" >> '{}'; echo 'Failed to connect to Speech Dispatcher' >&2; exit 1",
                log.display()
            ),
        );
        let a = Announcer::detect_in(dir.path().as_os_str());
        a.speak("Nomor antrean A satu").expect("queued");
        assert_eq!(
            wait_for_lines(&log, 1),
            vec!["-w,-l,id,-r,-20,Nomor antrean A satu"]
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        let error = loop {
            if let Some(e) = a.last_error() {
                break Some(e);
            }
            if Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(
            error,
            Some(AnnounceError::Failed(
                "spd-say: Failed to connect to Speech Dispatcher".into()
            ))
        );
        assert_eq!(a.last_error(), None, "taken once");

        // espeak-ng is preferred when both are there.
        let espeak = script(dir.path(), "espeak-ng", "exit 0");
        assert_eq!(
            Announcer::detect_in(dir.path().as_os_str()).program(),
            Some(espeak.as_path())
        );
    }

    #[test]
    fn real_espeak_ng_produces_a_wav() {
        let Some(espeak) = crate::print::find_on_path("espeak-ng") else {
            println!(
                "skipped: espeak-ng is not installed on this machine (apt install espeak-ng to run this test)"
            );
            return;
        };
        let engine = Engine {
            kind: EngineKind::EspeakNg,
            path: espeak,
        };
        let text = announcement("A-007", 1, Lang::Id);
        let out = Command::new(&engine.path)
            .arg("--stdout")
            .args(engine.args(Lang::Id, &text))
            .output()
            .expect("espeak-ng runs");
        assert!(out.status.success(), "{out:?}");
        assert!(out.stdout.len() > 44, "audio after the header");
        assert_eq!(&out.stdout[0..4], b"RIFF");
        assert_eq!(&out.stdout[8..12], b"WAVE");
    }
}

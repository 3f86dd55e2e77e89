//! Printed documents: the proof of recording handed to the applicant ([`proof`]) and the slip that
//! goes with a returned, incomplete file ([`slip`]), as PDF files drawn with krilla in embedded
//! Fira Sans (the same stack as the day's reports, [`crate::typeset`]), saved atomically
//! ([`save`]) and sent to the station's printer through CUPS ([`print_file`]).
//!
//! Both documents are laid out by the same small flow layout (`layout`): blocks of text, rules
//! and a QR code from top to bottom, and a footer at the bottom of the page. When the content
//! does not fit, the whole layout is scaled down step by step (never below [`MIN_SCALE`]), then a
//! larger paper size is tried if the document allows one, and only then are the last lines of the
//! body replaced by an ellipsis. Nothing is ever drawn outside the page margins.
//!
//! The QR payload format is documented in `docs/proof-of-recording.md`.

mod layout;
pub mod proof;
mod render;
pub mod slip;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use qrcode::{EcLevel, QrCode};

use crate::lang::{Lang, Localize};
pub use layout::PageSize;

pub use proof::{Proof, proof_pdf, qr_payload};
pub use slip::{ReturnSlip, return_slip_pdf};

/// Margin kept blank on every side of a printed page, in points (6 mm: wider than the unprintable
/// border of common office and receipt printers).
pub const MARGIN: f32 = 6.0 * crate::typeset::MM;

/// The smallest factor the layout may scale fonts and spacing by to make a document fit.
pub const MIN_SCALE: f32 = 0.75;

/// Modules of blank quiet zone around a QR code, as the QR standard requires.
pub const QR_QUIET_ZONE: usize = 4;

/// Why a document could not be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// No print system: the CUPS `lp` command is not installed.
    #[error("no print system: the CUPS command lp was not found")]
    NoPrintSystem,
    /// `lp` ran and refused the job (no default printer, printer stopped, file unreadable...),
    /// with its message.
    #[error("printing failed: {0}")]
    Failed(String),
    /// The document could not be made (a font or the PDF writer failed: a program error).
    #[error("the document could not be made: {0}")]
    Render(String),
}

impl Localize for PrintError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (PrintError::NoPrintSystem, Lang::Id) => {
                "Komputer ini tidak memiliki sistem pencetakan (perintah lp dari CUPS tidak ditemukan). \
                 Pasang CUPS (sudo apt install cups) dan atur printer bawaan. \
                 Dokumen sudah tersimpan dan dapat dicetak nanti."
                    .to_owned()
            }
            (PrintError::NoPrintSystem, Lang::En) => {
                "This computer has no print system (the CUPS command lp was not found). \
                 Install CUPS (sudo apt install cups) and set a default printer. \
                 The document is saved and can be printed later."
                    .to_owned()
            }
            (PrintError::Failed(msg), Lang::Id) => format!(
                "Pencetakan gagal: {msg}. Periksa printer (menyala, kertas, kabel) dan printer bawaan, \
                 lalu cetak ulang. Dokumen sudah tersimpan."
            ),
            (PrintError::Failed(msg), Lang::En) => format!(
                "Printing failed: {msg}. Check the printer (power, paper, cable) and the default \
                 printer, then print again. The document is saved."
            ),
            (PrintError::Render(msg), Lang::Id) => format!(
                "Dokumen tidak dapat dibuat ({msg}). Data sudah tersimpan; mulai ulang aplikasi \
                 lalu cetak ulang."
            ),
            (PrintError::Render(msg), Lang::En) => format!(
                "The document could not be made ({msg}). The data is stored; restart the \
                 application and print again."
            ),
        }
    }
}

/// Writes `bytes` to `dir/file_name` atomically: a temporary file in the same directory is written
/// and flushed to disk, then renamed over the target, and the directory is flushed, so after a
/// power cut the file is either the old one or the complete new one. `dir` is created if needed.
/// The file is mode 0600 (it names applicants).
/// `file_name` must be a plain file name (no `/`, not `.` or `..`). Returns the file's path.
pub fn save(dir: &Path, file_name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    if file_name.is_empty()
        || file_name == "."
        || file_name == ".."
        || file_name.contains(['/', '\\', '\0'])
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("'{file_name}' is not a plain file name"),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let target = dir.join(file_name);
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        // Proofs and reports name applicants: readable by the station's user only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // The rename is only durable once the directory itself is on disk.
    std::fs::File::open(dir)?.sync_all()?;
    Ok(target)
}

/// Sends a file (a PDF from this module) to the default printer with the CUPS command `lp`.
/// Returns once the job is queued, not when it is printed. It waits for `lp`, which normally takes
/// well under a second but can hang with a stuck CUPS daemon: call it off the UI thread.
pub fn print_file(path: &Path) -> Result<(), PrintError> {
    print_with(find_on_path("lp").as_deref(), path)
}

fn print_with(lp: Option<&Path>, path: &Path) -> Result<(), PrintError> {
    let lp = lp.ok_or(PrintError::NoPrintSystem)?;
    let output = Command::new(lp)
        .arg("--")
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PrintError::NoPrintSystem,
            _ => PrintError::Failed(format!("{}: {e}", lp.display())),
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr.trim();
    Err(PrintError::Failed(if message.is_empty() {
        format!("lp exited with {}", output.status)
    } else {
        message.to_owned()
    }))
}

/// The executable file `name` in one of the directories of `PATH`, if any.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    find_in(std::env::var_os("PATH")?.as_os_str(), name)
}

/// The executable file `name` in one of the directories of the search path `paths`.
pub(crate) fn find_in(paths: &OsStr, name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::split_paths(paths)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// A file name made of the ASCII letters, digits and `-` of `s` (others become `-`).
fn file_name_part(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Encodes `payload` as a QR code at error correction level M (15 % of the symbol may be
/// damaged), in byte mode with the UTF-8 bytes of the text.
pub(crate) fn qr_code(payload: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()
}

//! The day's batch packet for the Dinas Dukcapil and the national data center: written at the
//! station ([`export_day`]), checked by anyone ([`verify_batch`]), acknowledged by the receiver
//! ([`make_ack`], imported at the station with [`Store::import_ack`]), after which the station's
//! copies of the biometrics are deleted once the retention has passed ([`Store::apply_retention`]).
//!
//! The format is specified in docs/batch-format.md: a ustar archive of age-encrypted records, an
//! encrypted manifest, and a plaintext header signed with the station's Ed25519 key.

mod ack;
mod export;
pub mod format;
pub mod ledger;
mod receivers;
mod verify;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use ack::{
    AckError, AckImport, Backlog, OpenedAck, RETENTION_FLOOR_DAYS, make_ack, open_signed_ack,
    read_ack_file, sign_ack,
};
pub use export::{ExportRequest, Exported, export_day, exportable_requests};
pub use ledger::Ledger;
pub use receivers::{ReceiverKey, normalize_key};
pub use verify::{
    OpenedRecord, Problem, TrustedStation, TrustedStations, Verification, check_recipients,
    read_record, verify_batch,
};

use crate::lang::{Lang, Localize};
use crate::store::{Station, StoreError};
use crate::workflow::OpenItem;

/// A reader or writer that hashes (SHA-256) and counts the bytes passing through: the packet is
/// hashed as it is written and as it is read, never read twice for it.
pub(crate) struct Hashing<T> {
    inner: T,
    hash: sha2::Sha256,
    bytes: u64,
}

impl<T> Hashing<T> {
    fn new(inner: T) -> Hashing<T> {
        Hashing {
            inner,
            hash: sha2::Digest::new(),
            bytes: 0,
        }
    }

    /// The bytes counted, the SHA-256 in lowercase hex, and the inner reader or writer.
    fn finish(self) -> (u64, String, T) {
        (
            self.bytes,
            hex::encode(sha2::Digest::finalize(self.hash)),
            self.inner,
        )
    }
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        sha2::Digest::update(&mut self.hash, &buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<R: std::io::Read> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        sha2::Digest::update(&mut self.hash, &buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// The packet's file name: `rekam-<kecamatan>-<station>-<YYYYMMDD>-<seq>.rkb`.
pub fn batch_file_name(station: &Station, date: NaiveDate, seq: u32) -> String {
    format!(
        "rekam-{}-{}-{}-{seq:02}.rkb",
        station.kecamatan_code,
        station.station_id,
        date.format("%Y%m%d")
    )
}

/// Parses receiver keys (`age1...`), one per item; names the one that is not a key.
pub fn parse_recipients<S: AsRef<str>>(
    keys: &[S],
) -> Result<Vec<age::x25519::Recipient>, ExportError> {
    keys.iter()
        .map(|k| {
            let k = k.as_ref().trim();
            k.parse()
                .map_err(|_| ExportError::BadRecipient(k.to_owned()))
        })
        .collect()
}

/// Reads an age identity file (`AGE-SECRET-KEY-1...` lines, `#` comments).
pub fn read_identities(path: &Path) -> Result<Vec<age::x25519::Identity>, VerifyError> {
    let text = std::fs::read_to_string(path).map_err(|e| VerifyError::Io {
        path: path.into(),
        source: e,
    })?;
    let ids: Vec<age::x25519::Identity> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.parse())
        .collect::<Result<_, _>>()
        .map_err(|_| VerifyError::BadIdentity(path.into()))?;
    if ids.is_empty() {
        return Err(VerifyError::BadIdentity(path.into()));
    }
    Ok(ids)
}

/// Why a packet could not be written. Nothing is recorded as exported when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("only a supervisor may export the day")]
    NotSupervisor,
    #[error("no receiver key is configured ([export] recipients)")]
    NoRecipients,
    #[error("'{0}' is not an age receiver key (age1...)")]
    BadRecipient(String),
    #[error("the day is not closed: {} item(s) open", .0.len())]
    DayNotClosed(Vec<OpenItem>),
    #[error("the folder {0} does not exist or is not mounted")]
    NoFolder(PathBuf),
    #[error("request {0} is recorded without a register number")]
    NotRegistered(i64),
    #[error("capture {0} cannot be converted to an image")]
    BadCapture(i64),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("encryption failed: {0}")]
    Encrypt(String),
    #[error("encoding failed: {0}")]
    Encode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localize for ExportError {
    fn localize(&self, lang: Lang) -> String {
        use ExportError::*;
        match (self, lang) {
            (NotSupervisor, Lang::Id) => "Hanya supervisor yang boleh mengekspor batch.".into(),
            (NoRecipients, Lang::Id) => "Kunci penerima (Dinas Dukcapil / pusat data) belum diatur: isi [export] recipients di pengaturan stasiun.".into(),
            (BadRecipient(k), Lang::Id) => format!("'{k}' bukan kunci penerima age (age1...)."),
            (DayNotClosed(items), Lang::Id) => format!(
                "Hari belum ditutup: masih ada {} antrean/permohonan terbuka. Selesaikan dulu di layar Tutup Hari.",
                items.len()
            ),
            (NoFolder(p), Lang::Id) => format!(
                "Folder {} tidak ada. Pasang flashdisk lalu pilih folder tujuan.",
                p.display()
            ),
            (NotRegistered(id), Lang::Id) => format!("Permohonan {id} terekam tanpa nomor register."),
            (BadCapture(id), Lang::Id) => format!("Rekaman {id} tidak dapat diubah menjadi gambar."),
            (Io { path, source }, Lang::Id) if source.kind() == std::io::ErrorKind::StorageFull => format!(
                "Flashdisk/folder tujuan penuh ({}). Tidak ada batch yang ditandai terkirim; kosongkan ruang atau pakai flashdisk lain, lalu ekspor lagi.",
                path.display()
            ),
            (Io { path, source }, Lang::Id) => format!(
                "Tidak dapat menulis {}: {source}. Tidak ada batch yang ditandai terkirim; periksa flashdisk lalu ekspor lagi.",
                path.display()
            ),
            (Encrypt(e) | Encode(e), Lang::Id) => format!("Batch tidak dapat dibuat: {e}."),
            (Store(e), lang) => e.localize(lang),
            (other, Lang::En) => {
                let mut s = other.to_string();
                s[..1].make_ascii_uppercase();
                format!("{s}.")
            }
        }
    }
}

/// Why a packet could not be checked at all (as opposed to the [`Problem`]s a check finds).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} holds no age identity (AGE-SECRET-KEY-1...)")]
    BadIdentity(PathBuf),
    #[error("{path} line {line}: {message}")]
    BadRegistry {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl Localize for VerifyError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (VerifyError::Io { path, source }, Lang::Id) => {
                format!("Tidak dapat membaca {}: {source}.", path.display())
            }
            (VerifyError::BadIdentity(p), Lang::Id) => format!(
                "{} tidak berisi kunci rahasia penerima age (AGE-SECRET-KEY-1...).",
                p.display()
            ),
            (
                VerifyError::BadRegistry {
                    path,
                    line,
                    message,
                },
                Lang::Id,
            ) => format!("{} baris {line}: {message}.", path.display()),
            (other, _) => {
                let mut s = other.to_string();
                s[..1].make_ascii_uppercase();
                format!("{s}.")
            }
        }
    }
}

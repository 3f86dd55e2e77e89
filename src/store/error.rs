//! Storage errors, each with a message an operator can act on. `Clone` so they can travel in UI
//! messages (sources are behind `Arc`).

use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::ErrorCode;

use crate::lang::{Lang, Localize};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("another Rekam process (pid {pid:?}) is using the data directory {dir}")]
    Locked { dir: PathBuf, pid: Option<u32> },
    #[error("the data directory {0} is on a read-only disk")]
    ReadOnly(PathBuf),
    #[error("the disk holding {0} is full")]
    DiskFull(PathBuf),
    #[error("cannot open {path}: {source}")]
    Io {
        path: PathBuf,
        source: Arc<std::io::Error>,
    },
    #[error("{path} can be read by other users (mode {mode:o}); run: chmod {want:o} {path}")]
    NotPrivate { path: PathBuf, mode: u32, want: u32 },
    #[error(
        "the data key does not open the database {0}: wrong key file, or the database is damaged"
    )]
    DatabaseKey(PathBuf),
    #[error("the data key file {0} does not exist")]
    KeyMissing(PathBuf),
    #[error("the data key file {0} is readable by other users (mode must be 0600)")]
    KeyPermissions(PathBuf),
    #[error("the data key file {0} is damaged")]
    KeyMalformed(PathBuf),
    #[error(
        "the data key file {path} belongs to another station database (key {found}, database expects {expected})"
    )]
    WrongKey {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("a data key file already exists at {0}; refusing to overwrite it")]
    KeyExists(PathBuf),
    #[error(
        "the data key file {0} already exists and was not made for this data directory; a station never shares another's key: choose another --key-file"
    )]
    KeyOfAnotherStation(PathBuf),
    #[error("the station signing key file {0} does not exist")]
    SigningKeyMissing(PathBuf),
    #[error(
        "the station signing key file {0} is damaged or readable by other users (mode must be 0600)"
    )]
    SigningKeyBad(PathBuf),
    #[error("the station signing key file {0} is not the key this station registered")]
    WrongSigningKey(PathBuf),
    #[error("the station is not set up yet")]
    NotSetUp,
    #[error("the station is already set up")]
    AlreadySetUp,
    #[error("the database {0} is damaged")]
    Corrupt(PathBuf),
    #[error("the database was made by a newer Rekam (schema {found}, this program knows {known})")]
    TooNew { found: i64, known: i64 },
    #[error(
        "an encrypted capture failed authentication (capture {0}): the data was altered or the key is wrong"
    )]
    BlobTampered(i64),
    #[error("database error: {0}")]
    Sqlite(Arc<rusqlite::Error>),
    #[error("database migration failed: {0}")]
    Migration(Arc<rusqlite_migration::Error>),
}

impl StoreError {
    /// Maps a SQLite error on the database at `db` to the error a person can act on.
    pub fn from_sqlite(e: rusqlite::Error, db: &std::path::Path) -> StoreError {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            let dir = db.parent().unwrap_or(db).to_path_buf();
            match f.code {
                ErrorCode::DiskFull => return StoreError::DiskFull(dir),
                ErrorCode::ReadOnly => return StoreError::ReadOnly(dir),
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                    return StoreError::Corrupt(db.into());
                }
                _ => {}
            }
        }
        StoreError::Sqlite(Arc::new(e))
    }

    /// Maps an I/O error on `path` (ENOSPC and EROFS get their own errors).
    pub fn from_io(e: std::io::Error, path: &std::path::Path) -> StoreError {
        match e.kind() {
            std::io::ErrorKind::StorageFull => StoreError::DiskFull(path.into()),
            std::io::ErrorKind::ReadOnlyFilesystem => StoreError::ReadOnly(path.into()),
            _ => StoreError::Io {
                path: path.into(),
                source: Arc::new(e),
            },
        }
    }
}

impl Localize for StoreError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (StoreError::Locked { dir, pid }, Lang::Id) => format!(
                "Folder data {} sedang dipakai oleh program Rekam lain{}. Tutup program itu dulu; hanya satu Rekam boleh berjalan per folder data.",
                dir.display(),
                pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
            ),
            (StoreError::ReadOnly(dir), Lang::Id) => format!(
                "Disk tempat folder data {} hanya bisa dibaca: rekaman tidak dapat disimpan. Periksa disk, lalu mulai ulang Rekam.",
                dir.display()
            ),
            (StoreError::DiskFull(dir), Lang::Id) => format!(
                "Disk tempat {} penuh. Data yang sudah tersimpan aman; kosongkan ruang disk (ekspor dan kirim batch), lalu ulangi langkah ini.",
                dir.display()
            ),
            (StoreError::KeyMissing(p), Lang::Id) => format!(
                "File kunci data {} tidak ditemukan. Tanpa kunci ini data biometrik tidak dapat dibuka; pasang kembali file kunci dari cadangan.",
                p.display()
            ),
            (StoreError::KeyPermissions(p), Lang::Id) => format!(
                "File kunci data {} dapat dibaca pengguna lain. Jalankan: chmod 600 {}",
                p.display(),
                p.display()
            ),
            (StoreError::WrongKey { path, .. }, Lang::Id) => format!(
                "File kunci data {} bukan milik database stasiun ini. Pasang file kunci yang benar.",
                path.display()
            ),
            (StoreError::SigningKeyMissing(p), Lang::Id) => format!(
                "File kunci tanda tangan stasiun {} tidak ditemukan. Batch tidak dapat ditandatangani; pasang kembali file itu dari cadangan.",
                p.display()
            ),
            (StoreError::SigningKeyBad(p), Lang::Id) => format!(
                "File kunci tanda tangan stasiun {} rusak atau dapat dibaca pengguna lain (harus chmod 600).",
                p.display()
            ),
            (StoreError::WrongSigningKey(p), Lang::Id) => format!(
                "File kunci tanda tangan {} bukan kunci yang terdaftar untuk stasiun ini. Pasang file yang benar dari cadangan.",
                p.display()
            ),
            (StoreError::NotPrivate { path, mode, want }, Lang::Id) => format!(
                "{} dapat dibaca pengguna lain (mode {mode:o}): data pemohon tidak boleh terbuka. Jalankan: chmod {want:o} {}",
                path.display(),
                path.display()
            ),
            (StoreError::KeyOfAnotherStation(p), Lang::Id) => format!(
                "File kunci data {} sudah ada dan bukan dibuat untuk folder data ini: satu stasiun tidak boleh memakai kunci stasiun lain. Pilih --key-file yang lain.",
                p.display()
            ),
            (StoreError::DatabaseKey(p), Lang::Id) => format!(
                "Kunci data tidak membuka database {}: file kunci salah, atau database rusak. Pasang file kunci yang benar dari cadangan; jangan hapus apa pun.",
                p.display()
            ),
            (StoreError::NotSetUp, Lang::Id) => {
                "Stasiun belum disiapkan. Jalankan penyiapan stasiun terlebih dahulu (rekam setup)."
                    .to_owned()
            }
            (StoreError::AlreadySetUp, Lang::Id) => {
                "Stasiun sudah disiapkan sebelumnya.".to_owned()
            }
            (StoreError::Corrupt(p), Lang::Id) => format!(
                "Database {} rusak. Jangan hapus apa pun; hubungi petugas TI Dinas Dukcapil.",
                p.display()
            ),
            (StoreError::BlobTampered(id), Lang::Id) => format!(
                "Data biometrik rekaman {id} tidak dapat dibuka: data telah diubah atau kunci salah."
            ),
            (other, Lang::Id) => format!("Kesalahan penyimpanan: {other}."),
            (other, Lang::En) => {
                let mut s = other.to_string();
                s[..1].make_ascii_uppercase();
                format!("{s}.")
            }
        }
    }
}

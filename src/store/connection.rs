//! Opening the station database: the SQLCipher key first, then the connection's settings and
//! the migrations; encrypting a database from before encryption; the files' permissions.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};

use super::{DataKey, StoreError, migrations};

pub(super) fn open_connection(
    db: &Path,
    create: bool,
    key: &DataKey,
) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let sql = |e| StoreError::from_sqlite(e, db);
    if !create && is_plaintext_database(db) {
        // A station from before the database was encrypted: encrypted in place, once.
        encrypt_plaintext_database(db, key)?;
    }
    let mut conn = Connection::open_with_flags(db, flags).map_err(sql)?;
    unlock(&conn, key, db)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sql)?;
    // Room for every statement of the write paths (`cached`), so none is parsed twice.
    conn.set_prepared_statement_cache_capacity(64);
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::ReadOnly(db.parent().unwrap_or(db).into()));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sql)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sql)?;
    conn.pragma_update(None, "trusted_schema", "OFF")
        .map_err(sql)?;
    // Deleted content is overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(sql)?;
    migrations::apply(&mut conn, db)?;
    Ok(conn)
}

/// Gives the connection the database key (SQLCipher; docs/storage.md) before anything reads a
/// page, and checks that it opens the database.
pub(super) fn unlock(conn: &Connection, key: &DataKey, db: &Path) -> Result<(), StoreError> {
    let pragma = zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\";", key.database_key()));
    conn.execute_batch(&pragma)
        .map_err(|e| StoreError::from_sqlite(e, db))?;
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(StoreError::DatabaseKey(db.into()))
        }
        Err(e) => Err(StoreError::from_sqlite(e, db)),
    }
}

/// An unencrypted SQLite database file (its first 16 bytes are SQLite's magic text).
pub(super) fn is_plaintext_database(db: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 16];
    std::fs::File::open(db)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"SQLite format 3\0"
}

/// Encrypts a plaintext station database under `key`: the WAL is folded in, the whole database
/// is exported into an encrypted copy beside it, which then replaces it (durably, by rename).
pub(super) fn encrypt_plaintext_database(db: &Path, key: &DataKey) -> Result<(), StoreError> {
    let sql = |e| StoreError::from_sqlite(e, db);
    let mut encrypting = db.as_os_str().to_owned();
    encrypting.push(".encrypting");
    let encrypting = PathBuf::from(encrypting);
    let _ = std::fs::remove_file(&encrypting);
    {
        // CREATE: the attached encrypted copy is a new file.
        let plain = Connection::open_with_flags(
            db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(sql)?;
        plain
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(sql)?;
        let version: i64 = plain
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql)?;
        plain
            .execute(
                "ATTACH DATABASE ?1 AS encrypted KEY ?2",
                params![encrypting.to_string_lossy(), key.database_key()],
            )
            .map_err(sql)?;
        plain
            .query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
            .map_err(sql)?;
        plain
            .execute_batch(&format!(
                "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
            ))
            .map_err(sql)?;
    }
    make_private(&encrypting, 0o600)?;
    std::fs::File::open(&encrypting)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::from_io(e, &encrypting))?;
    for journal in &database_files(db)[1..] {
        let _ = std::fs::remove_file(journal);
    }
    std::fs::rename(&encrypting, db).map_err(|e| StoreError::from_io(e, db))?;
    if let Some(dir) = db.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::from_io(e, dir))?;
    }
    Ok(())
}

/// Makes `path` readable by the station's user only (`mode`: 0700 for the data directory,
/// 0600 for the database and its journal files).
pub(super) fn make_private(path: &Path, mode: u32) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .map_err(|e| StoreError::from_io(e, path))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Refuses a data directory or database file that others can read or write.
pub(super) fn check_private(path: &Path, want: u32) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| StoreError::from_io(e, path))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoreError::NotPrivate {
                path: path.into(),
                mode,
                want,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (path, want);
    Ok(())
}

/// The database and the files SQLite keeps beside it.
pub(super) fn database_files(db: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

//! Local storage: one SQLite database per station (WAL, `synchronous=FULL`, foreign keys on), the
//! data key that seals every biometric blob, the data-directory lock, users, and the audit log.
//!
//! Layout of a data directory: `rekam.db` (+ `-wal`, `-shm`), `rekam.lock`. The key file lives
//! elsewhere (see [`key::default_key_file`]); docs/storage.md explains why.

pub mod admin;
pub mod audit;
pub mod cards;
mod connection;
pub mod disk;
mod error;
pub mod key;
mod lock;
mod migrations;
pub mod signing;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};

pub use admin::UserRecord;
pub use error::StoreError;
pub use key::DataKey;
pub use lock::DirLock;
pub use migrations::SCHEMA_VERSION;
pub use signing::StationSigningKey;
pub use users::{NewUser, Role, User};

pub use crate::domain::StationMode;
use crate::domain::region;
use connection::{
    check_private, database_files, is_plaintext_database, make_private, open_connection, unlock,
};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "rekam.db";

/// Where a station keeps its things.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub key_file: PathBuf,
}

impl Paths {
    pub fn db(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// The station's Ed25519 signing key file, beside the data key file.
    pub fn signing_key_file(&self) -> PathBuf {
        signing::signing_key_file(&self.key_file)
    }

    /// A training station's paths: its key beside its data directory, named after the whole
    /// directory name (`/tmp/tmp.AbC123` keeps `/tmp/tmp.AbC123.key`), so that no two data
    /// directories share one key file.
    pub fn training(data_dir: PathBuf) -> Paths {
        let mut name = data_dir
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "rekam-training".into());
        name.push(".key");
        let key_file = data_dir.with_file_name(name);
        Paths { data_dir, key_file }
    }

    /// Where setup notes which data key this directory's station was set up with, before the
    /// database knows it (an interrupted setup resumes only with that key).
    fn key_marker(&self) -> PathBuf {
        self.data_dir.join("data-key.id")
    }

    /// The platform's data directory for Rekam (`~/.local/share/rekam` on Linux).
    pub fn default_data_dir() -> PathBuf {
        directories::ProjectDirs::from("id.go", "Dukcapil", "rekam")
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("rekam-data"))
    }
}

/// The source of time. The station's local offset decides the service day.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The machine's clock and time zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        chrono::Local::now().fixed_offset()
    }
}

/// A clock that stands still until moved: for tests, simulations and benchmarks.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<FixedOffset>>);

impl ManualClock {
    pub fn new(at: DateTime<FixedOffset>) -> Arc<ManualClock> {
        Arc::new(ManualClock(Mutex::new(at)))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Formats an instant as stored: UTC, milliseconds, `Z`.
pub fn timestamp(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The station this database belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Station {
    pub kecamatan_code: String,
    pub kecamatan_name: String,
    pub station_id: String,
    pub data_key_id: String,
    /// Production or training, fixed at setup.
    pub mode: StationMode,
}

/// What station setup needs.
#[derive(Debug, Clone)]
pub struct StationSetup {
    pub kecamatan_code: String,
    pub station_id: String,
    /// Chosen explicitly: production stations refuse every simulator.
    pub mode: StationMode,
    pub supervisor: NewUser,
}

/// Why setup input is refused, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("kecamatan code '{0}' is not a known 6-digit kecamatan code")]
    UnknownKecamatan(String),
    #[error("station id '{0}' must be 1 to 8 capital letters or digits")]
    BadStationId(String),
}

/// An open station database, holding the data-directory lock and the data key.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    key: DataKey,
    station: Station,
    paths: Paths,
    clock: Arc<dyn Clock>,
    /// New recordings are refused under this much free space (MB); 0 turns the check off.
    disk_floor_mb: u64,
    _lock: DirLock,
}

fn read_station(conn: &Connection, db: &Path) -> Result<Option<Station>, StoreError> {
    conn.query_row(
        // A station row without its mode (a setup cut off between the two is impossible: both are
        // in one transaction) would read as training, never as production.
        "SELECT s.kecamatan_code, s.kecamatan_name, s.station_id, s.data_key_id, m.mode
         FROM station s LEFT JOIN station_mode m ON m.id = s.id WHERE s.id = 1",
        [],
        |r| {
            Ok(Station {
                kecamatan_code: r.get(0)?,
                kecamatan_name: r.get(1)?,
                station_id: r.get(2)?,
                data_key_id: r.get(3)?,
                mode: r
                    .get::<_, Option<StationMode>>(4)?
                    .unwrap_or(StationMode::Training),
            })
        },
    )
    .optional()
    .map_err(|e| StoreError::from_sqlite(e, db))
}

impl Store {
    /// The mode of the station in `paths`, read without the directory lock (the doctor, and
    /// commands that must refuse a production station before anything else).
    /// `None`: no station is set up there. A database from before modes existed is training.
    pub fn peek_mode(paths: &Paths) -> Result<Option<StationMode>, StoreError> {
        let db = paths.db();
        if !db.exists() {
            return Ok(None);
        }
        let sql = |e| StoreError::from_sqlite(e, &db);
        let conn = Connection::open_with_flags(
            &db,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        // An encrypted database needs its key; one from before encryption opens without.
        if !is_plaintext_database(&db) {
            unlock(&conn, &DataKey::load(&paths.key_file)?, &db)?;
        }
        let set_up = conn
            .query_row("SELECT count(*) FROM station", [], |r| r.get::<_, i64>(0))
            .map(|n| n > 0)
            .unwrap_or(false);
        if !set_up {
            return Ok(None);
        }
        let mode = conn
            .query_row("SELECT mode FROM station_mode WHERE id = 1", [], |r| {
                r.get::<_, StationMode>(0)
            })
            .unwrap_or(StationMode::Training);
        Ok(Some(mode))
    }

    /// A plain connection to the station's database, opened with its key and nothing else:
    /// no lock, no migration, no checks. For inspecting or repairing a database by hand (and for
    /// tests that alter it as an intruder with the key file would); Rekam itself never writes
    /// through it.
    pub fn open_raw(paths: &Paths) -> Result<Connection, StoreError> {
        let db = paths.db();
        let conn = Connection::open(&db).map_err(|e| StoreError::from_sqlite(e, &db))?;
        unlock(&conn, &DataKey::load(&paths.key_file)?, &db)?;
        Ok(conn)
    }

    /// Whether a station database exists in `paths.data_dir` (it may still lack its station row).
    pub fn exists(paths: &Paths) -> bool {
        paths.db().exists()
    }

    /// Opens the station: takes the directory lock, applies pending migrations, loads the data key
    /// and checks it belongs to this database.
    pub fn open(paths: &Paths, clock: Arc<dyn Clock>) -> Result<Store, StoreError> {
        let lock = DirLock::acquire(&paths.data_dir)?;
        let db = paths.db();
        if !db.exists() {
            return Err(StoreError::NotSetUp);
        }
        // The applicants' data is readable by the station's user only.
        check_private(&paths.data_dir, 0o700)?;
        for file in database_files(&db).iter().filter(|f| f.exists()) {
            check_private(file, 0o600)?;
        }
        // The key first: it opens the (encrypted) database.
        let key = DataKey::load(&paths.key_file)?;
        let conn = open_connection(&db, false, &key)?;
        let station = read_station(&conn, &db)?.ok_or(StoreError::NotSetUp)?;
        if key.id() != station.data_key_id {
            return Err(StoreError::WrongKey {
                path: paths.key_file.clone(),
                expected: station.data_key_id,
                found: key.id().to_owned(),
            });
        }
        let mut store = Store {
            conn,
            key,
            station,
            paths: paths.clone(),
            clock,
            disk_floor_mb: 0,
            _lock: lock,
        };
        store.ensure_signing_key()?;
        Ok(store)
    }

    /// A station set up before batch packets existed gets its signing key the first time it is
    /// opened (the file, then its public half in the database, audited).
    fn ensure_signing_key(&mut self) -> Result<(), StoreError> {
        if self.signing_public_key()?.is_some() {
            return Ok(());
        }
        let path = self.paths.signing_key_file();
        let key = create_or_load_signing_key(&path)?;
        self.write(|tx, ctx| insert_signing_key(tx, ctx, &key))
    }

    /// The registered public half of the station's signing key, as 64 hex digits.
    pub fn signing_public_key(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT public_key FROM station_signing_key WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_error(e))
    }

    /// Loads the station's signing key and checks it is the one registered for this station.
    pub fn signing_key(&self) -> Result<StationSigningKey, StoreError> {
        let path = self.paths.signing_key_file();
        let key = StationSigningKey::load(&path)?;
        if self.signing_public_key()?.as_deref() != Some(key.public_hex().as_str()) {
            return Err(StoreError::WrongSigningKey(path));
        }
        Ok(key)
    }

    /// Sets up a new station: creates the data key (or takes the one an interrupted setup left),
    /// the database, the station row and the first supervisor, in one transaction.
    pub fn setup(
        paths: &Paths,
        setup: &StationSetup,
        clock: Arc<dyn Clock>,
    ) -> Result<Store, SetupOrStoreError> {
        let kecamatan_name = region::lookup_checked(&setup.kecamatan_code)
            .map(|r| r.kecamatan)
            .ok_or_else(|| SetupError::UnknownKecamatan(setup.kecamatan_code.clone()))?;
        if !crate::domain::queue::valid_station_id(&setup.station_id) {
            return Err(SetupError::BadStationId(setup.station_id.clone()).into());
        }
        users::check_new_user(&setup.supervisor)?;
        let lock = DirLock::acquire(&paths.data_dir)?;
        make_private(&paths.data_dir, 0o700)?;
        let db = paths.db();
        if db.exists() && !paths.key_file.exists() {
            // A database without its key: a station (or its remains) that this setup must not
            // touch.
            return Err(StoreError::AlreadySetUp.into());
        }
        // The key first: it encrypts the database from its first page. An existing key file is
        // taken only when an interrupted setup of this very directory made it (its id noted
        // here); any other key belongs to another station and is refused, never shared.
        let key = match DataKey::create(&paths.key_file) {
            Err(StoreError::KeyExists(path)) => {
                let key = DataKey::load(&paths.key_file)?;
                let noted = std::fs::read_to_string(paths.key_marker()).unwrap_or_default();
                if noted.trim() != key.id() {
                    return Err(StoreError::KeyOfAnotherStation(path).into());
                }
                key
            }
            other => other?,
        };
        std::fs::write(paths.key_marker(), format!("{}\n", key.id()))
            .map_err(|e| StoreError::from_io(e, &paths.key_marker()))?;
        let mut conn = open_connection(&db, true, &key)?;
        for file in database_files(&db) {
            make_private(&file, 0o600)?;
        }
        if read_station(&conn, &db)?.is_some() {
            return Err(StoreError::AlreadySetUp.into());
        }
        let station = Station {
            kecamatan_code: setup.kecamatan_code.clone(),
            kecamatan_name,
            station_id: setup.station_id.clone(),
            data_key_id: key.id().to_owned(),
            mode: setup.mode,
        };
        let now = timestamp(clock.now());
        let sql = |e| StoreError::from_sqlite(e, &db);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        tx.execute(
            "INSERT INTO station (id, kecamatan_code, kecamatan_name, station_id, data_key_id, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            params![station.kecamatan_code, station.kecamatan_name, station.station_id, station.data_key_id, now],
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO station_mode (id, mode, set_at) VALUES (1, ?1, ?2)",
            params![station.mode, now],
        )
        .map_err(sql)?;
        audit::append(
            &tx,
            &now,
            &audit::Entry {
                actor_id: None,
                action: "station.setup",
                entity: "station",
                entity_id: Some(1),
                detail: serde_json::json!({
                    "kecamatan_code": station.kecamatan_code,
                    "station_id": station.station_id,
                    "data_key_id": station.data_key_id,
                    "mode": station.mode,
                    "software": env!("CARGO_PKG_VERSION"),
                }),
            },
        )
        .map_err(sql)?;
        let signing = create_or_load_signing_key(&paths.signing_key_file())?;
        let ctx = WriteCtx {
            now: now.clone(),
            today: clock.now().date_naive(),
            key: &key,
            station: &station,
            db: &db,
        };
        insert_signing_key(&tx, &ctx, &signing)?;
        users::insert(&tx, &now, None, &setup.supervisor, &db).map_err(|e| match e {
            users::UserError::Store(s) => SetupOrStoreError::Store(s),
            other => SetupOrStoreError::User(other),
        })?;
        tx.commit().map_err(sql)?;
        Ok(Store {
            conn,
            key,
            station,
            paths: paths.clone(),
            clock,
            disk_floor_mb: 0,
            _lock: lock,
        })
    }

    pub fn station(&self) -> &Station {
        &self.station
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn key(&self) -> &DataKey {
        &self.key
    }

    /// The connection, for reads. Writes go through [`Store::write`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Now, formatted as stored.
    pub fn now(&self) -> String {
        timestamp(self.clock.now())
    }

    /// The service day: the station's local date.
    pub fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    /// Maps a SQLite error on this station's database.
    pub fn sql_error(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(e, &self.paths.db())
    }

    /// Runs `f` in one IMMEDIATE transaction and commits it durably (WAL, `synchronous=FULL`).
    /// Any error rolls everything back: a change and its audit row land together or not at all.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>, &WriteCtx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let db = self.paths.db();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sqlite(e, &db))?;
        let ctx = WriteCtx {
            now: timestamp(self.clock.now()),
            today: self.clock.now().date_naive(),
            key: &self.key,
            station: &self.station,
            db: &db,
        };
        let value = f(&tx, &ctx)?;
        tx.commit().map_err(|e| StoreError::from_sqlite(e, &db))?;
        Ok(value)
    }

    /// Sets the free-space floor under which new recordings are refused (0: no floor).
    pub fn set_disk_floor_mb(&mut self, floor_mb: u64) {
        self.disk_floor_mb = floor_mb;
    }

    /// Free space on the data disk against the floor.
    pub fn disk_space(&self) -> Result<disk::DiskSpace, StoreError> {
        Ok(disk::DiskSpace {
            free_mb: disk::free_bytes(&self.paths.data_dir)? / 1_000_000,
            floor_mb: self.disk_floor_mb,
        })
    }

    /// Checks the audit log's hash chain.
    pub fn verify_audit(&self) -> Result<audit::Verification, StoreError> {
        audit::verify(&self.conn).map_err(|e| self.sql_error(e))
    }

    /// SQLite's own consistency check; `Ok(())` when it finds nothing.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.sql_error(e))?;
        let fk: Option<String> = self
            .conn
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_error(e))?;
        if result == "ok" && fk.is_none() {
            Ok(())
        } else {
            Err(StoreError::Corrupt(self.paths.db()))
        }
    }
}

/// Creates the signing key file, or takes the one an interrupted setup or first open left.
fn create_or_load_signing_key(path: &Path) -> Result<StationSigningKey, StoreError> {
    match StationSigningKey::create(path) {
        Err(StoreError::KeyExists(_)) => StationSigningKey::load(path),
        other => other,
    }
}

fn insert_signing_key(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    key: &StationSigningKey,
) -> Result<(), StoreError> {
    let public = key.public_hex();
    tx.execute(
        "INSERT INTO station_signing_key (id, public_key, created_at) VALUES (1, ?1, ?2)",
        params![public, ctx.now],
    )
    .map_err(|e| ctx.sql(e))?;
    ctx.audit(
        tx,
        &audit::Entry {
            actor_id: None,
            action: "station.signing_key",
            entity: "station",
            entity_id: Some(1),
            detail: serde_json::json!({
                "public_key": public,
                "fingerprint": signing::fingerprint(&public),
            }),
        },
    )?;
    Ok(())
}

/// What a write transaction may need besides the transaction itself.
#[derive(Debug)]
pub struct WriteCtx<'a> {
    /// The transaction's timestamp: every row it writes carries the same one.
    pub now: String,
    pub today: NaiveDate,
    pub key: &'a DataKey,
    pub station: &'a Station,
    db: &'a Path,
}

impl WriteCtx<'_> {
    /// The database file, for error messages.
    pub fn db_path(&self) -> &Path {
        self.db
    }

    /// Maps a SQLite error inside the transaction.
    pub fn sql(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(e, self.db)
    }

    /// Appends an audit row in this transaction.
    pub fn audit(&self, tx: &Transaction<'_>, entry: &audit::Entry<'_>) -> Result<i64, StoreError> {
        audit::append(tx, &self.now, entry).map_err(|e| self.sql(e))
    }

    /// The next value of a counter that never goes down (queue and register numbers).
    pub fn next_counter(
        &self,
        tx: &Transaction<'_>,
        name: &str,
        day: NaiveDate,
    ) -> Result<u32, StoreError> {
        tx.query_row(
            "INSERT INTO counters (name, day, value) VALUES (?1, ?2, 1)
             ON CONFLICT (name, day) DO UPDATE SET value = value + 1 RETURNING value",
            params![name, day.to_string()],
            |r| r.get(0),
        )
        .map_err(|e| self.sql(e))
    }
}

/// Setup fails on input or on storage.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SetupOrStoreError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    User(users::UserError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<users::UserError> for SetupOrStoreError {
    fn from(e: users::UserError) -> Self {
        match e {
            users::UserError::Store(s) => SetupOrStoreError::Store(s),
            other => SetupOrStoreError::User(other),
        }
    }
}

impl crate::lang::Localize for SetupError {
    fn localize(&self, lang: crate::lang::Lang) -> String {
        use crate::lang::Lang;
        match (self, lang) {
            (SetupError::UnknownKecamatan(c), Lang::Id) => {
                format!("Kode kecamatan '{c}' tidak dikenal; masukkan 6 angka kode Kemendagri.")
            }
            (SetupError::BadStationId(s), Lang::Id) => {
                format!("ID stasiun '{s}' harus 1 sampai 8 huruf kapital atau angka.")
            }
            (e, Lang::En) => format!("The {e}."),
        }
    }
}

impl crate::lang::Localize for SetupOrStoreError {
    fn localize(&self, lang: crate::lang::Lang) -> String {
        match self {
            SetupOrStoreError::Setup(e) => e.localize(lang),
            SetupOrStoreError::User(e) => e.localize(lang),
            SetupOrStoreError::Store(e) => e.localize(lang),
        }
    }
}

/// Statements through the connection's statement cache: each SQL text is parsed once per
/// connection and reused by every later write (the capture path runs the same few statements for
/// every attempt).
pub(crate) mod cached {
    use rusqlite::{Connection, Params, Row};

    pub(crate) fn execute(
        conn: &Connection,
        sql: &str,
        params: impl Params,
    ) -> rusqlite::Result<usize> {
        conn.prepare_cached(sql)?.execute(params)
    }

    pub(crate) fn query_row<T>(
        conn: &Connection,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        conn.prepare_cached(sql)?.query_row(params, f)
    }
}

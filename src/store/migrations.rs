//! Versioned migrations (rusqlite_migration, PRAGMA user_version): `migrations/0001.sql` is
//! version 1 as it shipped, each later file one change. A schema change appends a file here and
//! updates `schema.sql` to the new whole; the test below proves that a database migrated step by
//! step equals one made from `schema.sql`.

use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use super::StoreError;

#[cfg(test)]
const SCHEMA: &str = include_str!("../../schema.sql");

const STEPS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001.sql")),
    M::up(include_str!("migrations/0002.sql")),
    M::up(include_str!("migrations/0003.sql")),
    M::up(include_str!("migrations/0004.sql")),
    M::up(include_str!("migrations/0005.sql")),
];

static MIGRATIONS: Migrations<'static> = Migrations::from_slice(STEPS);

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`]; refuses a database from a newer program.
pub fn apply(conn: &mut Connection, db: &Path) -> Result<(), StoreError> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite(e, db))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    MIGRATIONS.to_latest(conn).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::from_sqlite(err, db),
        other => StoreError::Migration(std::sync::Arc::new(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    }

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().expect("valid migrations");
    }

    #[test]
    fn migrations_match_schema_sql() {
        let mut migrated = Connection::open_in_memory().expect("db");
        apply(&mut migrated, Path::new(":memory:")).expect("migrate");
        let fresh = Connection::open_in_memory().expect("db");
        fresh.execute_batch(SCHEMA).expect("schema.sql applies");
        assert_eq!(schema_of(&migrated), schema_of(&fresh));
        let v: i64 = migrated
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn a_station_from_before_modes_becomes_a_training_station() {
        let mut conn = Connection::open_in_memory().expect("db");
        Migrations::from_slice(&STEPS[..3])
            .to_latest(&mut conn)
            .expect("version 3");
        conn.execute(
            "INSERT INTO station (id, kecamatan_code, kecamatan_name, station_id, data_key_id, created_at)
             VALUES (1, '331301', 'JATIPURO', '01', 'k', '2026-11-01T00:00:00.000Z')",
            [],
        )
        .expect("station");
        apply(&mut conn, Path::new(":memory:")).expect("migrate");
        let mode: String = conn
            .query_row("SELECT mode FROM station_mode WHERE id = 1", [], |r| {
                r.get(0)
            })
            .expect("mode");
        assert_eq!(mode, "training");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().expect("db");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("set");
        assert!(matches!(
            apply(&mut conn, Path::new(":memory:")),
            Err(StoreError::TooNew { .. })
        ));
    }
}

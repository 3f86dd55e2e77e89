//! Station users (operators and supervisors): argon2id password hashes, login with lock-out after
//! repeated failures. Officer cards (PIV, a signed challenge) are in `cards`.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use zeroize::Zeroizing;

use super::{Store, StoreError, audit};
use crate::domain::coded_enum;
use crate::lang::{Lang, Localize};

coded_enum! {
    /// What a user may do. Supervisors verify and validate requests and close the day.
    pub enum Role {
        Operator = "operator",
        Supervisor = "supervisor",
    }
}

/// A user as the rest of the program sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub nip: Option<String>,
    pub role: Role,
    pub password: Zeroizing<String>,
}

/// The password policy: at least this many characters, of at least two kinds (letters, digits,
/// other signs), not containing the username. Stated in the README and docs/SECURITY.md.
pub const MIN_PASSWORD: usize = 10;
/// Failed logins in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: chrono::Duration = chrono::Duration::minutes(5);

#[derive(Debug, Clone, thiserror::Error)]
pub enum UserError {
    #[error("username must be 1-32 letters, digits, '.', '_' or '-'")]
    BadUsername,
    #[error("full name is empty")]
    EmptyName,
    #[error(
        "password must have at least {MIN_PASSWORD} characters of two kinds (letters, digits, other signs) and not contain the username"
    )]
    WeakPassword,
    #[error("the new password is the same as the current one")]
    SamePassword,
    #[error("no user '{0}'")]
    NoSuchUser(String),
    #[error("the last active supervisor cannot be deactivated")]
    LastSupervisor,
    #[error("username '{0}' is taken")]
    UsernameTaken(String),
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("account locked after repeated failures until {0}")]
    Locked(String),
    #[error("account is disabled")]
    Inactive,
    #[error("only a supervisor may do this")]
    NotSupervisor,
    #[error(
        "the officer card {0} was not issued at this station; a supervisor issues cards (rekam user issue-card)"
    )]
    UnknownCard(String),
    #[error("this officer card was revoked")]
    CardRevoked,
    #[error(
        "the officer card's signature does not match the key recorded when it was issued: a forged or altered card"
    )]
    CardForged,
    #[error("this card is already issued, to '{0}'")]
    CardAlreadyIssued(String),
    #[error("'{0}' has no active officer card (with that fingerprint)")]
    NoSuchCard(String),
    #[error("the card cannot be issued: {0}")]
    CardRefused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localize for UserError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (UserError::BadUsername, Lang::Id) => {
                "Nama pengguna harus 1-32 huruf, angka, '.', '_' atau '-'.".to_owned()
            }
            (UserError::EmptyName, Lang::Id) => "Nama lengkap belum diisi.".to_owned(),
            (UserError::WeakPassword, Lang::Id) => format!(
                "Kata sandi minimal {MIN_PASSWORD} karakter, dari dua jenis (huruf, angka, tanda lain), dan tidak memuat nama pengguna."
            ),
            (UserError::SamePassword, Lang::Id) => {
                "Kata sandi baru sama dengan yang lama.".to_owned()
            }
            (UserError::NoSuchUser(u), Lang::Id) => format!("Tidak ada pengguna '{u}'."),
            (UserError::LastSupervisor, Lang::Id) => {
                "Supervisor aktif terakhir tidak dapat dinonaktifkan: tambahkan supervisor lain dulu."
                    .to_owned()
            }
            (UserError::UsernameTaken(u), Lang::Id) => {
                format!("Nama pengguna '{u}' sudah dipakai.")
            }
            (UserError::WrongCredentials, Lang::Id) => {
                "Nama pengguna atau kata sandi salah.".to_owned()
            }
            (UserError::Locked(until), Lang::Id) => {
                format!("Akun terkunci karena terlalu banyak percobaan gagal, sampai {until}.")
            }
            (UserError::Inactive, Lang::Id) => "Akun ini dinonaktifkan.".to_owned(),
            (UserError::NotSupervisor, Lang::Id) => {
                "Hanya supervisor yang boleh melakukan ini.".to_owned()
            }
            (UserError::UnknownCard(fp), Lang::Id) => format!(
                "Kartu petugas {fp} tidak terdaftar di stasiun ini; kartu diterbitkan oleh supervisor (rekam user issue-card)."
            ),
            (UserError::CardRevoked, Lang::Id) => {
                "Kartu petugas ini sudah dicabut.".to_owned()
            }
            (UserError::CardForged, Lang::Id) => {
                "Tanda tangan kartu tidak cocok dengan kunci yang dicatat saat kartu diterbitkan: kartu palsu atau diubah."
                    .to_owned()
            }
            (UserError::CardAlreadyIssued(u), Lang::Id) => {
                format!("Kartu ini sudah diterbitkan untuk '{u}'.")
            }
            (UserError::NoSuchCard(u), Lang::Id) => {
                format!("'{u}' tidak memiliki kartu petugas aktif (dengan sidik kunci itu).")
            }
            (UserError::CardRefused(why), Lang::Id) => {
                format!("Kartu tidak dapat diterbitkan: {why}")
            }
            (UserError::Store(e), lang) => e.localize(lang),
            (other, Lang::En) => format!(
                "{}{}.",
                other.to_string()[..1].to_uppercase(),
                &other.to_string()[1..]
            ),
        }
    }
}

/// Whether an account found by password or card may log in now: not locked (`locked_until`,
/// RFC 3339, still ahead of `now`) and active.
pub(super) fn may_log_in(
    locked_until: Option<&str>,
    active: bool,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    if let Some(until) = locked_until.and_then(|u| DateTime::parse_from_rfc3339(u).ok())
        && until.with_timezone(&Utc) > now
    {
        return Err(UserError::Locked(until.format("%H:%M").to_string()));
    }
    if !active {
        return Err(UserError::Inactive);
    }
    Ok(())
}

/// Checked against for a user that does not exist, so that the answer takes as long as for one
/// that does (default argon2id parameters, any salt and hash).
const UNKNOWN_USER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE";

/// Checks a new user's fields before anything is written.
/// Whether user `id` is an active supervisor, read from the database (never from the caller's
/// `User` value, which a screen could have kept past a role change).
pub fn is_active_supervisor(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<bool> {
    let role: Option<(Role, bool)> = conn
        .query_row("SELECT role, active FROM users WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(role == Some((Role::Supervisor, true)))
}

pub fn check_new_user(u: &NewUser) -> Result<(), UserError> {
    let ok = (1..=32).contains(&u.username.len())
        && u.username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !ok {
        return Err(UserError::BadUsername);
    }
    if u.full_name.trim().is_empty() {
        return Err(UserError::EmptyName);
    }
    check_password(&u.username, &u.password)
}

/// The password policy ([`MIN_PASSWORD`]).
pub(crate) fn check_password(username: &str, password: &str) -> Result<(), UserError> {
    let kinds = [
        password.chars().any(char::is_alphabetic),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    let contains_name = !username.trim().is_empty()
        && password
            .to_lowercase()
            .contains(&username.trim().to_lowercase());
    if password.chars().count() < MIN_PASSWORD || kinds < 2 || contains_name {
        return Err(UserError::WeakPassword);
    }
    Ok(())
}

/// argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's recommendation).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Inserts a user in the caller's transaction, with its audit row.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    now: &str,
    actor: Option<i64>,
    u: &NewUser,
    db: &std::path::Path,
) -> Result<User, UserError> {
    check_new_user(u)?;
    let hash = hash_password(&u.password);
    let username = u.username.trim().to_owned();
    let inserted = tx.execute(
        "INSERT INTO users (username, full_name, nip, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![username, u.full_name.trim(), u.nip, u.role, hash, now],
    );
    match inserted {
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            return Err(UserError::UsernameTaken(username));
        }
        other => other.map_err(|e| StoreError::from_sqlite(e, db))?,
    };
    let id = tx.last_insert_rowid();
    audit::append(
        tx,
        now,
        &audit::Entry {
            actor_id: actor,
            action: "user.create",
            entity: "user",
            entity_id: Some(id),
            detail: serde_json::json!({ "username": username, "role": u.role }),
        },
    )
    .map_err(|e| StoreError::from_sqlite(e, db))?;
    Ok(User {
        id,
        username,
        full_name: u.full_name.trim().to_owned(),
        role: u.role,
    })
}

impl Store {
    /// Creates a user; only a supervisor may.
    pub fn create_user(&mut self, by: &User, u: &NewUser) -> Result<User, UserError> {
        // The role is read from the database, not taken from the caller's `User` value.
        if self.user(by.id)?.map(|u| u.role) != Some(Role::Supervisor) {
            return Err(UserError::NotSupervisor);
        }
        self.write(|tx, ctx| insert(tx, &ctx.now, Some(by.id), u, ctx.db_path()))
    }

    /// The user with this id.
    pub fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        self.conn()
            .query_row(
                "SELECT id, username, full_name, role FROM users WHERE id = ?1",
                [id],
                |r| {
                    Ok(User {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        full_name: r.get(2)?,
                        role: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.sql_error(e))
    }

    /// Logs in with a password. Wrong passwords count; the fifth in a row locks the account for
    /// [`LOCKOUT`]. Both outcomes are audited. The error does not say whether the user exists.
    pub fn authenticate(&mut self, username: &str, password: &str) -> Result<User, UserError> {
        let now_t = self.clock().now().with_timezone(&Utc);
        self.write(|tx, ctx| {
            type Row = (i64, String, String, Role, String, bool, i64, Option<String>);
            let row: Option<Row> = tx
                .query_row(
                    "SELECT id, username, full_name, role, password_hash, active, failed_logins, locked_until
                     FROM users WHERE username = ?1",
                    [username.trim()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
                )
                .optional()
                .map_err(|e| ctx.sql(e))?;
            let Some((id, username, full_name, role, hash, active, failed, locked_until)) = row else {
                // Spend the same time as a real check, so timing does not reveal unknown users.
                let _ = verify_password(password, UNKNOWN_USER_HASH);
                return Err(UserError::WrongCredentials);
            };
            may_log_in(locked_until.as_deref(), active, now_t)?;
            let entry = |action| audit::Entry {
                actor_id: Some(id),
                action,
                entity: "user",
                entity_id: Some(id),
                detail: serde_json::json!({}),
            };
            if verify_password(password, &hash) {
                tx.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1", [id])
                    .map_err(|e| ctx.sql(e))?;
                ctx.audit(tx, &entry("user.login"))?;
                Ok(Ok(User { id, username, full_name, role }))
            } else {
                let failed = failed + 1;
                let locked = (failed >= MAX_FAILED_LOGINS).then(|| super::timestamp((now_t + LOCKOUT).fixed_offset()));
                tx.execute(
                    "UPDATE users SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1",
                    params![id, if locked.is_some() { 0 } else { failed }, locked],
                )
                .map_err(|e| ctx.sql(e))?;
                ctx.audit(tx, &entry(if locked.is_some() { "user.locked" } else { "user.login_failed" }))?;
                // The failure is committed (the counter must survive) and then reported.
                Ok(Err(UserError::WrongCredentials))
            }
        })
        .and_then(|r: Result<User, UserError>| r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_user_hash_costs_a_real_verification() {
        let parsed = PasswordHash::new(UNKNOWN_USER_HASH).expect("parses");
        let real = hash_password("whatever-123");
        let real = PasswordHash::new(&real).expect("parses");
        assert_eq!(parsed.algorithm, real.algorithm);
        assert_eq!(parsed.params, real.params, "same cost as a stored hash");
        assert!(!verify_password("anything", UNKNOWN_USER_HASH));
        assert!(verify_password("whatever-123", &real.to_string()));
    }
}

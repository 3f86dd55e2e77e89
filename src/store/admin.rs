//! User administration: the supervisor adds operators and supervisors, deactivates and
//! reactivates them, resets a password (which must then be changed at the next login) and unlocks
//! an account; every user changes their own password. Every change is audited. The role of the
//! one who acts is read from the database, never taken from the caller; nobody deactivates the
//! last active supervisor.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;

use super::users::{NewUser, Role, User, UserError, check_password, hash_password};
use super::{Store, WriteCtx, audit, users};

/// A user as the administration lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub nip: Option<String>,
    pub role: Role,
    pub active: bool,
    /// Locked after repeated failures until then (UTC), if so.
    pub locked_until: Option<String>,
    /// The password was set by a supervisor and must be changed at the next login.
    pub must_change_password: bool,
    pub created_at: String,
}

/// What a supervisor does to another account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Deactivate,
    Activate,
    Unlock,
}

pub(super) fn require_supervisor(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    by: &User,
) -> Result<(), UserError> {
    if users::is_active_supervisor(tx, by.id).map_err(|e| ctx.sql(e))? {
        Ok(())
    } else {
        Err(UserError::NotSupervisor)
    }
}

/// The id and role of `username`, or `NoSuchUser`.
fn find(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    username: &str,
) -> Result<(i64, Role, bool), UserError> {
    tx.query_row(
        "SELECT id, role, active FROM users WHERE username = ?1",
        [username.trim()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
    .map_err(|e| ctx.sql(e))?
    .ok_or_else(|| UserError::NoSuchUser(username.trim().to_owned()))
}

impl Store {
    /// Every user of the station, by username.
    pub fn list_users(&self) -> Result<Vec<UserRecord>, super::StoreError> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, username, full_name, nip, role, active, locked_until, must_change_password,
                        created_at
                 FROM users ORDER BY username",
            )
            .map_err(|e| self.sql_error(e))?;
        stmt.query_map([], |r| {
            Ok(UserRecord {
                id: r.get(0)?,
                username: r.get(1)?,
                full_name: r.get(2)?,
                nip: r.get(3)?,
                role: r.get(4)?,
                active: r.get(5)?,
                locked_until: r.get(6)?,
                must_change_password: r.get(7)?,
                created_at: r.get(8)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql_error(e))
    }

    /// Adds a user with a first password that must be changed at the first login (a supervisor
    /// only).
    pub fn add_user(&mut self, by: &User, u: &NewUser) -> Result<User, UserError> {
        self.write(|tx, ctx| {
            require_supervisor(tx, ctx, by)?;
            let user = users::insert(tx, &ctx.now, Some(by.id), u, ctx.db_path())?;
            tx.execute(
                "UPDATE users SET must_change_password = 1 WHERE id = ?1",
                [user.id],
            )
            .map_err(|e| ctx.sql(e))?;
            Ok(user)
        })
    }

    /// Deactivates `username` (a supervisor only): they can no longer log in. The last active
    /// supervisor cannot be deactivated, by anyone.
    pub fn deactivate_user(&mut self, by: &User, username: &str) -> Result<(), UserError> {
        self.change_user(by, username, Change::Deactivate)
    }

    /// Lets a deactivated user log in again (a supervisor only).
    pub fn activate_user(&mut self, by: &User, username: &str) -> Result<(), UserError> {
        self.change_user(by, username, Change::Activate)
    }

    /// Unlocks an account locked after repeated failed logins (a supervisor only).
    pub fn unlock_user(&mut self, by: &User, username: &str) -> Result<(), UserError> {
        self.change_user(by, username, Change::Unlock)
    }

    fn change_user(&mut self, by: &User, username: &str, change: Change) -> Result<(), UserError> {
        self.write(|tx, ctx| {
            require_supervisor(tx, ctx, by)?;
            let (id, role, active) = find(tx, ctx, username)?;
            let (sql, action) = match change {
                Change::Deactivate => {
                    if active && role == Role::Supervisor {
                        let others: i64 = tx
                            .query_row(
                                "SELECT count(*) FROM users WHERE role = 'supervisor' AND active = 1 AND id != ?1",
                                [id],
                                |r| r.get(0),
                            )
                            .map_err(|e| ctx.sql(e))?;
                        if others == 0 {
                            return Err(UserError::LastSupervisor);
                        }
                    }
                    ("UPDATE users SET active = 0 WHERE id = ?1", "user.deactivate")
                }
                Change::Activate => ("UPDATE users SET active = 1 WHERE id = ?1", "user.activate"),
                Change::Unlock => (
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
                    "user.unlock",
                ),
            };
            tx.execute(sql, [id]).map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(by.id),
                    action,
                    entity: "user",
                    entity_id: Some(id),
                    detail: json!({ "username": username.trim() }),
                },
            )?;
            Ok(())
        })
    }

    /// Sets a new password for `username` (a supervisor only), which they must change at their
    /// next login; the account is unlocked too.
    pub fn reset_password(
        &mut self,
        by: &User,
        username: &str,
        password: &str,
    ) -> Result<(), UserError> {
        check_password(username.trim(), password)?;
        let hash = hash_password(password);
        self.write(|tx, ctx| {
            require_supervisor(tx, ctx, by)?;
            let (id, _, _) = find(tx, ctx, username)?;
            tx.execute(
                "UPDATE users SET password_hash = ?2, must_change_password = 1, failed_logins = 0,
                     locked_until = NULL WHERE id = ?1",
                params![id, hash],
            )
            .map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(by.id),
                    action: "user.reset_password",
                    entity: "user",
                    entity_id: Some(id),
                    detail: json!({ "username": username.trim() }),
                },
            )?;
            Ok(())
        })
    }

    /// A user changes their own password: the current one is checked (a wrong one counts as a
    /// failed login), the new one must follow the policy and differ from it.
    pub fn change_password(
        &mut self,
        username: &str,
        current: &str,
        new: &str,
    ) -> Result<User, UserError> {
        check_password(username.trim(), new)?;
        if current == new {
            return Err(UserError::SamePassword);
        }
        let user = self.authenticate(username, current)?;
        let hash = hash_password(new);
        self.write(|tx, ctx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2, must_change_password = 0 WHERE id = ?1",
                params![user.id, hash],
            )
            .map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(user.id),
                    action: "user.change_password",
                    entity: "user",
                    entity_id: Some(user.id),
                    detail: json!({}),
                },
            )?;
            Ok::<_, UserError>(())
        })?;
        Ok(user)
    }

    /// Whether `user` must change their password before doing anything else.
    pub fn must_change_password(&self, user: &User) -> Result<bool, super::StoreError> {
        self.conn()
            .query_row(
                "SELECT must_change_password FROM users WHERE id = ?1",
                [user.id],
                |r| r.get(0),
            )
            .map_err(|e| self.sql_error(e))
    }
}

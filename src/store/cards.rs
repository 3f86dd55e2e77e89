//! Officer cards: PIV cards a supervisor issues to a user of the station. Issuing records the
//! card's public key (from its certificate) after the card has proven that it holds the private
//! half, by signing a fresh challenge with its PIN verified; a card login is accepted only when
//! the card signs a new challenge that verifies with the key recorded here, for an active user
//! whose account is not locked. Nothing the card says about its holder is believed: who holds a
//! card is what the supervisor said when issuing it. Every issue, revocation and card login,
//! and every refused card, is audited.

use chrono::Utc;
use rekam_smartcard::LoginProof;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::admin::require_supervisor;
use super::users::{Role, User, UserError};
use super::{Store, StoreError, audit, users};

/// An officer card as the administration lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CardRecord {
    pub id: i64,
    pub username: String,
    /// SHA-256 of the card's public key, hex.
    pub fingerprint: String,
    pub subject: String,
    pub guid: Option<String>,
    pub issued_at: String,
    pub revoked_at: Option<String>,
}

impl CardRecord {
    /// The first 16 hex digits of the fingerprint in groups of four, as shown to people.
    pub fn short_fingerprint(&self) -> String {
        short_fingerprint(&self.fingerprint)
    }
}

/// `ab12 cd34 ef56 7890`: enough of a fingerprint to tell cards apart at a glance.
pub fn short_fingerprint(fp: &str) -> String {
    fp.as_bytes()
        .chunks(4)
        .take(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Store {
    /// Issues the card that produced `proof` to `username` (a supervisor only): checks the
    /// proof (the card signed the challenge with the key in its certificate), refuses a card
    /// already issued (to anyone, revoked or not: a card is issued once), records the key.
    /// Audited as `user.card_issue`.
    pub fn issue_card(
        &mut self,
        by: &User,
        username: &str,
        proof: &LoginProof,
    ) -> Result<CardRecord, UserError> {
        proof
            .verify_with(&proof.key.spki)
            .map_err(|e| UserError::CardRefused(e.to_string()))?;
        self.write(|tx, ctx| {
            require_supervisor(tx, ctx, by)?;
            let (user_id, active): (i64, bool) = tx
                .query_row(
                    "SELECT id, active FROM users WHERE username = ?1",
                    [username.trim()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| ctx.sql(e))?
                .ok_or_else(|| UserError::NoSuchUser(username.trim().to_owned()))?;
            if !active {
                return Err(UserError::Inactive);
            }
            let holder: Option<String> = tx
                .query_row(
                    "SELECT u.username FROM officer_cards c JOIN users u ON u.id = c.user_id
                     WHERE c.fingerprint = ?1",
                    [&proof.key.fingerprint],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| ctx.sql(e))?;
            if let Some(holder) = holder {
                return Err(UserError::CardAlreadyIssued(holder));
            }
            let guid = proof.guid.map(hex::encode);
            tx.execute(
                "INSERT INTO officer_cards (user_id, spki, fingerprint, guid, subject, issued_at, issued_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    user_id,
                    proof.key.spki,
                    proof.key.fingerprint,
                    guid,
                    proof.key.subject,
                    ctx.now,
                    by.id
                ],
            )
            .map_err(|e| ctx.sql(e))?;
            let id = tx.last_insert_rowid();
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(by.id),
                    action: "user.card_issue",
                    entity: "user",
                    entity_id: Some(user_id),
                    detail: json!({
                        "username": username.trim(),
                        "fingerprint": proof.key.fingerprint,
                        "subject": proof.key.subject,
                        "guid": guid,
                    }),
                },
            )?;
            Ok(CardRecord {
                id,
                username: username.trim().to_owned(),
                fingerprint: proof.key.fingerprint.clone(),
                subject: proof.key.subject.clone(),
                guid,
                issued_at: ctx.now.clone(),
                revoked_at: None,
            })
        })
    }

    /// Revokes the active cards of `username` whose fingerprint starts with `fingerprint`
    /// (hex, spaces ignored; empty: all of them), a supervisor only. Returns the cards revoked;
    /// none is `NoSuchCard`. Audited as `user.card_revoke`, one entry per card.
    pub fn revoke_card(
        &mut self,
        by: &User,
        username: &str,
        fingerprint: &str,
    ) -> Result<Vec<CardRecord>, UserError> {
        let prefix: String = fingerprint
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        let cards: Vec<CardRecord> = self
            .officer_cards(Some(username))?
            .into_iter()
            .filter(|c| c.revoked_at.is_none() && c.fingerprint.starts_with(&prefix))
            .collect();
        if cards.is_empty() {
            return Err(UserError::NoSuchCard(username.trim().to_owned()));
        }
        self.write(|tx, ctx| {
            require_supervisor(tx, ctx, by)?;
            let mut revoked = Vec::new();
            for mut card in cards {
                let user_id: i64 = tx
                    .query_row(
                        "UPDATE officer_cards SET revoked_at = ?2, revoked_by = ?3
                         WHERE id = ?1 AND revoked_at IS NULL RETURNING user_id",
                        params![card.id, ctx.now, by.id],
                        |r| r.get(0),
                    )
                    .map_err(|e| ctx.sql(e))?;
                ctx.audit(
                    tx,
                    &audit::Entry {
                        actor_id: Some(by.id),
                        action: "user.card_revoke",
                        entity: "user",
                        entity_id: Some(user_id),
                        detail: json!({ "username": card.username, "fingerprint": card.fingerprint }),
                    },
                )?;
                card.revoked_at = Some(ctx.now.clone());
                revoked.push(card);
            }
            Ok(revoked)
        })
    }

    /// The officer cards ever issued (of `username` only, if given), newest first.
    pub fn officer_cards(&self, username: Option<&str>) -> Result<Vec<CardRecord>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT c.id, u.username, c.fingerprint, c.subject, c.guid, c.issued_at, c.revoked_at
                 FROM officer_cards c JOIN users u ON u.id = c.user_id
                 WHERE ?1 IS NULL OR u.username = ?1
                 ORDER BY c.id DESC",
            )
            .map_err(|e| self.sql_error(e))?;
        stmt.query_map([username.map(str::trim)], |r| {
            Ok(CardRecord {
                id: r.get(0)?,
                username: r.get(1)?,
                fingerprint: r.get(2)?,
                subject: r.get(3)?,
                guid: r.get(4)?,
                issued_at: r.get(5)?,
                revoked_at: r.get(6)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql_error(e))
    }

    /// Logs in the holder of an officer card. The card has checked its PIN (a wrong PIN counts
    /// on the card, which blocks itself) and signed a fresh challenge (`proof`); here the key
    /// must be one issued at this station and not revoked, the signature must verify with the
    /// key recorded at issue, and its user must be active and not locked. Audited as
    /// `user.login_card`; an unknown or revoked card as `user.login_card_unknown`, a signature
    /// that does not verify as `user.login_card_forged` (with the fingerprint, so that a lost,
    /// foreign or forged card shows in the log).
    pub fn authenticate_card(&mut self, proof: &LoginProof) -> Result<User, UserError> {
        let now_t = self.clock().now().with_timezone(&Utc);
        self.write(|tx, ctx| {
            type Row = (
                i64,
                Vec<u8>,
                Option<String>,
                i64,
                String,
                String,
                Role,
                bool,
                Option<String>,
            );
            let row: Option<Row> = tx
                .query_row(
                    "SELECT c.id, c.spki, c.revoked_at, u.id, u.username, u.full_name, u.role,
                            u.active, u.locked_until
                     FROM officer_cards c JOIN users u ON u.id = c.user_id
                     WHERE c.fingerprint = ?1",
                    [&proof.key.fingerprint],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                        ))
                    },
                )
                .optional()
                .map_err(|e| ctx.sql(e))?;
            let refuse = |action: &'static str, user: Option<i64>| audit::Entry {
                actor_id: None,
                action,
                entity: "user",
                entity_id: user,
                detail: json!({
                    "fingerprint": proof.key.fingerprint,
                    "subject": proof.key.subject,
                }),
            };
            let Some((card_id, spki, revoked_at, id, username, full_name, role, active, locked)) =
                row
            else {
                ctx.audit(tx, &refuse("user.login_card_unknown", None))?;
                return Ok(Err(UserError::UnknownCard(short_fingerprint(
                    &proof.key.fingerprint,
                ))));
            };
            if revoked_at.is_some() {
                ctx.audit(tx, &refuse("user.login_card_revoked", Some(id)))?;
                return Ok(Err(UserError::CardRevoked));
            }
            if proof.verify_with(&spki).is_err() {
                ctx.audit(tx, &refuse("user.login_card_forged", Some(id)))?;
                return Ok(Err(UserError::CardForged));
            }
            if let Err(e) = users::may_log_in(locked.as_deref(), active, now_t) {
                return Ok(Err(e));
            }
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(id),
                    action: "user.login_card",
                    entity: "user",
                    entity_id: Some(id),
                    detail: json!({ "card": card_id, "fingerprint": proof.key.fingerprint }),
                },
            )?;
            Ok(Ok(User {
                id,
                username,
                full_name,
                role,
            }))
        })
        .and_then(|r: Result<User, UserError>| r)
    }
}

//! The receivers' keys pinned at the station: the Ed25519 public keys under which
//! acknowledgements are accepted. Only a supervisor pins or removes one, each change audited.

use rusqlite::params;
use serde_json::json;

use crate::store::{Store, StoreError, User, audit, signing, users};
use crate::workflow::WorkflowError;

/// A pinned receiver key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReceiverKey {
    pub name: String,
    /// 64 lowercase hex digits.
    pub public_key: String,
    pub added_at: String,
}

impl ReceiverKey {
    /// The short fingerprint to read over the phone (as for station keys).
    pub fn fingerprint(&self) -> String {
        signing::fingerprint(&self.public_key)
    }
}

/// A receiver key that is not 32 bytes of hex, or not a point of the curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadKey(pub String);

/// The key as stored: trimmed, lowercase, checked to be a valid Ed25519 point.
pub fn normalize_key(key: &str) -> Result<String, BadKey> {
    let key = key.trim().to_ascii_lowercase();
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(&key, &mut bytes).map_err(|_| BadKey(key.clone()))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| BadKey(key.clone()))?;
    Ok(key)
}

impl Store {
    /// The receiver keys in force.
    pub fn receiver_keys(&self) -> Result<Vec<ReceiverKey>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT name, public_key, added_at FROM receiver_keys WHERE removed_at IS NULL
                 ORDER BY id",
            )
            .map_err(|e| self.sql_error(e))?;
        stmt.query_map([], |r| {
            Ok(ReceiverKey {
                name: r.get(0)?,
                public_key: r.get(1)?,
                added_at: r.get(2)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql_error(e))
    }

    /// Pins a receiver key (a supervisor only). Pinning a key already in force changes nothing.
    pub fn pin_receiver_key(
        &mut self,
        by: &User,
        name: &str,
        key: &str,
    ) -> Result<ReceiverKey, WorkflowError> {
        let key = normalize_key(key).map_err(|e| WorkflowError::BadKey(e.0))?;
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(WorkflowError::ReasonRequired);
        }
        self.write(|tx, ctx| {
            if !users::is_active_supervisor(tx, by.id).map_err(|e| ctx.sql(e))? {
                return Err(WorkflowError::NotSupervisor("receiver_keys"));
            }
            let changed = tx
                .execute(
                    "INSERT INTO receiver_keys (name, public_key, added_by, added_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (public_key) DO UPDATE SET name = ?1, added_by = ?3, added_at = ?4,
                         removed_by = NULL, removed_at = NULL
                     WHERE removed_at IS NOT NULL",
                    params![name, key, by.id, ctx.now],
                )
                .map_err(|e| ctx.sql(e))?;
            if changed > 0 {
                ctx.audit(
                    tx,
                    &audit::Entry {
                        actor_id: Some(by.id),
                        action: "receiver_key.pin",
                        entity: "receiver_key",
                        entity_id: None,
                        detail: json!({ "name": name, "public_key": key }),
                    },
                )?;
            }
            Ok(())
        })?;
        self.receiver_keys()?
            .into_iter()
            .find(|k| k.public_key == key)
            .ok_or_else(|| WorkflowError::Store(StoreError::NotSetUp))
    }

    /// Removes a pinned key (a supervisor only): acknowledgements under it are refused from now
    /// on. `false` when no such key was in force.
    pub fn unpin_receiver_key(&mut self, by: &User, key: &str) -> Result<bool, WorkflowError> {
        let key = normalize_key(key).map_err(|e| WorkflowError::BadKey(e.0))?;
        self.write(|tx, ctx| {
            if !users::is_active_supervisor(tx, by.id).map_err(|e| ctx.sql(e))? {
                return Err(WorkflowError::NotSupervisor("receiver_keys"));
            }
            let changed = tx
                .execute(
                    "UPDATE receiver_keys SET removed_by = ?2, removed_at = ?3
                     WHERE public_key = ?1 AND removed_at IS NULL",
                    params![key, by.id, ctx.now],
                )
                .map_err(|e| ctx.sql(e))?;
            if changed > 0 {
                ctx.audit(
                    tx,
                    &audit::Entry {
                        actor_id: Some(by.id),
                        action: "receiver_key.remove",
                        entity: "receiver_key",
                        entity_id: None,
                        detail: json!({ "public_key": key }),
                    },
                )?;
            }
            Ok(changed > 0)
        })
    }
}

//! The receiver's acknowledgement and what the station does with it. The receiver writes one
//! acknowledgement per packet listing each record with the SHA-256 of its decrypted content (only
//! a holder of the receiver's key can know it) and its verdict. The station checks every hash
//! against what it exported, records the verdicts, and deletes the biometrics of accepted records
//! once the retention has passed.

use chrono::{DateTime, Duration, FixedOffset};
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::format::{ACK_FORMAT, Ack, AckRecord};
use super::verify::Verification;
use crate::lang::{Lang, Localize};
use crate::store::{Store, StoreError, User, audit, timestamp, users};

/// Builds the acknowledgement accepting every record of a packet that verified without a
/// problem, decrypted. `None` when the verification was not complete and clean.
pub fn make_ack(
    v: &Verification,
    receiver: &str,
    received_at: DateTime<FixedOffset>,
) -> Option<Ack> {
    if !v.is_ok() || !v.decrypted {
        return None;
    }
    let (header, manifest) = (v.header.as_ref()?, v.manifest.as_ref()?);
    Some(Ack {
        format: ACK_FORMAT.into(),
        batch: header.batch.clone(),
        batch_sha256: v.file_sha256.clone(),
        receiver: receiver.into(),
        received_at: timestamp(received_at),
        records: manifest
            .records
            .iter()
            .map(|r| AckRecord {
                record: r.record.clone(),
                sha256: r.sha256.clone(),
                status: "accepted".into(),
                reason: None,
            })
            .collect(),
    })
}

/// Why an acknowledgement was refused. Nothing of it is recorded then.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AckError {
    #[error("only a supervisor may import an acknowledgement")]
    NotSupervisor,
    #[error("not an acknowledgement file ({0})")]
    Unreadable(String),
    #[error("no batch {batch} with that SHA-256 was exported from this station")]
    UnknownBatch { batch: String },
    #[error("record {record} is not in batch {batch}")]
    UnknownRecord { batch: String, record: String },
    #[error(
        "record {record}: the acknowledged SHA-256 is not the one exported; the acknowledgement is refused"
    )]
    WrongHash { record: String },
    #[error("record {record}: status '{status}' (expected accepted, or rejected with a reason)")]
    BadStatus { record: String, status: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localize for AckError {
    fn localize(&self, lang: Lang) -> String {
        use AckError::*;
        match (self, lang) {
            (NotSupervisor, Lang::Id) => {
                "Hanya supervisor yang boleh memasukkan tanda terima.".into()
            }
            (Unreadable(e), Lang::Id) => format!("Bukan file tanda terima batch ({e})."),
            (UnknownBatch { batch }, Lang::Id) => format!(
                "Batch {batch} dengan sidik SHA-256 itu tidak pernah diekspor dari stasiun ini. Pastikan tanda terima untuk stasiun ini."
            ),
            (UnknownRecord { batch, record }, Lang::Id) => {
                format!("Rekaman {record} tidak ada dalam batch {batch}.")
            }
            (WrongHash { record }, Lang::Id) => format!(
                "Rekaman {record}: hash di tanda terima tidak sama dengan yang diekspor. Tanda terima ditolak seluruhnya; hubungi Dinas."
            ),
            (BadStatus { record, status }, Lang::Id) => format!(
                "Rekaman {record}: status '{status}' tidak sah (accepted, atau rejected dengan alasan)."
            ),
            (Store(e), lang) => e.localize(lang),
            (other, Lang::En) => {
                let mut s = other.to_string();
                s[..1].make_ascii_uppercase();
                format!("{s}.")
            }
        }
    }
}

/// What an imported acknowledgement changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckImport {
    pub batch: String,
    pub accepted: usize,
    pub rejected: usize,
    /// Accepted records whose biometrics were deleted right away (retention passed already).
    pub purged: usize,
}

/// Recorded requests still waiting to leave the station.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Backlog {
    /// Recorded and in no packet yet.
    pub not_exported: usize,
    /// Exported and not acknowledged yet.
    pub unacknowledged: usize,
    /// The oldest service day among the records not exported.
    pub oldest_day: Option<chrono::NaiveDate>,
    /// Hours since the oldest record not exported was recorded.
    pub oldest_hours: Option<i64>,
}

impl Store {
    /// Checks and records a receiver's acknowledgement (the JSON text of an ack file). All or
    /// nothing: one hash that differs from what was exported refuses the whole file.
    pub fn import_ack(
        &mut self,
        supervisor: &User,
        text: &str,
        retention: Duration,
    ) -> Result<AckImport, AckError> {
        let ack: Ack =
            serde_json::from_str(text).map_err(|e| AckError::Unreadable(e.to_string()))?;
        if ack.format != crate::batch::format::ACK_FORMAT {
            return Err(AckError::Unreadable(format!("format '{}'", ack.format)));
        }
        let received = chrono::DateTime::parse_from_rfc3339(&ack.received_at)
            .map_err(|e| AckError::Unreadable(format!("received_at: {e}")))?;
        let outcome = self.write(|tx, ctx| {
            if !users::is_active_supervisor(tx, supervisor.id).map_err(|e| ctx.sql(e))? {
                return Err(AckError::NotSupervisor);
            }
            let batch: i64 = tx
                .query_row(
                    "SELECT id FROM batches WHERE file_name = ?1 AND sha256 = ?2",
                    params![ack.batch, ack.batch_sha256.to_ascii_lowercase()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| ctx.sql(e))?
                .ok_or_else(|| AckError::UnknownBatch {
                    batch: ack.batch.clone(),
                })?;
            let (mut accepted, mut rejected) = (0, 0);
            for r in &ack.records {
                let row: Option<(i64, String)> = tx
                    .query_row(
                        "SELECT request_id, sha256 FROM batch_records WHERE batch_id = ?1 AND record = ?2",
                        params![batch, r.record],
                        |x| Ok((x.get(0)?, x.get(1)?)),
                    )
                    .optional()
                    .map_err(|e| ctx.sql(e))?;
                let (request, sha) = row.ok_or_else(|| AckError::UnknownRecord {
                    batch: ack.batch.clone(),
                    record: r.record.clone(),
                })?;
                if !sha.eq_ignore_ascii_case(&r.sha256) {
                    return Err(AckError::WrongHash {
                        record: r.record.clone(),
                    });
                }
                let reason = r.reason.as_deref().map(str::trim).filter(|s| !s.is_empty());
                let (verdict, central, reason) = match (r.status.as_str(), reason) {
                    ("accepted", _) => ("accepted", "RECEIVED_AT_CENTRAL", None),
                    ("rejected", Some(why)) => ("rejected", "ENROLL_FAILURE", Some(why)),
                    _ => {
                        return Err(AckError::BadStatus {
                            record: r.record.clone(),
                            status: r.status.clone(),
                        });
                    }
                };
                if verdict == "accepted" {
                    accepted += 1;
                } else {
                    rejected += 1;
                }
                tx.execute(
                    "INSERT INTO receipts (request_id, batch_id, verdict, reason, received_at, imported_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (request_id) DO UPDATE SET batch_id = ?2, verdict = ?3, reason = ?4,
                         received_at = ?5, imported_at = ?6",
                    params![request, batch, verdict, reason, timestamp(received), ctx.now],
                )
                .map_err(|e| ctx.sql(e))?;
                tx.execute(
                    "UPDATE requests SET central_status = ?2, updated_at = ?3 WHERE id = ?1",
                    params![request, central, ctx.now],
                )
                .map_err(|e| ctx.sql(e))?;
            }
            tx.execute(
                "UPDATE batches SET status = 'acknowledged', acknowledged_at = ?2 WHERE id = ?1",
                params![batch, ctx.now],
            )
            .map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(supervisor.id),
                    action: "batch.acknowledge",
                    entity: "batch",
                    entity_id: Some(batch),
                    detail: json!({
                        "file": ack.batch,
                        "receiver": ack.receiver,
                        "received_at": ack.received_at,
                        "accepted": accepted,
                        "rejected": rejected,
                    }),
                },
            )?;
            Ok(AckImport {
                batch: ack.batch.clone(),
                accepted,
                rejected,
                purged: 0,
            })
        })?;
        let purged = self.apply_retention(retention)?;
        Ok(AckImport { purged, ..outcome })
    }

    /// Deletes the biometric blobs of every accepted request whose acknowledgement was imported
    /// at least `retention` ago; the capture rows (formats, qualities, exceptions) stay. Returns
    /// how many requests were purged.
    pub fn apply_retention(&mut self, retention: Duration) -> Result<usize, StoreError> {
        let cutoff = timestamp(self.clock().now() - retention);
        self.write(|tx, ctx| {
            let due: Vec<i64> = {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT request_id FROM receipts WHERE verdict = 'accepted'
                         AND biometrics_deleted_at IS NULL AND imported_at <= ?1 ORDER BY request_id",
                    )
                    .map_err(|e| ctx.sql(e))?;
                stmt.query_map([&cutoff], |r| r.get(0))
                    .map_err(|e| ctx.sql(e))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| ctx.sql(e))?
            };
            if due.is_empty() {
                return Ok(0);
            }
            let mut blobs = 0;
            for request in &due {
                blobs += tx
                    .execute(
                        "DELETE FROM capture_blobs WHERE capture_id IN (SELECT id FROM captures WHERE request_id = ?1)",
                        [request],
                    )
                    .map_err(|e| ctx.sql(e))?;
                tx.execute(
                    "UPDATE receipts SET biometrics_deleted_at = ?2 WHERE request_id = ?1",
                    params![request, ctx.now],
                )
                .map_err(|e| ctx.sql(e))?;
            }
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: None,
                    action: "retention.purge",
                    entity: "request",
                    entity_id: None,
                    detail: json!({ "requests": due, "blobs": blobs }),
                },
            )?;
            Ok(due.len())
        })
    }

    /// How many recorded requests still wait for export or acknowledgement, and how long the
    /// oldest has waited for export.
    pub fn export_backlog(&self) -> Result<Backlog, StoreError> {
        let sql = |e| self.sql_error(e);
        let (not_exported, oldest_day, oldest_at): (i64, Option<String>, Option<String>) = self
            .conn()
            .query_row(
                "SELECT count(*), min(r.service_day),
                        min((SELECT min(e.started_at) FROM step_events e WHERE e.request_id = r.id AND e.step = 'recorded'))
                 FROM requests r
                 WHERE r.step IN ('recorded', 'proof_handed_over', 'archived')
                   AND NOT EXISTS (SELECT 1 FROM batch_records b WHERE b.request_id = r.id)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(sql)?;
        let unacknowledged: i64 = self
            .conn()
            .query_row(
                "SELECT count(DISTINCT b.request_id) FROM batch_records b
                 WHERE NOT EXISTS (SELECT 1 FROM receipts x WHERE x.request_id = b.request_id)",
                [],
                |r| r.get(0),
            )
            .map_err(sql)?;
        let now = self.clock().now();
        Ok(Backlog {
            not_exported: not_exported.try_into().unwrap_or_default(),
            unacknowledged: unacknowledged.try_into().unwrap_or_default(),
            oldest_day: oldest_day.and_then(|d| d.parse().ok()),
            oldest_hours: oldest_at
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| (now - t).num_hours()),
        })
    }
}

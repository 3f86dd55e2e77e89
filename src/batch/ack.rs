//! The receiver's acknowledgement and what the station does with it. The receiver writes one
//! acknowledgement per packet listing each record with the SHA-256 of its decrypted content and
//! its verdict, and signs it with its Ed25519 key. The station accepts it only under a receiver
//! key a supervisor pinned, only whole (every record of the packet, each once), and only when
//! every hash is the one it exported; then it records the verdicts and deletes the biometrics of
//! accepted records once the retention (never less than [`RETENTION_FLOOR_DAYS`]) has passed.
//! Anything else changes nothing and says why.

use chrono::{DateTime, Duration, FixedOffset};
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::format::{ACK_FORMAT, ACK_SIGNATURE_CONTEXT, Ack, AckRecord, SignedAck};
use super::verify::Verification;
use crate::lang::{Lang, Localize};
use crate::store::{StationSigningKey, Store, StoreError, User, audit, timestamp, users};

/// The shortest retention the station applies, whatever the settings say: a week in which an
/// acknowledgement found wrong later can still be answered from the station's copy.
pub const RETENTION_FLOOR_DAYS: u32 = 7;

/// The message the receiver signs for an acknowledgement text.
fn signed_message(ack: &str) -> Vec<u8> {
    let mut m = ACK_SIGNATURE_CONTEXT.to_vec();
    m.push(0);
    m.extend_from_slice(ack.as_bytes());
    m
}

/// Signs an acknowledgement with the receiver's key: the acknowledgement file's JSON object.
pub fn sign_ack(ack: &Ack, key: &StationSigningKey) -> SignedAck {
    let text = serde_json::to_string_pretty(ack).unwrap_or_default();
    SignedAck {
        format: ACK_FORMAT.into(),
        signature: hex::encode(key.sign(&signed_message(&text))),
        signer: key.public_hex(),
        ack: text,
    }
}

/// Reads an acknowledgement file: at most [`super::format::ACK_MAX_BYTES`] (an untrusted file is
/// never read whole first), UTF-8.
pub fn read_ack_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let limit = super::format::ACK_MAX_BYTES;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "larger than {} MB, not an acknowledgement",
            limit >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|_| std::io::Error::other("not UTF-8 text"))
}

/// Checks an acknowledgement file's text against the pinned receiver keys (lower-case hex
/// Ed25519 public keys) and reads it: the signature first, nothing of the acknowledgement is
/// parsed before it is known to come from a pinned key. Touches no database; the whole of what
/// the station reads from an untrusted file before it writes anything.
pub fn open_signed_ack(text: &str, pinned: &[&str]) -> Result<OpenedAck, AckError> {
    if text.len() as u64 > super::format::ACK_MAX_BYTES {
        return Err(AckError::Unreadable(
            "larger than an acknowledgement can be".into(),
        ));
    }
    let signed: SignedAck =
        serde_json::from_str(text).map_err(|e| AckError::Unreadable(e.to_string()))?;
    if signed.format != ACK_FORMAT {
        return Err(AckError::Unreadable(format!("format '{}'", signed.format)));
    }
    if pinned.is_empty() {
        return Err(AckError::NoReceiverKey);
    }
    let signer = signed.signer.trim().to_ascii_lowercase();
    if !pinned.iter().any(|k| *k == signer) {
        return Err(AckError::UnpinnedSigner {
            fingerprint: crate::store::signing::fingerprint(&signer),
        });
    }
    if !crate::store::signing::verify_hex(&signer, &signed.signature, &signed_message(&signed.ack))
    {
        return Err(AckError::BadSignature);
    }
    let ack: Ack =
        serde_json::from_str(&signed.ack).map_err(|e| AckError::Unreadable(e.to_string()))?;
    if ack.format != ACK_FORMAT {
        return Err(AckError::Unreadable(format!("format '{}'", ack.format)));
    }
    let received = chrono::DateTime::parse_from_rfc3339(&ack.received_at)
        .map_err(|e| AckError::Unreadable(format!("received_at: {e}")))?;
    Ok(OpenedAck {
        ack,
        received,
        signer,
    })
}

/// An acknowledgement whose signature checked, read.
#[derive(Debug, Clone)]
pub struct OpenedAck {
    pub ack: Ack,
    /// When the receiver says it received the packet.
    pub received: DateTime<FixedOffset>,
    /// The pinned receiver key (lower-case hex) that signed it.
    pub signer: String,
}

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
    #[error(
        "no receiver key is pinned at this station; pin the receiver's key first (rekam receiver add)"
    )]
    NoReceiverKey,
    #[error(
        "the acknowledgement is signed by key {fingerprint}, which this station has not pinned"
    )]
    UnpinnedSigner { fingerprint: String },
    #[error(
        "the acknowledgement's signature is not valid: it was altered or not made by its signer"
    )]
    BadSignature,
    #[error(
        "the acknowledgement is partial: {missing} of the batch's records are missing, {extra} listed twice or unknown"
    )]
    Partial { missing: usize, extra: usize },
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
            (NoReceiverKey, Lang::Id) => "Belum ada kunci penerima yang disematkan di stasiun ini: sematkan dulu kunci publik Dinas (rekam receiver add). Tidak ada yang diubah.".into(),
            (UnpinnedSigner { fingerprint }, Lang::Id) => format!(
                "Tanda terima ditandatangani kunci {fingerprint} yang tidak disematkan di stasiun ini: bukan dari penerima yang dikenal. Tidak ada yang diubah."
            ),
            (BadSignature, Lang::Id) => "Tanda tangan tanda terima tidak sah: isinya diubah atau bukan buatan penandatangannya. Tidak ada yang diubah.".into(),
            (Partial { missing, extra }, Lang::Id) => format!(
                "Tanda terima tidak lengkap: {missing} rekaman batch tidak disebut, {extra} disebut dua kali atau tidak dikenal. Tidak ada yang diubah."
            ),
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
        let pinned = self.receiver_keys()?;
        let pinned: Vec<&str> = pinned.iter().map(|k| k.public_key.as_str()).collect();
        let OpenedAck {
            ack,
            received,
            signer,
        } = open_signed_ack(text, &pinned)?;
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
            // Whole: every record of the packet, each once.
            let exported: std::collections::BTreeSet<String> = {
                let mut stmt = tx
                    .prepare_cached("SELECT record FROM batch_records WHERE batch_id = ?1")
                    .map_err(|e| ctx.sql(e))?;
                stmt.query_map([batch], |r| r.get(0))
                    .map_err(|e| ctx.sql(e))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| ctx.sql(e))?
            };
            let mut listed = std::collections::BTreeSet::new();
            let extra = ack
                .records
                .iter()
                .filter(|r| !exported.contains(&r.record) || !listed.insert(r.record.clone()))
                .count();
            let missing = exported.difference(&listed).count();
            if missing > 0 || extra > 0 {
                return Err(AckError::Partial { missing, extra });
            }
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
                        "signer": signer,
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

    /// Deletes the biometric blobs and the biodata of every accepted request whose
    /// acknowledgement was imported at least `retention` ago, and of every request that ended
    /// unrecorded (cancelled, deferred, returned) that long ago: the capture blobs, the biodata
    /// snapshot taken at validation, and the applicant's row (NIK, No. KK, name, address, date of
    /// birth) once no request still needs it. What stays is what the register book and the
    /// reports count: the request, its steps and times, its register number, the capture rows
    /// (formats, qualities, exceptions), the receipt. Returns how many requests were purged.
    /// A retention under [`RETENTION_FLOOR_DAYS`] is taken as the floor.
    pub fn apply_retention(&mut self, retention: Duration) -> Result<usize, StoreError> {
        let retention = retention.max(Duration::days(i64::from(RETENTION_FLOOR_DAYS)));
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
            // Requests that ended without a recording (cancelled, deferred, returned) keep no
            // biometrics past the retention either: nothing will ever send them.
            let ended: Vec<i64> = {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT r.id FROM requests r
                         WHERE r.step IN ('cancelled', 'deferred', 'returned') AND r.updated_at <= ?1
                           AND (r.applicant_id IS NOT NULL
                                OR EXISTS (SELECT 1 FROM request_biodata s WHERE s.request_id = r.id)
                                OR EXISTS (SELECT 1 FROM captures c JOIN capture_blobs b ON b.capture_id = c.id
                                           WHERE c.request_id = r.id))
                         ORDER BY r.id",
                    )
                    .map_err(|e| ctx.sql(e))?;
                stmt.query_map([&cutoff], |r| r.get(0))
                    .map_err(|e| ctx.sql(e))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| ctx.sql(e))?
            };
            if due.is_empty() && ended.is_empty() {
                return Ok(0);
            }
            let mut blobs = 0;
            let mut applicants = 0;
            for request in ended.iter().chain(&due) {
                applicants += forget_biodata(tx, *request).map_err(|e| ctx.sql(e))?;
            }
            for request in &ended {
                blobs += tx
                    .execute(
                        "DELETE FROM capture_blobs WHERE capture_id IN (SELECT id FROM captures WHERE request_id = ?1)",
                        [request],
                    )
                    .map_err(|e| ctx.sql(e))?;
            }
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
                    detail: json!({
                        "requests": due,
                        "ended": ended,
                        "blobs": blobs,
                        "applicants": applicants,
                    }),
                },
            )?;
            Ok(due.len() + ended.len())
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

/// Deletes `request`'s biodata snapshot, detaches it from its applicant, and deletes the
/// applicant's row when no other request refers to it any more. Returns the applicant rows
/// deleted (0 or 1).
fn forget_biodata(tx: &rusqlite::Transaction<'_>, request: i64) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM request_biodata WHERE request_id = ?1",
        [request],
    )?;
    let applicant: Option<i64> = tx.query_row(
        "SELECT applicant_id FROM requests WHERE id = ?1",
        [request],
        |r| r.get(0),
    )?;
    let Some(applicant) = applicant else {
        return Ok(0);
    };
    tx.execute(
        "UPDATE requests SET applicant_id = NULL WHERE id = ?1",
        [request],
    )?;
    tx.execute(
        "DELETE FROM applicants WHERE id = ?1
         AND NOT EXISTS (SELECT 1 FROM requests WHERE applicant_id = ?1)",
        [applicant],
    )
}

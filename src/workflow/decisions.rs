//! The auto-capture policy's decisions ([`crate::capture::policy::Decision`]), kept with their
//! scores in `capture_decisions`: an audit of why each capture was taken, retried or settled.
//! They are written with the attempt they led to (`Store::record_attempt`).

use rusqlite::{Transaction, params};
use serde_json::json;

use super::Modality;
use crate::capture::policy::{Decision, Outcome};
use crate::capture::quality::Finding;
use crate::store::cached;
use crate::store::{Store, StoreError, User, WriteCtx, audit};

/// A decision as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDecision {
    pub id: i64,
    pub modality: Modality,
    pub position: u8,
    pub attempt: u8,
    pub outcome: Outcome,
    pub frames: u32,
    pub score: Option<u8>,
    pub acceptable: Option<bool>,
    pub findings: Vec<Finding>,
    pub decided_by: i64,
    pub decided_at: String,
}

/// Keeps one decision about `position` of `request` (see `capture_decisions` in schema.sql for
/// the positions), taken at `operator`'s desk, inside the transaction of the attempt it led to.
pub(super) fn insert(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    operator: &User,
    request: i64,
    position: u8,
    decision: &Decision,
) -> Result<i64, StoreError> {
    let best = decision.best.as_ref();
    // Findings hold only strings, booleans and finite numbers: this cannot fail.
    let findings = best.map(|b| serde_json::to_string(&b.findings).unwrap_or_else(|_| "[]".into()));
    cached::execute(
        tx,
        "INSERT INTO capture_decisions (request_id, modality, position, attempt, outcome, \
         frames, score, acceptable, findings, decided_by, decided_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            request,
            decision.modality,
            position,
            decision.attempt,
            decision.outcome.code(),
            decision.frames,
            best.map(|b| b.score),
            best.map(|b| b.acceptable),
            findings,
            operator.id,
            ctx.now
        ],
    )
    .map_err(|e| ctx.sql(e))?;
    let id = tx.last_insert_rowid();
    ctx.audit(
        tx,
        &audit::Entry {
            actor_id: Some(operator.id),
            action: "capture.decision",
            entity: "capture_decision",
            entity_id: Some(id),
            detail: json!({
                "request": request, "modality": decision.modality, "position": position,
                "attempt": decision.attempt, "outcome": decision.outcome.code(),
                "score": best.map(|b| b.score),
                "failed": best.map(|b| b.failures().map(|f| f.check.clone()).collect::<Vec<_>>()),
            }),
        },
    )?;
    Ok(id)
}

impl Store {
    /// Every decision about `request`, in the order they were taken.
    pub fn decisions(&self, request: i64) -> Result<Vec<StoredDecision>, StoreError> {
        let db = self.paths().db();
        let sql = |e| StoreError::from_sqlite(e, &db);
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, modality, position, attempt, outcome, frames, score, acceptable, \
                 findings, decided_by, decided_at FROM capture_decisions WHERE request_id = ?1 \
                 ORDER BY id",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([request], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Modality>(1)?,
                    r.get::<_, u8>(2)?,
                    r.get::<_, u8>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, u32>(5)?,
                    r.get::<_, Option<u8>>(6)?,
                    r.get::<_, Option<bool>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, i64>(9)?,
                    r.get::<_, String>(10)?,
                ))
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                modality,
                position,
                attempt,
                outcome,
                frames,
                score,
                acceptable,
                findings,
                by,
                at,
            ) = row.map_err(sql)?;
            let outcome =
                Outcome::from_code(&outcome).ok_or_else(|| StoreError::Corrupt(db.clone()))?;
            let findings = match findings {
                Some(text) => {
                    serde_json::from_str(&text).map_err(|_| StoreError::Corrupt(db.clone()))?
                }
                None => Vec::new(),
            };
            out.push(StoredDecision {
                id,
                modality,
                position,
                attempt,
                outcome,
                frames,
                score,
                acceptable,
                findings,
                decided_by: by,
                decided_at: at,
            });
        }
        Ok(out)
    }
}

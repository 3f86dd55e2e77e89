//! Captures: each attempt sealed under the station data key, exceptions with their reasons, the
//! choice of the current attempt, and leaving a capture step once it is complete.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;

use super::engine::{current_step, reason, transition};
use super::{Action, CAPTURE_ORDER, ExceptionKind, Modality, Step, WorkflowError};
use crate::store::{Store, StoreError, User, WriteCtx, audit};

/// A capture to store: data, or an exception with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureInput {
    pub modality: Modality,
    /// See [`Modality::positions`].
    pub position: u8,
    pub content: CaptureContent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaptureContent {
    Data {
        /// Encoding of `bytes`: `png`, `jpeg`, `wsq`, `gray8`, `strokes-json`, ...
        format: String,
        width: u32,
        height: u32,
        /// 0-100, from the quality checks.
        quality: Option<u8>,
        bytes: Vec<u8>,
    },
    Exception {
        kind: ExceptionKind,
        reason: String,
    },
}

/// The current capture of one position, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaptureSummary {
    pub id: i64,
    pub modality: Modality,
    pub position: u8,
    pub attempt: u32,
    pub quality: Option<u8>,
    pub format: Option<String>,
    pub exception: Option<ExceptionKind>,
    pub exception_reason: Option<String>,
}

/// The positions of `modality` that have no current capture.
pub(super) fn missing_positions(
    tx: &rusqlite::Connection,
    request: i64,
    modality: Modality,
) -> rusqlite::Result<Vec<(Modality, u8)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT position FROM captures WHERE request_id = ?1 AND modality = ?2 AND superseded_at IS NULL",
    )?;
    let have: Vec<u8> = stmt
        .query_map(params![request, modality], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(modality
        .positions()
        .iter()
        .filter(|p| !have.contains(p))
        .map(|p| (modality, *p))
        .collect())
}

pub(super) fn first_incomplete(
    tx: &rusqlite::Connection,
    request: i64,
) -> rusqlite::Result<Option<Modality>> {
    for m in CAPTURE_ORDER {
        if !missing_positions(tx, request, m)?.is_empty() {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// The associated data that binds a sealed blob to its capture row.
pub fn blob_aad(
    capture_id: i64,
    request: i64,
    modality: Modality,
    position: u8,
    attempt: u32,
) -> Vec<u8> {
    format!("rekam/capture/v1/{capture_id}/{request}/{modality}/{position}/{attempt}").into_bytes()
}

fn check_capture_input(input: &CaptureInput) -> Result<(), WorkflowError> {
    let CaptureInput {
        modality,
        position,
        content,
    } = input;
    if !modality.positions().contains(position) {
        return Err(WorkflowError::BadPosition {
            modality: *modality,
            position: *position,
        });
    }
    match content {
        CaptureContent::Data { bytes, format, .. }
            if bytes.is_empty() || format.trim().is_empty() =>
        {
            Err(WorkflowError::EmptyCapture)
        }
        CaptureContent::Exception { reason: r, .. } => reason(r).map(drop),
        CaptureContent::Data { .. } => Ok(()),
    }
}

/// Marks the current capture of a position, if any, as superseded (kept, no longer current).
fn supersede_current(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    request: i64,
    modality: Modality,
    position: u8,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE captures SET superseded_at = ?4
         WHERE request_id = ?1 AND modality = ?2 AND position = ?3 AND superseded_at IS NULL",
        params![request, modality, position, ctx.now],
    )
    .map(drop)
    .map_err(|e| ctx.sql(e))
}

/// Inserts one checked capture at `step`, sealing its bytes under the data key.
fn insert_capture(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    step: Step,
    operator: &User,
    request: i64,
    input: &CaptureInput,
) -> Result<i64, WorkflowError> {
    let CaptureInput {
        modality,
        position,
        content,
    } = input;
    let (modality, position) = (*modality, *position);
    if step != modality.step() {
        return Err(WorkflowError::WrongStepForCapture { step, modality });
    }
    let sql = |e| ctx.sql(e);
    let attempt: u32 = tx
        .query_row(
            "SELECT COALESCE(MAX(attempt), 0) + 1 FROM captures WHERE request_id = ?1 AND modality = ?2 AND position = ?3",
            params![request, modality, position],
            |r| r.get(0),
        )
        .map_err(sql)?;
    supersede_current(tx, ctx, request, modality, position)?;
    let (format, width, height, quality, exception, why, size) = match content {
        CaptureContent::Data {
            format,
            width,
            height,
            quality,
            bytes,
        } => (
            Some(format.as_str()),
            Some(*width),
            Some(*height),
            *quality,
            None,
            None,
            bytes.len(),
        ),
        CaptureContent::Exception { kind, reason: r } => {
            (None, None, None, None, Some(*kind), Some(r.trim()), 0)
        }
    };
    tx.execute(
        "INSERT INTO captures (request_id, modality, position, attempt, quality, format, width, height,
             exception, exception_reason, captured_by, captured_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![request, modality, position, attempt, quality, format, width, height, exception, why, operator.id, ctx.now],
    )
    .map_err(sql)?;
    let capture = tx.last_insert_rowid();
    if let CaptureContent::Data { bytes, .. } = content {
        let (nonce, ciphertext) = ctx.key.seal(
            &blob_aad(capture, request, modality, position, attempt),
            bytes,
        );
        tx.execute(
            "INSERT INTO capture_blobs (capture_id, nonce, ciphertext) VALUES (?1, ?2, ?3)",
            params![capture, &nonce[..], ciphertext],
        )
        .map_err(sql)?;
    }
    ctx.audit(
        tx,
        &audit::Entry {
            actor_id: Some(operator.id),
            action: "capture.add",
            entity: "capture",
            entity_id: Some(capture),
            detail: json!({
                "request": request, "modality": modality, "position": position, "attempt": attempt,
                "quality": quality, "format": format, "bytes": size, "exception": exception, "reason": why,
            }),
        },
    )?;
    Ok(capture)
}

impl Store {
    /// Stores one capture attempt (sealed) or exception for the current capture step. It becomes
    /// the current capture of its position; earlier attempts are kept, superseded.
    pub fn add_capture(
        &mut self,
        operator: &User,
        request: i64,
        input: &CaptureInput,
    ) -> Result<i64, WorkflowError> {
        Ok(self.add_captures(operator, request, std::slice::from_ref(input))?[0])
    }

    /// Stores what one device capture produced (a four-finger slap gives four positions) in one
    /// transaction: all of it lands or none. Returns the capture ids in input order.
    pub fn add_captures(
        &mut self,
        operator: &User,
        request: i64,
        inputs: &[CaptureInput],
    ) -> Result<Vec<i64>, WorkflowError> {
        for input in inputs {
            check_capture_input(input)?;
        }
        self.write(|tx, ctx| {
            let step = current_step(tx, ctx, request)?;
            inputs
                .iter()
                .map(|input| insert_capture(tx, ctx, step, operator, request, input))
                .collect()
        })
    }

    /// Makes an earlier attempt the current capture of its position again (best-of after retries).
    pub fn select_capture(
        &mut self,
        operator: &User,
        request: i64,
        capture: i64,
    ) -> Result<(), WorkflowError> {
        self.write(|tx, ctx| {
            let row: Option<(Modality, u8)> = tx
                .query_row(
                    "SELECT modality, position FROM captures WHERE id = ?1 AND request_id = ?2",
                    params![capture, request],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| ctx.sql(e))?;
            let (modality, position) = row.ok_or(WorkflowError::CaptureNotFound(capture))?;
            let step = current_step(tx, ctx, request)?;
            if step != modality.step() {
                return Err(WorkflowError::WrongStepForCapture { step, modality });
            }
            supersede_current(tx, ctx, request, modality, position)?;
            tx.execute("UPDATE captures SET superseded_at = NULL WHERE id = ?1", [capture]).map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(operator.id),
                    action: "capture.select",
                    entity: "capture",
                    entity_id: Some(capture),
                    detail: json!({ "request": request, "modality": modality, "position": position }),
                },
            )?;
            Ok(())
        })
    }

    /// Leaves the current capture step once each of its positions has data or an exception; goes
    /// to the next incomplete capture step, or to review. Returns the new step.
    pub fn complete_capture_step(
        &mut self,
        operator: &User,
        request: i64,
    ) -> Result<Step, WorkflowError> {
        self.write(|tx, ctx| {
            let step = current_step(tx, ctx, request)?;
            let Some(modality) = step.capture_modality() else {
                return Err(WorkflowError::NotAllowed {
                    step,
                    action: "complete_capture",
                });
            };
            let missing = missing_positions(tx, request, modality).map_err(|e| ctx.sql(e))?;
            if !missing.is_empty() {
                return Err(WorkflowError::CapturesIncomplete(missing));
            }
            let next_incomplete = first_incomplete(tx, request).map_err(|e| ctx.sql(e))?;
            transition(
                tx,
                ctx,
                request,
                operator,
                Action::CompleteCapture { next_incomplete },
                json!({ "modality": modality }),
            )
        })
    }

    /// From review, goes back to one capture step to redo it.
    pub fn redo(
        &mut self,
        operator: &User,
        request: i64,
        modality: Modality,
    ) -> Result<(), WorkflowError> {
        self.write(|tx, ctx| {
            transition(
                tx,
                ctx,
                request,
                operator,
                Action::Redo(modality),
                json!({ "modality": modality }),
            )?;
            Ok(())
        })
    }

    /// Decrypts a capture's bytes. Fails loudly if the blob was altered or moved to another row.
    pub fn capture_bytes(&self, capture: i64) -> Result<Vec<u8>, StoreError> {
        type Row = (i64, Modality, u8, u32, Vec<u8>, Vec<u8>);
        let (request, modality, position, attempt, nonce, ct): Row = self
            .conn()
            .query_row(
                "SELECT c.request_id, c.modality, c.position, c.attempt, b.nonce, b.ciphertext
                 FROM captures c JOIN capture_blobs b ON b.capture_id = c.id WHERE c.id = ?1",
                [capture],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .map_err(|e| self.sql_error(e))?;
        self.key()
            .open(
                &blob_aad(capture, request, modality, position, attempt),
                &nonce,
                &ct,
            )
            .ok_or(StoreError::BlobTampered(capture))
    }
}

//! Captures: what a capture session took ([`Attempt`]: the captures, sealed under the station
//! data key, or exceptions with their reasons, and every decision that led to them) written in
//! one transaction, leaving a capture step once it is complete, and reading a capture back.

use rusqlite::{Transaction, params};
use serde_json::json;

use super::engine::{current_step, first_incomplete, missing_positions, reason, transition};
use super::{
    Action, CaptureContent, CaptureInput, Encoding, ExceptionKind, Modality, Step, WorkflowError,
};
use crate::capture::session::Attempt;
use crate::domain::{Provenance, StationMode};
use crate::store::cached;
use crate::store::{Store, StoreError, User, WriteCtx, audit};

/// The current capture of one position, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaptureSummary {
    pub id: i64,
    pub modality: Modality,
    pub position: u8,
    pub attempt: u32,
    pub quality: Option<u8>,
    pub format: Option<Encoding>,
    pub exception: Option<ExceptionKind>,
    pub exception_reason: Option<String>,
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
        CaptureContent::Data { bytes, .. } if bytes.is_empty() => Err(WorkflowError::EmptyCapture),
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
    cached::execute(
        tx,
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
    device: Option<&Provenance>,
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
    let attempt: u32 = cached::query_row(tx,
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
            Some(*format),
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
    cached::execute(tx,
        "INSERT INTO captures (request_id, modality, position, attempt, quality, format, width, height,
             exception, exception_reason, captured_by, captured_at, device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![request, modality, position, attempt, quality, format, width, height, exception, why, operator.id, ctx.now,
            device.filter(|_| format.is_some()).map(|d| json!(d).to_string())],
    )
    .map_err(sql)?;
    let capture = tx.last_insert_rowid();
    if let CaptureContent::Data { bytes, .. } = content {
        let (nonce, ciphertext) = ctx.key.seal(
            &blob_aad(capture, request, modality, position, attempt),
            bytes,
        );
        cached::execute(
            tx,
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
                "device": device.filter(|_| format.is_some()),
            }),
        },
    )?;
    Ok(capture)
}

/// What [`Store::record_attempt`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The captures' ids, in the attempt's order.
    pub captures: Vec<i64>,
    /// The decisions' ids, in the attempt's order.
    pub decisions: Vec<i64>,
    /// The request's step afterwards: the next capture step or review when the attempt
    /// finished its step, else the same step.
    pub step: Step,
}

/// Leaves the current capture step of `modality` once each of its positions has data or an
/// exception, for the next incomplete capture step or review.
fn finish_step(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    operator: &User,
    request: i64,
    modality: Modality,
) -> Result<Step, WorkflowError> {
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
}

impl Store {
    /// Writes what a capture session took, in one transaction: every capture (sealed; each
    /// becomes the current capture of its position, earlier ones are kept, superseded), every
    /// decision that led to it, and, when the attempt finishes its step, the move to the next
    /// capture step. All of it lands or none: a refused attempt leaves no decision about it.
    pub fn record_attempt(
        &mut self,
        operator: &User,
        attempt: &Attempt,
    ) -> Result<Recorded, WorkflowError> {
        for input in &attempt.captures {
            if input.modality != attempt.modality {
                return Err(WorkflowError::BadPosition {
                    modality: attempt.modality,
                    position: input.position,
                });
            }
            check_capture_input(input)?;
        }
        let has_data = attempt
            .captures
            .iter()
            .any(|c| matches!(c.content, CaptureContent::Data { .. }));
        let device = match (&attempt.device, has_data) {
            (_, false) => None,
            (None, true) => return Err(WorkflowError::NoProvenance),
            (Some(d), true) => {
                if d.simulated() && self.station().mode == StationMode::Production {
                    return Err(WorkflowError::SimulatedOnProduction(d.model.clone()));
                }
                Some(d)
            }
        };
        for (position, decision) in &attempt.decisions {
            if decision.modality != attempt.modality
                || !attempt.modality.positions().contains(position)
            {
                return Err(WorkflowError::BadPosition {
                    modality: attempt.modality,
                    position: *position,
                });
            }
        }
        let request = attempt.request;
        self.write(|tx, ctx| {
            let step = current_step(tx, ctx, request)?;
            if step != attempt.modality.step() {
                return Err(WorkflowError::WrongStepForCapture {
                    step,
                    modality: attempt.modality,
                });
            }
            let captures = attempt
                .captures
                .iter()
                .map(|input| insert_capture(tx, ctx, step, operator, request, input, device))
                .collect::<Result<Vec<_>, _>>()?;
            let decisions = attempt
                .decisions
                .iter()
                .map(|(position, d)| {
                    super::decisions::insert(tx, ctx, operator, request, *position, d)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let step = if attempt.finish {
                finish_step(tx, ctx, operator, request, attempt.modality)?
            } else {
                step
            };
            Ok(Recorded {
                captures,
                decisions,
                step,
            })
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
            finish_step(tx, ctx, operator, request, modality)
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

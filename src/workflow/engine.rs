//! Persists the workflow. Every call checks the transition with [`Step::after`], then writes the
//! change, the end of the old step event, the start of the new one and the audit row in one
//! IMMEDIATE transaction (durable on commit). A refused call writes nothing.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;

use super::{Action, CAPTURE_ORDER, Modality, Step, WorkflowError};
use crate::domain::applicant::{self, Biodata};
use crate::domain::nik::{self, NumberWarning};
use crate::domain::queue::RegisterNumber;
use crate::domain::service::{self, Check, Requirement, ServiceType};
use crate::store::cached;
use crate::store::{Store, StoreError, User, WriteCtx, audit, users};

/// The outcome of the requirement check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum CheckOutcome {
    Complete,
    /// Returned to the applicant with what is missing.
    Returned {
        missing: Vec<Requirement>,
        ineligible: Option<applicant::Ineligible>,
    },
}

/// Warnings to show after the file was received (the NIK disagrees with the biodata, etc.).
pub type Warnings = Vec<NumberWarning>;

pub(super) fn current_step(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    request: i64,
) -> Result<Step, WorkflowError> {
    cached::query_row(
        tx,
        "SELECT step FROM requests WHERE id = ?1",
        [request],
        |r| r.get(0),
    )
    .optional()
    .map_err(|e| ctx.sql(e))?
    .ok_or(WorkflowError::NoSuchRequest(request))
}

/// Checks and performs one transition inside the caller's transaction.
pub(super) fn transition(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    request: i64,
    actor: &User,
    action: Action,
    mut detail: serde_json::Value,
) -> Result<Step, WorkflowError> {
    // The role is read from the database, not taken from the caller's `User` value.
    if action.needs_supervisor()
        && !users::is_active_supervisor(tx, actor.id).map_err(|e| ctx.sql(e))?
    {
        return Err(WorkflowError::NotSupervisor(action.code()));
    }
    let from = current_step(tx, ctx, request)?;
    let to = from.after(action)?;
    let sql = |e| ctx.sql(e);
    cached::execute(
        tx,
        "UPDATE requests SET step = ?2, updated_at = ?3 WHERE id = ?1",
        params![request, to, ctx.now],
    )
    .map_err(sql)?;
    cached::execute(
        tx,
        "UPDATE step_events SET ended_at = ?2 WHERE request_id = ?1 AND ended_at IS NULL",
        params![request, ctx.now],
    )
    .map_err(sql)?;
    // A final step is an instant: it starts and ends at once, so no event stays open.
    let ended = to.is_final().then_some(ctx.now.as_str());
    cached::execute(tx,
        "INSERT INTO step_events (request_id, step, started_at, ended_at, actor_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![request, to, ctx.now, ended, actor.id],
    )
    .map_err(sql)?;
    let ticket_status = match to {
        Step::Recorded => Some("recorded"),
        Step::Returned => Some("returned"),
        Step::Cancelled => Some("cancelled"),
        Step::Deferred => Some("deferred"),
        _ => None,
    };
    if let Some(status) = ticket_status {
        cached::execute(tx,
            "UPDATE queue_tickets SET status = ?2, closed_at = ?3 WHERE id = (SELECT ticket_id FROM requests WHERE id = ?1)",
            params![request, status, ctx.now],
        )
        .map_err(sql)?;
    }
    if let Some(obj) = detail.as_object_mut() {
        obj.insert("from".into(), json!(from));
        obj.insert("to".into(), json!(to));
    }
    ctx.audit(
        tx,
        &audit::Entry {
            actor_id: Some(actor.id),
            action: &format!("request.{}", action.code()),
            entity: "request",
            entity_id: Some(request),
            detail,
        },
    )?;
    Ok(to)
}

pub(super) fn reason(text: &str) -> Result<String, WorkflowError> {
    let t = text.trim();
    if t.is_empty() {
        Err(WorkflowError::ReasonRequired)
    } else {
        Ok(t.to_owned())
    }
}

fn upsert_applicant(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    b: &Biodata,
) -> Result<i64, StoreError> {
    cached::query_row(tx,
        "INSERT INTO applicants (nik, kk_number, full_name, birth_place, birth_date, sex, blood_type, address, rt, rw,
             village, address_region, religion, marital_status, occupation, nationality, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)
         ON CONFLICT (nik) DO UPDATE SET kk_number = excluded.kk_number, full_name = excluded.full_name,
             birth_place = excluded.birth_place, birth_date = excluded.birth_date, sex = excluded.sex,
             blood_type = excluded.blood_type, address = excluded.address, rt = excluded.rt, rw = excluded.rw,
             village = excluded.village, address_region = excluded.address_region, religion = excluded.religion,
             marital_status = excluded.marital_status, occupation = excluded.occupation,
             nationality = excluded.nationality, updated_at = excluded.updated_at
         RETURNING id",
        params![
            b.nik, b.kk_number, b.full_name, b.birth_place, b.birth_date.to_string(), b.sex, b.blood_type, b.address,
            b.rt, b.rw, b.village, b.address_region, b.religion, b.marital_status, b.occupation, b.nationality, ctx.now
        ],
        |r| r.get(0),
    )
    .map_err(|e| ctx.sql(e))
}

fn applicant_of(
    tx: &Transaction<'_>,
    ctx: &WriteCtx<'_>,
    request: i64,
) -> Result<(ServiceType, chrono::NaiveDate, applicant::MaritalStatus), WorkflowError> {
    let row: Option<(
        Option<ServiceType>,
        Option<String>,
        Option<applicant::MaritalStatus>,
    )> = cached::query_row(
        tx,
        "SELECT r.service_type, a.birth_date, a.marital_status FROM requests r
             LEFT JOIN applicants a ON a.id = r.applicant_id WHERE r.id = ?1",
        [request],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
    .map_err(|e| ctx.sql(e))?;
    match row {
        None => Err(WorkflowError::NoSuchRequest(request)),
        Some((Some(s), Some(born), Some(m))) => {
            let born = born
                .parse()
                .map_err(|_| StoreError::Corrupt(ctx.db_path().into()))?;
            Ok((s, born, m))
        }
        Some(_) => Err(WorkflowError::NoBiodata),
    }
}

impl Store {
    /// Calls a waiting ticket: opens its request at [`Step::TicketCalled`].
    pub fn call_ticket(&mut self, operator: &User, ticket: i64) -> Result<i64, WorkflowError> {
        self.check_disk_floor()?;
        self.write(|tx, ctx| {
            let row: Option<(String, String, u32, String)> = cached::query_row(tx,
                    "SELECT status, prefix, number, service_day FROM queue_tickets WHERE id = ?1",
                    [ticket],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(|e| ctx.sql(e))?;
            let (status, prefix, number, day) = row.ok_or(WorkflowError::NoSuchTicket(ticket))?;
            let code = format!("{prefix}-{number:03}");
            if status != "waiting" {
                return Err(WorkflowError::TicketNotWaiting { code, status });
            }
            cached::execute(tx, "UPDATE queue_tickets SET status = 'called', called_at = ?2 WHERE id = ?1", params![ticket, ctx.now])
                .map_err(|e| ctx.sql(e))?;
            cached::execute(tx,
                "INSERT INTO requests (ticket_id, service_day, step, operator_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![ticket, day, Step::TicketCalled, operator.id, ctx.now],
            )
            .map_err(|e| ctx.sql(e))?;
            let request = tx.last_insert_rowid();
            cached::execute(tx,
                "INSERT INTO step_events (request_id, step, started_at, actor_id) VALUES (?1, ?2, ?3, ?4)",
                params![request, Step::TicketCalled, ctx.now, operator.id],
            )
            .map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(operator.id),
                    action: "request.call_ticket",
                    entity: "request",
                    entity_id: Some(request),
                    detail: json!({ "ticket": code, "to": Step::TicketCalled }),
                },
            )?;
            Ok(request)
        })
    }

    /// Refuses to start something new (a call, a recording) when the data disk is under its floor;
    /// what has started can still finish.
    fn check_disk_floor(&self) -> Result<(), WorkflowError> {
        let space = self.disk_space()?;
        if space.below_floor() {
            return Err(WorkflowError::DiskLow {
                free_mb: space.free_mb,
                floor_mb: space.floor_mb,
            });
        }
        Ok(())
    }

    /// Calls the oldest waiting ticket of today. `Ok(None)` when nobody waits.
    pub fn call_next(&mut self, operator: &User) -> Result<Option<i64>, WorkflowError> {
        match self.waiting_tickets()?.first() {
            Some(t) => self.call_ticket(operator, t.id).map(Some),
            None => Ok(None),
        }
    }

    /// Takes in the file: validates the NIK, No. KK and biodata, stores the applicant, moves to
    /// [`Step::FileReceived`]. Returns the warnings to show (they do not block).
    pub fn receive_file(
        &mut self,
        operator: &User,
        request: i64,
        service_type: ServiceType,
        biodata: &Biodata,
    ) -> Result<Warnings, WorkflowError> {
        let today = self.today();
        let nik = nik::check_nik(
            &biodata.nik,
            today,
            Some(biodata.birth_date),
            Some(biodata.sex),
        );
        let warnings = nik.warnings.clone();
        let nik = nik.into_result().map_err(WorkflowError::InvalidNik)?;
        let kk = nik::check_kk(&biodata.kk_number, today)
            .into_result()
            .map_err(WorkflowError::InvalidKk)?;
        let mut b = biodata.normalized(today).map_err(WorkflowError::Biodata)?;
        b.nik = nik.digits;
        b.kk_number = kk.digits;
        self.write(|tx, ctx| {
            let applicant = upsert_applicant(tx, ctx, &b)?;
            let detail =
                json!({ "nik": b.nik, "service_type": service_type, "warnings": warnings });
            transition(tx, ctx, request, operator, Action::ReceiveFile, detail)?;
            cached::execute(
                tx,
                "UPDATE requests SET applicant_id = ?2, service_type = ?3 WHERE id = ?1",
                params![request, applicant, service_type],
            )
            .map_err(|e| ctx.sql(e))?;
            Ok(warnings.clone())
        })
    }

    /// Records the checklist findings. Complete and eligible: on to registration. Otherwise the
    /// file is returned with the list of what is missing.
    pub fn check_requirements(
        &mut self,
        operator: &User,
        request: i64,
        findings: &[(Requirement, Check)],
    ) -> Result<CheckOutcome, WorkflowError> {
        self.write(|tx, ctx| {
            let (service, born, marital) = applicant_of(tx, ctx, request)?;
            let evaluation = service::evaluate(service, findings);
            if let Err(service::Incomplete { invalid, .. }) = &evaluation
                && !invalid.is_empty()
            {
                // A finding that makes no sense is the operator's slip, not the applicant's fault.
                return Err(WorkflowError::InvalidFindings(invalid.clone()));
            }
            let missing = evaluation.err().map(|i| i.missing).unwrap_or_default();
            let ineligible = applicant::eligibility(born, marital, ctx.today).err();
            for (req, finding) in findings {
                cached::execute(tx,
                    "INSERT INTO requirement_checks (request_id, requirement, finding, checked_by, checked_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (request_id, requirement) DO UPDATE SET finding = excluded.finding,
                         checked_by = excluded.checked_by, checked_at = excluded.checked_at",
                    params![request, req, finding, operator.id, ctx.now],
                )
                .map_err(|e| ctx.sql(e))?;
            }
            let complete = missing.is_empty() && ineligible.is_none();
            let detail = json!({ "missing": missing, "ineligible": ineligible });
            transition(tx, ctx, request, operator, Action::CheckRequirements { complete }, detail)?;
            if complete {
                return Ok(CheckOutcome::Complete);
            }
            let why = if ineligible.is_some() { "ineligible" } else { "incomplete" };
            cached::execute(tx, "UPDATE requests SET outcome_reason = ?2 WHERE id = ?1", params![request, why])
                .map_err(|e| ctx.sql(e))?;
            Ok(CheckOutcome::Returned { missing, ineligible })
        })
    }

    /// Enters the request in the register book with the next register number of the day.
    pub fn register(
        &mut self,
        operator: &User,
        request: i64,
    ) -> Result<RegisterNumber, WorkflowError> {
        self.write(|tx, ctx| {
            // Check the transition first: a refused call must not consume a number.
            current_step(tx, ctx, request)?.after(Action::Register)?;
            let seq = ctx.next_counter(tx, "register", ctx.today)?;
            let number = RegisterNumber {
                kecamatan: ctx.station.kecamatan_code.clone(),
                station: ctx.station.station_id.clone(),
                date: ctx.today,
                seq,
            };
            transition(
                tx,
                ctx,
                request,
                operator,
                Action::Register,
                json!({ "register_number": number.to_string() }),
            )?;
            cached::execute(
                tx,
                "UPDATE requests SET register_seq = ?2, register_number = ?3 WHERE id = ?1",
                params![request, seq, number.to_string()],
            )
            .map_err(|e| ctx.sql(e))?;
            Ok(number)
        })
    }

    /// The supervisor verifies and initials the file.
    pub fn verify(&mut self, supervisor: &User, request: i64) -> Result<(), WorkflowError> {
        self.write(|tx, ctx| {
            transition(tx, ctx, request, supervisor, Action::Verify, json!({}))?;
            cached::execute(
                tx,
                "UPDATE requests SET verified_by = ?2 WHERE id = ?1",
                params![request, supervisor.id],
            )
            .map_err(|e| ctx.sql(e))?;
            Ok(())
        })
    }

    /// The supervisor (Camat, Sekcam or Kasi) validates the file.
    /// The supervisor validates: the biodata as it stands now is kept with the request (what
    /// the packet carries).
    pub fn validate(&mut self, supervisor: &User, request: i64) -> Result<(), WorkflowError> {
        self.write(|tx, ctx| {
            transition(tx, ctx, request, supervisor, Action::Validate, json!({}))?;
            cached::execute(
                tx,
                "UPDATE requests SET validated_by = ?2 WHERE id = ?1",
                params![request, supervisor.id],
            )
            .map_err(|e| ctx.sql(e))?;
            let applicant: Option<i64> = cached::query_row(
                tx,
                "SELECT applicant_id FROM requests WHERE id = ?1",
                [request],
                |r| r.get(0),
            )
            .map_err(|e| ctx.sql(e))?;
            if let Some(applicant) = applicant {
                let biodata = applicant_fields(tx, applicant).map_err(|e| ctx.sql(e))?;
                cached::execute(
                    tx,
                    "INSERT INTO request_biodata (request_id, biodata, taken_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (request_id) DO UPDATE SET biodata = ?2, taken_at = ?3",
                    params![request, serde_json::Value::Object(biodata).to_string(), ctx.now],
                )
                .map_err(|e| ctx.sql(e))?;
            }
            Ok(())
        })
    }

    /// The supervisor rejects the file at verification or validation; it goes back to the applicant.
    pub fn reject(
        &mut self,
        supervisor: &User,
        request: i64,
        why: &str,
    ) -> Result<(), WorkflowError> {
        self.end_with(supervisor, request, Action::Reject, why)
    }

    /// Cancels a request that is not recorded yet (the applicant left, a wrong ticket).
    pub fn cancel(&mut self, user: &User, request: i64, why: &str) -> Result<(), WorkflowError> {
        self.end_with(user, request, Action::Cancel, why)
    }

    /// Puts a request off (power cut, broken device); the applicant comes back another time.
    pub fn defer(&mut self, user: &User, request: i64, why: &str) -> Result<(), WorkflowError> {
        self.end_with(user, request, Action::Defer, why)
    }

    fn end_with(
        &mut self,
        user: &User,
        request: i64,
        action: Action,
        why: &str,
    ) -> Result<(), WorkflowError> {
        let why = reason(why)?;
        self.write(|tx, ctx| {
            transition(tx, ctx, request, user, action, json!({ "reason": why }))?;
            cached::execute(
                tx,
                "UPDATE requests SET outcome_reason = ?2 WHERE id = ?1",
                params![request, why],
            )
            .map_err(|e| ctx.sql(e))?;
            Ok(())
        })
    }

    /// Starts the biometric recording of a validated request. Eligibility is checked again: no
    /// ineligible applicant is ever recorded.
    pub fn begin_recording(&mut self, operator: &User, request: i64) -> Result<(), WorkflowError> {
        self.check_disk_floor()?;
        self.write(|tx, ctx| {
            let (_, born, marital) = applicant_of(tx, ctx, request)?;
            applicant::eligibility(born, marital, ctx.today).map_err(WorkflowError::Ineligible)?;
            transition(
                tx,
                ctx,
                request,
                operator,
                Action::BeginRecording,
                json!({}),
            )?;
            Ok(())
        })
    }

    /// The operator approves the review: the record is complete and stored for the day's batch.
    pub fn approve_review(&mut self, operator: &User, request: i64) -> Result<(), WorkflowError> {
        self.write(|tx, ctx| {
            let mut missing = Vec::new();
            for m in CAPTURE_ORDER {
                missing.extend(missing_positions(tx, request, m).map_err(|e| ctx.sql(e))?);
            }
            if !missing.is_empty() {
                return Err(WorkflowError::CapturesIncomplete(missing));
            }
            transition(tx, ctx, request, operator, Action::ApproveReview, json!({}))?;
            cached::execute(
                tx,
                "UPDATE requests SET central_status = 'BIO_CAPTURED' WHERE id = ?1",
                [request],
            )
            .map_err(|e| ctx.sql(e))?;
            Ok(())
        })
    }

    /// The proof of recording was handed to the applicant.
    pub fn hand_over_proof(&mut self, operator: &User, request: i64) -> Result<(), WorkflowError> {
        self.write(|tx, ctx| {
            transition(tx, ctx, request, operator, Action::HandOverProof, json!({})).map(drop)
        })
    }

    /// The paper file went into the archive folder.
    pub fn archive(&mut self, operator: &User, request: i64) -> Result<(), WorkflowError> {
        self.write(|tx, ctx| {
            transition(tx, ctx, request, operator, Action::Archive, json!({})).map(drop)
        })
    }
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

/// An applicant's biodata as a JSON object, field names as in `applicants` (every column but the
/// row's id and times), values as text.
pub(crate) fn applicant_fields(
    conn: &rusqlite::Connection,
    applicant: i64,
) -> rusqlite::Result<serde_json::Map<String, serde_json::Value>> {
    let mut out = serde_json::Map::new();
    let mut stmt = conn.prepare_cached("SELECT * FROM applicants WHERE id = ?1")?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    stmt.query_row([applicant], |r| {
        for (i, name) in names.iter().enumerate() {
            if matches!(name.as_str(), "id" | "created_at" | "updated_at") {
                continue;
            }
            let value: Option<String> = r.get(i)?;
            out.insert(name.clone(), value.map(Into::into).unwrap_or_default());
        }
        Ok(())
    })?;
    Ok(out)
}

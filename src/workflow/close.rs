//! Closing a service day. The supervisor closes the day before its batch is exported: every
//! ticket of the day must have ended (recorded, returned, deferred or cancelled) and every
//! recorded request must have been validated. Until then the close is refused with the list of
//! what is still open, and each item can be resolved from that list ([`Store::cancel_ticket`] for a
//! ticket nobody answered, cancel or defer for a request, or finishing its recording).
//!
//! The queue reconciliation (every ticket with how it ended) is stored with the close and goes
//! into the batch manifest.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::engine::reason;
use super::{Step, WorkflowError};
use crate::lang::{Lang, Localize};
use crate::store::{Store, StoreError, User, audit, users};

/// Something that keeps the day from closing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OpenItem {
    /// Issued and never called: call it, or cancel it with a reason (the applicant left).
    WaitingTicket { ticket: i64, code: String },
    /// Called and not ended: finish it, or cancel or defer it with a reason.
    OpenRequest {
        request: i64,
        ticket: String,
        step: Step,
        full_name: Option<String>,
    },
    /// Recorded without a supervisor's validation (only a damaged or hand-edited database).
    NotValidated { request: i64, ticket: String },
}

/// How one ticket of the day ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TicketLine {
    pub ticket: String,
    /// `waiting`, `called`, `recorded`, `returned`, `deferred` or `cancelled`.
    pub status: String,
    pub request: Option<i64>,
    pub register_number: Option<String>,
    /// Why it was returned, deferred or cancelled.
    pub reason: Option<String>,
}

/// The queue reconciliation of a day: every ticket issued and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Reconciliation {
    pub service_day: String,
    pub tickets_issued: usize,
    pub recorded: usize,
    pub returned: usize,
    pub deferred: usize,
    pub cancelled: usize,
    /// Waiting or called: zero on a closed day.
    pub open: usize,
    pub tickets: Vec<TicketLine>,
}

/// A closed day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayClose {
    pub closed_by: i64,
    pub closed_at: String,
    pub reconciliation: Reconciliation,
}

/// Why the day cannot close.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CloseError {
    #[error("{} item(s) of the day are still open", .0.len())]
    Open(Vec<OpenItem>),
    /// The audit chain is broken (rows altered, removed, or cut off after the last checkpoint):
    /// the day is not closed over it.
    #[error("the audit chain is broken at row {}: {:?}", .0.seq, .0.reason)]
    AuditBroken(crate::store::audit::Break),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
}

/// Why a broken audit chain keeps the day from closing, in words.
#[derive(Debug, Clone)]
pub struct AuditBrokenText(pub crate::store::audit::Break);

impl Localize for AuditBrokenText {
    fn localize(&self, lang: Lang) -> String {
        let seq = self.0.seq;
        match lang {
            Lang::Id => format!(
                "Rantai audit rusak pada baris {seq} (baris diubah, dihapus, atau dipotong setelah titik periksa terakhir): hari tidak ditutup. Jangan ubah apa pun; laporkan ke Dinas Dukcapil."
            ),
            Lang::En => format!(
                "The audit chain is broken at row {seq} (rows altered, removed, or cut off after the last checkpoint): the day is not closed. Change nothing; report it to the Dinas Dukcapil."
            ),
        }
    }
}

impl From<StoreError> for CloseError {
    fn from(e: StoreError) -> Self {
        CloseError::Workflow(WorkflowError::Store(e))
    }
}

impl Store {
    /// How every ticket of `date` stands now.
    pub fn reconciliation(&self, date: NaiveDate) -> Result<Reconciliation, StoreError> {
        let sql = |e| self.sql_error(e);
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT t.prefix || '-' || printf('%03d', t.number), t.status, r.id, r.register_number,
                        COALESCE(r.outcome_reason, c.reason)
                 FROM queue_tickets t
                 LEFT JOIN requests r ON r.ticket_id = t.id
                 LEFT JOIN ticket_cancellations c ON c.ticket_id = t.id
                 WHERE t.service_day = ?1 ORDER BY t.issued_at, t.id",
            )
            .map_err(sql)?;
        let tickets: Vec<TicketLine> = stmt
            .query_map([date.to_string()], |r| {
                Ok(TicketLine {
                    ticket: r.get(0)?,
                    status: r.get(1)?,
                    request: r.get(2)?,
                    register_number: r.get(3)?,
                    reason: r.get(4)?,
                })
            })
            .map_err(sql)?
            .collect::<Result<_, _>>()
            .map_err(sql)?;
        let count = |s: &str| tickets.iter().filter(|t| t.status == s).count();
        Ok(Reconciliation {
            service_day: date.to_string(),
            tickets_issued: tickets.len(),
            recorded: count("recorded"),
            returned: count("returned"),
            deferred: count("deferred"),
            cancelled: count("cancelled"),
            open: count("waiting") + count("called"),
            tickets,
        })
    }

    /// What keeps `date` from closing; empty when it can close.
    pub fn open_items(&self, date: NaiveDate) -> Result<Vec<OpenItem>, StoreError> {
        let sql = |e| self.sql_error(e);
        let day = date.to_string();
        let mut items = Vec::new();
        let mut waiting = self
            .conn()
            .prepare_cached(
                "SELECT id, prefix || '-' || printf('%03d', number) FROM queue_tickets
                 WHERE service_day = ?1 AND status = 'waiting' ORDER BY id",
            )
            .map_err(sql)?;
        for row in waiting
            .query_map([&day], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql)?
        {
            let (ticket, code) = row.map_err(sql)?;
            items.push(OpenItem::WaitingTicket { ticket, code });
        }
        let mut requests = self
            .conn()
            .prepare_cached(
                "SELECT r.id, t.prefix || '-' || printf('%03d', t.number), r.step, a.full_name,
                        r.validated_by IS NOT NULL
                 FROM requests r JOIN queue_tickets t ON t.id = r.ticket_id
                 LEFT JOIN applicants a ON a.id = r.applicant_id
                 WHERE r.service_day = ?1 ORDER BY r.id",
            )
            .map_err(sql)?;
        let rows = requests
            .query_map([&day], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Step>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            })
            .map_err(sql)?;
        for row in rows {
            let (request, ticket, step, full_name, validated) = row.map_err(sql)?;
            if step.is_recorded() {
                if !validated {
                    items.push(OpenItem::NotValidated { request, ticket });
                }
            } else if !step.is_final() {
                items.push(OpenItem::OpenRequest {
                    request,
                    ticket,
                    step,
                    full_name,
                });
            }
        }
        Ok(items)
    }

    /// Whether `date` has been closed, and how.
    pub fn day_close(&self, date: NaiveDate) -> Result<Option<DayClose>, StoreError> {
        let row: Option<(i64, String, String)> = self
            .conn()
            .query_row(
                "SELECT closed_by, closed_at, reconciliation FROM day_closes WHERE service_day = ?1",
                [date.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sql_error(e))?;
        row.map(|(closed_by, closed_at, json)| {
            let reconciliation =
                serde_json::from_str(&json).map_err(|_| StoreError::Corrupt(self.paths().db()))?;
            Ok(DayClose {
                closed_by,
                closed_at,
                reconciliation,
            })
        })
        .transpose()
    }

    /// Cancels a ticket that was never called (the applicant left, or did not come when called
    /// at the close). The reason is kept with the ticket.
    pub fn cancel_ticket(
        &mut self,
        user: &User,
        ticket: i64,
        why: &str,
    ) -> Result<(), WorkflowError> {
        let why = reason(why)?;
        self.write(|tx, ctx| {
            let row: Option<(String, String)> = tx
                .query_row(
                    "SELECT status, prefix || '-' || printf('%03d', number) FROM queue_tickets WHERE id = ?1",
                    [ticket],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| ctx.sql(e))?;
            let (status, code) = row.ok_or(WorkflowError::NoSuchTicket(ticket))?;
            if status != "waiting" {
                return Err(WorkflowError::TicketNotWaiting { code, status });
            }
            tx.execute(
                "UPDATE queue_tickets SET status = 'cancelled', closed_at = ?2 WHERE id = ?1",
                params![ticket, ctx.now],
            )
            .map_err(|e| ctx.sql(e))?;
            tx.execute(
                "INSERT INTO ticket_cancellations (ticket_id, reason, cancelled_by, cancelled_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![ticket, why, user.id, ctx.now],
            )
            .map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(user.id),
                    action: "ticket.cancel",
                    entity: "ticket",
                    entity_id: Some(ticket),
                    detail: json!({ "code": code, "reason": why }),
                },
            )?;
            Ok(())
        })
    }

    /// Closes `date`: refused with the open items until every ticket has ended and every recorded
    /// request is validated. Only a supervisor closes a day; closing a closed day returns the
    /// close as it was.
    pub fn close_day(
        &mut self,
        supervisor: &User,
        date: NaiveDate,
    ) -> Result<DayClose, CloseError> {
        if let Some(close) = self.day_close(date)? {
            return Ok(close);
        }
        let open = self.open_items(date)?;
        if !open.is_empty() {
            return Err(CloseError::Open(open));
        }
        // The chain must hold up to its last signed checkpoint before another is signed over it.
        if let Some(b) = self.verify_audit()?.broken {
            return Err(CloseError::AuditBroken(b));
        }
        let signing = crate::store::StationSigningKey::load(&self.paths().signing_key_file())?;
        let reconciliation = self.reconciliation(date)?;
        let json = serde_json::to_string(&reconciliation).unwrap_or_default();
        let closed_at = self.write(|tx, ctx| {
            if !users::is_active_supervisor(tx, supervisor.id).map_err(|e| ctx.sql(e))? {
                return Err(WorkflowError::NotSupervisor("close_day"));
            }
            // Nothing may have opened between the check and this transaction.
            let still_open: i64 = tx
                .query_row(
                    "SELECT count(*) FROM queue_tickets WHERE service_day = ?1 AND status IN ('waiting', 'called')",
                    [date.to_string()],
                    |r| r.get(0),
                )
                .map_err(|e| ctx.sql(e))?;
            if still_open > 0 {
                return Err(WorkflowError::DayOpen(date));
            }
            tx.execute(
                "INSERT INTO day_closes (service_day, closed_by, closed_at, reconciliation) VALUES (?1, ?2, ?3, ?4)",
                params![date.to_string(), supervisor.id, ctx.now, json],
            )
            .map_err(|e| ctx.sql(e))?;
            let seq = ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(supervisor.id),
                    action: "day.close",
                    entity: "day",
                    entity_id: None,
                    detail: json!({
                        "service_day": date.to_string(),
                        "tickets_issued": reconciliation.tickets_issued,
                        "recorded": reconciliation.recorded,
                        "returned": reconciliation.returned,
                        "deferred": reconciliation.deferred,
                        "cancelled": reconciliation.cancelled,
                    }),
                },
            )?;
            // The chain's head at the close, signed: carried in the day's packet.
            let hash: Vec<u8> = tx
                .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| r.get(0))
                .map_err(|e| ctx.sql(e))?;
            let hash = hex::encode(hash);
            let day = date.to_string();
            let message = audit::checkpoint_message(
                &ctx.station.kecamatan_code,
                &ctx.station.station_id,
                seq,
                &hash,
                &day,
            );
            tx.execute(
                "INSERT INTO audit_checkpoints (seq, hash, service_day, signed_at, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![seq, hash, day, ctx.now, hex::encode(signing.sign(&message))],
            )
            .map_err(|e| ctx.sql(e))?;
            Ok(ctx.now.clone())
        })?;
        Ok(DayClose {
            closed_by: supervisor.id,
            closed_at,
            reconciliation,
        })
    }
}

#[cfg(all(test, feature = "kiosk"))]
mod tests {
    use super::*;
    use crate::ui::screen::testing::{Fixture, today};

    #[test]
    fn the_close_lists_what_is_open_and_closes_once_each_is_resolved() {
        let f = Fixture::new();
        let (sup, op) = (f.supervisor.clone(), f.operator.clone());
        let recorded = f.request_at(1, Step::Recorded).id;
        let open = f.request_at(2, Step::Face).id;
        let waiting = f.store(|s| Ok(s.issue_ticket("A")?.id));
        let items = f.store(move |s| Ok(s.open_items(today())?));
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(items.contains(&OpenItem::WaitingTicket {
            ticket: waiting,
            code: "A-003".into()
        }));
        assert!(
            matches!(items[1], OpenItem::OpenRequest { request, step: Step::Face, .. } if request == open)
        );

        let sup2 = sup.clone();
        let refused = f.store(move |s| match s.close_day(&sup2, today()) {
            Err(CloseError::Open(items)) => Ok(items.len()),
            other => panic!("close should be refused: {other:?}"),
        });
        assert_eq!(refused, 2);

        let op2 = op.clone();
        let refused_role = f.store(move |s| {
            s.cancel_ticket(&op2, waiting, "tidak hadir saat dipanggil")?;
            s.defer(&op2, open, "listrik padam")?;
            Ok(matches!(
                s.close_day(&op2, today()),
                Err(CloseError::Workflow(WorkflowError::NotSupervisor(_)))
            ))
        });
        assert!(refused_role, "an operator cannot close the day");
        let close = f.store(move |s| Ok(s.close_day(&sup, today()).expect("closes")));
        let r = &close.reconciliation;
        assert_eq!(
            (
                r.tickets_issued,
                r.recorded,
                r.deferred,
                r.cancelled,
                r.open
            ),
            (3, 1, 1, 1, 0)
        );
        assert_eq!(
            r.tickets[2].reason.as_deref(),
            Some("tidak hadir saat dipanggil")
        );
        assert_eq!(r.tickets[1].reason.as_deref(), Some("listrik padam"));
        assert_eq!(r.tickets[0].request, Some(recorded));
        // Closed: no new ticket for the day, and the close reads back the same.
        let (issue, again) = f.store(move |s| {
            Ok((
                s.issue_ticket("A").map(|_| ()),
                s.day_close(today())?.expect("closed").reconciliation,
            ))
        });
        assert!(
            matches!(issue, Err(WorkflowError::DayClosed(_))),
            "{issue:?}"
        );
        assert_eq!(&again, r);
    }

    #[test]
    fn an_empty_day_closes() {
        let f = Fixture::new();
        let sup = f.supervisor.clone();
        let close = f.store(move |s| Ok(s.close_day(&sup, today()).expect("closes")));
        assert_eq!(close.reconciliation.tickets_issued, 0);
    }
}

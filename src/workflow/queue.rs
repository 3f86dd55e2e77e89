//! Queue tickets: issued per day and prefix (`A-001`), called in order, never renumbered.

use rusqlite::{OptionalExtension, params};

use super::WorkflowError;
use crate::domain::queue::{TicketCode, valid_prefix};
use crate::store::{Store, StoreError, audit};

/// A ticket as the queue screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ticket {
    pub id: i64,
    pub code: String,
    pub status: String,
    pub issued_at: String,
    pub called_at: Option<String>,
}

fn ticket_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Ticket> {
    let prefix: String = r.get(1)?;
    let number: u32 = r.get(2)?;
    let code = TicketCode {
        prefix: prefix.chars().next().unwrap_or('?'),
        number,
    }
    .to_string();
    Ok(Ticket {
        id: r.get(0)?,
        code,
        status: r.get(3)?,
        issued_at: r.get(4)?,
        called_at: r.get(5)?,
    })
}

const TICKET_COLUMNS: &str = "id, prefix, number, status, issued_at, called_at";

impl Store {
    /// Issues the next ticket of the day for `prefix`.
    pub fn issue_ticket(&mut self, prefix: &str) -> Result<Ticket, WorkflowError> {
        let p = valid_prefix(prefix).map_err(|_| WorkflowError::BadPrefix(prefix.to_owned()))?;
        self.write(|tx, ctx| {
            let closed: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM day_closes WHERE service_day = ?1)",
                    [ctx.today.to_string()],
                    |r| r.get(0),
                )
                .map_err(|e| ctx.sql(e))?;
            if closed {
                return Err(WorkflowError::DayClosed(ctx.today));
            }
            let number = ctx.next_counter(tx, &format!("ticket:{p}"), ctx.today)?;
            tx.execute(
                "INSERT INTO queue_tickets (service_day, prefix, number, issued_at) VALUES (?1, ?2, ?3, ?4)",
                params![ctx.today.to_string(), p.to_string(), number, ctx.now],
            )
            .map_err(|e| ctx.sql(e))?;
            let id = tx.last_insert_rowid();
            let code = TicketCode { prefix: p, number }.to_string();
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: None,
                    action: "ticket.issue",
                    entity: "ticket",
                    entity_id: Some(id),
                    detail: serde_json::json!({ "code": code }),
                },
            )?;
            Ok(Ticket { id, code, status: "waiting".into(), issued_at: ctx.now.clone(), called_at: None })
        })
    }

    /// Today's tickets that wait to be called, oldest first.
    pub fn waiting_tickets(&self) -> Result<Vec<Ticket>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE service_day = ?1 AND status = 'waiting' ORDER BY id"
            ))
            .map_err(|e| self.sql_error(e))?;
        let rows = stmt
            .query_map([self.today().to_string()], ticket_from_row)
            .map_err(|e| self.sql_error(e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.sql_error(e))
    }

    /// A ticket by id.
    pub fn ticket(&self, id: i64) -> Result<Option<Ticket>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE id = ?1"),
                [id],
                ticket_from_row,
            )
            .optional()
            .map_err(|e| self.sql_error(e))
    }
}

//! Read-only views of requests: what a screen needs to show one, and where the station resumes.

use rusqlite::OptionalExtension;

use super::{CaptureSummary, Step};
use crate::domain::ServiceType;
use crate::store::{Store, StoreError};

/// A request as a screen needs it to resume.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RequestView {
    pub id: i64,
    pub ticket: String,
    pub step: Step,
    pub service_type: Option<ServiceType>,
    pub nik: Option<String>,
    pub full_name: Option<String>,
    pub register_number: Option<String>,
    pub outcome_reason: Option<String>,
    pub updated_at: String,
    pub captures: Vec<CaptureSummary>,
}

impl Store {
    /// One request with its current captures.
    pub fn request(&self, id: i64) -> Result<Option<RequestView>, StoreError> {
        let sql = |e| self.sql_error(e);
        let view = self
            .conn()
            .query_row(
                "SELECT r.id, t.prefix || '-' || printf('%03d', t.number), r.step, r.service_type, a.nik, a.full_name,
                        r.register_number, r.outcome_reason, r.updated_at
                 FROM requests r JOIN queue_tickets t ON t.id = r.ticket_id
                 LEFT JOIN applicants a ON a.id = r.applicant_id WHERE r.id = ?1",
                [id],
                |r| {
                    Ok(RequestView {
                        id: r.get(0)?,
                        ticket: r.get(1)?,
                        step: r.get(2)?,
                        service_type: r.get(3)?,
                        nik: r.get(4)?,
                        full_name: r.get(5)?,
                        register_number: r.get(6)?,
                        outcome_reason: r.get(7)?,
                        updated_at: r.get(8)?,
                        captures: vec![],
                    })
                },
            )
            .optional()
            .map_err(sql)?;
        let Some(mut view) = view else {
            return Ok(None);
        };
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT id, modality, position, attempt, quality, format, exception, exception_reason FROM captures
                 WHERE request_id = ?1 AND superseded_at IS NULL ORDER BY modality, position",
            )
            .map_err(sql)?;
        view.captures = stmt
            .query_map([id], |r| {
                Ok(CaptureSummary {
                    id: r.get(0)?,
                    modality: r.get(1)?,
                    position: r.get(2)?,
                    attempt: r.get(3)?,
                    quality: r.get(4)?,
                    format: r.get(5)?,
                    exception: r.get(6)?,
                    exception_reason: r.get(7)?,
                })
            })
            .map_err(sql)?
            .collect::<Result<_, _>>()
            .map_err(sql)?;
        Ok(Some(view))
    }

    /// Requests not in a final step, most recently touched first: where the station resumes.
    pub fn open_requests(&self) -> Result<Vec<RequestView>, StoreError> {
        // Same condition as the partial index `requests_open` in schema.sql.
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT id FROM requests WHERE step NOT IN ('archived', 'returned', 'cancelled', 'deferred')
                 ORDER BY updated_at DESC, id DESC",
            )
            .map_err(|e| self.sql_error(e))?;
        let ids: Vec<i64> = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| self.sql_error(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql_error(e))?;
        ids.into_iter()
            .filter_map(|id| self.request(id).transpose())
            .collect()
    }
}

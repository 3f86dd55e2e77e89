//! Time spent per SOP step, from the step events, against the standard times (baku mutu).

use std::time::Duration;

use chrono::DateTime;

use super::Step;
use crate::domain::sop::SopStep;
use crate::store::{Store, StoreError};

/// How long one SOP step of one request took.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SopTiming {
    pub step: SopStep,
    pub actual: Duration,
    pub standard: Duration,
}

impl SopTiming {
    /// Took longer than its standard time.
    pub fn is_late(&self) -> bool {
        self.actual > self.standard
    }
}

impl Store {
    /// The time each finished SOP step of `request` took, in SOP order. Workflow steps that count
    /// towards the same SOP step (the capture steps all count towards recording) are added up;
    /// a step still in progress is not counted.
    pub fn sop_timings(&self, request: i64) -> Result<Vec<SopTiming>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT step, started_at, ended_at FROM step_events WHERE request_id = ?1 AND ended_at IS NOT NULL ORDER BY id",
            )
            .map_err(|e| self.sql_error(e))?;
        let rows = stmt
            .query_map([request], |r| {
                Ok((
                    r.get::<_, Step>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| self.sql_error(e))?;
        let mut totals: Vec<(SopStep, Duration)> = Vec::new();
        for row in rows {
            let (step, started, ended) = row.map_err(|e| self.sql_error(e))?;
            let Some(sop) = step.sop_step() else { continue };
            let parse = |t: &str| {
                DateTime::parse_from_rfc3339(t).map_err(|_| StoreError::Corrupt(self.paths().db()))
            };
            let spent = (parse(&ended)? - parse(&started)?)
                .to_std()
                .unwrap_or_default();
            match totals.iter_mut().find(|(s, _)| *s == sop) {
                Some((_, d)) => *d += spent,
                None => totals.push((sop, spent)),
            }
        }
        totals.sort_by_key(|(s, _)| *s);
        Ok(totals
            .into_iter()
            .map(|(step, actual)| SopTiming {
                step,
                actual,
                standard: step.standard(),
            })
            .collect())
    }
}

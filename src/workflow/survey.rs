//! The satisfaction survey (SKM, Survei Kepuasan Masyarakat): one tap by the applicant at the
//! end of the recording, kept in the audit log with the request it rates.

use super::WorkflowError;
use crate::store::{Store, User, audit};

/// Lowest and highest answer: 1 not satisfied .. 4 very satisfied (the SKM four-point scale).
pub const SCORES: std::ops::RangeInclusive<u8> = 1..=4;

impl Store {
    /// Records the applicant's answer for `request`, entered at `operator`'s desk.
    pub fn record_satisfaction(
        &mut self,
        operator: &User,
        request: i64,
        score: u8,
    ) -> Result<(), WorkflowError> {
        if !SCORES.contains(&score) {
            return Err(WorkflowError::BadScore(score));
        }
        self.write(|tx, ctx| {
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(operator.id),
                    action: "request.satisfaction",
                    entity: "request",
                    entity_id: Some(request),
                    detail: serde_json::json!({ "score": score }),
                },
            )?;
            Ok(())
        })
    }
}

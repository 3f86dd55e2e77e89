//! The day's register book and the supervisor's day view: read-only queries over one service
//! day. The register book lists every request of the day in call order; the day summary counts
//! how the requests ended and measures each SOP step against its standard time (baku mutu).
//!
//! Stored instants are UTC (see `store::timestamp`); they are shown in the station's local time,
//! the offset of the store's clock.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use rusqlite::{OptionalExtension, params};

use super::Step;
use super::timing::SopTiming;
use crate::domain::ServiceType;
use crate::domain::sop::SopStep;
use crate::store::{Store, StoreError};

/// One line of the register book.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisterRow {
    pub request: i64,
    /// When the ticket was called (the request began), station's local time.
    pub called_at: NaiveDateTime,
    pub ticket: String,
    pub register_number: Option<String>,
    pub full_name: Option<String>,
    pub nik: Option<String>,
    pub service: Option<ServiceType>,
    pub step: Step,
    /// The full name of the operator who called the ticket.
    pub operator: String,
}

impl RegisterRow {
    /// Whether the row matches a search: every word of `query` occurs, ignoring case, in the
    /// name, the NIK, the ticket or the register number. An empty query matches everything.
    pub fn matches(&self, query: &str) -> bool {
        let haystack = [
            self.full_name.as_deref(),
            self.nik.as_deref(),
            Some(self.ticket.as_str()),
            self.register_number.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
        query
            .to_lowercase()
            .split_whitespace()
            .all(|word| haystack.contains(word))
    }
}

/// Time spent on one SOP step over a set of requests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepStats {
    pub step: SopStep,
    /// How many requests finished this step.
    pub count: usize,
    pub median: Duration,
    pub slowest: Duration,
    pub standard: Duration,
    /// How many of them took longer than the standard.
    pub late: usize,
}

impl StepStats {
    /// The step is late as a rule: its median is over the standard time.
    pub fn is_late(&self) -> bool {
        self.median > self.standard
    }
}

/// Aggregates per-request SOP timings into per-step statistics, in SOP order. The median is
/// the upper median (the middle element of the sorted times), as `rekam simulate-day` reports it.
pub fn step_stats(timings: impl IntoIterator<Item = SopTiming>) -> Vec<StepStats> {
    let mut by_step: BTreeMap<SopStep, Vec<Duration>> = BTreeMap::new();
    for t in timings {
        by_step.entry(t.step).or_default().push(t.actual);
    }
    by_step
        .into_iter()
        .filter_map(|(step, mut times)| {
            times.sort();
            let standard = step.standard();
            Some(StepStats {
                step,
                count: times.len(),
                median: *times.get(times.len() / 2)?,
                slowest: *times.last()?,
                standard,
                late: times.iter().filter(|t| **t > standard).count(),
            })
        })
        .collect()
}

/// How the day went, for the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct DaySummary {
    pub date: NaiveDate,
    /// Requests opened today (tickets called).
    pub requests: usize,
    /// The proof of recording was handed over (or the file is archived already).
    pub served: usize,
    pub returned: usize,
    pub cancelled: usize,
    pub deferred: usize,
    /// Neither served nor ended: still somewhere between the call and the proof.
    pub in_progress: usize,
    /// Tickets of the day not called yet.
    pub waiting: usize,
    /// The time per SOP step of the day's requests (finished steps only), in SOP order.
    pub steps: Vec<StepStats>,
}

impl Store {
    /// The station's UTC offset now (the service day and the times shown follow it).
    fn offset(&self) -> FixedOffset {
        *self.clock().now().offset()
    }

    /// A stored instant in the station's local time.
    pub fn local_time(&self, stamp: &str) -> Result<NaiveDateTime, StoreError> {
        DateTime::parse_from_rfc3339(stamp)
            .map(|t| t.with_timezone(&self.offset()).naive_local())
            .map_err(|_| StoreError::Corrupt(self.paths().db()))
    }

    /// The register book of `date`: every request of that service day, in call order.
    pub fn day_register(&self, date: NaiveDate) -> Result<Vec<RegisterRow>, StoreError> {
        let sql = |e| self.sql_error(e);
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT r.id, r.created_at, t.prefix || '-' || printf('%03d', t.number), r.register_number,
                        a.full_name, a.nik, r.service_type, r.step, u.full_name
                 FROM requests r JOIN queue_tickets t ON t.id = r.ticket_id
                 JOIN users u ON u.id = r.operator_id
                 LEFT JOIN applicants a ON a.id = r.applicant_id
                 WHERE r.service_day = ?1 ORDER BY r.id",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([date.to_string()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<ServiceType>>(6)?,
                    r.get::<_, Step>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        for row in rows {
            let (
                request,
                created,
                ticket,
                register_number,
                full_name,
                nik,
                service,
                step,
                operator,
            ) = row.map_err(sql)?;
            out.push(RegisterRow {
                request,
                called_at: self.local_time(&created)?,
                ticket,
                register_number,
                full_name,
                nik,
                service,
                step,
                operator,
            });
        }
        Ok(out)
    }

    /// The day view of `date`: how the requests ended, who still waits, and the time per SOP
    /// step against its standard.
    pub fn day_summary(&self, date: NaiveDate) -> Result<DaySummary, StoreError> {
        let sql = |e| self.sql_error(e);
        let day = date.to_string();
        let mut summary = DaySummary {
            date,
            ..DaySummary::default()
        };
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id, step FROM requests WHERE service_day = ?1 ORDER BY id")
            .map_err(sql)?;
        let requests: Vec<(i64, Step)> = stmt
            .query_map([&day], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql)?
            .collect::<Result<_, _>>()
            .map_err(sql)?;
        let mut timings = Vec::new();
        for (id, step) in &requests {
            match step {
                Step::ProofHandedOver | Step::Archived => summary.served += 1,
                Step::Returned => summary.returned += 1,
                Step::Cancelled => summary.cancelled += 1,
                Step::Deferred => summary.deferred += 1,
                _ => summary.in_progress += 1,
            }
            timings.extend(self.sop_timings(*id)?);
        }
        summary.requests = requests.len();
        summary.waiting = self
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM queue_tickets WHERE service_day = ?1 AND status = 'waiting'",
                [&day],
                |r| r.get::<_, i64>(0),
            )
            .map_err(sql)?
            .try_into()
            .unwrap_or_default();
        summary.steps = step_stats(timings);
        Ok(summary)
    }

    /// When `request` was recorded (its review approved), station's local time; `None` before.
    pub fn recorded_at(&self, request: i64) -> Result<Option<NaiveDateTime>, StoreError> {
        let stamp: Option<String> = self
            .conn()
            .query_row(
                "SELECT started_at FROM step_events WHERE request_id = ?1 AND step = ?2
                 ORDER BY id DESC LIMIT 1",
                params![request, Step::Recorded],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_error(e))?;
        stamp.map(|s| self.local_time(&s)).transpose()
    }
}

#[cfg(all(test, feature = "kiosk"))]
mod tests {
    use super::*;
    use crate::ui::screen::testing::{Fixture, today};

    fn minutes(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    /// A day: one request verified slowly and still in progress, one in recording, one
    /// rejected, one served, one cancelled, a ticket still waiting, and a request tomorrow.
    struct Day {
        f: Fixture,
        slow: i64,
        recording: i64,
        returned: i64,
        served: i64,
        cancelled: i64,
    }

    fn day() -> Day {
        let f = Fixture::new();
        let slow = f.request_at(1, Step::Registered).id;
        f.clock.advance(chrono::Duration::minutes(10));
        let sup = f.supervisor.clone();
        f.store(move |s| Ok(s.verify(&sup, slow)?));
        let recording = f.request_at(2, Step::Fingerprints).id;
        let returned = f.request_at(3, Step::Registered).id;
        let sup = f.supervisor.clone();
        f.store(move |s| Ok(s.reject(&sup, returned, "akta kelahiran tidak sesuai")?));
        let served = f.request_at(4, Step::Recorded).id;
        let op = f.operator.clone();
        f.store(move |s| {
            s.hand_over_proof(&op, served)?;
            Ok(s.archive(&op, served)?)
        });
        let cancelled = f.request_at(5, Step::TicketCalled).id;
        let op = f.operator.clone();
        f.store(move |s| Ok(s.cancel(&op, cancelled, "pemohon pulang")?));
        f.store(|s| Ok(s.issue_ticket("A").map(drop)?));
        Day {
            f,
            slow,
            recording,
            returned,
            served,
            cancelled,
        }
    }

    #[test]
    fn the_register_lists_the_day_in_call_order_in_local_time() {
        let d = day();
        // Tomorrow's request is in tomorrow's book only.
        d.f.clock.advance(chrono::Duration::days(1));
        let tomorrow = d.f.request_at(6, Step::TicketCalled).id;
        let rows = d.f.store(|s| Ok(s.day_register(today())?));
        let ids: Vec<i64> = rows.iter().map(|r| r.request).collect();
        assert_eq!(
            ids,
            vec![d.slow, d.recording, d.returned, d.served, d.cancelled]
        );
        let next =
            d.f.store(move |s| Ok(s.day_register(today().succ_opt().expect("date"))?));
        assert_eq!(
            next.iter().map(|r| r.request).collect::<Vec<_>>(),
            vec![tomorrow]
        );

        let first = &rows[0];
        // Called at 09:00 in the station's time (+07:00), stored as 02:00 UTC.
        assert_eq!(first.called_at, today().and_hms_opt(9, 0, 0).expect("time"));
        assert_eq!(
            rows[1].called_at,
            today().and_hms_opt(9, 10, 0).expect("time")
        );
        assert_eq!(first.ticket, "A-001");
        assert_eq!(first.step, Step::Verified);
        assert_eq!(first.operator, "Budi Santoso");
        assert!(first.register_number.is_some() && first.nik.is_some());
        assert_eq!(rows[2].step, Step::Returned);
        assert_eq!(rows[3].step, Step::Archived);
        // The cancelled one never got as far as the file: no name, no register number.
        assert_eq!(rows[4].full_name, None);
        assert_eq!(rows[4].register_number, None);
    }

    #[test]
    fn the_search_matches_name_nik_ticket_and_register_number_ignoring_case() {
        let d = day();
        let rows = d.f.store(|s| Ok(s.day_register(today())?));
        let row = &rows[1];
        let name = row.full_name.clone().expect("name");
        let nik = row.nik.clone().expect("nik");
        let register = row.register_number.clone().expect("register number");
        let hits = |q: &str| {
            rows.iter()
                .filter(|r| r.matches(q))
                .map(|r| r.request)
                .collect::<Vec<_>>()
        };
        assert_eq!(hits(&name.to_uppercase()), vec![d.recording]);
        assert_eq!(hits(&name.to_lowercase()), vec![d.recording]);
        assert_eq!(hits(&nik[..10]), vec![d.recording]);
        assert_eq!(hits("a-002"), vec![d.recording]);
        assert_eq!(hits(&register), vec![d.recording]);
        assert_eq!(hits("").len(), 5);
        assert!(hits("tidak ada nama seperti ini").is_empty());
    }

    #[test]
    fn the_day_summary_counts_outcomes_and_times_the_sop_steps() {
        let d = day();
        let s = d.f.store(|s| Ok(s.day_summary(today())?));
        assert_eq!(s.date, today());
        assert_eq!(s.requests, 5);
        assert_eq!(s.served, 1);
        assert_eq!(s.returned, 1);
        assert_eq!(s.cancelled, 1);
        assert_eq!(s.deferred, 0);
        assert_eq!(s.in_progress, 2);
        assert_eq!(s.waiting, 1);
        let verify = s
            .steps
            .iter()
            .find(|t| t.step == SopStep::Verify)
            .expect("verify timed");
        // Slow (10 min), recording, returned (rejected at once), served: 0 min each.
        assert_eq!(verify.count, 4);
        assert_eq!(verify.slowest, minutes(10));
        assert_eq!(verify.median, Duration::ZERO);
        assert_eq!(verify.late, 1);
        assert_eq!(verify.standard, minutes(3));
        assert!(!verify.is_late());
        // Only the served request handed over a proof.
        let proof = s
            .steps
            .iter()
            .find(|t| t.step == SopStep::HandOverProof)
            .expect("hand-over timed");
        assert_eq!(proof.count, 1);
        // In SOP order.
        let order: Vec<SopStep> = s.steps.iter().map(|t| t.step).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        // Another day is empty.
        let other =
            d.f.store(|s| Ok(s.day_summary(today().pred_opt().expect("date"))?));
        assert_eq!(other.requests, 0);
        assert!(other.steps.is_empty());
    }

    #[test]
    fn a_step_is_late_when_its_median_is_over_the_standard() {
        let timing = |m| SopTiming {
            step: SopStep::Validate,
            actual: minutes(m),
            standard: SopStep::Validate.standard(),
        };
        let stats = step_stats([timing(1), timing(5), timing(4)]);
        assert_eq!(stats.len(), 1);
        assert_eq!(stats[0].median, minutes(4));
        assert_eq!(stats[0].slowest, minutes(5));
        assert_eq!(stats[0].late, 2);
        assert!(stats[0].is_late());
        assert!(step_stats([]).is_empty());
    }

    #[test]
    fn recorded_at_is_the_local_time_of_the_approval() {
        let d = day();
        let (served, slow) = (d.served, d.slow);
        let (at, none) =
            d.f.store(move |s| Ok((s.recorded_at(served)?, s.recorded_at(slow)?)));
        assert_eq!(at, Some(today().and_hms_opt(9, 10, 0).expect("time")));
        assert_eq!(none, None);
    }
}

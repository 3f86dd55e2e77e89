//! Read-only views of an applicant's file for the intake and verification screens: the biodata,
//! service type and checklist findings stored by `receive_file` and `check_requirements`, and the
//! other open requests for the same NIK (an applicant who took two tickets, or a file left open).

use rusqlite::{OptionalExtension, params};

use super::Step;
use crate::domain::applicant::Biodata;
use crate::domain::service::Check;
use crate::domain::{Requirement, ServiceType};
use crate::store::{Store, StoreError};

/// What was taken in for a request: the biodata, the service and the checklist findings (in the
/// order of the service's checklist; items never checked are absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantFile {
    pub biodata: Biodata,
    pub service: ServiceType,
    pub findings: Vec<(Requirement, Check)>,
}

/// Another request, not in a final step, for the same applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherRequest {
    pub id: i64,
    /// The queue ticket, e.g. `A-007`.
    pub ticket: String,
    pub service_day: String,
    pub step: Step,
}

impl Store {
    /// The file of `request`: `None` while no biodata was received (or the request does not exist).
    pub fn applicant_file(&self, request: i64) -> Result<Option<ApplicantFile>, StoreError> {
        let sql = |e| self.sql_error(e);
        let row = self
            .conn()
            .query_row(
                "SELECT r.service_type, a.nik, a.kk_number, a.full_name, a.birth_place, a.birth_date, a.sex,
                        a.blood_type, a.address, a.rt, a.rw, a.village, a.address_region, a.religion,
                        a.marital_status, a.occupation, a.nationality
                 FROM requests r JOIN applicants a ON a.id = r.applicant_id
                 WHERE r.id = ?1 AND r.service_type IS NOT NULL",
                [request],
                |r| {
                    let born: String = r.get(5)?;
                    Ok((
                        r.get::<_, ServiceType>(0)?,
                        born,
                        Biodata {
                            nik: r.get(1)?,
                            kk_number: r.get(2)?,
                            full_name: r.get(3)?,
                            birth_place: r.get(4)?,
                            // Replaced below: the date is stored as text.
                            birth_date: chrono::NaiveDate::MIN,
                            sex: r.get(6)?,
                            blood_type: r.get(7)?,
                            address: r.get(8)?,
                            rt: r.get(9)?,
                            rw: r.get(10)?,
                            village: r.get(11)?,
                            address_region: r.get(12)?,
                            religion: r.get(13)?,
                            marital_status: r.get(14)?,
                            occupation: r.get(15)?,
                            nationality: r.get(16)?,
                        },
                    ))
                },
            )
            .optional()
            .map_err(sql)?;
        let Some((service, born, mut biodata)) = row else {
            return Ok(None);
        };
        biodata.birth_date = born
            .parse()
            .map_err(|_| StoreError::Corrupt(self.paths().db()))?;
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT requirement, finding FROM requirement_checks WHERE request_id = ?1",
            )
            .map_err(sql)?;
        let mut findings: Vec<(Requirement, Check)> = stmt
            .query_map([request], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql)?
            .collect::<Result<_, _>>()
            .map_err(sql)?;
        let list = service.requirements();
        findings.sort_by_key(|(req, _)| {
            list.iter()
                .position(|(r, _)| r == req)
                .unwrap_or(usize::MAX)
        });
        Ok(Some(ApplicantFile {
            biodata,
            service,
            findings,
        }))
    }

    /// Requests other than `except`, not in a final step, whose applicant has `nik` (16 digits).
    pub fn open_requests_with_nik(
        &self,
        nik: &str,
        except: i64,
    ) -> Result<Vec<OtherRequest>, StoreError> {
        let sql = |e| self.sql_error(e);
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT r.id, t.prefix || '-' || printf('%03d', t.number), r.service_day, r.step
                 FROM requests r JOIN applicants a ON a.id = r.applicant_id
                 JOIN queue_tickets t ON t.id = r.ticket_id
                 WHERE a.nik = ?1 AND r.id <> ?2
                   AND r.step NOT IN ('archived', 'returned', 'cancelled', 'deferred')
                 ORDER BY r.id",
            )
            .map_err(sql)?;
        stmt.query_map(params![nik, except], |r| {
            Ok(OtherRequest {
                id: r.get(0)?,
                ticket: r.get(1)?,
                service_day: r.get(2)?,
                step: r.get(3)?,
            })
        })
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use zeroize::Zeroizing;

    use super::*;
    use crate::domain::service::Need;
    use crate::store::{ManualClock, NewUser, Paths, Role, StationSetup, User};

    fn station() -> (tempfile::TempDir, Store, User) {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = Paths {
            data_dir: dir.path().join("data"),
            key_file: dir.path().join("station.key"),
        };
        std::fs::create_dir_all(&paths.data_dir).expect("data dir");
        let clock = ManualClock::new(
            NaiveDate::from_ymd_opt(2026, 11, 20)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .and_then(|t| {
                    t.and_local_timezone(chrono::FixedOffset::east_opt(7 * 3600)?)
                        .single()
                })
                .expect("time"),
        );
        let mut store = Store::setup(
            &paths,
            &StationSetup {
                kecamatan_code: "331301".into(),
                station_id: "01".into(),
                mode: crate::domain::StationMode::Training,
                supervisor: NewUser {
                    username: "kasi".into(),
                    full_name: "Sri Wahyuni".into(),
                    nip: None,
                    role: Role::Supervisor,
                    password: Zeroizing::new("rahasia-123".into()),
                },
            },
            clock,
        )
        .expect("setup");
        let user = store.authenticate("kasi", "rahasia-123").expect("login");
        (dir, store, user)
    }

    #[test]
    fn the_received_file_reads_back_with_its_findings_in_checklist_order() {
        let (_dir, mut store, user) = station();
        let today = store.today();
        let a = crate::simulate::people::applicant(3, 1, "331301", today);
        store.issue_ticket("A").expect("ticket");
        let id = store.call_next(&user).expect("call").expect("waiting");
        assert_eq!(store.applicant_file(id).expect("read"), None);
        store
            .receive_file(&user, id, a.service, &a.biodata)
            .expect("received");
        let file = store.applicant_file(id).expect("read").expect("file");
        let normalized = a.biodata.normalized(today).expect("valid sample");
        assert_eq!(file.biodata, normalized);
        assert_eq!(file.service, a.service);
        assert!(file.findings.is_empty());

        // Findings given in reverse come back in the checklist's order.
        let findings: Vec<(Requirement, Check)> = a
            .service
            .requirements()
            .iter()
            .rev()
            .map(|(r, need)| {
                let c = if *need == Need::Required {
                    Check::Present
                } else {
                    Check::NotApplicable
                };
                (*r, c)
            })
            .collect();
        store
            .check_requirements(&user, id, &findings)
            .expect("checked");
        let file = store.applicant_file(id).expect("read").expect("file");
        let mut expected = findings.clone();
        expected.reverse();
        assert_eq!(file.findings, expected);
    }

    #[test]
    fn other_open_requests_of_the_same_nik_are_found_until_they_end() {
        let (_dir, mut store, user) = station();
        let today = store.today();
        let a = crate::simulate::people::applicant(3, 1, "331301", today);
        let mut ids = Vec::new();
        for _ in 0..2 {
            store.issue_ticket("A").expect("ticket");
            let id = store.call_next(&user).expect("call").expect("waiting");
            store
                .receive_file(&user, id, a.service, &a.biodata)
                .expect("received");
            ids.push(id);
        }
        let nik = a.biodata.nik.clone();
        let others = store.open_requests_with_nik(&nik, ids[1]).expect("query");
        assert_eq!(others.len(), 1);
        assert_eq!(others[0].id, ids[0]);
        assert_eq!(others[0].ticket, "A-001");
        assert_eq!(others[0].step, Step::FileReceived);
        assert!(
            store
                .open_requests_with_nik("3313010101900001", ids[1])
                .expect("query")
                .is_empty()
        );
        store.cancel(&user, ids[0], "pergi").expect("cancel");
        assert!(
            store
                .open_requests_with_nik(&nik, ids[1])
                .expect("query")
                .is_empty()
        );
    }
}

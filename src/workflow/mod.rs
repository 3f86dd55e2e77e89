//! The recording workflow: a state machine from the called ticket to the archived file.
//!
//! ```text
//! ticket_called -> file_received -> requirements_checked -> registered -> verified -> validated
//!   -> face -> fingerprints -> iris -> signature -> review -> recorded -> proof_handed_over -> archived
//! file_received --incomplete/ineligible--> returned      registered|verified --reject--> returned
//! any step before recorded --cancel--> cancelled | --defer--> deferred
//! review --redo(m)--> the capture step of m, and back to review once every capture is complete
//! ```
//! This module holds the pure rules ([`Step::after`]); [`engine`] persists each transition in one
//! transaction with its step event and audit row, so a killed station reopens on the exact step.

pub mod applicant_view;
pub mod capture;
pub mod close;
pub mod day;
pub mod decisions;
pub mod engine;
mod error;
pub mod queue;
pub mod settings;
pub mod survey;
pub mod timing;
pub mod view;

pub use crate::domain::biometric::{
    CaptureContent, CaptureInput, Encoding, ExceptionKind, Modality, capture_name,
};
pub use capture::{CaptureSummary, Recorded, blob_aad};
pub use close::{CloseError, DayClose, OpenItem, Reconciliation, TicketLine};
pub use engine::CheckOutcome;
pub use error::WorkflowError;
pub use view::RequestView;

use crate::domain::coded_enum;
use crate::domain::sop::SopStep;
use crate::lang::{Lang, Localize};

coded_enum! {
    /// The step a request is in.
    pub enum Step {
        /// The ticket was called; the applicant comes to the desk.
        TicketCalled = "ticket_called",
        /// The file and the biodata were taken in; the checklist is next.
        FileReceived = "file_received",
        /// Every requirement is there; registration is next.
        RequirementsChecked = "requirements_checked",
        /// Entered in the register book; waits for the supervisor's verification.
        Registered = "registered",
        /// Verified and initialled; waits for validation.
        Verified = "verified",
        /// Validated; waits for the operator to start recording.
        Validated = "validated",
        /// Capturing the face photo.
        Face = "face",
        /// Capturing the ten fingerprints.
        Fingerprints = "fingerprints",
        /// Capturing both irises.
        Iris = "iris",
        /// Capturing the signature.
        Signature = "signature",
        /// Every capture is there; the operator reviews them.
        Review = "review",
        /// Reviewed and stored: the record is ready for the day's batch.
        Recorded = "recorded",
        /// The proof of recording was handed over.
        ProofHandedOver = "proof_handed_over",
        /// The file is archived. Final.
        Archived = "archived",
        /// Returned to the applicant (incomplete, ineligible or rejected). Final.
        Returned = "returned",
        /// Cancelled (the applicant left, wrong ticket). Final.
        Cancelled = "cancelled",
        /// Put off (power cut, broken device): the applicant comes back. Final for this ticket.
        Deferred = "deferred",
    }
}

/// The order of the capture steps.
pub const CAPTURE_ORDER: [Modality; 4] = [
    Modality::Face,
    Modality::Finger,
    Modality::Iris,
    Modality::Signature,
];

impl Modality {
    /// The workflow step that captures this modality.
    pub fn step(self) -> Step {
        match self {
            Modality::Face => Step::Face,
            Modality::Finger => Step::Fingerprints,
            Modality::Iris => Step::Iris,
            Modality::Signature => Step::Signature,
        }
    }
}

/// Something done to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReceiveFile,
    CheckRequirements {
        complete: bool,
    },
    Register,
    Verify,
    Validate,
    Reject,
    BeginRecording,
    /// Leave a complete capture step for the next incomplete one (`None`: all complete, review).
    CompleteCapture {
        next_incomplete: Option<Modality>,
    },
    Redo(Modality),
    ApproveReview,
    HandOverProof,
    Archive,
    Cancel,
    Defer,
}

impl Action {
    /// The code written in the audit log (`request.<code>`).
    pub fn code(self) -> &'static str {
        match self {
            Action::ReceiveFile => "receive_file",
            Action::CheckRequirements { .. } => "check_requirements",
            Action::Register => "register",
            Action::Verify => "verify",
            Action::Validate => "validate",
            Action::Reject => "reject",
            Action::BeginRecording => "begin_recording",
            Action::CompleteCapture { .. } => "complete_capture",
            Action::Redo(_) => "redo",
            Action::ApproveReview => "approve_review",
            Action::HandOverProof => "hand_over_proof",
            Action::Archive => "archive",
            Action::Cancel => "cancel",
            Action::Defer => "defer",
        }
    }

    /// Only a supervisor verifies, validates or rejects.
    pub fn needs_supervisor(self) -> bool {
        matches!(self, Action::Verify | Action::Validate | Action::Reject)
    }
}

impl Step {
    /// No action leads out of a final step.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Step::Archived | Step::Returned | Step::Cancelled | Step::Deferred
        )
    }

    /// Whether the biometrics are stored for good: no cancelling or deferring from here on.
    pub fn is_recorded(self) -> bool {
        matches!(
            self,
            Step::Recorded | Step::ProofHandedOver | Step::Archived
        )
    }

    /// The modality captured in this step, if it is a capture step.
    pub fn capture_modality(self) -> Option<Modality> {
        CAPTURE_ORDER.into_iter().find(|m| m.step() == self)
    }

    /// The SOP step whose standard time this workflow step counts towards.
    pub fn sop_step(self) -> Option<SopStep> {
        Some(match self {
            Step::TicketCalled => SopStep::CallQueue,
            Step::FileReceived => SopStep::CheckRequirements,
            Step::RequirementsChecked => SopStep::Register,
            Step::Registered => SopStep::Verify,
            Step::Verified => SopStep::Validate,
            Step::Validated
            | Step::Face
            | Step::Fingerprints
            | Step::Iris
            | Step::Signature
            | Step::Review => SopStep::Record,
            Step::Recorded => SopStep::HandOverProof,
            Step::ProofHandedOver => SopStep::Archive,
            Step::Archived | Step::Returned | Step::Cancelled | Step::Deferred => return None,
        })
    }

    /// The step `action` leads to from this one, or why it may not be done here.
    pub fn after(self, action: Action) -> Result<Step, WorkflowError> {
        use Step::*;
        let next = match (self, action) {
            (TicketCalled, Action::ReceiveFile) => FileReceived,
            (FileReceived, Action::CheckRequirements { complete: true }) => RequirementsChecked,
            (FileReceived, Action::CheckRequirements { complete: false }) => Returned,
            (RequirementsChecked, Action::Register) => Registered,
            (Registered, Action::Verify) => Verified,
            (Verified, Action::Validate) => Validated,
            (Registered | Verified, Action::Reject) => Returned,
            (Validated, Action::BeginRecording) => Face,
            (
                Face | Fingerprints | Iris | Signature,
                Action::CompleteCapture { next_incomplete },
            ) => next_incomplete.map_or(Review, Modality::step),
            (Review, Action::Redo(m)) => m.step(),
            (Review, Action::ApproveReview) => Recorded,
            (Recorded, Action::HandOverProof) => ProofHandedOver,
            (ProofHandedOver, Action::Archive) => Archived,
            (s, Action::Cancel) if !s.is_final() && !s.is_recorded() => Cancelled,
            (s, Action::Defer) if !s.is_final() && !s.is_recorded() => Deferred,
            (step, action) => {
                return Err(WorkflowError::NotAllowed {
                    step,
                    action: action.code(),
                });
            }
        };
        Ok(next)
    }
}

impl Localize for Step {
    fn localize(&self, lang: Lang) -> String {
        use Step::*;
        match self {
            TicketCalled => lang.pick("Nomor antrian dipanggil", "Ticket called"),
            FileReceived => lang.pick("Berkas diterima", "File received"),
            RequirementsChecked => lang.pick("Persyaratan lengkap", "Requirements complete"),
            Registered => lang.pick("Tercatat di buku register", "Registered"),
            Verified => lang.pick("Terverifikasi", "Verified"),
            Validated => lang.pick("Tervalidasi", "Validated"),
            Face => lang.pick("Perekaman foto wajah", "Face photo"),
            Fingerprints => lang.pick("Perekaman sidik jari", "Fingerprints"),
            Iris => lang.pick("Perekaman iris mata", "Irises"),
            Signature => lang.pick("Perekaman tanda tangan", "Signature"),
            Review => lang.pick("Pemeriksaan hasil rekaman", "Review"),
            Recorded => lang.pick("Terekam", "Recorded"),
            ProofHandedOver => lang.pick("Surat keterangan diserahkan", "Proof handed over"),
            Archived => lang.pick("Diarsipkan", "Archived"),
            Returned => lang.pick("Dikembalikan ke pemohon", "Returned to the applicant"),
            Cancelled => lang.pick("Dibatalkan", "Cancelled"),
            Deferred => lang.pick("Ditunda", "Deferred"),
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_visits_every_step_in_order() {
        let actions = [
            Action::ReceiveFile,
            Action::CheckRequirements { complete: true },
            Action::Register,
            Action::Verify,
            Action::Validate,
            Action::BeginRecording,
            Action::CompleteCapture {
                next_incomplete: Some(Modality::Finger),
            },
            Action::CompleteCapture {
                next_incomplete: Some(Modality::Iris),
            },
            Action::CompleteCapture {
                next_incomplete: Some(Modality::Signature),
            },
            Action::CompleteCapture {
                next_incomplete: None,
            },
            Action::ApproveReview,
            Action::HandOverProof,
            Action::Archive,
        ];
        let mut step = Step::TicketCalled;
        let mut seen = vec![step];
        for a in actions {
            step = step.after(a).expect("allowed");
            seen.push(step);
        }
        let expected: Vec<Step> = Step::ALL
            .iter()
            .copied()
            .filter(|s| !matches!(s, Step::Returned | Step::Cancelled | Step::Deferred))
            .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn no_step_can_be_skipped() {
        assert!(Step::TicketCalled.after(Action::Register).is_err());
        assert!(
            Step::Registered.after(Action::Validate).is_err(),
            "validate before verify"
        );
        assert!(Step::Verified.after(Action::BeginRecording).is_err());
        assert!(
            Step::Face.after(Action::ApproveReview).is_err(),
            "review before captures"
        );
        assert!(
            Step::Validated
                .after(Action::CompleteCapture {
                    next_incomplete: None
                })
                .is_err()
        );
        assert!(Step::Review.after(Action::Archive).is_err());
    }

    #[test]
    fn nothing_leaves_a_final_step_and_recorded_data_is_not_cancelled() {
        for s in Step::ALL.iter().filter(|s| s.is_final()) {
            assert!(
                s.after(Action::Cancel).is_err() && s.after(Action::Defer).is_err(),
                "{s}"
            );
            assert!(s.after(Action::ReceiveFile).is_err());
        }
        assert!(Step::Recorded.after(Action::Cancel).is_err());
        assert_eq!(
            Step::Fingerprints.after(Action::Defer).ok(),
            Some(Step::Deferred)
        );
        assert_eq!(
            Step::TicketCalled.after(Action::Cancel).ok(),
            Some(Step::Cancelled)
        );
    }

    #[test]
    fn return_paths() {
        assert_eq!(
            Step::FileReceived
                .after(Action::CheckRequirements { complete: false })
                .ok(),
            Some(Step::Returned)
        );
        assert_eq!(
            Step::Registered.after(Action::Reject).ok(),
            Some(Step::Returned)
        );
        assert_eq!(
            Step::Verified.after(Action::Reject).ok(),
            Some(Step::Returned)
        );
        assert!(Step::Validated.after(Action::Reject).is_err());
        assert_eq!(
            Step::Review.after(Action::Redo(Modality::Iris)).ok(),
            Some(Step::Iris)
        );
    }

    #[test]
    fn the_open_requests_index_names_exactly_the_final_steps() {
        let schema = include_str!("../../schema.sql");
        let finals: Vec<String> = Step::ALL
            .iter()
            .filter(|s| s.is_final())
            .map(|s| format!("'{s}'"))
            .collect();
        assert!(schema.contains(&format!("WHERE step NOT IN ({})", finals.join(", "))));
    }

    #[test]
    fn every_live_step_counts_towards_an_sop_step() {
        for s in Step::ALL {
            assert_eq!(s.sop_step().is_some(), !s.is_final(), "{s}");
        }
    }
}

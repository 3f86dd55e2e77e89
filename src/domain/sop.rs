//! The steps of the standard operating procedure (SOP) with their standard times (baku mutu),
//! merged from the five offices' SOPs in the seeds. Every request's step events are measured
//! against these.

use std::time::Duration;

use super::coded_enum;
use crate::lang::{Lang, Localize};

coded_enum! {
    /// A step of the SOP, in order.
    pub enum SopStep {
        CallQueue = "call_queue",
        CheckRequirements = "check_requirements",
        Register = "register",
        Verify = "verify",
        Validate = "validate",
        Record = "record",
        HandOverProof = "hand_over_proof",
        Archive = "archive",
    }
}

impl SopStep {
    /// The standard time range in minutes (the seeds differ between offices; the range spans them).
    pub fn standard_minutes(self) -> (u32, u32) {
        match self {
            SopStep::CallQueue => (1, 1),
            SopStep::CheckRequirements => (1, 5),
            SopStep::Register => (1, 3),
            SopStep::Verify => (3, 3),
            SopStep::Validate => (2, 2),
            SopStep::Record => (5, 10),
            SopStep::HandOverProof => (1, 3),
            SopStep::Archive => (1, 1),
        }
    }

    /// The time a step may take before it counts as late: the upper end of its standard.
    pub fn standard(self) -> Duration {
        Duration::from_secs(u64::from(self.standard_minutes().1) * 60)
    }

    /// Who does it, as the SOPs name them.
    pub fn performer(self, lang: Lang) -> &'static str {
        match self {
            SopStep::CallQueue | SopStep::Record => lang.pick("Operator", "Operator"),
            SopStep::CheckRequirements
            | SopStep::Register
            | SopStep::HandOverProof
            | SopStep::Archive => lang.pick("Petugas loket", "Counter clerk"),
            SopStep::Verify => lang.pick("Kasi Pemerintahan/Pelayanan", "Section head"),
            SopStep::Validate => {
                lang.pick("Camat / Sekcam / Kasi", "Camat / secretary / section head")
            }
        }
    }
}

/// The whole service at the desk should take at most this long (seeds: 10-15 minutes).
pub const SERVICE_STANDARD: Duration = Duration::from_secs(15 * 60);

impl Localize for SopStep {
    fn localize(&self, lang: Lang) -> String {
        match self {
            SopStep::CallQueue => lang.pick("Pemanggilan nomor antrian", "Call the queue number"),
            SopStep::CheckRequirements => {
                lang.pick("Pemeriksaan kelengkapan berkas", "Check the requirements")
            }
            SopStep::Register => {
                lang.pick("Pencatatan di buku register", "Enter in the register book")
            }
            SopStep::Verify => lang.pick("Verifikasi dan paraf", "Verify and initial"),
            SopStep::Validate => lang.pick("Validasi", "Validate"),
            SopStep::Record => lang.pick("Perekaman biometrik", "Record the biometrics"),
            SopStep::HandOverProof => lang.pick(
                "Penyerahan surat keterangan perekaman",
                "Hand over the proof of recording",
            ),
            SopStep::Archive => lang.pick("Pengarsipan berkas", "Archive the file"),
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_times_add_up_to_the_service_promise() {
        // The seeds promise 10-15 minutes at the desk: the lower ends of the standards fit in that.
        let lower: u32 = SopStep::ALL.iter().map(|s| s.standard_minutes().0).sum();
        assert!(lower <= 15, "{lower}");
        assert_eq!(SopStep::Record.standard(), Duration::from_secs(600));
    }
}

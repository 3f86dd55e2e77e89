//! Service types (jenis layanan) and the documents each requires (persyaratan), from the seeds.

use serde::Serialize;

use super::coded_enum;
use crate::lang::{Lang, Localize};

coded_enum! {
    /// What the applicant comes for.
    pub enum ServiceType {
        /// First recording (rekam baru / pemula).
        RekamBaru = "rekam_baru",
        /// Replacement of a damaged card (ganti: rusak).
        GantiRusak = "ganti_rusak",
        /// Replacement of a lost card (ganti: hilang).
        GantiHilang = "ganti_hilang",
        /// Change of data or status: marital status, address, name, photo (perubahan data/status).
        PerubahanData = "perubahan_data",
        /// Newcomer from another regency (pindah datang).
        PindahDatang = "pindah_datang",
        /// Citizen coming back from abroad (datang dari luar negeri).
        DatangLuarNegeri = "datang_luar_negeri",
    }
}

coded_enum! {
    /// A document on the checklist.
    pub enum Requirement {
        /// Fotokopi Kartu Keluarga terbaru.
        KkCopy = "kk_copy",
        /// Akta kelahiran or the last diploma (ijazah), as proof of age.
        ProofOfAge = "proof_of_age",
        /// Formulir F-1.02 / F-1.07 (older offices: F-1 signed by the village head, RT/RW letter).
        BiodataForm = "biodata_form",
        /// The original KIA, for a first recording by someone who has one.
        KiaOriginal = "kia_original",
        /// Marriage book or certificate, for an applicant under 17 who is or was married.
        MarriageProof = "marriage_proof",
        /// Surat Keterangan Pindah from the regency of origin.
        MovingLetter = "moving_letter",
        /// Surat Keterangan Datang dari Luar Negeri.
        ArrivalFromAbroadLetter = "arrival_from_abroad_letter",
        /// The old KTP-el, original.
        OldCard = "old_card",
        /// The damaged KTP-el.
        DamagedCard = "damaged_card",
        /// Police report of the loss (surat keterangan kehilangan).
        PoliceReport = "police_report",
        /// Evidence of the change: marriage book, divorce or death certificate, etc.
        ChangeEvidence = "change_evidence",
    }
}

/// Whether a document must always be there, or only in some cases the operator judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Required,
    IfApplicable,
}

coded_enum! {
    /// The operator's finding for one document.
    pub enum Check {
        Present = "present",
        Missing = "missing",
        NotApplicable = "not_applicable",
    }
}

impl ServiceType {
    /// The checklist of this service, in the order the operator checks it.
    pub fn requirements(self) -> &'static [(Requirement, Need)] {
        use Need::*;
        use Requirement::*;
        match self {
            ServiceType::RekamBaru => &[
                (KkCopy, Required),
                (ProofOfAge, Required),
                (BiodataForm, Required),
                (KiaOriginal, IfApplicable),
                (MarriageProof, IfApplicable),
            ],
            ServiceType::PindahDatang => &[
                (KkCopy, Required),
                (ProofOfAge, Required),
                (BiodataForm, Required),
                (MovingLetter, Required),
                (MarriageProof, IfApplicable),
            ],
            ServiceType::DatangLuarNegeri => &[
                (KkCopy, Required),
                (ProofOfAge, Required),
                (BiodataForm, Required),
                (ArrivalFromAbroadLetter, Required),
                (MarriageProof, IfApplicable),
            ],
            ServiceType::GantiRusak => &[(KkCopy, Required), (DamagedCard, Required)],
            ServiceType::GantiHilang => &[(KkCopy, Required), (PoliceReport, Required)],
            ServiceType::PerubahanData => &[
                (KkCopy, Required),
                (OldCard, Required),
                (ChangeEvidence, Required),
            ],
        }
    }

    /// Whether the applicant already holds (or held) a KTP-el: replacement services.
    pub fn is_replacement(self) -> bool {
        matches!(
            self,
            ServiceType::GantiRusak | ServiceType::GantiHilang | ServiceType::PerubahanData
        )
    }
}

/// Why a checklist does not let the file go on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incomplete {
    /// Documents that are required, or applicable, and not there: the list handed to the applicant.
    pub missing: Vec<Requirement>,
    /// Findings that make no sense, e.g. "not applicable" for a required document, or a document
    /// that is not on this service's checklist.
    pub invalid: Vec<Requirement>,
}

/// Evaluates the operator's findings against the service's checklist. An item without a finding
/// counts as missing.
pub fn evaluate(service: ServiceType, findings: &[(Requirement, Check)]) -> Result<(), Incomplete> {
    let list = service.requirements();
    let mut incomplete = Incomplete {
        missing: vec![],
        invalid: vec![],
    };
    for (req, _) in findings {
        if !list.iter().any(|(r, _)| r == req) {
            incomplete.invalid.push(*req);
        }
    }
    for (req, need) in list {
        let finding = findings
            .iter()
            .rev()
            .find(|(r, _)| r == req)
            .map(|(_, c)| *c);
        match (need, finding) {
            (_, Some(Check::Present)) | (Need::IfApplicable, Some(Check::NotApplicable)) => {}
            (Need::Required, Some(Check::NotApplicable)) => incomplete.invalid.push(*req),
            (_, Some(Check::Missing) | None) => incomplete.missing.push(*req),
        }
    }
    if incomplete.missing.is_empty() && incomplete.invalid.is_empty() {
        Ok(())
    } else {
        Err(incomplete)
    }
}

impl Localize for ServiceType {
    fn localize(&self, lang: Lang) -> String {
        match self {
            ServiceType::RekamBaru => lang.pick("Rekam baru", "First recording"),
            ServiceType::GantiRusak => lang.pick("Ganti KTP-el rusak", "Replace a damaged card"),
            ServiceType::GantiHilang => lang.pick("Ganti KTP-el hilang", "Replace a lost card"),
            ServiceType::PerubahanData => {
                lang.pick("Perubahan data/status", "Change of data or status")
            }
            ServiceType::PindahDatang => {
                lang.pick("Pindah datang", "Newcomer from another regency")
            }
            ServiceType::DatangLuarNegeri => {
                lang.pick("Datang dari luar negeri", "Returning from abroad")
            }
        }
        .to_owned()
    }
}

impl Localize for Requirement {
    fn localize(&self, lang: Lang) -> String {
        use Requirement::*;
        match self {
            KkCopy => lang.pick(
                "Fotokopi Kartu Keluarga (KK) terbaru",
                "Copy of the latest family card (KK)",
            ),
            ProofOfAge => lang.pick(
                "Akta kelahiran atau ijazah terakhir (bukti umur)",
                "Birth certificate or last diploma (proof of age)",
            ),
            BiodataForm => lang.pick(
                "Formulir biodata F-1.02 / F-1.07",
                "Biodata form F-1.02 / F-1.07",
            ),
            KiaOriginal => lang.pick(
                "KIA asli (bagi yang memiliki)",
                "Original child ID card (KIA), if any",
            ),
            MarriageProof => lang.pick(
                "Buku nikah / akta perkawinan (bagi yang belum 17 tahun)",
                "Marriage book or certificate (if under 17)",
            ),
            MovingLetter => lang.pick(
                "Surat Keterangan Pindah dari daerah asal",
                "Moving letter from the regency of origin",
            ),
            ArrivalFromAbroadLetter => lang.pick(
                "Surat Keterangan Datang dari Luar Negeri",
                "Certificate of arrival from abroad",
            ),
            OldCard => lang.pick("KTP-el lama (asli)", "The old KTP-el (original)"),
            DamagedCard => lang.pick("KTP-el yang rusak", "The damaged KTP-el"),
            PoliceReport => lang.pick(
                "Surat keterangan kehilangan dari kepolisian",
                "Police report of the loss",
            ),
            ChangeEvidence => lang.pick(
                "Bukti perubahan (buku nikah, akta cerai, akta kematian)",
                "Evidence of the change (marriage book, divorce or death certificate)",
            ),
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Check::*;
    use Requirement::*;

    #[test]
    fn complete_file_passes() {
        let f = [
            (KkCopy, Present),
            (ProofOfAge, Present),
            (BiodataForm, Present),
            (KiaOriginal, NotApplicable),
        ];
        // MarriageProof has no finding: an if-applicable item with no finding counts as missing.
        assert_eq!(
            evaluate(ServiceType::RekamBaru, &f),
            Err(Incomplete {
                missing: vec![MarriageProof],
                invalid: vec![]
            })
        );
        let mut f = f.to_vec();
        f.push((MarriageProof, NotApplicable));
        assert_eq!(evaluate(ServiceType::RekamBaru, &f), Ok(()));
    }

    #[test]
    fn missing_documents_are_listed_in_checklist_order() {
        let r = evaluate(ServiceType::GantiHilang, &[(PoliceReport, Missing)]);
        assert_eq!(
            r,
            Err(Incomplete {
                missing: vec![KkCopy, PoliceReport],
                invalid: vec![]
            })
        );
    }

    #[test]
    fn required_cannot_be_waived_and_foreign_items_are_flagged() {
        let r = evaluate(
            ServiceType::GantiRusak,
            &[
                (KkCopy, NotApplicable),
                (DamagedCard, Present),
                (MovingLetter, Present),
            ],
        );
        assert_eq!(
            r,
            Err(Incomplete {
                missing: vec![],
                invalid: vec![MovingLetter, KkCopy]
            })
        );
    }

    #[test]
    fn every_service_needs_the_family_card() {
        for s in ServiceType::ALL {
            assert_eq!(s.requirements()[0], (KkCopy, Need::Required), "{s}");
            assert!(!s.localize(Lang::Id).is_empty());
        }
        assert_eq!("ganti_hilang".parse(), Ok(ServiceType::GantiHilang));
        assert!("ganti".parse::<ServiceType>().is_err());
    }
}

//! What every quality gate returns, whatever the modality: a list of named checks, each with what
//! was measured, a score and the words for the operator, and the verdict.
//!
//! The checks of each modality live in their own module ([`super::face`], [`super::finger`],
//! [`super::iris`], [`super::signature`]); they all report an [`Assessment`], which the capture
//! screens show, the auto-capture policy ([`super::policy`]) ranks, the store keeps with every
//! decision, and `rekam quality` prints.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// The modality an assessment is of (the store's own).
pub use crate::domain::Modality;

/// One check: what it looks at, whether it passes, and what to tell the operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable snake_case name of the check within its modality (`background`, `face_count`,
    /// `ink`, ...): what settings, tests and the store refer to.
    pub check: String,
    pub pass: bool,
    /// How well it passes, 0-100; a failing check scores low (often 0).
    pub score: u8,
    /// What was measured, in the unit the check's documentation gives.
    pub value: f64,
    /// The sentence for the operator in Bahasa Indonesia: on failure what is wrong and what to
    /// do about it, on success what was found.
    pub id: String,
    /// The same sentence in English.
    pub en: String,
}

impl Finding {
    /// A finding with its two sentences.
    pub fn new(
        check: &str,
        pass: bool,
        score: f64,
        value: f64,
        id: impl Into<String>,
        en: impl Into<String>,
    ) -> Finding {
        Finding {
            check: check.to_owned(),
            pass,
            score: if score.is_nan() {
                0
            } else {
                score.round().clamp(0.0, 100.0) as u8
            },
            // Stored as JSON, which has no NaN or infinity.
            value: if value.is_finite() { value } else { 0.0 },
            id: id.into(),
            en: en.into(),
        }
    }

    /// The operator's sentence in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
}

/// The outcome of one modality's quality gate on one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub modality: Modality,
    /// Every check that ran, in the order the module documents.
    pub findings: Vec<Finding>,
    /// The overall quality, 0-100, that attempts are ranked by.
    pub score: u8,
    /// Every check passes.
    pub acceptable: bool,
}

impl Assessment {
    /// An assessment whose verdict is that every finding passes.
    pub fn new(modality: Modality, score: u8, findings: Vec<Finding>) -> Assessment {
        let acceptable = findings.iter().all(|f| f.pass);
        Assessment {
            modality,
            findings,
            score: score.min(100),
            acceptable,
        }
    }

    /// An assessment scored from its findings: the mean of their scores, at least 41 when every
    /// one passes and at most 40 otherwise (so that the score alone tells a passing frame from
    /// a failing one).
    pub fn from_findings(modality: Modality, findings: Vec<Finding>) -> Assessment {
        let all = findings.iter().all(|f| f.pass);
        let mean =
            findings.iter().map(|f| u32::from(f.score)).sum::<u32>() / findings.len().max(1) as u32;
        let score = if all { mean.max(41) } else { mean.min(40) };
        Assessment::new(modality, u8::try_from(score).unwrap_or(100), findings)
    }

    pub fn get(&self, check: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.check == check)
    }

    /// The checks that fail, in order.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.pass)
    }

    /// The first failing check's sentence: what the operator should hear first.
    pub fn first_problem(&self, lang: Lang) -> Option<&str> {
        self.failures().next().map(|f| f.message(lang))
    }
}

/// Where `v` lies between `lo` (0) and `hi` (100), clamped: the usual way a measured value becomes
/// a score. `lo` may be greater than `hi` for checks where less is better.
pub fn ramp(v: f64, lo: f64, hi: f64) -> f64 {
    if hi == lo {
        return if v >= hi { 100.0 } else { 0.0 };
    }
    (100.0 * (v - lo) / (hi - lo)).clamp(0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_and_first_problem() {
        let a = Assessment::new(
            Modality::Face,
            70,
            vec![
                Finding::new("one", true, 90.0, 1.0, "satu", "one"),
                Finding::new("two", false, 10.0, 2.0, "dua salah", "two wrong"),
                Finding::new("three", false, 0.0, 3.0, "tiga salah", "three wrong"),
            ],
        );
        assert!(!a.acceptable);
        assert_eq!(a.first_problem(Lang::Id), Some("dua salah"));
        assert_eq!(a.first_problem(Lang::En), Some("two wrong"));
        assert_eq!(a.failures().count(), 2);
        assert_eq!(a.get("three").map(|f| f.value), Some(3.0));
        let mixed = Assessment::from_findings(Modality::Face, a.findings.clone());
        assert_eq!(mixed.score, 33, "mean 33, failing");
        let passing = Assessment::from_findings(
            Modality::Face,
            vec![Finding::new("one", true, 20.0, 1.0, "satu", "one")],
        );
        assert_eq!(passing.score, 41, "at least 41 when all pass");
        let ok = Assessment::new(Modality::Iris, 200, vec![]);
        assert!(ok.acceptable);
        assert_eq!(ok.score, 100);
    }

    #[test]
    fn ramps_both_ways() {
        assert_eq!(ramp(5.0, 0.0, 10.0), 50.0);
        assert_eq!(ramp(-1.0, 0.0, 10.0), 0.0);
        assert_eq!(ramp(2.0, 10.0, 0.0), 80.0);
        assert_eq!(ramp(3.0, 3.0, 3.0), 100.0);
    }
}

//! `rekam nik` and `rekam kk`: a number decoded and checked, as text or JSON.

use super::*;

pub(crate) fn region_row(r: &rekam::domain::region::Region, lang: Lang) -> (&'static str, String) {
    (
        lang.pick("Wilayah", "Region"),
        format!(
            "{} / {} / {} ({})",
            r.province, r.regency, r.kecamatan, r.code
        ),
    )
}

/// Prints a NIK or No. KK report as text (the decoded `rows`, then errors and warnings) or as
/// JSON; exit status 2 when invalid.
pub(crate) fn print_number<T: serde::Serialize>(
    input: &str,
    report: &Report<T>,
    json: bool,
    lang: Lang,
    rows: impl Fn(&T) -> Vec<(&'static str, String)>,
) -> anyhow::Result<ExitCode> {
    let kind = report.kind;
    let errors: Vec<_> = report
        .errors
        .iter()
        .map(|e| json!({ "error": e, "message": Described(kind, e).localize(lang) }))
        .collect();
    let warnings: Vec<_> = report
        .warnings
        .iter()
        .map(|w| json!({ "warning": w, "message": Described(kind, w).localize(lang) }))
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        let doc = json!({
            "input": input,
            "valid": report.is_valid(),
            "decoded": report.value,
            "errors": errors,
            "warnings": warnings,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        let label = if kind == NumberKind::Nik {
            "NIK"
        } else {
            "No. KK"
        };
        let verdict = if report.is_valid() {
            lang.pick("SAH", "VALID")
        } else {
            lang.pick("TIDAK SAH", "INVALID")
        };
        writeln!(out, "{label} {}: {verdict}", input.trim())?;
        for (label, value) in report.value.as_ref().map(&rows).unwrap_or_default() {
            writeln!(out, "  {label:<14}: {value}")?;
        }
        for e in &errors {
            writeln!(
                out,
                "  {}: {}",
                lang.pick("Kesalahan", "Error"),
                e["message"].as_str().unwrap_or_default()
            )?;
        }
        for w in &warnings {
            writeln!(
                out,
                "  {}: {}",
                lang.pick("Peringatan", "Warning"),
                w["message"].as_str().unwrap_or_default()
            )?;
        }
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

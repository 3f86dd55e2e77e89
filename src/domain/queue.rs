//! Queue ticket codes (`A-001`, per day and prefix) and register numbers (per day and station).
//! Both are handed out by the store from counters that only ever go up, so none is ever reused.

use chrono::NaiveDate;
use serde::Serialize;

/// A queue ticket as printed and called out: a prefix letter and a number per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TicketCode {
    pub prefix: char,
    pub number: u32,
}

impl std::fmt::Display for TicketCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:03}", self.prefix, self.number)
    }
}

impl std::str::FromStr for TicketCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (p, n) = s
            .trim()
            .split_once('-')
            .ok_or_else(|| format!("'{s}' is not a ticket code like A-001"))?;
        let prefix = valid_prefix(p)?;
        let number = n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("'{n}' is not a ticket number"))?;
        Ok(TicketCode { prefix, number })
    }
}

/// A ticket prefix is one capital letter A-Z.
pub fn valid_prefix(p: &str) -> Result<char, String> {
    let mut chars = p.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_uppercase() => Ok(c),
        _ => Err(format!(
            "ticket prefix '{p}' must be one capital letter A-Z"
        )),
    }
}

/// The register number (nomor register) of a request, as written in the register book:
/// `KKKKKK-SS-YYYYMMDD-NNNN`, kecamatan code, station id, date, sequence of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterNumber {
    pub kecamatan: String,
    pub station: String,
    pub date: NaiveDate,
    pub seq: u32,
}

impl std::fmt::Display for RegisterNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}-{}-{:04}",
            self.kecamatan,
            self.station,
            self.date.format("%Y%m%d"),
            self.seq
        )
    }
}

/// A station id is 1 to 8 capital letters or digits (`01`, `MEJA2`).
pub fn valid_station_id(s: &str) -> bool {
    (1..=8).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_codes_round_trip() {
        let t = TicketCode {
            prefix: 'A',
            number: 7,
        };
        assert_eq!(t.to_string(), "A-007");
        assert_eq!("A-007".parse(), Ok(t));
        assert_eq!(
            TicketCode {
                prefix: 'B',
                number: 1234
            }
            .to_string(),
            "B-1234"
        );
        assert!("a-001".parse::<TicketCode>().is_err());
        assert!("A-000".parse::<TicketCode>().is_err());
        assert!("A001".parse::<TicketCode>().is_err());
    }

    #[test]
    fn register_number_format() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
        let r = RegisterNumber {
            kecamatan: "331301".into(),
            station: "01".into(),
            date,
            seq: 7,
        };
        assert_eq!(r.to_string(), "331301-01-20261121-0007");
        assert!(valid_station_id("MEJA2") && !valid_station_id("meja") && !valid_station_id(""));
    }
}

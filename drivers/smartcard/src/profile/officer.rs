//! The officer card: a station officer's identity (officer id, name, role) behind a PIN, used to
//! log in. Application `F0 52 45 4B 41 4D 01`; PIN reference `81`; file `0101` readable once the
//! PIN is verified in the current card session.
//!
//! ```text
//! 00 A4 04 00 07 F0 52 45 4B 41 4D 01 00    SELECT the officer application
//! 00 20 00 81                               VERIFY, no data: 63Cx = x tries left, 9000 = verified
//! 00 20 00 81 08 <PIN, ASCII, FF-padded>    VERIFY: 9000, 63Cx (wrong, x left), 6983 (blocked)
//! 00 A4 02 0C 02 01 01                      SELECT EF 0101
//! 00 B0 00 00 80                            READ BINARY (6Cxx / 61xx handled by `exchange`)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    OFFICER_AID, fields, read_template_file, required, select_application, select_file, template,
    text_field,
};
use crate::SmartcardError;
use crate::apdu::{Command, StatusWord, ins};
use crate::error::CardKind;
use crate::tlv;
use crate::transport::{CardTransport, exchange, transceive};

/// The EF holding the officer template.
pub const EF_OFFICER: u16 = 0x0101;
/// VERIFY P2: specific (application) reference data number 1.
pub const PIN_REFERENCE: u8 = 0x81;
/// A PIN is sent as ASCII digits padded with FF to this length.
pub const PIN_BLOCK_LEN: usize = 8;
/// Tries a card allows before blocking (the retry counter's reset value).
pub const PIN_TRIES: u8 = 3;

/// Tags inside the `70` template of EF 0101.
pub mod tag {
    pub const OFFICER_ID: u8 = 0x80;
    pub const NAME: u8 = 0x81;
    pub const ROLE: u8 = 0x82;
}
/// Field size limits, in bytes.
pub const MAX_OFFICER_ID: usize = 32;
pub const MAX_NAME: usize = 120;

/// What an officer may do at the station; the same codes as the station's user roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficerRole {
    Operator,
    Supervisor,
}

impl OfficerRole {
    /// The byte stored on the card.
    pub fn code(self) -> u8 {
        match self {
            OfficerRole::Operator => 0x01,
            OfficerRole::Supervisor => 0x02,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0x01 => Some(OfficerRole::Operator),
            0x02 => Some(OfficerRole::Supervisor),
            _ => None,
        }
    }

    /// `"operator"` / `"supervisor"`.
    pub fn as_str(self) -> &'static str {
        match self {
            OfficerRole::Operator => "operator",
            OfficerRole::Supervisor => "supervisor",
        }
    }
}

impl fmt::Display for OfficerRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The contents of an officer card.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfficerCard {
    /// The officer's NIP or station user name: printable ASCII, 1 to 32 bytes.
    pub officer_id: String,
    /// Full name, UTF-8, 1 to 120 bytes.
    pub name: String,
    pub role: OfficerRole,
}

impl OfficerCard {
    /// The bytes of EF 0101: `70 L { 80 id, 81 name, 82 01 role }`.
    pub fn encode(&self) -> Result<Vec<u8>, SmartcardError> {
        check_officer_id(self.officer_id.as_bytes())?;
        text_field(self.name.as_bytes(), "officer name", MAX_NAME)?;
        let mut body = Vec::new();
        tlv::write(&mut body, tag::OFFICER_ID, self.officer_id.as_bytes());
        tlv::write(&mut body, tag::NAME, self.name.as_bytes());
        tlv::write(&mut body, tag::ROLE, &[self.role.code()]);
        Ok(template(&body))
    }

    /// Reads the value of the `70` template of EF 0101.
    pub fn decode(template: &[u8]) -> Result<OfficerCard, SmartcardError> {
        let f = fields(template)?;
        let id = required(&f, tag::OFFICER_ID.into(), "officer id")?;
        check_officer_id(id)?;
        let name = text_field(
            required(&f, tag::NAME.into(), "officer name")?,
            "officer name",
            MAX_NAME,
        )?;
        let role = match required(&f, tag::ROLE.into(), "officer role")? {
            [code] => OfficerRole::from_code(*code).ok_or_else(|| {
                SmartcardError::invalid_data(format!("unknown officer role code {code:02X}"))
            })?,
            other => {
                return Err(SmartcardError::invalid_data(format!(
                    "the officer role is {} bytes, not 1",
                    other.len()
                )));
            }
        };
        Ok(OfficerCard {
            officer_id: String::from_utf8_lossy(id).into_owned(),
            name,
            role,
        })
    }
}

fn check_officer_id(id: &[u8]) -> Result<(), SmartcardError> {
    if id.is_empty() || id.len() > MAX_OFFICER_ID || !id.iter().all(|b| (0x21..=0x7E).contains(b)) {
        return Err(SmartcardError::invalid_data(format!(
            "the officer id must be 1 to {MAX_OFFICER_ID} printable ASCII characters without spaces"
        )));
    }
    Ok(())
}

/// The PIN as sent in VERIFY: 4 to 8 ASCII digits, padded with FF to 8 bytes.
pub fn pin_block(pin: &str) -> Result<[u8; PIN_BLOCK_LEN], SmartcardError> {
    let digits = pin.as_bytes();
    if !(4..=PIN_BLOCK_LEN).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return Err(SmartcardError::InvalidPinFormat);
    }
    let mut block = [0xFF; PIN_BLOCK_LEN];
    block[..digits.len()].copy_from_slice(digits);
    Ok(block)
}

/// What the card says about its PIN, asked without spending a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinStatus {
    /// Verified in this card session.
    Verified,
    /// Not verified; this many tries remain.
    RetriesLeft(u8),
    Blocked,
}

/// SELECT the officer application (`WrongCard` if the card has none).
pub fn select(t: &mut (impl CardTransport + ?Sized)) -> Result<(), SmartcardError> {
    select_application(t, &OFFICER_AID, CardKind::Officer)
}

/// Reads the retry counter without spending a try: VERIFY with no data answers 9000 when the
/// PIN is already verified, 63Cx with the tries left, 6983 when blocked.
pub fn pin_status(t: &mut (impl CardTransport + ?Sized)) -> Result<PinStatus, SmartcardError> {
    select(t)?;
    let query = Command::new(0x00, ins::VERIFY, 0x00, PIN_REFERENCE);
    let sw = transceive(t, &query)?.sw();
    if sw == StatusWord::SUCCESS {
        return Ok(PinStatus::Verified);
    }
    match sw.retry_counter() {
        Some(0) => Ok(PinStatus::Blocked),
        Some(n) => Ok(PinStatus::RetriesLeft(n)),
        None if sw == StatusWord::AUTH_BLOCKED => Ok(PinStatus::Blocked),
        None => sw.check().and(Err(SmartcardError::protocol(format!(
            "VERIFY without data answered {sw}"
        )))),
    }
}

/// SELECT the officer application and VERIFY `pin`. A malformed PIN is refused before anything
/// is sent (no try spent). Errors: `WrongPin { retries_left }` (63Cx), `PinBlocked` (6983, or
/// 63C0 on the last try), `WrongCard`.
pub fn verify_pin(t: &mut (impl CardTransport + ?Sized), pin: &str) -> Result<(), SmartcardError> {
    let block = pin_block(pin)?;
    select(t)?;
    let verify = Command::new(0x00, ins::VERIFY, 0x00, PIN_REFERENCE).with_data(block);
    exchange(t, &verify).map(|_| ())
}

/// SELECT the officer application (kept selected, so a verified PIN stays verified), SELECT EF
/// 0101 and read it. Without a verified PIN the card answers 6982: `SecurityNotSatisfied`.
pub fn read(t: &mut (impl CardTransport + ?Sized)) -> Result<OfficerCard, SmartcardError> {
    select(t)?;
    select_file(t, EF_OFFICER)?;
    OfficerCard::decode(&read_template_file(t)?)
}

/// Login: [`verify_pin`] then [`read`].
pub fn login(
    t: &mut (impl CardTransport + ?Sized),
    pin: &str,
) -> Result<OfficerCard, SmartcardError> {
    verify_pin(t, pin)?;
    read(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budi() -> OfficerCard {
        OfficerCard {
            officer_id: "198703122010011004".into(),
            name: "Budi Santoso".into(),
            role: OfficerRole::Supervisor,
        }
    }

    #[test]
    fn encodes_the_documented_bytes() {
        let bytes = budi().encode().unwrap();
        let mut want = vec![0x70, 0x25, 0x80, 0x12];
        want.extend_from_slice(b"198703122010011004");
        want.extend_from_slice(&[0x81, 0x0C]);
        want.extend_from_slice(b"Budi Santoso");
        want.extend_from_slice(&[0x82, 0x01, 0x02]);
        assert_eq!(bytes, want);
        assert_eq!(OfficerCard::decode(&bytes[2..]).unwrap(), budi());
    }

    #[test]
    fn refuses_malformed_fields() {
        let mut c = budi();
        c.officer_id = "with space".into();
        assert!(c.encode().is_err());
        c.officer_id = String::new();
        assert!(c.encode().is_err());
        let mut c = budi();
        c.name = "x".repeat(121);
        assert!(c.encode().is_err());
        // Role code 03, a duplicated tag, a missing field.
        assert!(OfficerCard::decode(&[0x80, 1, b'A', 0x81, 1, b'B', 0x82, 1, 3]).is_err());
        assert!(
            OfficerCard::decode(&[0x80, 1, b'A', 0x80, 1, b'A', 0x81, 1, b'B', 0x82, 1, 1])
                .is_err()
        );
        assert!(OfficerCard::decode(&[0x80, 1, b'A', 0x82, 1, 1]).is_err());
        // An unknown extra field is tolerated.
        let ok = OfficerCard::decode(&[0x80, 1, b'A', 0x81, 1, b'B', 0x82, 1, 1, 0x90, 0]).unwrap();
        assert_eq!(ok.role, OfficerRole::Operator);
    }

    #[test]
    fn pin_blocks_are_ascii_padded_with_ff() {
        assert_eq!(
            pin_block("1234").unwrap(),
            [0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(pin_block("12345678").unwrap(), *b"12345678");
        for bad in ["", "123", "123456789", "12a4", "١٢٣٤"] {
            assert_eq!(
                pin_block(bad),
                Err(SmartcardError::InvalidPinFormat),
                "{bad}"
            );
        }
    }
}

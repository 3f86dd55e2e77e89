//! The applicant card: NIK and name read from an applicant's existing card, to prefill a
//! replacement request. Application `F0 52 45 4B 41 4D 02`, file `0201`, readable without a PIN.
//!
//! This is Rekam's own profile, carried by the virtual card and by test cards. A real KTP-el chip
//! does not answer it: its data are read only through a secure channel opened with the Dukcapil
//! SAM in the reader's SAM slot. A SAM-backed reader plugs in behind the same result type,
//! [`ApplicantCard`], through [`ApplicantSource`] (see `docs/devices/smartcard.md`).
//!
//! ```text
//! 00 A4 04 00 07 F0 52 45 4B 41 4D 02 00    SELECT the applicant application
//! 00 A4 02 0C 02 02 01                      SELECT EF 0201
//! 00 B0 00 00 80                            READ BINARY (6Cxx / 61xx handled by `exchange`)
//! ```

use serde::{Deserialize, Serialize};

use super::{
    APPLICANT_AID, fields, read_template_file, required, select_application, select_file, template,
    text_field,
};
use crate::SmartcardError;
use crate::error::CardKind;
use crate::tlv;
use crate::transport::CardTransport;

/// The EF holding the applicant template.
pub const EF_APPLICANT: u16 = 0x0201;

/// Tags inside the `70` template of EF 0201.
pub mod tag {
    pub const NIK: u8 = 0x80;
    pub const NAME: u8 = 0x81;
}
/// A NIK is exactly this many ASCII digits.
pub const NIK_LEN: usize = 16;
/// Longest name, in bytes.
pub const MAX_NAME: usize = 120;

/// What the station takes from an applicant's card.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApplicantCard {
    /// 16 ASCII digits. Only the form is checked here; region codes and the date inside are the
    /// application's to judge.
    pub nik: String,
    /// Name as on the card, UTF-8, 1 to 120 bytes.
    pub name: String,
}

impl ApplicantCard {
    /// The bytes of EF 0201: `70 L { 80 10 NIK, 81 name }`.
    pub fn encode(&self) -> Result<Vec<u8>, SmartcardError> {
        check_nik(self.nik.as_bytes())?;
        text_field(self.name.as_bytes(), "applicant name", MAX_NAME)?;
        let mut body = Vec::new();
        tlv::write(&mut body, tag::NIK, self.nik.as_bytes());
        tlv::write(&mut body, tag::NAME, self.name.as_bytes());
        Ok(template(&body))
    }

    /// Reads the value of the `70` template of EF 0201.
    pub fn decode(template: &[u8]) -> Result<ApplicantCard, SmartcardError> {
        let f = fields(template)?;
        let nik = required(&f, tag::NIK.into(), "NIK")?;
        check_nik(nik)?;
        let name = text_field(
            required(&f, tag::NAME.into(), "applicant name")?,
            "applicant name",
            MAX_NAME,
        )?;
        Ok(ApplicantCard {
            nik: String::from_utf8_lossy(nik).into_owned(),
            name,
        })
    }
}

fn check_nik(nik: &[u8]) -> Result<(), SmartcardError> {
    if nik.len() != NIK_LEN || !nik.iter().all(u8::is_ascii_digit) {
        return Err(SmartcardError::invalid_data(format!(
            "the NIK must be {NIK_LEN} digits"
        )));
    }
    Ok(())
}

/// Reads the applicant application: SELECT it (`WrongCard` if absent), SELECT EF 0201, read.
pub fn read(t: &mut (impl CardTransport + ?Sized)) -> Result<ApplicantCard, SmartcardError> {
    select_application(t, &APPLICANT_AID, CardKind::Applicant)?;
    select_file(t, EF_APPLICANT)?;
    ApplicantCard::decode(&read_template_file(t)?)
}

/// Anything that can tell the station an applicant's NIK and name from their card: this crate's
/// profile over any [`CardTransport`] today, a KTP-el reader with the Dukcapil SAM later. The
/// application holds a `Box<dyn ApplicantSource>` and does not care which.
pub trait ApplicantSource {
    fn read_applicant(&mut self) -> Result<ApplicantCard, SmartcardError>;
}

/// The Rekam applicant profile over a transport.
#[derive(Debug)]
pub struct RekamApplicantProfile<T>(pub T);

impl<T: CardTransport> ApplicantSource for RekamApplicantProfile<T> {
    fn read_applicant(&mut self) -> Result<ApplicantCard, SmartcardError> {
        read(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_documented_bytes() {
        let siti = ApplicantCard {
            nik: "3201014708900002".into(),
            name: "Siti Aminah".into(),
        };
        let bytes = siti.encode().unwrap();
        let mut want = vec![0x70, 0x1F, 0x80, 0x10];
        want.extend_from_slice(b"3201014708900002");
        want.extend_from_slice(&[0x81, 0x0B]);
        want.extend_from_slice(b"Siti Aminah");
        assert_eq!(bytes, want);
        assert_eq!(ApplicantCard::decode(&bytes[2..]).unwrap(), siti);
    }

    #[test]
    fn refuses_a_nik_that_is_not_16_digits() {
        for nik in ["320101470890000", "32010147089000021", "32010147089000X2"] {
            let c = ApplicantCard {
                nik: nik.into(),
                name: "A".into(),
            };
            assert!(c.encode().is_err(), "{nik}");
        }
        assert!(ApplicantCard::decode(&[0x80, 0x02, b'1', b'2', 0x81, 0x01, b'A']).is_err());
        // Name bytes that are not UTF-8.
        let mut t = vec![0x80, 0x10];
        t.extend_from_slice(b"3201014708900002");
        t.extend_from_slice(&[0x81, 0x02, 0xC3, 0x28]);
        assert!(ApplicantCard::decode(&t).is_err());
    }
}

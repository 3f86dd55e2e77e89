//! The officer card: a PIV card (NIST SP 800-73-4, Part 2: the card command interface) holding
//! the officer's PIV authentication key (key reference `9A`) and its X.509 certificate. Logging
//! in proves possession of that key: the station sends a fresh random challenge and checks the
//! card's ECDSA signature of it with the public key it recorded when it issued the card. What the
//! card says about its holder is never taken on trust; the station knows who holds which key.
//!
//! ```text
//! 00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00    SELECT the PIV application (right-truncated AID)
//!                                                 -> 61 L { 4F PIX, 79 { 4F RID }, AC { 80 11, 06 00 } }
//! 00 20 00 80                                     VERIFY, no data: 9000 verified, 63Cx x tries left
//! 00 20 00 80 08 <PIN, ASCII digits, FF-padded>   VERIFY the PIV card application PIN
//! 00 CB 3F FF 05 5C 03 5F C1 05 00                GET DATA: X.509 certificate for PIV authentication
//!                                                 -> 53 L { 70 L cert-DER, 71 01 00, FE 00 }
//! 00 CB 3F FF 05 5C 03 5F C1 02 00                GET DATA: CHUID (optional) -> 53 L { ..., 34 10 GUID, ... }
//! 00 87 11 9A 26 7C 24 82 00 81 20 <challenge>    GENERAL AUTHENTICATE, ECC P-256, key 9A
//!                                                 -> 7C L { 82 L ECDSA-Sig-Value (DER) }
//! ```
//!
//! Only ECC P-256 authentication keys (algorithm `11`) are accepted: every PIV card sold today
//! generates them, the signature is small, and one algorithm is one code path to verify. A card
//! whose certificate carries an RSA key is refused with that reason.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

use crate::SmartcardError;
use crate::apdu::{Command, MAX_SHORT_NE, StatusWord, ins};
use crate::error::CardKind;
use crate::tlv;
use crate::transport::{CardTransport, exchange, transceive};

/// The PIV card application's AID: NIST RID `A0 00 00 03 08`, PIX `00 00 10 00 01 00` (the last
/// two bytes are the version). SELECT uses the right-truncated form, [`PIV_AID_TRUNCATED`], as
/// SP 800-73-4 Part 2 §3.1.1 allows, so that any version of the application answers.
pub const PIV_AID: [u8; 11] = [
    0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
];
/// [`PIV_AID`] without the version bytes.
pub const PIV_AID_TRUNCATED: [u8; 9] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00];
/// VERIFY P2: the PIV card application PIN.
pub const PIN_REFERENCE: u8 = 0x80;
/// A PIV PIN is 6 to 8 digits, sent as ASCII padded with FF to 8 bytes.
pub const PIN_BLOCK_LEN: usize = 8;
pub const MIN_PIN_LEN: usize = 6;
/// Key reference of the PIV authentication key.
pub const KEY_PIV_AUTHENTICATION: u8 = 0x9A;
/// Cryptographic mechanism identifier of ECC P-256 (SP 800-78-4 Table 6-2).
pub const ALG_ECC_P256: u8 = 0x11;
/// GET DATA INS, with P1-P2 `3F FF`.
pub const INS_GET_DATA: u8 = 0xCB;
/// GENERAL AUTHENTICATE INS.
pub const INS_GENERAL_AUTHENTICATE: u8 = 0x87;
/// The data object tags of the objects read (BER-TLV tags, 3 bytes).
pub const TAG_CHUID: [u8; 3] = [0x5F, 0xC1, 0x02];
pub const TAG_CERT_PIV_AUTHENTICATION: [u8; 3] = [0x5F, 0xC1, 0x05];
/// The challenge signed at login, in bytes: the size of a P-256 hash input.
pub const CHALLENGE_LEN: usize = 32;

/// Tags inside the containers.
pub mod tag {
    /// The data object container returned by GET DATA.
    pub const DATA: u8 = 0x53;
    /// Certificate container: the DER certificate, its CertInfo byte, the error detection code.
    pub const CERTIFICATE: u8 = 0x70;
    pub const CERT_INFO: u8 = 0x71;
    pub const ERROR_DETECTION: u8 = 0xFE;
    /// CHUID: the card's GUID.
    pub const GUID: u8 = 0x34;
    /// Dynamic authentication template and its members.
    pub const DYNAMIC_AUTH: u8 = 0x7C;
    pub const RESPONSE: u8 = 0x82;
    pub const CHALLENGE: u8 = 0x81;
    /// Application property template (answer to SELECT) and its members.
    pub const APT: u8 = 0x61;
    pub const AID: u8 = 0x4F;
    pub const AUTHORITY: u8 = 0x79;
    pub const ALGORITHMS: u8 = 0xAC;
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

/// The PIN as sent in VERIFY: 6 to 8 ASCII digits, padded with FF to 8 bytes.
pub fn pin_block(pin: &str) -> Result<[u8; PIN_BLOCK_LEN], SmartcardError> {
    let digits = pin.as_bytes();
    if !(MIN_PIN_LEN..=PIN_BLOCK_LEN).contains(&digits.len())
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return Err(SmartcardError::InvalidPinFormat);
    }
    let mut block = [0xFF; PIN_BLOCK_LEN];
    block[..digits.len()].copy_from_slice(digits);
    Ok(block)
}

/// SELECT the PIV application. A card without it (6A82) is not an officer card; an answer that
/// is not an application property template naming the PIV PIX is not one either.
pub fn select(t: &mut (impl CardTransport + ?Sized)) -> Result<(), SmartcardError> {
    let cmd = Command::new(0x00, ins::SELECT, 0x04, 0x00)
        .with_data(PIV_AID_TRUNCATED)
        .expect(MAX_SHORT_NE);
    let apt = match exchange(t, &cmd) {
        Ok(r) => r.data,
        Err(SmartcardError::FileNotFound) => {
            return Err(SmartcardError::WrongCard {
                expected: CardKind::Officer,
            });
        }
        Err(e) => return Err(e),
    };
    let objects = tlv::parse_all(&apt)?;
    let Some(template) = objects.iter().find(|o| o.tag == u32::from(tag::APT)) else {
        return Err(SmartcardError::invalid_data(
            "the answer to SELECT PIV is not an application property template (61)",
        ));
    };
    let pix = tlv::parse_all(template.value)?
        .into_iter()
        .find(|o| o.tag == u32::from(tag::AID))
        .map(|o| o.value);
    match pix {
        // The PIX, possibly with its version: 00 00 10 00 (01 00).
        Some(pix) if pix.starts_with(&PIV_AID[5..9]) => Ok(()),
        Some(_) => Err(SmartcardError::WrongCard {
            expected: CardKind::Officer,
        }),
        None => Err(SmartcardError::invalid_data(
            "the PIV application property template has no AID (4F)",
        )),
    }
}

/// Reads the PIN retry counter without spending a try (VERIFY with no data).
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

/// SELECT PIV and VERIFY `pin`. A malformed PIN is refused before anything is sent (no try
/// spent). Errors: `WrongPin { retries_left }`, `PinBlocked`, `WrongCard`.
pub fn verify_pin(t: &mut (impl CardTransport + ?Sized), pin: &str) -> Result<(), SmartcardError> {
    let block = zeroize::Zeroizing::new(pin_block(pin)?);
    select(t)?;
    let verify = Command::new(0x00, ins::VERIFY, 0x00, PIN_REFERENCE).with_data(&block[..]);
    exchange(t, &verify).map(|_| ())
}

/// GET DATA of the object `tag` (3 bytes): the value of its `53` container, or `None` when the
/// card does not hold it (6A82).
pub fn get_data(
    t: &mut (impl CardTransport + ?Sized),
    tag: [u8; 3],
) -> Result<Option<Vec<u8>>, SmartcardError> {
    let mut list = vec![0x5C, 0x03];
    list.extend_from_slice(&tag);
    let cmd = Command::new(0x00, INS_GET_DATA, 0x3F, 0xFF)
        .with_data(list)
        .expect(MAX_SHORT_NE);
    let data = match exchange(t, &cmd) {
        Ok(r) => r.data,
        Err(SmartcardError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    match tlv::parse_all(&data)?.as_slice() {
        [o] if o.tag == u32::from(tag::DATA) => Ok(Some(o.value.to_vec())),
        _ => Err(SmartcardError::invalid_data(format!(
            "the data object {} is not one 53 container",
            crate::apdu::hex(&tag)
        ))),
    }
}

/// The X.509 certificate for PIV authentication, DER. Compressed certificates (CertInfo bit 0)
/// are refused: the cards Rekam expects store them plain.
pub fn read_certificate(t: &mut (impl CardTransport + ?Sized)) -> Result<Vec<u8>, SmartcardError> {
    let Some(container) = get_data(t, TAG_CERT_PIV_AUTHENTICATION)? else {
        return Err(SmartcardError::invalid_data(
            "the card holds no certificate for PIV authentication (5FC105): it was not personalised",
        ));
    };
    let fields = super::fields(&container)?;
    let cert = super::required(&fields, tag::CERTIFICATE.into(), "certificate")?;
    match fields.iter().find(|o| o.tag == u32::from(tag::CERT_INFO)) {
        None => {}
        Some(o) if o.value == [0x00] => {}
        Some(o) => {
            return Err(SmartcardError::invalid_data(format!(
                "the certificate is stored compressed or in an unknown form (CertInfo {})",
                crate::apdu::hex(o.value)
            )));
        }
    }
    Ok(cert.to_vec())
}

/// The card's GUID from its CHUID, when the card has one.
pub fn read_guid(
    t: &mut (impl CardTransport + ?Sized),
) -> Result<Option<[u8; 16]>, SmartcardError> {
    let Some(chuid) = get_data(t, TAG_CHUID)? else {
        return Ok(None);
    };
    let fields = super::fields(&chuid)?;
    match fields.iter().find(|o| o.tag == u32::from(tag::GUID)) {
        None => Ok(None),
        Some(o) => <[u8; 16]>::try_from(o.value).map(Some).map_err(|_| {
            SmartcardError::invalid_data(format!(
                "the CHUID's GUID is {} bytes, not 16",
                o.value.len()
            ))
        }),
    }
}

/// GENERAL AUTHENTICATE with the PIV authentication key (ECC P-256) over `challenge`: the
/// card's ECDSA signature, DER (`ECDSA-Sig-Value`). Needs a verified PIN.
pub fn sign_challenge(
    t: &mut (impl CardTransport + ?Sized),
    challenge: &[u8; CHALLENGE_LEN],
) -> Result<Vec<u8>, SmartcardError> {
    let mut inner = vec![tag::RESPONSE, 0x00];
    tlv::write(&mut inner, tag::CHALLENGE, challenge);
    let mut data = Vec::new();
    tlv::write(&mut data, tag::DYNAMIC_AUTH, &inner);
    let cmd = Command::new(
        0x00,
        INS_GENERAL_AUTHENTICATE,
        ALG_ECC_P256,
        KEY_PIV_AUTHENTICATION,
    )
    .with_data(data)
    .expect(MAX_SHORT_NE);
    let answer = match exchange(t, &cmd) {
        Ok(r) => r.data,
        // 6A80 / 6A86: the key in 9A is not a P-256 key (an RSA card), or none was generated.
        Err(SmartcardError::WrongData | SmartcardError::IncorrectParameters { .. }) => {
            return Err(SmartcardError::UnsupportedKey {
                detail: "the card refused to sign with an ECC P-256 key in slot 9A".into(),
            });
        }
        Err(e) => return Err(e),
    };
    let template = match tlv::parse_all(&answer)?.as_slice() {
        [o] if o.tag == u32::from(tag::DYNAMIC_AUTH) => o.value,
        _ => {
            return Err(SmartcardError::invalid_data(
                "the answer to GENERAL AUTHENTICATE is not one dynamic authentication template (7C)",
            ));
        }
    };
    let fields = super::fields(template)?;
    Ok(super::required(&fields, tag::RESPONSE.into(), "signature")?.to_vec())
}

/// The public half of a card's PIV authentication key, as the station records it when it issues
/// the card.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardKey {
    /// The SubjectPublicKeyInfo, DER.
    pub spki: Vec<u8>,
    /// SHA-256 of [`CardKey::spki`], lower-case hex: how the station finds the card's user.
    pub fingerprint: String,
    /// The certificate's subject (RFC 4514 text), for the supervisor to check at issue.
    pub subject: String,
    /// The certificate's expiry (`notAfter`, RFC 3339), informational.
    pub not_after: String,
}

impl CardKey {
    /// Reads the key from a certificate (DER). An RSA or other non-P-256 key is
    /// `UnsupportedKey`; an unreadable certificate `InvalidCardData`.
    pub fn from_certificate(der: &[u8]) -> Result<CardKey, SmartcardError> {
        let cert = Certificate::from_der(der).map_err(|e| {
            SmartcardError::invalid_data(format!("the certificate is not valid DER X.509: {e}"))
        })?;
        let tbs = &cert.tbs_certificate;
        let spki = tbs.subject_public_key_info.to_der().map_err(|e| {
            SmartcardError::invalid_data(format!("the certificate's public key: {e}"))
        })?;
        let key = CardKey {
            fingerprint: fingerprint(&spki),
            subject: tbs.subject.to_string(),
            not_after: tbs.validity.not_after.to_date_time().to_string(),
            spki,
        };
        key.verifying_key()?;
        Ok(key)
    }

    /// The key as a P-256 verifying key, or `UnsupportedKey` naming what it is instead.
    fn verifying_key(&self) -> Result<VerifyingKey, SmartcardError> {
        verifying_key(&self.spki)
    }

    /// Checks `signature` (DER ECDSA) of `challenge` with this key.
    pub fn verify(&self, challenge: &[u8], signature: &[u8]) -> Result<(), SmartcardError> {
        verify_with(&self.spki, challenge, signature)
    }
}

/// SHA-256 of a SubjectPublicKeyInfo, lower-case hex.
pub fn fingerprint(spki: &[u8]) -> String {
    Sha256::digest(spki)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn verifying_key(spki: &[u8]) -> Result<VerifyingKey, SmartcardError> {
    VerifyingKey::from_public_key_der(spki).map_err(|_| {
        let what = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(spki)
            .map(|s| match s.algorithm.oid.to_string().as_str() {
                "1.2.840.113549.1.1.1" => "an RSA key".to_owned(),
                "1.2.840.10045.2.1" => {
                    "an elliptic-curve key on a curve other than P-256".to_owned()
                }
                oid => format!("a key of algorithm {oid}"),
            })
            .unwrap_or_else(|_| "an unreadable key".to_owned());
        SmartcardError::UnsupportedKey {
            detail: format!("the card's PIV authentication certificate holds {what}"),
        }
    })
}

/// Checks a DER ECDSA `signature` of `challenge` (the hash input, as the card signed it) with
/// the P-256 key `spki`. A mismatch is `CardAuthenticationFailed`.
pub fn verify_with(spki: &[u8], challenge: &[u8], signature: &[u8]) -> Result<(), SmartcardError> {
    let key = verifying_key(spki)?;
    let sig =
        Signature::from_der(signature).map_err(|_| SmartcardError::CardAuthenticationFailed)?;
    key.verify_prehash(challenge, &sig)
        .map_err(|_| SmartcardError::CardAuthenticationFailed)
}

/// What a card login proves: the card holding [`LoginProof::key`] signed
/// [`LoginProof::challenge`], a fresh random value, after its PIN was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginProof {
    pub key: CardKey,
    pub guid: Option<[u8; 16]>,
    pub challenge: [u8; CHALLENGE_LEN],
    pub signature: Vec<u8>,
}

impl LoginProof {
    /// Checks the signature with `spki`, the key the station recorded for this card (not the
    /// one the card presented now).
    pub fn verify_with(&self, spki: &[u8]) -> Result<(), SmartcardError> {
        verify_with(spki, &self.challenge, &self.signature)
    }
}

/// A fresh challenge from the operating system's random source.
pub fn challenge() -> Result<[u8; CHALLENGE_LEN], SmartcardError> {
    let mut c = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut c).map_err(|e| {
        SmartcardError::protocol(format!("no random numbers for the challenge: {e}"))
    })?;
    Ok(c)
}

/// Login: SELECT PIV, VERIFY `pin`, read the certificate (and the GUID), sign a fresh
/// challenge, and check the signature against the certificate's key. The station then checks
/// the same signature against the key it recorded at issue ([`LoginProof::verify_with`]).
pub fn login(
    t: &mut (impl CardTransport + ?Sized),
    pin: &str,
) -> Result<LoginProof, SmartcardError> {
    verify_pin(t, pin)?;
    let key = CardKey::from_certificate(&read_certificate(t)?)?;
    let guid = read_guid(t)?;
    let challenge = challenge()?;
    let signature = sign_challenge(t, &challenge)?;
    key.verify(&challenge, &signature)?;
    Ok(LoginProof {
        key,
        guid,
        challenge,
        signature,
    })
}

/// Which application the card carries, trying PIV (an officer card) first, then the Rekam
/// applicant application. `None` for a card with neither.
pub fn identify(t: &mut (impl CardTransport + ?Sized)) -> Result<Option<CardKind>, SmartcardError> {
    match select(t) {
        Ok(()) => return Ok(Some(CardKind::Officer)),
        Err(SmartcardError::WrongCard { .. }) => {}
        Err(e) => return Err(e),
    }
    match super::select_application(t, &super::APPLICANT_AID, CardKind::Applicant) {
        Ok(()) => Ok(Some(CardKind::Applicant)),
        Err(SmartcardError::WrongCard { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_blocks_are_ascii_padded_with_ff() {
        assert_eq!(
            pin_block("123456").unwrap(),
            [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0xFF, 0xFF]
        );
        assert_eq!(pin_block("12345678").unwrap(), *b"12345678");
        for bad in ["", "12345", "123456789", "12a456", "١٢٣٤٥٦"] {
            assert_eq!(
                pin_block(bad),
                Err(SmartcardError::InvalidPinFormat),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_certificates_that_are_not_x509() {
        assert!(matches!(
            CardKey::from_certificate(&[0x30, 0x03, 0x02, 0x01, 0x01]),
            Err(SmartcardError::InvalidCardData { .. })
        ));
    }
}

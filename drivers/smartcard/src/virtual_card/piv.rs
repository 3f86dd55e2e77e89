//! The PIV application of the virtual card (the subset of NIST SP 800-73-4 Part 2 that
//! `profile::piv` uses, and that OpenSC's PIV driver asks of a card): SELECT by the
//! right-truncated AID, VERIFY of the PIV application PIN (reference 80), GET DATA of the
//! certificate for PIV authentication (5FC105) and of the CHUID (5FC102), and GENERAL
//! AUTHENTICATE with an ECC P-256 key in slot 9A (the card signs the 32-byte challenge as an
//! ECDSA hash input).
//!
//! [`PivCard`] is what personalisation puts on a card: a fresh key, a self-signed certificate
//! naming the holder, a GUID and the PIN. It serialises (JSON, hex fields) so that a training
//! station can keep the cards it issued in a wallet file and insert them again later.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::{DerSignature, Signature, SigningKey};
use serde::{Deserialize, Serialize};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::Encode;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;
use zeroize::Zeroizing;

use crate::SmartcardError;
use crate::profile::piv::{self, PIN_BLOCK_LEN, tag};
use crate::tlv;

/// How long a personalised card's certificate is valid.
pub const CERTIFICATE_VALIDITY: Duration = Duration::from_secs(5 * 365 * 24 * 3600);

/// What personalisation writes on a PIV card. See the module documentation.
#[derive(Clone, PartialEq, Eq)]
pub struct PivCard {
    pub(crate) holder: String,
    pub(crate) guid: [u8; 16],
    pub(crate) key: SigningKey,
    pub(crate) certificate: Vec<u8>,
    pub(crate) pin: Zeroizing<[u8; PIN_BLOCK_LEN]>,
}

impl fmt::Debug for PivCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PivCard")
            .field("holder", &self.holder)
            .field("guid", &hex::encode(self.guid))
            .finish_non_exhaustive()
    }
}

fn random<const N: usize>() -> Result<[u8; N], SmartcardError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| SmartcardError::protocol(format!("no random numbers for the card: {e}")))?;
    Ok(b)
}

fn cert_error(e: impl fmt::Display) -> SmartcardError {
    SmartcardError::invalid_data(format!("the card certificate cannot be made: {e}"))
}

impl PivCard {
    /// Personalises a new card for `holder` (a name, written into the certificate's CN) with
    /// `pin` (6 to 8 digits): a new P-256 key, a self-signed certificate valid for five years,
    /// a random GUID.
    pub fn personalize(holder: &str, pin: &str) -> Result<PivCard, SmartcardError> {
        let pin = Zeroizing::new(piv::pin_block(pin)?);
        let key = loop {
            // A random 32-byte string is a valid P-256 scalar but for a 2^-32 chance.
            let bytes = Zeroizing::new(random::<32>()?);
            if let Ok(k) = SigningKey::from_bytes(&(*bytes).into()) {
                break k;
            }
        };
        let cn: String = holder
            .chars()
            .filter(|c| !c.is_control())
            .map(|c| if ",+\"\\<>;=#".contains(c) { ' ' } else { c })
            .collect();
        let cn = cn.trim();
        let cn = if cn.is_empty() { "Rekam officer" } else { cn };
        let subject =
            Name::from_str(&format!("CN={cn},O=Rekam training card")).map_err(cert_error)?;
        let mut serial = random::<8>()?;
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(cert_error)?;
        // Self-issued: an end-entity certificate whose issuer is its subject. The station does
        // not rely on the issuer; it pins the key at issue.
        let builder = CertificateBuilder::new(
            Profile::Leaf {
                issuer: subject.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            SerialNumber::new(&serial).map_err(cert_error)?,
            Validity::from_now(CERTIFICATE_VALIDITY).map_err(cert_error)?,
            subject,
            spki,
            &key,
        )
        .map_err(cert_error)?;
        let certificate = builder
            .build::<DerSignature>()
            .map_err(cert_error)?
            .to_der()
            .map_err(cert_error)?;
        Ok(PivCard {
            holder: holder.to_owned(),
            guid: random()?,
            key,
            certificate,
            pin,
        })
    }

    /// A forged card: `certificate_of`'s certificate (public: any reader gets it without the
    /// PIN) and CHUID over `key_of`'s key and PIN. Every answer is right but the signature,
    /// which is what a station must catch (tests, training on what a forgery looks like).
    pub fn forged(key_of: &PivCard, certificate_of: &PivCard) -> PivCard {
        PivCard {
            holder: certificate_of.holder.clone(),
            guid: certificate_of.guid,
            key: key_of.key.clone(),
            certificate: certificate_of.certificate.clone(),
            pin: key_of.pin.clone(),
        }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    pub fn guid(&self) -> [u8; 16] {
        self.guid
    }

    /// The certificate for PIV authentication, DER.
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// The key the station records when it issues this card.
    pub fn card_key(&self) -> Result<piv::CardKey, SmartcardError> {
        piv::CardKey::from_certificate(&self.certificate)
    }

    pub(super) fn pin_matches(&self, block: &[u8]) -> bool {
        // Constant time is beside the point for a simulator; equality is what a card checks.
        block == &self.pin[..]
    }

    /// GET DATA 5FC105: `53 { 70 cert, 71 01 00, FE 00 }`.
    pub(super) fn certificate_object(&self) -> Vec<u8> {
        let mut v = Vec::new();
        tlv::write(&mut v, tag::CERTIFICATE, &self.certificate);
        tlv::write(&mut v, tag::CERT_INFO, &[0x00]);
        tlv::write(&mut v, tag::ERROR_DETECTION, &[]);
        let mut out = Vec::new();
        tlv::write(&mut out, tag::DATA, &v);
        out
    }

    /// GET DATA 5FC102: `53 { 34 GUID, 35 expiry, 3E (no issuer signature), FE 00 }`. The
    /// FASC-N (a US federal agency code) is left out: its absence is what OpenSC and other PIV
    /// clients expect of a non-federal card, which they identify by GUID.
    pub(super) fn chuid_object(&self) -> Vec<u8> {
        let mut v = Vec::new();
        tlv::write(&mut v, tag::GUID, &self.guid);
        tlv::write(&mut v, 0x35, b"20991231");
        tlv::write(&mut v, 0x3E, &[]);
        tlv::write(&mut v, tag::ERROR_DETECTION, &[]);
        let mut out = Vec::new();
        tlv::write(&mut out, tag::DATA, &v);
        out
    }

    /// Signs a challenge of the length of a P-256 hash input, as GENERAL AUTHENTICATE does.
    pub(super) fn sign(&self, challenge: &[u8]) -> Option<Vec<u8>> {
        let sig: Signature = self.key.sign_prehash(challenge).ok()?;
        Some(sig.to_der().as_bytes().to_vec())
    }

    /// The card as JSON, for a training station's wallet (the private key in clear: training
    /// cards only).
    pub fn to_json(&self) -> Result<String, SmartcardError> {
        let pin_len = self
            .pin
            .iter()
            .position(|b| *b == 0xFF)
            .unwrap_or(PIN_BLOCK_LEN);
        let file = CardFile {
            holder: self.holder.clone(),
            guid: hex::encode(self.guid),
            key: hex::encode(self.key.to_bytes()),
            certificate: hex::encode(&self.certificate),
            pin: String::from_utf8_lossy(&self.pin[..pin_len]).into_owned(),
        };
        serde_json::to_string(&file)
            .map_err(|e| SmartcardError::invalid_data(format!("card file: {e}")))
    }

    /// Reads a card written by [`PivCard::to_json`]; checks that the key matches the
    /// certificate.
    pub fn from_json(text: &str) -> Result<PivCard, SmartcardError> {
        let bad = |what: &str| SmartcardError::invalid_data(format!("card file: {what}"));
        let file: CardFile = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        let guid = <[u8; 16]>::try_from(hex::decode(&file.guid).map_err(|_| bad("guid"))?)
            .map_err(|_| bad("guid"))?;
        let key_bytes = Zeroizing::new(hex::decode(&file.key).map_err(|_| bad("key"))?);
        let key = SigningKey::from_slice(&key_bytes).map_err(|_| bad("key"))?;
        let certificate = hex::decode(&file.certificate).map_err(|_| bad("certificate"))?;
        let card = PivCard {
            holder: file.holder.clone(),
            guid,
            key,
            certificate,
            pin: Zeroizing::new(piv::pin_block(&file.pin)?),
        };
        let from_cert = card.card_key()?;
        let own = SubjectPublicKeyInfoOwned::from_key(*card.key.verifying_key())
            .and_then(|s| s.to_der().map_err(Into::into))
            .map_err(|_| bad("key"))?;
        if from_cert.spki != own {
            return Err(bad("the key does not match the certificate"));
        }
        Ok(card)
    }
}

/// The wallet form of a card. Its secrets are wiped when it is dropped.
#[derive(Serialize, Deserialize)]
struct CardFile {
    holder: String,
    guid: String,
    key: String,
    certificate: String,
    pin: String,
}

impl Drop for CardFile {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.key.zeroize();
        self.pin.zeroize();
    }
}

//! The receiver's registry of station signing keys, as `verify-batch --stations` reads it.

use super::*;

/// A station whose signing key the receiver registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedStation {
    pub kecamatan_code: String,
    pub station_id: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
}

/// The registry of station keys: lines `<kecamatan code> <station id> <public key hex>`, `#`
/// starts a comment (the format `rekam station-key` prints).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedStations(Vec<TrustedStation>);

impl TrustedStations {
    pub fn add(&mut self, station: TrustedStation) {
        if !self.0.contains(&station) {
            self.0.push(station);
        }
    }

    /// Parses a registry text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<TrustedStations, VerifyError> {
        let mut out = TrustedStations::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let bad = |message: &str| VerifyError::BadRegistry {
                path: path.into(),
                line: n + 1,
                message: message.into(),
            };
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [kec, station, key] = fields[..] else {
                return Err(bad(
                    "expected: <kecamatan code> <station id> <public key hex>",
                ));
            };
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(key, &mut bytes)
                .map_err(|_| bad("the public key must be 64 hex digits"))?;
            out.add(TrustedStation {
                kecamatan_code: kec.into(),
                station_id: station.into(),
                public_key: key.to_ascii_lowercase(),
            });
        }
        Ok(out)
    }

    pub fn load(path: &Path) -> Result<TrustedStations, VerifyError> {
        let text = std::fs::read_to_string(path).map_err(|e| VerifyError::Io {
            path: path.into(),
            source: e,
        })?;
        TrustedStations::parse(&text, path)
    }

    pub fn find(&self, public_key: &str) -> Option<&TrustedStation> {
        self.0
            .iter()
            .find(|s| s.public_key.eq_ignore_ascii_case(public_key))
    }

    /// The registered station whose key made `signature` over `message`, if any.
    pub fn signer_of(&self, message: &[u8], signature: &[u8]) -> Option<&TrustedStation> {
        let mut sig = [0u8; 64];
        hex::decode_to_slice(String::from_utf8_lossy(signature).trim(), &mut sig).ok()?;
        let sig = ed25519_dalek::Signature::from_bytes(&sig);
        self.0.iter().find(|s| {
            let mut key = [0u8; 32];
            hex::decode_to_slice(s.public_key.trim(), &mut key).is_ok()
                && ed25519_dalek::VerifyingKey::from_bytes(&key)
                    .is_ok_and(|vk| vk.verify_strict(message, &sig).is_ok())
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

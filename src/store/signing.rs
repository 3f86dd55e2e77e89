//! The station's Ed25519 signing key: it signs the header of every batch packet the station
//! exports (docs/batch-format.md). Created at station setup (or, for a station set up before
//! batches existed, the first time the database is opened), kept beside the data key in a file of
//! its own (`<key file stem>-signing.key`, mode 0600, `rekam-signing-key-v1` + hex seed). Its public
//! half is stored in the database, so that a swapped key file is noticed, and printed for
//! registration at the Dinas (`rekam station-key`).

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::key::{create_secret, load_secret};

const HEADER: &str = "rekam-signing-key-v1";

/// The station's signing key. Wiped from memory on drop (ed25519-dalek zeroizes its keys).
pub struct StationSigningKey {
    key: SigningKey,
}

impl std::fmt::Debug for StationSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StationSigningKey")
            .field("public", &self.public_hex())
            .finish_non_exhaustive()
    }
}

/// Where the signing key of a station with data key file `key_file` lives.
pub fn signing_key_file(key_file: &Path) -> PathBuf {
    let stem = key_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "station".into());
    key_file.with_file_name(format!("{stem}-signing.key"))
}

fn map_secret_error(e: StoreError, path: &Path) -> StoreError {
    match e {
        StoreError::KeyMissing(_) => StoreError::SigningKeyMissing(path.into()),
        StoreError::KeyMalformed(_) | StoreError::KeyPermissions(_) => {
            StoreError::SigningKeyBad(path.into())
        }
        other => other,
    }
}

impl StationSigningKey {
    /// Creates a new key at `path`, which must not exist.
    pub fn create(path: &Path) -> Result<StationSigningKey, StoreError> {
        let seed = create_secret(path, HEADER).map_err(|e| map_secret_error(e, path))?;
        Ok(StationSigningKey {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Loads the key at `path`, refusing a file other users can read.
    pub fn load(path: &Path) -> Result<StationSigningKey, StoreError> {
        let seed = load_secret(path, HEADER).map_err(|e| map_secret_error(e, path))?;
        Ok(StationSigningKey {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// The public key, 32 bytes as 64 lowercase hex digits.
    pub fn public_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// Signs `message` (pure Ed25519, RFC 8032).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// Whether `signature_hex` (64 bytes as hex) is a valid Ed25519 signature (strict, RFC 8032)
/// of `message` under `public_hex` (32 bytes as hex). Malformed hex or a key that is not a
/// curve point is simply not valid; surrounding whitespace is ignored.
pub fn verify_hex(public_hex: &str, signature_hex: &str, message: &[u8]) -> bool {
    let mut key = [0u8; 32];
    let mut sig = [0u8; 64];
    hex::decode_to_slice(public_hex.trim(), &mut key).is_ok()
        && hex::decode_to_slice(signature_hex.trim(), &mut sig).is_ok()
        && ed25519_dalek::VerifyingKey::from_bytes(&key).is_ok_and(|vk| {
            vk.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&sig))
                .is_ok()
        })
}

/// A short fingerprint of a public key for reading aloud over the phone: the first 16 hex digits
/// of SHA-256(`rekam station key v1\0` || key), in groups of four.
pub fn fingerprint(public_hex: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"rekam station key v1\0");
    h.update(public_hex.as_bytes());
    let digest = hex::encode(&h.finalize()[..8]).to_uppercase();
    digest
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    #[test]
    fn signs_verifiably_and_reloads_to_the_same_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = signing_key_file(&dir.path().join("station.key"));
        assert_eq!(path, dir.path().join("station-signing.key"));
        let key = StationSigningKey::create(&path).expect("create");
        let again = StationSigningKey::load(&path).expect("load");
        assert_eq!(key.public_hex(), again.public_hex());
        let sig = key.sign(b"header");
        let mut public = [0u8; 32];
        hex::decode_to_slice(key.public_hex(), &mut public).expect("hex");
        let vk = VerifyingKey::from_bytes(&public).expect("point");
        vk.verify(b"header", &Signature::from_bytes(&sig))
            .expect("verifies");
        assert!(vk.verify(b"headeR", &Signature::from_bytes(&sig)).is_err());
        assert!(matches!(
            StationSigningKey::create(&path),
            Err(StoreError::KeyExists(_))
        ));
        assert!(matches!(
            StationSigningKey::load(&dir.path().join("none")),
            Err(StoreError::SigningKeyMissing(_))
        ));
        assert_eq!(fingerprint(&key.public_hex()).len(), 19);
    }
}

//! The station data key: 32 random bytes in a file of its own (mode 0600), outside the database, so
//! that a copied database reveals no biometrics. Every capture blob is sealed with
//! XChaCha20-Poly1305 under this key, with a fresh random 192-bit nonce and the capture's identity
//! as associated data. The file format and its handling are in docs/storage.md.

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::StoreError;

const HEADER: &str = "rekam-data-key-v1";

/// The station's data key. Not `Clone`, not `Debug`-printed; wiped from memory on drop.
pub struct DataKey {
    cipher: XChaCha20Poly1305,
    id: String,
    /// The whole database's key (SQLCipher), derived from the data key: the raw-key form of
    /// `PRAGMA key`, `x'<64 hex digits>'`.
    database: Zeroizing<String>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl DataKey {
    fn from_bytes(bytes: &[u8; 32]) -> DataKey {
        let mut h = Sha256::new();
        h.update(b"rekam key id v1\0");
        h.update(bytes);
        let id = hex::encode(&h.finalize()[..8]);
        // A key of its own for the database pages, never the sealing key itself.
        let mut d = Sha256::new();
        d.update(b"rekam database key v1\0");
        d.update(bytes);
        let database = Zeroizing::new(format!("x'{}'", hex::encode(d.finalize())));
        DataKey {
            cipher: XChaCha20Poly1305::new(bytes.into()),
            id,
            database,
        }
    }

    /// Creates a new random key at `path` (which must not exist), readable by its owner only, and
    /// makes it durable before returning.
    pub fn create(path: &Path) -> Result<DataKey, StoreError> {
        create_secret(path, HEADER).map(|bytes| DataKey::from_bytes(&bytes))
    }

    /// Loads the key at `path`, refusing a file that other users can read.
    pub fn load(path: &Path) -> Result<DataKey, StoreError> {
        load_secret(path, HEADER).map(|bytes| DataKey::from_bytes(&bytes))
    }

    /// The database encryption key as `PRAGMA key` takes it (raw key, no passphrase stretching:
    /// the data key is random already).
    pub(crate) fn database_key(&self) -> &str {
        &self.database
    }

    /// A short public identifier of the key, stored in the database to detect a wrong key file.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Encrypts `plaintext`, bound to `aad`. Returns the nonce and the ciphertext (with its tag).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> ([u8; 24], Vec<u8>) {
        let mut nonce = [0u8; 24];
        // The OS random source failing is unrecoverable; a repeated nonce would be worse.
        getrandom::fill(&mut nonce).expect("the operating system's random source failed");
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        (nonce, ct)
    }

    /// Decrypts and authenticates; `None` when the data, nonce, associated data or key differ.
    pub fn open(&self, aad: &[u8], nonce: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        if nonce.len() != 24 {
            return None;
        }
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
    }
}

/// Creates a file holding 32 new random bytes as `<header>\n<hex>\n`, readable by its owner
/// only (a directory made for it is private too), durable before returning. Fails with
/// [`StoreError::KeyExists`] if the file exists.
pub(crate) fn create_secret(path: &Path, header: &str) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).map_err(|e| StoreError::Io {
        path: path.into(),
        source: std::sync::Arc::new(std::io::Error::other(e.to_string())),
    })?;
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| StoreError::from_io(e, dir))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => StoreError::KeyExists(path.into()),
        _ => StoreError::from_io(e, path),
    })?;
    let text = Zeroizing::new(format!("{header}\n{}\n", hex::encode(&bytes[..])));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| StoreError::from_io(e, path))?;
    sync_parent(path)?;
    Ok(bytes)
}

/// Reads a file written by [`create_secret`] with the same `header`, refusing one that other
/// users can read.
pub(crate) fn load_secret(path: &Path, header: &str) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => StoreError::KeyMissing(path.into()),
        _ => StoreError::from_io(e, path),
    })?;
    #[cfg(unix)]
    if std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o077 != 0 {
        return Err(StoreError::KeyPermissions(path.into()));
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| StoreError::from_io(e, path))?);
    let mut lines = text.lines();
    let malformed = || StoreError::KeyMalformed(path.into());
    if lines.next() != Some(header) {
        return Err(malformed());
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(lines.next().ok_or_else(malformed)?.trim(), bytes.as_mut())
        .map_err(|_| malformed())?;
    Ok(bytes)
}

/// Makes a newly created file's directory entry durable.
pub(crate) fn sync_parent(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::from_io(e, dir))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Where the key lives by default: the platform's configuration directory, apart from the data.
pub fn default_key_file() -> PathBuf {
    directories::ProjectDirs::from("id.go", "Dukcapil", "rekam")
        .map(|d| d.config_dir().join("station.key"))
        .unwrap_or_else(|| PathBuf::from("station.key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_the_same_key_and_context() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = DataKey::create(&dir.path().join("k")).expect("create");
        let (nonce, ct) = key.seal(b"capture 1", b"fingerprint pixels");
        assert_ne!(&ct[..18], b"fingerprint pixels");
        assert_eq!(
            key.open(b"capture 1", &nonce, &ct).as_deref(),
            Some(&b"fingerprint pixels"[..])
        );
        assert_eq!(
            key.open(b"capture 2", &nonce, &ct),
            None,
            "bound to its capture"
        );
        let mut flipped = ct.clone();
        flipped[3] ^= 1;
        assert_eq!(
            key.open(b"capture 1", &nonce, &flipped),
            None,
            "tampering detected"
        );
        let other = DataKey::create(&dir.path().join("k2")).expect("create");
        assert_eq!(
            other.open(b"capture 1", &nonce, &ct),
            None,
            "another key cannot open it"
        );
        assert_ne!(key.id(), other.id());
    }

    #[test]
    fn key_file_is_private_and_reloads_to_the_same_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys/station.key");
        let key = DataKey::create(&path).expect("create");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(path.parent().expect("dir"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(
                dir_mode & 0o777,
                0o700,
                "the key's own directory is private"
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                DataKey::load(&path),
                Err(StoreError::KeyPermissions(_))
            ));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        assert_eq!(DataKey::load(&path).expect("load").id(), key.id());
        assert!(matches!(
            DataKey::create(&path),
            Err(StoreError::KeyExists(_))
        ));
        std::fs::write(&path, "rekam-data-key-v1\nnot hex\n").expect("write");
        assert!(matches!(
            DataKey::load(&path),
            Err(StoreError::KeyMalformed(_))
        ));
        assert!(matches!(
            DataKey::load(&dir.path().join("none")),
            Err(StoreError::KeyMissing(_))
        ));
    }
}

//! The receiver's ledger: a small JSON file the receiver keeps (`verify-batch --ledger FILE`)
//! with, per station, every packet it accepted and the furthest head of the station's audit
//! chain those packets carried (each packet's manifest holds the head when it was made,
//! authenticated through the signed header). A packet seen before is a replay; a packet whose
//! audit head is behind that point (or holds another hash at it) comes from a station whose
//! audit log was cut or rewritten, or is older than one already accepted (packets are processed
//! in the order they were made). Both are problems of the packet; the ledger only grows with
//! packets that have none.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::verify::{Problem, Verification};

/// The ledger file's format tag.
pub const LEDGER_FORMAT: &str = "rekam-receiver-ledger-1";

/// What the receiver knows of one station.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationEntry {
    /// The furthest audit head seen: its row and hash.
    pub audit_seq: i64,
    pub audit_hash: String,
    /// SHA-256 of every packet file accepted, with when it was accepted.
    pub packets: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub format: String,
    /// Keyed `<kecamatan>-<station>`.
    pub stations: BTreeMap<String, StationEntry>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            format: LEDGER_FORMAT.into(),
            stations: BTreeMap::new(),
        }
    }
}

/// The ledger could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot read or write the ledger {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the ledger {path} is not a Rekam receiver ledger: {detail}")]
    Invalid {
        path: std::path::PathBuf,
        detail: String,
    },
}

impl Ledger {
    /// Loads the ledger at `path`; none there yet is an empty ledger.
    pub fn load(path: &Path) -> Result<Ledger, LedgerError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ledger::default()),
            Err(source) => {
                return Err(LedgerError::Io {
                    path: path.into(),
                    source,
                });
            }
        };
        let ledger: Ledger = serde_json::from_str(&text).map_err(|e| LedgerError::Invalid {
            path: path.into(),
            detail: e.to_string(),
        })?;
        if ledger.format != LEDGER_FORMAT {
            return Err(LedgerError::Invalid {
                path: path.into(),
                detail: format!("format '{}'", ledger.format),
            });
        }
        Ok(ledger)
    }

    /// Writes the ledger atomically (temporary file, flush, rename).
    pub fn save(&self, path: &Path) -> Result<(), LedgerError> {
        use std::io::Write;
        let io = |source| LedgerError::Io {
            path: path.into(),
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Checks a decrypted packet against what the ledger knows: a replay, or an audit chain
    /// that went back, is added to its problems.
    pub fn check(&self, v: &mut Verification) {
        let (Some(header), Some(manifest)) = (&v.header, &v.manifest) else {
            return;
        };
        let key = format!("{}-{}", header.kecamatan_code, header.station_id);
        let Some(entry) = self.stations.get(&key) else {
            return;
        };
        if let Some(first_seen) = entry.packets.get(&v.file_sha256) {
            v.problems.push(Problem::Replayed {
                first_seen: first_seen.clone(),
            });
            return;
        }
        if let Some(c) = &manifest.audit_head {
            let behind = c.seq < entry.audit_seq;
            let rewritten = c.seq == entry.audit_seq && c.hash != entry.audit_hash;
            if behind || rewritten {
                v.problems.push(Problem::AuditWentBack {
                    seen_seq: entry.audit_seq,
                    packet_seq: c.seq,
                });
            }
        }
    }

    /// Records a packet that verified without a problem. `false` (and nothing recorded) for a
    /// packet with problems or not decrypted.
    pub fn record(&mut self, v: &Verification, at: &str) -> bool {
        let (Some(header), Some(manifest)) = (&v.header, &v.manifest) else {
            return false;
        };
        if !v.is_ok() || !v.decrypted {
            return false;
        }
        let entry = self
            .stations
            .entry(format!("{}-{}", header.kecamatan_code, header.station_id))
            .or_default();
        entry.packets.insert(v.file_sha256.clone(), at.to_owned());
        if let Some(c) = &manifest.audit_head
            && c.seq >= entry.audit_seq
        {
            entry.audit_seq = c.seq;
            entry.audit_hash = c.hash.clone();
        }
        true
    }
}

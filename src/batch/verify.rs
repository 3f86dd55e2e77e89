//! Checking a batch packet, as the receiver (or the supervisor, before handing over the USB
//! drive) does. Without the receiver's key: the archive's structure, the header's Ed25519
//! signature, whether the signing key belongs to a registered station, and the SHA-256 of every
//! encrypted entry against the signed header. With the key: each entry is decrypted and every
//! part of every record checked against the manifest, and the counts against the header, the
//! manifest and the queue reconciliation. Every finding names the entry, record or part.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::format::*;
use super::{Hashing, VerifyError};
use crate::lang::{Lang, Localize};
use crate::store::signing::fingerprint;

mod problem;
mod stations;

pub use problem::Problem;
pub use stations::{TrustedStation, TrustedStations};

/// The outcome of checking one packet.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Verification {
    pub file: PathBuf,
    /// SHA-256 of the whole file.
    pub file_sha256: String,
    pub header: Option<Header>,
    /// The registered station whose key signed the header.
    #[serde(skip)]
    pub station: Option<TrustedStation>,
    pub signature_valid: bool,
    /// The entries were decrypted with the receiver's key.
    pub decrypted: bool,
    pub records_checked: usize,
    pub parts_checked: usize,
    pub manifest: Option<Manifest>,
    /// Records (by number) with a capture from a simulator: reported for a training packet,
    /// a problem in a production one.
    pub simulated_records: Vec<String>,
    pub problems: Vec<Problem>,
}

impl Verification {
    /// The packet says it comes from a training station: never a real recording, whatever
    /// else is right with it.
    pub fn training(&self) -> bool {
        self.header
            .as_ref()
            .is_some_and(|h| h.station_mode == crate::domain::StationMode::Training)
    }
}

impl Verification {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The largest `header.json` or `header.sig` read (a header of 10,000 records is about 2 MB).
const SMALL_LIMIT: u64 = 8 << 20;
/// The largest decrypted manifest or `record.json` read into memory.
const DOC_LIMIT: u64 = 64 << 20;

/// What pass 1 sees of each archive member.
struct Seen {
    entries: Vec<EntryDigest>,
    header: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
}

fn scan(path: &Path, v: &mut Verification) -> Result<Option<Seen>, VerifyError> {
    let io = |e| VerifyError::Io {
        path: path.into(),
        source: e,
    };
    let file = File::open(path).map_err(io)?;
    let mut whole = Hashing::new(BufReader::with_capacity(1 << 20, file));
    let mut seen = Seen {
        entries: Vec::new(),
        header: None,
        signature: None,
    };
    {
        let mut archive = tar::Archive::new(&mut whole);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => {
                v.problems.push(Problem::NotAPacket {
                    detail: e.to_string(),
                });
                return Ok(None);
            }
        };
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    v.problems.push(Problem::NotAPacket {
                        detail: e.to_string(),
                    });
                    return Ok(None);
                }
            };
            let name = match entry.path() {
                Ok(p) => p.to_string_lossy().into_owned(),
                Err(e) => {
                    v.problems.push(Problem::NotAPacket {
                        detail: e.to_string(),
                    });
                    return Ok(None);
                }
            };
            let keep =
                (name == HEADER_NAME || name == SIGNATURE_NAME) && entry.size() < SMALL_LIMIT;
            let mut kept = Vec::new();
            let mut h = Hashing::new(&mut entry);
            let copied = if keep {
                h.read_to_end(&mut kept).map(|n| n as u64)
            } else {
                std::io::copy(&mut h, &mut std::io::sink())
            };
            if let Err(e) = copied {
                v.problems.push(Problem::NotAPacket {
                    detail: format!("{name}: {e}"),
                });
                return Ok(None);
            }
            let (size, sha256, _) = h.finish();
            let digest = EntryDigest {
                name: name.clone(),
                size,
                sha256,
            };
            match name.as_str() {
                HEADER_NAME if seen.header.is_none() => seen.header = Some(kept),
                SIGNATURE_NAME if seen.signature.is_none() => seen.signature = Some(kept),
                _ => seen.entries.push(digest),
            }
        }
    }
    std::io::copy(&mut whole, &mut std::io::sink()).map_err(io)?;
    v.file_sha256 = whole.finish().1;
    Ok(Some(seen))
}

fn check_signature(header_bytes: &[u8], sig_bytes: &[u8], header: &Header) -> bool {
    crate::store::signing::verify_hex(
        &header.signing_key,
        &String::from_utf8_lossy(sig_bytes),
        header_bytes,
    )
}

/// What decrypting one record found.
#[derive(Debug)]
pub struct OpenedRecord {
    /// SHA-256 (hex) and size of the record's plaintext, its ustar archive.
    pub sha256: String,
    pub size: u64,
    /// Each member of the archive.
    pub parts: Vec<PartDigest>,
    /// Its `record.json`, read, or why it could not be (`None`: there is none).
    pub doc: Option<Result<RecordDoc, String>>,
}

fn open_record(
    reader: impl Read,
    identities: &[age::x25519::Identity],
) -> Result<OpenedRecord, age::DecryptError> {
    let decryptor = age::Decryptor::new(reader)?;
    let plain = decryptor.decrypt(identities.iter().map(|i| i as &dyn age::Identity))?;
    Ok(read_record(plain)?)
}

/// Reads one decrypted record (the plaintext ustar archive inside `records/NNNN.age`): each
/// member's digest and its `record.json`, at most [`DOC_LIMIT`] of it in memory. The bytes
/// come from a packet and are untrusted.
pub fn read_record(plain: impl Read) -> std::io::Result<OpenedRecord> {
    let mut whole = Hashing::new(plain);
    let mut parts = Vec::new();
    let mut doc = None;
    {
        let mut archive = tar::Archive::new(&mut whole);
        for entry in archive.entries()? {
            let mut entry = entry?;
            let name = entry.path()?.to_string_lossy().into_owned();
            let mut h = Hashing::new(&mut entry);
            if name == RECORD_JSON && doc.is_none() {
                let mut bytes = Vec::new();
                (&mut h).take(DOC_LIMIT).read_to_end(&mut bytes)?;
                std::io::copy(&mut h, &mut std::io::sink())?;
                doc = Some(serde_json::from_slice::<RecordDoc>(&bytes).map_err(|e| e.to_string()));
            } else {
                std::io::copy(&mut h, &mut std::io::sink())?;
            }
            let (size, sha256, _) = h.finish();
            parts.push(PartDigest { name, size, sha256 });
        }
    }
    std::io::copy(&mut whole, &mut std::io::sink())?;
    let (size, sha256, _) = whole.finish();
    Ok(OpenedRecord {
        sha256,
        size,
        parts,
        doc,
    })
}

fn decrypt_error(e: &age::DecryptError) -> String {
    match e {
        age::DecryptError::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Checks the packet at `path`. `trusted` are the registered stations; with `identities` (the
/// receiver's keys) every entry is decrypted and checked too. Errors are only for what keeps the
/// check from running (an unreadable file); everything wrong with the packet is a [`Problem`].
pub fn verify_batch(
    path: &Path,
    trusted: &TrustedStations,
    identities: Option<&[age::x25519::Identity]>,
) -> Result<Verification, VerifyError> {
    let mut v = Verification {
        file: path.into(),
        ..Verification::default()
    };
    let Some(seen) = scan(path, &mut v)? else {
        return Ok(v);
    };
    let (Some(header_bytes), signature) = (seen.header, seen.signature) else {
        v.problems.push(Problem::MissingEntry {
            entry: HEADER_NAME.into(),
        });
        return Ok(v);
    };
    // The signature first, against the registered stations' keys, before anything of the
    // header is believed.
    let signer = signature
        .as_deref()
        .and_then(|sig| trusted.signer_of(&header_bytes, sig))
        .cloned();
    let header: Header = match serde_json::from_slice(&header_bytes) {
        Ok(h) => h,
        Err(e) => {
            v.problems.push(Problem::HeaderUnreadable {
                detail: e.to_string(),
            });
            return Ok(v);
        }
    };
    if header.format != HEADER_FORMAT {
        v.problems.push(Problem::HeaderUnreadable {
            detail: format!("format '{}', expected '{HEADER_FORMAT}'", header.format),
        });
        return Ok(v);
    }
    match (&signature, &signer) {
        (None, _) => v.problems.push(Problem::MissingEntry {
            entry: SIGNATURE_NAME.into(),
        }),
        (Some(_), Some(s)) if s.public_key.eq_ignore_ascii_case(&header.signing_key) => {
            v.signature_valid = true;
        }
        (Some(sig), _) => {
            // Not signed by a registered key: is it at least signed by the key it names?
            v.signature_valid = check_signature(&header_bytes, sig, &header);
            if !v.signature_valid {
                v.problems.push(Problem::BadSignature);
            }
        }
    }
    match signer
        .as_ref()
        .or_else(|| trusted.find(&header.signing_key))
    {
        None => v.problems.push(Problem::UnknownStationKey {
            key: header.signing_key.clone(),
            fingerprint: fingerprint(&header.signing_key.to_ascii_lowercase()),
        }),
        Some(s) => {
            if s.kecamatan_code != header.kecamatan_code || s.station_id != header.station_id {
                v.problems.push(Problem::StationMismatch {
                    registered: format!("{} {}", s.kecamatan_code, s.station_id),
                    claimed: format!("{} {}", header.kecamatan_code, header.station_id),
                });
            }
            v.station = Some(s.clone());
        }
    }
    // Every entry the header lists, with the same bytes; nothing else.
    let mut altered: HashSet<String> = HashSet::new();
    let mut names = HashSet::new();
    for e in &seen.entries {
        if !names.insert(e.name.clone()) {
            v.problems.push(Problem::UnexpectedEntry {
                entry: e.name.clone(),
            });
        }
    }
    for want in &header.entries {
        match seen.entries.iter().find(|e| e.name == want.name) {
            None => v.problems.push(Problem::MissingEntry {
                entry: want.name.clone(),
            }),
            Some(got) if got.sha256 != want.sha256 || got.size != want.size => {
                altered.insert(want.name.clone());
                v.problems.push(Problem::EntryAltered {
                    entry: want.name.clone(),
                });
            }
            Some(_) => {}
        }
    }
    for got in &seen.entries {
        if !header.entries.iter().any(|w| w.name == got.name) {
            v.problems.push(Problem::UnexpectedEntry {
                entry: got.name.clone(),
            });
        }
    }
    let record_entries = header
        .entries
        .iter()
        .filter(|e| e.name.starts_with("records/"))
        .count();
    if record_entries != header.record_count {
        v.problems.push(Problem::CountMismatch {
            what: "records in the header".into(),
            expected: header.record_count,
            found: record_entries,
        });
    }
    // Nothing is decrypted from a packet that no registered station signed.
    let authentic = v.signature_valid && signer.is_some();
    if let Some(ids) = identities.filter(|_| authentic) {
        decrypt_and_check(path, &header, ids, &altered, &mut v)?;
    }
    v.header = Some(header);
    Ok(v)
}

/// Compares the packet's recipients with those `expected` (the receivers the station should
/// encrypt to): each one missing, and each one not expected, is a problem.
pub fn check_recipients(v: &mut Verification, expected: &[String]) {
    let Some(header) = &v.header else { return };
    let norm = |r: &String| r.trim().to_ascii_lowercase();
    let have: Vec<String> = header.recipients.iter().map(norm).collect();
    let want: Vec<String> = expected.iter().map(norm).collect();
    for w in want.iter().filter(|w| !have.contains(w)) {
        v.problems.push(Problem::RecipientMissing {
            recipient: w.clone(),
        });
    }
    for h in have.iter().filter(|h| !want.contains(h)) {
        v.problems.push(Problem::RecipientUnexpected {
            recipient: h.clone(),
        });
    }
}

fn decrypt_and_check(
    path: &Path,
    header: &Header,
    ids: &[age::x25519::Identity],
    altered: &HashSet<String>,
    v: &mut Verification,
) -> Result<(), VerifyError> {
    let io = |e| VerifyError::Io {
        path: path.into(),
        source: e,
    };
    let file = File::open(path).map_err(io)?;
    let mut archive = tar::Archive::new(BufReader::with_capacity(1 << 20, file));
    let mut opened: BTreeMap<String, OpenedRecord> = BTreeMap::new();
    let mut manifest: Option<Manifest> = None;
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(_) => return Ok(()),
    };
    for entry in entries {
        let Ok(entry) = entry else { break };
        let name = match entry.path() {
            Ok(p) => p.to_string_lossy().into_owned(),
            Err(_) => break,
        };
        if altered.contains(&name) || !header.entries.iter().any(|e| e.name == name) {
            continue;
        }
        if name == MANIFEST_NAME {
            let result = age::Decryptor::new(entry).and_then(|d| {
                let r = d.decrypt(ids.iter().map(|i| i as &dyn age::Identity))?;
                let mut bytes = Vec::new();
                r.take(DOC_LIMIT).read_to_end(&mut bytes)?;
                Ok(bytes)
            });
            match result {
                Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
                    Ok(m) if m.format == MANIFEST_FORMAT => manifest = Some(m),
                    Ok(m) => v.problems.push(Problem::ManifestUnreadable {
                        detail: format!("format '{}'", m.format),
                    }),
                    Err(e) => v.problems.push(Problem::ManifestUnreadable {
                        detail: e.to_string(),
                    }),
                },
                Err(age::DecryptError::NoMatchingKeys) => {
                    v.problems.push(Problem::NotForThisReceiver {
                        recipients: header.recipients.clone(),
                    });
                    return Ok(());
                }
                Err(e) => v.problems.push(Problem::CannotDecrypt {
                    entry: name,
                    detail: decrypt_error(&e),
                }),
            }
        } else if let Some(record) = name
            .strip_prefix("records/")
            .and_then(|n| n.strip_suffix(".age"))
        {
            match open_record(entry, ids) {
                Ok(o) => {
                    opened.insert(record.to_owned(), o);
                }
                Err(age::DecryptError::NoMatchingKeys) => {
                    v.problems.push(Problem::NotForThisReceiver {
                        recipients: header.recipients.clone(),
                    });
                    return Ok(());
                }
                Err(e) => v.problems.push(Problem::CannotDecrypt {
                    entry: name,
                    detail: decrypt_error(&e),
                }),
            }
        }
    }
    v.decrypted = true;
    let Some(m) = manifest else {
        if !altered.contains(MANIFEST_NAME)
            && !v.problems.iter().any(|p| {
                matches!(
                    p,
                    Problem::ManifestUnreadable { .. } | Problem::CannotDecrypt { .. }
                )
            })
        {
            v.problems.push(Problem::MissingEntry {
                entry: MANIFEST_NAME.into(),
            });
        }
        return Ok(());
    };
    let mut mismatch = |field: &str, same: bool| {
        if !same {
            v.problems.push(Problem::ManifestMismatch {
                field: field.into(),
            });
        }
    };
    mismatch("batch", m.batch == header.batch);
    mismatch("kecamatan_code", m.kecamatan_code == header.kecamatan_code);
    mismatch("station_id", m.station_id == header.station_id);
    mismatch("service_day", m.service_day == header.service_day);
    mismatch("seq", m.seq == header.seq);
    mismatch("station_mode", m.station_mode == header.station_mode);
    // The day's signed audit checkpoint: signed by the packet's station key, for its day, and
    // not ahead of the head the packet carries.
    match &m.audit_checkpoint {
        None => v.problems.push(Problem::CheckpointInvalid {
            detail: "no audit checkpoint".into(),
        }),
        Some(c) => {
            let message = crate::store::audit::checkpoint_message(
                &header.kecamatan_code,
                &header.station_id,
                c.seq,
                &c.hash,
                &c.service_day,
            );
            let signed =
                crate::store::signing::verify_hex(&header.signing_key, &c.signature, &message);
            let detail = if !signed {
                Some("the signature is not the station's".to_owned())
            } else if c.service_day != header.service_day {
                Some(format!(
                    "made for {}, not {}",
                    c.service_day, header.service_day
                ))
            } else if m.audit_head.as_ref().is_none_or(|h| h.seq < c.seq) {
                Some("ahead of the audit head".to_owned())
            } else {
                None
            };
            if let Some(detail) = detail {
                v.problems.push(Problem::CheckpointInvalid { detail });
            }
        }
    }
    let mut counted = Counts::default();
    for r in &m.records {
        if !header.entries.iter().any(|e| e.name == r.entry) {
            v.problems.push(Problem::MissingEntry {
                entry: r.entry.clone(),
            });
            continue;
        }
        let Some(o) = opened.get(&r.record) else {
            continue; // altered or undecryptable: reported already
        };
        v.records_checked += 1;
        if o.sha256 != r.sha256 || o.size != r.size {
            v.problems.push(Problem::RecordAltered {
                record: r.record.clone(),
            });
        }
        for want in &r.parts {
            match o.parts.iter().find(|p| p.name == want.name) {
                None => v.problems.push(Problem::PartMissing {
                    record: r.record.clone(),
                    part: want.name.clone(),
                }),
                Some(got) => {
                    v.parts_checked += 1;
                    if got.sha256 != want.sha256 || got.size != want.size {
                        v.problems.push(Problem::PartAltered {
                            record: r.record.clone(),
                            part: want.name.clone(),
                        });
                    }
                }
            }
        }
        for got in &o.parts {
            if !r.parts.iter().any(|p| p.name == got.name) {
                v.problems.push(Problem::PartUnexpected {
                    record: r.record.clone(),
                    part: got.name.clone(),
                });
            }
        }
        counted.records += 1;
        counted.parts += o.parts.len();
        match &o.doc {
            Some(Ok(doc)) => {
                if doc.station_mode != header.station_mode {
                    v.problems.push(Problem::ManifestMismatch {
                        field: format!("station_mode of record {}", r.record),
                    });
                }
                if r.devices != super::export::record_devices(doc) {
                    v.problems.push(Problem::ManifestMismatch {
                        field: format!("devices of record {}", r.record),
                    });
                }
                let simulated = doc
                    .captures
                    .iter()
                    .filter(|c| c.file.is_some())
                    .filter(|c| c.device.as_ref().is_none_or(|d| d.simulated()))
                    .map(|c| format!("{}-{}", c.modality, c.position))
                    .collect::<Vec<_>>();
                if !simulated.is_empty() {
                    v.simulated_records.push(r.record.clone());
                    if header.station_mode == crate::domain::StationMode::Production {
                        v.problems.push(Problem::SimulatedCapture {
                            record: r.record.clone(),
                            captures: simulated,
                        });
                    }
                }
                counted.captures += doc.captures.iter().filter(|c| c.file.is_some()).count();
                counted.exceptions += doc
                    .captures
                    .iter()
                    .filter(|c| c.exception.is_some())
                    .count();
                // Each capture's own hash in record.json agrees with its part.
                for c in &doc.captures {
                    if let (Some(file), Some(sha)) = (&c.file, &c.sha256) {
                        match o.parts.iter().find(|p| &p.name == file) {
                            Some(p) if &p.sha256 == sha => {}
                            Some(_) => v.problems.push(Problem::PartAltered {
                                record: r.record.clone(),
                                part: file.clone(),
                            }),
                            None => v.problems.push(Problem::PartMissing {
                                record: r.record.clone(),
                                part: file.clone(),
                            }),
                        }
                    }
                }
            }
            Some(Err(detail)) => v.problems.push(Problem::RecordUnreadable {
                record: r.record.clone(),
                detail: detail.clone(),
            }),
            None => v.problems.push(Problem::PartMissing {
                record: r.record.clone(),
                part: RECORD_JSON.into(),
            }),
        }
    }
    let intact = !v.problems.iter().any(|p| {
        matches!(
            p,
            Problem::EntryAltered { .. }
                | Problem::CannotDecrypt { .. }
                | Problem::MissingEntry { .. }
        )
    });
    let mut count = |what: &str, expected: usize, found: usize| {
        if expected != found {
            v.problems.push(Problem::CountMismatch {
                what: what.into(),
                expected,
                found,
            });
        }
    };
    count(
        "records in the manifest",
        header.record_count,
        m.records.len(),
    );
    if intact {
        // Only meaningful when every record could be opened.
        count("records", m.counts.records, counted.records);
        count("captures", m.counts.captures, counted.captures);
        count("exceptions", m.counts.exceptions, counted.exceptions);
        count("parts", m.counts.parts, counted.parts);
    }
    let rec = &m.reconciliation;
    let status = |s: &str| rec.tickets.iter().filter(|t| t.status == s).count();
    count("tickets issued", rec.tickets_issued, rec.tickets.len());
    count("tickets recorded", rec.recorded, status("recorded"));
    count("tickets returned", rec.returned, status("returned"));
    count("tickets deferred", rec.deferred, status("deferred"));
    count("tickets cancelled", rec.cancelled, status("cancelled"));
    count(
        "tickets still open",
        0,
        status("waiting") + status("called"),
    );
    v.manifest = Some(m);
    Ok(())
}

#[cfg(test)]
mod tests;

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

use ed25519_dalek::{Signature, VerifyingKey};

use super::format::*;
use super::{Hashing, VerifyError};
use crate::lang::{Lang, Localize};
use crate::store::signing::fingerprint;

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

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What is wrong with a packet. Each names what it is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// Not a ustar archive, or damaged in its structure.
    NotAPacket {
        detail: String,
    },
    MissingEntry {
        entry: String,
    },
    UnexpectedEntry {
        entry: String,
    },
    HeaderUnreadable {
        detail: String,
    },
    /// The signature does not match the header under the key the header names.
    BadSignature,
    /// The header is signed by a key no registered station has.
    UnknownStationKey {
        key: String,
        fingerprint: String,
    },
    /// The key is registered, but for another station than the header claims.
    StationMismatch {
        registered: String,
        claimed: String,
    },
    /// An entry's bytes differ from the signed header.
    EntryAltered {
        entry: String,
    },
    /// The packet is not encrypted to the given receiver key.
    NotForThisReceiver {
        recipients: Vec<String>,
    },
    CannotDecrypt {
        entry: String,
        detail: String,
    },
    ManifestUnreadable {
        detail: String,
    },
    /// The manifest says something else than the signed header.
    ManifestMismatch {
        field: String,
    },
    /// A record's decrypted content differs from its manifest hash.
    RecordAltered {
        record: String,
    },
    PartAltered {
        record: String,
        part: String,
    },
    PartMissing {
        record: String,
        part: String,
    },
    PartUnexpected {
        record: String,
        part: String,
    },
    RecordUnreadable {
        record: String,
        detail: String,
    },
    CountMismatch {
        what: String,
        expected: usize,
        found: usize,
    },
}

impl Localize for Problem {
    fn localize(&self, lang: Lang) -> String {
        use Problem::*;
        let id = lang == Lang::Id;
        match self {
            NotAPacket { detail } => {
                if id {
                    format!("Bukan file batch Rekam atau strukturnya rusak ({detail}).")
                } else {
                    format!("Not a Rekam batch file, or its structure is damaged ({detail}).")
                }
            }
            MissingEntry { entry } => {
                if id {
                    format!("Bagian hilang: {entry}.")
                } else {
                    format!("Missing part: {entry}.")
                }
            }
            UnexpectedEntry { entry } => {
                if id {
                    format!("Bagian tak dikenal atau ganda: {entry}.")
                } else {
                    format!("Unexpected or duplicate part: {entry}.")
                }
            }
            HeaderUnreadable { detail } => {
                if id {
                    format!("header.json tidak terbaca: {detail}.")
                } else {
                    format!("header.json is unreadable: {detail}.")
                }
            }
            BadSignature => {
                if id {
                    "Tanda tangan tidak sah: header.json diubah setelah ditandatangani, atau header.sig bukan miliknya.".into()
                } else {
                    "Bad signature: header.json was altered after signing, or header.sig is not its signature.".into()
                }
            }
            UnknownStationKey { fingerprint, .. } => {
                if id {
                    format!(
                        "Kunci stasiun tidak dikenal (sidik {fingerprint}): stasiun ini tidak terdaftar di penerima."
                    )
                } else {
                    format!(
                        "Unknown station key (fingerprint {fingerprint}): no registered station has it."
                    )
                }
            }
            StationMismatch {
                registered,
                claimed,
            } => {
                if id {
                    format!(
                        "Kunci ini terdaftar untuk stasiun {registered}, tetapi batch mengaku dari {claimed}."
                    )
                } else {
                    format!(
                        "The key is registered for station {registered}, but the batch claims to be from {claimed}."
                    )
                }
            }
            EntryAltered { entry } => {
                if id {
                    format!(
                        "{entry}: isi tidak cocok dengan SHA-256 di header yang ditandatangani (diubah)."
                    )
                } else {
                    format!(
                        "{entry}: content does not match the SHA-256 in the signed header (altered)."
                    )
                }
            }
            NotForThisReceiver { recipients } => {
                if id {
                    format!(
                        "Batch ini tidak dienkripsi untuk kunci penerima yang diberikan (penerimanya: {}).",
                        recipients.join(", ")
                    )
                } else {
                    format!(
                        "The batch is not encrypted to the given receiver key (its receivers: {}).",
                        recipients.join(", ")
                    )
                }
            }
            CannotDecrypt { entry, detail } => {
                if id {
                    format!("{entry}: tidak dapat didekripsi ({detail}).")
                } else {
                    format!("{entry}: cannot be decrypted ({detail}).")
                }
            }
            ManifestUnreadable { detail } => {
                if id {
                    format!("Manifest tidak terbaca: {detail}.")
                } else {
                    format!("The manifest is unreadable: {detail}.")
                }
            }
            ManifestMismatch { field } => {
                if id {
                    format!("Manifest berbeda dari header pada '{field}'.")
                } else {
                    format!("The manifest differs from the header in '{field}'.")
                }
            }
            RecordAltered { record } => {
                if id {
                    format!("Rekaman {record}: isi tidak cocok dengan hash di manifest.")
                } else {
                    format!("Record {record}: content does not match its hash in the manifest.")
                }
            }
            PartAltered { record, part } => {
                if id {
                    format!("Rekaman {record}, bagian {part}: SHA-256 tidak cocok dengan manifest.")
                } else {
                    format!("Record {record}, part {part}: SHA-256 does not match the manifest.")
                }
            }
            PartMissing { record, part } => {
                if id {
                    format!("Rekaman {record}: bagian {part} hilang.")
                } else {
                    format!("Record {record}: part {part} is missing.")
                }
            }
            PartUnexpected { record, part } => {
                if id {
                    format!("Rekaman {record}: bagian {part} tidak ada di manifest.")
                } else {
                    format!("Record {record}: part {part} is not in the manifest.")
                }
            }
            RecordUnreadable { record, detail } => {
                if id {
                    format!("Rekaman {record} tidak terbaca: {detail}.")
                } else {
                    format!("Record {record} is unreadable: {detail}.")
                }
            }
            CountMismatch {
                what,
                expected,
                found,
            } => {
                if id {
                    format!("Jumlah {what}: seharusnya {expected}, ditemukan {found}.")
                } else {
                    format!("Count of {what}: expected {expected}, found {found}.")
                }
            }
        }
    }
}

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
    pub problems: Vec<Problem>,
}

impl Verification {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

const SMALL_LIMIT: u64 = 64 << 20;

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
    let mut key = [0u8; 32];
    let mut sig = [0u8; 64];
    hex::decode_to_slice(header.signing_key.trim(), &mut key).is_ok()
        && hex::decode_to_slice(String::from_utf8_lossy(sig_bytes).trim(), &mut sig).is_ok()
        && VerifyingKey::from_bytes(&key)
            .map(|vk| {
                vk.verify_strict(header_bytes, &Signature::from_bytes(&sig))
                    .is_ok()
            })
            .unwrap_or(false)
}

/// What decrypting one record found.
struct Opened {
    sha256: String,
    size: u64,
    parts: Vec<PartDigest>,
    doc: Option<Result<RecordDoc, String>>,
}

fn open_record(
    reader: impl Read,
    identities: &[age::x25519::Identity],
) -> Result<Opened, age::DecryptError> {
    let decryptor = age::Decryptor::new(reader)?;
    let plain = decryptor.decrypt(identities.iter().map(|i| i as &dyn age::Identity))?;
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
                h.read_to_end(&mut bytes)?;
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
    Ok(Opened {
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
    match &signature {
        None => v.problems.push(Problem::MissingEntry {
            entry: SIGNATURE_NAME.into(),
        }),
        Some(sig) => {
            v.signature_valid = check_signature(&header_bytes, sig, &header);
            if !v.signature_valid {
                v.problems.push(Problem::BadSignature);
            }
        }
    }
    match trusted.find(&header.signing_key) {
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
    if let Some(ids) = identities {
        decrypt_and_check(path, &header, ids, &altered, &mut v)?;
    }
    v.header = Some(header);
    Ok(v)
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
    let mut opened: BTreeMap<String, Opened> = BTreeMap::new();
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
                let mut r = d.decrypt(ids.iter().map(|i| i as &dyn age::Identity))?;
                let mut bytes = Vec::new();
                r.read_to_end(&mut bytes)?;
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
mod tests {
    use super::*;

    #[test]
    fn garbage_and_empty_files_are_not_packets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let garbage = dir.path().join("garbage.rkb");
        std::fs::write(&garbage, [0x5au8; 2000]).expect("write");
        let v = verify_batch(&garbage, &TrustedStations::default(), None).expect("checked");
        assert!(!v.is_ok());
        assert!(
            matches!(
                v.problems[0],
                Problem::NotAPacket { .. } | Problem::MissingEntry { .. }
            ),
            "{:?}",
            v.problems
        );
        let empty = dir.path().join("empty.rkb");
        std::fs::write(&empty, b"").expect("write");
        let v = verify_batch(&empty, &TrustedStations::default(), None).expect("checked");
        assert_eq!(
            v.problems,
            vec![Problem::MissingEntry {
                entry: HEADER_NAME.into()
            }]
        );
        assert!(matches!(
            verify_batch(
                &dir.path().join("none.rkb"),
                &TrustedStations::default(),
                None
            ),
            Err(VerifyError::Io { .. })
        ));
    }
}

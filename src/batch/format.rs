//! The documents inside a batch packet, as serialised (docs/batch-format.md is their
//! specification; a change here is a change of format version).

use serde::{Deserialize, Serialize};

use crate::domain::{Provenance, StationMode};
use crate::workflow::Reconciliation;

/// `header.json`: the packet's signed, plaintext table of contents.
pub const HEADER_FORMAT: &str = "rekam-batch-2";
/// The station's signed checkpoint of its audit chain at the day's close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheckpoint {
    pub seq: i64,
    /// The chain's hash at `seq`, 64 hex digits.
    pub hash: String,
    pub service_day: String,
    pub signed_at: String,
    /// Ed25519 by the station's key over `rekam-audit-checkpoint-v1`, then kecamatan, station,
    /// seq, hash and service day, each after a zero byte (docs/batch-format.md); 128 hex digits.
    pub signature: String,
}

/// `manifest.age`, decrypted.
pub const MANIFEST_FORMAT: &str = "rekam-manifest-2";
/// `record.json` inside each record.
pub const RECORD_FORMAT: &str = "rekam-record-2";
/// The receiver's acknowledgement file (the signed envelope and the acknowledgement in it).
pub const ACK_FORMAT: &str = "rekam-ack-2";
/// What the receiver's Ed25519 signature of an acknowledgement covers: this, a zero byte, then
/// the exact bytes of [`SignedAck::ack`].
pub const ACK_SIGNATURE_CONTEXT: &[u8] = b"rekam-ack-2";
/// The largest acknowledgement file read (a day of 10,000 records takes about 2 MB).
pub const ACK_MAX_BYTES: u64 = 16 << 20;

pub const HEADER_NAME: &str = "header.json";
pub const SIGNATURE_NAME: &str = "header.sig";
pub const MANIFEST_NAME: &str = "manifest.age";
pub const RECORD_JSON: &str = "record.json";

/// The name of record `n` (1-based) inside the packet: `records/0001.age`.
pub fn record_entry_name(record: &str) -> String {
    format!("records/{record}.age")
}

/// `header.json`. Readable without the receiver's key; signed by the station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    /// `production` or `training`: a training station's packet is never a real recording.
    pub station_mode: StationMode,
    /// The packet's file name, e.g. `rekam-331301-01-20261120-01.rkb`.
    pub batch: String,
    pub kecamatan_code: String,
    pub station_id: String,
    /// The service day, `YYYY-MM-DD`.
    pub service_day: String,
    /// 1 for the day's first packet, 2 for a re-export, ...
    pub seq: u32,
    /// UTC, ISO 8601 with milliseconds.
    pub created_at: String,
    pub software_version: String,
    pub schema_version: i64,
    /// The station's Ed25519 public key (64 hex digits) that signed this header.
    pub signing_key: String,
    /// The age X25519 recipients every encrypted entry is encrypted to.
    pub recipients: Vec<String>,
    pub record_count: usize,
    /// Every archive member before `header.json`, in archive order.
    pub entries: Vec<EntryDigest>,
}

/// One archive member as stored (encrypted bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDigest {
    pub name: String,
    pub size: u64,
    /// SHA-256 of the member's bytes, 64 lowercase hex digits.
    pub sha256: String,
}

/// A person named in a record or manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub nip: Option<String>,
}

/// How many of what the packet carries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub records: usize,
    /// Capture files (data) over all records.
    pub captures: usize,
    /// Positions recorded as exceptions over all records.
    pub exceptions: usize,
    /// Every part over all records (record.json, captures, strokes).
    pub parts: usize,
}

/// One part of a record, as in the record's plaintext archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartDigest {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// One record in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRecord {
    /// `0001`, `0002`, ...
    pub record: String,
    /// The archive member, `records/0001.age`.
    pub entry: String,
    pub register_number: String,
    pub ticket: String,
    pub service_type: Option<String>,
    /// SHA-256 and size of the record's plaintext (its ustar archive, before encryption). The
    /// acknowledgement repeats this hash.
    pub sha256: String,
    pub size: u64,
    pub parts: Vec<PartDigest>,
    /// The devices the record's captures came from (each once), as in its `record.json`.
    pub devices: Vec<Provenance>,
}

/// The head of the station's audit chain when the packet was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// `manifest.age`, decrypted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// As in the header.
    pub station_mode: StationMode,
    pub batch: String,
    pub kecamatan_code: String,
    pub kecamatan_name: String,
    pub station_id: String,
    pub service_day: String,
    pub seq: u32,
    pub created_at: String,
    pub software_version: String,
    pub schema_version: i64,
    pub exported_by: Person,
    pub day_closed_at: String,
    pub day_closed_by: Person,
    pub counts: Counts,
    pub reconciliation: Reconciliation,
    pub audit_head: Option<AuditHead>,
    /// The signed checkpoint made when the day was closed.
    pub audit_checkpoint: Option<AuditCheckpoint>,
    pub records: Vec<ManifestRecord>,
}

/// A requirement of the checklist and what the operator found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementLine {
    pub requirement: String,
    pub finding: String,
    pub checked_by: i64,
    pub checked_at: String,
}

/// One workflow step the request was in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLine {
    pub step: String,
    /// The SOP step it counts towards, if any.
    pub sop_step: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub actor: Option<i64>,
}

/// One current capture of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureLine {
    /// `face`, `finger`, `iris`, `signature`.
    pub modality: String,
    /// Face and signature 0; fingers 1-10 (ISO/IEC 19794-4); irises 1 right, 2 left.
    pub position: u8,
    pub attempt: u32,
    /// 0-100 from the station's quality checks.
    pub quality: Option<u8>,
    /// The part holding the image (`finger-02.png`), absent for an exception.
    pub file: Option<String>,
    /// `jpeg`, `png`, `wsq`, ... of `file`.
    pub format: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub sha256: Option<String>,
    /// The pen strokes as captured (signature only): a part of their own.
    pub strokes_file: Option<String>,
    pub exception: Option<String>,
    pub exception_reason: Option<String>,
    pub captured_by: i64,
    pub captured_at: String,
    /// Where the data came from: backend (`real`, `simulated`), model, serial and firmware as
    /// the device reported them. Absent for an exception (and for captures stored before
    /// schema version 4).
    pub device: Option<Provenance>,
}

/// `record.json`: one request with everything but the image bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDoc {
    pub format: String,
    /// As in the packet's header.
    pub station_mode: StationMode,
    pub record: String,
    pub request_id: i64,
    pub register_number: String,
    pub ticket: String,
    pub service_day: String,
    pub service_type: Option<String>,
    pub step: String,
    /// The applicant's biodata, field names as in the station database (`nik`, `kk_number`,
    /// `full_name`, ...).
    pub applicant: serde_json::Map<String, serde_json::Value>,
    pub requirements: Vec<RequirementLine>,
    pub operator: Person,
    pub verified_by: Option<Person>,
    pub validated_by: Option<Person>,
    pub steps: Vec<StepLine>,
    pub captures: Vec<CaptureLine>,
}

/// The acknowledgement file: the acknowledgement's JSON text as a string (so that the signed bytes
/// are exactly those read back), the receiver's Ed25519 public key and its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedAck {
    pub format: String,
    /// The JSON text of the [`Ack`].
    pub ack: String,
    /// The receiver's public key, 64 hex digits: must be one the station pinned.
    pub signer: String,
    /// Ed25519 over `rekam-ack-2`, a zero byte and the UTF-8 bytes of `ack`; 128 hex digits.
    pub signature: String,
}

/// The receiver's acknowledgement of one packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub format: String,
    /// The packet's file name.
    pub batch: String,
    /// SHA-256 of the whole packet file as received.
    pub batch_sha256: String,
    /// Who acknowledges (free text, e.g. "Dinas Dukcapil Kab. Grobogan").
    pub receiver: String,
    /// When the receiver received it, UTC ISO 8601.
    pub received_at: String,
    pub records: Vec<AckRecord>,
}

/// The receiver's verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckRecord {
    pub record: String,
    /// The record's plaintext SHA-256 from the manifest: proves the receiver decrypted it.
    pub sha256: String,
    /// `accepted` or `rejected`.
    pub status: String,
    /// Why it was rejected (required then).
    pub reason: Option<String>,
}

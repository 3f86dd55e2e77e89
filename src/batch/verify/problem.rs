//! What can be wrong with a packet, each problem naming what it is about, in words.

use super::*;

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
    /// The manifest's audit checkpoint is missing, not signed by the station, or inconsistent.
    CheckpointInvalid {
        detail: String,
    },
    /// The receiver's ledger has seen this very packet before.
    Replayed {
        first_seen: String,
    },
    /// The station's audit chain is behind (or beside) what an earlier packet showed: rows were
    /// cut off or rewritten at the station.
    AuditWentBack {
        seen_seq: i64,
        packet_seq: i64,
    },
    /// A receiver the packet should be encrypted to is not among its recipients.
    RecipientMissing {
        recipient: String,
    },
    /// The packet is also encrypted to a key nobody expected.
    RecipientUnexpected {
        recipient: String,
    },
    /// A production station's record holds captures from a simulator, or from a device it
    /// does not name.
    SimulatedCapture {
        record: String,
        captures: Vec<String>,
    },
}

impl Localize for Problem {
    fn localize(&self, lang: Lang) -> String {
        use Problem::*;
        let id = lang == Lang::Id;
        match self {
            CheckpointInvalid { detail } => {
                if id {
                    format!("Titik periksa audit di manifest tidak sah ({detail}).")
                } else {
                    format!("The manifest's audit checkpoint is not valid ({detail}).")
                }
            }
            Replayed { first_seen } => {
                if id {
                    format!(
                        "Batch yang sama persis sudah diterima sebelumnya ({first_seen}): kiriman ulang, tidak diproses lagi."
                    )
                } else {
                    format!(
                        "This very packet was received before ({first_seen}): a replay, not processed again."
                    )
                }
            }
            AuditWentBack {
                seen_seq,
                packet_seq,
            } => {
                if id {
                    format!(
                        "Rantai audit stasiun mundur: batch sebelumnya sudah sampai baris {seen_seq}, batch ini baru {packet_seq} (atau isinya berbeda). Catatan audit di stasiun dipotong atau ditulis ulang."
                    )
                } else {
                    format!(
                        "The station's audit chain went back: an earlier packet reached row {seen_seq}, this one {packet_seq} (or differs there). The station's audit log was cut or rewritten."
                    )
                }
            }
            RecipientMissing { recipient } => {
                if id {
                    format!("Batch tidak dienkripsi untuk penerima yang seharusnya: {recipient}.")
                } else {
                    format!("The packet is not encrypted to an expected receiver: {recipient}.")
                }
            }
            RecipientUnexpected { recipient } => {
                if id {
                    format!(
                        "Batch juga dienkripsi untuk kunci yang tidak diharapkan: {recipient}. Siapa pun yang memegang kunci itu dapat membaca isinya."
                    )
                } else {
                    format!(
                        "The packet is also encrypted to an unexpected key: {recipient}. Whoever holds it can read the content."
                    )
                }
            }
            SimulatedCapture { record, captures } => {
                let list = captures.join(", ");
                if id {
                    format!(
                        "Rekaman {record} dari stasiun produksi memuat hasil simulator atau dari perangkat tanpa nama: {list}. Rekaman ini ditolak."
                    )
                } else {
                    format!(
                        "Record {record} from a production station holds captures from a simulator or from an unnamed device: {list}. The record is refused."
                    )
                }
            }
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

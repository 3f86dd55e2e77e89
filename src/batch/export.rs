//! Writing the day's batch packet (docs/batch-format.md). One record at a time: its captures are
//! decrypted from the store, bundled with `record.json` into a small ustar archive, encrypted to
//! the receivers with age and appended to the packet, so memory holds one record, never the day.
//! The packet is written to a hidden `.partial` file, flushed to disk and only then renamed to its
//! final name: an interrupted export leaves no file that looks like a batch.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::format::*;
use super::{ExportError, Hashing, batch_file_name};
use crate::domain::Provenance;
use crate::store::{Store, StoreError, User, audit, users};
use crate::workflow::{Encoding, Modality, Step};

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub date: NaiveDate,
    /// The folder to write into, typically on a USB drive.
    pub out_dir: PathBuf,
    /// The receivers (Dinas Dukcapil, the data center) as age X25519 recipients.
    pub recipients: Vec<age::x25519::Recipient>,
}

/// A packet written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    pub file_name: String,
    pub seq: u32,
    pub records: usize,
    pub bytes: u64,
    /// SHA-256 of the whole file (the acknowledgement names it).
    pub sha256: String,
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Appends one regular file to a ustar archive with fixed metadata (mode 0644, owner 0, the
/// packet's creation time), so that the same content gives the same bytes.
fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    data: &[u8],
    mtime: u64,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_path(name)?;
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(mtime);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    tar.append(&header, data)
}

/// Encrypts `plain` to every recipient as one binary age file.
pub(super) fn encrypt(
    plain: &[u8],
    recipients: &[age::x25519::Recipient],
) -> Result<Vec<u8>, ExportError> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| ExportError::Encrypt(e.to_string()))?;
    let mut out = Vec::with_capacity(plain.len() + 512);
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| ExportError::Encrypt(e.to_string()))?;
    w.write_all(plain)
        .and_then(|()| w.finish().map(drop))
        .map_err(|e| ExportError::Encrypt(e.to_string()))?;
    Ok(out)
}

fn person(store: &Store, id: i64) -> Result<Person, StoreError> {
    store
        .conn()
        .query_row(
            "SELECT id, username, full_name, nip FROM users WHERE id = ?1",
            [id],
            |r| {
                Ok(Person {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    full_name: r.get(2)?,
                    nip: r.get(3)?,
                })
            },
        )
        .map_err(|e| store.sql_error(e))
}

/// The requests of `date` a packet carries: recorded (or further), not yet accepted by a
/// receiver, in register order.
pub fn exportable_requests(store: &Store, date: NaiveDate) -> Result<Vec<i64>, StoreError> {
    let mut stmt = store
        .conn()
        .prepare_cached(
            "SELECT r.id FROM requests r
             WHERE r.service_day = ?1 AND r.step IN (?2, ?3, ?4)
               AND NOT EXISTS (SELECT 1 FROM receipts x WHERE x.request_id = r.id AND x.verdict = 'accepted')
             ORDER BY r.register_seq, r.id",
        )
        .map_err(|e| store.sql_error(e))?;
    stmt.query_map(
        params![
            date.to_string(),
            Step::Recorded,
            Step::ProofHandedOver,
            Step::Archived
        ],
        |r| r.get(0),
    )
    .map_err(|e| store.sql_error(e))?
    .collect::<Result<_, _>>()
    .map_err(|e| store.sql_error(e))
}

fn part_stem(modality: Modality, position: u8) -> String {
    match modality {
        Modality::Face => "face".into(),
        Modality::Finger => format!("finger-{position:02}"),
        Modality::Iris => format!("iris-{position}"),
        Modality::Signature => "signature".into(),
    }
}

/// One record's plaintext parts, `record.json` first.
struct Record {
    doc: RecordDoc,
    files: Vec<(String, Vec<u8>)>,
}

type CaptureRow = (
    i64,
    Modality,
    u8,
    u32,
    Option<u8>,
    Option<Encoding>,
    Option<u32>,
    Option<u32>,
    Option<String>,
    Option<String>,
    i64,
    String,
    Option<String>,
);

/// The devices a record's captures came from, each once, in the order first used.
pub(crate) fn record_devices(doc: &RecordDoc) -> Vec<Provenance> {
    let mut out: Vec<Provenance> = Vec::new();
    for d in doc.captures.iter().filter_map(|c| c.device.as_ref()) {
        if !out.contains(d) {
            out.push(d.clone());
        }
    }
    out
}

fn read_record(store: &Store, request: i64, record: &str) -> Result<Record, ExportError> {
    let sql = |e| store.sql_error(e);
    let conn = store.conn();
    type RequestRow = (
        String,
        String,
        Option<String>,
        Step,
        Option<i64>,
        Option<String>,
        i64,
        Option<i64>,
        Option<i64>,
    );
    let (service_day, ticket, service_type, step, applicant_id, register_number, op, ver, val): RequestRow = conn
        .query_row(
            "SELECT r.service_day, t.prefix || '-' || printf('%03d', t.number), r.service_type, r.step,
                    r.applicant_id, r.register_number, r.operator_id, r.verified_by, r.validated_by
             FROM requests r JOIN queue_tickets t ON t.id = r.ticket_id WHERE r.id = ?1",
            [request],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
        )
        .map_err(sql)?;
    // The biodata as validated (the snapshot taken then); a request validated before snapshots
    // existed carries the applicant's row as it is now.
    let snapshot: Option<String> = conn
        .query_row(
            "SELECT biodata FROM request_biodata WHERE request_id = ?1",
            [request],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql)?;
    let applicant = match (snapshot, applicant_id) {
        (Some(json), _) => match serde_json::from_str(&json) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(ExportError::Encode(format!(
                    "request {request}: biodata snapshot"
                )));
            }
        },
        (None, Some(id)) => crate::workflow::engine::applicant_fields(conn, id).map_err(sql)?,
        (None, None) => serde_json::Map::new(),
    };
    let mut stmt = conn
        .prepare_cached(
            "SELECT requirement, finding, checked_by, checked_at FROM requirement_checks
             WHERE request_id = ?1 ORDER BY requirement",
        )
        .map_err(sql)?;
    let requirements = stmt
        .query_map([request], |r| {
            Ok(RequirementLine {
                requirement: r.get(0)?,
                finding: r.get(1)?,
                checked_by: r.get(2)?,
                checked_at: r.get(3)?,
            })
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT step, started_at, ended_at, actor_id FROM step_events WHERE request_id = ?1 ORDER BY id",
        )
        .map_err(sql)?;
    let steps = stmt
        .query_map([request], |r| {
            let step: Step = r.get(0)?;
            Ok(StepLine {
                step: step.code().into(),
                sop_step: step.sop_step().map(|s| s.code().into()),
                started_at: r.get(1)?,
                ended_at: r.get(2)?,
                actor: r.get(3)?,
            })
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, modality, position, attempt, quality, format, width, height, exception,
                    exception_reason, captured_by, captured_at, device
             FROM captures WHERE request_id = ?1 AND superseded_at IS NULL
             ORDER BY CASE modality WHEN 'face' THEN 0 WHEN 'finger' THEN 1 WHEN 'iris' THEN 2 ELSE 3 END, position",
        )
        .map_err(sql)?;
    let rows: Vec<CaptureRow> = stmt
        .query_map([request], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
            ))
        })
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    let mut files = Vec::new();
    let mut captures = Vec::new();
    for (
        id,
        modality,
        position,
        attempt,
        quality,
        format,
        width,
        height,
        exception,
        reason,
        by,
        at,
        device,
    ) in rows
    {
        let device: Option<Provenance> = device
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| ExportError::Encode(format!("capture {id}: device: {e}")))?;
        let mut line = CaptureLine {
            modality: modality.code().into(),
            position,
            attempt,
            quality,
            file: None,
            format: None,
            width,
            height,
            sha256: None,
            strokes_file: None,
            exception,
            exception_reason: reason,
            captured_by: by,
            captured_at: at,
            device,
        };
        if let Some(format) = format {
            let bytes = store.capture_bytes(id)?;
            let stem = part_stem(modality, position);
            let (image_format, image) =
                if let Some(strokes) = crate::capture::signature::parse(format, &bytes) {
                    // Strokes travel as they were captured, plus the rendered image.
                    let name = format!("{stem}-strokes.json");
                    line.strokes_file = Some(name.clone());
                    files.push((name, bytes));
                    let img = crate::capture::signature::render_png(&strokes, 800);
                    (Encoding::Png, img)
                } else if format == Encoding::Gray8 {
                    let (w, h) = (width.unwrap_or(0), height.unwrap_or(0));
                    let img = image::GrayImage::from_raw(w, h, bytes)
                        .ok_or(ExportError::BadCapture(id))?;
                    let mut png = std::io::Cursor::new(Vec::new());
                    img.write_to(&mut png, image::ImageFormat::Png)
                        .map_err(|_| ExportError::BadCapture(id))?;
                    (Encoding::Png, png.into_inner())
                } else {
                    (format, bytes)
                };
            let name = format!("{stem}.{}", image_format.extension());
            line.sha256 = Some(sha256_hex(&image));
            line.file = Some(name.clone());
            line.format = Some(image_format.code().to_owned());
            files.push((name, image));
        }
        captures.push(line);
    }
    // Stroke files were pushed before their image; keep the image first for readers.
    files.sort_by_key(|(name, _)| name.ends_with("-strokes.json"));
    let doc = RecordDoc {
        format: RECORD_FORMAT.into(),
        station_mode: store.station().mode,
        record: record.into(),
        request_id: request,
        register_number: register_number.ok_or(ExportError::NotRegistered(request))?,
        ticket,
        service_day,
        service_type,
        step: step.code().into(),
        applicant,
        requirements,
        operator: person(store, op)?,
        verified_by: ver.map(|id| person(store, id)).transpose()?,
        validated_by: val.map(|id| person(store, id)).transpose()?,
        steps,
        captures,
    };
    Ok(Record { doc, files })
}

/// The packet's name and sequence: the next sequence of the day that neither the database nor
/// the folder already has.
fn next_name(store: &Store, date: NaiveDate, dir: &Path) -> Result<(u32, String), StoreError> {
    let last: Option<u32> = store
        .conn()
        .query_row(
            "SELECT max(seq) FROM batches WHERE service_day = ?1",
            [date.to_string()],
            |r| r.get(0),
        )
        .map_err(|e| store.sql_error(e))?;
    let mut seq = last.unwrap_or(0) + 1;
    loop {
        let name = batch_file_name(store.station(), date, seq);
        if !dir.join(&name).exists() {
            return Ok((seq, name));
        }
        seq += 1;
    }
}

/// Deletes the partial file when the export fails before its rename (a crash leaves it for
/// [`remove_stale_partials`]).
struct PartialGuard<'a>(Option<&'a Path>);

impl Drop for PartialGuard<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Removes `.partial` files an interrupted export of this station left in `dir`.
fn remove_stale_partials(store: &Store, dir: &Path) {
    let s = store.station();
    let prefix = format!(".rekam-{}-{}-", s.kecamatan_code, s.station_id);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".partial") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Exports the closed day `req.date`: writes the signed, encrypted packet into `req.out_dir`,
/// then records it (the batch, its records, `SENT_FOR_ENROLLMENT`) in one transaction.
/// `progress(done, total)` is called after each record.
pub fn export_day(
    store: &mut Store,
    supervisor: &User,
    req: &ExportRequest,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Exported, ExportError> {
    if !users::is_active_supervisor(store.conn(), supervisor.id).map_err(|e| store.sql_error(e))? {
        return Err(ExportError::NotSupervisor);
    }
    if req.recipients.is_empty() {
        return Err(ExportError::NoRecipients);
    }
    let close = match store.day_close(req.date)? {
        Some(c) => c,
        None => return Err(ExportError::DayNotClosed(store.open_items(req.date)?)),
    };
    let signing = store.signing_key()?;
    let out_dir = &req.out_dir;
    if !out_dir.is_dir() {
        return Err(ExportError::NoFolder(out_dir.clone()));
    }
    remove_stale_partials(store, out_dir);
    let requests = exportable_requests(store, req.date)?;
    let (seq, file_name) = next_name(store, req.date, out_dir)?;
    let created_at = store.now();
    let mtime = store.clock().now().timestamp().max(0) as u64;
    let station = store.station().clone();
    let final_path = out_dir.join(&file_name);
    let partial = out_dir.join(format!(".{file_name}.partial"));
    let io = |e: std::io::Error| ExportError::Io {
        path: partial.clone(),
        source: e,
    };

    let file = File::create(&partial).map_err(io)?;
    let mut guard = PartialGuard(Some(&partial));
    let mut tar = tar::Builder::new(Hashing::new(BufWriter::with_capacity(1 << 20, file)));
    let mut entries = Vec::with_capacity(requests.len() + 1);
    let mut manifest_records = Vec::with_capacity(requests.len());
    let mut batch_rows = Vec::with_capacity(requests.len());
    let mut counts = Counts::default();
    let total = requests.len();
    progress(0, total);
    for (i, request) in requests.iter().enumerate() {
        let record = format!("{:04}", i + 1);
        let Record { doc, files } = read_record(store, *request, &record)?;
        counts.records += 1;
        counts.captures += doc.captures.iter().filter(|c| c.file.is_some()).count();
        counts.exceptions += doc
            .captures
            .iter()
            .filter(|c| c.exception.is_some())
            .count();
        let record_json =
            serde_json::to_vec_pretty(&doc).map_err(|e| ExportError::Encode(e.to_string()))?;
        let mut plain = tar::Builder::new(Vec::new());
        let mut parts = Vec::with_capacity(files.len() + 1);
        for (name, bytes) in std::iter::once((RECORD_JSON, record_json.as_slice()))
            .chain(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
        {
            append(&mut plain, name, bytes, mtime).map_err(io)?;
            parts.push(PartDigest {
                name: name.into(),
                size: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            });
        }
        counts.parts += parts.len();
        let plain = plain.into_inner().map_err(io)?;
        let (record_sha, record_size) = (sha256_hex(&plain), plain.len() as u64);
        let sealed = encrypt(&plain, &req.recipients)?;
        drop(plain);
        let entry = record_entry_name(&record);
        append(&mut tar, &entry, &sealed, mtime).map_err(io)?;
        entries.push(EntryDigest {
            name: entry.clone(),
            size: sealed.len() as u64,
            sha256: sha256_hex(&sealed),
        });
        manifest_records.push(ManifestRecord {
            record: record.clone(),
            entry,
            register_number: doc.register_number.clone(),
            ticket: doc.ticket.clone(),
            service_type: doc.service_type.clone(),
            sha256: record_sha.clone(),
            size: record_size,
            parts,
            devices: record_devices(&doc),
        });
        batch_rows.push((*request, record, record_sha));
        progress(i + 1, total);
    }
    let audit_head = store
        .conn()
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(AuditHead {
                    seq: r.get(0)?,
                    hash: hex::encode(r.get::<_, Vec<u8>>(1)?),
                })
            },
        )
        .optional()
        .map_err(|e| store.sql_error(e))?;
    let audit_checkpoint = store
        .conn()
        .query_row(
            "SELECT seq, hash, service_day, signed_at, signature FROM audit_checkpoints
             WHERE service_day = ?1 ORDER BY seq DESC LIMIT 1",
            [req.date.to_string()],
            |r| {
                Ok(AuditCheckpoint {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                    service_day: r.get(2)?,
                    signed_at: r.get(3)?,
                    signature: r.get(4)?,
                })
            },
        )
        .optional()
        .map_err(|e| store.sql_error(e))?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT.into(),
        station_mode: station.mode,
        batch: file_name.clone(),
        kecamatan_code: station.kecamatan_code.clone(),
        kecamatan_name: station.kecamatan_name.clone(),
        station_id: station.station_id.clone(),
        service_day: req.date.to_string(),
        seq,
        created_at: created_at.clone(),
        software_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: crate::store::SCHEMA_VERSION,
        exported_by: person(store, supervisor.id)?,
        day_closed_at: close.closed_at.clone(),
        day_closed_by: person(store, close.closed_by)?,
        counts: counts.clone(),
        reconciliation: close.reconciliation.clone(),
        audit_head,
        audit_checkpoint,
        records: manifest_records,
    };
    let manifest_json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| ExportError::Encode(e.to_string()))?;
    let sealed = encrypt(&manifest_json, &req.recipients)?;
    append(&mut tar, MANIFEST_NAME, &sealed, mtime).map_err(io)?;
    entries.push(EntryDigest {
        name: MANIFEST_NAME.into(),
        size: sealed.len() as u64,
        sha256: sha256_hex(&sealed),
    });
    let header = Header {
        format: HEADER_FORMAT.into(),
        station_mode: station.mode,
        batch: file_name.clone(),
        kecamatan_code: station.kecamatan_code.clone(),
        station_id: station.station_id.clone(),
        service_day: req.date.to_string(),
        seq,
        created_at: created_at.clone(),
        software_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: crate::store::SCHEMA_VERSION,
        signing_key: signing.public_hex(),
        recipients: req.recipients.iter().map(|r| r.to_string()).collect(),
        record_count: total,
        entries,
    };
    let header_json =
        serde_json::to_vec_pretty(&header).map_err(|e| ExportError::Encode(e.to_string()))?;
    let signature = format!("{}\n", hex::encode(signing.sign(&header_json)));
    append(&mut tar, HEADER_NAME, &header_json, mtime).map_err(io)?;
    append(&mut tar, SIGNATURE_NAME, signature.as_bytes(), mtime).map_err(io)?;
    let mut hashing = tar.into_inner().map_err(io)?;
    hashing.flush().map_err(io)?;
    let (bytes, sha256, buffered) = hashing.finish();
    let file = buffered.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    // The station commits the batch first; only then is the packet renamed into place, so that
    // a packet on the drive is always one the station knows it exported (a failure before the
    // rename leaves only the `.partial` file, which the guard removes).
    store.write(|tx, ctx| {
        tx.execute(
            "INSERT INTO batches (service_day, seq, file_name, sha256, record_count, status, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'exported', ?6, ?7)",
            params![req.date.to_string(), seq, file_name, sha256, total as i64, supervisor.id, ctx.now],
        )
        .map_err(|e| ctx.sql(e))?;
        let batch = tx.last_insert_rowid();
        for (request, record, sha) in &batch_rows {
            tx.execute(
                "INSERT INTO batch_records (batch_id, request_id, record, sha256) VALUES (?1, ?2, ?3, ?4)",
                params![batch, request, record, sha],
            )
            .map_err(|e| ctx.sql(e))?;
            tx.execute(
                "UPDATE requests SET central_status = 'SENT_FOR_ENROLLMENT', updated_at = ?2
                 WHERE id = ?1 AND central_status = 'BIO_CAPTURED'",
                params![request, ctx.now],
            )
            .map_err(|e| ctx.sql(e))?;
        }
        ctx.audit(
            tx,
            &audit::Entry {
                actor_id: Some(supervisor.id),
                action: "batch.export",
                entity: "batch",
                entity_id: Some(batch),
                detail: json!({
                    "file": file_name,
                    "sha256": sha256,
                    "records": total,
                    "service_day": req.date.to_string(),
                    "seq": seq,
                }),
            },
        )?;
        Ok::<_, StoreError>(())
    })?;
    std::fs::rename(&partial, &final_path).map_err(io)?;
    guard.0 = None;
    File::open(out_dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ExportError::Io {
            path: out_dir.clone(),
            source: e,
        })?;
    Ok(Exported {
        path: final_path,
        file_name,
        seq,
        records: total,
        bytes,
        sha256,
    })
}

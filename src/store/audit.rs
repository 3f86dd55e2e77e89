//! The append-only, hash-chained audit log. Each row's hash covers the previous row's hash and the
//! row's own fields, so a changed, removed or reordered row breaks the chain from that row on.
//! Triggers in schema.sql refuse UPDATE and DELETE; the chain catches what goes around them.

use rusqlite::{OptionalExtension, Transaction, params};

use super::cached;
use sha2::{Digest, Sha256};

/// One audit entry to append.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub detail: serde_json::Value,
}

/// The fields of a row that its hash covers.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub detail: &'a str,
}

/// The hash of a row: SHA-256 over `prev_hash`, then each field as a 4-byte big-endian length and
/// its UTF-8 bytes (NULL as the length 0xFFFFFFFF and no bytes), in the order seq, at, actor_id,
/// action, entity, entity_id, detail. Integers are written in decimal.
pub fn row_hash(prev: &[u8], f: &Fields<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    let mut field = |v: Option<&str>| match v {
        Some(s) => {
            h.update((s.len() as u32).to_be_bytes());
            h.update(s.as_bytes());
        }
        None => h.update(u32::MAX.to_be_bytes()),
    };
    field(Some(&f.seq.to_string()));
    field(Some(f.at));
    field(f.actor_id.map(|a| a.to_string()).as_deref());
    field(Some(f.action));
    field(Some(f.entity));
    field(f.entity_id.map(|a| a.to_string()).as_deref());
    field(Some(f.detail));
    h.finalize().into()
}

/// Appends `entry` in the caller's transaction, so it commits or rolls back with the change it
/// describes. Returns the new row's sequence number.
pub fn append(tx: &Transaction<'_>, at: &str, entry: &Entry<'_>) -> rusqlite::Result<i64> {
    let last: Option<(i64, Vec<u8>)> = cached::query_row(
        tx,
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?;
    let (seq, prev) = last.map_or((1, vec![0u8; 32]), |(s, h)| (s + 1, h));
    let detail = entry.detail.to_string();
    let fields = Fields {
        seq,
        at,
        actor_id: entry.actor_id,
        action: entry.action,
        entity: entry.entity,
        entity_id: entry.entity_id,
        detail: &detail,
    };
    let hash = row_hash(&prev, &fields);
    cached::execute(tx,
        "INSERT INTO audit_log (seq, at, actor_id, action, entity, entity_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![seq, at, entry.actor_id, entry.action, entry.entity, entry.entity_id, detail, prev, &hash[..]],
    )?;
    Ok(seq)
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// Rows checked.
    pub rows: u64,
    /// Hash of the last row, hex: the chain's head, to be carried in exports as an anchor.
    pub head: Option<String>,
    /// The first broken row, if any.
    pub broken: Option<Break>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Break {
    pub seq: i64,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// A sequence number is missing before this row (a row was deleted).
    Gap,
    /// The row's prev_hash is not the previous row's hash.
    PrevHashMismatch,
    /// The row's contents do not give its stored hash (the row was altered).
    HashMismatch,
    /// The chain ends before a signed checkpoint: rows were cut off its end.
    Truncated,
    /// The row a signed checkpoint covers has another hash: the chain was rewritten.
    CheckpointMismatch,
}

/// What a signed audit checkpoint covers: the chain's head `seq`/`hash` of station
/// `kecamatan`-`station` at the close of `service_day`.
pub fn checkpoint_message(
    kecamatan: &str,
    station: &str,
    seq: i64,
    hash: &str,
    service_day: &str,
) -> Vec<u8> {
    format!("rekam-audit-checkpoint-v1\0{kecamatan}\0{station}\0{seq}\0{hash}\0{service_day}")
        .into_bytes()
}

/// Walks the chain from the first row and reports the first break.
pub fn verify(conn: &rusqlite::Connection) -> rusqlite::Result<Verification> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, action, entity, entity_id, detail, prev_hash, hash FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = vec![0u8; 32];
    let mut expected_seq = 1i64;
    let mut count = 0u64;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let prev: Vec<u8> = r.get(7)?;
        let stored: Vec<u8> = r.get(8)?;
        let broken = |reason| Verification {
            rows: count,
            head: None,
            broken: Some(Break { seq, reason }),
        };
        if seq != expected_seq {
            return Ok(broken(BreakReason::Gap));
        }
        if prev != expected_prev {
            return Ok(broken(BreakReason::PrevHashMismatch));
        }
        let (at, action, entity, detail): (String, String, String, String) =
            (r.get(1)?, r.get(3)?, r.get(4)?, r.get(6)?);
        let fields = Fields {
            seq,
            at: &at,
            actor_id: r.get(2)?,
            action: &action,
            entity: &entity,
            entity_id: r.get(5)?,
            detail: &detail,
        };
        let hash = row_hash(&prev, &fields);
        if hash[..] != stored[..] {
            return Ok(broken(BreakReason::HashMismatch));
        }
        expected_prev = stored;
        expected_seq += 1;
        count += 1;
    }
    drop(rows);
    // Every checkpoint must still be in the chain, with the hash it was signed with.
    let mut stmt = conn.prepare(
        "SELECT c.seq, c.hash, a.hash FROM audit_checkpoints c LEFT JOIN audit_log a ON a.seq = c.seq
         ORDER BY c.seq",
    )?;
    let mut checkpoints = stmt.query([])?;
    while let Some(r) = checkpoints.next()? {
        let (seq, signed, found): (i64, String, Option<Vec<u8>>) =
            (r.get(0)?, r.get(1)?, r.get(2)?);
        let reason = match found {
            None => Some(BreakReason::Truncated),
            Some(h) if hex::encode(&h) != signed => Some(BreakReason::CheckpointMismatch),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            return Ok(Verification {
                rows: count,
                head: None,
                broken: Some(Break { seq, reason }),
            });
        }
    }
    Ok(Verification {
        rows: count,
        head: (count > 0).then(|| hex::encode(&expected_prev)),
        broken: None,
    })
}

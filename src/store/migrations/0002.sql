-- Schema version 2: the day close, the station signing key, the records of each batch packet and
-- the receiver's acknowledgements (docs/batch-format.md).

-- The public half of the station's Ed25519 signing key (the private half is in its key file).
CREATE TABLE station_signing_key (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    public_key      TEXT NOT NULL CHECK (length(public_key) = 64),
    created_at      TEXT NOT NULL
) STRICT;

-- A closed service day: every ticket ended, every recorded request validated. No ticket is issued
-- for a closed day.
CREATE TABLE day_closes (
    service_day     TEXT PRIMARY KEY,
    closed_by       INTEGER NOT NULL REFERENCES users (id),
    closed_at       TEXT NOT NULL,
    reconciliation  TEXT NOT NULL               -- JSON: the queue reconciliation at the close
) STRICT;

-- Why a ticket that was never called ended (the applicant left before the call, or did not come
-- when the day was closed). Called tickets carry their reason on their request.
CREATE TABLE ticket_cancellations (
    ticket_id       INTEGER PRIMARY KEY REFERENCES queue_tickets (id),
    reason          TEXT NOT NULL CHECK (length(reason) > 0),
    cancelled_by    INTEGER NOT NULL REFERENCES users (id),
    cancelled_at    TEXT NOT NULL
) STRICT;

-- batch_items of version 1 was never written; batch_records replaces it.
DROP TABLE batch_items;

-- The records of a batch packet: which request is record '0001', and the SHA-256 of the record's
-- plaintext, which the receiver's acknowledgement repeats to prove it decrypted the record.
CREATE TABLE batch_records (
    batch_id        INTEGER NOT NULL REFERENCES batches (id),
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    record          TEXT NOT NULL CHECK (length(record) = 4),
    sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
    PRIMARY KEY (batch_id, request_id),
    UNIQUE (batch_id, record)
) STRICT, WITHOUT ROWID;
CREATE INDEX batch_records_request ON batch_records (request_id);

-- The receiver's verdict on an exported request, from its acknowledgement file. Once accepted and
-- the retention has passed, the request's capture blobs are deleted (biometrics_deleted_at).
CREATE TABLE receipts (
    request_id      INTEGER PRIMARY KEY REFERENCES requests (id),
    batch_id        INTEGER NOT NULL REFERENCES batches (id),
    verdict         TEXT NOT NULL CHECK (verdict IN ('accepted', 'rejected')),
    reason          TEXT,
    received_at     TEXT NOT NULL,              -- when the receiver says it received the batch
    imported_at     TEXT NOT NULL,
    biometrics_deleted_at TEXT,
    CHECK ((verdict = 'rejected') = (reason IS NOT NULL))
) STRICT;

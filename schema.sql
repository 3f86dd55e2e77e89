-- Rekam station database, schema version 4.
--
-- This file is the whole database structure of the current version. Databases get there through
-- the migrations in src/store/migrations/ (0001.sql is version 1 as it shipped, 0002.sql and later
-- each one change) applied by rusqlite_migration (PRAGMA user_version). A change appends a
-- migration AND updates this file; the test store::migrations::tests::migrations_match_schema_sql
-- proves both give the same database.
--
-- Conventions: times are UTC, ISO 8601 with milliseconds ('2026-11-21T05:29:29.123Z'); service days
-- are the station's local date ('2026-11-21'); codes are the stable text codes of the Rust enums.
-- Nothing here is deleted in normal operation: requests end in a terminal step, captures are
-- superseded, and the audit log is append-only (enforced by triggers).

-- The one station this database belongs to.
CREATE TABLE station (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    kecamatan_code  TEXT NOT NULL CHECK (length(kecamatan_code) = 6 AND kecamatan_code GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]'),
    kecamatan_name  TEXT NOT NULL,
    station_id      TEXT NOT NULL CHECK (length(station_id) BETWEEN 1 AND 8),
    -- Identifies the data key (see docs/storage.md): opening with another key file is refused.
    data_key_id     TEXT NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;

-- The station's mode, fixed at setup: a production station never uses a simulator; a training
-- station may, and marks everything it makes. Stations set up before version 4 become training
-- stations (they were made when the simulator was allowed everywhere).
CREATE TABLE station_mode (
    id              INTEGER PRIMARY KEY CHECK (id = 1) REFERENCES station (id),
    mode            TEXT NOT NULL CHECK (mode IN ('production', 'training')),
    set_at          TEXT NOT NULL
) STRICT;

CREATE TRIGGER station_mode_no_update BEFORE UPDATE ON station_mode
BEGIN
    SELECT RAISE(ABORT, 'the station mode is fixed at setup');
END;

CREATE TRIGGER station_mode_no_delete BEFORE DELETE ON station_mode
BEGIN
    SELECT RAISE(ABORT, 'the station mode is fixed at setup');
END;

-- The device settings file as Rekam last wrote it or a supervisor acknowledged it: a file that
-- differs at start was changed outside Rekam (audited, and shown to the supervisor).
CREATE TABLE device_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
    body            TEXT NOT NULL,
    saved_by        INTEGER REFERENCES users (id),
    saved_at        TEXT NOT NULL
) STRICT;

-- users.must_change_password (version 4, added by ALTER TABLE, hence after created_at): a password
-- a supervisor set (a new user, a reset) must be changed at the next login.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 32),
    full_name       TEXT NOT NULL,
    nip             TEXT,                       -- civil servant number, if any
    role            TEXT NOT NULL CHECK (role IN ('operator', 'supervisor')),
    password_hash   TEXT NOT NULL,              -- argon2id, PHC string format
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL
, must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1))) STRICT;

-- Officer cards (PIV): the key each card proves at login, recorded when a supervisor issues it.
CREATE TABLE officer_cards (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    spki            BLOB NOT NULL,              -- the PIV authentication key, SubjectPublicKeyInfo DER
    fingerprint     TEXT NOT NULL UNIQUE CHECK (length(fingerprint) = 64), -- SHA-256 of spki, hex
    guid            TEXT,                       -- the card's CHUID GUID (hex), if it has one
    subject         TEXT NOT NULL,              -- the certificate's subject, as shown at issue
    issued_at       TEXT NOT NULL,
    issued_by       INTEGER NOT NULL REFERENCES users (id),
    revoked_at      TEXT,
    revoked_by      INTEGER REFERENCES users (id),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
) STRICT;

CREATE INDEX officer_cards_user ON officer_cards (user_id);

-- Counters that only go up: queue numbers per (day, prefix) and register numbers per day.
-- Never decremented and never deleted, so no number is handed out twice.
CREATE TABLE counters (
    name            TEXT NOT NULL,              -- 'ticket:A', 'register'
    day             TEXT NOT NULL,
    value           INTEGER NOT NULL CHECK (value >= 0),
    PRIMARY KEY (name, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE queue_tickets (
    id              INTEGER PRIMARY KEY,
    service_day     TEXT NOT NULL,
    prefix          TEXT NOT NULL CHECK (length(prefix) = 1 AND prefix GLOB '[A-Z]'),
    number          INTEGER NOT NULL CHECK (number > 0),
    status          TEXT NOT NULL DEFAULT 'waiting'
                    CHECK (status IN ('waiting', 'called', 'recorded', 'returned', 'deferred', 'cancelled')),
    issued_at       TEXT NOT NULL,
    called_at       TEXT,
    closed_at       TEXT,
    UNIQUE (service_day, prefix, number)
) STRICT;
CREATE INDEX queue_tickets_day ON queue_tickets (service_day, status);

-- The applicant's biodata as on the KTP-el. One row per NIK; a later request updates it.
CREATE TABLE applicants (
    id              INTEGER PRIMARY KEY,
    nik             TEXT NOT NULL UNIQUE CHECK (length(nik) = 16 AND nik NOT GLOB '*[^0-9]*'),
    kk_number       TEXT NOT NULL CHECK (length(kk_number) = 16 AND kk_number NOT GLOB '*[^0-9]*'),
    full_name       TEXT NOT NULL CHECK (length(full_name) > 0),
    birth_place     TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL CHECK (sex IN ('L', 'P')),
    blood_type      TEXT NOT NULL CHECK (blood_type IN ('A', 'B', 'AB', 'O', '-')),
    address         TEXT NOT NULL,
    rt              TEXT NOT NULL,
    rw              TEXT NOT NULL,
    village         TEXT NOT NULL,
    address_region  TEXT NOT NULL,              -- 6-digit kecamatan code of the address
    religion        TEXT NOT NULL,
    marital_status  TEXT NOT NULL CHECK (marital_status IN ('belum_kawin', 'kawin', 'cerai_hidup', 'cerai_mati')),
    occupation      TEXT NOT NULL,
    nationality     TEXT NOT NULL CHECK (nationality IN ('wni', 'wna')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

-- One request (permohonan) per called ticket: the unit the workflow moves.
CREATE TABLE requests (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER NOT NULL UNIQUE REFERENCES queue_tickets (id),
    service_day     TEXT NOT NULL,
    applicant_id    INTEGER REFERENCES applicants (id),
    service_type    TEXT CHECK (service_type IN ('rekam_baru', 'ganti_rusak', 'ganti_hilang', 'perubahan_data',
                                                 'pindah_datang', 'datang_luar_negeri')),
    step            TEXT NOT NULL,              -- workflow::Step code
    register_seq    INTEGER,
    register_number TEXT UNIQUE,
    operator_id     INTEGER NOT NULL REFERENCES users (id),
    verified_by     INTEGER REFERENCES users (id),
    validated_by    INTEGER REFERENCES users (id),
    outcome_reason  TEXT,                       -- why returned, cancelled or deferred
    central_status  TEXT,                       -- BIO_CAPTURED, SENT_FOR_ENROLLMENT, ... (DOMAIN.md)
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((register_seq IS NULL) = (register_number IS NULL)),
    UNIQUE (service_day, register_seq)
) STRICT;
CREATE INDEX requests_day_step ON requests (service_day, step);
CREATE INDEX requests_applicant ON requests (applicant_id);
-- The requests a station resumes after a restart: few, whatever the size of the database. The
-- WHERE clause must stay the same as in Store::open_requests for the planner to use it.
CREATE INDEX requests_open ON requests (updated_at) WHERE step NOT IN ('archived', 'returned', 'cancelled', 'deferred');

-- The operator's finding per checklist item; a re-check replaces the finding.
CREATE TABLE requirement_checks (
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    requirement     TEXT NOT NULL,
    finding         TEXT NOT NULL CHECK (finding IN ('present', 'missing', 'not_applicable')),
    checked_by      INTEGER NOT NULL REFERENCES users (id),
    checked_at      TEXT NOT NULL,
    PRIMARY KEY (request_id, requirement)
) STRICT, WITHOUT ROWID;

-- captures.device (version 4, added by ALTER TABLE, hence on the line of superseded_at): where the
-- data came from, JSON {backend, model, serial?, firmware?}; NULL for exceptions and older captures.
-- Every attempt of every capture. The current one per (request, modality, position) has
-- superseded_at NULL; a retake supersedes it, and an earlier attempt can be selected back.
CREATE TABLE captures (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    modality        TEXT NOT NULL CHECK (modality IN ('face', 'finger', 'iris', 'signature')),
    -- face, signature: 0. finger: ISO/IEC 19794-4 position 1-10 (1 right thumb .. 5 right little,
    -- 6 left thumb .. 10 left little). iris: ISO/IEC 19794-6 eye label 1 right, 2 left.
    position        INTEGER NOT NULL CHECK (position BETWEEN 0 AND 10),
    attempt         INTEGER NOT NULL CHECK (attempt >= 1),
    quality         INTEGER CHECK (quality BETWEEN 0 AND 100),
    format          TEXT,                       -- 'png', 'jpeg', 'wsq', 'gray8', 'strokes-json', ...
    width           INTEGER,
    height          INTEGER,
    exception       TEXT,                       -- 'missing', 'injured', 'bandaged', 'unable', ... (no data)
    exception_reason TEXT,
    captured_by     INTEGER NOT NULL REFERENCES users (id),
    captured_at     TEXT NOT NULL,
    superseded_at   TEXT, device TEXT CHECK (device IS NULL OR json_valid(device)),
    -- Exactly one of: data (format set) or an exception with its reason.
    CHECK ((exception IS NULL) = (format IS NOT NULL)),
    CHECK ((exception IS NULL) = (exception_reason IS NULL)),
    UNIQUE (request_id, modality, position, attempt)
) STRICT;
CREATE UNIQUE INDEX captures_current ON captures (request_id, modality, position) WHERE superseded_at IS NULL;

-- The encrypted bytes of a capture (XChaCha20-Poly1305 under the station data key, see
-- docs/storage.md). Kept apart from captures so that queries never page through images and so
-- that retention can delete biometrics while keeping the record of the capture.
CREATE TABLE capture_blobs (
    capture_id      INTEGER PRIMARY KEY REFERENCES captures (id),
    nonce           BLOB NOT NULL CHECK (length(nonce) = 24),
    ciphertext      BLOB NOT NULL
) STRICT;

-- One row per workflow step a request was in: entered when the step began, left when it ended.
CREATE TABLE step_events (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    step            TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    ended_at        TEXT,
    actor_id        INTEGER REFERENCES users (id)
) STRICT;
CREATE INDEX step_events_request ON step_events (request_id, id);
CREATE UNIQUE INDEX step_events_open ON step_events (request_id) WHERE ended_at IS NULL;

-- End-of-day export packets (docs/batch-format.md): one row per file written.
CREATE TABLE batches (
    id              INTEGER PRIMARY KEY,
    service_day     TEXT NOT NULL,
    seq             INTEGER NOT NULL CHECK (seq >= 1),
    file_name       TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    record_count    INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('exported', 'acknowledged')),
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    acknowledged_at TEXT,
    UNIQUE (service_day, seq)
) STRICT;

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

-- Append-only, hash-chained audit log. hash = SHA-256 of prev_hash and the row's fields
-- (encoding in docs/storage.md); the first row's prev_hash is 32 zero bytes.
CREATE TABLE audit_log (
    seq             INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_id        INTEGER,
    action          TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       INTEGER,
    detail          TEXT NOT NULL,              -- JSON object
    prev_hash       BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash            BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- The auto-capture policy's decisions (src/capture/policy.rs), each with the scores it rests on:
-- why a frame was taken, an attempt retried, or the best of all attempts kept.
CREATE TABLE capture_decisions (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    modality        TEXT NOT NULL CHECK (modality IN ('face', 'finger', 'iris', 'signature')),
    -- As in captures: face, signature 0; finger 1-10 (a slap is decided at its first finger's
    -- position); iris 1 right, 2 left.
    position        INTEGER NOT NULL CHECK (position BETWEEN 0 AND 10),
    attempt         INTEGER NOT NULL CHECK (attempt >= 1),
    outcome         TEXT NOT NULL CHECK (outcome IN ('accepted', 'retry', 'best_of_attempts', 'operator')),
    frames          INTEGER NOT NULL CHECK (frames >= 0),
    -- The best frame of the attempt: its score, verdict and checks (JSON array of
    -- {check, pass, score, value, id, en}); all NULL when no frame came.
    score           INTEGER CHECK (score BETWEEN 0 AND 100),
    acceptable      INTEGER CHECK (acceptable IN (0, 1)),
    findings        TEXT,
    decided_by      INTEGER NOT NULL REFERENCES users (id),
    decided_at      TEXT NOT NULL,
    CHECK ((score IS NULL) = (findings IS NULL) AND (score IS NULL) = (acceptable IS NULL))
) STRICT;
CREATE INDEX capture_decisions_request ON capture_decisions (request_id, modality, position);

-- The receivers' Ed25519 public keys (the Dinas Dukcapil, the data center) that sign
-- acknowledgements, pinned by a supervisor; an acknowledgement under any other key changes
-- nothing. A removed key stays, with who removed it and when.
CREATE TABLE receiver_keys (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    public_key      TEXT NOT NULL UNIQUE CHECK (length(public_key) = 64 AND public_key NOT GLOB '*[^0-9a-f]*'),
    added_by        INTEGER NOT NULL REFERENCES users (id),
    added_at        TEXT NOT NULL,
    removed_by      INTEGER REFERENCES users (id),
    removed_at      TEXT
) STRICT;

-- The applicant's biodata as it stood when the supervisor validated the request (JSON object,
-- field names as in applicants): the packet carries this, not what the applicant row says later.
CREATE TABLE request_biodata (
    request_id      INTEGER PRIMARY KEY REFERENCES requests (id),
    biodata         TEXT NOT NULL CHECK (json_valid(biodata)),
    taken_at        TEXT NOT NULL
) STRICT;

-- Signed checkpoints of the audit chain, one per day close: the chain's head at the close (the
-- `day.close` row), signed with the station's Ed25519 key (docs/storage.md). A chain that ends
-- before its last checkpoint, or holds another hash there, was cut or rewritten.
CREATE TABLE audit_checkpoints (
    seq             INTEGER PRIMARY KEY,
    hash            TEXT NOT NULL CHECK (length(hash) = 64),
    service_day     TEXT NOT NULL,
    signed_at       TEXT NOT NULL,
    signature       TEXT NOT NULL CHECK (length(signature) = 128)
) STRICT;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;

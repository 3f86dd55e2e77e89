-- Version 4: production and training stations, where each capture came from, and the device
-- settings as Rekam last saved them (docs/storage.md, docs/SECURITY.md).

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

INSERT INTO station_mode (id, mode, set_at) SELECT id, 'training', created_at FROM station;

-- Where a capture's data came from (JSON: {backend, model, serial?, firmware?}, see
-- domain::Provenance); NULL for exceptions and for captures stored before version 4.
ALTER TABLE captures ADD COLUMN device TEXT CHECK (device IS NULL OR json_valid(device));

-- The device settings file as Rekam last wrote it or a supervisor acknowledged it: a file that
-- differs at start was changed outside Rekam (audited, and shown to the supervisor).
CREATE TABLE device_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
    body            TEXT NOT NULL,
    saved_by        INTEGER REFERENCES users (id),
    saved_at        TEXT NOT NULL
) STRICT;

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

-- A password a supervisor set (a new user's first, a reset) must be changed at the next login.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));

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

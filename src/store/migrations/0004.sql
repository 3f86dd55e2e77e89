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

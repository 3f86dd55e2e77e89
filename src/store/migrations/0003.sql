-- Version 3: the auto-capture policy's decisions (src/capture/policy.rs), each with the scores it
-- rests on: why a frame was taken, an attempt retried, or the best of all attempts kept.
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

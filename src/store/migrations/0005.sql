-- Version 5: officer cards are PIV cards whose public key the station records when a supervisor
-- issues the card (docs/devices/smartcard.md, docs/SECURITY.md). A card login is a signature of
-- a fresh challenge checked with the key recorded here; the card's own claims count for nothing.
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

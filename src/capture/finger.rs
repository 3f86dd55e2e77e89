//! Checks for finger captures (being written).

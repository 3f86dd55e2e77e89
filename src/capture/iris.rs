//! Checks for iris captures (being written).

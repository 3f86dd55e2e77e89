//! Checks for face captures (being written).

//! Fingerprint quality benchmark against NFIQ 2 (filled in by the finger work).
fn main() {}

//! Face quality benchmark (filled in by the face work).
fn main() {}

//! RFC 4180 CSV, written by hand: the whole rule is a dozen lines, so it needs no crate. Comma
//! separated, CRLF after every record (the last one too), a field is quoted when it holds a comma,
//! a double quote, a CR or an LF, and a double quote inside is doubled. UTF-8, no byte order mark.

/// A CSV document being written, one record at a time.
#[derive(Debug, Default)]
pub(crate) struct Csv {
    out: String,
}

impl Csv {
    /// Appends one record.
    pub(crate) fn record<S: AsRef<str>>(&mut self, fields: impl IntoIterator<Item = S>) {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_field(&mut self.out, field.as_ref());
        }
        self.out.push_str("\r\n");
    }

    /// The document.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Appends `field`, quoted if it must be.
fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

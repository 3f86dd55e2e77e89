//! The card profiles: which applications a card carries, what they hold and the command
//! sequences that read them. The officer card is a standard PIV card ([`piv`]); the applicant
//! card is a Rekam application (a proprietary AID starting with F0) whose one transparent EF
//! holds a BER-TLV template `70`, read with READ BINARY in pieces of at most [`READ_CHUNK`]
//! bytes. The byte-level specification is `docs/devices/smartcard.md`.

pub mod applicant;
pub mod piv;

use crate::SmartcardError;
use crate::apdu::{Command, MAX_SHORT_NE, ins};
use crate::error::CardKind;
use crate::tlv;
use crate::transport::{CardTransport, exchange};

/// Registered application provider identifiers are 5 bytes; an AID whose first nibble is F is
/// proprietary (ISO 7816-4 §12.2.3) and needs no registration. `F0 'R' 'E' 'K' 'A' 'M'` then a
/// one-byte application number.
pub const RID: [u8; 6] = [0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D];
/// The applicant application: `F0 52 45 4B 41 4D 02`.
pub const APPLICANT_AID: [u8; 7] = [0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x02];

/// Every data file is one BER-TLV object with this tag (ISO 7816-4 "interindustry template").
pub const FILE_TEMPLATE_TAG: u8 = 0x70;
/// READ BINARY asks for at most this many bytes at a time.
pub const READ_CHUNK: u16 = 0x80;
/// A data file larger than this is refused as malformed.
pub const MAX_FILE_SIZE: usize = 1024;

/// SELECT by DF name (`00 A4 04 00 Lc AID 00`): makes the application current. A card without
/// it (6A82) is not `kind`. When the card returns an FCI template (`6F`) naming another AID in
/// tag `84`, that is not `kind` either.
pub fn select_application(
    t: &mut (impl CardTransport + ?Sized),
    aid: &[u8],
    kind: CardKind,
) -> Result<(), SmartcardError> {
    let cmd = Command::new(0x00, ins::SELECT, 0x04, 0x00)
        .with_data(aid)
        .expect(MAX_SHORT_NE);
    let fci = match exchange(t, &cmd) {
        Ok(r) => r.data,
        Err(SmartcardError::FileNotFound) => {
            return Err(SmartcardError::WrongCard { expected: kind });
        }
        Err(e) => return Err(e),
    };
    if fci.is_empty() {
        return Ok(());
    }
    let objects = tlv::parse_all(&fci)?;
    let Some(template) = objects.iter().find(|o| o.tag == 0x6F) else {
        return Err(SmartcardError::invalid_data(
            "the answer to SELECT is not an FCI template (6F)",
        ));
    };
    let named = tlv::parse_all(template.value)?
        .into_iter()
        .find(|o| o.tag == 0x84)
        .map(|o| o.value);
    match named {
        Some(name) if name != aid => Err(SmartcardError::WrongCard { expected: kind }),
        _ => Ok(()),
    }
}

/// SELECT an EF of the current application by file identifier, no answer data
/// (`00 A4 02 0C 02 FID`).
pub fn select_file(t: &mut (impl CardTransport + ?Sized), fid: u16) -> Result<(), SmartcardError> {
    let cmd = Command::new(0x00, ins::SELECT, 0x02, 0x0C).with_data(fid.to_be_bytes());
    match exchange(t, &cmd) {
        Ok(_) => Ok(()),
        Err(SmartcardError::FileNotFound) => Err(SmartcardError::invalid_data(format!(
            "the card's application has no file {fid:04X}"
        ))),
        Err(e) => Err(e),
    }
}

/// READ BINARY of `ne` bytes at `offset` of the current EF.
fn read_binary(
    t: &mut (impl CardTransport + ?Sized),
    offset: usize,
    ne: u16,
) -> Result<Vec<u8>, SmartcardError> {
    let offset = u16::try_from(offset)
        .ok()
        .filter(|o| *o <= 0x7FFF)
        .ok_or_else(|| SmartcardError::invalid_data("file offset beyond 7FFF"))?;
    let [p1, p2] = offset.to_be_bytes();
    Ok(exchange(t, &Command::new(0x00, ins::READ_BINARY, p1, p2).expect(ne))?.data)
}

/// Reads the current EF, which holds one `70` template: the first READ BINARY asks for
/// [`READ_CHUNK`] bytes (a shorter file answers 6Cxx with its exact size, which `exchange`
/// follows), the template header then gives the size, and the rest is read from increasing
/// offsets. Returns the template's value.
pub fn read_template_file(
    t: &mut (impl CardTransport + ?Sized),
) -> Result<Vec<u8>, SmartcardError> {
    let mut file = read_binary(t, 0, READ_CHUNK)?;
    let Some((tag, head, total)) = tlv::header(&file) else {
        return Err(SmartcardError::invalid_data(format!(
            "the file does not start with a TLV header ({} bytes read)",
            file.len()
        )));
    };
    if tag != u32::from(FILE_TEMPLATE_TAG) {
        return Err(SmartcardError::invalid_data(format!(
            "the file holds tag {tag:X}, not the template {FILE_TEMPLATE_TAG:02X}"
        )));
    }
    if total > MAX_FILE_SIZE {
        return Err(SmartcardError::invalid_data(format!(
            "the file claims {total} bytes, more than the {MAX_FILE_SIZE} allowed"
        )));
    }
    while file.len() < total {
        let want = (total - file.len()).min(usize::from(READ_CHUNK)) as u16;
        let piece = read_binary(t, file.len(), want)?;
        if piece.is_empty() {
            return Err(SmartcardError::invalid_data(format!(
                "the file ends at {} bytes but its header says {total}",
                file.len()
            )));
        }
        file.extend_from_slice(&piece);
    }
    file.truncate(total);
    Ok(file.split_off(head))
}

pub use piv::identify;

/// One text field of a template: UTF-8, trimmed of nothing, 1..=`max` bytes.
pub(crate) fn text_field(value: &[u8], what: &str, max: usize) -> Result<String, SmartcardError> {
    if value.is_empty() || value.len() > max {
        return Err(SmartcardError::invalid_data(format!(
            "the {what} is {} bytes long (1 to {max} allowed)",
            value.len()
        )));
    }
    String::from_utf8(value.to_vec())
        .map_err(|_| SmartcardError::invalid_data(format!("the {what} is not UTF-8 text")))
}

/// The fields of a template by tag, each tag at most once. Unknown tags are allowed (a later
/// profile version may add fields) and returned too; the caller picks what it knows.
pub(crate) fn fields(template: &[u8]) -> Result<Vec<tlv::Tlv<'_>>, SmartcardError> {
    let objects = tlv::parse_all(template)?;
    for (i, o) in objects.iter().enumerate() {
        if objects[..i].iter().any(|p| p.tag == o.tag) {
            return Err(SmartcardError::invalid_data(format!(
                "tag {:X} appears twice in the file",
                o.tag
            )));
        }
    }
    Ok(objects)
}

/// The value of `tag` among `fields`, or an error naming `what` is missing.
pub(crate) fn required<'a>(
    fields: &[tlv::Tlv<'a>],
    tag: u32,
    what: &str,
) -> Result<&'a [u8], SmartcardError> {
    fields
        .iter()
        .find(|o| o.tag == tag)
        .map(|o| o.value)
        .ok_or_else(|| SmartcardError::invalid_data(format!("the {what} (tag {tag:X}) is missing")))
}

/// Wraps encoded fields in the file template.
pub(crate) fn template(fields: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.len() + 4);
    tlv::write(&mut out, FILE_TEMPLATE_TAG, fields);
    out
}

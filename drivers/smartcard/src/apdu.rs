//! ISO 7816-4 application protocol data units: command APDUs in the four short cases, response
//! APDUs, and the status word table that turns an error status into a [`SmartcardError`] with a
//! clear message. Parsers here never panic: they read bytes from a card or from a reader driver,
//! neither of which is trusted.
//!
//! Only short APDUs are used (Lc 1..=255, Ne 1..=256): every command of the Rekam card profiles
//! fits, and short APDUs work with every reader and card.

use std::fmt;

use crate::SmartcardError;

/// Largest command data field of a short APDU.
pub const MAX_SHORT_DATA: usize = 255;
/// Largest Ne of a short APDU (encoded as Le = 00).
pub const MAX_SHORT_NE: u16 = 256;

/// Instruction bytes used by the driver and the virtual card.
pub mod ins {
    pub const SELECT: u8 = 0xA4;
    pub const VERIFY: u8 = 0x20;
    pub const READ_BINARY: u8 = 0xB0;
    pub const GET_RESPONSE: u8 = 0xC0;
}

/// A command APDU: header `CLA INS P1 P2`, optional data, optional expected response length.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// Command data (Nc bytes, at most [`MAX_SHORT_DATA`]).
    pub data: Vec<u8>,
    /// Ne, the number of response bytes expected (1..=256), or `None` when no data is expected.
    pub ne: Option<u16>,
}

/// Why a byte string is not a short command APDU (the virtual card answers 6700 to all of these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommandParseError {
    #[error("fewer than the 4 header bytes")]
    TooShort,
    #[error("extended length APDUs are not supported")]
    Extended,
    #[error("Lc says {lc} data bytes but {len} bytes follow the header")]
    LengthMismatch { lc: usize, len: usize },
}

impl Command {
    /// A case 1 command (header only).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            ne: None,
        }
    }

    /// Adds command data (case 3, or case 4 with [`Command::expect`]).
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets Ne, the number of response bytes expected (1..=256; 256 is sent as Le = 00).
    pub fn expect(mut self, ne: u16) -> Self {
        self.ne = Some(ne);
        self
    }

    /// The ISO 7816-3 case: 1 (no data, no Le), 2 (Le), 3 (data), 4 (data and Le).
    pub fn case(&self) -> u8 {
        match (self.data.is_empty(), self.ne.is_some()) {
            (true, false) => 1,
            (true, true) => 2,
            (false, false) => 3,
            (false, true) => 4,
        }
    }

    /// The bytes sent to the card.
    pub fn encode(&self) -> Result<Vec<u8>, SmartcardError> {
        if self.data.len() > MAX_SHORT_DATA {
            return Err(SmartcardError::protocol(format!(
                "command data of {} bytes does not fit a short APDU",
                self.data.len()
            )));
        }
        let le = match self.ne {
            None => None,
            Some(n @ 1..=255) => Some(n as u8),
            Some(MAX_SHORT_NE) => Some(0),
            Some(n) => {
                return Err(SmartcardError::protocol(format!(
                    "Ne {n} is outside 1..=256 of a short APDU"
                )));
            }
        };
        let mut out = Vec::with_capacity(6 + self.data.len());
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            out.push(self.data.len() as u8);
            out.extend_from_slice(&self.data);
        }
        out.extend(le);
        Ok(out)
    }

    /// Reads a short command APDU (the card's side of [`Command::encode`]).
    pub fn parse(bytes: &[u8]) -> Result<Command, CommandParseError> {
        let Some((header, body)) = bytes.split_first_chunk::<4>() else {
            return Err(CommandParseError::TooShort);
        };
        let [cla, ins, p1, p2] = *header;
        let mut cmd = Command::new(cla, ins, p1, p2);
        let ne_of = |le: u8| if le == 0 { MAX_SHORT_NE } else { u16::from(le) };
        match body {
            [] => {}
            [le] => cmd.ne = Some(ne_of(*le)),
            [0, ..] => return Err(CommandParseError::Extended),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                if rest.len() == lc {
                    cmd.data = rest.to_vec();
                } else if rest.len() == lc + 1 {
                    cmd.data = rest[..lc].to_vec();
                    cmd.ne = Some(ne_of(rest[lc]));
                } else {
                    return Err(CommandParseError::LengthMismatch {
                        lc,
                        len: rest.len(),
                    });
                }
            }
        }
        Ok(cmd)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.encode() {
            Ok(bytes) => f.write_str(&hex(&bytes)),
            Err(_) => write!(f, "{:02X} {:02X} (oversized)", self.cla, self.ins),
        }
    }
}

/// A response APDU: data, then the status word SW1 SW2.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw1: u8,
    pub sw2: u8,
}

impl Response {
    /// A response with data and a status word.
    pub fn new(data: impl Into<Vec<u8>>, sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        Response {
            data: data.into(),
            sw1,
            sw2,
        }
    }

    /// Splits response bytes into data and status word. Fewer than two bytes is a protocol
    /// error (a card always answers with at least SW1 SW2).
    pub fn parse(bytes: &[u8]) -> Result<Response, SmartcardError> {
        match bytes.split_last_chunk::<2>() {
            Some((data, [sw1, sw2])) => Ok(Response {
                data: data.to_vec(),
                sw1: *sw1,
                sw2: *sw2,
            }),
            None => Err(SmartcardError::protocol(format!(
                "a response of {} byte(s) has no status word",
                bytes.len()
            ))),
        }
    }

    pub fn sw(&self) -> StatusWord {
        StatusWord::new(self.sw1, self.sw2)
    }

    /// The bytes a card sends.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&[self.sw1, self.sw2]);
        out
    }

    /// `Ok(self)` for a successful status word, else the error it stands for.
    pub fn check(self) -> Result<Response, SmartcardError> {
        self.sw().check().map(|()| self)
    }
}

/// The status word SW1 SW2 as one number, `0x9000` for success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    pub const VERIFICATION_FAILED: StatusWord = StatusWord(0x6300);
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    pub const INCOMPATIBLE_FILE: StatusWord = StatusWord(0x6981);
    pub const SECURITY_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    pub const AUTH_BLOCKED: StatusWord = StatusWord(0x6983);
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    pub const NO_CURRENT_EF: StatusWord = StatusWord(0x6986);
    pub const WRONG_DATA: StatusWord = StatusWord(0x6A80);
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    pub const REF_DATA_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    pub const OFFSET_OUTSIDE_EF: StatusWord = StatusWord(0x6B00);
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    pub const NO_DIAGNOSIS: StatusWord = StatusWord(0x6F00);

    pub fn new(sw1: u8, sw2: u8) -> Self {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    pub fn sw1(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    pub fn sw2(self) -> u8 {
        self.0.to_be_bytes()[1]
    }

    /// 63Cx: `x` further tries are allowed (VERIFY), else `None`.
    pub fn retry_counter(self) -> Option<u8> {
        (self.0 & 0xFFF0 == 0x63C0).then_some(self.sw2() & 0x0F)
    }

    /// 9000, or 6282 (a READ BINARY that reached the end of the file: the data are valid).
    pub fn is_success(self) -> bool {
        self == StatusWord::SUCCESS || self == StatusWord::END_OF_FILE
    }

    /// What ISO 7816-4 says the status word means.
    pub fn meaning(self) -> &'static str {
        match (self.sw1(), self.sw2()) {
            (0x90, 0x00) => "success",
            (0x61, _) => "more response bytes available (GET RESPONSE)",
            (0x6C, _) => "wrong Le; SW2 gives the exact length",
            (0x62, 0x81) => "part of the returned data may be corrupted",
            (0x62, 0x82) => "end of file reached before reading Le bytes",
            (0x62, 0x83) => "selected file deactivated",
            (0x62, 0x84) => "file control information not formatted according to ISO 7816-4",
            (0x62, _) => "warning, non-volatile memory unchanged",
            (0x63, 0x00) => "verification failed",
            (0x63, 0xC0..=0xCF) => "verification failed; SW2 low nibble gives the tries left",
            (0x63, _) => "warning, non-volatile memory changed",
            (0x64, _) => "execution error, non-volatile memory unchanged",
            (0x65, 0x81) => "memory failure",
            (0x65, _) => "execution error, non-volatile memory changed",
            (0x67, 0x00) => "wrong length",
            (0x68, 0x81) => "logical channel not supported",
            (0x68, 0x82) => "secure messaging not supported",
            (0x68, _) => "functions in CLA not supported",
            (0x69, 0x81) => "command incompatible with file structure",
            (0x69, 0x82) => "security status not satisfied",
            (0x69, 0x83) => "authentication method blocked",
            (0x69, 0x84) => "reference data not usable",
            (0x69, 0x85) => "conditions of use not satisfied",
            (0x69, 0x86) => "command not allowed (no current EF)",
            (0x69, 0x87) => "expected secure messaging data objects missing",
            (0x69, 0x88) => "incorrect secure messaging data objects",
            (0x69, _) => "command not allowed",
            (0x6A, 0x80) => "incorrect parameters in the command data field",
            (0x6A, 0x81) => "function not supported",
            (0x6A, 0x82) => "file or application not found",
            (0x6A, 0x83) => "record not found",
            (0x6A, 0x84) => "not enough memory space in the file",
            (0x6A, 0x86) => "incorrect parameters P1-P2",
            (0x6A, 0x88) => "referenced data or reference data not found",
            (0x6A, _) => "wrong parameters P1-P2",
            (0x6B, 0x00) => "wrong parameters P1-P2 (offset outside the file)",
            (0x6D, 0x00) => "instruction code not supported or invalid",
            (0x6E, 0x00) => "class not supported",
            (0x6F, 0x00) => "no precise diagnosis",
            _ => "unknown status word",
        }
    }

    /// `Ok` for success, else the error the status word stands for.
    pub fn check(self) -> Result<(), SmartcardError> {
        if self.is_success() {
            return Ok(());
        }
        Err(match self.0 {
            0x63C0 | 0x6983 => SmartcardError::PinBlocked,
            0x63C1..=0x63CF => SmartcardError::WrongPin {
                retries_left: self.sw2() & 0x0F,
            },
            0x6982 => SmartcardError::SecurityNotSatisfied,
            0x6985 => SmartcardError::ConditionsNotSatisfied,
            0x6A82 => SmartcardError::FileNotFound,
            0x6700 => SmartcardError::WrongLength,
            0x6A80 => SmartcardError::WrongData,
            0x6A86 | 0x6B00 => SmartcardError::IncorrectParameters { sw: self.0 },
            0x6D00 => SmartcardError::InstructionNotSupported,
            0x6E00 => SmartcardError::ClassNotSupported,
            // These are handled by `transport::transceive`; reaching here means a card kept
            // asking for them.
            0x6100..=0x61FF | 0x6C00..=0x6CFF => SmartcardError::protocol(format!(
                "status {:04X} ({}) left unhandled",
                self.0,
                self.meaning()
            )),
            sw => SmartcardError::CardStatus {
                sw,
                meaning: self.meaning(),
            },
        })
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.0, self.meaning())
    }
}

/// Upper-case hex with spaces, for logs and messages.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_the_four_short_cases() {
        let c1 = Command::new(0x00, 0x20, 0x00, 0x81);
        assert_eq!(c1.case(), 1);
        assert_eq!(c1.encode().unwrap(), [0x00, 0x20, 0x00, 0x81]);

        let c2 = Command::new(0x00, 0xB0, 0x00, 0x10).expect(0x80);
        assert_eq!(c2.case(), 2);
        assert_eq!(c2.encode().unwrap(), [0x00, 0xB0, 0x00, 0x10, 0x80]);

        let c3 = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x01]);
        assert_eq!(c3.case(), 3);
        assert_eq!(
            c3.encode().unwrap(),
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01]
        );

        let c4 = Command::new(0x00, 0xA4, 0x04, 0x00)
            .with_data([0xF0, 0x01])
            .expect(256);
        assert_eq!(c4.case(), 4);
        assert_eq!(
            c4.encode().unwrap(),
            [0x00, 0xA4, 0x04, 0x00, 0x02, 0xF0, 0x01, 0x00]
        );
    }

    #[test]
    fn refuses_what_a_short_apdu_cannot_carry() {
        let big = Command::new(0, 0xD6, 0, 0).with_data(vec![0; 256]);
        assert!(matches!(big.encode(), Err(SmartcardError::Protocol { .. })));
        for ne in [0, 257] {
            let c = Command::new(0, 0xB0, 0, 0).expect(ne);
            assert!(matches!(c.encode(), Err(SmartcardError::Protocol { .. })));
        }
    }

    #[test]
    fn parses_commands_and_rejects_malformed_ones() {
        assert_eq!(Command::parse(&[0, 0xA4]), Err(CommandParseError::TooShort));
        assert_eq!(
            Command::parse(&[0, 0xA4, 4, 0, 0, 0, 2]),
            Err(CommandParseError::Extended)
        );
        assert_eq!(
            Command::parse(&[0, 0xA4, 4, 0, 3, 1]),
            Err(CommandParseError::LengthMismatch { lc: 3, len: 1 })
        );
        let c = Command::parse(&[0, 0xB0, 0, 0, 0]).unwrap();
        assert_eq!(c.ne, Some(256));
        assert!(c.data.is_empty());
    }

    #[test]
    fn splits_responses() {
        let r = Response::parse(&[1, 2, 3, 0x90, 0x00]).unwrap();
        assert_eq!(r.data, [1, 2, 3]);
        assert_eq!(r.sw(), StatusWord::SUCCESS);
        assert_eq!(r.encode(), [1, 2, 3, 0x90, 0x00]);
        assert!(matches!(
            Response::parse(&[0x90]),
            Err(SmartcardError::Protocol { .. })
        ));
        assert!(Response::parse(&[]).is_err());
    }

    #[test]
    fn status_words_map_to_clear_errors() {
        use SmartcardError as E;
        let cases: &[(u16, E)] = &[
            (0x63C2, E::WrongPin { retries_left: 2 }),
            (0x63C1, E::WrongPin { retries_left: 1 }),
            (0x63C0, E::PinBlocked),
            (0x6983, E::PinBlocked),
            (0x6982, E::SecurityNotSatisfied),
            (0x6985, E::ConditionsNotSatisfied),
            (0x6A82, E::FileNotFound),
            (0x6700, E::WrongLength),
            (0x6A80, E::WrongData),
            (0x6A86, E::IncorrectParameters { sw: 0x6A86 }),
            (0x6B00, E::IncorrectParameters { sw: 0x6B00 }),
            (0x6D00, E::InstructionNotSupported),
            (0x6E00, E::ClassNotSupported),
            (
                0x6581,
                E::CardStatus {
                    sw: 0x6581,
                    meaning: "memory failure",
                },
            ),
        ];
        for (sw, want) in cases {
            assert_eq!(StatusWord(*sw).check().as_ref(), Err(want), "{sw:04X}");
        }
        assert_eq!(StatusWord(0x9000).check(), Ok(()));
        assert_eq!(StatusWord(0x6282).check(), Ok(()));
        assert!(matches!(
            StatusWord(0x6110).check(),
            Err(E::Protocol { .. })
        ));
        assert_eq!(StatusWord(0x63C2).retry_counter(), Some(2));
        assert_eq!(StatusWord(0x6300).retry_counter(), None);
        assert_eq!(
            E::WrongPin { retries_left: 2 }.to_string(),
            "wrong PIN: 2 tries left before the card blocks"
        );
        assert_eq!(
            E::WrongPin { retries_left: 1 }.to_string(),
            "wrong PIN: 1 try left before the card blocks"
        );
    }

    #[test]
    fn every_status_word_has_a_meaning_and_only_success_passes() {
        for sw in 0..=u16::MAX {
            let s = StatusWord(sw);
            assert!(!s.meaning().is_empty());
            assert_eq!(s.check().is_ok(), sw == 0x9000 || sw == 0x6282, "{sw:04X}");
        }
    }

    proptest! {
        #[test]
        fn response_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            match Response::parse(&bytes) {
                Ok(r) => {
                    prop_assert_eq!(r.data.len() + 2, bytes.len());
                    prop_assert_eq!(r.encode(), bytes);
                }
                Err(_) => prop_assert!(bytes.len() < 2),
            }
        }

        #[test]
        fn command_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(c) = Command::parse(&bytes) {
                // Whatever parses encodes back to the same bytes.
                prop_assert_eq!(c.encode().unwrap(), bytes);
            }
        }

        #[test]
        fn commands_round_trip(
            cla in any::<u8>(), ins in any::<u8>(), p1 in any::<u8>(), p2 in any::<u8>(),
            data in proptest::collection::vec(any::<u8>(), 0..=255),
            ne in proptest::option::of(1u16..=256),
        ) {
            let mut c = Command::new(cla, ins, p1, p2).with_data(data);
            c.ne = ne;
            let bytes = c.encode().unwrap();
            prop_assert_eq!(Command::parse(&bytes), Ok(c));
        }
    }
}

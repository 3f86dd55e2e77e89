//! What a capture is of: finger positions (ISO/IEC 19794-4 and ANSI/NIST-ITL finger position
//! codes 1-10), hands, the four capture modes of a 4-4-2 scanner and the image size each gives
//! at 500 ppi.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Scan resolution of the scanner, pixels per inch (ISO/IEC 19794-4, FBI Appendix F class).
pub const PPI: u16 = 500;

/// A finger, numbered as ISO/IEC 19794-4 and ANSI/NIST-ITL number finger positions: 1 right
/// thumb ... 5 right little, 6 left thumb ... 10 left little.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u8)]
pub enum Finger {
    RightThumb = 1,
    RightIndex = 2,
    RightMiddle = 3,
    RightRing = 4,
    RightLittle = 5,
    LeftThumb = 6,
    LeftIndex = 7,
    LeftMiddle = 8,
    LeftRing = 9,
    LeftLittle = 10,
}

impl Finger {
    pub const ALL: [Finger; 10] = [
        Finger::RightThumb,
        Finger::RightIndex,
        Finger::RightMiddle,
        Finger::RightRing,
        Finger::RightLittle,
        Finger::LeftThumb,
        Finger::LeftIndex,
        Finger::LeftMiddle,
        Finger::LeftRing,
        Finger::LeftLittle,
    ];

    /// The ISO/ANSI finger position code (1-10).
    pub fn position(self) -> u8 {
        self as u8
    }

    pub fn from_position(position: u8) -> Option<Finger> {
        Finger::ALL
            .get(usize::from(position).checked_sub(1)?)
            .copied()
    }

    pub fn hand(self) -> Hand {
        if self.position() <= 5 {
            Hand::Right
        } else {
            Hand::Left
        }
    }

    /// 0 thumb, 1 index, 2 middle, 3 ring, 4 little.
    pub fn digit(self) -> u8 {
        (self.position() - 1) % 5
    }

    pub fn is_thumb(self) -> bool {
        self.digit() == 0
    }

    /// Index into per-person arrays (0-9).
    pub fn index(self) -> usize {
        usize::from(self.position() - 1)
    }
}

impl fmt::Display for Finger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hand = match self.hand() {
            Hand::Right => "right",
            Hand::Left => "left",
        };
        let digit = ["thumb", "index", "middle", "ring", "little"][usize::from(self.digit())];
        write!(f, "{hand} {digit}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Hand {
    Right,
    Left,
}

impl Hand {
    /// The four fingers of a slap of this hand, index to little.
    pub fn four_fingers(self) -> [Finger; 4] {
        match self {
            Hand::Right => [
                Finger::RightIndex,
                Finger::RightMiddle,
                Finger::RightRing,
                Finger::RightLittle,
            ],
            Hand::Left => [
                Finger::LeftIndex,
                Finger::LeftMiddle,
                Finger::LeftRing,
                Finger::LeftLittle,
            ],
        }
    }
}

/// What the scanner is asked to capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaptureMode {
    /// One finger pressed flat (not rolled) on the platen.
    Flat(Finger),
    /// Four fingers of the right hand at once (positions 2-5), "slap".
    SlapRight,
    /// Four fingers of the left hand at once (positions 7-10).
    SlapLeft,
    /// Both thumbs side by side (positions 1 and 6).
    TwoThumbs,
}

/// Image size of a flat single-finger capture (0.8 x 1.0 inch at 500 ppi).
pub const FLAT_SIZE: (u16, u16) = (400, 500);
/// Image size of a four-finger slap (3.2 x 3.0 inch, the FBI 4-4-2 slap platen).
pub const SLAP_SIZE: (u16, u16) = (1600, 1500);
/// Image size of a two-thumb capture (3.2 x 2.0 inch: the slap platen's lower two thirds).
pub const THUMBS_SIZE: (u16, u16) = (1600, 1000);

impl CaptureMode {
    /// The four-finger slap of `hand`.
    pub fn slap(hand: Hand) -> CaptureMode {
        match hand {
            Hand::Right => CaptureMode::SlapRight,
            Hand::Left => CaptureMode::SlapLeft,
        }
    }

    /// The on-the-wire mode code (see `docs/devices/fingerprint.md`).
    pub fn code(self) -> u8 {
        match self {
            CaptureMode::Flat(_) => 1,
            CaptureMode::SlapRight => 2,
            CaptureMode::SlapLeft => 3,
            CaptureMode::TwoThumbs => 4,
        }
    }

    /// The finger position byte sent with the mode: the finger for a flat capture, 0 otherwise.
    pub fn finger_byte(self) -> u8 {
        match self {
            CaptureMode::Flat(f) => f.position(),
            _ => 0,
        }
    }

    /// Decodes the mode and finger bytes of a command; `None` for an unknown combination.
    pub fn from_code(code: u8, finger: u8) -> Option<CaptureMode> {
        match (code, finger) {
            (1, f) => Finger::from_position(f).map(CaptureMode::Flat),
            (2, 0) => Some(CaptureMode::SlapRight),
            (3, 0) => Some(CaptureMode::SlapLeft),
            (4, 0) => Some(CaptureMode::TwoThumbs),
            _ => None,
        }
    }

    /// Bit in the device's supported-modes mask.
    pub fn mask_bit(self) -> u8 {
        1 << (self.code() - 1)
    }

    /// Image `(width, height)` in pixels at 500 ppi.
    pub fn image_size(self) -> (u16, u16) {
        match self {
            CaptureMode::Flat(_) => FLAT_SIZE,
            CaptureMode::SlapRight | CaptureMode::SlapLeft => SLAP_SIZE,
            CaptureMode::TwoThumbs => THUMBS_SIZE,
        }
    }

    /// The fingers in the image, left to right as they appear in it.
    pub fn fingers(self) -> Vec<Finger> {
        match self {
            CaptureMode::Flat(f) => vec![f],
            // Images are shown as a print is read (like an inked card): the right hand's index
            // is on the left of the image, the left hand's index on the right.
            CaptureMode::SlapRight => Hand::Right.four_fingers().to_vec(),
            CaptureMode::SlapLeft => {
                let mut v = Hand::Left.four_fingers().to_vec();
                v.reverse();
                v
            }
            CaptureMode::TwoThumbs => vec![Finger::LeftThumb, Finger::RightThumb],
        }
    }
}

impl fmt::Display for CaptureMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureMode::Flat(finger) => write!(f, "flat {finger}"),
            CaptureMode::SlapRight => f.write_str("right four-finger slap"),
            CaptureMode::SlapLeft => f.write_str("left four-finger slap"),
            CaptureMode::TwoThumbs => f.write_str("two thumbs"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finger_positions_round_trip_and_hands() {
        for f in Finger::ALL {
            assert_eq!(Finger::from_position(f.position()), Some(f));
        }
        assert_eq!(Finger::from_position(0), None);
        assert_eq!(Finger::from_position(11), None);
        assert_eq!(Finger::RightLittle.hand(), Hand::Right);
        assert_eq!(Finger::LeftThumb.hand(), Hand::Left);
        assert!(Finger::LeftThumb.is_thumb());
        assert_eq!(Finger::LeftRing.to_string(), "left ring");
    }

    #[test]
    fn mode_codes_round_trip() {
        let mut modes: Vec<CaptureMode> =
            Finger::ALL.iter().map(|&f| CaptureMode::Flat(f)).collect();
        modes.extend([
            CaptureMode::SlapRight,
            CaptureMode::SlapLeft,
            CaptureMode::TwoThumbs,
        ]);
        for m in modes {
            assert_eq!(CaptureMode::from_code(m.code(), m.finger_byte()), Some(m));
        }
        assert_eq!(CaptureMode::from_code(1, 0), None);
        assert_eq!(CaptureMode::from_code(2, 3), None);
        assert_eq!(CaptureMode::from_code(9, 0), None);
        assert_eq!(CaptureMode::SlapLeft.fingers()[0], Finger::LeftLittle);
        assert_eq!(CaptureMode::TwoThumbs.image_size(), (1600, 1000));
    }
}

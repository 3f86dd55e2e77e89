//! The Wacom ISDV4 serial pen protocol, as the Linux kernel's `wacom_w8001` driver reads it:
//! one-byte commands from the host, and from the pad 9-byte pen packets and an 11-byte reply
//! to the query. Every packet starts with a byte whose top bit is set and every other byte has
//! it clear, which is what lets [`Parser`] resynchronise after garbage or a cut packet.
//!
//! `docs/devices/signature.md` is the specification this module implements.

use serde::{Deserialize, Serialize};

/// Host commands: single ASCII bytes.
pub const CMD_STOP: u8 = b'0';
pub const CMD_START: u8 = b'1';
pub const CMD_QUERY: u8 = b'*';

/// Top bit: set on the first byte of every packet, clear on every other byte.
pub const LEAD_BIT: u8 = 0x80;
/// Set in the first byte of the query reply (control packet).
pub const CONTROL_BIT: u8 = 0x40;
/// Set in the first byte of touch (finger) packets, which a signature pad ignores.
pub const TOUCH_BIT: u8 = 0x10;
/// Pen status bits in the first byte of a pen packet.
pub const PROXIMITY_BIT: u8 = 0x20;
pub const ERASER_BIT: u8 = 0x04;
pub const BUTTON_BIT: u8 = 0x02;
pub const TIP_BIT: u8 = 0x01;

pub const PEN_PACKET_LEN: usize = 9;
pub const QUERY_PACKET_LEN: usize = 11;

/// Largest coordinate the 16-bit encoding can carry (7 + 7 + 2 bits).
pub const MAX_COORDINATE: u16 = 0xFFFF;
/// Largest pressure the 10-bit encoding can carry (7 + 3 bits).
pub const MAX_PRESSURE: u16 = 0x03FF;

/// One pen packet: where the pen is and what it touches, in pad units (100 per mm on ISDV4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenReport {
    /// The pen is within sensing range (hovering or touching).
    pub proximity: bool,
    /// The tip is pressed on the surface.
    pub tip: bool,
    /// The side button is held.
    pub button: bool,
    /// The eraser end (or second side button) is in use.
    pub eraser: bool,
    pub x: u16,
    pub y: u16,
    pub pressure: u16,
    pub tilt_x: u8,
    pub tilt_y: u8,
}

/// The pad's reply to [`CMD_QUERY`]: its ranges and firmware version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PadCapabilities {
    pub max_x: u16,
    pub max_y: u16,
    pub max_pressure: u16,
    pub max_tilt_x: u8,
    pub max_tilt_y: u8,
    pub firmware: u16,
}

/// Writes the shared coordinate layout of pen and query packets into `p[0..9]` (after the
/// status byte `p[0]`, which the caller sets).
fn put_coordinates(p: &mut [u8], x: u16, y: u16, pressure: u16, tilt_x: u8, tilt_y: u8) {
    p[1] = ((x >> 9) & 0x7F) as u8;
    p[2] = ((x >> 2) & 0x7F) as u8;
    p[3] = ((y >> 9) & 0x7F) as u8;
    p[4] = ((y >> 2) & 0x7F) as u8;
    p[5] = (pressure & 0x7F) as u8;
    p[6] = (((x & 0x03) << 5) | ((y & 0x03) << 3) | ((pressure >> 7) & 0x07)) as u8;
    p[7] = tilt_x & 0x7F;
    p[8] = tilt_y & 0x7F;
}

fn coordinates(p: &[u8]) -> (u16, u16, u16, u8, u8) {
    let x = (u16::from(p[1] & 0x7F) << 9)
        | (u16::from(p[2] & 0x7F) << 2)
        | u16::from((p[6] & 0x60) >> 5);
    let y = (u16::from(p[3] & 0x7F) << 9)
        | (u16::from(p[4] & 0x7F) << 2)
        | u16::from((p[6] & 0x18) >> 3);
    let pressure = u16::from(p[5] & 0x7F) | (u16::from(p[6] & 0x07) << 7);
    (x, y, pressure, p[7] & 0x7F, p[8] & 0x7F)
}

impl PenReport {
    /// The 9 bytes a pad sends for this report. Pressure above [`MAX_PRESSURE`] is clamped.
    pub fn encode(&self) -> [u8; PEN_PACKET_LEN] {
        let mut p = [0u8; PEN_PACKET_LEN];
        p[0] = LEAD_BIT
            | if self.proximity { PROXIMITY_BIT } else { 0 }
            | if self.eraser { ERASER_BIT } else { 0 }
            | if self.button { BUTTON_BIT } else { 0 }
            | if self.tip { TIP_BIT } else { 0 };
        put_coordinates(
            &mut p,
            self.x,
            self.y,
            self.pressure.min(MAX_PRESSURE),
            self.tilt_x,
            self.tilt_y,
        );
        p
    }

    /// Decodes a complete pen packet. `None` unless the first byte is a pen lead byte and no
    /// other byte has the top bit set.
    pub fn decode(p: &[u8]) -> Option<PenReport> {
        if p.len() != PEN_PACKET_LEN || kind_of(p[0]) != Some(PacketKind::Pen) {
            return None;
        }
        if p[1..].iter().any(|b| b & LEAD_BIT != 0) {
            return None;
        }
        let (x, y, pressure, tilt_x, tilt_y) = coordinates(p);
        Some(PenReport {
            proximity: p[0] & PROXIMITY_BIT != 0,
            tip: p[0] & TIP_BIT != 0,
            button: p[0] & BUTTON_BIT != 0,
            eraser: p[0] & ERASER_BIT != 0,
            x,
            y,
            pressure,
            tilt_x,
            tilt_y,
        })
    }
}

impl PadCapabilities {
    /// The 11 bytes a pad sends in reply to the query.
    pub fn encode(&self) -> [u8; QUERY_PACKET_LEN] {
        let mut p = [0u8; QUERY_PACKET_LEN];
        p[0] = LEAD_BIT | CONTROL_BIT;
        put_coordinates(
            &mut p,
            self.max_x,
            self.max_y,
            self.max_pressure.min(MAX_PRESSURE),
            self.max_tilt_x,
            self.max_tilt_y,
        );
        p[9] = ((self.firmware >> 7) & 0x7F) as u8;
        p[10] = (self.firmware & 0x7F) as u8;
        p
    }

    pub fn decode(p: &[u8]) -> Option<PadCapabilities> {
        if p.len() != QUERY_PACKET_LEN || kind_of(p[0]) != Some(PacketKind::Query) {
            return None;
        }
        if p[1..].iter().any(|b| b & LEAD_BIT != 0) {
            return None;
        }
        let (max_x, max_y, max_pressure, max_tilt_x, max_tilt_y) = coordinates(p);
        Some(PadCapabilities {
            max_x,
            max_y,
            max_pressure,
            max_tilt_x,
            max_tilt_y,
            firmware: (u16::from(p[9]) << 7) | u16::from(p[10]),
        })
    }

    /// Whether a pen report fits these ranges; a report outside them is line noise that
    /// happened to look like a packet.
    pub fn admits(&self, r: &PenReport) -> bool {
        r.x <= self.max_x && r.y <= self.max_y && r.pressure <= self.max_pressure
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PacketKind {
    Pen,
    Query,
    Touch,
}

fn kind_of(lead: u8) -> Option<PacketKind> {
    if lead & LEAD_BIT == 0 {
        None
    } else if lead & CONTROL_BIT != 0 {
        Some(PacketKind::Query)
    } else if lead & TOUCH_BIT != 0 {
        Some(PacketKind::Touch)
    } else {
        Some(PacketKind::Pen)
    }
}

/// What the parser made of the bytes fed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet {
    Pen(PenReport),
    Query(PadCapabilities),
}

/// Counters of what the parser had to throw away, for diagnostics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParserStats {
    pub packets: u64,
    /// Bytes outside any packet (no lead byte before them).
    pub garbage_bytes: u64,
    /// Packets cut short by a new lead byte or by [`Parser::flush_partial`].
    pub truncated: u64,
    /// Touch packets, skipped: a signature is written with the pen.
    pub touch_skipped: u64,
}

/// Byte-stream parser. Never panics; after any garbage it is back in step at the next lead
/// byte. A lead byte inside a packet means the packet was cut: it is dropped and counted.
#[derive(Debug, Clone, Default)]
pub struct Parser {
    buf: [u8; QUERY_PACKET_LEN],
    len: usize,
    kind: Option<PacketKind>,
    stats: ParserStats,
}

impl Parser {
    pub fn new() -> Self {
        Parser::default()
    }

    pub fn stats(&self) -> ParserStats {
        self.stats
    }

    /// Whether a packet is half received (used to detect a line that stops mid-packet).
    pub fn in_packet(&self) -> bool {
        self.len > 0 && self.kind != Some(PacketKind::Touch)
    }

    /// Drops a half-received packet (the line went quiet in the middle of it).
    pub fn flush_partial(&mut self) {
        if self.in_packet() {
            self.stats.truncated += 1;
        }
        self.len = 0;
        self.kind = None;
    }

    /// Feeds bytes; calls `out` for each complete packet.
    pub fn feed(&mut self, bytes: &[u8], mut out: impl FnMut(Packet)) {
        for &b in bytes {
            if let Some(p) = self.push(b) {
                out(p);
            }
        }
    }

    /// Feeds one byte.
    pub fn push(&mut self, b: u8) -> Option<Packet> {
        if b & LEAD_BIT != 0 {
            if self.in_packet() {
                self.stats.truncated += 1;
            }
            self.kind = kind_of(b);
            self.buf[0] = b;
            self.len = 1;
            if self.kind == Some(PacketKind::Touch) {
                self.stats.touch_skipped += 1;
            }
            return None;
        }
        match self.kind {
            None => {
                self.stats.garbage_bytes += 1;
                None
            }
            // Touch packets vary in length by sensor; skip to the next lead byte.
            Some(PacketKind::Touch) => None,
            Some(kind) => {
                self.buf[self.len] = b;
                self.len += 1;
                let want = match kind {
                    PacketKind::Pen => PEN_PACKET_LEN,
                    _ => QUERY_PACKET_LEN,
                };
                if self.len < want {
                    return None;
                }
                let packet = match kind {
                    PacketKind::Pen => PenReport::decode(&self.buf[..want]).map(Packet::Pen),
                    _ => PadCapabilities::decode(&self.buf[..want]).map(Packet::Query),
                };
                self.len = 0;
                self.kind = None;
                if packet.is_some() {
                    self.stats.packets += 1;
                }
                packet
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn report(x: u16, y: u16, pressure: u16, tip: bool) -> PenReport {
        PenReport {
            proximity: true,
            tip,
            button: false,
            eraser: false,
            x,
            y,
            pressure,
            tilt_x: 0,
            tilt_y: 0,
        }
    }

    #[test]
    fn pen_packet_matches_the_documented_example() {
        // docs/devices/signature.md, "Pen packet": x 12345, y 6789, pressure 300, tip down.
        let bytes = report(12345, 6789, 300, true).encode();
        assert_eq!(
            bytes,
            [0xA1, 0x18, 0x0E, 0x0D, 0x21, 0x2C, 0x2A, 0x00, 0x00]
        );
        assert_eq!(
            PenReport::decode(&bytes),
            Some(report(12345, 6789, 300, true))
        );
    }

    #[test]
    fn query_reply_matches_the_documented_example() {
        // docs/devices/signature.md, "Query reply": the simulated pad.
        let bytes = crate::sim::DEFAULT_CAPABILITIES.encode();
        assert_eq!(
            bytes,
            [
                0xC0, 0x13, 0x44, 0x0B, 0x5C, 0x7F, 0x07, 0x00, 0x00, 0x02, 0x05
            ]
        );
        assert_eq!(
            PadCapabilities::decode(&bytes),
            Some(crate::sim::DEFAULT_CAPABILITIES)
        );
    }

    #[test]
    fn query_reply_round_trips() {
        let caps = PadCapabilities {
            max_x: 26202,
            max_y: 16325,
            max_pressure: 1023,
            max_tilt_x: 0,
            max_tilt_y: 0,
            firmware: 0x0203,
        };
        let bytes = caps.encode();
        assert_eq!(bytes[0], 0xC0);
        let mut p = Parser::new();
        let mut got = vec![];
        p.feed(&bytes, |x| got.push(x));
        assert_eq!(got, vec![Packet::Query(caps)]);
    }

    #[test]
    fn garbage_and_cut_packets_are_counted_and_skipped() {
        let a = report(100, 200, 10, true).encode();
        let b = report(300, 400, 20, true).encode();
        let mut stream = vec![0x00, 0x41, 0x7F];
        stream.extend_from_slice(&a[..5]); // cut
        stream.extend_from_slice(&b);
        stream.extend_from_slice(&[0x90, 0x01, 0x02, 0x03, 0x04]); // a touch packet
        stream.extend_from_slice(&a);
        let mut p = Parser::new();
        let mut got = vec![];
        p.feed(&stream, |x| got.push(x));
        assert_eq!(
            got,
            vec![
                Packet::Pen(report(300, 400, 20, true)),
                Packet::Pen(report(100, 200, 10, true))
            ]
        );
        let s = p.stats();
        assert_eq!(
            (s.garbage_bytes, s.truncated, s.touch_skipped, s.packets),
            (3, 1, 1, 2)
        );
    }

    #[test]
    fn a_packet_cut_by_silence_is_dropped() {
        let a = report(100, 200, 10, true).encode();
        let mut p = Parser::new();
        p.feed(&a[..4], |_| panic!("no packet yet"));
        assert!(p.in_packet());
        p.flush_partial();
        let mut got = vec![];
        p.feed(&a[4..], |x| got.push(x));
        p.feed(&a, |x| got.push(x));
        assert_eq!(got.len(), 1);
        assert_eq!(p.stats().truncated, 1);
    }

    fn arb_report() -> impl Strategy<Value = PenReport> {
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<u16>(),
            any::<u16>(),
            0..=MAX_PRESSURE,
            0u8..128,
            0u8..128,
        )
            .prop_map(
                |(proximity, tip, button, eraser, x, y, pressure, tilt_x, tilt_y)| PenReport {
                    proximity,
                    tip,
                    button,
                    eraser,
                    x,
                    y,
                    pressure,
                    tilt_x,
                    tilt_y,
                },
            )
    }

    proptest! {
        #[test]
        fn every_pen_report_round_trips(r in arb_report()) {
            prop_assert_eq!(PenReport::decode(&r.encode()), Some(r));
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut p = Parser::new();
            p.feed(&bytes, |_| {});
            p.flush_partial();
        }

        /// Whatever garbage comes first, the parser is in step again for the packets after it.
        #[test]
        fn resynchronises_after_garbage(
            garbage in proptest::collection::vec(any::<u8>(), 0..64),
            reports in proptest::collection::vec(arb_report(), 1..20),
        ) {
            let mut stream = garbage;
            for r in &reports {
                stream.extend_from_slice(&r.encode());
            }
            let mut p = Parser::new();
            let mut got = vec![];
            p.feed(&stream, |x| if let Packet::Pen(r) = x { got.push(r) });
            // The garbage may at most complete a packet of its own or swallow nothing real:
            // every real packet comes out, in order, at the end.
            prop_assert!(got.len() >= reports.len());
            prop_assert_eq!(&got[got.len() - reports.len()..], &reports[..]);
        }

        /// Garbage inserted between packets costs at most the packets it cuts.
        #[test]
        fn garbage_between_packets_loses_no_later_packet(
            reports in proptest::collection::vec(arb_report(), 2..20),
            at in any::<proptest::sample::Index>(),
            garbage in proptest::collection::vec(any::<u8>(), 1..16),
        ) {
            let cut = at.index(reports.len());
            let mut stream = vec![];
            for (i, r) in reports.iter().enumerate() {
                if i == cut {
                    stream.extend_from_slice(&garbage);
                }
                stream.extend_from_slice(&r.encode());
            }
            let mut p = Parser::new();
            let mut got = vec![];
            p.feed(&stream, |x| if let Packet::Pen(r) = x { got.push(r) });
            let tail = &reports[cut..];
            prop_assert!(got.len() >= tail.len());
            prop_assert_eq!(&got[got.len() - tail.len()..], tail);
        }
    }
}

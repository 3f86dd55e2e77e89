//! Puts a [`VirtualCard`] into the `vpcd` virtual reader of a real `pcscd` (package
//! `vsmartcard-vpcd`). The reader listens on TCP (35963 for "Virtual PCD 00 00", 35964 for
//! "Virtual PCD 00 01"); a card is a client connected to it. Every message, both ways, is a
//! 2-byte big-endian length and a payload. From the reader, a 1-byte payload is a control code
//! (00 power off, 01 power on, 02 reset, 04 "send the ATR", answered with the ATR), anything else
//! a command APDU, answered with the response APDU. Closing the connection removes the card.
//!
//! The card runs on a named thread. [`VpcdCard::remove`] (or dropping the handle) closes the
//! socket and gives the card back with its state (the PIN retry counter) for a later insertion.
//! A [`Fault`] makes the card leave, or go silent, upon a chosen command, for the "card pulled
//! mid-read" and "card stops answering" cases.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::VirtualCard;

/// Port of the first vpcd reader, "Virtual PCD 00 00".
pub const VPCD_PORT: u16 = 35963;
/// Port of the second vpcd reader, "Virtual PCD 00 01".
pub const VPCD_PORT_SECOND: u16 = 35964;
/// The reader names vpcd gives its two slots.
pub const VPCD_READER: &str = "Virtual PCD 00 00";
pub const VPCD_READER_SECOND: &str = "Virtual PCD 00 01";

/// Control codes from the reader (1-byte payloads).
pub mod control {
    pub const POWER_OFF: u8 = 0x00;
    pub const POWER_ON: u8 = 0x01;
    pub const RESET: u8 = 0x02;
    pub const GET_ATR: u8 = 0x04;
}

/// How long the card thread waits in one read, so that `remove` is noticed promptly.
const READ_SLICE: Duration = Duration::from_millis(50);
/// Connecting to the reader's port: it is local, so this is generous.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Something to go wrong on purpose, upon the `nth` (1-based) command APDU with instruction
/// byte `ins`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection instead of answering: the card is pulled out mid-command.
    PullOn { ins: u8, nth: u32 },
    /// Stop answering anything, keeping the connection open: a mute card.
    MuteOn { ins: u8, nth: u32 },
}

/// Splits the reader's byte stream into messages (2-byte big-endian length, payload).
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
}

impl FrameDecoder {
    pub fn new() -> Self {
        FrameDecoder::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete message, if one has fully arrived.
    pub fn next_frame(&mut self) -> Option<Vec<u8>> {
        let (len, rest) = self.buf.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        let payload = rest.get(..len)?.to_vec();
        self.buf.drain(..2 + len);
        Some(payload)
    }

    /// Bytes received that do not yet form a message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}

/// A message for the reader: length prefix and payload (payloads over 65 535 bytes cannot be
/// framed and do not occur: responses are at most 258 bytes).
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(payload.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload[..usize::from(len)]);
    out
}

/// What the card does with one message from the reader: `Some(reply)` or nothing to send.
pub fn handle(card: &mut VirtualCard, payload: &[u8]) -> Option<Vec<u8>> {
    match payload {
        [control::POWER_OFF] => {
            card.power_off();
            None
        }
        [control::POWER_ON] => {
            card.power_on();
            None
        }
        [control::RESET] => {
            card.reset();
            None
        }
        [control::GET_ATR] => Some(card.atr().to_vec()),
        // An unknown control code: vpcd expects no answer to those.
        [_] => None,
        apdu => Some(card.process(apdu)),
    }
}

#[derive(Debug)]
struct Shared {
    card: Mutex<VirtualCard>,
    /// Set by `remove`, or by the thread when the connection ended.
    stop: AtomicBool,
    connected: AtomicBool,
}

impl Shared {
    fn card(&self) -> MutexGuard<'_, VirtualCard> {
        self.card.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A virtual card inserted in a vpcd reader. Dropping it removes the card.
#[derive(Debug)]
pub struct VpcdCard {
    shared: Arc<Shared>,
    stream: TcpStream,
    thread: Option<JoinHandle<()>>,
}

impl VpcdCard {
    /// Inserts `card` into the vpcd reader on `127.0.0.1:port`.
    pub fn insert(card: VirtualCard, port: u16) -> io::Result<VpcdCard> {
        VpcdCard::insert_at(card, SocketAddr::from((Ipv4Addr::LOCALHOST, port)), None)
    }

    /// Inserts `card` that will misbehave as `fault` says.
    pub fn insert_with_fault(card: VirtualCard, port: u16, fault: Fault) -> io::Result<VpcdCard> {
        VpcdCard::insert_at(
            card,
            SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            Some(fault),
        )
    }

    /// Inserts `card` into the vpcd reader at `addr`.
    pub fn insert_at(
        card: VirtualCard,
        addr: SocketAddr,
        fault: Option<Fault>,
    ) -> io::Result<VpcdCard> {
        let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(READ_SLICE))?;
        stream.set_write_timeout(Some(CONNECT_TIMEOUT))?;
        let shared = Arc::new(Shared {
            card: Mutex::new(card),
            stop: AtomicBool::new(false),
            connected: AtomicBool::new(true),
        });
        let (thread_shared, thread_stream) = (shared.clone(), stream.try_clone()?);
        let thread = std::thread::Builder::new()
            .name(format!("rekam-vpcd-card-{}", addr.port()))
            .spawn(move || serve(thread_stream, &thread_shared, fault))?;
        Ok(VpcdCard {
            shared,
            stream,
            thread: Some(thread),
        })
    }

    /// Whether the card is still in the reader (a `PullOn` fault or the reader closing the
    /// connection takes it out).
    pub fn is_inserted(&self) -> bool {
        self.shared.connected.load(Ordering::SeqCst)
    }

    /// Looks at (or changes) the card while it is inserted.
    pub fn with_card<R>(&self, f: impl FnOnce(&mut VirtualCard) -> R) -> R {
        f(&mut self.shared.card())
    }

    /// Takes the card out and gives it back, state included.
    pub fn remove(mut self) -> VirtualCard {
        self.close();
        self.shared.card().clone()
    }

    fn close(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the thread's read at once; errors mean the socket is already closed.
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.shared.connected.store(false, Ordering::SeqCst);
    }
}

impl Drop for VpcdCard {
    fn drop(&mut self) {
        self.close();
    }
}

/// Acknowledges received segments at once. vpcd writes a message's length and its payload
/// separately; with Nagle's algorithm on its side the payload waits for our ACK of the length,
/// which Linux would otherwise delay by up to 40 ms. The kernel clears the flag again after
/// some operations, so it is set before every read.
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    // Only a latency optimisation: on failure the card works, just slower.
    let _ = rustix::net::sockopt::set_tcp_quickack(stream, true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) {}

/// The card thread: reads messages until removed, the reader hangs up, or a fault fires.
fn serve(mut stream: TcpStream, shared: &Shared, fault: Option<Fault>) {
    let mut decoder = FrameDecoder::new();
    let mut buf = [0u8; 1024];
    let mut seen = 0u32;
    let mut mute = false;
    while !shared.stop.load(Ordering::SeqCst) {
        quick_ack(&stream);
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        decoder.push(&buf[..n]);
        while let Some(payload) = decoder.next_frame() {
            if payload.len() > 1 {
                let ins = payload.get(1).copied();
                match fault {
                    Some(Fault::PullOn { ins: i, nth }) | Some(Fault::MuteOn { ins: i, nth })
                        if ins == Some(i) =>
                    {
                        seen += 1;
                        if seen == nth {
                            if matches!(fault, Some(Fault::PullOn { .. })) {
                                let _ = stream.shutdown(Shutdown::Both);
                                shared.connected.store(false, Ordering::SeqCst);
                                return;
                            }
                            mute = true;
                        }
                    }
                    _ => {}
                }
            }
            if mute {
                continue;
            }
            let reply = handle(&mut shared.card(), &payload);
            if let Some(reply) = reply
                && stream.write_all(&frame(&reply)).is_err()
            {
                shared.connected.store(false, Ordering::SeqCst);
                return;
            }
        }
    }
    shared.connected.store(false, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frames_split_across_reads_and_glued_together() {
        let mut d = FrameDecoder::new();
        d.push(&[0x00]);
        assert_eq!(d.next_frame(), None);
        d.push(&[0x01, 0x04, 0x00, 0x05, 0x00, 0xA4, 0x04]);
        assert_eq!(d.next_frame(), Some(vec![0x04]));
        assert_eq!(d.next_frame(), None);
        d.push(&[0x00, 0x00]);
        assert_eq!(d.next_frame(), Some(vec![0x00, 0xA4, 0x04, 0x00, 0x00]));
        assert_eq!(d.buffered(), 0);
        assert_eq!(frame(&[0x90, 0x00]), [0x00, 0x02, 0x90, 0x00]);
    }

    #[test]
    fn answers_control_codes_like_a_card_in_vpcd() {
        let mut card = VirtualCard::blank();
        assert_eq!(
            handle(&mut card, &[control::GET_ATR]),
            Some(super::super::ATR.to_vec())
        );
        assert_eq!(handle(&mut card, &[control::POWER_ON]), None);
        assert_eq!(handle(&mut card, &[control::RESET]), None);
        assert_eq!(handle(&mut card, &[control::POWER_OFF]), None);
        assert_eq!(handle(&mut card, &[0x07]), None);
        assert_eq!(
            handle(&mut card, &[0x00, 0xCA, 0x00, 0x00]),
            Some(vec![0x6D, 0x00])
        );
    }

    proptest! {
        #[test]
        fn decoder_never_panics_and_loses_nothing(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..70), 0..20),
        ) {
            let mut d = FrameDecoder::new();
            let mut taken = 0;
            let total: usize = chunks.iter().map(Vec::len).sum();
            for c in &chunks {
                d.push(c);
                while let Some(f) = d.next_frame() {
                    taken += f.len() + 2;
                }
            }
            prop_assert_eq!(taken + d.buffered(), total);
        }
    }
}

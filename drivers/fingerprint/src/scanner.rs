//! The host side of the protocol: [`Scanner`] opens a device over any [`Transport`], reads its
//! information, and runs captures — start, finger status, chunk stream with acknowledgements and
//! go-back-N resends, reassembly and verification — with a deadline on every wait.

use std::time::{Duration, Instant};

use rekam_device::{DeviceClass, DeviceInfo};

use crate::error::{FingerprintError, Result};
use crate::mode::CaptureMode;
use crate::protocol::{
    self, Accept, CHUNK_LEN, Command, DeviceState, ErrorCode, ErrorReport, INFO_LEN, Input,
    MAX_WINDOW, PROTOCOL_VERSION, Reassembler, ScannerInfo,
};
use crate::transport::Transport;

/// A finished capture: 8-bit grayscale, row-major, 255 = background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub mode: CaptureMode,
    pub width: u32,
    pub height: u32,
    pub ppi: u16,
    pub pixels: Vec<u8>,
    /// The device's image number (for logs).
    pub image_id: u16,
}

/// What a capture is doing, for the operator's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The device waits for the finger(s).
    WaitingForFinger,
    /// Finger(s) on the platen: `fingers` seen of the `expected` the mode needs.
    FingerPresent { fingers: u8, expected: u8 },
    /// The finger(s) left the platen.
    FingerAbsent,
    /// The image was taken and is being transferred.
    Transfer { received: usize, total: usize },
}

/// Watches a capture: gets progress, and may cancel it. Checked after every report.
pub trait CaptureObserver {
    fn progress(&mut self, _progress: Progress) {}
    fn should_cancel(&mut self) -> bool {
        false
    }
}

impl CaptureObserver for () {}

/// Counters of the last capture, to show that nothing was lost or to diagnose a bad link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferStats {
    pub reports: u32,
    pub chunks: u32,
    pub duplicates: u32,
    pub gaps: u32,
    pub resends: u32,
    pub garbage: u32,
    pub acks: u32,
}

/// Timeouts of the host side (see the protocol document).
pub mod timing {
    use std::time::Duration;

    /// Longest single wait in a read, so that cancellation is noticed quickly.
    pub const POLL: Duration = Duration::from_millis(20);
    /// While waiting for a finger the device sends a status at least every 100 ms; this much
    /// silence means it is gone or hung.
    pub const HEARTBEAT_LOSS: Duration = Duration::from_millis(1000);
    /// Added to the finger timeout before the host gives up on the device's own TIMEOUT error.
    pub const FINGER_GRACE: Duration = Duration::from_millis(1000);
    /// Longest wait in a read during a transfer (chunks come every 42 µs at full rate).
    pub const TRANSFER_POLL: Duration = Duration::from_millis(2);
    /// Silence during a transfer after which the host asks for a resend.
    pub const CHUNK_SILENCE: Duration = Duration::from_millis(50);
    /// After a resend request, chunks already on their way still show the same gap; the same
    /// request is not repeated for this long (a window of 48 chunks takes 2 ms at the
    /// high-speed rate, the device reacts within 1 ms).
    pub const RESEND_HOLDOFF: Duration = Duration::from_millis(25);
    /// Resend requests for the same chunk, without progress in between, before the transfer
    /// is declared failed.
    pub const MAX_RESENDS: u32 = 8;
    /// Undecodable reports per capture before the device is declared broken.
    pub const MAX_GARBAGE: u32 = 1000;
    /// Minimum throughput the host insists on during a transfer (bytes per second), on top of
    /// a fixed allowance: a 2.4 MB slap must arrive within 2 s + 2.4 s.
    pub const MIN_RATE: u64 = 1_000_000;
    pub const TRANSFER_ALLOWANCE: Duration = Duration::from_secs(2);
    /// How long a cancel waits for the device to confirm.
    pub const CANCEL_WAIT: Duration = Duration::from_millis(500);
    /// Longest finger timeout the protocol carries (16-bit milliseconds).
    pub const MAX_FINGER_TIMEOUT: Duration = Duration::from_millis(65_535);
    /// Input reports drained before a command before the device is declared to be flooding.
    pub const MAX_DRAIN: usize = 8192;
}

/// The last resend request: from which chunk, when, and how many times in a row.
#[derive(Debug, Clone, Copy)]
struct Resend {
    from: u16,
    at: Instant,
    repeats: u32,
}

/// A fingerprint scanner speaking the Rekam HID protocol over a transport.
pub struct Scanner<T: Transport> {
    transport: T,
    info: ScannerInfo,
    seq: u8,
    window: u16,
    buf: Box<[u8; CHUNK_LEN]>,
    stats: TransferStats,
}

impl<T: Transport> std::fmt::Debug for Scanner<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("location", &self.transport.location())
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

fn device_error(e: ErrorReport) -> FingerprintError {
    match e.code {
        ErrorCode::Timeout => FingerprintError::NoFinger,
        ErrorCode::FingerLifted => FingerprintError::FingerLifted,
        ErrorCode::Busy => FingerprintError::Busy,
        ErrorCode::BadCommand => {
            FingerprintError::Protocol(format!("device rejected a command: {}", e.message))
        }
        ErrorCode::UnsupportedMode => FingerprintError::Unsupported(e.message),
        ErrorCode::SensorFault => FingerprintError::DeviceFault(e.message),
        ErrorCode::NoImage | ErrorCode::HostTimeout => FingerprintError::Transfer(format!(
            "device dropped image {}: {}",
            e.image_id, e.message
        )),
        ErrorCode::Other(c) => {
            FingerprintError::DeviceFault(format!("error code 0x{c:02X}: {}", e.message))
        }
    }
}

impl<T: Transport> Scanner<T> {
    /// Resets the device's protocol state, reads and checks its information, and discards
    /// any input reports left over from before.
    pub fn open(mut transport: T) -> Result<Scanner<T>> {
        transport.send_feature_report(&protocol::encode_reset())?;
        let mut b = [0u8; INFO_LEN];
        b[0] = protocol::id::INFO;
        let n = transport.get_feature_report(&mut b)?;
        let info = ScannerInfo::decode(&b[..n.min(INFO_LEN)])
            .map_err(|e| FingerprintError::Protocol(format!("device information: {e}")))?;
        if info.protocol != PROTOCOL_VERSION {
            return Err(FingerprintError::Protocol(format!(
                "device speaks protocol version {}, this driver {PROTOCOL_VERSION}",
                info.protocol
            )));
        }
        let window = info.max_window.min(MAX_WINDOW);
        let mut scanner = Scanner {
            transport,
            info,
            seq: 0,
            window,
            buf: Box::new([0u8; CHUNK_LEN]),
            stats: TransferStats::default(),
        };
        scanner.drain()?;
        Ok(scanner)
    }

    pub fn info(&self) -> &ScannerInfo {
        &self.info
    }

    /// What was found, in the shape every Rekam driver reports.
    pub fn device_info(&self) -> DeviceInfo {
        let i = &self.info;
        let size = |(w, h): (u16, u16)| format!("{w}x{h}");
        DeviceInfo {
            class: DeviceClass::Fingerprint,
            backend: self.transport.backend(),
            model: i.model.clone(),
            location: self.transport.location(),
            details: vec![
                ("serial".into(), i.serial.clone()),
                (
                    "firmware".into(),
                    format!("{}.{}.{}", i.firmware.0, i.firmware.1, i.firmware.2),
                ),
                ("resolution".into(), format!("{} ppi", i.ppi)),
                ("flat image".into(), size(i.flat_size)),
                ("slap image".into(), size(i.slap_size)),
                ("thumbs image".into(), size(i.thumbs_size)),
            ],
        }
    }

    /// Counters of the last capture.
    pub fn last_stats(&self) -> TransferStats {
        self.stats
    }

    /// Sets the window (chunks in flight before an acknowledgement), clamped to what the device
    /// and the protocol allow. Mostly for tests and measurements.
    pub fn set_window(&mut self, window: u16) {
        self.window = window.clamp(1, self.info.max_window.min(MAX_WINDOW));
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    fn next_seq(&mut self) -> u8 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn send(&mut self, command: Command) -> Result<()> {
        self.transport.write(&command.encode())
    }

    /// Reads and discards whatever input is queued (stale reports of an earlier capture).
    fn drain(&mut self) -> Result<()> {
        for _ in 0..timing::MAX_DRAIN {
            if self
                .transport
                .read_timeout(&mut self.buf[..], Duration::ZERO)?
                == 0
            {
                return Ok(());
            }
        }
        Err(FingerprintError::Protocol(
            "device floods input reports while idle".into(),
        ))
    }

    /// Between captures: discards stray input for up to `timeout`, and notices an unplugged
    /// device (the read fails) without waiting for the next capture.
    pub fn poll_idle(&mut self, timeout: Duration) -> Result<()> {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if self.transport.read_timeout(&mut self.buf[..], left)? == 0 {
                return Ok(());
            }
            if Instant::now() >= end {
                return Ok(());
            }
        }
    }

    /// Captures one image, waiting up to `finger_timeout` for the finger(s).
    pub fn capture(&mut self, mode: CaptureMode, finger_timeout: Duration) -> Result<Capture> {
        self.capture_with(mode, finger_timeout, &mut ())
    }

    /// Asks the device to stop whatever it does and waits (bounded) for it to confirm.
    pub fn cancel(&mut self) -> Result<()> {
        let seq = self.next_seq();
        self.send(Command::Cancel { seq })?;
        self.await_cancelled(seq)
    }

    fn await_cancelled(&mut self, seq: u8) -> Result<()> {
        let end = Instant::now() + timing::CANCEL_WAIT;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(FingerprintError::Timeout(
                    "device did not confirm the cancel".into(),
                ));
            }
            let n = self
                .transport
                .read_timeout(&mut self.buf[..], left.min(timing::POLL))?;
            if n == 0 {
                continue;
            }
            if let Ok(Input::Status(s)) = protocol::decode_input(&self.buf[..n])
                && s.seq == seq
                && matches!(s.state, DeviceState::Cancelled | DeviceState::Idle)
            {
                return Ok(());
            }
        }
    }

    /// Captures one image, reporting progress to `observer` and stopping when it asks to.
    pub fn capture_with(
        &mut self,
        mode: CaptureMode,
        finger_timeout: Duration,
        observer: &mut dyn CaptureObserver,
    ) -> Result<Capture> {
        if !self.info.supports(mode) {
            return Err(FingerprintError::Unsupported(mode.to_string()));
        }
        self.stats = TransferStats::default();
        self.drain()?;
        let finger_timeout =
            finger_timeout.clamp(Duration::from_millis(1), timing::MAX_FINGER_TIMEOUT);
        let seq = self.next_seq();
        self.send(Command::StartCapture {
            seq,
            mode,
            finger_timeout_ms: finger_timeout.as_millis() as u16,
            window: self.window,
        })?;
        let result = self.run_capture(mode, seq, finger_timeout, observer);
        if matches!(result, Err(FingerprintError::Cancelled)) {
            let cancel_seq = self.next_seq();
            self.send(Command::Cancel { seq: cancel_seq })?;
            self.await_cancelled(cancel_seq)?;
        }
        result
    }

    fn run_capture(
        &mut self,
        mode: CaptureMode,
        seq: u8,
        finger_timeout: Duration,
        observer: &mut dyn CaptureObserver,
    ) -> Result<Capture> {
        let started = Instant::now();
        let mut deadline = started + finger_timeout + timing::FINGER_GRACE;
        let mut last_report = started;
        let mut image_id: Option<u16> = None;
        let mut reasm: Option<Reassembler> = None;
        let mut acked = 0u16;
        let mut last_resend: Option<Resend> = None;
        let mut fingers_seen = 0u8;
        let mut progress_step = usize::MAX;
        let mut waiting_reported = false;
        let ack_every = (self.window / 2).max(1);

        loop {
            if observer.should_cancel() {
                return Err(FingerprintError::Cancelled);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(match reasm {
                    Some(_) => FingerprintError::Transfer("image transfer took too long".into()),
                    None => FingerprintError::Timeout(
                        "device did not report a finger or a timeout in time".into(),
                    ),
                });
            }
            // During a transfer the host wakes up often: a quiet link there means the device
            // waits for an acknowledgement or something was lost.
            let poll = if reasm.is_some() {
                timing::TRANSFER_POLL
            } else {
                timing::POLL
            };
            let wait = deadline.saturating_duration_since(now).min(poll);
            let n = self.transport.read_timeout(&mut self.buf[..], wait)?;
            let now = Instant::now();
            if n == 0 {
                let silent = now.saturating_duration_since(last_report);
                if let Some(r) = &reasm {
                    let (id, next) = (image_id.unwrap_or(0), r.next());
                    if silent >= timing::CHUNK_SILENCE {
                        // The rest of the stream (or an acknowledgement) was lost: go back.
                        self.request_resend(id, next, &mut last_resend, now, true)?;
                        last_report = now;
                    } else if next != acked && next > 0 {
                        // Caught up with everything that arrived: acknowledge it now rather
                        // than at the next half window, so the device never sits on a full
                        // window while its chunks were dropped on the way.
                        acked = next;
                        self.stats.acks += 1;
                        let seq = self.next_seq();
                        self.send(Command::Ack {
                            seq,
                            image_id: id,
                            next,
                        })?;
                    }
                } else if silent >= timing::HEARTBEAT_LOSS {
                    return Err(FingerprintError::Timeout(
                        "device stopped sending status reports".into(),
                    ));
                }
                continue;
            }
            last_report = now;
            self.stats.reports += 1;
            let input = match protocol::decode_input(&self.buf[..n]) {
                Ok(input) => input,
                Err(_) => {
                    self.stats.garbage += 1;
                    if self.stats.garbage > timing::MAX_GARBAGE {
                        return Err(FingerprintError::Protocol(
                            "too many undecodable reports".into(),
                        ));
                    }
                    continue;
                }
            };
            match input {
                Input::Status(s) if s.seq == seq => {
                    if s.fingers != fingers_seen {
                        fingers_seen = s.fingers;
                        observer.progress(if s.fingers > 0 {
                            Progress::FingerPresent {
                                fingers: s.fingers,
                                expected: s.expected,
                            }
                        } else {
                            Progress::FingerAbsent
                        });
                    }
                    match s.state {
                        DeviceState::WaitingForFinger if !waiting_reported => {
                            waiting_reported = true;
                            observer.progress(Progress::WaitingForFinger);
                        }
                        DeviceState::Capturing | DeviceState::Transferring => {
                            if image_id.is_none() {
                                image_id = Some(s.image_id);
                            }
                            if s.state == DeviceState::Transferring && reasm.is_none() {
                                reasm = Some(Reassembler::expect(s.image_id));
                                let (w, h) = self.info.image_size(mode);
                                let bytes = u64::from(w) * u64::from(h);
                                deadline = now
                                    + timing::TRANSFER_ALLOWANCE
                                    + Duration::from_millis(bytes * 1000 / timing::MIN_RATE);
                            }
                        }
                        DeviceState::Cancelled => return Err(FingerprintError::Cancelled),
                        DeviceState::Idle | DeviceState::Done if reasm.is_none() => {
                            return Err(FingerprintError::Protocol(
                                "device went idle during the capture".into(),
                            ));
                        }
                        _ => {}
                    }
                }
                Input::Error(e) if e.seq == seq => return Err(device_error(e)),
                // Left over from an earlier capture or command.
                Input::Status(_) | Input::Error(_) => {}
                Input::Chunk(c) => {
                    self.stats.chunks += 1;
                    let Some(r) = reasm.as_mut() else {
                        // Chunks before this capture's transfer started are stale.
                        continue;
                    };
                    let id = c.image_id;
                    match r.accept(&c) {
                        Accept::Stored { next } => {
                            if next.wrapping_sub(acked) >= ack_every {
                                acked = next;
                                self.stats.acks += 1;
                                let s = self.next_seq();
                                self.send(Command::Ack {
                                    seq: s,
                                    image_id: id,
                                    next,
                                })?;
                            }
                            let total = r.total_bytes();
                            let step = r.received_bytes() * 10 / total.max(1);
                            if step != progress_step {
                                progress_step = step;
                                observer.progress(Progress::Transfer {
                                    received: r.received_bytes(),
                                    total,
                                });
                            }
                        }
                        Accept::Complete => {
                            let count = r.count();
                            let s = self.next_seq();
                            self.send(Command::Ack {
                                seq: s,
                                image_id: id,
                                next: count,
                            })?;
                            self.stats.acks += 1;
                            let total = r.total_bytes();
                            observer.progress(Progress::Transfer {
                                received: total,
                                total,
                            });
                            let r = reasm.take().unwrap_or_default();
                            return self.finish(mode, id, r);
                        }
                        Accept::Duplicate => self.stats.duplicates += 1,
                        Accept::Gap { expected, .. } => {
                            self.stats.gaps += 1;
                            self.request_resend(id, expected, &mut last_resend, now, false)?;
                        }
                        Accept::BadImageCrc { .. } => {
                            acked = 0;
                            self.request_resend(id, 0, &mut last_resend, now, true)?;
                        }
                        Accept::OtherImage { .. } | Accept::Inconsistent(_) => {
                            self.stats.garbage += 1;
                        }
                    }
                }
            }
        }
    }

    /// Asks for a resend from `from`, unless the same request went out less than
    /// `RESEND_HOLDOFF` ago (the chunks already in flight then still show the gap). `force` repeats it anyway (after silence). A
    /// chunk asked for `MAX_RESENDS` times without any progress ends the transfer.
    fn request_resend(
        &mut self,
        image_id: u16,
        from: u16,
        last: &mut Option<Resend>,
        now: Instant,
        force: bool,
    ) -> Result<()> {
        let repeats = match *last {
            Some(r) if r.from == from => {
                if !force && now.saturating_duration_since(r.at) < timing::RESEND_HOLDOFF {
                    return Ok(());
                }
                r.repeats + 1
            }
            _ => 1,
        };
        if repeats > timing::MAX_RESENDS {
            return Err(FingerprintError::Transfer(format!(
                "chunk {from} of image {image_id} still missing after {} resend requests",
                timing::MAX_RESENDS
            )));
        }
        self.stats.resends += 1;
        *last = Some(Resend {
            from,
            at: now,
            repeats,
        });
        let seq = self.next_seq();
        self.send(Command::Resend {
            seq,
            image_id,
            from,
        })
    }

    fn finish(&self, mode: CaptureMode, image_id: u16, r: Reassembler) -> Result<Capture> {
        let Some((mode_code, width, height)) = r.geometry() else {
            return Err(FingerprintError::Protocol("empty image".into()));
        };
        let expected = self.info.image_size(mode);
        if mode_code != mode.code() || (width, height) != expected {
            return Err(FingerprintError::Protocol(format!(
                "asked for {mode} ({}x{}), got mode {mode_code} {width}x{height}",
                expected.0, expected.1
            )));
        }
        let pixels = r
            .into_pixels()
            .ok_or_else(|| FingerprintError::Protocol("incomplete image".into()))?;
        Ok(Capture {
            mode,
            width: u32::from(width),
            height: u32::from(height),
            ppi: self.info.ppi,
            pixels,
            image_id,
        })
    }
}

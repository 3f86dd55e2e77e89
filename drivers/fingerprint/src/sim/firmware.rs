//! The simulated scanner's firmware: the device side of the protocol as a state machine driven
//! by the host's reports and by time. It emits exactly the reports a real scanner sends, at the
//! times it would send them: a status heartbeat while waiting, the finger arriving after a
//! delay, the image taken after the sensor settles, chunks at the link's report rate within the
//! host's window, and the documented errors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::faults::{self, Fault};
use super::{SentImage, SimConfig, SimStats};
use crate::mode::CaptureMode;
use crate::protocol::{
    self, CHUNK_LEN, CHUNK_PAYLOAD, Chunk, Command, DeviceState, ErrorCode, ErrorReport, Status,
};
use crate::synth::{GrayImage, Rng, SyntheticPerson};

/// Status heartbeat period while a capture waits or settles.
pub const HEARTBEAT: Duration = Duration::from_millis(100);
/// A transfer the host stops acknowledging is dropped after this long.
pub const HOST_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the firmware's input reports go: the link to the host.
pub trait Outbox {
    fn emit(&mut self, report: &[u8]);
}

#[derive(Debug)]
struct Transfer {
    image: Arc<Vec<u8>>,
    width: u16,
    height: u16,
    crc: u32,
    count: u16,
    next_send: u16,
    acked: u16,
    /// When the link can carry the next chunk.
    link_free_at: Instant,
    last_host: Instant,
}

#[derive(Debug)]
enum Phase {
    Idle,
    Waiting {
        finger_at: Option<Instant>,
        deadline: Instant,
        heartbeat: Instant,
    },
    Capturing {
        until: Instant,
        lift_at: Option<Instant>,
        heartbeat: Instant,
    },
    Transferring(Transfer),
}

/// The capture in progress.
#[derive(Debug)]
struct Current {
    seq: u8,
    mode: CaptureMode,
    image_id: u16,
    faults: Vec<Fault>,
    window: u16,
    chunks_sent: u32,
    reports_in_transfer: u32,
}

/// What the firmware asks of the simulated hardware around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    None,
    /// A fault unplugs the device now.
    Unplug,
}

#[derive(Debug)]
pub struct Firmware {
    pub config: SimConfig,
    phase: Phase,
    current: Option<Current>,
    next_image_id: u16,
    pub armed: Vec<Fault>,
    pub person: Option<Arc<SyntheticPerson>>,
    /// Sent instead of a synthetic impression when its size fits the mode.
    pub fixed_image: Option<Arc<GrayImage>>,
    pub last_image: Option<SentImage>,
    pub stats: SimStats,
    captures: u64,
    /// A hung firmware answers nothing.
    silent: bool,
}

impl Firmware {
    pub fn new(config: SimConfig) -> Firmware {
        Firmware {
            config,
            phase: Phase::Idle,
            current: None,
            next_image_id: 1,
            armed: Vec::new(),
            person: None,
            fixed_image: None,
            last_image: None,
            stats: SimStats::default(),
            captures: 0,
            silent: false,
        }
    }

    /// Power-on or reset: back to idle, no capture, image dropped. Armed faults stay armed.
    pub fn reset(&mut self) {
        self.phase = Phase::Idle;
        self.current = None;
        self.silent = false;
    }

    fn take_armed(&mut self, pred: impl Fn(&Fault) -> bool) -> bool {
        if let Some(i) = self.armed.iter().position(pred) {
            self.armed.remove(i);
            true
        } else {
            false
        }
    }

    fn status(&self, state: DeviceState, fingers: u8) -> Status {
        let (seq, mode, image_id, expected) = match &self.current {
            Some(c) => (
                c.seq,
                c.mode.code(),
                c.image_id,
                c.mode.fingers().len() as u8,
            ),
            None => (0, 0, 0, 0),
        };
        Status {
            seq,
            state,
            fingers,
            expected,
            image_id,
            mode,
            contact: if fingers > 0 { 90 } else { 0 },
        }
    }

    fn error(seq: u8, code: ErrorCode, image_id: u16, message: &str) -> [u8; protocol::ERROR_LEN] {
        ErrorReport {
            seq,
            code,
            image_id,
            message: message.into(),
        }
        .encode()
    }

    fn end_capture(&mut self) {
        self.phase = Phase::Idle;
        self.current = None;
    }

    /// A report from the host (output report) at `now`.
    pub fn handle_output(&mut self, report: &[u8], now: Instant, out: &mut dyn Outbox) -> Effect {
        let effect = self.advance(now, out);
        if effect != Effect::None || self.silent {
            return effect;
        }
        let command = match Command::decode(report) {
            Ok(Some(c)) => c,
            // Output reports with other IDs are not ours to answer.
            Ok(None) => return Effect::None,
            Err(bad) => {
                out.emit(&Self::error(bad.seq, ErrorCode::BadCommand, 0, bad.reason));
                return Effect::None;
            }
        };
        match command {
            Command::StartCapture {
                seq,
                mode,
                finger_timeout_ms,
                window,
            } => self.start(seq, mode, finger_timeout_ms, window, now, out),
            Command::Cancel { seq } => {
                self.end_capture();
                let mut s = self.status(DeviceState::Cancelled, 0);
                s.seq = seq;
                out.emit(&s.encode());
            }
            Command::Ack {
                seq,
                image_id,
                next,
            } => {
                self.stats.acks += 1;
                match (&mut self.phase, &self.current) {
                    (Phase::Transferring(t), Some(c)) if c.image_id == image_id => {
                        t.acked = t.acked.max(next.min(t.count));
                        t.last_host = now;
                        t.link_free_at = t.link_free_at.max(now);
                        if t.acked == t.count {
                            let done = self.status(DeviceState::Done, 0);
                            out.emit(&done.encode());
                            self.end_capture();
                        }
                    }
                    _ => out.emit(&Self::error(
                        seq,
                        ErrorCode::NoImage,
                        image_id,
                        "no such image",
                    )),
                }
            }
            Command::Resend {
                seq,
                image_id,
                from,
            } => {
                self.stats.resends += 1;
                match (&mut self.phase, &self.current) {
                    (Phase::Transferring(t), Some(c)) if c.image_id == image_id => {
                        let from = from.min(t.count);
                        t.acked = from;
                        t.next_send = from;
                        t.last_host = now;
                        t.link_free_at = t.link_free_at.max(now);
                    }
                    _ => out.emit(&Self::error(
                        seq,
                        ErrorCode::NoImage,
                        image_id,
                        "no such image",
                    )),
                }
            }
        }
        Effect::None
    }

    fn start(
        &mut self,
        seq: u8,
        mode: CaptureMode,
        finger_timeout_ms: u16,
        window: u16,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        if self.current.is_some() || self.take_armed(|f| *f == Fault::Busy) {
            out.emit(&Self::error(seq, ErrorCode::Busy, 0, "capture in progress"));
            return;
        }
        if !self.config.info.supports(mode) {
            out.emit(&Self::error(
                seq,
                ErrorCode::UnsupportedMode,
                0,
                "mode not supported",
            ));
            return;
        }
        if self.take_armed(|f| *f == Fault::SensorFault) {
            out.emit(&Self::error(
                seq,
                ErrorCode::SensorFault,
                0,
                "platen not detected",
            ));
            return;
        }
        let image_id = self.next_image_id;
        self.next_image_id = self.next_image_id.wrapping_add(1).max(1);
        let faults: Vec<Fault> = std::mem::take(&mut self.armed);
        if faults.contains(&Fault::Silent) {
            self.silent = true;
        }
        let no_finger = faults.contains(&Fault::NoFinger);
        self.current = Some(Current {
            seq,
            mode,
            image_id,
            faults,
            window: window.clamp(1, self.config.info.max_window),
            chunks_sent: 0,
            reports_in_transfer: 0,
        });
        self.captures += 1;
        self.stats.captures += 1;
        self.phase = Phase::Waiting {
            finger_at: (!no_finger).then(|| now + self.config.finger_delay),
            deadline: now + Duration::from_millis(u64::from(finger_timeout_ms)),
            heartbeat: now + HEARTBEAT,
        };
        if !self.silent {
            out.emit(&self.status(DeviceState::WaitingForFinger, 0).encode());
        }
    }

    /// When something will next happen on its own (a heartbeat, the finger, a chunk).
    pub fn next_wakeup(&self) -> Option<Instant> {
        if self.silent {
            return None;
        }
        match &self.phase {
            Phase::Idle => None,
            Phase::Waiting {
                finger_at,
                deadline,
                heartbeat,
            } => Some(
                finger_at
                    .map_or(*deadline, |f| f.min(*deadline))
                    .min(*heartbeat),
            ),
            Phase::Capturing {
                until,
                lift_at,
                heartbeat,
            } => Some(lift_at.map_or(*until, |l| l.min(*until)).min(*heartbeat)),
            Phase::Transferring(t) => {
                let window = self.current.as_ref().map_or(1, |c| c.window);
                let sendable = t.next_send < t.count.min(t.acked.saturating_add(window));
                let host_gone = t.last_host + HOST_TIMEOUT;
                Some(if sendable {
                    t.link_free_at.min(host_gone)
                } else {
                    host_gone
                })
            }
        }
    }

    fn chunk_period(&self) -> Duration {
        match self.config.report_rate {
            Some(rate) if rate > 0 => Duration::from_nanos(1_000_000_000 / u64::from(rate)),
            _ => Duration::ZERO,
        }
    }

    /// Runs every event due by `now`, in time order, emitting what each one sends.
    pub fn advance(&mut self, now: Instant, out: &mut dyn Outbox) -> Effect {
        // Bounded, so that a bug can never spin forever: a whole slap is 2,400 chunks.
        for _ in 0..100_000 {
            let Some(at) = self.next_wakeup() else {
                return Effect::None;
            };
            if at > now {
                return Effect::None;
            }
            let effect = self.step(at, out);
            if effect != Effect::None {
                return effect;
            }
        }
        Effect::None
    }

    fn step(&mut self, at: Instant, out: &mut dyn Outbox) -> Effect {
        let phase = std::mem::replace(&mut self.phase, Phase::Idle);
        match phase {
            Phase::Idle => {}
            Phase::Waiting {
                finger_at,
                deadline,
                heartbeat,
            } => {
                let finger_due = finger_at.filter(|&f| f <= at && f <= deadline);
                if finger_due.is_some() {
                    let fingers = self
                        .current
                        .as_ref()
                        .map_or(1, |c| c.mode.fingers().len() as u8);
                    self.phase = Phase::Capturing {
                        until: at + self.config.settle,
                        lift_at: self
                            .current
                            .as_ref()
                            .is_some_and(|c| c.faults.contains(&Fault::FingerLifted))
                            .then(|| at + self.config.settle / 2),
                        heartbeat: at + HEARTBEAT,
                    };
                    out.emit(&self.status(DeviceState::Capturing, fingers).encode());
                } else if deadline <= at {
                    let (seq, id) = self
                        .current
                        .as_ref()
                        .map_or((0, 0), |c| (c.seq, c.image_id));
                    out.emit(&Self::error(seq, ErrorCode::Timeout, id, "no finger"));
                    self.end_capture();
                } else {
                    out.emit(&self.status(DeviceState::WaitingForFinger, 0).encode());
                    self.phase = Phase::Waiting {
                        finger_at,
                        deadline,
                        heartbeat: heartbeat + HEARTBEAT,
                    };
                }
            }
            Phase::Capturing {
                until,
                lift_at,
                heartbeat,
            } => {
                let fingers = self
                    .current
                    .as_ref()
                    .map_or(1, |c| c.mode.fingers().len() as u8);
                if lift_at.is_some_and(|l| l <= at && l <= until) {
                    out.emit(&self.status(DeviceState::Capturing, 0).encode());
                    let (seq, id) = self
                        .current
                        .as_ref()
                        .map_or((0, 0), |c| (c.seq, c.image_id));
                    out.emit(&Self::error(
                        seq,
                        ErrorCode::FingerLifted,
                        id,
                        "finger lifted",
                    ));
                    self.end_capture();
                } else if until <= at {
                    self.take_image(at, out);
                } else {
                    out.emit(&self.status(DeviceState::Capturing, fingers).encode());
                    self.phase = Phase::Capturing {
                        until,
                        lift_at,
                        heartbeat: heartbeat + HEARTBEAT,
                    };
                }
            }
            Phase::Transferring(mut t) => {
                let window = self.current.as_ref().map_or(1, |c| c.window);
                let sendable = t.next_send < t.count.min(t.acked.saturating_add(window));
                if sendable && t.link_free_at <= at {
                    let index = t.next_send;
                    t.next_send += 1;
                    t.link_free_at = at + self.chunk_period();
                    let effect = self.send_chunk(&t, index, out);
                    self.phase = Phase::Transferring(t);
                    return effect;
                }
                if t.last_host + HOST_TIMEOUT <= at {
                    let (seq, id) = self
                        .current
                        .as_ref()
                        .map_or((0, 0), |c| (c.seq, c.image_id));
                    out.emit(&Self::error(
                        seq,
                        ErrorCode::HostTimeout,
                        id,
                        "host stopped acknowledging",
                    ));
                    self.end_capture();
                } else {
                    self.phase = Phase::Transferring(t);
                }
            }
        }
        Effect::None
    }

    /// The sensor takes the image: a new impression of the simulated person's finger(s).
    fn take_image(&mut self, at: Instant, out: &mut dyn Outbox) {
        let Some(current) = &self.current else {
            return;
        };
        let mode = current.mode;
        let (width, height, image, poses) = match &self.fixed_image {
            Some(fixed)
                if (fixed.width, fixed.height)
                    == (
                        u32::from(mode.image_size().0),
                        u32::from(mode.image_size().1),
                    ) =>
            {
                (
                    fixed.width as u16,
                    fixed.height as u16,
                    Arc::new(fixed.pixels.clone()),
                    Vec::new(),
                )
            }
            _ => {
                let person = self
                    .person
                    .get_or_insert_with(|| Arc::new(SyntheticPerson::new(self.config.person_seed)))
                    .clone();
                let mut rng = Rng::derive(self.config.impression_seed, self.captures);
                let impression = person.capture(mode, &mut rng);
                (
                    impression.image.width as u16,
                    impression.image.height as u16,
                    Arc::new(impression.image.pixels),
                    impression.poses,
                )
            }
        };
        let crc = crc32fast::hash(&image);
        let count = protocol::chunk_count(image.len()) as u16;
        self.last_image = Some(SentImage {
            mode,
            width,
            height,
            pixels: image.clone(),
            poses,
        });
        self.phase = Phase::Transferring(Transfer {
            image,
            width,
            height,
            crc,
            count,
            next_send: 0,
            acked: 0,
            link_free_at: at,
            last_host: at,
        });
        // The status reports the fingers that were down when the image was taken.
        let fingers = mode.fingers().len() as u8;
        out.emit(&self.status(DeviceState::Transferring, fingers).encode());
    }

    fn send_chunk(&mut self, t: &Transfer, index: u16, out: &mut dyn Outbox) -> Effect {
        let Some(c) = self.current.as_mut() else {
            return Effect::None;
        };
        let at = usize::from(index) * CHUNK_PAYLOAD;
        let end = (at + CHUNK_PAYLOAD).min(t.image.len());
        let crc = faults::image_crc(&mut c.faults, index, t.count, t.crc);
        let mut report = [0u8; CHUNK_LEN];
        Chunk {
            mode: c.mode.code(),
            image_id: c.image_id,
            index,
            count: t.count,
            width: t.width,
            height: t.height,
            image_crc: crc,
            payload: &t.image[at..end],
        }
        .encode_into(&mut report);
        c.chunks_sent += 1;
        self.stats.chunks_sent += 1;

        c.reports_in_transfer += 1;
        let fate = faults::chunk_fate(
            &mut c.faults,
            index,
            &mut report,
            (c.image_id, c.reports_in_transfer, c.chunks_sent),
        );
        if let Some(garbage) = &fate.garbage_before {
            out.emit(garbage);
        }
        if fate.deliver {
            out.emit(&report);
            if fate.duplicate {
                out.emit(&report);
            }
        } else {
            self.stats.chunks_lost += 1;
        }
        if fate.unplug {
            return Effect::Unplug;
        }
        Effect::None
    }
}

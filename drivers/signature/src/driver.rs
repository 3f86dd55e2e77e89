//! The signature pad driver: opens the serial port, runs the ISDV4 handshake (stop, query,
//! start), turns bytes into timestamped pen samples, notices a line that goes silent, and runs
//! on a named worker thread that reopens the pad when it comes back.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rekam_device::{
    Backend, DeviceClass, DeviceInfo, Event, EventSender, REOPEN_INTERVAL, StopToken, Worker,
};
use serde::{Deserialize, Serialize};

use crate::SignatureError;
use crate::protocol::{
    CMD_QUERY, CMD_START, CMD_STOP, Packet, PadCapabilities, Parser, ParserStats,
};
use crate::stroke::PenSample;

/// How to reach the pad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PadConfig {
    /// Serial port path, e.g. `/dev/ttyS0` or `/dev/ttyUSB0` (ports are not discovered: a
    /// USB-serial adapter's path comes from configuration or a udev symlink).
    pub port: String,
    /// 19200 for first-generation ISDV4 pads, 38400 for later ones.
    pub baud: u32,
    /// Time the pad gets to stop streaming before it is queried.
    pub settle_ms: u64,
    /// How long to wait for the reply to the query.
    pub answer_timeout_ms: u64,
    /// Silence while the pen is in proximity longer than this means the line died.
    pub silence_ms: u64,
}

impl Default for PadConfig {
    fn default() -> Self {
        PadConfig {
            port: "/dev/ttyS0".to_owned(),
            baud: 19200,
            settle_ms: 250,
            answer_timeout_ms: 1000,
            silence_ms: 1000,
        }
    }
}

/// A gap inside a packet longer than this means the rest of it is not coming.
const INTER_BYTE_LIMIT: Duration = Duration::from_millis(100);
/// Each read waits at most this long, so that stop requests and silence are noticed.
const READ_SLICE: Duration = Duration::from_millis(50);

/// What the pad driver reports as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadEvent {
    Sample(PenSample),
    /// The line went quiet for `ms` while the pen was in proximity; any open stroke ends here.
    LineSilent {
        ms: u64,
    },
}

/// A byte stream to a pad: a serial port, or one end of a pty for the simulator.
pub trait Port: Read + Write + Send {
    /// Discards bytes received but not yet read (stale bytes at open).
    fn clear_input(&mut self) -> io::Result<()>;
}

impl Port for Box<dyn serialport::SerialPort> {
    fn clear_input(&mut self) -> io::Result<()> {
        self.clear(serialport::ClearBuffer::Input)
            .map_err(io::Error::from)
    }
}

impl Port for serialport::TTYPort {
    fn clear_input(&mut self) -> io::Result<()> {
        serialport::SerialPort::clear(self, serialport::ClearBuffer::Input).map_err(io::Error::from)
    }
}

/// Maps a failure to open the port to what the operator must do about it.
pub(crate) fn open_error(path: &str, e: &serialport::Error) -> SignatureError {
    use serialport::ErrorKind as K;
    let path = path.to_owned();
    let text = e.description.to_lowercase();
    match e.kind() {
        // Another program has the port: TIOCEXCL fails with EBUSY (for non-root users) and the
        // exclusive flock fails (for everyone); serialport reports both as NoDevice.
        _ if text.contains("busy") || text.contains("lock") => SignatureError::Busy { path },
        K::NoDevice | K::Io(io::ErrorKind::NotFound) => SignatureError::NotFound { path },
        K::Io(io::ErrorKind::PermissionDenied) => SignatureError::PermissionDenied { path },
        _ => SignatureError::Io(Arc::new(io::Error::other(format!(
            "{path}: {}",
            e.description
        )))),
    }
}

/// Opens a serial port for a pad.
pub fn open_port(config: &PadConfig) -> Result<Box<dyn serialport::SerialPort>, SignatureError> {
    serialport::new(&config.port, config.baud)
        .timeout(READ_SLICE)
        .open()
        .map_err(|e| open_error(&config.port, &e))
}

/// An open pad that answered the query and streams pen reports.
pub struct Pad<P: Port> {
    port: P,
    info: DeviceInfo,
    caps: PadCapabilities,
    parser: Parser,
    config: PadConfig,
    epoch: Instant,
    last_byte: Instant,
    in_proximity: bool,
    silence_reported: bool,
}

impl<P: Port> std::fmt::Debug for Pad<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pad")
            .field("info", &self.info)
            .field("caps", &self.caps)
            .field("stats", &self.parser.stats())
            .finish_non_exhaustive()
    }
}

impl Pad<Box<dyn serialport::SerialPort>> {
    /// Opens the configured serial port and runs the handshake.
    pub fn open(config: &PadConfig) -> Result<Self, SignatureError> {
        let port = open_port(config)?;
        Pad::handshake(port, config, Backend::Real, Instant::now())
    }
}

impl<P: Port> Pad<P> {
    /// Runs the ISDV4 handshake on an open port: stop, settle, discard, query, start.
    /// `epoch` is the zero of the samples' timestamps.
    pub fn handshake(
        mut port: P,
        config: &PadConfig,
        backend: Backend,
        epoch: Instant,
    ) -> Result<Self, SignatureError> {
        let io = |e: io::Error| SignatureError::from_io(&config.port, e);
        port.write_all(&[CMD_STOP]).map_err(io)?;
        std::thread::sleep(Duration::from_millis(config.settle_ms));
        port.clear_input().map_err(io)?;
        drain(&mut port).map_err(io)?;
        port.write_all(&[CMD_QUERY]).map_err(io)?;

        let deadline = Instant::now() + Duration::from_millis(config.answer_timeout_ms);
        let mut parser = Parser::new();
        let mut buf = [0u8; 64];
        let caps = loop {
            if Instant::now() >= deadline {
                return Err(SignatureError::NoAnswer {
                    path: config.port.clone(),
                    baud: config.baud,
                    ms: config.answer_timeout_ms,
                });
            }
            let n = match port.read(&mut buf) {
                Ok(0) => return Err(SignatureError::Disconnected("end of file".into())),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::TimedOut => continue,
                Err(e) => return Err(io(e)),
            };
            let mut found = None;
            parser.feed(&buf[..n], |p| {
                if let Packet::Query(c) = p {
                    found = Some(c);
                }
            });
            if let Some(c) = found {
                break c;
            }
        };
        if caps.max_x == 0 || caps.max_y == 0 {
            return Err(SignatureError::Protocol(format!(
                "the pad reports an empty surface ({} x {})",
                caps.max_x, caps.max_y
            )));
        }
        port.write_all(&[CMD_START]).map_err(io)?;
        let info = DeviceInfo {
            class: DeviceClass::SignaturePad,
            backend,
            model: "Wacom ISDV4 serial pen digitizer".to_owned(),
            location: format!("{} @ {} baud", config.port, config.baud),
            details: vec![
                ("firmware".into(), format!("{:#06x}", caps.firmware)),
                (
                    "surface".into(),
                    format!("{} x {} (100 per mm)", caps.max_x, caps.max_y),
                ),
                (
                    "pressure levels".into(),
                    format!("{}", u32::from(caps.max_pressure) + 1),
                ),
            ],
        };
        Ok(Pad {
            port,
            info,
            caps,
            parser: Parser::new(),
            config: config.clone(),
            epoch,
            last_byte: Instant::now(),
            in_proximity: false,
            silence_reported: false,
        })
    }

    pub fn info(&self) -> &DeviceInfo {
        &self.info
    }

    pub fn capabilities(&self) -> PadCapabilities {
        self.caps
    }

    pub fn parser_stats(&self) -> ParserStats {
        self.parser.stats()
    }

    /// Reads what the pad sent within one short slice and reports it. Returns an error when the
    /// pad is gone (the caller reopens it).
    pub fn poll(&mut self, mut out: impl FnMut(PadEvent)) -> Result<(), SignatureError> {
        let mut buf = [0u8; 256];
        let n = match self.port.read(&mut buf) {
            Ok(0) => return Err(SignatureError::Disconnected("the line was closed".into())),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => 0,
            Err(e) => return Err(SignatureError::from_io(&self.config.port, e)),
        };
        let now = Instant::now();
        if n == 0 {
            let quiet = now.duration_since(self.last_byte);
            if self.parser.in_packet() && quiet > INTER_BYTE_LIMIT {
                self.parser.flush_partial();
            }
            if self.in_proximity
                && !self.silence_reported
                && quiet > Duration::from_millis(self.config.silence_ms)
            {
                self.silence_reported = true;
                self.in_proximity = false;
                out(PadEvent::LineSilent {
                    ms: quiet.as_millis() as u64,
                });
            }
            return Ok(());
        }
        if self.parser.in_packet() && now.duration_since(self.last_byte) > INTER_BYTE_LIMIT {
            self.parser.flush_partial();
        }
        self.last_byte = now;
        self.silence_reported = false;
        let t_us = now.duration_since(self.epoch).as_micros() as u64;
        let caps = self.caps;
        let mut proximity = self.in_proximity;
        self.parser.feed(&buf[..n], |p| {
            if let Packet::Pen(report) = p
                && caps.admits(&report)
            {
                proximity = report.proximity;
                out(PadEvent::Sample(PenSample { t_us, report }));
            }
        });
        self.in_proximity = proximity;
        Ok(())
    }

    /// Asks the pad to stop streaming and hands the port back.
    pub fn close(mut self) -> P {
        let _ = self.port.write_all(&[CMD_STOP]);
        self.port
    }
}

/// Reads and discards whatever is pending, without waiting longer than one slice.
fn drain<P: Port>(port: &mut P) -> io::Result<()> {
    let mut buf = [0u8; 256];
    loop {
        match port.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// Events of the signature pad worker.
pub type PadEvents = EventSender<Event<PadEvent, SignatureError>>;

/// Starts the worker for the configured serial port.
pub fn spawn(config: PadConfig, events: PadEvents) -> io::Result<Worker> {
    let cfg = config.clone();
    spawn_with(
        move |epoch| {
            let port = open_port(&cfg)?;
            Pad::handshake(port, &cfg, Backend::Real, epoch)
        },
        events,
    )
}

/// Starts a worker that opens its pad with `open` (given the timestamp epoch), reads it until it
/// goes away, and reopens it every [`REOPEN_INTERVAL`] until stopped or nobody listens.
pub fn spawn_with<P, F>(mut open: F, events: PadEvents) -> io::Result<Worker>
where
    P: Port + 'static,
    F: FnMut(Instant) -> Result<Pad<P>, SignatureError> + Send + 'static,
{
    Worker::spawn("rekam-signature-pad", move |stop: StopToken| {
        let epoch = Instant::now();
        let mut last_error: Option<String> = None;
        while !stop.is_stopped() && events.is_open() {
            let mut pad = match open(epoch) {
                Ok(pad) => pad,
                Err(e) => {
                    // Report a failure once, not every half second while the pad is missing.
                    let text = e.to_string();
                    if last_error.as_deref() != Some(text.as_str()) {
                        last_error = Some(text);
                        if events.send(Event::Error(e)).is_err() {
                            return;
                        }
                    }
                    if !stop.sleep(REOPEN_INTERVAL) {
                        return;
                    }
                    continue;
                }
            };
            last_error = None;
            if events.send(Event::Connected(pad.info().clone())).is_err() {
                return;
            }
            let reason = loop {
                if stop.is_stopped() {
                    pad.close();
                    return;
                }
                let mut closed = false;
                let r = pad.poll(|ev| {
                    if let PadEvent::LineSilent { ms } = ev {
                        closed |= events.send(Event::Data(ev)).is_err();
                        closed |= events
                            .send(Event::Error(SignatureError::Silent { ms }))
                            .is_err();
                    } else {
                        closed |= events.send(Event::Data(ev)).is_err();
                    }
                });
                if closed {
                    pad.close();
                    return;
                }
                if let Err(e) = r {
                    break e.to_string();
                }
            };
            if events.send(Event::Disconnected { reason }).is_err() || !stop.sleep(REOPEN_INTERVAL)
            {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: serialport::ErrorKind, text: &str) -> SignatureError {
        open_error("/dev/ttyS0", &serialport::Error::new(kind, text))
    }

    #[test]
    fn open_failures_map_to_what_the_operator_can_do() {
        use serialport::ErrorKind as K;
        assert!(matches!(
            err(K::NoDevice, "Device or resource busy"),
            SignatureError::Busy { .. }
        ));
        assert!(matches!(
            err(
                K::NoDevice,
                "Unable to acquire exclusive lock on serial port"
            ),
            SignatureError::Busy { .. }
        ));
        assert!(matches!(
            err(K::NoDevice, "No such device"),
            SignatureError::NotFound { .. }
        ));
        assert!(matches!(
            err(K::Io(io::ErrorKind::NotFound), "No such file or directory"),
            SignatureError::NotFound { .. }
        ));
        let denied = err(K::Io(io::ErrorKind::PermissionDenied), "Permission denied");
        assert!(matches!(denied, SignatureError::PermissionDenied { .. }));
        assert!(denied.to_string().contains("dialout"));
        assert!(matches!(err(K::Unknown, "weird"), SignatureError::Io(_)));
    }

    #[test]
    fn a_hangup_is_a_disconnection() {
        let e = SignatureError::from_io("/dev/ttyUSB0", io::Error::from_raw_os_error(5));
        assert!(matches!(e, SignatureError::Disconnected(_)), "{e:?}");
        let e = SignatureError::from_io("/dev/ttyUSB0", io::ErrorKind::InvalidData.into());
        assert!(matches!(e, SignatureError::Io(_)), "{e:?}");
    }
}

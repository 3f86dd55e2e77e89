//! The streaming worker: a named thread that opens a camera, decodes every frame to RGB on
//! itself and hands it over with `send_latest` (a slow consumer loses the oldest frames, never
//! the newest), and reopens the camera after errors until it is stopped.
//!
//! Event sequence, for each time the camera is opened:
//! `Connected(info)`, then `Data(frame)`s, interleaved with `Error(Decode)` for single bad frames
//! (at most one a second); then, when the camera fails, `Error(e)` followed by
//! `Disconnected { reason }`. While the camera cannot be opened, `Error(e)` is sent once per
//! distinct error and the worker retries every [`REOPEN_INTERVAL`].
//!
//! Every event goes out with `send_latest`, status events too: it never waits (a blocking send
//! would let a worker stopped while its consumer holds a full channel wait in it), and to make
//! room it drops the oldest frames, never a status event, so a slow consumer still learns that
//! the camera went away.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use image::RgbImage;
use rekam_device::{Event, EventSender, REOPEN_INTERVAL, StopToken, Worker};

use crate::{CameraConfig, CameraError, FrameSource, NokhwaSource, decode};

/// What a camera worker sends.
pub type CameraEvent = Event<Frame, CameraError>;

/// If only undecodable frames arrive for this long, the camera is closed and reopened.
const UNDECODABLE_FOR: Duration = Duration::from_secs(3);
/// At most one decode error event per this interval (a camera sending garbage at 30 fps
/// must not flood the channel).
const DECODE_ERROR_EVERY: Duration = Duration::from_secs(1);

/// One decoded frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// RGB, 8 bits per channel, rows top to bottom. Shared: cloning a frame is cheap.
    pub rgb: Arc<RgbImage>,
    /// The source's frame counter (gaps: frames lost before decoding).
    pub sequence: u64,
    pub captured_at: Instant,
    /// How long decoding took on the worker thread.
    pub decode_time: Duration,
    /// Frames this worker has dropped so far because the consumer was behind.
    pub dropped: u64,
}

/// Counters of a running worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Frames received from the camera.
    pub captured: u64,
    /// Frames decoded and put in the channel.
    pub delivered: u64,
    /// Frames pushed out of the channel unread because the consumer was behind.
    pub dropped: u64,
    /// Frames that could not be decoded.
    pub decode_errors: u64,
    /// Times the camera was opened.
    pub opened: u64,
}

#[derive(Debug, Default)]
struct Counters {
    captured: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
    decode_errors: AtomicU64,
    opened: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn snapshot(&self) -> StreamStats {
        StreamStats {
            captured: self.captured.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            decode_errors: self.decode_errors.load(Ordering::Relaxed),
            opened: self.opened.load(Ordering::Relaxed),
        }
    }
}

/// A running camera worker. Dropping it stops the thread and waits for it.
#[derive(Debug)]
pub struct CameraWorker {
    worker: Worker,
    counters: Arc<Counters>,
}

impl CameraWorker {
    pub fn stats(&self) -> StreamStats {
        self.counters.snapshot()
    }

    /// The thread's name (`rekam-face-cam` or `rekam-iris-cam`).
    pub fn name(&self) -> &str {
        self.worker.name()
    }

    /// Whether the thread has ended on its own (its consumer went away).
    pub fn is_finished(&self) -> bool {
        self.worker.is_finished()
    }

    /// Stops the thread and waits for it; `false` if it had panicked.
    pub fn stop(self) -> bool {
        self.worker.stop()
    }
}

/// Starts a worker for a real camera opened with [`NokhwaSource::open`].
pub fn spawn_camera(
    config: CameraConfig,
    events: EventSender<CameraEvent>,
) -> std::io::Result<CameraWorker> {
    spawn(
        config,
        move || NokhwaSource::open(&config).map(|s| Box::new(s) as Box<dyn FrameSource>),
        events,
    )
}

/// Starts a worker on a thread named after the camera's role. `opener` is called to open the
/// camera, and again after every failure (every [`REOPEN_INTERVAL`] while it fails). Frames
/// are awaited for at most [`CameraConfig::frame_timeout`].
pub fn spawn<F>(
    config: CameraConfig,
    opener: F,
    events: EventSender<CameraEvent>,
) -> std::io::Result<CameraWorker>
where
    F: FnMut() -> Result<Box<dyn FrameSource>, CameraError> + Send + 'static,
{
    let counters = Arc::new(Counters::default());
    let shared = counters.clone();
    let name = format!("rekam-{}-cam", config.role.code());
    let worker = Worker::spawn(&name, move |stop| {
        run(config, opener, &events, &stop, &shared)
    })?;
    Ok(CameraWorker { worker, counters })
}

fn run<F>(
    config: CameraConfig,
    mut opener: F,
    events: &EventSender<CameraEvent>,
    stop: &StopToken,
    counters: &Counters,
) where
    F: FnMut() -> Result<Box<dyn FrameSource>, CameraError>,
{
    // The last opening error reported, so that a missing camera is reported once, not twice a
    // second.
    let mut reported: Option<String> = None;
    while !stop.is_stopped() && events.is_open() {
        let mut source = match opener() {
            Ok(source) => source,
            Err(e) => {
                let text = e.to_string();
                if reported.as_deref() != Some(text.as_str()) {
                    reported = Some(text);
                    if events.send_latest(Event::Error(e)).is_err() {
                        return;
                    }
                }
                stop.sleep(REOPEN_INTERVAL);
                continue;
            }
        };
        reported = None;
        Counters::add(&counters.opened, 1);
        if events.send_latest(Event::Connected(source.info())).is_err() {
            return;
        }
        let outcome = stream(&config, source.as_mut(), events, stop, counters);
        // Close the camera before telling anyone, so that a reopen finds it free.
        drop(source);
        match outcome {
            Ok(()) => return,
            Err(e) => {
                let reason = e.to_string();
                if events.send_latest(Event::Error(e)).is_err()
                    || events.send_latest(Event::Disconnected { reason }).is_err()
                {
                    return;
                }
                stop.sleep(REOPEN_INTERVAL);
            }
        }
    }
}

/// Streams until stopped (`Ok`) or until the camera fails (`Err`, the error that ended it).
fn stream(
    config: &CameraConfig,
    source: &mut dyn FrameSource,
    events: &EventSender<CameraEvent>,
    stop: &StopToken,
    counters: &Counters,
) -> Result<(), CameraError> {
    let timeout = config.frame_timeout();
    let mut last_good = Instant::now();
    let mut last_error_event: Option<Instant> = None;
    loop {
        if stop.is_stopped() || !events.is_open() {
            return Ok(());
        }
        let raw = source.next_frame(timeout)?;
        Counters::add(&counters.captured, 1);
        let started = Instant::now();
        match decode(&raw) {
            Ok(rgb) => {
                last_good = Instant::now();
                let frame = Frame {
                    rgb: Arc::new(rgb),
                    sequence: raw.sequence,
                    captured_at: raw.captured_at,
                    decode_time: started.elapsed(),
                    dropped: counters.dropped.load(Ordering::Relaxed),
                };
                match events.send_latest(Event::Data(frame)) {
                    Ok(dropped) => {
                        Counters::add(&counters.delivered, 1);
                        Counters::add(&counters.dropped, dropped as u64);
                    }
                    Err(_) => return Ok(()),
                }
            }
            Err(e) => {
                Counters::add(&counters.decode_errors, 1);
                if last_good.elapsed() >= UNDECODABLE_FOR {
                    return Err(CameraError::Protocol(format!(
                        "no decodable frame for {} s; last: {e}",
                        UNDECODABLE_FOR.as_secs()
                    )));
                }
                if last_error_event.is_none_or(|t| t.elapsed() >= DECODE_ERROR_EVERY) {
                    last_error_event = Some(Instant::now());
                    if events.send_latest(Event::Error(e)).is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}

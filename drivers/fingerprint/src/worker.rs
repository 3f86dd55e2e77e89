//! The scanner's worker thread: owns the device, takes commands (capture, cancel) on a channel,
//! and streams [`Event`]s — connected, disconnected, finger status, transfer progress, images,
//! errors. When the scanner is missing or pulled out it reports so and tries to open it again
//! every [`REOPEN_INTERVAL`] until it is stopped (hot-plug).

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::time::Duration;

use rekam_device::{Event, EventSender, REOPEN_INTERVAL, StopToken, Worker};

use crate::error::{FingerprintError, Result};
use crate::mode::CaptureMode;
use crate::scanner::{Capture, CaptureObserver, Progress, Scanner};
use crate::transport::Transport;

/// What the application asks of the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanCommand {
    /// Capture in `mode`, waiting up to `timeout` for the finger(s).
    Capture {
        mode: CaptureMode,
        timeout: Duration,
    },
    /// Stop the capture in progress (it ends with [`ScanEvent::Cancelled`]).
    Cancel,
}

/// What the scanner reports besides connect, disconnect and errors.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanEvent {
    /// A capture started; the device waits for the finger(s).
    WaitingForFinger { mode: CaptureMode },
    /// Finger(s) on the platen.
    FingerPresent { fingers: u8, expected: u8 },
    /// The finger(s) left the platen.
    FingerAbsent,
    /// Image transfer progress (bytes), about every tenth of the image.
    Transfer { received: usize, total: usize },
    /// The finished image.
    Image(Arc<Capture>),
    /// The capture ended without an image: no finger came to the glass within its timeout.
    NoFinger,
    /// The capture ended without an image: the fingers left the glass before it was taken.
    Lifted,
    /// The capture ended without an image: it was cancelled.
    Cancelled,
}

impl ScanEvent {
    /// How a capture that gave no image ended, when that is the applicant's doing or the
    /// operator's (not the device's fault): a status, not an error.
    fn ended(e: &FingerprintError) -> Option<ScanEvent> {
        match e {
            FingerprintError::NoFinger => Some(ScanEvent::NoFinger),
            FingerprintError::FingerLifted => Some(ScanEvent::Lifted),
            FingerprintError::Cancelled => Some(ScanEvent::Cancelled),
            _ => None,
        }
    }
}

/// The event type of the scanner's channel.
pub type ScanMessage = Event<ScanEvent, FingerprintError>;

/// A running scanner worker. Dropping it stops the thread.
#[derive(Debug)]
pub struct ScannerWorker {
    worker: Worker,
    commands: mpsc::Sender<ScanCommand>,
}

/// Between commands the worker checks the device this often, so that an unplug is noticed
/// within a tenth of a second.
const IDLE_POLL: Duration = Duration::from_millis(100);

impl ScannerWorker {
    /// Starts the worker on a thread called `name`. `open` opens the transport (called again
    /// after every disconnect); events go to `events`.
    pub fn spawn<T, F>(
        name: &str,
        open: F,
        events: EventSender<ScanMessage>,
    ) -> std::io::Result<ScannerWorker>
    where
        T: Transport + 'static,
        F: Fn() -> Result<T> + Send + 'static,
    {
        let (commands, rx) = mpsc::channel();
        let worker = Worker::spawn(name, move |stop| run(open, rx, events, stop))?;
        Ok(ScannerWorker { worker, commands })
    }

    /// Queues a capture. `false` if the worker has ended.
    pub fn capture(&self, mode: CaptureMode, timeout: Duration) -> bool {
        self.commands
            .send(ScanCommand::Capture { mode, timeout })
            .is_ok()
    }

    /// Cancels the capture in progress. `false` if the worker has ended.
    pub fn cancel(&self) -> bool {
        self.commands.send(ScanCommand::Cancel).is_ok()
    }

    /// A sender for commands, to hand to whoever drives captures.
    pub fn commands(&self) -> mpsc::Sender<ScanCommand> {
        self.commands.clone()
    }

    pub fn is_finished(&self) -> bool {
        self.worker.is_finished()
    }

    /// Stops the thread and waits for it; `false` if it had panicked.
    pub fn stop(self) -> bool {
        self.worker.stop()
    }
}

/// Same kind of error as last time (so a missing scanner is reported once, not every poll).
fn same_kind(a: &FingerprintError, b: &FingerprintError) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn run<T, F>(
    open: F,
    commands: mpsc::Receiver<ScanCommand>,
    events: EventSender<ScanMessage>,
    stop: StopToken,
) where
    T: Transport,
    F: Fn() -> Result<T>,
{
    let mut last_error: Option<FingerprintError> = None;
    while !stop.is_stopped() && events.is_open() {
        let opened = open().and_then(Scanner::open);
        let mut scanner = match opened {
            Ok(s) => s,
            Err(e) => {
                if !last_error.as_ref().is_some_and(|l| same_kind(l, &e))
                    && events.send(Event::Error(e.clone())).is_err()
                {
                    return;
                }
                last_error = Some(e);
                // Commands cannot be served without a device: answer them at once.
                while let Ok(c) = commands.try_recv() {
                    if matches!(c, ScanCommand::Capture { .. })
                        && events
                            .send(Event::Error(FingerprintError::NotFound(
                                "no scanner connected".into(),
                            )))
                            .is_err()
                    {
                        return;
                    }
                }
                if !stop.sleep(REOPEN_INTERVAL) {
                    return;
                }
                continue;
            }
        };
        if events
            .send(Event::Connected(scanner.device_info()))
            .is_err()
        {
            return;
        }
        match session(&mut scanner, &commands, &events, &stop) {
            Ended::Stop => {
                // Leave the device idle for whoever opens it next.
                let _ = scanner.cancel();
                return;
            }
            Ended::Disconnected(reason) => {
                if events.send(Event::Disconnected { reason }).is_err() {
                    return;
                }
                // The disconnect was reported; the scanner missing while it is away is not news.
                last_error = Some(FingerprintError::NotFound(String::new()));
                if !stop.sleep(REOPEN_INTERVAL) {
                    return;
                }
            }
        }
    }
}

enum Ended {
    Stop,
    Disconnected(String),
}

/// Serves commands on an open scanner until it goes away or the worker is stopped.
fn session<T: Transport>(
    scanner: &mut Scanner<T>,
    commands: &mpsc::Receiver<ScanCommand>,
    events: &EventSender<ScanMessage>,
    stop: &StopToken,
) -> Ended {
    loop {
        if stop.is_stopped() || !events.is_open() {
            return Ended::Stop;
        }
        // Wait for a command; between commands, look at the device without waiting (a read of
        // a removed hidraw device fails at once), so an unplug is noticed within IDLE_POLL.
        let command = match commands.recv_timeout(IDLE_POLL) {
            Ok(c) => Some(c),
            Err(RecvTimeoutError::Timeout) => None,
            // Nobody can send commands any more; keep watching the device until stopped.
            Err(RecvTimeoutError::Disconnected) => {
                if !stop.sleep(IDLE_POLL) {
                    return Ended::Stop;
                }
                None
            }
        };
        let result = match command {
            None => scanner.poll_idle(Duration::ZERO).map(|()| None),
            Some(ScanCommand::Cancel) => scanner.cancel().map(|()| None),
            Some(ScanCommand::Capture { mode, timeout }) => {
                if events
                    .send(Event::Data(ScanEvent::WaitingForFinger { mode }))
                    .is_err()
                {
                    return Ended::Stop;
                }
                let mut observer = Observer {
                    commands,
                    events,
                    stop,
                    closed: false,
                };
                let r = scanner.capture_with(mode, timeout, &mut observer);
                if observer.closed {
                    return Ended::Stop;
                }
                r.map(Some)
            }
        };
        let sent = match result {
            Ok(None) => Ok(()),
            Ok(Some(capture)) => events.send(Event::Data(ScanEvent::Image(Arc::new(capture)))),
            Err(e) if e.is_disconnect() => return Ended::Disconnected(e.to_string()),
            Err(_) if stop.is_stopped() => return Ended::Stop,
            Err(e) => match ScanEvent::ended(&e) {
                Some(status) => events.send(Event::Data(status)),
                None => events.send(Event::Error(e)),
            },
        };
        if sent.is_err() {
            return Ended::Stop;
        }
    }
}

/// Forwards capture progress as events and turns a Cancel command (or a stop) into a cancel.
struct Observer<'a> {
    commands: &'a mpsc::Receiver<ScanCommand>,
    events: &'a EventSender<ScanMessage>,
    stop: &'a StopToken,
    closed: bool,
}

impl CaptureObserver for Observer<'_> {
    fn progress(&mut self, progress: Progress) {
        let event = match progress {
            // Already announced when the command was taken.
            Progress::WaitingForFinger => return,
            Progress::FingerPresent { fingers, expected } => {
                ScanEvent::FingerPresent { fingers, expected }
            }
            Progress::FingerAbsent => ScanEvent::FingerAbsent,
            Progress::Transfer { received, total } => ScanEvent::Transfer { received, total },
        };
        if self.events.send(Event::Data(event)).is_err() {
            self.closed = true;
        }
    }

    fn should_cancel(&mut self) -> bool {
        if self.closed || self.stop.is_stopped() {
            return true;
        }
        match self.commands.try_recv() {
            Ok(ScanCommand::Cancel) => true,
            Ok(ScanCommand::Capture { .. }) => {
                // One capture at a time: the new request is refused, the running one goes on.
                if self
                    .events
                    .send(Event::Error(FingerprintError::Busy))
                    .is_err()
                {
                    self.closed = true;
                }
                self.closed
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => false,
        }
    }
}

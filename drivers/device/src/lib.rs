//! What every Rekam device driver shares: who a device is ([`DeviceInfo`]), the events a driver
//! streams ([`Event`]) over a bounded channel ([`EventSender`]), and the named worker thread that
//! owns a device and stops when asked or when nobody listens any more ([`Worker`]).
//!
//! A driver thread never panics on device trouble and never blocks without a timeout: every
//! failure becomes an [`Event::Error`] or [`Event::Disconnected`], after which the worker goes
//! back to waiting for the device (hot-plug).

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub mod rng;

pub use crossbeam_channel::{RecvTimeoutError, TryRecvError};

/// The device classes of a recording station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    Fingerprint,
    FaceCamera,
    IrisCamera,
    Smartcard,
    SignaturePad,
}

impl DeviceClass {
    pub const ALL: [DeviceClass; 5] = [
        DeviceClass::Fingerprint,
        DeviceClass::FaceCamera,
        DeviceClass::IrisCamera,
        DeviceClass::Smartcard,
        DeviceClass::SignaturePad,
    ];

    /// Stable identifier used in configuration and logs.
    pub fn code(self) -> &'static str {
        match self {
            DeviceClass::Fingerprint => "fingerprint",
            DeviceClass::FaceCamera => "face_camera",
            DeviceClass::IrisCamera => "iris_camera",
            DeviceClass::Smartcard => "smartcard",
            DeviceClass::SignaturePad => "signature_pad",
        }
    }
}

/// Whether a device is real hardware or a simulator speaking the same protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Real,
    Simulated,
}

/// What a driver found when it opened a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub class: DeviceClass,
    pub backend: Backend,
    /// Model or product name as the device reports it.
    pub model: String,
    /// Where it is: port path, `vid:pid` and hidraw path, reader name, camera index.
    pub location: String,
    /// Serial number, firmware version, resolution and the like, as `(name, value)` pairs.
    pub details: Vec<(String, String)>,
}

impl fmt::Display for DeviceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match self.backend {
            Backend::Real => "real",
            Backend::Simulated => "simulated",
        };
        write!(f, "{} ({backend}) at {}", self.model, self.location)?;
        for (k, v) in &self.details {
            write!(f, ", {k} {v}")?;
        }
        Ok(())
    }
}

/// One thing a driver thread reports. `D` is the driver's data (a pen event, a frame, an image),
/// `E` its error type (which is `Clone`, so that events can be fanned out to several screens).
#[derive(Debug, Clone, PartialEq)]
pub enum Event<D, E> {
    /// The device was opened; what was found.
    Connected(DeviceInfo),
    /// The device went away (unplugged, port closed, reader removed). The worker keeps trying
    /// to reopen it until it is stopped.
    Disconnected {
        reason: String,
    },
    Data(D),
    Error(E),
}

/// The receiver went away: the worker should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("nobody listens to this device any more")]
pub struct Closed;

/// The sending side of a driver's event channel.
#[derive(Debug)]
pub struct EventSender<T> {
    tx: crossbeam_channel::Sender<T>,
    // Held to drop the oldest entry when the channel is full (see `send_lossy`). Because this
    // clone keeps the channel connected, the consumer's presence is tracked by `alive` instead.
    rx: crossbeam_channel::Receiver<T>,
    alive: Weak<()>,
}

impl<T> Clone for EventSender<T> {
    fn clone(&self) -> Self {
        EventSender {
            tx: self.tx.clone(),
            rx: self.rx.clone(),
            alive: self.alive.clone(),
        }
    }
}

/// The receiving side: a crossbeam receiver (`recv`, `recv_timeout`, `try_recv`, `select!`)
/// whose last clone going away tells the driver thread to stop.
#[derive(Debug)]
pub struct Receiver<T> {
    rx: crossbeam_channel::Receiver<T>,
    _alive: Arc<()>,
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver {
            rx: self.rx.clone(),
            _alive: self._alive.clone(),
        }
    }
}

impl<T> Deref for Receiver<T> {
    type Target = crossbeam_channel::Receiver<T>;
    fn deref(&self) -> &Self::Target {
        &self.rx
    }
}

/// A bounded event channel. `capacity` is at least 1.
pub fn channel<T>(capacity: usize) -> (EventSender<T>, Receiver<T>) {
    let (tx, rx) = crossbeam_channel::bounded(capacity.max(1));
    let alive = Arc::new(());
    (
        EventSender {
            tx,
            rx: rx.clone(),
            alive: Arc::downgrade(&alive),
        },
        Receiver { rx, _alive: alive },
    )
}

impl<T> EventSender<T> {
    /// Sends, waiting while the channel is full. Used for what must not be lost (pen events,
    /// status changes). Returns [`Closed`] once the receiver is gone.
    pub fn send(&self, mut event: T) -> Result<(), Closed> {
        // Short waits, so that a consumer that leaves while the channel is full is noticed.
        loop {
            if !self.is_open() {
                return Err(Closed);
            }
            match self.tx.send_timeout(event, Duration::from_millis(100)) {
                Ok(()) => return Ok(()),
                Err(crossbeam_channel::SendTimeoutError::Timeout(e)) => event = e,
                Err(crossbeam_channel::SendTimeoutError::Disconnected(_)) => return Err(Closed),
            }
        }
    }

    /// Sends without waiting: when the channel is full, the oldest entry is dropped to make
    /// room. Used for live frames, where only the newest matters. Returns how many entries were
    /// dropped.
    pub fn send_lossy(&self, mut event: T) -> Result<usize, Closed> {
        let mut dropped = 0;
        loop {
            if !self.is_open() {
                return Err(Closed);
            }
            match self.tx.try_send(event) {
                Ok(()) => return Ok(dropped),
                Err(crossbeam_channel::TrySendError::Full(e)) => {
                    event = e;
                    if self.rx.try_recv().is_ok() {
                        dropped += 1;
                    }
                }
                Err(crossbeam_channel::TrySendError::Disconnected(_)) => return Err(Closed),
            }
        }
    }

    /// Whether the consumer is still there.
    pub fn is_open(&self) -> bool {
        self.alive.strong_count() > 0
    }
}

impl<D, E> EventSender<Event<D, E>> {
    /// Sends without waiting, for a stream of live data (camera frames): when the channel is
    /// full, the oldest `Data` events are dropped to make room, never a status event
    /// (`Connected`, `Disconnected`, `Error`), so a slow consumer still learns that the device
    /// went away (unless the channel holds nothing but status events: then the oldest goes).
    /// Status events keep their order among themselves. Returns how many data events were
    /// dropped.
    pub fn send_latest(&self, mut event: Event<D, E>) -> Result<usize, Closed> {
        let mut dropped = 0;
        loop {
            if !self.is_open() {
                return Err(Closed);
            }
            match self.tx.try_send(event) {
                Ok(()) => return Ok(dropped),
                Err(crossbeam_channel::TrySendError::Disconnected(_)) => return Err(Closed),
                Err(crossbeam_channel::TrySendError::Full(e)) => {
                    event = e;
                    // Take out what is queued, drop the oldest data event, put the rest back
                    // in order. The consumer may be receiving at the same time; that only
                    // makes more room.
                    let mut queued: Vec<Event<D, E>> = self.rx.try_iter().collect();
                    match queued.iter().position(|e| matches!(e, Event::Data(_))) {
                        Some(i) => {
                            queued.remove(i);
                            dropped += 1;
                        }
                        // Only status events queued: the new data event is the one to drop.
                        None if matches!(event, Event::Data(_)) => {
                            self.requeue(queued);
                            return Ok(dropped + 1);
                        }
                        // Nothing but status events, and a status to add: the consumer has
                        // not read for a long time; the oldest status makes room.
                        None => {
                            if !queued.is_empty() {
                                queued.remove(0);
                            }
                        }
                    }
                    self.requeue(queued);
                }
            }
        }
    }

    fn requeue(&self, queued: Vec<Event<D, E>>) {
        for e in queued {
            // Room is guaranteed: we just took at least as many out.
            let _ = self.tx.try_send(e);
        }
    }
}

/// Tells a worker thread to stop. Cheap to clone; checked between blocking calls, which all have
/// short timeouts.
#[derive(Debug, Clone, Default)]
pub struct StopToken(Arc<AtomicBool>);

impl StopToken {
    pub fn new() -> Self {
        StopToken::default()
    }

    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Sleeps for `total` in short slices; returns `false` if stopped meanwhile.
    pub fn sleep(&self, total: Duration) -> bool {
        let end = Instant::now() + total;
        loop {
            if self.is_stopped() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(20)));
        }
    }
}

/// A named thread that owns a device. Dropping the worker stops it and waits for it.
#[derive(Debug)]
pub struct Worker {
    name: String,
    stop: StopToken,
    handle: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts `body` on a thread called `name`; `body` returns when its [`StopToken`] is
    /// stopped or its event receiver is gone.
    pub fn spawn<F>(name: &str, body: F) -> std::io::Result<Worker>
    where
        F: FnOnce(StopToken) + Send + 'static,
    {
        let stop = StopToken::new();
        let token = stop.clone();
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || body(token))?;
        Ok(Worker {
            name: name.to_owned(),
            stop,
            handle: Some(handle),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the thread has ended on its own (its consumer went away).
    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }

    /// Asks the thread to stop and waits for it. Returns `false` if it had panicked.
    pub fn stop(mut self) -> bool {
        self.shutdown()
    }

    fn shutdown(&mut self) -> bool {
        self.stop.stop();
        match self.handle.take() {
            Some(h) => h.join().is_ok(),
            None => true,
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// How often a worker retries opening a device that is missing (hot-plug polling).
pub const REOPEN_INTERVAL: Duration = Duration::from_millis(500);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_send_keeps_the_newest() {
        let (tx, rx) = channel::<u32>(2);
        assert_eq!(tx.send_lossy(1), Ok(0));
        assert_eq!(tx.send_lossy(2), Ok(0));
        assert_eq!(tx.send_lossy(3), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Ok(3));
    }

    #[test]
    fn latest_drops_old_frames_but_never_status() {
        let (tx, rx) = channel::<Event<u32, String>>(3);
        tx.send_latest(Event::Data(1)).expect("open");
        tx.send_latest(Event::Disconnected {
            reason: "gone".into(),
        })
        .expect("open");
        tx.send_latest(Event::Data(2)).expect("open");
        assert_eq!(tx.send_latest(Event::Data(3)), Ok(1)); // drops frame 1
        assert_eq!(tx.send_latest(Event::Error("e".into())), Ok(1)); // drops frame 2
        let got: Vec<_> = rx.try_iter().collect();
        assert_eq!(
            got,
            vec![
                Event::Disconnected {
                    reason: "gone".into()
                },
                Event::Data(3),
                Event::Error("e".into())
            ]
        );
        // A channel full of status events refuses a frame rather than a status.
        let (tx, rx) = channel::<Event<u32, String>>(1);
        tx.send_latest(Event::Error("a".into())).expect("open");
        assert_eq!(tx.send_latest(Event::Data(9)), Ok(1));
        assert_eq!(rx.try_recv(), Ok(Event::Error("a".into())));
        tx.send_latest(Event::Error("b".into())).expect("open");
        assert_eq!(tx.send_latest(Event::Error("c".into())), Ok(0));
        assert_eq!(rx.try_recv(), Ok(Event::Error("c".into())));
    }

    #[test]
    fn sends_fail_once_the_receiver_is_gone() {
        let (tx, rx) = channel::<u32>(1);
        assert!(tx.is_open());
        drop(rx);
        assert!(!tx.is_open());
        assert_eq!(tx.send(1), Err(Closed));
        assert_eq!(tx.send_lossy(1), Err(Closed));
    }

    #[test]
    fn blocking_send_gives_up_when_the_receiver_leaves_while_full() {
        let (tx, rx) = channel::<u32>(1);
        tx.send(1).expect("room for one");
        let t = std::thread::spawn(move || tx.send(2));
        std::thread::sleep(Duration::from_millis(150));
        drop(rx);
        assert_eq!(t.join().expect("no panic"), Err(Closed));
    }

    #[test]
    fn worker_stops_on_drop_and_is_named() {
        let (tx, rx) = channel::<String>(4);
        let w = Worker::spawn("rekam-test-worker", move |stop| {
            let name = std::thread::current().name().map(str::to_owned);
            let _ = tx.send(name.unwrap_or_default());
            while stop.sleep(Duration::from_millis(10)) {}
        })
        .expect("spawn");
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(2)).as_deref(),
            Ok("rekam-test-worker")
        );
        assert!(!w.is_finished());
        assert!(w.stop());
    }
}

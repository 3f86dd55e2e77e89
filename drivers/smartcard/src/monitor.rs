//! The reader monitor: a named worker thread that watches the PC/SC service with
//! `SCardGetStatusChange` (a 250 ms timeout, so that a stop request is noticed promptly) and the
//! PnP pseudo-reader, and reports readers arriving and leaving and cards inserted into and
//! removed from the configured reader. It survives the service: when pcscd stops, the readers
//! are reported gone and [`SmartcardError::ServiceNotRunning`] is sent once; the worker then
//! retries every [`REOPEN_INTERVAL`] and reports everything again when pcscd is back.
//!
//! The decisions (what changed, what to report) are made by [`Tracker`] from plain snapshots, so
//! they are tested without a service; the thread only feeds it.

use std::io;
use std::time::{Duration, Instant};

use rekam_device::{
    DeviceClass, DeviceInfo, Event, EventSender, REOPEN_INTERVAL, StopToken, Worker,
};

use crate::SmartcardError;
use crate::reader::{
    CardPresence, SmartcardConfig, backend_of, c_name, establish, pick_reader, pnp, reader_names,
};

/// What the monitor reports as data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CardEvent {
    /// A reader appeared (also reported for every reader when the service comes up).
    ReaderAdded { reader: String },
    /// A reader went away (also reported for every reader when the service stops).
    ReaderRemoved { reader: String },
    /// A card was put into the configured reader and answered to reset with `atr`.
    CardInserted { reader: String, atr: Vec<u8> },
    /// The card left the configured reader.
    CardRemoved { reader: String },
}

pub type MonitorEvent = Event<CardEvent, SmartcardError>;
pub type MonitorEvents = EventSender<MonitorEvent>;

/// Longest single wait in `SCardGetStatusChange`.
pub const POLL: Duration = Duration::from_millis(250);
/// The reader list is read again at least this often, in case PnP notifications are missed.
pub const RELIST_INTERVAL: Duration = Duration::from_secs(2);

/// Starts the monitor on a thread named `rekam-smartcard-monitor`. It runs until the worker is
/// stopped or dropped, or the receiver of `events` is gone.
pub fn spawn(config: SmartcardConfig, events: MonitorEvents) -> io::Result<Worker> {
    Worker::spawn("rekam-smartcard-monitor", move |stop| {
        run(&config, &events, &stop)
    })
}

/// One reader's state as the service reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderSnapshot {
    pub name: String,
    pub card: CardPresence,
    /// The service's count of card insertions and removals in this reader, so that a card
    /// swapped between two polls is still seen.
    pub event_count: u32,
}

/// Turns successive snapshots of the readers into events. See the module documentation.
#[derive(Debug, Clone)]
pub struct Tracker {
    wanted: Option<String>,
    readers: Vec<String>,
    selected: Option<String>,
    card: CardPresence,
    count: u32,
    /// The last problem reported, so that a persisting one is reported once.
    problem: Option<SmartcardError>,
}

impl Tracker {
    /// A tracker for the reader called `wanted`, or the first reader when `None`.
    pub fn new(wanted: Option<String>) -> Self {
        Tracker {
            wanted,
            readers: Vec::new(),
            selected: None,
            card: CardPresence::Empty,
            count: 0,
            problem: None,
        }
    }

    /// The reader reported `Connected`, if any.
    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// Reports `e` unless it is the problem already reported.
    pub fn problem(&mut self, e: SmartcardError) -> Vec<MonitorEvent> {
        if self.problem.as_ref() == Some(&e) {
            return Vec::new();
        }
        self.problem = Some(e.clone());
        vec![Event::Error(e)]
    }

    /// The service went away (or the monitor lost it): every reader is gone.
    pub fn service_down(&mut self, reason: &str) -> Vec<MonitorEvent> {
        let mut out = Vec::new();
        self.drop_selected(reason, &mut out);
        for r in self.readers.drain(..) {
            out.push(Event::Data(CardEvent::ReaderRemoved { reader: r }));
        }
        out.extend(self.problem(SmartcardError::ServiceNotRunning));
        out
    }

    fn drop_selected(&mut self, reason: &str, out: &mut Vec<MonitorEvent>) {
        if let Some(reader) = self.selected.take() {
            if matches!(self.card, CardPresence::Present { .. } | CardPresence::Mute) {
                out.push(Event::Data(CardEvent::CardRemoved {
                    reader: reader.clone(),
                }));
            }
            out.push(Event::Disconnected {
                reason: format!("{reader}: {reason}"),
            });
        }
        self.card = CardPresence::Empty;
    }

    /// The current readers, in the service's order.
    pub fn update(&mut self, now: &[ReaderSnapshot]) -> Vec<MonitorEvent> {
        let mut out = Vec::new();
        // The service answers: whatever was wrong with it is over. (A missing reader is
        // decided below.)
        if !matches!(
            self.problem,
            Some(SmartcardError::NoReader | SmartcardError::ReaderNotFound { .. })
        ) {
            self.problem = None;
        }
        for r in now.iter().filter(|r| !self.readers.contains(&r.name)) {
            out.push(Event::Data(CardEvent::ReaderAdded {
                reader: r.name.clone(),
            }));
        }
        let gone: Vec<String> = self
            .readers
            .iter()
            .filter(|r| !now.iter().any(|n| &n.name == *r))
            .cloned()
            .collect();
        if self.selected.as_ref().is_some_and(|s| gone.contains(s)) {
            self.drop_selected("the reader was removed", &mut out);
        }
        for r in gone {
            out.push(Event::Data(CardEvent::ReaderRemoved { reader: r }));
        }
        self.readers = now.iter().map(|r| r.name.clone()).collect();

        if self.selected.is_none() {
            match pick_reader(&self.readers, self.wanted.as_deref()) {
                Ok(name) => {
                    let name = name.to_owned();
                    self.problem = None;
                    let snap = now.iter().find(|r| r.name == name);
                    out.push(Event::Connected(self.info(&name, snap)));
                    self.selected = Some(name);
                    self.card = CardPresence::Empty;
                    self.count = snap.map_or(0, |s| s.event_count);
                }
                Err(e) => out.extend(self.problem(e)),
            }
        }
        if let Some(snap) = self
            .selected
            .as_ref()
            .and_then(|s| now.iter().find(|r| &r.name == s))
        {
            self.card_change(snap, &mut out);
        }
        out
    }

    fn card_change(&mut self, snap: &ReaderSnapshot, out: &mut Vec<MonitorEvent>) {
        let reader = snap.name.clone();
        let was_in = matches!(self.card, CardPresence::Present { .. } | CardPresence::Mute);
        let now = match &snap.card {
            CardPresence::Unavailable => CardPresence::Empty,
            other => other.clone(),
        };
        // A different ATR, or insertions/removals counted in between, mean another card.
        let swapped = was_in
            && (snap.event_count != self.count || (now != self.card && now != CardPresence::Empty));
        if was_in && (now == CardPresence::Empty || swapped) {
            out.push(Event::Data(CardEvent::CardRemoved {
                reader: reader.clone(),
            }));
        }
        if (!was_in || swapped) && now != CardPresence::Empty {
            match &now {
                CardPresence::Present { atr } => out.push(Event::Data(CardEvent::CardInserted {
                    reader,
                    atr: atr.clone(),
                })),
                _ => out.push(Event::Error(SmartcardError::CardUnresponsive)),
            }
        }
        self.card = now;
        self.count = snap.event_count;
    }

    fn info(&self, name: &str, snap: Option<&ReaderSnapshot>) -> DeviceInfo {
        let card = match snap.map(|s| &s.card) {
            Some(CardPresence::Present { .. }) => "present",
            Some(CardPresence::Mute) => "mute",
            Some(CardPresence::Unavailable) => "unavailable",
            _ => "empty",
        };
        DeviceInfo {
            class: DeviceClass::Smartcard,
            backend: backend_of(name),
            model: name.to_owned(),
            location: format!("pcsc:{name}"),
            details: vec![
                ("service".to_owned(), "pcsc".to_owned()),
                ("readers".to_owned(), self.readers.join(", ")),
                ("card".to_owned(), card.to_owned()),
            ],
        }
    }
}

enum Outcome {
    /// Stopped, or nobody listens any more.
    Finished,
    ServiceLost,
}

fn emit(events: &MonitorEvents, batch: Vec<MonitorEvent>) -> bool {
    batch.into_iter().all(|e| events.send(e).is_ok())
}

fn run(config: &SmartcardConfig, events: &MonitorEvents, stop: &StopToken) {
    let mut tracker = Tracker::new(config.reader.clone());
    while !stop.is_stopped() && events.is_open() {
        match establish() {
            Ok(ctx) => match watch(&ctx, &mut tracker, events, stop) {
                Outcome::Finished => return,
                Outcome::ServiceLost => {
                    if !emit(
                        events,
                        tracker.service_down("the smartcard service stopped"),
                    ) {
                        return;
                    }
                }
            },
            Err(e) => {
                if !emit(events, tracker.problem(e)) {
                    return;
                }
            }
        }
        if !stop.sleep(REOPEN_INTERVAL) {
            return;
        }
    }
}

fn lost(e: pcsc::Error) -> bool {
    matches!(
        e,
        pcsc::Error::NoService
            | pcsc::Error::ServiceStopped
            | pcsc::Error::InvalidHandle
            | pcsc::Error::Shutdown
            | pcsc::Error::CommError
    )
}

fn watch(
    ctx: &pcsc::Context,
    tracker: &mut Tracker,
    events: &MonitorEvents,
    stop: &StopToken,
) -> Outcome {
    let mut states = vec![pcsc::ReaderState::new(pnp(), pcsc::State::UNAWARE)];
    let mut relist = true;
    let mut listed_at = Instant::now();
    loop {
        if stop.is_stopped() || !events.is_open() {
            return Outcome::Finished;
        }
        if relist || listed_at.elapsed() >= RELIST_INTERVAL {
            let names = match reader_names(ctx) {
                Ok(n) => n,
                Err(SmartcardError::ServiceNotRunning) => return Outcome::ServiceLost,
                Err(e) => {
                    if !emit(events, tracker.problem(e)) || !stop.sleep(REOPEN_INTERVAL) {
                        return Outcome::Finished;
                    }
                    continue;
                }
            };
            states.truncate(1);
            states.extend(
                names
                    .iter()
                    .filter_map(|n| c_name(n))
                    .map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE)),
            );
            relist = false;
            listed_at = Instant::now();
        }
        match ctx.get_status_change(POLL, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => continue,
            Err(e) if lost(e) => return Outcome::ServiceLost,
            Err(pcsc::Error::UnknownReader) => {
                relist = true;
                continue;
            }
            Err(e) => {
                let e = SmartcardError::from_pcsc("watching the readers", None, e);
                if !emit(events, tracker.problem(e)) || !stop.sleep(REOPEN_INTERVAL) {
                    return Outcome::Finished;
                }
                relist = true;
                continue;
            }
        }
        if states[0].event_state().contains(pcsc::State::CHANGED) {
            relist = true;
        }
        let snapshot: Vec<ReaderSnapshot> = states[1..]
            .iter()
            .filter(|s| {
                !s.event_state()
                    .intersects(pcsc::State::UNKNOWN | pcsc::State::IGNORE)
            })
            .map(|s| ReaderSnapshot {
                name: s.name().to_string_lossy().into_owned(),
                card: CardPresence::from_state(s.event_state(), s.atr()),
                event_count: s.event_count(),
            })
            .collect();
        if snapshot.len() + 1 != states.len() {
            // A reader vanished between the listing and now.
            relist = true;
        }
        for s in &mut states {
            s.sync_current_state();
        }
        if !emit(events, tracker.update(&snapshot)) {
            return Outcome::Finished;
        }
    }
}

#[cfg(test)]
mod tests;

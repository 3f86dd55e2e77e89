//! Readers through PC/SC (`pcscd` on Linux, WinSCard on Windows): which readers there are and
//! what they hold ([`list_readers`]), and a connection to the card in the configured reader
//! ([`PcscCard`], a [`CardTransport`]).
//!
//! PC/SC's `SCardConnect` and `SCardTransmit` take no timeout, and a card or reader driver that
//! stops answering blocks them indefinitely. So the card connection lives on its own named
//! thread and every call waits for it with a deadline: past it the caller gets
//! [`SmartcardError::Timeout`] and the connection is abandoned (its thread ends once PC/SC lets
//! go).

use std::ffi::{CStr, CString};
use std::sync::mpsc;
use std::time::Duration;

use rekam_device::{Backend, DeviceClass, DeviceInfo};
use serde::{Deserialize, Serialize};

use crate::SmartcardError;
use crate::apdu::hex;
use crate::transport::CardTransport;

/// Which reader to use and how long to wait for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct SmartcardConfig {
    /// The reader's PC/SC name (`rekam doctor` lists them); `None` takes the first reader the
    /// service lists.
    pub reader: Option<String>,
    /// Connecting to a card (the reader powers it and reads its ATR).
    pub connect_timeout_ms: u64,
    /// One command APDU and its response (GET RESPONSE rounds count separately).
    pub apdu_timeout_ms: u64,
}

impl Default for SmartcardConfig {
    fn default() -> Self {
        SmartcardConfig {
            reader: None,
            connect_timeout_ms: 3_000,
            apdu_timeout_ms: 5_000,
        }
    }
}

impl SmartcardConfig {
    /// The reader called `name`, default timeouts.
    pub fn reader(name: &str) -> Self {
        SmartcardConfig {
            reader: Some(name.to_owned()),
            ..SmartcardConfig::default()
        }
    }
}

/// A reader as `list_readers` found it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReaderInfo {
    pub name: String,
    /// `Simulated` for the vpcd virtual reader.
    pub backend: Backend,
    pub card: CardPresence,
    /// Another program is connected to the card (shared or exclusive).
    pub in_use: bool,
}

/// What is in a reader.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum CardPresence {
    Empty,
    /// A card that answered to reset with `atr`.
    Present {
        atr: Vec<u8>,
    },
    /// A card that does not answer to reset.
    Mute,
    /// The reader is there but unusable (being removed, or its driver failed).
    Unavailable,
}

impl CardPresence {
    pub(crate) fn from_state(state: pcsc::State, atr: &[u8]) -> Self {
        if state.intersects(pcsc::State::UNAVAILABLE | pcsc::State::UNKNOWN | pcsc::State::IGNORE) {
            CardPresence::Unavailable
        } else if state.contains(pcsc::State::MUTE) {
            CardPresence::Mute
        } else if state.contains(pcsc::State::PRESENT) {
            CardPresence::Present { atr: atr.to_vec() }
        } else {
            CardPresence::Empty
        }
    }
}

/// The vpcd virtual reader calls its slots "Virtual PCD 00 00" and "Virtual PCD 00 01".
pub fn backend_of(reader: &str) -> Backend {
    if reader.starts_with("Virtual PCD") {
        Backend::Simulated
    } else {
        Backend::Real
    }
}

/// Connects to the PC/SC service; `NoService` becomes [`SmartcardError::ServiceNotRunning`].
pub fn establish() -> Result<pcsc::Context, SmartcardError> {
    pcsc::Context::establish(pcsc::Scope::User)
        .map_err(|e| SmartcardError::from_pcsc("connecting to the smartcard service", None, e))
}

/// The readers the service knows, in its order.
pub(crate) fn reader_names(ctx: &pcsc::Context) -> Result<Vec<String>, SmartcardError> {
    let names = ctx
        .list_readers_owned()
        .map_err(|e| SmartcardError::from_pcsc("listing the readers", None, e))?;
    Ok(names
        .into_iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect())
}

/// The configured reader among `names`: the one named, or the first.
pub fn pick_reader<'a>(
    names: &'a [String],
    wanted: Option<&str>,
) -> Result<&'a str, SmartcardError> {
    match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .map(String::as_str)
            .ok_or_else(|| SmartcardError::ReaderNotFound { name: w.to_owned() }),
        None => names
            .first()
            .map(String::as_str)
            .ok_or(SmartcardError::NoReader),
    }
}

/// A quick probe for diagnostics (`rekam doctor`): every reader and what it holds. An empty list
/// means the service runs with no reader; `ServiceNotRunning` that pcscd is not running.
pub fn list_readers() -> Result<Vec<ReaderInfo>, SmartcardError> {
    let ctx = establish()?;
    let names = reader_names(&ctx)?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut states: Vec<pcsc::ReaderState> = names
        .iter()
        .filter_map(|n| CString::new(n.as_str()).ok())
        .map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE))
        .collect();
    // With every state UNAWARE the call returns at once with the current states.
    match ctx.get_status_change(Duration::from_millis(500), &mut states) {
        Ok(()) | Err(pcsc::Error::Timeout) => {}
        Err(e) => {
            return Err(SmartcardError::from_pcsc(
                "reading the reader states",
                None,
                e,
            ));
        }
    }
    Ok(states
        .iter()
        .map(|s| {
            let name = s.name().to_string_lossy().into_owned();
            ReaderInfo {
                backend: backend_of(&name),
                card: CardPresence::from_state(s.event_state(), s.atr()),
                in_use: s
                    .event_state()
                    .intersects(pcsc::State::INUSE | pcsc::State::EXCLUSIVE),
                name,
            }
        })
        .collect())
}

type Reply = Result<Vec<u8>, SmartcardError>;

/// A connection to the card in a PC/SC reader, held exclusively (so that no other program can
/// interleave commands between our SELECT and READ BINARY). Dropping it disconnects with a card
/// reset, which also clears a verified PIN.
#[derive(Debug)]
pub struct PcscCard {
    reader: String,
    atr: Vec<u8>,
    protocol: Option<pcsc::Protocol>,
    jobs: Option<mpsc::Sender<(Vec<u8>, mpsc::Sender<Reply>)>>,
    /// Says when the connection thread has disconnected from the card and ended.
    done: mpsc::Receiver<()>,
    apdu_timeout: Duration,
    /// Set when a call timed out: the connection thread may still be stuck in PC/SC.
    broken: Option<SmartcardError>,
}

impl PcscCard {
    /// Connects to the card in the configured reader.
    pub fn open(config: &SmartcardConfig) -> Result<PcscCard, SmartcardError> {
        let ctx = establish()?;
        let names = reader_names(&ctx)?;
        let reader = pick_reader(&names, config.reader.as_deref())?.to_owned();
        PcscCard::connect(ctx, reader, config)
    }

    fn connect(
        ctx: pcsc::Context,
        reader: String,
        config: &SmartcardConfig,
    ) -> Result<PcscCard, SmartcardError> {
        let name = CString::new(reader.as_str()).map_err(|_| SmartcardError::ReaderNotFound {
            name: reader.clone(),
        })?;
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs_tx, jobs_rx) = mpsc::channel::<(Vec<u8>, mpsc::Sender<Reply>)>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let thread_reader = reader.clone();
        std::thread::Builder::new()
            .name("rekam-smartcard-io".to_owned())
            .spawn(move || {
                // Dropped last, after the card: tells `Drop for PcscCard` the disconnect is done.
                let _done = done_tx;
                let card =
                    match ctx.connect(&name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY) {
                        Ok(card) => card,
                        Err(e) => {
                            let _ = ready_tx.send(Err(SmartcardError::from_pcsc(
                                "connecting to the card",
                                Some(&thread_reader),
                                e,
                            )));
                            return;
                        }
                    };
                let status = card
                    .status2_owned()
                    .map(|s| (s.atr().to_vec(), s.protocol2()))
                    .map_err(|e| {
                        SmartcardError::from_pcsc(
                            "reading the card status",
                            Some(&thread_reader),
                            e,
                        )
                    });
                let ok = status.is_ok();
                if ready_tx.send(status).is_err() || !ok {
                    return;
                }
                let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
                while let Ok((apdu, reply)) = jobs_rx.recv() {
                    let _ = reply.send(transmit_once(&card, &apdu, &mut buf, &thread_reader));
                }
            })
            .map_err(|e| SmartcardError::protocol(format!("cannot start the card thread: {e}")))?;
        let timeout = Duration::from_millis(config.connect_timeout_ms);
        let (atr, protocol) = match ready_rx.recv_timeout(timeout) {
            Ok(r) => r?,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(SmartcardError::Timeout {
                    operation: "connecting to the card",
                    after: timeout,
                });
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(SmartcardError::CardUnresponsive);
            }
        };
        Ok(PcscCard {
            reader,
            atr,
            protocol,
            jobs: Some(jobs_tx),
            done: done_rx,
            apdu_timeout: Duration::from_millis(config.apdu_timeout_ms),
            broken: None,
        })
    }

    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's answer to reset.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// What was found, for the operator and the logs.
    pub fn info(&self) -> DeviceInfo {
        let protocol = match self.protocol {
            Some(pcsc::Protocol::T0) => "T=0",
            Some(pcsc::Protocol::T1) => "T=1",
            Some(pcsc::Protocol::RAW) => "raw",
            None => "direct",
        };
        DeviceInfo {
            class: DeviceClass::Smartcard,
            backend: backend_of(&self.reader),
            model: self.reader.clone(),
            location: format!("pcsc:{}", self.reader),
            details: vec![
                ("atr".to_owned(), hex(&self.atr)),
                ("protocol".to_owned(), protocol.to_owned()),
            ],
        }
    }
}

/// Longest wait in `drop` for the disconnect (a card reset) to complete.
const DISCONNECT_WAIT: Duration = Duration::from_secs(1);

impl Drop for PcscCard {
    /// Ends the connection and waits (at most a second, not at all after a timeout) until the
    /// card is disconnected and reset: a disconnect still in flight when the next card arrives
    /// would reset that card in the middle of its first commands.
    fn drop(&mut self) {
        self.jobs = None;
        if self.broken.is_none() {
            let _ = self.done.recv_timeout(DISCONNECT_WAIT);
        }
    }
}

impl CardTransport for PcscCard {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, SmartcardError> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        let Some(jobs) = &self.jobs else {
            return Err(SmartcardError::CardRemoved);
        };
        let (reply_tx, reply_rx) = mpsc::channel();
        if jobs.send((apdu.to_vec(), reply_tx)).is_err() {
            return Err(SmartcardError::CardRemoved);
        }
        match reply_rx.recv_timeout(self.apdu_timeout) {
            Ok(reply) => reply,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let e = SmartcardError::Timeout {
                    operation: "waiting for the card's answer",
                    after: self.apdu_timeout,
                };
                self.broken = Some(e.clone());
                // Closing the job queue lets the thread end as soon as PC/SC returns.
                self.jobs = None;
                Err(e)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(SmartcardError::CardRemoved),
        }
    }
}

fn transmit_once(card: &pcsc::Card, apdu: &[u8], buf: &mut [u8], reader: &str) -> Reply {
    match card.transmit(apdu, buf) {
        // vpcd answers an empty response when its card's connection closed mid-command (a
        // real reader reports the removal as an error instead): no bytes at all means no card.
        Ok([]) => Err(SmartcardError::CardRemoved),
        Ok(resp) => Ok(resp.to_vec()),
        // A failed exchange: usually the card has just left and the service has not noticed yet.
        Err(pcsc::Error::NotTransacted | pcsc::Error::CommError | pcsc::Error::UnknownError) => {
            Err(settle(card, reader))
        }
        Err(e) => Err(SmartcardError::from_pcsc(
            "exchanging an APDU",
            Some(reader),
            e,
        )),
    }
}

/// How long a failed exchange waits for the service to notice a removal (pcscd polls readers a
/// few times a second).
const SETTLE: Duration = Duration::from_millis(800);

/// After a failed exchange: `CardRemoved` once the service sees the card gone, else
/// `CardUnresponsive`.
fn settle(card: &pcsc::Card, reader: &str) -> SmartcardError {
    let deadline = std::time::Instant::now() + SETTLE;
    loop {
        match card.status2_owned() {
            Ok(s) if !s.status().contains(pcsc::Status::PRESENT) => {
                return SmartcardError::CardRemoved;
            }
            Ok(_) => {}
            Err(e) => {
                return match SmartcardError::from_pcsc("reading the card status", Some(reader), e) {
                    SmartcardError::NoCard { .. } => SmartcardError::CardRemoved,
                    other => other,
                };
            }
        }
        if std::time::Instant::now() >= deadline {
            return SmartcardError::CardUnresponsive;
        }
        std::thread::sleep(Duration::from_millis(40));
    }
}

/// The reader name as PC/SC wants it.
pub(crate) fn c_name(name: &str) -> Option<CString> {
    CString::new(name).ok()
}

/// The PnP pseudo-reader that reports readers arriving and leaving.
pub(crate) fn pnp() -> &'static CStr {
    pcsc::PNP_NOTIFICATION()
}

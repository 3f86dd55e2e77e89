//! The Rekam smartcard driver: PC/SC readers and the cards in them.
//!
//! - [`monitor`]: a worker thread reporting readers arriving and leaving and cards inserted and
//!   removed, surviving pcscd restarts.
//! - [`reader`]: [`list_readers`] for diagnostics, [`PcscCard`] for talking to the card in the
//!   configured reader, every blocking call bounded by a timeout.
//! - [`apdu`] and [`transport`]: ISO 7816-4 commands and responses, and [`exchange`], which
//!   follows 61xx (GET RESPONSE) and 6Cxx (resend with the right Le) and maps error status words
//!   to [`SmartcardError`]s with clear messages.
//! - [`profile`]: the officer card, a standard PIV card (PIN, then the card signs a fresh
//!   challenge with the key the station recorded when it issued the card), and the applicant
//!   card (NIK and name, for replacement requests).
//! - [`virtual_card`]: a card implementing both, usable in-process or inserted into the `vpcd`
//!   virtual reader of a real pcscd.
//!
//! The protocol, byte by byte, is in `docs/devices/smartcard.md`.

pub mod apdu;
mod error;
pub mod monitor;
pub mod profile;
pub mod reader;
pub mod tlv;
pub mod transport;
pub mod virtual_card;

pub use error::{CardKind, SmartcardError};
pub use monitor::{CardEvent, MonitorEvent, MonitorEvents};
pub use profile::applicant::{self, ApplicantCard};
pub use profile::piv::{self, CardKey, LoginProof, PinStatus};
pub use reader::{CardPresence, PcscCard, ReaderInfo, SmartcardConfig, list_readers};
pub use transport::{CardTransport, exchange, transceive};
pub use virtual_card::vpcd::{Fault, VpcdCard};
pub use virtual_card::{PivCard, VirtualCard};

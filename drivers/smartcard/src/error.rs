//! The one error type of the smartcard driver. Each variant names a situation the operator can do
//! something about (start the service, plug the reader in, insert the card again, ask a
//! supervisor to unblock the PIN); the application localises by variant, the English texts are for
//! logs and the command line.

use std::time::Duration;

/// Which card profile an operation expected, for [`SmartcardError::WrongCard`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardKind {
    Officer,
    Applicant,
}

impl CardKind {
    /// "an officer card" / "an applicant card", for messages.
    pub fn describe(self) -> &'static str {
        match self {
            CardKind::Officer => "an officer card (PIV)",
            CardKind::Applicant => "an applicant card",
        }
    }
}

/// Everything that can go wrong between the station and a card.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmartcardError {
    // --- The PC/SC service and the readers -------------------------------------------------
    /// `Context::establish` answered `NoService`, or the service went away while in use.
    #[error(
        "the smartcard service (pcscd) is not running: start it (`systemctl start pcscd`, or \
         `pcscd` as root) or install it (`packaging/dev/deps.sh`)"
    )]
    ServiceNotRunning,
    /// The service runs but no reader is plugged in.
    #[error("no smartcard reader is connected")]
    NoReader,
    /// The configured reader is not among the connected ones.
    #[error("the smartcard reader \"{name}\" is not connected")]
    ReaderNotFound { name: String },
    /// The reader is there but holds no card.
    #[error("there is no card in the reader \"{reader}\"")]
    NoCard { reader: String },
    /// Another program holds the reader or the card exclusively.
    #[error("the card reader is in use by another program; close it and try again")]
    Busy,
    /// The service refused this user (polkit rules, or a permission on the reader).
    #[error("the smartcard service refused access to the reader (permission denied)")]
    PermissionDenied,

    // --- The card as a whole ---------------------------------------------------------------
    /// The card left the reader before the operation finished.
    #[error("the card was removed during the operation; insert it again")]
    CardRemoved,
    /// The card is in the reader but does not answer (mute, no power, unreadable ATR).
    #[error("the card does not respond; take it out and insert it again")]
    CardUnresponsive,
    /// A blocking call took longer than its limit.
    #[error("{operation} timed out after {} ms", after.as_millis())]
    Timeout {
        operation: &'static str,
        after: Duration,
    },
    /// The card does not carry the application the operation needs (SELECT by AID: 6A82).
    #[error("this is not {}: the card has no such application", expected.describe())]
    WrongCard { expected: CardKind },
    /// A file on the card does not follow its documented layout.
    #[error("the card holds malformed data: {detail}")]
    InvalidCardData { detail: String },
    /// The card's authentication key is not one the station accepts (an RSA PIV card).
    #[error(
        "this card cannot be used: {detail}; Rekam accepts PIV cards with an ECC P-256 authentication key"
    )]
    UnsupportedKey { detail: String },
    /// The card's signature of the login challenge does not verify with its key: not the
    /// card it claims to be.
    #[error(
        "the card failed to prove its key (the challenge signature does not verify): a forged or altered card"
    )]
    CardAuthenticationFailed,
    /// The bytes exchanged break ISO 7816-4 (too short, a GET RESPONSE loop without end...).
    #[error("card protocol error: {detail}")]
    Protocol { detail: String },
    /// Any other PC/SC failure, with the operation that failed.
    #[error("smartcard service error during {operation}: {code}")]
    Service {
        operation: &'static str,
        code: pcsc::Error,
    },

    // --- ISO 7816-4 status words (see `apdu::StatusWord::check`) ------------------------
    /// 63Cx after VERIFY: the PIN was wrong, `retries_left` tries remain (x > 0).
    #[error(
        "wrong PIN: {retries_left} {} left before the card blocks",
        if *retries_left == 1 { "try" } else { "tries" }
    )]
    WrongPin { retries_left: u8 },
    /// The PIN typed is not 6 to 8 digits (the PIV rule); nothing was sent to the card (no try
    /// spent).
    #[error("a PIN is 6 to 8 digits")]
    InvalidPinFormat,
    /// 6983 (or 63C0): no tries left.
    #[error("the PIN is blocked after too many wrong attempts; a supervisor must unblock the card")]
    PinBlocked,
    /// 6982: the file needs a verified PIN.
    #[error("PIN verification is required first (security status not satisfied, 6982)")]
    SecurityNotSatisfied,
    /// 6985.
    #[error(
        "the card refused the command in its current state (conditions of use not satisfied, 6985)"
    )]
    ConditionsNotSatisfied,
    /// 6A82: file or application not found.
    #[error("file or application not found on the card (6A82)")]
    FileNotFound,
    /// 6700: Lc or Le wrong.
    #[error("the card rejected the command length (wrong length, 6700)")]
    WrongLength,
    /// 6A80: the command data are wrong.
    #[error("the card rejected the command data (incorrect data, 6A80)")]
    WrongData,
    /// 6A86 or 6B00: P1-P2 wrong (an offset beyond the end of a file gives 6B00).
    #[error("the card rejected the command parameters (incorrect P1-P2, {sw:04X})")]
    IncorrectParameters { sw: u16 },
    /// 6D00.
    #[error("the card does not support this instruction (6D00)")]
    InstructionNotSupported,
    /// 6E00.
    #[error("the card does not support this class of command (6E00)")]
    ClassNotSupported,
    /// Any other error status word, with its ISO 7816-4 meaning.
    #[error("the card refused the command: {meaning} ({sw:04X})")]
    CardStatus { sw: u16, meaning: &'static str },
}

impl SmartcardError {
    pub(crate) fn protocol(detail: impl Into<String>) -> Self {
        SmartcardError::Protocol {
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid_data(detail: impl Into<String>) -> Self {
        SmartcardError::InvalidCardData {
            detail: detail.into(),
        }
    }

    /// Maps a PC/SC error of `operation` on `reader` to what the operator must do about it.
    pub fn from_pcsc(operation: &'static str, reader: Option<&str>, code: pcsc::Error) -> Self {
        use pcsc::Error as E;
        match code {
            E::NoService | E::ServiceStopped | E::Shutdown => SmartcardError::ServiceNotRunning,
            E::NoReadersAvailable => SmartcardError::NoReader,
            E::UnknownReader | E::ReaderUnavailable => match reader {
                Some(name) => SmartcardError::ReaderNotFound {
                    name: name.to_owned(),
                },
                None => SmartcardError::NoReader,
            },
            E::NoSmartcard => SmartcardError::NoCard {
                reader: reader.unwrap_or_default().to_owned(),
            },
            E::RemovedCard | E::ResetCard => SmartcardError::CardRemoved,
            E::UnresponsiveCard | E::UnpoweredCard | E::UnsupportedCard | E::InvalidAtr => {
                SmartcardError::CardUnresponsive
            }
            E::SharingViolation => SmartcardError::Busy,
            E::NoAccess | E::SecurityViolation => SmartcardError::PermissionDenied,
            code => SmartcardError::Service { operation, code },
        }
    }

    /// Whether the card left (or stopped answering) rather than refused: the operation may
    /// succeed once the card is back.
    pub fn is_card_gone(&self) -> bool {
        matches!(
            self,
            SmartcardError::CardRemoved
                | SmartcardError::CardUnresponsive
                | SmartcardError::NoCard { .. }
                | SmartcardError::Timeout { .. }
        )
    }
}

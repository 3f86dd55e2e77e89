//! A virtual smartcard: an ISO 7816-4 state machine carrying the PIV application of an officer
//! card ([`piv`]) and/or the Rekam applicant application, exactly as `docs/devices/smartcard.md`
//! specifies them. It answers SELECT (by AID, by FID, the MF), VERIFY (with a retry counter kept
//! in the card object, so it survives resets and re-insertions like a real card's), GET DATA and
//! GENERAL AUTHENTICATE (PIV), READ BINARY with offsets and GET RESPONSE. It answers
//! in pieces of at most `chunk` bytes with 61xx, and 6Cxx when Le does not fit, so that the
//! driver's handling of both is exercised on every read.
//!
//! Use it in-process as a [`CardTransport`] (a simulated station, unit tests), or put it in the
//! `vpcd` virtual reader of a real `pcscd` with [`vpcd::VpcdCard`].

pub mod piv;
pub mod vpcd;

use rekam_device::{Backend, DeviceClass, DeviceInfo};

use crate::SmartcardError;
use crate::apdu::{Command, MAX_SHORT_NE, Response, StatusWord, hex, ins};
use crate::profile::APPLICANT_AID;
use crate::profile::applicant::{ApplicantCard, EF_APPLICANT};
use crate::profile::piv::{
    self as piv_profile, ALG_ECC_P256, INS_GENERAL_AUTHENTICATE, INS_GET_DATA,
    KEY_PIV_AUTHENTICATION, PIN_BLOCK_LEN, PIN_REFERENCE, PIV_AID, PIV_AID_TRUNCATED,
};
use crate::tlv;
use crate::transport::CardTransport;
pub use piv::PivCard;

/// The historical bytes of the virtual card's ATR: "REKAM-VCARD".
pub const ATR_HISTORICAL: &[u8; 11] = b"REKAM-VCARD";

/// `3B 8B 01 "REKAM-VCARD" TCK`: direct convention, T=1 only, 11 historical bytes.
pub const ATR: [u8; 15] = build_atr();

const fn build_atr() -> [u8; 15] {
    let mut atr = [0u8; 15];
    atr[0] = 0x3B; // TS: direct convention
    atr[1] = 0x8B; // T0: TD1 follows, 11 historical bytes
    atr[2] = 0x01; // TD1: protocol T=1, nothing follows
    let mut tck = atr[1] ^ atr[2];
    let mut i = 0;
    while i < ATR_HISTORICAL.len() {
        atr[3 + i] = ATR_HISTORICAL[i];
        tck ^= ATR_HISTORICAL[i];
        i += 1;
    }
    atr[14] = tck; // TCK: XOR of T0..the last historical byte (required when T=1 is offered)
    atr
}

/// Default response piece size: small enough that every profile read goes through 61xx.
pub const DEFAULT_CHUNK: usize = 32;

/// The master file's identifier.
const MF: u16 = 0x3F00;

/// PIN tries a card allows before blocking (the retry counter's reset value), as a YubiKey's
/// PIV application does by default.
pub const PIN_TRIES: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    Piv,
    Applicant,
}

impl App {
    fn aid(self) -> &'static [u8] {
        match self {
            App::Piv => &PIV_AID,
            App::Applicant => &APPLICANT_AID,
        }
    }

    /// Whether SELECT's data name this application: the whole AID, or for PIV any
    /// right-truncation down to the PIX without its version (SP 800-73-4 Part 2 §3.1.1).
    fn named_by(self, data: &[u8]) -> bool {
        match self {
            App::Piv => data.len() >= PIV_AID_TRUNCATED.len() && PIV_AID.starts_with(data),
            App::Applicant => data == APPLICANT_AID,
        }
    }
}

/// What a card session holds; cleared by power-on, reset and power-off.
#[derive(Debug, Clone, Default)]
struct Session {
    app: Option<App>,
    ef: Option<u16>,
    verified: bool,
    /// Response bytes still to be fetched with GET RESPONSE.
    pending: Vec<u8>,
}

/// A virtual card. See the module documentation.
#[derive(Debug, Clone)]
pub struct VirtualCard {
    piv: Option<PivCard>,
    applicant: Option<Vec<u8>>,
    /// The PIN retry counter: persistent, like EEPROM on a real card.
    tries_left: u8,
    chunk: usize,
    session: Session,
    commands: u64,
}

impl VirtualCard {
    /// A card with no Rekam application (a foreign card).
    pub fn blank() -> Self {
        VirtualCard {
            piv: None,
            applicant: None,
            tries_left: PIN_TRIES,
            chunk: DEFAULT_CHUNK,
            session: Session::default(),
            commands: 0,
        }
    }

    /// An officer card: the PIV application personalised as `card`.
    pub fn officer(card: PivCard) -> Self {
        VirtualCard::blank().with_piv(card)
    }

    /// An applicant card for `card`.
    pub fn applicant(card: &ApplicantCard) -> Result<Self, SmartcardError> {
        VirtualCard::blank().with_applicant(card)
    }

    /// Adds (or replaces) the PIV application.
    pub fn with_piv(mut self, card: PivCard) -> Self {
        self.piv = Some(card);
        self
    }

    /// The PIV personalisation, when the card has one.
    pub fn piv(&self) -> Option<&PivCard> {
        self.piv.as_ref()
    }

    /// Adds (or replaces) the applicant application.
    pub fn with_applicant(mut self, card: &ApplicantCard) -> Result<Self, SmartcardError> {
        self.applicant = Some(card.encode()?);
        Ok(self)
    }

    /// Answers at most `chunk` data bytes per response (1..=256), the rest after 61xx.
    pub fn with_chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk.clamp(1, 256);
        self
    }

    /// Sets the PIN retry counter (0 = blocked).
    pub fn with_pin_tries(mut self, tries: u8) -> Self {
        self.tries_left = tries.min(PIN_TRIES);
        self
    }

    pub fn atr(&self) -> &'static [u8] {
        &ATR
    }

    /// What a simulated station reports when it uses this card in-process.
    pub fn info(&self) -> DeviceInfo {
        let apps = [
            self.piv.as_ref().map(|_| "PIV"),
            self.applicant.as_ref().map(|_| "applicant"),
        ];
        let apps: Vec<&str> = apps.into_iter().flatten().collect();
        DeviceInfo {
            class: DeviceClass::Smartcard,
            backend: Backend::Simulated,
            model: "Rekam virtual card".to_owned(),
            location: "in-process".to_owned(),
            details: vec![
                ("atr".to_owned(), hex(&ATR)),
                ("applications".to_owned(), apps.join(", ")),
            ],
        }
    }

    /// PIN tries left; 0 when blocked.
    pub fn pin_tries_left(&self) -> u8 {
        self.tries_left
    }

    /// Command APDUs processed since the card was made.
    pub fn commands_processed(&self) -> u64 {
        self.commands
    }

    /// Cold start: a fresh session (nothing selected, PIN not verified).
    pub fn power_on(&mut self) {
        self.session = Session::default();
    }

    /// Warm reset: a fresh session.
    pub fn reset(&mut self) {
        self.session = Session::default();
    }

    pub fn power_off(&mut self) {
        self.session = Session::default();
    }

    /// Processes one command APDU and returns the response APDU. Never panics: malformed input
    /// gets an error status word.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.commands += 1;
        let resp = match Command::parse(apdu) {
            Ok(cmd) => {
                if cmd.ins != ins::GET_RESPONSE {
                    // Any other command discards what GET RESPONSE could still have fetched.
                    self.session.pending.clear();
                }
                self.dispatch(&cmd)
            }
            Err(_) => status(StatusWord::WRONG_LENGTH),
        };
        resp.encode()
    }

    fn dispatch(&mut self, cmd: &Command) -> Response {
        match cmd.cla {
            0x00 => {}
            0x01..=0x03 => return status(StatusWord(0x6881)),
            0x04..=0x0F => return status(StatusWord(0x6882)),
            _ => return status(StatusWord::CLA_NOT_SUPPORTED),
        }
        match cmd.ins {
            ins::SELECT => self.select(cmd),
            ins::VERIFY => self.verify(cmd),
            ins::READ_BINARY => self.read_binary(cmd),
            INS_GET_DATA => self.get_data(cmd),
            INS_GENERAL_AUTHENTICATE => self.general_authenticate(cmd),
            ins::GET_RESPONSE => self.get_response(cmd),
            _ => status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn has(&self, app: App) -> bool {
        match app {
            App::Piv => self.piv.is_some(),
            App::Applicant => self.applicant.is_some(),
        }
    }

    /// The file `fid` of `app` (PIV has data objects, not files).
    fn file(&self, app: App, fid: u16) -> Option<&[u8]> {
        match (app, fid) {
            (App::Applicant, EF_APPLICANT) => self.applicant.as_deref(),
            _ => None,
        }
    }

    fn enter(&mut self, app: Option<App>) {
        // Re-selecting the current application keeps its security status; anything else
        // clears it.
        if self.session.app != app {
            self.session.verified = false;
        }
        self.session.app = app;
        self.session.ef = None;
    }

    fn select(&mut self, cmd: &Command) -> Response {
        // P2: b4-b3 say what to return (00 FCI, 01 FCP, 11 nothing); b2-b1 must be 00 (first
        // or only occurrence).
        let answer = cmd.p2 & 0x0C;
        if cmd.p2 & !0x0C != 0 || answer == 0x08 {
            return status(StatusWord::INCORRECT_P1P2);
        }
        let fid = <[u8; 2]>::try_from(&cmd.data[..])
            .ok()
            .map(u16::from_be_bytes);
        match cmd.p1 {
            0x04 => {
                let Some(app) = [App::Piv, App::Applicant]
                    .into_iter()
                    .find(|a| a.named_by(&cmd.data) && self.has(*a))
                else {
                    return status(StatusWord::FILE_NOT_FOUND);
                };
                self.enter(Some(app));
                let info = match (answer, app) {
                    (0x00, App::Piv) => apt(),
                    (0x00, _) => fci(app),
                    (0x04, _) => fcp_df(app),
                    _ => Vec::new(),
                };
                self.answer(info, cmd.ne, answer != 0x0C)
            }
            0x00 if cmd.data.is_empty() || fid == Some(MF) => {
                self.enter(None);
                let info = match answer {
                    0x0C => Vec::new(),
                    _ => {
                        let mut v = Vec::new();
                        tlv::write(&mut v, 0x83, &MF.to_be_bytes());
                        wrap(if answer == 0x00 { 0x6F } else { 0x62 }, &v)
                    }
                };
                self.answer(info, cmd.ne, answer != 0x0C)
            }
            0x00 | 0x02 => {
                let Some(fid) = fid else {
                    return status(StatusWord::WRONG_LENGTH);
                };
                let Some(app) = self.session.app else {
                    return status(StatusWord::FILE_NOT_FOUND);
                };
                let Some(file) = self.file(app, fid) else {
                    return status(StatusWord::FILE_NOT_FOUND);
                };
                let info = match answer {
                    0x0C => Vec::new(),
                    _ => fcp_ef(fid, file.len()),
                };
                self.session.ef = Some(fid);
                self.answer(info, cmd.ne, answer != 0x0C)
            }
            _ => status(StatusWord::INCORRECT_P1P2),
        }
    }

    fn verify(&mut self, cmd: &Command) -> Response {
        if self.session.app != Some(App::Piv) || cmd.p2 != PIN_REFERENCE {
            return status(StatusWord::REF_DATA_NOT_FOUND);
        }
        let Some(card) = &self.piv else {
            return status(StatusWord::REF_DATA_NOT_FOUND);
        };
        match cmd.p1 {
            0x00 => {}
            // ISO 7816-4: P1 = FF with no data resets the verification status.
            0xFF if cmd.data.is_empty() => {
                self.session.verified = false;
                return status(StatusWord::SUCCESS);
            }
            _ => return status(StatusWord::INCORRECT_P1P2),
        }
        if self.tries_left == 0 {
            return status(StatusWord::AUTH_BLOCKED);
        }
        if cmd.data.is_empty() {
            // The retry counter query: spends nothing.
            return if self.session.verified {
                status(StatusWord::SUCCESS)
            } else {
                status(StatusWord(0x63C0 | u16::from(self.tries_left)))
            };
        }
        if cmd.data.len() != PIN_BLOCK_LEN {
            return status(StatusWord::WRONG_LENGTH);
        }
        if card.pin_matches(&cmd.data) {
            self.tries_left = PIN_TRIES;
            self.session.verified = true;
            status(StatusWord::SUCCESS)
        } else {
            self.tries_left -= 1;
            self.session.verified = false;
            // 63C0 on the last try: blocked from now on (6983).
            status(StatusWord(0x63C0 | u16::from(self.tries_left)))
        }
    }

    fn read_binary(&mut self, cmd: &Command) -> Response {
        if cmd.p1 & 0x80 != 0 {
            // Short EF identifiers are not supported.
            return status(StatusWord(0x6A81));
        }
        let (Some(app), Some(fid)) = (self.session.app, self.session.ef) else {
            return status(StatusWord::NO_CURRENT_EF);
        };
        let Some(file) = self.file(app, fid) else {
            return status(StatusWord::NO_CURRENT_EF);
        };
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        if offset >= file.len() {
            return status(StatusWord::OFFSET_OUTSIDE_EF);
        }
        let Some(ne) = cmd.ne.map(usize::from) else {
            return status(StatusWord::WRONG_LENGTH);
        };
        let available = (file.len() - offset).min(usize::from(MAX_SHORT_NE));
        let n = if ne == usize::from(MAX_SHORT_NE) {
            available
        } else if ne > available {
            return status(StatusWord(0x6C00 | sw2_len(available)));
        } else {
            ne
        };
        let data = file[offset..offset + n].to_vec();
        self.chunked(data)
    }

    /// GET DATA (PIV): `00 CB 3F FF Lc 5C len tag Le`. The certificate for PIV authentication
    /// and the CHUID are readable without the PIN (as SP 800-73-4 has them); every other
    /// object is absent (6A82).
    fn get_data(&mut self, cmd: &Command) -> Response {
        let (Some(App::Piv), Some(card)) = (self.session.app, &self.piv) else {
            return status(StatusWord::INS_NOT_SUPPORTED);
        };
        if (cmd.p1, cmd.p2) != (0x3F, 0xFF) {
            return status(StatusWord::INCORRECT_P1P2);
        }
        let object = match tlv::parse_all(&cmd.data).as_deref() {
            Ok([o]) if o.tag == 0x5C => o.value,
            _ => return status(StatusWord::WRONG_DATA),
        };
        let data = match object {
            [0x5F, 0xC1, 0x05] => card.certificate_object(),
            [0x5F, 0xC1, 0x02] => card.chuid_object(),
            [0x7E] | [0x7F, 0x61] | [0x5F, 0xC1, 0x01..=0x23] => {
                return status(StatusWord::FILE_NOT_FOUND);
            }
            _ => return status(StatusWord::WRONG_DATA),
        };
        self.chunked(data)
    }

    /// GENERAL AUTHENTICATE (PIV), internal authentication only: P1 = 11 (ECC P-256), P2 = 9A,
    /// data `7C { 82 00, 81 20 challenge }` in either order; answers `7C { 82 signature }`.
    /// Needs the PIN verified in this session (6982 otherwise).
    fn general_authenticate(&mut self, cmd: &Command) -> Response {
        let (Some(App::Piv), Some(card)) = (self.session.app, &self.piv) else {
            return status(StatusWord::INS_NOT_SUPPORTED);
        };
        if cmd.p2 != KEY_PIV_AUTHENTICATION {
            return status(StatusWord::REF_DATA_NOT_FOUND);
        }
        if cmd.p1 != ALG_ECC_P256 {
            return status(StatusWord::INCORRECT_P1P2);
        }
        let template = match tlv::parse_all(&cmd.data).as_deref() {
            Ok([o]) if o.tag == u32::from(piv_profile::tag::DYNAMIC_AUTH) => o.value,
            _ => return status(StatusWord::WRONG_DATA),
        };
        let Ok(fields) = tlv::parse_all(template) else {
            return status(StatusWord::WRONG_DATA);
        };
        let wants_response = fields
            .iter()
            .any(|o| o.tag == u32::from(piv_profile::tag::RESPONSE) && o.value.is_empty());
        let challenge = fields
            .iter()
            .find(|o| o.tag == u32::from(piv_profile::tag::CHALLENGE))
            .map(|o| o.value);
        let Some(challenge) = challenge.filter(|c| c.len() == piv_profile::CHALLENGE_LEN) else {
            return status(StatusWord::WRONG_DATA);
        };
        if !wants_response || fields.len() != 2 {
            return status(StatusWord::WRONG_DATA);
        }
        if !self.session.verified {
            return status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        let Some(signature) = card.sign(challenge) else {
            return status(StatusWord::NO_DIAGNOSIS);
        };
        let mut inner = Vec::new();
        tlv::write(&mut inner, piv_profile::tag::RESPONSE, &signature);
        let data = wrap(piv_profile::tag::DYNAMIC_AUTH, &inner);
        self.chunked(data)
    }

    fn get_response(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return status(StatusWord::INCORRECT_P1P2);
        }
        if self.session.pending.is_empty() {
            return status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let pending = self.session.pending.len();
        let ne = cmd.ne.map_or(usize::from(MAX_SHORT_NE), usize::from);
        if ne != usize::from(MAX_SHORT_NE) && ne > pending {
            return status(StatusWord(0x6C00 | sw2_len(pending)));
        }
        let data: Vec<u8> = self.session.pending.drain(..ne.min(pending)).collect();
        let rest = std::mem::take(&mut self.session.pending);
        let mut resp = self.chunked(data);
        // What `chunked` held back goes before what was already pending.
        self.session.pending.extend(rest);
        if !self.session.pending.is_empty() {
            resp.sw1 = 0x61;
            resp.sw2 = sw2_len(self.session.pending.len()) as u8;
        }
        resp
    }

    /// Answers `info` (an FCI or FCP) for a SELECT. With no Le the data are left for GET
    /// RESPONSE (61xx, as a T=0 card does); an Le other than 00 or the exact length gets 6Cxx.
    fn answer(&mut self, info: Vec<u8>, ne: Option<u16>, wanted: bool) -> Response {
        if !wanted || info.is_empty() {
            return status(StatusWord::SUCCESS);
        }
        match ne.map(usize::from) {
            None => {
                let sw = 0x6100 | sw2_len(info.len());
                self.session.pending = info;
                status(StatusWord(sw))
            }
            Some(n) if n == usize::from(MAX_SHORT_NE) || n == info.len() => self.chunked(info),
            Some(_) => status(StatusWord(0x6C00 | sw2_len(info.len()))),
        }
    }

    /// `data` with 9000, or its first `chunk` bytes with 61xx and the rest pending.
    fn chunked(&mut self, mut data: Vec<u8>) -> Response {
        if data.len() <= self.chunk {
            return Response::new(data, 0x9000);
        }
        self.session.pending = data.split_off(self.chunk);
        let sw = 0x6100 | sw2_len(self.session.pending.len());
        Response::new(data, sw)
    }
}

impl CardTransport for VirtualCard {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, SmartcardError> {
        Ok(self.process(apdu))
    }
}

fn status(sw: StatusWord) -> Response {
    Response::new(Vec::new(), sw.0)
}

/// A length as SW2 of 61xx/6Cxx: 256 or more is 00.
fn sw2_len(n: usize) -> u16 {
    if n >= 256 { 0 } else { n as u16 }
}

fn wrap(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    tlv::write(&mut out, tag, value);
    out
}

/// FCI of the applicant application: `6F { 84 AID, 50 label }`.
fn fci(app: App) -> Vec<u8> {
    let mut v = Vec::new();
    tlv::write(&mut v, 0x84, app.aid());
    tlv::write(&mut v, 0x50, b"REKAM APPLICANT");
    wrap(0x6F, &v)
}

/// The PIV application property template (SP 800-73-4 Part 2 Table 3):
/// `61 { 4F PIX-with-version, 79 { 4F RID }, 50 label, AC { 80 11, 06 00 } }`.
fn apt() -> Vec<u8> {
    let mut authority = Vec::new();
    tlv::write(&mut authority, 0x4F, &PIV_AID[..5]);
    let mut algorithms = Vec::new();
    tlv::write(&mut algorithms, 0x80, &[ALG_ECC_P256]);
    tlv::write(&mut algorithms, 0x06, &[]);
    let mut v = Vec::new();
    tlv::write(&mut v, 0x4F, &PIV_AID[5..]);
    tlv::write(&mut v, 0x79, &authority);
    tlv::write(&mut v, 0x50, b"Rekam virtual PIV");
    tlv::write(&mut v, 0xAC, &algorithms);
    wrap(0x61, &v)
}

/// FCP of an application DF: `62 { 82 01 38, 84 AID }`.
fn fcp_df(app: App) -> Vec<u8> {
    let mut v = Vec::new();
    tlv::write(&mut v, 0x82, &[0x38]);
    tlv::write(&mut v, 0x84, app.aid());
    wrap(0x62, &v)
}

/// FCP of a transparent EF: `62 { 80 02 size, 82 01 01, 83 02 FID }`.
fn fcp_ef(fid: u16, size: usize) -> Vec<u8> {
    let mut v = Vec::new();
    tlv::write(&mut v, 0x80, &(size as u16).to_be_bytes());
    tlv::write(&mut v, 0x82, &[0x01]);
    tlv::write(&mut v, 0x83, &fid.to_be_bytes());
    wrap(0x62, &v)
}

#[cfg(test)]
mod tests;

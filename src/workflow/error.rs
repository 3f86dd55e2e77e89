//! Why a workflow call was refused. Nothing is written when one of these is returned.

use crate::domain::applicant::{FieldError, Ineligible};
use crate::domain::nik::{Described, NumberError, NumberKind};
use crate::lang::{Lang, Localize};
use crate::store::StoreError;

use super::{Modality, Step, capture_name};

#[derive(Debug, Clone, thiserror::Error)]
pub enum WorkflowError {
    #[error("'{action}' is not allowed while the request is at step '{step}'")]
    NotAllowed { step: Step, action: &'static str },
    #[error("no request {0}")]
    NoSuchRequest(i64),
    #[error("no ticket {0}")]
    NoSuchTicket(i64),
    #[error("ticket {code} is {status}, not waiting")]
    TicketNotWaiting { code: String, status: String },
    #[error("no ticket is waiting")]
    NoWaitingTicket,
    #[error("invalid ticket prefix: {0}")]
    BadPrefix(String),
    #[error("invalid NIK: {0:?}")]
    InvalidNik(Vec<NumberError>),
    #[error("invalid No. KK: {0:?}")]
    InvalidKk(Vec<NumberError>),
    #[error("invalid biodata: {0:?}")]
    Biodata(Vec<FieldError>),
    #[error("applicant not eligible: age {}", .0.age)]
    Ineligible(Ineligible),
    #[error("the file has no biodata or service type yet")]
    NoBiodata,
    #[error("only a supervisor may {0}")]
    NotSupervisor(&'static str),
    #[error("findings that do not fit the checklist: {0:?}")]
    InvalidFindings(Vec<crate::domain::Requirement>),
    #[error("a reason is required")]
    ReasonRequired,
    #[error("captures missing: {0:?}")]
    CapturesIncomplete(Vec<(Modality, u8)>),
    #[error("{modality} cannot be captured at step '{step}'")]
    WrongStepForCapture { step: Step, modality: Modality },
    #[error("{modality} has no position {position}")]
    BadPosition { modality: Modality, position: u8 },
    #[error("the capture has no data")]
    EmptyCapture,
    #[error("'{0}' is not an Ed25519 public key (64 hex digits)")]
    BadKey(String),
    #[error("a capture with data does not say which device made it")]
    NoProvenance,
    #[error("a production station does not store captures from a simulator ({0})")]
    SimulatedOnProduction(String),
    #[error("capture {0} does not belong to this request")]
    CaptureNotFound(i64),
    #[error("satisfaction score {0} is not between 1 and 4")]
    BadScore(u8),
    #[error("the service day {0} is closed")]
    DayClosed(chrono::NaiveDate),
    #[error("the service day {0} still has open tickets")]
    DayOpen(chrono::NaiveDate),
    #[error("only {free_mb} MB free on the data disk, under the floor of {floor_mb} MB")]
    DiskLow { free_mb: u64, floor_mb: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn list(lang: Lang, errors: &[NumberError], kind: NumberKind) -> String {
    errors
        .iter()
        .map(|e| Described(kind, e).localize(lang))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Localize for WorkflowError {
    fn localize(&self, lang: Lang) -> String {
        use WorkflowError::*;
        match self {
            NotAllowed { step, .. } => match lang {
                Lang::Id => format!(
                    "Langkah ini tidak dapat dilakukan: permohonan sedang pada tahap '{}'.",
                    step.localize(lang)
                ),
                Lang::En => format!(
                    "This cannot be done now: the request is at '{}'.",
                    step.localize(lang)
                ),
            },
            NoSuchRequest(id) => match lang {
                Lang::Id => format!("Permohonan {id} tidak ditemukan."),
                Lang::En => format!("Request {id} does not exist."),
            },
            NoSuchTicket(id) => match lang {
                Lang::Id => format!("Nomor antrian {id} tidak ditemukan."),
                Lang::En => format!("Ticket {id} does not exist."),
            },
            TicketNotWaiting { code, .. } => match lang {
                Lang::Id => format!("Nomor antrian {code} sudah dipanggil atau sudah selesai."),
                Lang::En => format!("Ticket {code} was already called or is closed."),
            },
            NoWaitingTicket => lang
                .pick("Tidak ada antrian yang menunggu.", "No ticket is waiting.")
                .to_owned(),
            BadPrefix(p) => match lang {
                Lang::Id => format!("Kode antrian '{p}' harus satu huruf kapital A-Z."),
                Lang::En => format!("Ticket prefix '{p}' must be one capital letter A-Z."),
            },
            InvalidNik(e) => list(lang, e, NumberKind::Nik),
            InvalidKk(e) => list(lang, e, NumberKind::Kk),
            Biodata(e) => e
                .iter()
                .map(|f| f.localize(lang))
                .collect::<Vec<_>>()
                .join(" "),
            Ineligible(i) => i.localize(lang),
            NoBiodata => lang
                .pick(
                    "Biodata dan jenis layanan belum diisi.",
                    "The biodata and service type are not entered yet.",
                )
                .to_owned(),
            NotSupervisor("close_day" | "export" | "import_ack") => lang
                .pick(
                    "Hanya supervisor yang boleh menutup hari, mengekspor batch atau memasukkan tanda terima.",
                    "Only a supervisor may close the day, export the batch or import an acknowledgement.",
                )
                .to_owned(),
            NotSupervisor("receiver_keys") => lang
                .pick(
                    "Hanya supervisor yang boleh menyematkan atau mencabut kunci penerima.",
                    "Only a supervisor may pin or remove a receiver key.",
                )
                .to_owned(),
            NotSupervisor("change_settings") => lang
                .pick(
                    "Hanya supervisor yang boleh mengubah pengaturan perangkat.",
                    "Only a supervisor may change the device settings.",
                )
                .to_owned(),
            NotSupervisor(_) => lang
                .pick(
                    "Hanya supervisor yang boleh memverifikasi, memvalidasi atau menolak.",
                    "Only a supervisor may verify, validate or reject.",
                )
                .to_owned(),
            InvalidFindings(reqs) => {
                let names = reqs
                    .iter()
                    .map(|r| r.localize(lang))
                    .collect::<Vec<_>>()
                    .join("; ");
                match lang {
                    Lang::Id => format!(
                        "Isian daftar periksa tidak sesuai jenis layanan (wajib tidak boleh 'tidak berlaku', atau bukan syarat layanan ini): {names}."
                    ),
                    Lang::En => format!(
                        "Checklist findings that do not fit the service (a required item cannot be 'not applicable', or it is not on this checklist): {names}."
                    ),
                }
            }
            ReasonRequired => lang
                .pick("Alasan wajib diisi.", "A reason is required.")
                .to_owned(),
            CapturesIncomplete(missing) => {
                let names = missing
                    .iter()
                    .map(|(m, p)| capture_name(*m, *p, lang))
                    .collect::<Vec<_>>()
                    .join(", ");
                match lang {
                    Lang::Id => format!("Belum direkam (atau dicatat pengecualiannya): {names}."),
                    Lang::En => {
                        format!("Not captured yet (nor recorded as an exception): {names}.")
                    }
                }
            }
            WrongStepForCapture { step, .. } => match lang {
                Lang::Id => format!(
                    "Perekaman ini tidak dapat dilakukan pada tahap '{}'.",
                    step.localize(lang)
                ),
                Lang::En => format!("This capture cannot be taken at '{}'.", step.localize(lang)),
            },
            BadPosition { modality, position } => match lang {
                Lang::Id => format!("Posisi {position} tidak ada untuk {modality}."),
                Lang::En => format!("{modality} has no position {position}."),
            },
            EmptyCapture => lang
                .pick("Hasil rekaman kosong.", "The capture is empty.")
                .to_owned(),
            BadKey(key) => match lang {
                Lang::Id => format!("'{key}' bukan kunci publik Ed25519 (64 digit heksadesimal)."),
                Lang::En => format!("'{key}' is not an Ed25519 public key (64 hex digits)."),
            },
            NoProvenance => lang
                .pick(
                    "Hasil rekaman tidak menyebut perangkat yang membuatnya: tidak disimpan. Sambungkan ulang perangkatnya lalu rekam lagi.",
                    "The capture does not name the device that made it: not stored. Reconnect the device and capture again.",
                )
                .to_owned(),
            SimulatedOnProduction(model) => match lang {
                Lang::Id => format!(
                    "Stasiun produksi tidak menyimpan hasil dari simulator ({model}). Pasang perangkat yang asli; lihat `rekam doctor`."
                ),
                Lang::En => format!(
                    "A production station does not store captures from a simulator ({model}). Attach the real device; see `rekam doctor`."
                ),
            },
            BadScore(score) => match lang {
                Lang::Id => format!("Nilai kepuasan {score} tidak sah (harus 1-4)."),
                Lang::En => format!("Satisfaction score {score} is not valid (must be 1-4)."),
            },
            CaptureNotFound(id) => match lang {
                Lang::Id => format!("Rekaman {id} bukan milik permohonan ini."),
                Lang::En => format!("Capture {id} does not belong to this request."),
            },
            DayClosed(day) => match lang {
                Lang::Id => format!(
                    "Hari layanan {day} sudah ditutup supervisor: tidak ada nomor antrean baru untuk hari itu."
                ),
                Lang::En => format!(
                    "The service day {day} has been closed by the supervisor: no new tickets for that day."
                ),
            },
            DayOpen(day) => match lang {
                Lang::Id => format!(
                    "Hari layanan {day} belum dapat ditutup: masih ada antrean yang belum selesai."
                ),
                Lang::En => format!("The service day {day} cannot close yet: tickets are still open."),
            },
            DiskLow { free_mb, floor_mb } => match lang {
                Lang::Id => format!(
                    "Ruang disk tinggal {free_mb} MB, di bawah batas {floor_mb} MB: perekaman baru ditolak agar data yang ada tetap aman. Ekspor dan kirim batch, masukkan tanda terimanya, lalu coba lagi."
                ),
                Lang::En => format!(
                    "Only {free_mb} MB of disk left, under the floor of {floor_mb} MB: new recordings are refused to keep what is recorded safe. Export and send the batch, import its acknowledgement, then try again."
                ),
            },
            Store(e) => e.localize(lang),
        }
    }
}

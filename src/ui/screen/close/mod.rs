//! Close the day (supervisor only): what keeps today from closing and how to resolve each item,
//! the close with its queue reconciliation, the export of the day's batch to a USB drive with
//! its progress, the day's reports, the receiver's acknowledgement, and the station's signing
//! key for registration at the Dinas. Warnings on top: records waiting too long for export, and
//! the data disk nearing the floor under which new recordings are refused.
//!
//! Keys: Up and Down select an open item, Enter continues its recording, Ctrl+B cancels it and
//! Ctrl+T defers it (with the reason typed), Ctrl+Enter closes the day, Ctrl+E exports, Ctrl+P
//! writes the reports, Ctrl+I imports an acknowledgement, Ctrl+R reloads. Everything with Ctrl
//! works while a text field has the focus.

use std::path::PathBuf;

use chrono::NaiveDate;
use iced::keyboard::{Key, Modifiers, key::Named};
use iced::{Subscription, Task};

use super::{Action, Nav};
use crate::batch::{self, AckImport, Backlog, ExportError, ExportRequest, Exported};
use crate::lang::{Lang, Localize};
use crate::report::DayReports;
use crate::store::disk::DiskSpace;
use crate::store::{Role, Station, Store, User};
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::i18n::{Tr, tk};
use crate::workflow::{CloseError, DayClose, OpenItem, Reconciliation};

#[cfg(test)]
mod tests;
mod usb;
mod view;

use usb::find_folder;
pub use usb::{Found, default_folder, latest_ack};
pub use view::backlog_banner;

/// The reason a waiting ticket is cancelled with unless the supervisor types another (stored with
/// the ticket and sent in the reconciliation, so always in Indonesian).
pub const ABSENT_REASON: &str = "Tidak hadir saat dipanggil";

/// Widget ids of the text fields.
pub const REASON: &str = "close-reason";
pub const FOLDER: &str = "close-folder";
pub const ACK: &str = "close-ack";

/// The day as one load brings it.
#[derive(Debug, Clone)]
pub struct Overview {
    pub date: NaiveDate,
    pub station: Station,
    /// The close, when the day is closed.
    pub close: Option<DayClose>,
    /// Who closed it, and at what local time (`17:05`).
    pub closed_by: Option<String>,
    pub closed_time: Option<String>,
    /// What keeps the day from closing (empty once closed).
    pub items: Vec<OpenItem>,
    /// The queue as it stands now (the close's own once closed).
    pub counts: Reconciliation,
    pub backlog: Backlog,
    pub disk: Option<DiskSpace>,
    /// The station's signing key, 64 hex digits.
    pub signing_key: Option<String>,
}

/// A piece of work of the screen and how it ended.
#[derive(Debug, Clone, Default)]
pub enum Job<T> {
    #[default]
    Idle,
    Running,
    Done(T),
    Failed(Failure),
}

impl<T> Job<T> {
    pub fn is_running(&self) -> bool {
        matches!(self, Job::Running)
    }

    fn from(result: Result<T, Failure>) -> Job<T> {
        match result {
            Ok(v) => Job::Done(v),
            Err(e) => Job::Failed(e),
        }
    }
}

/// What is done with an open item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Cancel,
    Defer,
}

#[derive(Debug, Default)]
pub struct State {
    overview: Option<Overview>,
    loading: bool,
    /// A resolution or the close is being stored.
    busy: bool,
    error: Option<Failure>,
    /// What the last resolution did, or what to do next.
    notice: Option<String>,
    selected: usize,
    /// The reason typed for the selected item, and which item it belongs to.
    reason: String,
    reason_for: Option<(u8, i64)>,
    reason_missing: bool,
    folder: String,
    /// The folder was typed in: a USB drive found later does not replace it.
    folder_edited: bool,
    export: Job<Exported>,
    progress: Option<(usize, usize)>,
    reports: Job<DayReports>,
    ack_path: String,
    ack: Job<AckImport>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Refresh,
    Loaded(Result<Box<Overview>, Failure>),
    FolderFound(Found),
    Select(usize),
    /// Up (-1) or down (+1) through the open items.
    Move(i32),
    Reason(String),
    /// Enter in the reason field of a request: Defer or Cancel must be chosen.
    ChooseAction,
    /// Continue the selected request's recording.
    Resume,
    Cancel,
    Defer,
    /// The ticket code of the item resolved, and how.
    Resolved(Result<(String, How), Failure>),
    CloseDay,
    Closed(Result<(), Failure>),
    Folder(String),
    Export,
    Progress(usize, usize),
    Exported(Result<Exported, Failure>),
    Reports,
    ReportsWritten(Result<DayReports, Failure>),
    AckPath(String),
    ImportAck,
    AckImported(Result<AckImport, Failure>),
}

pub fn is_supervisor(ctx: &Ctx) -> bool {
    ctx.user
        .as_ref()
        .is_some_and(|u| u.role == Role::Supervisor)
}

/// Identifies an item across reloads, to keep its selection and reason.
fn item_key(item: &OpenItem) -> (u8, i64) {
    match item {
        OpenItem::WaitingTicket { ticket, .. } => (0, *ticket),
        OpenItem::OpenRequest { request, .. } => (1, *request),
        OpenItem::NotValidated { request, .. } => (2, *request),
    }
}

impl State {
    pub fn new(ctx: &Ctx) -> (State, Task<Message>) {
        let mut state = State::default();
        if !is_supervisor(ctx) {
            return (state, Task::none());
        }
        let load = state.load(ctx);
        (state, Task::batch([load, find_folder(ctx)]))
    }

    fn load(&mut self, ctx: &Ctx) -> Task<Message> {
        let db = match ctx.db() {
            Ok(db) => db,
            Err(e) => {
                self.error = Some(e);
                return Task::none();
            }
        };
        self.loading = true;
        let station = db.station().clone();
        Task::perform(
            db.call(move |store| Ok(Box::new(overview(store, station)?))),
            Message::Loaded,
        )
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        // Operators see only the message that a supervisor must sign in; the store refuses
        // them too.
        if !is_supervisor(ctx) {
            return Action::None;
        }
        match message {
            Message::Refresh => return self.refresh(ctx),
            Message::Loaded(result) => self.loaded(result),
            Message::FolderFound(found) => self.folder_found(found),
            Message::Select(i) => {
                self.selected = i;
                self.after_selection();
            }
            Message::Move(by) => self.move_by(by),
            Message::Reason(reason) => {
                self.reason = reason;
                self.reason_missing = false;
            }
            Message::ChooseAction => self.notice = Some(ctx.tr.t("close.choose_action")),
            Message::Resume => return self.resume(),
            Message::Cancel => return self.resolve(ctx, How::Cancel),
            Message::Defer => return self.resolve(ctx, How::Defer),
            Message::Resolved(result) => return self.resolved(ctx, result),
            Message::CloseDay => return self.close_day(ctx),
            Message::Closed(result) => {
                self.busy = false;
                if let Err(e) = result {
                    self.error = Some(e);
                }
                return Action::Run(self.load(ctx));
            }
            Message::Folder(folder) => {
                self.folder = folder;
                self.folder_edited = true;
            }
            Message::Export => return self.export(ctx),
            Message::Progress(done, total) => self.progress = Some((done, total)),
            Message::Exported(result) => {
                self.export = Job::from(result);
                // The backlog changed.
                return Action::Run(self.load(ctx));
            }
            Message::Reports => return self.reports(ctx),
            Message::ReportsWritten(result) => self.reports = Job::from(result),
            Message::AckPath(path) => self.ack_path = path,
            Message::ImportAck => return self.import_ack(ctx),
            Message::AckImported(result) => {
                self.ack = Job::from(result);
                return Action::Run(self.load(ctx));
            }
        }
        Action::None
    }

    fn refresh(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.loading {
            return Action::None;
        }
        let load = self.load(ctx);
        // A USB drive plugged in since: found, unless a folder was typed.
        let find = if self.folder_edited {
            Task::none()
        } else {
            find_folder(ctx)
        };
        Action::Run(Task::batch([load, find]))
    }

    fn loaded(&mut self, result: Result<Box<Overview>, Failure>) {
        self.loading = false;
        match result {
            Ok(o) => {
                self.overview = Some(*o);
                self.selected = self.selected.min(self.items().len().saturating_sub(1));
                self.after_selection();
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn folder_found(&mut self, found: Found) {
        if !self.folder_edited {
            self.folder = found.folder.display().to_string();
        }
        if self.ack_path.trim().is_empty()
            && let Some(ack) = found.ack
        {
            self.ack_path = ack.display().to_string();
        }
    }

    pub fn items(&self) -> &[OpenItem] {
        self.overview.as_ref().map_or(&[], |o| &o.items)
    }

    pub fn selected_item(&self) -> Option<&OpenItem> {
        self.items().get(self.selected)
    }

    fn move_by(&mut self, by: i32) {
        let last = self.items().len().saturating_sub(1) as i64;
        self.selected = (self.selected as i64 + i64::from(by)).clamp(0, last) as usize;
        self.after_selection();
    }

    /// A newly selected item gets its default reason: the absent applicant for a waiting
    /// ticket, nothing for a request (the supervisor says why).
    fn after_selection(&mut self) {
        let Some(item) = self.selected_item() else {
            self.reason_for = None;
            return;
        };
        let key = item_key(item);
        if self.reason_for == Some(key) {
            return;
        }
        self.reason = match item {
            OpenItem::WaitingTicket { .. } => ABSENT_REASON.to_owned(),
            _ => String::new(),
        };
        self.reason_for = Some(key);
        self.reason_missing = false;
    }

    fn resume(&mut self) -> Action<Message> {
        match self.selected_item() {
            Some(
                OpenItem::OpenRequest { request, .. } | OpenItem::NotValidated { request, .. },
            ) => Action::Go(Nav::Request(*request)),
            _ => Action::None,
        }
    }

    fn resolve(&mut self, ctx: &Ctx, how: How) -> Action<Message> {
        if self.busy {
            return Action::None;
        }
        let Some(item) = self.selected_item().cloned() else {
            return Action::None;
        };
        let reason = self.reason.trim().to_owned();
        type Resolve = Box<dyn FnOnce(&mut Store, &User) -> Result<(String, How), Failure> + Send>;
        let empty = reason.is_empty();
        let job: Resolve = match (item, how) {
            (OpenItem::WaitingTicket { ticket, code }, How::Cancel) => {
                Box::new(move |store: &mut Store, user: &User| {
                    store.cancel_ticket(user, ticket, &reason)?;
                    Ok((code, how))
                })
            }
            (
                OpenItem::OpenRequest {
                    request, ticket, ..
                },
                _,
            ) => Box::new(move |store: &mut Store, user: &User| {
                match how {
                    How::Cancel => store.cancel(user, request, &reason)?,
                    How::Defer => store.defer(user, request, &reason)?,
                }
                Ok((ticket, how))
            }),
            (OpenItem::WaitingTicket { .. }, How::Defer) => {
                self.notice = Some(ctx.tr.t("close.ticket_not_deferred"));
                return Action::None;
            }
            // A recorded request is finished from its own screen (Enter).
            (OpenItem::NotValidated { .. }, _) => return Action::None,
        };
        if empty {
            self.reason_missing = true;
            return Action::None;
        }
        self.busy = true;
        self.error = None;
        self.notice = None;
        Action::Run(Task::perform(ctx.write(job), Message::Resolved))
    }

    fn resolved(&mut self, ctx: &Ctx, result: Result<(String, How), Failure>) -> Action<Message> {
        self.busy = false;
        match result {
            Ok((ticket, how)) => {
                let key = match how {
                    How::Cancel => tk("close.cancelled"),
                    How::Defer => tk("close.deferred"),
                };
                self.notice = Some(ctx.tr.f(key, &[("ticket", &ticket)]));
            }
            Err(e) => self.error = Some(e),
        }
        Action::Run(self.load(ctx))
    }

    /// Whether the day can be closed now: loaded, open, nothing left, nothing running.
    pub fn can_close(&self) -> bool {
        self.overview
            .as_ref()
            .is_some_and(|o| o.close.is_none() && o.items.is_empty())
            && !self.busy
            && !self.loading
    }

    fn close_day(&mut self, ctx: &Ctx) -> Action<Message> {
        if !self.can_close() {
            return Action::None;
        }
        let Some(date) = self.overview.as_ref().map(|o| o.date) else {
            return Action::None;
        };
        self.busy = true;
        self.error = None;
        self.notice = None;
        Action::Run(Task::perform(
            ctx.write(move |store, user| match store.close_day(user, date) {
                Ok(_) => Ok(()),
                Err(CloseError::Open(items)) => Err(Failure::new(Problem::StillOpen(items.len()))),
                Err(CloseError::Workflow(e)) => Err(Failure::new(e)),
                Err(CloseError::AuditBroken(b)) => {
                    Err(Failure::new(crate::workflow::close::AuditBrokenText(b)))
                }
            }),
            Message::Closed,
        ))
    }

    fn closed_date(&self) -> Option<NaiveDate> {
        self.overview
            .as_ref()
            .filter(|o| o.close.is_some())
            .map(|o| o.date)
    }

    fn export(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.export.is_running() {
            return Action::None;
        }
        let Some(date) = self.closed_date() else {
            return Action::None;
        };
        let recipients = match batch::parse_recipients(&ctx.settings.export.recipients) {
            Ok(r) => r,
            Err(e) => {
                self.export = Job::Failed(Failure::new(e));
                return Action::None;
            }
        };
        let request = ExportRequest {
            date,
            out_dir: PathBuf::from(self.folder.trim()),
            recipients,
        };
        self.export = Job::Running;
        self.progress = None;
        // The export needs the store itself, so it runs on the storage thread; its progress
        // comes back through a channel that closes when the job ends, then the result.
        let (tx, rx) = iced::futures::channel::mpsc::unbounded();
        let call = ctx.write(move |store, user| {
            let mut progress = |done, total| {
                let _ = tx.unbounded_send((done, total));
            };
            Ok(batch::export_day(store, user, &request, &mut progress)?)
        });
        let progress = Task::run(rx, |(done, total)| Message::Progress(done, total));
        Action::Run(progress.chain(Task::perform(call, Message::Exported)))
    }

    fn reports(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.reports.is_running() {
            return Action::None;
        }
        let Some(date) = self.closed_date() else {
            return Action::None;
        };
        let db = match ctx.db() {
            Ok(db) => db,
            Err(e) => {
                self.reports = Job::Failed(e);
                return Action::None;
            }
        };
        let dir = PathBuf::from(self.folder.trim());
        // Never create a folder where a USB drive should be mounted.
        if !dir.is_dir() {
            self.reports = Job::Failed(Failure::new(ExportError::NoFolder(dir)));
            return Action::None;
        }
        let lang = ctx.lang();
        self.reports = Job::Running;
        Action::Run(Task::perform(
            db.call(move |store| {
                crate::report::write_day_reports(store, date, lang, &dir)
                    .map_err(|e| Failure::new(Problem::ReportFailed(format!("{e:#}"))))
            }),
            Message::ReportsWritten,
        ))
    }

    fn import_ack(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.ack.is_running() {
            return Action::None;
        }
        let path = PathBuf::from(self.ack_path.trim());
        if path.as_os_str().is_empty() {
            return Action::None;
        }
        let retention = ctx.settings.export.retention();
        self.ack = Job::Running;
        // The acknowledgement is a small text file: read where it is imported.
        Action::Run(Task::perform(
            ctx.write(move |store, user| {
                let text = crate::batch::read_ack_file(&path).map_err(|e| {
                    Failure::new(Problem::AckUnreadable {
                        path,
                        error: e.to_string(),
                    })
                })?;
                Ok(store.import_ack(user, &text, retention)?)
            }),
            Message::AckImported,
        ))
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn guide(&self, ctx: &Ctx) -> crate::ui::applicant::Guide {
        super::welcome(ctx)
    }

    pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message> {
        if modifiers.alt() || modifiers.logo() {
            return None;
        }
        if modifiers.control() {
            return match key.as_ref() {
                Key::Named(Named::Enter) => Some(Message::CloseDay),
                Key::Character(c) => match c.to_ascii_lowercase().as_str() {
                    "b" => Some(Message::Cancel),
                    "t" => Some(Message::Defer),
                    "e" => Some(Message::Export),
                    "p" => Some(Message::Reports),
                    "i" => Some(Message::ImportAck),
                    "r" => Some(Message::Refresh),
                    _ => None,
                },
                _ => None,
            };
        }
        match key.as_ref() {
            Key::Named(Named::ArrowUp) => Some(Message::Move(-1)),
            Key::Named(Named::ArrowDown) => Some(Message::Move(1)),
            Key::Named(Named::Enter) => Some(Message::Resume),
            _ => None,
        }
    }
}

/// Reads everything the screen shows about the day (on the storage thread).
fn overview(store: &mut Store, station: Station) -> Result<Overview, crate::store::StoreError> {
    let date = store.today();
    let close = store.day_close(date)?;
    let (closed_by, closed_time) = match &close {
        Some(c) => (
            store.user(c.closed_by)?.map(|u| u.full_name),
            Some(
                store
                    .local_time(&c.closed_at)
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_else(|_| c.closed_at.clone()),
            ),
        ),
        None => (None, None),
    };
    let (items, counts) = match &close {
        Some(c) => (Vec::new(), c.reconciliation.clone()),
        None => (store.open_items(date)?, store.reconciliation(date)?),
    };
    Ok(Overview {
        date,
        station,
        close,
        closed_by,
        closed_time,
        items,
        counts,
        backlog: store.export_backlog()?,
        // Free space is a warning only: a failing statvfs must not hide the screen.
        disk: store.disk_space().ok(),
        signing_key: store.signing_public_key()?,
    })
}

/// Problems of this screen that the library does not name.
#[derive(Debug)]
enum Problem {
    /// Something opened between the list and the close.
    StillOpen(usize),
    ReportFailed(String),
    AckUnreadable {
        path: PathBuf,
        error: String,
    },
}

impl Localize for Problem {
    fn localize(&self, lang: Lang) -> String {
        let tr = Tr(lang);
        match self {
            Problem::StillOpen(count) => tr.f("close.still_open", &[("count", count)]),
            Problem::ReportFailed(error) => tr.f("close.report_failed", &[("error", error)]),
            Problem::AckUnreadable { path, error } => tr.f(
                "close.ack_unreadable",
                &[("path", &path.display()), ("error", error)],
            ),
        }
    }
}

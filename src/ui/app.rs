//! The root of the kiosk: the operator's window and the applicant's, the session (who is
//! logged in, idle logout), navigation between screens, global shortcuts and the language.

use std::time::{Duration, Instant};

use iced::keyboard::{self, Key, Modifiers, key::Named};
use iced::{Size, Subscription, Task, Theme, event, window};

use super::applicant;
use super::benchmark;
use super::ctx::Ctx;
use super::db::{Db, Failure, off_thread};
use super::i18n::Tr;
use super::screen::{
    self, Action, Nav, Screen, close, devices, login, queue, register, setup, users,
};
use super::theme::{self, Tone};
use crate::devices::DeviceSettings;
use crate::devices::doctor::Diagnosis;
use crate::devices::live::Backends;
use crate::domain::StationMode;
use crate::lang::Lang;
use crate::store::{Paths, Store, SystemClock};
use crate::workflow::settings::SettingsCheck;
use crate::workflow::{RequestView, Step};

/// How the kiosk starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Paths,
    /// A normal window instead of full-screen kiosk mode (development).
    pub windowed: bool,
    /// The language to start in; `None`: the station's setting.
    pub lang: Option<Lang>,
    /// Open the applicant's window (a second display); otherwise the operator shows a panel.
    pub applicant_window: bool,
    /// Simulated devices at full speed instead of their real pace (demos, screenshots).
    pub fast_devices: bool,
    /// Quit as soon as the login screen has been drawn (start-up benchmark).
    pub exit_at_login: bool,
    /// Open the face preview on the simulated camera, count the camera frames drawn for a few
    /// seconds, print the rate and quit (preview benchmark).
    pub preview_benchmark: bool,
}

#[derive(Debug, Clone)]
pub enum Message {
    Opened(Result<Option<Opened>, Failure>),
    Diagnosed(Vec<Diagnosis>),
    WindowOpened(window::Id),
    /// The size of the operator window's display: the applicant's window goes beyond it.
    OperatorDisplay(Option<Size>),
    CloseRequested(window::Id),
    Key(Key, Modifiers),
    /// A key pressed in one of the windows: only the operator's acts (the applicant's window
    /// shows, it does not command).
    WindowKey(window::Id, Key, Modifiers),
    /// Input in a window: only the operator's keeps the session alive.
    Activity(window::Id),
    Tick,
    Go(Nav),
    RequestLoaded(Result<Option<RequestView>, Failure>),
    SwitchLanguage,
    ToggleApplicantPanel,
    Satisfaction(applicant::Answer),
    /// A frame was drawn (only listened to for the start-up benchmark).
    Frame,
    SatisfactionStored(Result<(), Failure>),
    /// A message for the screen shown.
    Screen(screen::Message),
    /// The store was set to the station's settings (disk floor, retention) on the storage thread.
    StoreConfigured(Result<usize, Failure>),
}

#[derive(Debug)]
pub struct App {
    pub ctx: Ctx,
    pub screen: Screen,
    operator: Option<window::Id>,
    applicant: Option<window::Id>,
    /// The applicant panel inside the operator window (no second display).
    panel: bool,
    last_activity: Instant,
    notice: Option<(Tone, String)>,
    /// The settings file was changed outside Rekam (found at start, audited): shown until the
    /// kiosk restarts.
    pub(super) outside_edit: Option<String>,
    /// A satisfaction answer waiting to be stored, with the request it is about.
    satisfaction: Option<(i64, Option<u8>)>,
    options: Options,
    /// The preview benchmark, when the program runs it.
    preview: Option<benchmark::Preview>,
}

/// Seconds before the idle logout at which the countdown is shown.
const IDLE_WARNING: Duration = Duration::from_secs(60);

impl App {
    /// The state before any window exists, and the tasks that open the windows and the store.
    pub fn boot(options: Options) -> (App, Task<Message>) {
        let settings = DeviceSettings::load(&options.paths.data_dir).unwrap_or_default();
        let lang = options.lang.unwrap_or(settings.kiosk.language);
        // Real until the store says what kind of station this is.
        let backends = Backends::real();
        let mut app = App {
            ctx: Ctx {
                db: None,
                tr: Tr(lang),
                paths: options.paths.clone(),
                settings,
                backends,
                diagnoses: Vec::new(),
                user: None,
                fast_devices: options.fast_devices,
            },
            screen: Screen::Starting,
            operator: None,
            applicant: None,
            panel: false,
            last_activity: Instant::now(),
            notice: None,
            outside_edit: None,
            satisfaction: None,
            options: options.clone(),
            preview: options.preview_benchmark.then(benchmark::Preview::new),
        };
        let (id, open) = window::open(operator_window(options.windowed));
        app.operator = Some(id);
        let tasks = vec![
            open.map(Message::WindowOpened),
            open_store(options.paths.clone()),
        ];
        // The applicant's window opens once the operator's is up, beside it on the next display
        // (see `operator_opened`).
        app.options.applicant_window |= app.ctx.settings.kiosk.applicant_window;
        (app, Task::batch(tasks))
    }

    /// For tests: the app on an open store, at the login screen, without windows.
    pub fn with_store(store: Store, options: Options) -> App {
        let (mut app, _) = App::boot(options);
        app.ctx.db = Db::start(store).ok();
        app.ctx.backends = Backends::simulated();
        app.screen = Screen::Login(login::State::new(&app.ctx));
        app
    }

    pub fn title(&self, window: window::Id) -> String {
        let title = self.ctx.tr.t("app.title");
        if Some(window) == self.applicant {
            format!("{title} · {}", self.ctx.tr.t("app.applicant_title"))
        } else {
            title
        }
    }

    pub fn theme(&self, _window: window::Id) -> Theme {
        theme::kiosk()
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Opened(result) => self.opened(result),
            Message::Diagnosed(diagnoses) => {
                self.ctx.backends = Backends::from_diagnoses(&diagnoses);
                self.ctx.diagnoses = diagnoses;
                Task::none()
            }
            Message::WindowOpened(id) => {
                if Some(id) == self.operator && self.options.applicant_window {
                    return window::monitor_size(id).map(Message::OperatorDisplay);
                }
                Task::none()
            }
            Message::OperatorDisplay(size) => self.open_applicant_window(size),
            Message::CloseRequested(id) => self.close_requested(id),
            Message::Key(key, modifiers) => self.key(key, modifiers),
            Message::WindowKey(window, key, modifiers) => {
                if Some(window) == self.applicant {
                    return Task::none();
                }
                self.key(key, modifiers)
            }
            Message::Activity(window) => {
                if Some(window) != self.applicant {
                    self.last_activity = Instant::now();
                }
                Task::none()
            }
            Message::Tick => self.tick(),
            Message::Go(nav) => self.go(nav),
            Message::RequestLoaded(result) => self.request_loaded(result),
            Message::SwitchLanguage => {
                self.ctx.tr = Tr(match self.ctx.lang() {
                    Lang::Id => Lang::En,
                    Lang::En => Lang::Id,
                });
                Task::none()
            }
            Message::ToggleApplicantPanel => {
                self.panel = !self.panel;
                Task::none()
            }
            Message::Satisfaction(answer) => self.satisfaction(answer),
            Message::Frame => self.frame_drawn(),
            Message::StoreConfigured(result) => {
                if let Err(e) = result {
                    // Not the operator's to fix; the kiosk's log (journal) keeps it.
                    eprintln!("rekam: {}", e.text(Lang::En));
                }
                Task::none()
            }
            Message::SatisfactionStored(result) => {
                if let Err(e) = result {
                    self.notice = Some((Tone::Bad, e.text(self.ctx.lang())));
                }
                Task::none()
            }
            Message::Screen(m) => {
                let action = self.screen.update(m, &self.ctx);
                self.act(action)
            }
        }
    }

    fn opened(&mut self, result: Result<Option<Opened>, Failure>) -> Task<Message> {
        match result {
            Ok(Some(Opened { db, check })) => {
                if let SettingsCheck::ChangedOutside(changes) = check {
                    let list = changes
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ");
                    self.outside_edit = Some(
                        self.ctx
                            .tr
                            .f("app.settings_changed_outside", &[("changes", &list)]),
                    );
                }
                // Before anyone can record: the disk floor, and the biometrics whose retention
                // has passed are deleted.
                let configure = configure_store(&db, &self.ctx.settings, true);
                let mode = db.station().mode;
                self.ctx.backends = Backends::from_settings(&self.ctx.settings, mode);
                let configure = Task::batch([configure, diagnose(self.ctx.settings.clone(), mode)]);
                self.ctx.db = Some(db);
                if self.preview.is_some() {
                    let (screen, task) = benchmark::Preview::open(&mut self.ctx);
                    self.screen = screen;
                    let task = task.map(|m| Message::Screen(screen::Message::Face(m)));
                    return Task::batch([configure, task]);
                }
                self.screen = Screen::Login(login::State::new(&self.ctx));
                let focus =
                    login::State::focus().map(|m| Message::Screen(screen::Message::Login(m)));
                Task::batch([configure, focus])
            }
            Ok(None) => {
                self.screen = Screen::Setup(setup::State::new(&self.ctx));
                iced::widget::operation::focus("setup-kecamatan")
            }
            Err(e) => {
                self.screen = Screen::Broken(e);
                Task::none()
            }
        }
    }

    /// A frame was drawn: the start-up benchmark quits once the login screen has been drawn.
    fn frame_drawn(&mut self) -> Task<Message> {
        if self.options.exit_at_login && matches!(self.screen, Screen::Login(_)) {
            return iced::exit();
        }
        Task::none()
    }

    /// Opens the applicant's window on the display to the right of the operator's (displays side
    /// by side, the usual desk set-up), full screen there in kiosk mode. iced cannot list the
    /// displays, so the window is placed just past the operator's display and the window system
    /// puts it on the display that holds that point.
    fn open_applicant_window(&mut self, operator_display: Option<Size>) -> Task<Message> {
        if self.applicant.is_some() {
            return Task::none();
        }
        let mut settings = applicant_window(self.options.windowed);
        if let Some(size) = operator_display {
            settings.position = window::Position::Specific(iced::Point::new(size.width, 0.0));
        }
        let (id, open) = window::open(settings);
        self.applicant = Some(id);
        open.map(Message::WindowOpened)
    }

    fn close_requested(&mut self, id: window::Id) -> Task<Message> {
        // Kiosk mode: the operator's window cannot be closed by the window manager; in
        // windowed (development) mode closing it quits.
        if Some(id) == self.operator && self.options.windowed {
            return iced::exit();
        }
        Task::none()
    }

    fn tick(&mut self) -> Task<Message> {
        if let Some(preview) = &mut self.preview {
            return if preview.tick() {
                iced::exit()
            } else {
                Task::none()
            };
        }
        if self.ctx.user.is_some() && self.idle_left() == Some(Duration::ZERO) {
            let task = self.go(Nav::Logout);
            // After navigating, which clears notices: the login screen says why.
            self.notice = Some((Tone::Info, self.ctx.tr.t("app.logged_out_idle")));
            return task;
        }
        Task::none()
    }

    /// Time left before the idle logout, when someone is logged in.
    fn idle_left(&self) -> Option<Duration> {
        self.ctx.user.as_ref()?;
        let limit =
            Duration::from_secs(u64::from(self.ctx.settings.kiosk.idle_logout_minutes) * 60);
        Some(limit.saturating_sub(self.last_activity.elapsed()))
    }

    fn key(&mut self, key: Key, modifiers: Modifiers) -> Task<Message> {
        self.last_activity = Instant::now();
        let logged_in = self.ctx.user.is_some();
        match (&key, logged_in) {
            (Key::Named(Named::F2), _) => return self.update(Message::SwitchLanguage),
            (Key::Named(Named::F12), _) => return self.update(Message::ToggleApplicantPanel),
            (Key::Named(Named::F5), true) => return self.go(Nav::Queue),
            (Key::Named(Named::F10), true) => return self.go(Nav::Close),
            (Key::Named(Named::F8), true) => return self.go(Nav::Register),
            (Key::Named(Named::F9), true) => return self.go(Nav::Devices),
            (Key::Named(Named::F11), true) => return self.go(Nav::Users),
            (Key::Character(c), true) if modifiers.control() && c.as_str() == "l" => {
                return self.go(Nav::Logout);
            }
            _ => {}
        }
        let message = self.screen.shortcut(&key, modifiers).map(Message::Screen);
        match message {
            Some(m) => self.update(m),
            None => match key {
                // Tab moves between fields when no screen uses it.
                Key::Named(Named::Tab) if modifiers.shift() => {
                    iced::widget::operation::focus_previous()
                }
                Key::Named(Named::Tab) => iced::widget::operation::focus_next(),
                _ => Task::none(),
            },
        }
    }

    /// Carries out what a screen asked for.
    fn act(&mut self, action: Action<screen::Message>) -> Task<Message> {
        match action {
            Action::None => Task::none(),
            Action::Run(task) => task.map(Message::Screen),
            Action::Go(nav) => self.go(nav),
        }
    }

    /// Navigation: the root decides which screen comes next.
    pub fn go(&mut self, nav: Nav) -> Task<Message> {
        self.notice = None;
        match nav {
            Nav::SetUp => {
                self.screen = Screen::Starting;
                open_store(self.ctx.paths.clone())
            }
            Nav::LoggedIn(user) => {
                self.ctx.user = Some(user);
                self.last_activity = Instant::now();
                self.go(Nav::Queue)
            }
            Nav::Logout => {
                self.ctx.user = None;
                self.screen = Screen::Login(login::State::new(&self.ctx));
                Task::none()
            }
            Nav::Queue => {
                let (state, task) = queue::State::new(&self.ctx);
                self.show(Screen::Queue(state), task.map(screen::Message::Queue))
            }
            Nav::Register => {
                let (state, task) = register::State::new(&self.ctx);
                self.show(Screen::Register(state), task.map(screen::Message::Register))
            }
            Nav::Devices => {
                let (state, task) = devices::State::new(&self.ctx);
                self.show(Screen::Devices(state), task.map(screen::Message::Devices))
            }
            Nav::Users => {
                let (state, task) = users::State::new(&self.ctx);
                self.show(Screen::Users(state), task.map(screen::Message::Users))
            }
            Nav::Close => {
                let (state, task) = close::State::new(&self.ctx);
                self.show(Screen::Close(state), task.map(screen::Message::Close))
            }
            Nav::ApplySettings(settings) => {
                self.ctx.settings = *settings;
                if self.ctx.settings.kiosk.language != self.ctx.lang() {
                    self.ctx.tr = Tr(self.ctx.settings.kiosk.language);
                }
                let configure = match &self.ctx.db {
                    Some(db) => configure_store(db, &self.ctx.settings, false),
                    None => Task::none(),
                };
                match self.ctx.station_mode() {
                    Some(mode) => {
                        Task::batch([configure, diagnose(self.ctx.settings.clone(), mode)])
                    }
                    None => configure,
                }
            }
            Nav::Request(id) => match self.ctx.db() {
                Ok(db) => Task::perform(
                    db.call(move |store| Ok(store.request(id)?)),
                    Message::RequestLoaded,
                ),
                Err(e) => {
                    self.notice = Some((Tone::Bad, e.text(self.ctx.lang())));
                    Task::none()
                }
            },
        }
    }

    /// Opens the screen for the request's current step.
    fn request_loaded(&mut self, result: Result<Option<RequestView>, Failure>) -> Task<Message> {
        let request = match result {
            Ok(Some(r)) => r,
            Ok(None) => return self.go(Nav::Queue),
            Err(e) => {
                self.notice = Some((Tone::Bad, e.text(self.ctx.lang())));
                return Task::none();
            }
        };
        use screen::Message as M;
        let ctx = &self.ctx;
        macro_rules! open {
            ($name:ident, $module:ident) => {{
                let (s, t) = screen::$module::State::new(ctx, request);
                (Screen::$name(s), t.map(M::$name))
            }};
        }
        let (screen, task) = match request.step {
            Step::TicketCalled | Step::FileReceived => open!(Intake, intake),
            Step::RequirementsChecked | Step::Registered | Step::Verified | Step::Validated => {
                open!(Verify, verify)
            }
            Step::Face => open!(Face, face),
            Step::Fingerprints => open!(Fingers, fingers),
            Step::Iris => open!(Iris, iris),
            Step::Signature => open!(Signature, signature),
            Step::Review => open!(Review, review),
            Step::Recorded | Step::ProofHandedOver => {
                self.satisfaction = Some((request.id, None));
                open!(Finish, finish)
            }
            Step::Archived | Step::Returned | Step::Cancelled | Step::Deferred => {
                return self.go(Nav::Queue);
            }
        };
        self.show(screen, task)
    }

    /// Shows `screen`, running the task it opened with.
    fn show(&mut self, screen: Screen, task: Task<screen::Message>) -> Task<Message> {
        self.screen = screen;
        task.map(Message::Screen)
    }

    fn satisfaction(&mut self, answer: applicant::Answer) -> Task<Message> {
        let Some((request, None)) = self.satisfaction else {
            return Task::none();
        };
        self.satisfaction = Some((request, Some(answer.0)));
        Task::perform(
            self.ctx
                .write(move |store, user| Ok(store.record_satisfaction(user, request, answer.0)?)),
            Message::SatisfactionStored,
        )
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let screen = self.screen.subscription(&self.ctx).map(Message::Screen);
        let benchmark = if self.options.exit_at_login {
            window::frames().map(|_| Message::Frame)
        } else {
            Subscription::none()
        };
        Subscription::batch([
            screen,
            benchmark,
            event::listen_with(shortcut_key),
            event::listen_with(activity),
            window::close_requests().map(Message::CloseRequested),
            iced::time::every(Duration::from_secs(1)).map(|_| Message::Tick),
        ])
    }
}

/// Key presses the kiosk acts on. Keys a focused text field uses (letters, space, Enter to
/// submit) reach the screens only when no widget took them; Tab, Escape, the function keys and
/// Ctrl combinations mean nothing in a text field, so they work while typing too.
fn shortcut_key(event: iced::Event, status: event::Status, window: window::Id) -> Option<Message> {
    let iced::Event::Keyboard(keyboard::Event::KeyPressed { key, modifiers, .. }) = event else {
        return None;
    };
    let always = match &key {
        Key::Named(named) => matches!(
            named,
            Named::Tab
                | Named::Escape
                | Named::F1
                | Named::F2
                | Named::F3
                | Named::F4
                | Named::F5
                | Named::F6
                | Named::F7
                | Named::F8
                | Named::F9
                | Named::F10
                | Named::F11
                | Named::F12
        ),
        _ => false,
    } || modifiers.control();
    (always || status == event::Status::Ignored)
        .then_some(Message::WindowKey(window, key, modifiers))
}

/// Input that counts as activity for the idle logout.
fn activity(event: iced::Event, _status: event::Status, window: window::Id) -> Option<Message> {
    match event {
        iced::Event::Mouse(iced::mouse::Event::ButtonPressed(_))
        | iced::Event::Mouse(iced::mouse::Event::WheelScrolled { .. })
        | iced::Event::Touch(_)
        | iced::Event::Keyboard(_) => Some(Message::Activity(window)),
        _ => None,
    }
}

fn operator_window(windowed: bool) -> window::Settings {
    window::Settings {
        size: Size::new(1366.0, 768.0),
        min_size: Some(Size::new(1024.0, 700.0)),
        fullscreen: !windowed,
        decorations: windowed,
        exit_on_close_request: false,
        ..window::Settings::default()
    }
}

fn applicant_window(windowed: bool) -> window::Settings {
    window::Settings {
        size: Size::new(1024.0, 600.0),
        fullscreen: !windowed,
        decorations: windowed,
        exit_on_close_request: false,
        ..window::Settings::default()
    }
}

/// The open store, and what the start-up check of the settings file found.
#[derive(Debug, Clone)]
pub struct Opened {
    db: Db,
    check: SettingsCheck,
}

/// Opens the store off the UI thread; `None` when the station is not set up yet.
fn open_store(paths: Paths) -> Task<Message> {
    Task::perform(
        off_thread("rekam-open-store", move || {
            if !Store::exists(&paths) {
                return Ok(None);
            }
            let mut store = Store::open(&paths, std::sync::Arc::new(SystemClock))?;
            // A settings file changed outside Rekam is audited now and shown once the kiosk is up.
            let check = store.check_device_settings()?;
            let db = Db::start(store).map_err(Failure::other)?;
            Ok(Some(Opened { db, check }))
        }),
        |result| Message::Opened(result.and_then(|r| r)),
    )
}

/// Sets the store to the station's settings on the storage thread: the free-space floor under
/// which new recordings are refused, and (when `purge`, at open) the deletion of biometrics whose
/// acknowledgement is older than the retention. Gives how many requests were purged.
fn configure_store(db: &Db, settings: &DeviceSettings, purge: bool) -> Task<Message> {
    let floor = settings.export.disk_floor_mb;
    let retention = settings.export.retention();
    Task::perform(
        db.call(move |store| {
            store.set_disk_floor_mb(floor);
            if purge {
                return Ok(store.apply_retention(retention)?);
            }
            Ok(0)
        }),
        Message::StoreConfigured,
    )
}

/// Runs the doctor off the UI thread.
fn diagnose(settings: DeviceSettings, mode: StationMode) -> Task<Message> {
    Task::perform(
        off_thread("rekam-doctor", move || {
            crate::devices::doctor::diagnose(&settings, mode)
        }),
        |result| Message::Diagnosed(result.unwrap_or_default()),
    )
}

/// The kiosk as an iced program: what [`run`] runs, and what the end-to-end tests drive in
/// iced_test's emulator.
pub fn program(
    options: Options,
) -> iced::Daemon<impl iced::Program<State = App, Message = Message, Theme = Theme>> {
    iced::daemon(move || App::boot(options.clone()), App::update, App::view)
        .title(App::title)
        .theme(App::theme)
        .subscription(App::subscription)
        .default_font(iced::Font::with_name("Fira Sans"))
}

/// Runs the kiosk.
pub fn run(options: Options) -> anyhow::Result<()> {
    program(options).run()?;
    Ok(())
}

mod view;

#[cfg(test)]
mod tests;

//! The root of the kiosk: the operator's window and the applicant's, the session (who is
//! logged in, idle logout), navigation between screens, global shortcuts and the language.

use std::time::{Duration, Instant};

use iced::keyboard::{self, Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, space, text};
use iced::{Alignment, Element, Length, Size, Subscription, Task, Theme, event, window};

use super::applicant::{self, Guide, Show};
use super::db::{Db, Failure, off_thread};
use super::i18n::Tr;
use super::screen::{
    Action, Nav, close, devices, face, fingers, finish, intake, iris, login, queue, register,
    review, setup, signature, verify,
};
use super::theme::{self, Tone};
use crate::devices::DeviceSettings;
use crate::devices::doctor::Diagnosis;
use crate::devices::live::Backends;
use crate::lang::Lang;
use crate::store::{Paths, Role, Store, SystemClock, User};
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

/// What the preview benchmark counts: views built with a new camera frame (each view is drawn
/// once), from when counting started.
#[derive(Debug, Default)]
struct PreviewCount {
    started: Option<Instant>,
    shown: std::cell::Cell<u64>,
    last: std::cell::Cell<Option<u64>>,
}

/// The preview benchmark lets the camera settle this long, then counts for [`PREVIEW_COUNT`].
const PREVIEW_WARM_UP: Duration = Duration::from_secs(3);
const PREVIEW_COUNT: Duration = Duration::from_secs(5);

/// What every screen may read.
#[derive(Debug)]
pub struct Ctx {
    pub db: Option<Db>,
    pub tr: Tr,
    pub paths: Paths,
    pub settings: DeviceSettings,
    pub backends: Backends,
    pub diagnoses: Vec<Diagnosis>,
    pub user: Option<User>,
    pub fast_devices: bool,
}

impl Ctx {
    pub fn lang(&self) -> Lang {
        self.tr.lang()
    }

    /// The storage handle; screens that need it are only shown once the store is open.
    pub fn db(&self) -> Result<&Db, Failure> {
        self.db
            .as_ref()
            .ok_or_else(|| Failure::internal("the store is not open"))
    }

    /// The storage handle and the logged-in user, which every write needs.
    pub fn storage(&self) -> Result<(Db, User), Failure> {
        Ok((self.db()?.clone(), self.user()?))
    }

    /// The logged-in user (every screen after login has one).
    pub fn user(&self) -> Result<User, Failure> {
        self.user
            .clone()
            .ok_or_else(|| Failure::internal("nobody is logged in"))
    }
}

/// The screen on the operator's window.
#[derive(Debug)]
pub enum Screen {
    Starting,
    Broken(Failure),
    Setup(setup::State),
    Login(login::State),
    Queue(queue::State),
    Intake(intake::State),
    Verify(verify::State),
    Face(face::State),
    Fingers(fingers::State),
    Iris(iris::State),
    Signature(signature::State),
    Review(review::State),
    Finish(finish::State),
    Register(register::State),
    Devices(devices::State),
    Close(close::State),
}

#[derive(Debug, Clone)]
pub enum Message {
    Opened(Result<Option<Db>, Failure>),
    Diagnosed(Vec<Diagnosis>),
    WindowOpened(window::Id),
    /// The size of the operator window's display: the applicant's window goes beyond it.
    OperatorDisplay(Option<Size>),
    CloseRequested(window::Id),
    Key(Key, Modifiers),
    Activity,
    Tick,
    Go(Nav),
    RequestLoaded(Result<Option<RequestView>, Failure>),
    SwitchLanguage,
    ToggleApplicantPanel,
    Satisfaction(applicant::Answer),
    /// A frame was drawn (only listened to for the start-up benchmark).
    Frame,
    SatisfactionStored(Result<(), Failure>),
    Setup(setup::Message),
    Login(login::Message),
    Queue(queue::Message),
    Intake(intake::Message),
    Verify(verify::Message),
    Face(face::Message),
    Fingers(fingers::Message),
    Iris(iris::Message),
    Signature(signature::Message),
    Review(review::Message),
    Finish(finish::Message),
    Register(register::Message),
    Devices(devices::Message),
    Close(close::Message),
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
    /// A satisfaction answer waiting to be stored, with the request it is about.
    satisfaction: Option<(i64, Option<u8>)>,
    options: Options,
    preview_count: PreviewCount,
    booted: Instant,
}

/// Seconds before the idle logout at which the countdown is shown.
const IDLE_WARNING: Duration = Duration::from_secs(60);

impl App {
    /// The state before any window exists, and the tasks that open the windows and the store.
    pub fn boot(options: Options) -> (App, Task<Message>) {
        let settings = DeviceSettings::load(&options.paths.data_dir).unwrap_or_default();
        let lang = options.lang.unwrap_or(settings.kiosk.language);
        let backends = Backends::from_settings(&settings);
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
            satisfaction: None,
            options: options.clone(),
            preview_count: PreviewCount::default(),
            booted: Instant::now(),
        };
        let (id, open) = window::open(operator_window(options.windowed));
        app.operator = Some(id);
        let mut tasks = vec![
            open.map(Message::WindowOpened),
            open_store(options.paths.clone()),
        ];
        // The applicant's window opens once the operator's is up, beside it on the next display
        // (see `operator_opened`).
        app.options.applicant_window |= app.ctx.settings.kiosk.applicant_window;
        tasks.push(diagnose(app.ctx.settings.clone()));
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
            Message::Activity => {
                self.last_activity = Instant::now();
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
            other => self.screen_message(other),
        }
    }

    fn opened(&mut self, result: Result<Option<Db>, Failure>) -> Task<Message> {
        match result {
            Ok(Some(db)) => {
                // Before anyone can record: the disk floor, and the biometrics whose retention
                // has passed are deleted.
                let configure = configure_store(&db, &self.ctx.settings, true);
                self.ctx.db = Some(db);
                if self.options.preview_benchmark {
                    return Task::batch([configure, self.open_preview_benchmark()]);
                }
                self.screen = Screen::Login(login::State::new(&self.ctx));
                Task::batch([configure, login::State::focus().map(Message::Login)])
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

    /// The preview benchmark, every second: start counting after the warm-up, report and quit
    /// after the count.
    fn preview_benchmark_tick(&mut self) -> Task<Message> {
        if self.booted.elapsed() < PREVIEW_WARM_UP {
            return Task::none();
        }
        let count = &mut self.preview_count;
        let Some(started) = count.started else {
            count.started = Some(Instant::now());
            count.shown.set(0);
            return Task::none();
        };
        if started.elapsed() < PREVIEW_COUNT {
            return Task::none();
        }
        let seconds = started.elapsed().as_secs_f64();
        let shown = count.shown.get();
        println!(
            "preview: {shown} camera frames drawn in {seconds:.2} s = {:.1} fps",
            shown as f64 / seconds
        );
        iced::exit()
    }

    /// The preview benchmark: the face screen on the simulated camera, for a request that is
    /// not stored (nothing is saved).
    fn open_preview_benchmark(&mut self) -> Task<Message> {
        self.ctx.backends = Backends::simulated();
        let request = RequestView {
            id: 0,
            ticket: "A-000".into(),
            step: Step::Face,
            service_type: None,
            nik: Some("3313016406086048".into()),
            full_name: Some("BENCHMARK".into()),
            register_number: None,
            outcome_reason: None,
            updated_at: String::new(),
            captures: Vec::new(),
        };
        let (mut state, task) = face::State::new(&self.ctx, request);
        // Keep previewing: no photo is taken by itself.
        let _ = state.update(face::Message::ToggleAuto, &self.ctx);
        self.screen = Screen::Face(state);
        task.map(Message::Face)
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
        if self.options.preview_benchmark {
            return self.preview_benchmark_tick();
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
            (Key::Character(c), true) if modifiers.control() && c.as_str() == "l" => {
                return self.go(Nav::Logout);
            }
            _ => {}
        }
        let message = match &self.screen {
            Screen::Setup(s) => s.shortcut(&key, modifiers).map(Message::Setup),
            Screen::Login(s) => s.shortcut(&key, modifiers).map(Message::Login),
            Screen::Queue(s) => s.shortcut(&key, modifiers).map(Message::Queue),
            Screen::Intake(s) => s.shortcut(&key, modifiers).map(Message::Intake),
            Screen::Verify(s) => s.shortcut(&key, modifiers).map(Message::Verify),
            Screen::Face(s) => s.shortcut(&key, modifiers).map(Message::Face),
            Screen::Fingers(s) => s.shortcut(&key, modifiers).map(Message::Fingers),
            Screen::Iris(s) => s.shortcut(&key, modifiers).map(Message::Iris),
            Screen::Signature(s) => s.shortcut(&key, modifiers).map(Message::Signature),
            Screen::Review(s) => s.shortcut(&key, modifiers).map(Message::Review),
            Screen::Finish(s) => s.shortcut(&key, modifiers).map(Message::Finish),
            Screen::Register(s) => s.shortcut(&key, modifiers).map(Message::Register),
            Screen::Devices(s) => s.shortcut(&key, modifiers).map(Message::Devices),
            Screen::Close(s) => s.shortcut(&key, modifiers).map(Message::Close),
            Screen::Starting | Screen::Broken(_) => None,
        };
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

    /// Routes a screen's message to it and carries out the action it returns.
    fn screen_message(&mut self, message: Message) -> Task<Message> {
        let ctx = &self.ctx;
        macro_rules! route {
            ($variant:ident, $state:expr, $m:expr) => {{
                let action = $state.update($m, ctx);
                self.act(action, Message::$variant)
            }};
        }
        match (&mut self.screen, message) {
            (Screen::Setup(s), Message::Setup(m)) => route!(Setup, s, m),
            (Screen::Login(s), Message::Login(m)) => route!(Login, s, m),
            (Screen::Queue(s), Message::Queue(m)) => route!(Queue, s, m),
            (Screen::Intake(s), Message::Intake(m)) => route!(Intake, s, m),
            (Screen::Verify(s), Message::Verify(m)) => route!(Verify, s, m),
            (Screen::Face(s), Message::Face(m)) => route!(Face, s, m),
            (Screen::Fingers(s), Message::Fingers(m)) => route!(Fingers, s, m),
            (Screen::Iris(s), Message::Iris(m)) => route!(Iris, s, m),
            (Screen::Signature(s), Message::Signature(m)) => route!(Signature, s, m),
            (Screen::Review(s), Message::Review(m)) => route!(Review, s, m),
            (Screen::Finish(s), Message::Finish(m)) => route!(Finish, s, m),
            (Screen::Register(s), Message::Register(m)) => route!(Register, s, m),
            (Screen::Devices(s), Message::Devices(m)) => route!(Devices, s, m),
            (Screen::Close(s), Message::Close(m)) => route!(Close, s, m),
            // A late message for a screen that is gone (a task finishing after navigation).
            _ => Task::none(),
        }
    }

    fn act<M: Send + 'static>(
        &mut self,
        action: Action<M>,
        wrap: fn(M) -> Message,
    ) -> Task<Message> {
        match action {
            Action::None => Task::none(),
            Action::Run(task) => task.map(wrap),
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
                self.screen = Screen::Queue(state);
                task.map(Message::Queue)
            }
            Nav::Register => {
                let (state, task) = register::State::new(&self.ctx);
                self.screen = Screen::Register(state);
                task.map(Message::Register)
            }
            Nav::Devices => {
                let (state, task) = devices::State::new(&self.ctx);
                self.screen = Screen::Devices(state);
                task.map(Message::Devices)
            }
            Nav::Close => {
                let (state, task) = close::State::new(&self.ctx);
                self.screen = Screen::Close(state);
                task.map(Message::Close)
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
                Task::batch([configure, diagnose(self.ctx.settings.clone())])
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
        let ctx = &self.ctx;
        let (screen, task) = match request.step {
            Step::TicketCalled | Step::FileReceived => {
                let (s, t) = intake::State::new(ctx, request);
                (Screen::Intake(s), t.map(Message::Intake))
            }
            Step::RequirementsChecked | Step::Registered | Step::Verified | Step::Validated => {
                let (s, t) = verify::State::new(ctx, request);
                (Screen::Verify(s), t.map(Message::Verify))
            }
            Step::Face => {
                let (s, t) = face::State::new(ctx, request);
                (Screen::Face(s), t.map(Message::Face))
            }
            Step::Fingerprints => {
                let (s, t) = fingers::State::new(ctx, request);
                (Screen::Fingers(s), t.map(Message::Fingers))
            }
            Step::Iris => {
                let (s, t) = iris::State::new(ctx, request);
                (Screen::Iris(s), t.map(Message::Iris))
            }
            Step::Signature => {
                let (s, t) = signature::State::new(ctx, request);
                (Screen::Signature(s), t.map(Message::Signature))
            }
            Step::Review => {
                let (s, t) = review::State::new(ctx, request);
                (Screen::Review(s), t.map(Message::Review))
            }
            Step::Recorded | Step::ProofHandedOver => {
                self.satisfaction = Some((request.id, None));
                let (s, t) = finish::State::new(ctx, request);
                (Screen::Finish(s), t.map(Message::Finish))
            }
            Step::Archived | Step::Returned | Step::Cancelled | Step::Deferred => {
                return self.go(Nav::Queue);
            }
        };
        self.screen = screen;
        task
    }

    fn satisfaction(&mut self, answer: applicant::Answer) -> Task<Message> {
        let Some((request, None)) = self.satisfaction else {
            return Task::none();
        };
        self.satisfaction = Some((request, Some(answer.0)));
        let Ok((db, user)) = self.ctx.storage() else {
            return Task::none();
        };
        Task::perform(
            db.call(move |store| Ok(store.record_satisfaction(&user, request, answer.0)?)),
            Message::SatisfactionStored,
        )
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let screen = match &self.screen {
            Screen::Login(s) => s.subscription(&self.ctx).map(Message::Login),
            Screen::Queue(s) => s.subscription(&self.ctx).map(Message::Queue),
            Screen::Face(s) => s.subscription(&self.ctx).map(Message::Face),
            Screen::Fingers(s) => s.subscription(&self.ctx).map(Message::Fingers),
            Screen::Iris(s) => s.subscription(&self.ctx).map(Message::Iris),
            Screen::Signature(s) => s.subscription(&self.ctx).map(Message::Signature),
            Screen::Devices(s) => s.subscription(&self.ctx).map(Message::Devices),
            _ => Subscription::none(),
        };
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

    /// The applicant's instruction for the current screen.
    pub fn guide(&self) -> Guide {
        let tr = self.ctx.tr;
        let g = match &self.screen {
            Screen::Queue(s) => match s.called_ticket() {
                Some(ticket) => Guide::new(tr.f(
                    "applicant.called",
                    &[("desk", &self.ctx.settings.kiosk.desk)],
                ))
                .show(Show::Ticket(ticket.to_owned())),
                None => Guide::new(tr.t("applicant.welcome")),
            },
            Screen::Login(_) | Screen::Register(_) | Screen::Devices(_) | Screen::Close(_) => {
                Guide::new(tr.t("applicant.welcome"))
            }
            Screen::Intake(s) => s.guide(&self.ctx),
            Screen::Verify(s) => s.guide(&self.ctx),
            Screen::Face(s) => s.guide(&self.ctx),
            Screen::Fingers(s) => s.guide(&self.ctx),
            Screen::Iris(s) => s.guide(&self.ctx),
            Screen::Signature(s) => s.guide(&self.ctx),
            Screen::Review(s) => s.guide(&self.ctx),
            Screen::Finish(s) => s.guide(&self.ctx),
            _ => Guide::new(tr.t("applicant.welcome")),
        };
        match (&g.show, self.satisfaction) {
            (Show::Satisfaction(_), Some((_, answer))) => g.show(Show::Satisfaction(answer)),
            _ => g,
        }
    }

    pub fn view(&self, window: window::Id) -> Element<'_, Message> {
        if Some(window) == self.applicant {
            return self.applicant_view();
        }
        self.operator_view()
    }

    /// Counts the views built with a new camera frame for the preview benchmark.
    fn count_preview(&self) {
        if let Screen::Face(face) = &self.screen
            && self.preview_count.started.is_some()
        {
            let sequence = face.preview_sequence();
            if sequence.is_some() && sequence != self.preview_count.last.get() {
                self.preview_count.last.set(sequence);
                self.preview_count
                    .shown
                    .set(self.preview_count.shown.get() + 1);
            }
        }
    }

    fn applicant_view(&self) -> Element<'_, Message> {
        // The guide is rebuilt per frame; its images are shared handles, cheap to clone.
        let guide = self.guide();
        applicant::view(guide, self.ctx.tr).map(Message::Satisfaction)
    }

    /// The operator's window: top bar, notices, the screen, and the applicant panel on demand.
    pub fn operator_view(&self) -> Element<'_, Message> {
        if self.options.preview_benchmark {
            self.count_preview();
        }
        let tr = self.ctx.tr;
        let body: Element<'_, Message> = match &self.screen {
            Screen::Starting => container(text(tr.t("app.starting")).size(theme::TITLE))
                .center(Length::Fill)
                .into(),
            Screen::Broken(e) => container(
                column![
                    text(tr.t("app.open_failed")).size(theme::TITLE),
                    text(e.text(self.ctx.lang())).size(theme::BODY),
                ]
                .spacing(theme::GAP),
            )
            .center(Length::Fill)
            .into(),
            Screen::Setup(s) => s.view(&self.ctx).map(Message::Setup),
            Screen::Login(s) => s.view(&self.ctx).map(Message::Login),
            Screen::Queue(s) => s.view(&self.ctx).map(Message::Queue),
            Screen::Intake(s) => s.view(&self.ctx).map(Message::Intake),
            Screen::Verify(s) => s.view(&self.ctx).map(Message::Verify),
            Screen::Face(s) => s.view(&self.ctx).map(Message::Face),
            Screen::Fingers(s) => s.view(&self.ctx).map(Message::Fingers),
            Screen::Iris(s) => s.view(&self.ctx).map(Message::Iris),
            Screen::Signature(s) => s.view(&self.ctx).map(Message::Signature),
            Screen::Review(s) => s.view(&self.ctx).map(Message::Review),
            Screen::Finish(s) => s.view(&self.ctx).map(Message::Finish),
            Screen::Register(s) => s.view(&self.ctx).map(Message::Register),
            Screen::Devices(s) => s.view(&self.ctx).map(Message::Devices),
            Screen::Close(s) => s.view(&self.ctx).map(Message::Close),
        };
        let mut page = column![self.top_bar()];
        if let Some(left) = self.idle_left().filter(|l| *l <= IDLE_WARNING) {
            page = page.push(notice_bar(
                Tone::Warning,
                tr.f("app.idle_warning", &[("seconds", &left.as_secs())]),
            ));
        }
        if let Some((tone, message)) = &self.notice {
            page = page.push(notice_bar(*tone, message.clone()));
        }
        let content = container(body).padding(theme::GAP).height(Length::Fill);
        if self.panel && self.applicant.is_none() {
            let panel = container(self.applicant_view())
                .style(theme::panel)
                .width(Length::FillPortion(2))
                .height(Length::Fill);
            page.push(row![content.width(Length::FillPortion(3)), panel])
                .into()
        } else {
            page.push(content).into()
        }
    }

    fn top_bar(&self) -> Element<'_, Message> {
        let tr = self.ctx.tr;
        let station = self.ctx.db.as_ref().map(|db| {
            let s = db.station();
            text(tr.f(
                "app.station",
                &[("kecamatan", &s.kecamatan_name), ("station", &s.station_id)],
            ))
            .size(theme::BODY)
        });
        let bar_button = |label: String, message: Message| {
            button(text(label).size(theme::SMALL))
                .on_press(message)
                .padding([8, 12])
                .style(button::secondary)
        };
        let mut bar = row![text(tr.t("app.brand")).size(theme::HEADING)]
            .push(station)
            .push(space::horizontal())
            .spacing(theme::GAP)
            .align_y(Alignment::Center);
        if let Some(user) = &self.ctx.user {
            let role = match user.role {
                Role::Operator => tr.t("app.role_operator"),
                Role::Supervisor => tr.t("app.role_supervisor"),
            };
            bar = bar
                .push(bar_button(tr.t("app.nav_queue"), Message::Go(Nav::Queue)))
                .push(bar_button(
                    tr.t("app.nav_register"),
                    Message::Go(Nav::Register),
                ))
                .push(bar_button(
                    tr.t("app.nav_devices"),
                    Message::Go(Nav::Devices),
                ))
                .push(
                    text(tr.f("app.user", &[("name", &user.full_name), ("role", &role)]))
                        .size(theme::SMALL),
                )
                .push(bar_button(tr.t("app.logout"), Message::Go(Nav::Logout)));
        }
        if self.applicant.is_none() {
            bar = bar.push(bar_button(
                tr.t("app.nav_applicant_panel"),
                Message::ToggleApplicantPanel,
            ));
        }
        bar = bar.push(bar_button(
            tr.t("app.nav_language"),
            Message::SwitchLanguage,
        ));
        container(bar)
            .padding([10, 16])
            .width(Length::Fill)
            .style(theme::top_bar)
            .into()
    }
}

fn notice_bar<'a>(tone: Tone, message: String) -> Element<'a, Message> {
    container(text(message).size(theme::BODY))
        .padding([10, 16])
        .width(Length::Fill)
        .style(theme::banner(tone))
        .into()
}

/// Key presses the kiosk acts on. Keys a focused text field uses (letters, space, Enter to
/// submit) reach the screens only when no widget took them; Tab, Escape, the function keys and
/// Ctrl combinations mean nothing in a text field, so they work while typing too.
fn shortcut_key(event: iced::Event, status: event::Status, _window: window::Id) -> Option<Message> {
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
    (always || status == event::Status::Ignored).then_some(Message::Key(key, modifiers))
}

/// Input that counts as activity for the idle logout.
fn activity(event: iced::Event, _status: event::Status, _window: window::Id) -> Option<Message> {
    match event {
        iced::Event::Mouse(iced::mouse::Event::ButtonPressed(_))
        | iced::Event::Mouse(iced::mouse::Event::WheelScrolled { .. })
        | iced::Event::Touch(_)
        | iced::Event::Keyboard(_) => Some(Message::Activity),
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

/// Opens the store off the UI thread; `None` when the station is not set up yet.
fn open_store(paths: Paths) -> Task<Message> {
    Task::perform(
        off_thread("rekam-open-store", move || {
            if !Store::exists(&paths) {
                return Ok(None);
            }
            let store = Store::open(&paths, std::sync::Arc::new(SystemClock))?;
            Ok(Some(Db::start(store).map_err(Failure::other)?))
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
fn diagnose(settings: DeviceSettings) -> Task<Message> {
    Task::perform(
        off_thread("rekam-doctor", move || {
            crate::devices::doctor::diagnose(&settings)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::Mode;
    use crate::ui::screen::testing::{Fixture, run, simulator};

    /// An app on the fixture's station, logged in as the operator, at the queue.
    fn app(f: Fixture) -> (App, Fixture) {
        let options = Options {
            paths: f.ctx.paths.clone(),
            windowed: true,
            lang: Some(Lang::Id),
            applicant_window: false,
            fast_devices: true,
            exit_at_login: false,
            preview_benchmark: false,
        };
        let (mut app, _) = App::boot(options);
        app.ctx.db = f.ctx.db.clone();
        app.ctx.backends = Backends::simulated();
        let _ = app.go(Nav::LoggedIn(f.operator.clone()));
        (app, f)
    }

    #[test]
    fn global_keys_switch_language_navigate_and_log_out() {
        let (mut app, _f) = app(Fixture::new());
        assert!(matches!(app.screen, Screen::Queue(_)));
        let _ = app.update(Message::Key(Key::Named(Named::F2), Modifiers::empty()));
        assert_eq!(app.ctx.lang(), Lang::En);
        let _ = app.update(Message::Key(Key::Named(Named::F9), Modifiers::empty()));
        assert!(matches!(app.screen, Screen::Devices(_)));
        let _ = app.update(Message::Key(Key::Named(Named::F8), Modifiers::empty()));
        assert!(matches!(app.screen, Screen::Register(_)));
        let _ = app.update(Message::Key(Key::Named(Named::F12), Modifiers::empty()));
        assert!(app.panel, "the applicant panel is shown");
        let _ = app.update(Message::Key(Key::Character("l".into()), Modifiers::CTRL));
        assert!(app.ctx.user.is_none());
        assert!(matches!(app.screen, Screen::Login(_)));
        // Logged out, the navigation keys do nothing.
        let _ = app.update(Message::Key(Key::Named(Named::F8), Modifiers::empty()));
        assert!(matches!(app.screen, Screen::Login(_)));
    }

    #[test]
    fn idle_time_warns_then_logs_out() {
        let (mut app, _f) = app(Fixture::new());
        let limit = Duration::from_secs(u64::from(app.ctx.settings.kiosk.idle_logout_minutes) * 60);
        app.last_activity = Instant::now() - limit + Duration::from_secs(30);
        let _ = app.update(Message::Tick);
        assert!(
            app.ctx.user.is_some(),
            "still logged in during the countdown"
        );
        let left = app.idle_left().expect("a countdown");
        assert!(left <= IDLE_WARNING && left > Duration::ZERO);
        // Activity resets the countdown.
        let _ = app.update(Message::Activity);
        assert!(app.idle_left().expect("countdown") > IDLE_WARNING);
        app.last_activity = Instant::now() - limit;
        let _ = app.update(Message::Tick);
        assert!(app.ctx.user.is_none(), "logged out");
        assert!(matches!(app.screen, Screen::Login(_)));
        assert!(app.notice.is_some(), "the login screen says why");
    }

    #[test]
    fn the_applicant_window_opens_beside_the_operator_display() {
        let (mut app, _f) = app(Fixture::new());
        assert!(app.applicant.is_none());
        let operator = app.operator.expect("operator window");
        // Not asked for: nothing opens.
        let _ = app.update(Message::WindowOpened(operator));
        assert!(app.applicant.is_none());
        app.options.applicant_window = true;
        let _ = app.update(Message::OperatorDisplay(Some(Size::new(1366.0, 768.0))));
        let applicant = app.applicant.expect("the applicant window is opening");
        assert_ne!(applicant, operator);
        // Its view is the applicant's guide, not the operator's screen.
        assert_eq!(
            app.title(applicant),
            "Rekam: Perekaman KTP-el · Layar pemohon"
        );
        // Opened once.
        let _ = app.update(Message::OperatorDisplay(Some(Size::new(1366.0, 768.0))));
        assert_eq!(app.applicant, Some(applicant));
    }

    #[test]
    fn the_operator_window_cannot_be_closed_in_kiosk_mode() {
        let (mut app, _f) = app(Fixture::new());
        app.options.windowed = false;
        let id = app.operator.expect("operator window");
        let _ = app.update(Message::CloseRequested(id));
        // Still there: the state is unchanged and nobody was logged out.
        assert!(app.ctx.user.is_some());
    }

    #[test]
    fn f10_opens_the_close_of_the_day_from_any_screen() {
        let (mut app, f) = app(Fixture::new());
        let _ = app.update(Message::Key(Key::Named(Named::F10), Modifiers::empty()));
        assert!(matches!(app.screen, Screen::Close(_)));
        // The operator is told who may close the day.
        let mut ui = simulator(app.operator_view());
        assert!(
            ui.find(app.ctx.tr.t("close.supervisor_only").as_str())
                .is_ok()
        );
        drop(ui);
        // Also from the intake screen, whose F7 stays its sample data.
        let request = f.request_at(1, Step::TicketCalled);
        let (intake, _) = intake::State::new(&app.ctx, request);
        app.screen = Screen::Intake(intake);
        let _ = app.update(Message::Key(Key::Named(Named::F10), Modifiers::empty()));
        assert!(matches!(app.screen, Screen::Close(_)));
        // A supervisor also gets there from the register's day view.
        let _ = app.go(Nav::LoggedIn(f.supervisor.clone()));
        let _ = app.go(Nav::Register);
        let _ = app.update(Message::Register(register::Message::CloseDay));
        assert!(matches!(app.screen, Screen::Close(_)));
    }

    #[test]
    fn the_store_gets_the_disk_floor_at_open_and_with_new_settings() {
        let f = Fixture::new();
        let db = f.ctx.db.clone().expect("db");
        let (mut app, _) = App::boot(Options {
            paths: f.ctx.paths.clone(),
            windowed: true,
            lang: Some(Lang::Id),
            applicant_window: false,
            fast_devices: true,
            exit_at_login: false,
            preview_benchmark: false,
        });
        let floor = |f: &Fixture| f.store(|s| Ok(s.disk_space()?.floor_mb));
        assert_eq!(floor(&f), 0, "the store starts without a floor");
        let messages = run(app.update(Message::Opened(Ok(Some(db)))));
        assert!(
            messages
                .iter()
                .any(|m| matches!(m, Message::StoreConfigured(Ok(0)))),
            "{messages:?}"
        );
        assert_eq!(floor(&f), app.ctx.settings.export.disk_floor_mb);
        assert!(matches!(app.screen, Screen::Login(_)));

        let mut settings = app.ctx.settings.clone();
        settings.export.disk_floor_mb = 1234;
        for mode in [
            &mut settings.fingerprint.mode,
            &mut settings.face_camera.mode,
            &mut settings.iris_camera.mode,
            &mut settings.smartcard.mode,
            &mut settings.signature_pad.mode,
        ] {
            *mode = Mode::Simulated;
        }
        let messages = run(app.go(Nav::ApplySettings(Box::new(settings))));
        assert!(
            messages
                .iter()
                .any(|m| matches!(m, Message::StoreConfigured(Ok(0)))),
            "{messages:?}"
        );
        assert_eq!(floor(&f), 1234);
    }
}

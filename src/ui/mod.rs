//! The kiosk: the only part of Rekam that uses iced.
//!
//! [`app`] is the root: two windows (the operator's and the applicant's), the session, the
//! navigation between screens and the global shortcuts. Each step of the procedure is a module
//! under [`screen`] with its own state, messages, update and view; [`applicant`] draws the
//! applicant's window from what the current screen asks of the applicant. Storage runs on its
//! own thread ([`db`]); devices run on their drivers' threads and arrive as subscriptions
//! ([`device`]). Every visible string comes from [`i18n`].

pub mod app;
pub mod applicant;
pub mod benchmark;
pub mod ctx;
pub mod db;
pub mod device;
pub mod i18n;
pub mod screen;
pub mod theme;
pub mod widget;

pub use app::{App, Message, Options, program};

/// Runs the kiosk until the operator quits (or the session ends, in kiosk mode, never).
pub fn run(options: Options) -> anyhow::Result<()> {
    app::run(options)
}

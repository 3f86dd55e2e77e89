//! The screens of the procedure, one module each. A screen owns its state and messages;
//! `update` returns an [`Action`] that the root carries out (run a task, or go somewhere).
//!
//! Every screen has the same shape (a `State` and a `Message`, and these methods on `State`):
//! ```text
//! pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message>
//! pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message>
//! pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message>   (devices, timers)
//! pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message>
//! pub fn guide(&self, ctx: &Ctx) -> Guide                             (the applicant's window)
//! ```
//! and is registered once, in the [`screens!`] list at the end of this file, which makes the
//! [`Screen`] the root shows and the [`Message`] that reaches it. The root decides only when a
//! screen opens (navigation).

use iced::keyboard::{Key, Modifiers};
use iced::{Element, Subscription, Task};

use crate::store::User;
use crate::ui::applicant::Guide;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;

pub mod capture;
pub mod close;
pub mod devices;
pub mod face;
pub mod fingers;
pub mod finish;
pub mod intake;
pub mod iris;
pub mod login;
pub mod queue;
pub mod register;
pub mod review;
pub mod setup;
pub mod signature;
pub mod users;
pub mod verify;

#[cfg(test)]
pub(crate) mod testing;

impl<M: Send + 'static> Action<M> {
    /// The same action for a wrapping message.
    pub fn map<N: Send + 'static>(self, wrap: fn(M) -> N) -> Action<N> {
        match self {
            Action::None => Action::None,
            Action::Run(task) => Action::Run(task.map(wrap)),
            Action::Go(nav) => Action::Go(nav),
        }
    }
}

/// Registers the screens: the [`Screen`] enum (with `Starting` and `Broken` before any screen
/// can be shown), the [`Message`] enum, and the dispatch of every screen method to the screen
/// shown.
macro_rules! screens {
    ($($name:ident => $module:ident),+ $(,)?) => {
        /// The screen on the operator's window.
        // One screen exists at a time, held by the root: the variants' sizes do not add up.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug)]
        pub enum Screen {
            /// The store is being opened.
            Starting,
            /// The store could not be opened, and why.
            Broken(Failure),
            $($name($module::State),)+
        }

        /// A message for a screen.
        #[derive(Debug, Clone)]
        pub enum Message {
            $($name($module::Message),)+
        }

        impl Screen {
            /// Gives `message` to its screen; a late message for a screen that is gone (a task
            /// finishing after navigation) is dropped.
            pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
                match (self, message) {
                    $((Screen::$name(s), Message::$name(m)) => s.update(m, ctx).map(Message::$name),)+
                    _ => Action::None,
                }
            }

            /// The screen's view; `None` before a screen is shown.
            pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Option<Element<'a, Message>> {
                match self {
                    $(Screen::$name(s) => Some(s.view(ctx).map(Message::$name)),)+
                    Screen::Starting | Screen::Broken(_) => None,
                }
            }

            pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
                match self {
                    $(Screen::$name(s) => s.subscription(ctx).map(Message::$name),)+
                    Screen::Starting | Screen::Broken(_) => Subscription::none(),
                }
            }

            pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message> {
                match self {
                    $(Screen::$name(s) => s.shortcut(key, modifiers).map(Message::$name),)+
                    Screen::Starting | Screen::Broken(_) => None,
                }
            }

            /// What the applicant is asked to do; `None` before a screen is shown.
            pub fn guide(&self, ctx: &Ctx) -> Option<Guide> {
                match self {
                    $(Screen::$name(s) => Some(s.guide(ctx)),)+
                    Screen::Starting | Screen::Broken(_) => None,
                }
            }
        }
    };
}

screens! {
    Setup => setup,
    Login => login,
    Queue => queue,
    Intake => intake,
    Verify => verify,
    Face => face,
    Fingers => fingers,
    Iris => iris,
    Signature => signature,
    Review => review,
    Finish => finish,
    Register => register,
    Devices => devices,
    Close => close,
    Users => users,
}

/// The applicant's screen on a screen that asks nothing of the applicant.
pub fn welcome(ctx: &Ctx) -> Guide {
    Guide::new(ctx.tr.t("applicant.welcome"))
}

/// What a screen asks of the root after an update.
#[derive(Debug)]
pub enum Action<M> {
    None,
    /// Run this task; its messages come back to the screen.
    Run(Task<M>),
    /// Leave the screen.
    Go(Nav),
}

/// Where to go next.
#[derive(Debug, Clone)]
pub enum Nav {
    /// The station was set up; log in.
    SetUp,
    /// Someone logged in.
    LoggedIn(User),
    Logout,
    Queue,
    /// Open a request at the screen for its current step (also used to resume).
    Request(i64),
    Register,
    Devices,
    /// User administration (supervisors).
    Users,
    /// The supervisor's close of the day: open items, close, export, acknowledgement.
    Close,
    /// The operator changed the station's settings (already saved); the root applies them.
    ApplySettings(Box<crate::devices::DeviceSettings>),
}

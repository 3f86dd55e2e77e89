//! The screens of the procedure, one module each. A screen owns its state and messages;
//! `update` returns an [`Action`] that the root carries out (run a task, or go somewhere).
//!
//! The common shape:
//! ```text
//! pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message>
//! pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message>
//! pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message>   (devices, timers)
//! pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message>
//! pub fn guide(&self, ctx: &Ctx) -> Guide                             (the applicant's window)
//! ```

use iced::Task;

use crate::store::User;

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
pub mod verify;

#[cfg(test)]
pub(crate) mod testing;

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
    /// The supervisor's close of the day: open items, close, export, acknowledgement.
    Close,
    /// The operator changed the station's settings (already saved); the root applies them.
    ApplySettings(Box<crate::devices::DeviceSettings>),
}

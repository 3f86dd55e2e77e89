//! Exceptions per finger: the shared exception form opened for the selected finger, the
//! exception stored, and a slap left when every finger of it is excepted.

use iced::Task;
use rekam_fingerprint::worker::ScanCommand;

use super::{Action, Excepting, Message, Notice, State};
use crate::capture::session::{Attempt, SlapGate};
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::widget::exception;
use crate::workflow::{CaptureContent, CaptureInput, ExceptionKind, Modality, Recorded};

/// The id of the exception reason field.
const REASON: &str = "fingers-reason";

impl State {
    pub(super) fn open_exception(&mut self) -> Action<Message> {
        if self.busy() || self.form.is_some() {
            return Action::None;
        }
        let form = exception::Form::new(REASON, ExceptionKind::Missing);
        let focus = form.focus();
        self.form = Some(Excepting {
            position: self.selected,
            form,
        });
        Action::Run(focus)
    }

    pub(super) fn exception(&mut self, message: exception::Message, ctx: &Ctx) -> Action<Message> {
        let Some(open) = &mut self.form else {
            return Action::None;
        };
        match open.form.update(message) {
            Some(exception::Request::Save) => self.save_exception(ctx),
            Some(exception::Request::Close) => {
                self.form = None;
                Action::None
            }
            None => Action::None,
        }
    }

    fn save_exception(&mut self, ctx: &Ctx) -> Action<Message> {
        // An attempt being stored now would supersede the exception of its finger: wait.
        if self.busy() {
            return Action::None;
        }
        let Some(open) = &mut self.form else {
            return Action::None;
        };
        let Some((kind, reason)) = open.form.submit() else {
            return Action::None;
        };
        let position = open.position;
        let input = CaptureInput {
            modality: Modality::Finger,
            position,
            content: CaptureContent::Exception {
                kind,
                reason: reason.clone(),
            },
        };
        let attempt = Attempt::of(self.request.id, Modality::Finger, vec![input]);
        Action::Run(Task::perform(
            ctx.write(move |store, user| Ok(store.record_attempt(user, &attempt)?)),
            move |result| Message::ExceptionSaved(position, kind, reason.clone(), result),
        ))
    }

    pub(super) fn exception_saved(
        &mut self,
        position: u8,
        kind: ExceptionKind,
        reason: String,
        result: Result<Recorded, Failure>,
        ctx: &Ctx,
    ) -> Action<Message> {
        if let Err(e) = result {
            self.notice = Some(Notice::Failure(e));
            return Action::None;
        }
        self.form = None;
        self.taken.remove(&position);
        self.exceptions.insert(position, (kind, reason));
        // The current slap no longer expects the finger: its attempts stand for the others.
        let excepted = self.excepted();
        if let Some(session) = &mut self.session {
            let gate = session.gate_mut();
            *gate = SlapGate::new(gate.mode, &excepted);
        }
        // The whole slap excepted: nothing left to scan in it.
        if self.mode().is_some() && self.expected().is_empty() && !self.busy() {
            if self.scanning()
                && let Some(sender) = &self.sender
            {
                let _ = sender.send(ScanCommand::Cancel);
            }
            return self.next_slap(ctx);
        }
        Action::None
    }
}

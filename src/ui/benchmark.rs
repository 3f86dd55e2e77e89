//! The kiosk's own benchmark hooks, for `benches/kiosk.rs` (results in docs/PERFORMANCE.md):
//! hidden command-line options that make the real program measure itself.
//!
//! - Start-up (`--exit-at-login`): the program quits as soon as the login screen was drawn;
//!   the benchmark times the whole process.
//! - Preview (`--preview-benchmark`): the face screen opens on the simulated camera for a request
//!   that is not stored, automatic capture off; after a warm-up the views built with a new camera
//!   frame are counted (each view is drawn once) and the rate is printed, then it quits.

use std::cell::Cell;
use std::time::{Duration, Instant};

use iced::Task;

use crate::devices::live::Backends;
use crate::ui::ctx::Ctx;
use crate::ui::screen::{Screen, face};
use crate::workflow::{RequestView, Step};

/// The preview benchmark lets the camera settle this long, then counts for [`COUNT`].
const WARM_UP: Duration = Duration::from_secs(3);
const COUNT: Duration = Duration::from_secs(5);

/// What the preview benchmark counts: views built with a new camera frame, from when counting
/// started.
#[derive(Debug)]
pub struct Preview {
    booted: Instant,
    started: Option<Instant>,
    shown: Cell<u64>,
    last: Cell<Option<u64>>,
}

impl Preview {
    pub fn new() -> Preview {
        Preview {
            booted: Instant::now(),
            started: None,
            shown: Cell::new(0),
            last: Cell::new(None),
        }
    }

    /// The face screen on the simulated camera for a request that is not stored (nothing is
    /// saved), previewing without taking a photo.
    pub fn open(ctx: &mut Ctx) -> (Screen, Task<face::Message>) {
        ctx.backends = Backends::simulated();
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
        let (mut state, task) = face::State::new(ctx, request);
        // Keep previewing: no photo is taken by itself.
        let _ = state.update(face::Message::ToggleAuto, ctx);
        (Screen::Face(state), task)
    }

    /// Every second: starts counting after the warm-up; reports and asks to quit after the count.
    pub fn tick(&mut self) -> bool {
        if self.booted.elapsed() < WARM_UP {
            return false;
        }
        let Some(started) = self.started else {
            self.started = Some(Instant::now());
            self.shown.set(0);
            return false;
        };
        if started.elapsed() < COUNT {
            return false;
        }
        let seconds = started.elapsed().as_secs_f64();
        let shown = self.shown.get();
        println!(
            "preview: {shown} camera frames drawn in {seconds:.2} s = {:.1} fps",
            shown as f64 / seconds
        );
        true
    }

    /// A view is being built: counted when it shows a camera frame not shown before.
    pub fn count(&self, screen: &Screen) {
        if let Screen::Face(face) = screen
            && self.started.is_some()
        {
            let sequence = face.preview_sequence();
            if sequence.is_some() && sequence != self.last.get() {
                self.last.set(sequence);
                self.shown.set(self.shown.get() + 1);
            }
        }
    }
}

impl Default for Preview {
    fn default() -> Self {
        Preview::new()
    }
}

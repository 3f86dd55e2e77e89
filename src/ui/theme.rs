//! The look of the kiosk: one high-contrast light theme, the text sizes, and one style
//! function per widget class that the stock styles do not cover.
//!
//! Sizes are chosen for a desk: nothing below [`SMALL`] (15 px, above the 14 px floor), body
//! text at [`BODY`], controls at least [`CONTROL_HEIGHT`] tall for a finger on a touch screen.

use iced::widget::{button, container, text};
use iced::{Background, Border, Color, Shadow, Theme, color};

/// Smallest text anywhere (hints, shortcut labels).
pub const SMALL: f32 = 15.0;
/// Body text and inputs.
pub const BODY: f32 = 18.0;
/// Section headings.
pub const HEADING: f32 = 24.0;
/// Screen titles.
pub const TITLE: f32 = 30.0;
/// The ticket number being called, the applicant window's instruction.
pub const HUGE: f32 = 56.0;
/// Height of buttons and inputs.
pub const CONTROL_HEIGHT: f32 = 48.0;
/// Padding inside buttons.
pub const BUTTON_PADDING: [u16; 2] = [12, 20];
/// Space between blocks.
pub const GAP: f32 = 16.0;

pub const INK: Color = color!(0x111418);
pub const MUTED: Color = color!(0x3d4650);
pub const PRIMARY: Color = color!(0x0b4f9c);
pub const SUCCESS: Color = color!(0x1b6e2f);
pub const WARNING: Color = color!(0x8a5a00);
pub const DANGER: Color = color!(0xb3261e);
pub const SURFACE: Color = color!(0xf3f5f8);
pub const LINE: Color = color!(0xc5ccd6);

/// The kiosk's theme: dark text on white, saturated accents that keep 4.5:1 contrast on white.
pub fn kiosk() -> Theme {
    Theme::custom(
        "Rekam",
        iced::theme::Palette {
            background: Color::WHITE,
            text: INK,
            primary: PRIMARY,
            success: SUCCESS,
            warning: WARNING,
            danger: DANGER,
        },
    )
}

/// A panel: light surface, thin border, rounded.
pub fn panel(_theme: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(SURFACE)),
        border: Border {
            color: LINE,
            width: 1.0,
            radius: 8.0.into(),
        },
        text_color: Some(INK),
        ..container::Style::default()
    }
}

/// A panel that has the keyboard's attention.
pub fn selected_panel(theme: &Theme) -> container::Style {
    container::Style {
        border: Border {
            color: PRIMARY,
            width: 3.0,
            radius: 8.0.into(),
        },
        ..panel(theme)
    }
}

/// The top bar of the operator window.
pub fn top_bar(_theme: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(PRIMARY)),
        text_color: Some(Color::WHITE),
        ..container::Style::default()
    }
}

/// A banner in a tone: a device problem, a warning, a success message.
pub fn banner(tone: Tone) -> impl Fn(&Theme) -> container::Style {
    move |_theme| {
        let (fg, bg) = tone.colors();
        container::Style {
            background: Some(Background::Color(bg)),
            border: Border {
                color: fg,
                width: 2.0,
                radius: 6.0.into(),
            },
            text_color: Some(fg),
            shadow: Shadow::default(),
            ..container::Style::default()
        }
    }
}

/// How a message or a state should be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Good,
    Warning,
    Bad,
}

impl Tone {
    /// Text and background colours of the tone.
    pub fn colors(self) -> (Color, Color) {
        match self {
            Tone::Info => (PRIMARY, color!(0xe6eefa)),
            Tone::Good => (SUCCESS, color!(0xe5f3e8)),
            Tone::Warning => (WARNING, color!(0xfff3d6)),
            Tone::Bad => (DANGER, color!(0xfbe6e4)),
        }
    }
}

/// Text in the colour of a tone.
pub fn tone_text(tone: Tone) -> impl Fn(&Theme) -> text::Style {
    move |_theme| text::Style {
        color: Some(tone.colors().0),
    }
}

/// Muted text for hints and shortcut labels.
pub fn muted(_theme: &Theme) -> text::Style {
    text::Style { color: Some(MUTED) }
}

/// A step in the progress strip: done, current or to come.
pub fn step_chip(state: ChipState) -> impl Fn(&Theme) -> container::Style {
    move |_theme| {
        let (fg, bg) = match state {
            ChipState::Done => (Color::WHITE, SUCCESS),
            ChipState::Current => (Color::WHITE, PRIMARY),
            ChipState::Later => (MUTED, SURFACE),
        };
        container::Style {
            background: Some(Background::Color(bg)),
            text_color: Some(fg),
            border: Border {
                color: LINE,
                width: 1.0,
                radius: 14.0.into(),
            },
            ..container::Style::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipState {
    Done,
    Current,
    Later,
}

/// A selectable row (the queue list, the register book): highlighted when selected.
pub fn row_button(selected: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |theme, status| {
        let base = button::text(theme, status);
        let bg = match (selected, status) {
            (true, _) => color!(0xd6e4f7),
            (false, button::Status::Hovered) => SURFACE,
            _ => Color::WHITE,
        };
        button::Style {
            background: Some(Background::Color(bg)),
            text_color: INK,
            border: Border {
                color: if selected { PRIMARY } else { LINE },
                width: 1.0,
                radius: 4.0.into(),
            },
            ..base
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Readable at a desk: no text smaller than 14 px anywhere. The sizes come from the
    /// constants above; a literal size in a view must not go under the floor either.
    #[test]
    fn no_text_is_smaller_than_14_px() {
        for size in [SMALL, BODY, HEADING, TITLE, HUGE] {
            assert!(size >= 14.0, "{size}");
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
        let mut stack = vec![root];
        let mut offenders = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).expect("readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let source = std::fs::read_to_string(&path).expect("source");
                for (n, line) in source.lines().enumerate() {
                    for call in [".size(", ".text_size(", "size: "] {
                        let Some(at) = line.find(call) else { continue };
                        let arg: String = line[at + call.len()..]
                            .chars()
                            .take_while(|c| c.is_ascii_digit() || *c == '.')
                            .collect();
                        if let Ok(px) = arg.parse::<f32>()
                            && px < 14.0
                        {
                            offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "text under 14 px:\n{}",
            offenders.join("\n")
        );
    }
}

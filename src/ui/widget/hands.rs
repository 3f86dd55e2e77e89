//! The hand diagram: both hands palm down as the applicant sees them on the scanner, the fingers
//! to put down now highlighted, fingers already taken in green, exceptions crossed.

use iced::widget::canvas::{self, Frame, Path, Stroke, Text};
use iced::{Color, Element, Length, Point, Rectangle, Renderer, Size, Theme, mouse};

use crate::ui::theme;

/// How a finger is marked on the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Done,
    Exception,
}

/// The diagram with `now` highlighted and `marks` per ISO position (1-10).
pub fn view<'a, M: 'a>(now: Vec<u8>, marks: &[(u8, Mark)]) -> Element<'a, M> {
    iced::widget::canvas(Hands {
        now,
        marks: marks.to_vec(),
    })
    .width(Length::Fixed(520.0))
    .height(Length::Fixed(240.0))
    .into()
}

#[derive(Debug)]
struct Hands {
    now: Vec<u8>,
    marks: Vec<(u8, Mark)>,
}

/// Finger tips relative to a hand's palm centre, thumb to little finger, for the right hand
/// seen from above (palm down); the left hand is its mirror image.
const TIPS: [(f32, f32, f32); 5] = [
    // (dx, dy, length)
    (-0.95, 0.05, 0.55),
    (-0.45, -0.95, 0.75),
    (0.0, -1.05, 0.85),
    (0.42, -0.95, 0.78),
    (0.8, -0.7, 0.6),
];

impl<M> canvas::Program<M> for Hands {
    type State = ();

    fn draw(
        &self,
        _state: &(),
        renderer: &Renderer,
        _theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<canvas::Geometry> {
        let mut frame = Frame::new(renderer, bounds.size());
        let unit = (bounds.width / 4.2).min(bounds.height / 2.6);
        // Left hand on the left of the picture (positions 6-10), right hand on the right (1-5);
        // thumbs towards the middle.
        for (hand, cx, mirror) in [(1u8, 0.75f32, 1.0f32), (0u8, 0.25, -1.0)] {
            let palm = Point::new(bounds.width * cx, bounds.height * 0.68);
            frame.fill(
                &Path::circle(palm, unit * 0.55),
                Color::from_rgb8(0xe8, 0xd5, 0xc4),
            );
            for (digit, (dx, dy, len)) in TIPS.iter().enumerate() {
                // ISO 19794-4: 1 right thumb .. 5 right little, 6 left thumb .. 10 left little.
                let position = if hand == 1 { 1 + digit } else { 6 + digit } as u8;
                // The right hand's thumb points left (towards the middle); the left hand mirrors it.
                let dx = dx * mirror;
                let base = Point::new(palm.x + dx * unit * 0.45, palm.y + dy * unit * 0.4);
                let tip = Point::new(base.x + dx * unit * len * 0.6, base.y + dy * unit * len);
                let colour = if self.now.contains(&position) {
                    theme::PRIMARY
                } else {
                    match self.marks.iter().find(|(p, _)| *p == position) {
                        Some((_, Mark::Done)) => theme::SUCCESS,
                        Some((_, Mark::Exception)) => theme::DANGER,
                        None => Color::from_rgb8(0xd9, 0xc2, 0xad),
                    }
                };
                frame.stroke(
                    &Path::line(base, tip),
                    Stroke::default()
                        .with_width(unit * 0.26)
                        .with_color(colour)
                        .with_line_cap(canvas::LineCap::Round),
                );
                if self.marks.contains(&(position, Mark::Exception)) {
                    let d = unit * 0.15;
                    for (a, b) in [((-d, -d), (d, d)), ((-d, d), (d, -d))] {
                        frame.stroke(
                            &Path::line(
                                Point::new(tip.x + a.0, tip.y + a.1),
                                Point::new(tip.x + b.0, tip.y + b.1),
                            ),
                            Stroke::default().with_width(3.0).with_color(Color::WHITE),
                        );
                    }
                }
                frame.fill_text(Text {
                    content: position.to_string(),
                    position: Point::new(tip.x - 5.0, tip.y - unit * 0.45),
                    size: theme::SMALL.into(),
                    color: theme::INK,
                    ..Text::default()
                });
            }
        }
        let _ = Size::ZERO;
        vec![frame.into_geometry()]
    }
}

//! The signature canvas: the strokes as the pad reports them, scaled to fit, drawn on both the
//! operator's and the applicant's windows while the applicant signs.

use std::sync::Arc;

use iced::widget::canvas::{self, Frame, Path, Stroke};
use iced::{Color, Element, Length, Point, Rectangle, Renderer, Theme, mouse};

use crate::ui::theme;

/// Strokes in pad units (x right, y down) and the pad's extent. Shared: views clone it cheaply.
#[derive(Debug, Clone, Default)]
pub struct Drawing {
    pub strokes: Arc<Vec<Vec<(f32, f32)>>>,
    pub max_x: f32,
    pub max_y: f32,
}

impl Drawing {
    pub fn is_empty(&self) -> bool {
        self.strokes.iter().all(Vec::is_empty)
    }
}

pub fn view<'a, M: 'a>(drawing: Drawing) -> Element<'a, M> {
    let aspect = if drawing.max_x > 0.0 && drawing.max_y > 0.0 {
        drawing.max_y / drawing.max_x
    } else {
        0.4
    };
    iced::widget::canvas(Canvas(drawing))
        .width(Length::Fixed(720.0))
        .height(Length::Fixed(720.0 * aspect))
        .into()
}

#[derive(Debug)]
struct Canvas(Drawing);

impl<M> canvas::Program<M> for Canvas {
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
        frame.fill_rectangle(Point::ORIGIN, bounds.size(), Color::WHITE);
        frame.stroke(
            &Path::rectangle(Point::ORIGIN, bounds.size()),
            Stroke::default().with_width(2.0).with_color(theme::LINE),
        );
        // The signing line, as printed on paper forms.
        let y = bounds.height * 0.8;
        frame.stroke(
            &Path::line(Point::new(20.0, y), Point::new(bounds.width - 20.0, y)),
            Stroke::default().with_width(1.0).with_color(theme::LINE),
        );
        let d = &self.0;
        if d.max_x > 0.0 && d.max_y > 0.0 {
            let sx = bounds.width / d.max_x;
            let sy = bounds.height / d.max_y;
            let s = sx.min(sy);
            for stroke in d.strokes.iter() {
                let path = Path::new(|b| {
                    for (i, (x, y)) in stroke.iter().enumerate() {
                        let p = Point::new(x * s, y * s);
                        if i == 0 {
                            b.move_to(p);
                        } else {
                            b.line_to(p);
                        }
                    }
                });
                frame.stroke(
                    &path,
                    Stroke::default()
                        .with_width(3.0)
                        .with_color(theme::INK)
                        .with_line_cap(canvas::LineCap::Round)
                        .with_line_join(canvas::LineJoin::Round),
                );
            }
        }
        vec![frame.into_geometry()]
    }
}

//! The head guide drawn over the live face camera: an oval where the head belongs (ICAO: the
//! face fills 70-80 % of the photo's height, eyes at about 60 % from the bottom) and a band
//! of the expected background colour along the edges.

use iced::widget::canvas::{self, Frame, Path, Stroke};
use iced::{Color, Element, Length, Point, Rectangle, Renderer, Size, Theme, Vector, mouse};

/// The guide for a preview of `width` x `height` pixels, in `colour`: green when the checks
/// pass, amber otherwise.
pub fn view<'a, M: 'a>(ok: bool) -> Element<'a, M> {
    iced::widget::canvas(Guide { ok })
        .width(Length::Fill)
        .height(Length::Fill)
        .into()
}

#[derive(Debug)]
struct Guide {
    ok: bool,
}

impl<M> canvas::Program<M> for Guide {
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
        let colour = if self.ok {
            Color::from_rgb8(0x2e, 0xcc, 0x40)
        } else {
            Color::from_rgb8(0xff, 0xb0, 0x00)
        };
        let h = bounds.height * 0.62;
        let w = h * 0.74;
        let centre = Point::new(bounds.width / 2.0, bounds.height * 0.46);
        let oval = Path::new(|b| {
            b.ellipse(canvas::path::arc::Elliptical {
                center: centre,
                radii: Vector::new(w / 2.0, h / 2.0),
                rotation: iced::Radians(0.0),
                start_angle: iced::Radians(0.0),
                end_angle: iced::Radians(std::f32::consts::TAU),
            });
        });
        frame.stroke(&oval, Stroke::default().with_width(4.0).with_color(colour));
        // The eye line.
        let eye_y = centre.y - h * 0.08;
        frame.stroke(
            &Path::line(
                Point::new(centre.x - w * 0.45, eye_y),
                Point::new(centre.x + w * 0.45, eye_y),
            ),
            Stroke::default().with_width(2.0).with_color(colour),
        );
        let _ = Size::ZERO;
        vec![frame.into_geometry()]
    }
}

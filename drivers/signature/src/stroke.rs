//! Pen samples with timestamps, grouped into strokes: a stroke runs from the tip touching the
//! pad to the tip lifting (or the pen leaving proximity, or the line going silent).

use serde::{Deserialize, Serialize};

use crate::protocol::{PadCapabilities, PenReport};

/// One pen report with the time it was received, in microseconds since the session started
/// (a monotonic clock on the station; the ISDV4 protocol carries no timestamps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenSample {
    pub t_us: u64,
    pub report: PenReport,
}

/// One stroke: the samples from tip down to tip up, all with the tip pressed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stroke {
    pub points: Vec<PenSample>,
}

impl Stroke {
    pub fn duration_us(&self) -> u64 {
        match (self.points.first(), self.points.last()) {
            (Some(a), Some(b)) => b.t_us.saturating_sub(a.t_us),
            _ => 0,
        }
    }

    /// Path length in pad units.
    pub fn length(&self) -> f64 {
        self.points
            .windows(2)
            .map(|w| {
                let dx = f64::from(w[1].report.x) - f64::from(w[0].report.x);
                let dy = f64::from(w[1].report.y) - f64::from(w[0].report.y);
                dx.hypot(dy)
            })
            .sum()
    }
}

/// A written signature: the pad's ranges and the strokes in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub pad: PadCapabilities,
    pub strokes: Vec<Stroke>,
}

impl Signature {
    pub fn point_count(&self) -> usize {
        self.strokes.iter().map(|s| s.points.len()).sum()
    }

    /// Bounding box `(min_x, min_y, max_x, max_y)` of all points, in pad units.
    pub fn bounds(&self) -> Option<(u16, u16, u16, u16)> {
        let mut pts = self.strokes.iter().flat_map(|s| s.points.iter());
        let first = pts.next()?.report;
        Some(pts.fold(
            (first.x, first.y, first.x, first.y),
            |(x0, y0, x1, y1), p| {
                let r = p.report;
                (x0.min(r.x), y0.min(r.y), x1.max(r.x), y1.max(r.y))
            },
        ))
    }
}

/// Groups samples into strokes as they arrive.
#[derive(Debug, Clone, Default)]
pub struct StrokeBuilder {
    current: Option<Stroke>,
    done: Vec<Stroke>,
}

impl StrokeBuilder {
    pub fn new() -> Self {
        StrokeBuilder::default()
    }

    /// Adds a sample; returns the stroke it completed, if any.
    pub fn push(&mut self, s: PenSample) -> Option<&Stroke> {
        let down = s.report.proximity && s.report.tip;
        if down {
            self.current
                .get_or_insert_with(Stroke::default)
                .points
                .push(s);
            None
        } else {
            self.end()
        }
    }

    /// Ends the current stroke (tip lifted, pen gone, line silent).
    pub fn end(&mut self) -> Option<&Stroke> {
        let stroke = self.current.take()?;
        self.done.push(stroke);
        self.done.last()
    }

    /// Whether the tip is down in a stroke now.
    pub fn in_stroke(&self) -> bool {
        self.current.is_some()
    }

    pub fn strokes(&self) -> &[Stroke] {
        &self.done
    }

    /// Starts again (the operator pressed "clear").
    pub fn clear(&mut self) {
        self.current = None;
        self.done.clear();
    }

    /// Ends any open stroke and hands over the signature.
    pub fn finish(mut self, pad: PadCapabilities) -> Signature {
        self.end();
        Signature {
            pad,
            strokes: self.done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_us: u64, x: u16, tip: bool, proximity: bool) -> PenSample {
        PenSample {
            t_us,
            report: PenReport {
                proximity,
                tip,
                button: false,
                eraser: false,
                x,
                y: 10,
                pressure: if tip { 500 } else { 0 },
                tilt_x: 0,
                tilt_y: 0,
            },
        }
    }

    #[test]
    fn strokes_split_at_tip_up_and_proximity_out() {
        let mut b = StrokeBuilder::new();
        let seq = [
            sample(0, 0, false, true),
            sample(5, 1, true, true),
            sample(10, 4, true, true),
            sample(15, 5, false, true), // tip up: stroke 1 ends
            sample(20, 6, true, true),
            sample(25, 7, true, false), // left proximity with tip flag: not a touch
            sample(30, 8, true, true),
        ];
        let mut completed = 0;
        for s in seq {
            if b.push(s).is_some() {
                completed += 1;
            }
        }
        assert_eq!(completed, 2);
        assert!(b.in_stroke());
        let sig = b.finish(crate::sim::DEFAULT_CAPABILITIES);
        assert_eq!(sig.strokes.len(), 3);
        assert_eq!(sig.strokes[0].points.len(), 2);
        assert_eq!(sig.strokes[0].duration_us(), 5);
        assert_eq!(sig.strokes[0].length(), 3.0);
        assert_eq!(sig.point_count(), 4);
        assert_eq!(sig.bounds(), Some((1, 10, 8, 10)));
    }
}

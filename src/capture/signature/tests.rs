//! Tests of `signature`.

use super::*;
use rekam_signature::sim::{DEFAULT_CAPABILITIES, PadSimulator, PenPoint, handwritten};
use rekam_signature::{PenSample, Signature, Stroke};

/// Strokes in millimetres as the station stores them from the default pad: pen reports in
/// pad units (clamped to the pad, as the pad does), serialised as `isdv4-strokes-json` and
/// read back.
fn on_pad(lines: &[Vec<PenPoint>]) -> (Strokes, Vec<u8>) {
    let mut t_us = 0;
    let strokes = lines
        .iter()
        .map(|line| Stroke {
            points: line
                .iter()
                .map(|p| {
                    t_us += 5_000;
                    PenSample {
                        t_us,
                        report: PadSimulator::<serialport::TTYPort>::report_for(
                            &DEFAULT_CAPABILITIES,
                            p,
                            true,
                        ),
                    }
                })
                .collect(),
        })
        .collect();
    let sig = Signature {
        pad: DEFAULT_CAPABILITIES,
        strokes,
    };
    let bytes = serde_json::to_vec(&sig).expect("serialises");
    let parsed = parse(Encoding::IsdV4Strokes, &bytes).expect("parses");
    (parsed, bytes)
}

fn pen(x_mm: f64, y_mm: f64) -> PenPoint {
    PenPoint {
        x_mm,
        y_mm,
        pressure: 0.6,
    }
}

fn failed(a: &Assessment) -> Vec<&str> {
    a.failures().map(|f| f.check.as_str()).collect()
}

/// A signing by `person` moved by `dx` millimetres, through the pad (which clamps).
fn shifted(person: u64, dx: f64) -> Strokes {
    let lines: Vec<Vec<PenPoint>> = handwritten(person, 1)
        .into_iter()
        .map(|line| line.into_iter().map(|p| pen(p.x_mm + dx, p.y_mm)).collect())
        .collect();
    on_pad(&lines).0
}

#[test]
fn handwritten_signatures_from_the_pad_pass() {
    for person in 0..60 {
        let (strokes, _) = on_pad(&handwritten(person, person + 1));
        let a = assess(&strokes);
        assert!(a.acceptable, "{person}: {a:?}");
        assert!(a.score > 40, "{a:?}");
        assert_eq!(a.modality, Modality::Signature);
        let names: Vec<&str> = a.findings.iter().map(|f| f.check.as_str()).collect();
        assert_eq!(names, ["not_empty", "ink", "shape", "within_pad"]);
        let m = measure(&strokes);
        assert!(m.ink > 1.0 && m.turns >= 10 && m.outside == 0, "{m:?}");
    }
}

#[test]
fn an_empty_signature_fails_not_empty() {
    let pad = |lines| Strokes {
        lines,
        max_x: 10_000.0,
        max_y: 6_000.0,
    };
    for strokes in [pad(vec![]), pad(vec![vec![], vec![]])] {
        let a = assess(&strokes);
        assert_eq!(failed(&a), ["not_empty", "ink", "shape", "within_pad"]);
        assert_eq!(a.score, 0);
        assert_eq!(
            a.first_problem(crate::lang::Lang::Id),
            Some("Tanda tangan kosong: minta pemohon menandatangani di pad tanda tangan.")
        );
        assert!(a.findings[1..].iter().all(|f| f.value == 0.0));
    }
    // Stored without a single pen-down sample.
    let (strokes, _) = on_pad(&[]);
    assert_eq!(failed(&assess(&strokes))[0], "not_empty");
}

#[test]
fn a_dot_fails_shape() {
    // The pen put down and lifted, wobbling a few tenths of a millimetre.
    let dot: Vec<PenPoint> = (0..30)
        .map(|i| {
            pen(
                50.0 + 0.01 * f64::from(i % 5),
                30.0 + 0.01 * f64::from(i % 3),
            )
        })
        .collect();
    let a = assess(&on_pad(&[dot]).0);
    assert!(failed(&a).contains(&"shape"), "{a:?}");
    let shape = a.get("shape").expect("shape");
    assert!(shape.en.contains("only a dot") && shape.id.contains("hanya berupa titik"));
    assert!(a.get("within_pad").is_some_and(|f| f.pass));
}

#[test]
fn a_straight_line_or_a_single_arc_fails_shape_only() {
    // A firm 80 mm stroke across the pad, with the tremor of a hand.
    let line: Vec<PenPoint> = (0..400)
        .map(|i| {
            let t = f64::from(i) / 399.0;
            pen(10.0 + 80.0 * t, 30.0 + 0.05 * (t * 97.0).sin())
        })
        .collect();
    let a = assess(&on_pad(&[line]).0);
    assert_eq!(failed(&a), ["shape"], "{a:?}");
    assert!(a.get("shape").is_some_and(|f| f.value < MIN_SPREAD));
    assert!(a.get("shape").is_some_and(|f| f.en.contains("single line")));

    // A big "C": round enough, but one sweep of the pen.
    let arc: Vec<PenPoint> = (0..300)
        .map(|i| {
            let a = std::f64::consts::PI * (0.5 + f64::from(i) / 299.0);
            pen(50.0 + 22.0 * a.cos(), 30.0 + 22.0 * a.sin())
        })
        .collect();
    let m = measure(&on_pad(std::slice::from_ref(&arc)).0);
    assert!(m.spread > MIN_SPREAD && m.turns < MIN_TURNS, "{m:?}");
    assert_eq!(failed(&assess(&on_pad(&[arc]).0)), ["shape"]);
}

#[test]
fn a_tiny_scribble_fails_ink_only() {
    // Loops within 8 x 5 mm: written, but far too little for a signature.
    let scribble: Vec<PenPoint> = (0..160)
        .map(|i| {
            let t = f64::from(i) / 159.0;
            let w = 2.0 * std::f64::consts::PI * 4.0 * t;
            pen(40.0 + 6.0 * t + 1.0 * w.sin(), 30.0 - 2.5 * (1.0 - w.cos()))
        })
        .collect();
    let a = assess(&on_pad(&[scribble]).0);
    assert_eq!(failed(&a), ["ink"], "{a:?}");
    let ink = a.get("ink").expect("ink");
    assert!(ink.value > 0.0 && ink.value < MIN_INK, "{ink:?}");
    assert!(ink.id.contains("Goresan terlalu sedikit") && ink.en.contains("too little"));
}

#[test]
fn a_signature_cut_at_the_edge_or_outside_the_pad_fails_within_pad() {
    // Signed too far right: the pad clamps the pen to its edge.
    let cut = shifted(7, 45.0);
    let m = measure(&cut);
    assert!(m.on_edge > 10 && m.outside == 0, "{m:?}");
    let a = assess(&cut);
    assert_eq!(failed(&a), ["within_pad"], "{a:?}");
    assert!(
        a.get("within_pad")
            .is_some_and(|f| f.en.contains("cut at the pad's edge"))
    );

    // Points beyond the pad's extent (a pad reporting more than its declared range, or
    // strokes from elsewhere).
    let mut outside = shifted(7, 0.0);
    for line in &mut outside.lines {
        for p in line.iter_mut() {
            p.0 -= 2_000.0;
        }
    }
    let a = assess(&outside);
    assert_eq!(failed(&a), ["within_pad"], "{a:?}");
    let f = a.get("within_pad").expect("within_pad");
    assert!(f.value > 0.0 && f.id.contains("di luar area pad"), "{f:?}");

    // Touching the edge for a moment is not a cut.
    let mut touch = shifted(7, 0.0);
    touch.lines.push(vec![
        (5_000.0, 5_990.0),
        (5_000.0, 6_000.0),
        (5_020.0, 5_980.0),
    ]);
    assert!(assess(&touch).acceptable);
}

#[test]
fn direction_reversals_ignore_jitter() {
    assert_eq!(reversals(&[0.0, 5.0, 0.0, 5.0, 0.0], 1.0), 3);
    assert_eq!(reversals(&[0.0, 0.5, 0.0, 0.5, 0.0], 1.0), 0);
    // A slow rise with small wobbles is one direction.
    let wobbly: Vec<f64> = (0..100)
        .map(|i| f64::from(i) * 0.2 + 0.3 * f64::from(i % 2))
        .collect();
    assert_eq!(reversals(&wobbly, 1.0), 0);
    assert_eq!(reversals(&[], 1.0), 0);
}

#[test]
fn the_image_keeps_the_strokes_as_captured() {
    let (strokes, bytes) = on_pad(&handwritten(3, 1));
    let img = image(Encoding::IsdV4Strokes, &bytes, 800).expect("renders");
    assert_eq!((img.width, img.height), (800, 480));
    assert_eq!(img.strokes, bytes);
    assert_eq!(img.format, Encoding::IsdV4Strokes);
    assert_eq!(img.png, render_png(&strokes, 800));
    let decoded = ::image::load_from_memory_with_format(&img.png, ::image::ImageFormat::Png)
        .expect("a PNG")
        .to_luma8();
    assert!(decoded.pixels().filter(|p| p.0[0] == 0).count() > 2_000);
    assert!(image(Encoding::Png, &bytes, 800).is_none());
    assert!(image(Encoding::IsdV4Strokes, b"{}", 800).is_none());
}

#[test]
fn a_stroke_is_drawn_where_it_was_signed() {
    let bytes = br#"{"strokes": [[{"x": 10, "y": 10}, {"x": 90, "y": 10}]]}"#;
    let s = parse(Encoding::Strokes, bytes).expect("parses");
    assert_eq!(s.lines.len(), 1);
    let img = render(&s, 400);
    let ink = img.pixels().filter(|p| p.0[0] == 0).count();
    assert!(ink > 300, "a line of ink: {ink}");
    // The line runs along the top tenth, not the bottom.
    let (w, h) = img.dimensions();
    assert_eq!(img.get_pixel(w / 2, h - 2).0[0], 255);
    let png = render_png(&s, 400);
    assert_eq!(&png[1..4], b"PNG");
    assert!(parse(Encoding::Strokes, b"garbage").is_none());
    assert!(parse(Encoding::Png, bytes).is_none());
}

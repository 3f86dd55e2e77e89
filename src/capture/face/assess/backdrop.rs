//! The face gate's checks of the backdrop: plain (one colour, little texture) and of the
//! colour the birth year asks for (red for an odd year, blue for an even one).

use super::*;

/// A backdrop sample: its colour, and how far it differs from its neighbours a little to the
/// right and below (RGB distance): texture, edges and objects do, a plain backdrop, even
/// unevenly lit, does not.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub(super) colour: [u8; 3],
    pub(super) local: f32,
}

/// Samples of the backdrop around the head: from a head's height above the eyes down to the
/// mouth, a head's height to each side, outside an oval generous enough for the hair.
pub(super) fn backdrop_samples(frame: &RgbImage, g: &Geometry) -> Vec<Sample> {
    let (w, h) = frame.dimensions();
    let head = g.head.max(1.0);
    let k = ((head / 40.0) as u32).max(2);
    let x0 = (g.mx - 1.2 * head).max(0.0) as u32;
    let x1 = ((g.mx + 1.2 * head).max(0.0) as u32)
        .min(w)
        .saturating_sub(k);
    let y0 = (g.my - 1.0 * head).max(0.0) as u32;
    let y1 = ((g.my + 0.25 * head).max(0.0) as u32)
        .min(h)
        .saturating_sub(k);
    let n = u64::from(x1.saturating_sub(x0)) * u64::from(y1.saturating_sub(y0));
    let step = ((n as f64 / 6000.0).sqrt().ceil() as usize).max(1);
    let (cy, rx, ry) = (g.my - 0.1 * head, 0.62 * head, 0.75 * head);
    let distance = |a: [u8; 3], b: [u8; 3]| -> f32 {
        (0..3)
            .map(|c| (f32::from(a[c]) - f32::from(b[c])).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    let mut out = Vec::with_capacity(6000);
    for y in (y0..y1).step_by(step) {
        for x in (x0..x1).step_by(step) {
            let dx = (x as f32 - g.mx) / rx;
            let dy = (y as f32 - cy) / ry;
            if dx * dx + dy * dy > 1.0 {
                let colour = frame.get_pixel(x, y).0;
                let local = distance(colour, frame.get_pixel(x + k, y).0)
                    .max(distance(colour, frame.get_pixel(x, y + k).0));
                out.push(Sample { colour, local });
            }
        }
    }
    out
}

pub(super) fn median_colour(samples: &[Sample]) -> Option<[u8; 3]> {
    if samples.is_empty() {
        return None;
    }
    let mid = samples.len() / 2;
    let mut out = [0u8; 3];
    for (c, slot) in out.iter_mut().enumerate() {
        let mut channel: Vec<u8> = samples.iter().map(|p| p.colour[c]).collect();
        *slot = *channel.select_nth_unstable(mid).1;
    }
    Some(out)
}

pub(super) fn check_uniform(samples: &[Sample], median: Option<[u8; 3]>) -> Finding {
    let share = median.map_or(0.0, |m| {
        let m = m.map(f32::from);
        let near = samples
            .iter()
            .filter(|p| {
                let d: f32 = (0..3)
                    .map(|c| (f32::from(p.colour[c]) - m[c]).powi(2))
                    .sum();
                d.sqrt() <= BACKDROP_DISTANCE && p.local <= MAX_LOCAL_CONTRAST
            })
            .count();
        near as f32 / samples.len() as f32
    });
    let pct = f64::from(share * 100.0);
    let score = ramp(f64::from(share), f64::from(MIN_UNIFORM) - 0.15, 1.0);
    if samples.len() < 200 {
        Finding::new(
            "background_uniform",
            false,
            0.0,
            pct,
            "Latar belakang hampir tidak terlihat: minta pemohon mundur sedikit dari kamera.",
            "Hardly any background is seen: ask the applicant to move back a little.",
        )
    } else if share >= MIN_UNIFORM {
        Finding::new(
            "background_uniform",
            true,
            score,
            pct,
            format!("Latar belakang polos ({pct:.0}% seragam)."),
            format!("The background is plain ({pct:.0}% uniform)."),
        )
    } else {
        Finding::new(
            "background_uniform",
            false,
            score.min(40.0),
            pct,
            format!(
                "Latar belakang tidak polos (hanya {pct:.0}% seragam): pasang kain latar dan \
                 pastikan tidak ada orang atau benda di belakang pemohon."
            ),
            format!(
                "The background is not plain (only {pct:.0}% uniform): hang the backdrop and make \
                 sure no one and nothing is behind the applicant."
            ),
        )
    }
}

/// The backdrop's colour when it is clearly red or blue, and its hue distance to `expected`
/// (or to the nearer of the two).
pub(super) fn backdrop_colour(
    colour: [u8; 3],
    expected: Option<Background>,
) -> (Option<Background>, f32) {
    let (hue, sat, val) = hsv(colour);
    let coloured = sat >= MIN_SATURATION && val >= 0.15;
    let distance = |b: Background| b.rgb().map_or(180.0, |rgb| hue_distance(hue, hsv(rgb).0));
    let seen = [Background::Red, Background::Blue]
        .into_iter()
        .filter(|b| coloured && distance(*b) <= MAX_HUE_DIFF)
        .min_by(|a, b| distance(*a).total_cmp(&distance(*b)));
    let value = match (coloured, expected) {
        (false, _) => 180.0,
        (true, Some(e)) => distance(e),
        (true, None) => distance(Background::Red).min(distance(Background::Blue)),
    };
    (seen, value)
}

pub(super) fn colour_name(b: Background) -> (&'static str, &'static str) {
    match b {
        Background::Red => ("merah", "red"),
        Background::Blue => ("biru", "blue"),
        Background::Busy => ("tidak polos", "not plain"),
    }
}

pub(super) fn check_colour(
    median: Option<[u8; 3]>,
    expected: Option<Background>,
) -> (Finding, Option<Background>) {
    let Some(colour) = median else {
        return (
            Finding::new(
                "background_colour",
                false,
                0.0,
                180.0,
                "Warna latar belakang tidak terlihat: minta pemohon mundur sedikit dari kamera.",
                "The background colour cannot be seen: ask the applicant to move back a little.",
            ),
            None,
        );
    };
    let (seen, hue_off) = backdrop_colour(colour, expected);
    let score = 100.0 - 2.5 * f64::from(hue_off);
    let rule = |e: Background| match e {
        Background::Red => ("tahun lahir ganjil", "an odd birth year"),
        _ => ("tahun lahir genap", "an even birth year"),
    };
    let finding = match (seen, expected) {
        (Some(s), Some(e)) if s == e => {
            let (id, en) = colour_name(s);
            let (rid, ren) = rule(e);
            Finding::new(
                "background_colour",
                true,
                score,
                f64::from(hue_off),
                format!("Latar {id}, sesuai {rid}."),
                format!("The background is {en}, as {ren} requires."),
            )
        }
        (Some(s), None) => {
            let (id, en) = colour_name(s);
            Finding::new(
                "background_colour",
                true,
                score,
                f64::from(hue_off),
                format!("Latar {id}."),
                format!("The background is {en}."),
            )
        }
        (seen, Some(e)) => {
            let (eid, een) = colour_name(e);
            let (rid, ren) = rule(e);
            let (sid, sen) = seen.map_or(
                ("bukan merah atau biru", "neither red nor blue"),
                colour_name,
            );
            Finding::new(
                "background_colour",
                false,
                0.0,
                f64::from(hue_off),
                format!("Latar {sid}, seharusnya {eid} ({rid}): pasang kain latar {eid}."),
                format!(
                    "The background is {sen}; it must be {een} ({ren}): hang the {een} backdrop."
                ),
            )
        }
        (None, None) => Finding::new(
            "background_colour",
            false,
            0.0,
            f64::from(hue_off),
            "Latar bukan merah atau biru: pasang kain latar merah (tahun lahir ganjil) atau biru \
             (tahun lahir genap).",
            "The background is neither red nor blue: hang the red backdrop (odd birth year) or the \
             blue one (even birth year).",
        ),
    };
    (finding, seen)
}

//! Fingerprint quality benchmark against NIST NFIQ 2 (docs/finger-quality.md,
//! docs/PERFORMANCE.md).
//!
//! `cargo bench --bench finger_quality` regenerates the evaluation set (synthetic flat
//! impressions, 400 x 500 at 500 ppi, `rekam::capture::finger::evaluation`) into a temporary
//! folder and times Rekam's finger gate on each image, on one thread: `assess_finger`
//! (foreground segmentation, smudge, the quality model), the median of several repetitions per
//! image. When a Python with nbis-py 0.1.3 is found (`REKAM_REF_PYTHON`, default
//! `/tmp/refvenv/bin/python`), it runs the reference script
//! `packaging/dev/reference/nfiq2_scores.py` on the same folder in the same run, timing NFIQ 2
//! per image (and, to isolate NFIQ 2's share, the same nbis call without NFIQ 2), and prints
//! both timings, the speed ratio and the Spearman rank correlation of the two scores. Four-finger
//! slaps (1600 x 1500) are timed too, for the record.
//!
//! Other modes, for refitting the model (packaging/dev/reference/fit_finger_quality.py):
//! - `cargo bench --bench finger_quality -- --write DIR [set|training]`: writes the evaluation
//!   (default) or tuning images to DIR as PNG, named by their keys.
//! - `cargo bench --bench finger_quality -- --summaries DIR`: prints the model summaries of the
//!   PNGs in DIR as CSV.
//! - `-- --quick`: benchmark on the first 100 images only.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use image::GrayImage;
use rekam::capture::finger::{self, evaluation};
use rekam_fingerprint::synth::{Rng, SyntheticPerson};
use rekam_fingerprint::{CaptureMode, Hand};

/// Repetitions of our gate per image; the median is kept.
const REPEAT: usize = 7;

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn ms(seconds: f64) -> String {
    format!("{:.2} ms", seconds * 1000.0)
}

/// Writes the samples of `persons` into `dir` as PNG; returns the keys and images.
fn write_set(
    dir: &Path,
    persons: std::ops::Range<u64>,
    limit: Option<usize>,
) -> Vec<(String, GrayImage)> {
    std::fs::create_dir_all(dir).expect("folder");
    let mut samples = evaluation::samples(persons);
    if let Some(n) = limit {
        samples.truncate(n);
    }
    let mut out = Vec::with_capacity(samples.len());
    for group in samples.chunk_by(|a, b| a.person == b.person) {
        let person = SyntheticPerson::new(group[0].person);
        for s in group {
            let img = s.render(&person).expect("renders");
            let key = s.to_string();
            img.save(dir.join(format!("{key}.png")))
                .expect("writes png");
            out.push((key, img));
        }
    }
    out
}

fn pngs(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    paths.sort();
    paths
}

fn summaries(dir: &Path) {
    println!("name,{}", finger::SUMMARY_NAMES.join(","));
    for path in pngs(dir) {
        let img = image::open(&path).expect("png").into_luma8();
        let s = finger::summary(&finger::features::features(&img));
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let values: Vec<String> = s.iter().map(|v| v.to_string()).collect();
        println!("{name},{}", values.join(","));
    }
}

/// The reference script's output: scores and seconds per image.
struct Reference {
    scores: BTreeMap<String, Option<f64>>,
    seconds: BTreeMap<String, f64>,
}

fn run_reference(python: &str, dir: &Path, baseline: bool) -> Option<Reference> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/dev/reference/nfiq2_scores.py"
    );
    let mut cmd = Command::new(python);
    cmd.arg(script).arg(dir).arg("--timing");
    if baseline {
        cmd.arg("--baseline");
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        eprintln!(
            "reference script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let scores = v["scores"]
        .as_object()?
        .iter()
        .map(|(k, s)| (k.clone(), s.as_f64()))
        .collect();
    let seconds = v["seconds"]
        .as_object()?
        .iter()
        .filter_map(|(k, s)| Some((k.clone(), s.as_f64()?)))
        .collect();
    Some(Reference { scores, seconds })
}

fn python() -> Option<String> {
    let candidate =
        std::env::var("REKAM_REF_PYTHON").unwrap_or_else(|_| "/tmp/refvenv/bin/python".into());
    let ok = Command::new(&candidate)
        .args(["-c", "import nbis"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(candidate)
}

fn time_slaps() {
    let person = SyntheticPerson::new(4242);
    let mut times = Vec::new();
    for seed in 0..8u64 {
        let hand = if seed % 2 == 0 {
            Hand::Right
        } else {
            Hand::Left
        };
        let imp = person.slap(hand, &mut Rng::new(seed));
        let img = GrayImage::from_raw(imp.image.width, imp.image.height, imp.image.pixels)
            .expect("image");
        let mode = CaptureMode::slap(hand);
        let mut runs = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            black_box(finger::assess_slap(&img, mode, &mode.fingers()));
            runs.push(t.elapsed().as_secs_f64());
        }
        times.push(median(&mut runs));
    }
    println!(
        "slap 1600x1500, assess_slap (platen, segmentation, 4 fingers): median {} over {} slaps",
        ms(median(&mut times)),
        times.len()
    );
}

fn benchmark(quick: bool) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let t = Instant::now();
    let set = write_set(dir, evaluation::SET_PERSONS, quick.then_some(100));
    println!(
        "evaluation set: {} images of 400x500 written to {} in {:.1} s",
        set.len(),
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    // Ours: the whole gate on the decoded image, and with the PNG decode (as the reference
    // includes reading its file).
    let mut ours = BTreeMap::new();
    let mut gate = Vec::with_capacity(set.len());
    let mut with_decode = Vec::with_capacity(set.len());
    for (key, img) in &set {
        let mut runs = Vec::with_capacity(REPEAT);
        let mut score = 0;
        for _ in 0..REPEAT {
            let t = Instant::now();
            let a = finger::assess_finger(black_box(img));
            runs.push(t.elapsed().as_secs_f64());
            score = a.score;
        }
        gate.push(median(&mut runs));
        let path = dir.join(format!("{key}.png"));
        let mut runs = Vec::with_capacity(3);
        for _ in 0..3 {
            let t = Instant::now();
            let decoded = image::open(&path).expect("png").into_luma8();
            black_box(finger::assess_finger(&decoded));
            runs.push(t.elapsed().as_secs_f64());
        }
        with_decode.push(median(&mut runs));
        ours.insert(key.clone(), f64::from(score));
    }
    let ours_ms = median(&mut gate);
    let ours_decode_ms = median(&mut with_decode);
    println!(
        "Rekam assess_finger (foreground, smudge, quality), one thread: median {} per image (with PNG decode: {})",
        ms(ours_ms),
        ms(ours_decode_ms)
    );
    time_slaps();

    let committed: BTreeMap<String, Option<f64>> = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/finger-nfiq2/nfiq2.json"
        ))
        .expect("committed scores"),
    )
    .expect("json");
    let spearman = |reference: &BTreeMap<String, Option<f64>>| {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (key, ours) in &ours {
            if let Some(Some(r)) = reference.get(key) {
                a.push(*ours);
                b.push(*r);
            }
        }
        (evaluation::spearman(&a, &b), a.len())
    };
    let (rho, n) = spearman(&committed);
    println!(
        "Spearman with the committed NFIQ 2 scores: {} over {n} images",
        rho.map_or("-".into(), |r| format!("{r:.3}"))
    );

    let Some(python) = python() else {
        println!("reference: no Python with nbis-py found (set REKAM_REF_PYTHON); skipped");
        return;
    };
    let t = Instant::now();
    let Some(reference) = run_reference(&python, dir, false) else {
        println!("reference: failed");
        return;
    };
    let wall = t.elapsed();
    let baseline = run_reference(&python, dir, true);
    let mut nfiq: Vec<f64> = reference.seconds.values().copied().collect();
    let nfiq_ms = median(&mut nfiq);
    let changed = reference
        .scores
        .iter()
        .filter(|(k, v)| committed.get(*k) != Some(*v))
        .count();
    let (rho, n) = spearman(&reference.scores);
    println!(
        "NFIQ 2 (nbis-py 0.1.3: PNG read, MINDTCT minutiae and NFIQ 2), one thread: median {} per image ({} images in {:.0} s)",
        ms(nfiq_ms),
        reference.seconds.len(),
        wall.as_secs_f64()
    );
    if let Some(b) = baseline {
        let mut diffs: Vec<f64> = reference
            .seconds
            .iter()
            .filter_map(|(k, s)| Some(s - b.seconds.get(k)?))
            .collect();
        let mut base: Vec<f64> = b.seconds.values().copied().collect();
        let share = median(&mut diffs);
        println!(
            "  of which the same call without NFIQ 2 (PNG read, MINDTCT): median {}; NFIQ 2's own share: median {}",
            ms(median(&mut base)),
            ms(share)
        );
        println!(
            "speed: Rekam's gate is {:.1}x faster than the nbis-py NFIQ 2 call, {:.1}x faster than NFIQ 2's own share",
            nfiq_ms / ours_ms,
            share / ours_ms
        );
    } else {
        println!(
            "speed: Rekam's gate is {:.1}x faster than the nbis-py NFIQ 2 call",
            nfiq_ms / ours_ms
        );
    }
    println!(
        "Spearman with NFIQ 2 from this run: {} over {n} images ({changed} scores differ from the committed ones)",
        rho.map_or("-".into(), |r| format!("{r:.3}"))
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("--write") => {
            let dir = PathBuf::from(args.get(1).expect("--write DIR [set|training]"));
            let persons = match args.get(2).map(String::as_str) {
                Some("training") => evaluation::TRAINING_PERSONS,
                _ => evaluation::SET_PERSONS,
            };
            let n = write_set(&dir, persons, None).len();
            eprintln!("{n} images written to {}", dir.display());
        }
        Some("--summaries") => summaries(Path::new(args.get(1).expect("--summaries DIR"))),
        Some("--quick") => benchmark(true),
        _ => benchmark(false),
    }
}

//! Writes synthetic prints of one simulated person as PNG files to look at:
//! `cargo run -p rekam-fingerprint --example synth_png -- [SEED] [DIR]`.
//! Masters (`master_<finger>.png`), two flat impressions per finger, both slaps and the thumbs,
//! and `poses.txt` (where each finger of the multi-finger images landed).

use std::path::{Path, PathBuf};
use std::time::Instant;

use rekam_fingerprint::mode::{Finger, Hand};
use rekam_fingerprint::synth::{GrayImage, Rng, SyntheticPerson};

fn save(img: &GrayImage, path: &Path) -> Result<(), image::ImageError> {
    let buf = image::GrayImage::from_raw(img.width, img.height, img.pixels.clone())
        .ok_or_else(|| image::ImageError::IoError(std::io::Error::other("size mismatch")))?;
    buf.save(path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/rekam-synth".into()));
    std::fs::create_dir_all(&dir)?;
    let t = Instant::now();
    let person = SyntheticPerson::new(seed);
    println!("ten masters of person {seed}: {:?}", t.elapsed());
    let mut rng = Rng::new(seed ^ 0xABCD);
    for finger in Finger::ALL {
        let m = person.master(finger);
        println!(
            "{:>2} {:<13} {:?}",
            finger.position(),
            finger.to_string(),
            m.class()
        );
        save(
            &m.render(),
            &dir.join(format!("master_{:02}.png", finger.position())),
        )?;
        for k in 0..2 {
            let t = Instant::now();
            let imp = person.impression(finger, &mut rng);
            let dt = t.elapsed();
            if k == 0 && finger == Finger::RightIndex {
                println!("flat impression: {dt:?}");
            }
            save(
                &imp.image,
                &dir.join(format!("flat_{:02}_{k}.png", finger.position())),
            )?;
        }
    }
    let t = Instant::now();
    let slap = person.slap(Hand::Right, &mut rng);
    println!("right slap: {:?}", t.elapsed());
    save(&slap.image, &dir.join("slap_right.png"))?;
    let left = person.slap(Hand::Left, &mut rng);
    save(&left.image, &dir.join("slap_left.png"))?;
    let thumbs = person.thumbs(&mut rng);
    save(&thumbs.image, &dir.join("thumbs.png"))?;
    // Where each finger landed, for cutting single fingers out of the multi-finger images.
    let mut poses = String::new();
    for (name, imp) in [
        ("slap_right", &slap),
        ("slap_left", &left),
        ("thumbs", &thumbs),
    ] {
        for p in &imp.poses {
            let f = p.finger.position();
            poses += &format!("{name} {f} {:.1} {:.1} {:.4}\n", p.x, p.y, p.angle);
        }
    }
    std::fs::write(dir.join("poses.txt"), poses)?;
    println!("written to {}", dir.display());
    Ok(())
}

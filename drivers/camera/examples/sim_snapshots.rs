//! Writes PNG snapshots of the simulated cameras, taken through the real decoding path (the
//! simulator's MJPEG or YUYV bytes, decoded by `rekam_camera::decode`), to look at them:
//!
//! `cargo run -p rekam-camera --example sim_snapshots -- /tmp/rekam-sim`

use std::path::PathBuf;
use std::time::Duration;

use rekam_camera::{
    Background, CameraConfig, Eye, FrameSource, PixelFormat, SimOptions, SimulatedCamera, decode,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "sim-snapshots".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let options = SimOptions {
        realtime: false,
        loop_frames: Some(30),
        ..SimOptions::default()
    };
    let face = CameraConfig::face(0);
    for (bg, name) in [
        (Background::Red, "red"),
        (Background::Blue, "blue"),
        (Background::Busy, "busy"),
    ] {
        let mut cam = SimulatedCamera::face(&face, bg, 1, options.clone())?;
        for n in 0..30 {
            let frame = cam.next_frame(Duration::from_secs(1))?;
            if n % 10 == 0 {
                decode(&frame)?.save(dir.join(format!("face_{name}_{n:02}.png")))?;
            }
        }
    }
    let iris = CameraConfig::iris(1);
    for (eye, name) in [(Eye::Left, "left"), (Eye::Right, "right")] {
        for seed in [1u64, 2] {
            for format in [PixelFormat::Yuyv, PixelFormat::Mjpeg] {
                let config = CameraConfig { format, ..iris };
                let mut cam = SimulatedCamera::iris(&config, eye, seed, options.clone())?;
                for n in 0..16 {
                    let frame = cam.next_frame(Duration::from_secs(1))?;
                    if n % 15 == 0 {
                        let path = format!("iris_{seed}_{name}_{format}_{n:02}.png");
                        decode(&frame)?.save(dir.join(path))?;
                    }
                }
            }
        }
    }
    println!("snapshots written to {}", dir.display());
    Ok(())
}

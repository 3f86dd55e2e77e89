//! Simulated cameras: a face camera showing a real portrait on the applicant's background colour
//! and a near-infrared iris camera showing a procedurally drawn eye. They deliver MJPEG or YUYV
//! bytes exactly as a UVC camera does (MJPEG frames without Huffman tables by default, like many
//! webcams), paced at the configured frame rate, so that the real decoding and streaming code is
//! what runs on them.
//!
//! Scenes move in a loop of [`SimOptions::loop_frames`] frames (small head or gaze movements,
//! lighting drift, pupil dilation, sensor noise). Each frame of the loop is rendered and encoded
//! the first time it is needed and then kept, so that steady streaming costs a copy per frame
//! ([`SimulatedCamera::prerender`] fills the loop up front). A [`Hotplug`] handle pulls the
//! simulated camera out, plugs it back, or makes it stall, for tests of the error paths.

mod face;
mod iris;
pub(crate) mod rng;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use image::RgbImage;
use rekam_device::{Backend, DeviceInfo};
use serde::{Deserialize, Serialize};

use crate::decode::{mjpeg, rgb_to_yuyv};
use crate::{CameraConfig, CameraError, FrameSource, PixelFormat, RawFrame};

pub use face::Background;
pub use iris::Eye;

/// Default length of the motion loop: two seconds at 30 fps.
pub const DEFAULT_LOOP_FRAMES: usize = 60;

/// Most memory the frame loop may take; large YUYV frames get a shorter loop.
const LOOP_BUDGET_BYTES: usize = 64 << 20;

/// The simulated camera's connection, shared with whoever plays the operator's hands in a test.
#[derive(Debug, Clone, Default)]
pub struct Hotplug(Arc<AtomicU8>);

const PLUGGED: u8 = 0;
const UNPLUGGED: u8 = 1;
const STALLED: u8 = 2;

impl Hotplug {
    /// A plugged-in camera.
    pub fn new() -> Self {
        Hotplug::default()
    }

    /// Pulls the camera out: the next frame request fails with
    /// [`CameraError::Disconnected`] (as V4L2 gives ENODEV) and opening gives
    /// [`CameraError::NotFound`] until [`Hotplug::plug_in`].
    pub fn unplug(&self) {
        self.0.store(UNPLUGGED, Ordering::SeqCst);
    }

    pub fn plug_in(&self) {
        self.0.store(PLUGGED, Ordering::SeqCst);
    }

    /// The camera stays connected but sends no more frames (a hung camera firmware).
    pub fn stall(&self) {
        self.0.store(STALLED, Ordering::SeqCst);
    }

    pub fn is_plugged(&self) -> bool {
        self.0.load(Ordering::SeqCst) != UNPLUGGED
    }

    fn state(&self) -> u8 {
        self.0.load(Ordering::SeqCst)
    }
}

/// How a simulated camera behaves beyond its [`CameraConfig`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SimOptions {
    /// Lets a test unplug, replug or stall the camera.
    #[serde(skip)]
    pub hotplug: Option<Hotplug>,
    /// Frames in the motion loop; `None` gives [`DEFAULT_LOOP_FRAMES`], fewer for YUYV frames
    /// so large that the loop would pass 64 MiB.
    pub loop_frames: Option<usize>,
    /// JPEG quality of MJPEG frames (1..=100).
    pub jpeg_quality: u8,
    /// Leave the Huffman tables out of MJPEG frames, as many UVC webcams do.
    pub omit_dht: bool,
    /// Deliver frames at the configured rate (`false`: as fast as they are asked for).
    pub realtime: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            hotplug: None,
            loop_frames: None,
            jpeg_quality: 90,
            omit_dht: true,
            realtime: true,
        }
    }
}

/// What a simulated camera shows. `render` must be deterministic in its arguments.
pub(crate) trait Scene: Send + fmt::Debug {
    /// Draws frame `frame` of a loop of `loop_len` frames as RGB into `out`
    /// (`width * height * 3` bytes).
    fn render(&self, frame: usize, loop_len: usize, width: u32, height: u32, out: &mut [u8]);
    fn model(&self) -> &'static str;
    fn details(&self) -> Vec<(String, String)>;
}

/// A simulated face or iris camera.
#[derive(Debug)]
pub struct SimulatedCamera {
    config: CameraConfig,
    scene: Box<dyn Scene>,
    options: SimOptions,
    loop_len: usize,
    cache: Vec<Option<Vec<u8>>>,
    sequence: u64,
    started: Instant,
    info: DeviceInfo,
}

impl SimulatedCamera {
    /// A face camera showing the portrait on `background`. `seed` varies the movements and the
    /// noise (the portrait is the same for everyone: there is one public-domain one).
    pub fn face(
        config: &CameraConfig,
        background: Background,
        seed: u64,
        options: SimOptions,
    ) -> Result<SimulatedCamera, CameraError> {
        let scene = face::FaceScene::new(background, seed)?;
        SimulatedCamera::open(config, Box::new(scene), options)
    }

    /// A near-infrared iris camera showing one eye of the person `seed`: each seed and eye has
    /// its own iris, the same on every run.
    pub fn iris(
        config: &CameraConfig,
        eye: Eye,
        seed: u64,
        options: SimOptions,
    ) -> Result<SimulatedCamera, CameraError> {
        let scene = iris::IrisScene::new(eye, seed, config.width, config.height);
        SimulatedCamera::open(config, Box::new(scene), options)
    }

    fn open(
        config: &CameraConfig,
        scene: Box<dyn Scene>,
        options: SimOptions,
    ) -> Result<SimulatedCamera, CameraError> {
        config.validate()?;
        if let Some(plug) = &options.hotplug
            && !plug.is_plugged()
        {
            return Err(CameraError::NotFound {
                index: config.index,
            });
        }
        if !(1..=100).contains(&options.jpeg_quality) {
            return Err(CameraError::InvalidConfig(format!(
                "JPEG quality {} (1..=100)",
                options.jpeg_quality
            )));
        }
        let frame_bytes = match config.format {
            PixelFormat::Mjpeg => 0,
            PixelFormat::Yuyv => config.yuyv_len(),
        };
        let loop_len = options
            .loop_frames
            .unwrap_or_else(|| {
                DEFAULT_LOOP_FRAMES
                    .min(LOOP_BUDGET_BYTES / frame_bytes.max(1))
                    .max(8)
            })
            .max(1);
        let mut details = vec![
            (
                "resolution".to_owned(),
                format!("{}x{}", config.width, config.height),
            ),
            ("format".to_owned(), config.format.to_string()),
            ("fps".to_owned(), config.fps.to_string()),
        ];
        details.extend(scene.details());
        let info = DeviceInfo {
            class: config.role.device_class(),
            backend: Backend::Simulated,
            model: scene.model().to_owned(),
            location: format!("simulated camera {}", config.index),
            details,
        };
        Ok(SimulatedCamera {
            config: *config,
            scene,
            options,
            loop_len,
            cache: vec![None; loop_len],
            sequence: 0,
            started: Instant::now(),
            info,
        })
    }

    /// Frames in the motion loop.
    pub fn loop_len(&self) -> usize {
        self.loop_len
    }

    /// Renders and encodes the whole loop now, so that streaming costs no more than a copy.
    pub fn prerender(&mut self) -> Result<(), CameraError> {
        for i in 0..self.loop_len {
            self.encoded(i)?;
        }
        Ok(())
    }

    /// Frame `frame` of the loop as the scene draws it, before encoding (for tests and for
    /// looking at the simulator).
    pub fn render_rgb(&self, frame: usize) -> RgbImage {
        let (w, h) = (self.config.width, self.config.height);
        let mut rgb = vec![0u8; w as usize * h as usize * 3];
        self.scene
            .render(frame % self.loop_len, self.loop_len, w, h, &mut rgb);
        RgbImage::from_raw(w, h, rgb).unwrap_or_else(|| RgbImage::new(w, h))
    }

    /// The encoded bytes of loop frame `i`, rendered on first use.
    fn encoded(&mut self, i: usize) -> Result<&Vec<u8>, CameraError> {
        if self.cache[i].is_none() {
            let rgb = self.render_rgb(i);
            let bytes = match self.config.format {
                PixelFormat::Mjpeg => {
                    let mut jpeg = Vec::new();
                    image::codecs::jpeg::JpegEncoder::new_with_quality(
                        &mut jpeg,
                        self.options.jpeg_quality,
                    )
                    .encode(
                        rgb.as_raw(),
                        rgb.width(),
                        rgb.height(),
                        image::ExtendedColorType::Rgb8,
                    )
                    .map_err(|e| CameraError::Protocol(format!("simulator JPEG encoder: {e}")))?;
                    if self.options.omit_dht {
                        mjpeg::strip_dht(&jpeg).map_err(CameraError::Protocol)?
                    } else {
                        jpeg
                    }
                }
                PixelFormat::Yuyv => rgb_to_yuyv(rgb.as_raw(), rgb.width(), rgb.height())?,
            };
            self.cache[i] = Some(bytes);
        }
        self.cache[i]
            .as_ref()
            .ok_or_else(|| CameraError::Protocol("simulator frame cache".into()))
    }

    /// Waits until `until`, or fails as the camera would if it is pulled out meanwhile.
    fn wait(&self, until: Instant) -> Result<(), CameraError> {
        loop {
            if let Some(plug) = &self.options.hotplug
                && plug.state() == UNPLUGGED
            {
                return Err(unplugged());
            }
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep((until - now).min(Duration::from_millis(10)));
        }
    }
}

fn unplugged() -> CameraError {
    CameraError::Disconnected("No such device (os error 19): simulated camera unplugged".into())
}

impl FrameSource for SimulatedCamera {
    fn info(&self) -> DeviceInfo {
        self.info.clone()
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<RawFrame, CameraError> {
        let asked = Instant::now();
        match self.options.hotplug.as_ref().map(Hotplug::state) {
            Some(UNPLUGGED) => return Err(unplugged()),
            Some(STALLED) => {
                self.wait(asked + timeout)?;
                return Err(CameraError::Timeout(timeout));
            }
            _ => {}
        }
        let interval = self.config.frame_interval();
        let mut sequence = self.sequence + 1;
        let mut captured_at = asked;
        if self.options.realtime {
            let due_after = |n: u64| interval.mul_f64(n as f64);
            let mut due = self.started + due_after(sequence);
            if asked > due + interval {
                // Nobody asked for a while: like a camera, skip the frames that were not taken.
                let elapsed = asked - self.started;
                sequence = (elapsed.as_secs_f64() / interval.as_secs_f64()) as u64;
                due = self.started + due_after(sequence);
            }
            if due > asked + timeout {
                self.wait(asked + timeout)?;
                return Err(CameraError::Timeout(timeout));
            }
            self.wait(due)?;
            captured_at = due;
        }
        self.sequence = sequence;
        let index = (sequence % self.loop_len as u64) as usize;
        let bytes = self.encoded(index)?.clone();
        Ok(RawFrame {
            format: self.config.format,
            width: self.config.width,
            height: self.config.height,
            bytes,
            sequence,
            captured_at,
        })
    }
}

/// A smooth step from 0 (at `a`) to 1 (at `b`).
pub(crate) fn smoothstep(a: f32, b: f32, x: f32) -> f32 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Sensor noise for one pixel from one random word: three triangular values, standard deviation
/// about `amp * 0.41`, in whole steps.
#[inline]
pub(crate) fn noise3(word: u64, amp: i32) -> [i32; 3] {
    let b = word.to_le_bytes();
    // Division truncates toward zero, which keeps the noise centred (a shift would not).
    let n = |i: usize| (i32::from(b[i]) + i32::from(b[i + 1]) - 255) * amp / 256;
    [n(0), n(2), n(4)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;

    fn small_face(format: PixelFormat) -> CameraConfig {
        CameraConfig {
            width: 320,
            height: 180,
            format,
            ..CameraConfig::face(0)
        }
    }

    fn fast() -> SimOptions {
        SimOptions {
            realtime: false,
            loop_frames: Some(8),
            ..SimOptions::default()
        }
    }

    #[test]
    fn mjpeg_frames_come_without_huffman_tables_and_decode() {
        let mut cam =
            SimulatedCamera::face(&small_face(PixelFormat::Mjpeg), Background::Red, 1, fast())
                .expect("opens");
        let f = cam.next_frame(Duration::from_secs(1)).expect("frame");
        let layout = mjpeg::inspect(&f.bytes).expect("valid JPEG");
        assert!(!layout.has_dht);
        assert_eq!((layout.width, layout.height), (320, 180));
        let rgb = decode(&f).expect("decodes");
        assert_eq!(rgb.dimensions(), (320, 180));
        assert_eq!(f.sequence, 1);
        assert_eq!(
            cam.next_frame(Duration::from_secs(1))
                .expect("frame")
                .sequence,
            2
        );
    }

    #[test]
    fn yuyv_frames_have_the_exact_size() {
        let mut cam =
            SimulatedCamera::face(&small_face(PixelFormat::Yuyv), Background::Blue, 1, fast())
                .expect("opens");
        let f = cam.next_frame(Duration::from_secs(1)).expect("frame");
        assert_eq!(f.bytes.len(), 320 * 180 * 2);
        assert_eq!(decode(&f).expect("decodes").dimensions(), (320, 180));
    }

    #[test]
    fn paces_at_the_frame_rate_and_skips_frames_nobody_took() {
        let config = CameraConfig {
            fps: 50,
            ..small_face(PixelFormat::Yuyv)
        };
        let options = SimOptions {
            loop_frames: Some(4),
            ..SimOptions::default()
        };
        let mut cam = SimulatedCamera::face(&config, Background::Red, 2, options).expect("opens");
        cam.prerender().expect("renders");
        let t = Instant::now();
        for _ in 0..5 {
            cam.next_frame(Duration::from_secs(1)).expect("frame");
        }
        let took = t.elapsed();
        assert!(took >= Duration::from_millis(60), "{took:?}");
        std::thread::sleep(Duration::from_millis(200));
        let late = cam.next_frame(Duration::from_secs(1)).expect("frame");
        assert!(late.sequence >= 10, "sequence {}", late.sequence);
    }

    #[test]
    fn hotplug_unplug_stall_and_replug() {
        let plug = Hotplug::new();
        let options = SimOptions {
            hotplug: Some(plug.clone()),
            ..fast()
        };
        let config = small_face(PixelFormat::Yuyv);
        let mut cam =
            SimulatedCamera::face(&config, Background::Red, 3, options.clone()).expect("opens");
        cam.next_frame(Duration::from_secs(1)).expect("frame");
        plug.stall();
        let t = Instant::now();
        assert!(matches!(
            cam.next_frame(Duration::from_millis(50)),
            Err(CameraError::Timeout(_))
        ));
        assert!(t.elapsed() >= Duration::from_millis(50));
        plug.unplug();
        assert!(matches!(
            cam.next_frame(Duration::from_secs(1)),
            Err(CameraError::Disconnected(_))
        ));
        assert!(matches!(
            SimulatedCamera::face(&config, Background::Red, 3, options.clone()),
            Err(CameraError::NotFound { index: 0 })
        ));
        plug.plug_in();
        assert!(SimulatedCamera::face(&config, Background::Red, 3, options).is_ok());
    }

    #[test]
    fn yuyv_loop_is_bounded_in_memory() {
        let big = CameraConfig {
            width: 3840,
            height: 2160,
            format: PixelFormat::Yuyv,
            ..CameraConfig::face(0)
        };
        let cam =
            SimulatedCamera::face(&big, Background::Red, 1, SimOptions::default()).expect("opens");
        assert!(cam.loop_len() * big.yuyv_len() <= LOOP_BUDGET_BYTES.max(8 * big.yuyv_len()));
        assert!(cam.loop_len() < DEFAULT_LOOP_FRAMES);
    }

    #[test]
    fn noise_is_small_and_centred() {
        let mut r = rng::Rng::new(5);
        let mut sum = 0i64;
        let mut sq = 0i64;
        for _ in 0..10_000 {
            for v in noise3(r.next_u64(), 8) {
                assert!(v.abs() <= 8);
                sum += i64::from(v);
                sq += i64::from(v * v);
            }
        }
        let n = 30_000.0;
        let mean = sum as f64 / n;
        let sd = (sq as f64 / n - mean * mean).sqrt();
        assert!(mean.abs() < 0.2 && (2.0..4.5).contains(&sd), "{mean} {sd}");
    }
}

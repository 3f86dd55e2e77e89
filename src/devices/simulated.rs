//! The simulated devices of a training station, driven through the real driver code: the
//! signature pad simulator writes ISDV4 packets into a pty that the real pad driver reads; the
//! scanner simulator answers the real scanner driver's HID reports; the camera simulators
//! deliver MJPEG/YUYV frames that the real decoder decodes; the virtual card answers the real
//! card profiles' APDUs.

use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Datelike;
use image::{GrayImage, ImageFormat, RgbImage};
use rekam_camera::{Background, CameraConfig, Eye, FrameSource, SimOptions, SimulatedCamera};
use rekam_device::Backend;
use rekam_fingerprint::mode::{CaptureMode, Finger, Hand};
use rekam_fingerprint::sim::{SimConfig, SimDevice};
use rekam_fingerprint::synth::SyntheticPerson;
use rekam_signature::sim::{self as pad_sim, Faults, PadSimulator};
use rekam_signature::{Pad, PadConfig, PadEvent, Signature, StrokeBuilder};
use rekam_smartcard::{ApplicantCard, OfficerCard, OfficerRole, VirtualCard};
use serialport::{SerialPort, TTYPort};

use crate::capture::policy::{AutoCapture, Decision, QualitySettings, Step, Thresholds};
use crate::capture::quality::Assessment;
use crate::simulate::{Applicant, Gated, Recorder};
use crate::workflow::{CaptureContent, Modality};

/// The simulated devices of a training station, as a [`Recorder`] for `rekam simulate-day`.
#[derive(Debug)]
pub struct SimulatedStation {
    /// Signature pad sample rate: 200 per second in real time, faster otherwise.
    pad_rate_hz: f64,
    realtime: bool,
    signings: u64,
    /// The auto-capture policy's limits, as a station's settings give them.
    quality: QualitySettings,
}

impl SimulatedStation {
    /// `realtime`: devices at their real pace (finger placement, camera frame rate, pen rate).
    pub fn new(realtime: bool) -> Self {
        SimulatedStation {
            pad_rate_hz: if realtime { pad_sim::SAMPLE_HZ } else { 4000.0 },
            realtime,
            signings: 0,
            quality: QualitySettings::default(),
        }
    }

    fn camera_options(&self) -> SimOptions {
        SimOptions {
            // A short motion loop: each applicant opens the camera afresh.
            loop_frames: Some(3),
            realtime: self.realtime,
            ..SimOptions::default()
        }
    }
}

/// Takes a few frames through the real decoder, as a preview would, and keeps the last.
fn grab(camera: &mut SimulatedCamera, frames: usize) -> anyhow::Result<RgbImage> {
    let mut last = None;
    for _ in 0..frames {
        let raw = camera.next_frame(Duration::from_secs(2))?;
        last = Some(rekam_camera::decode(&raw)?);
    }
    last.context("the camera gave no frame")
}

/// Offers what `next` captures to the auto-capture policy, on a simulated clock `interval`
/// apart, until the policy takes or settles on one: what the capture screens do with a live
/// device. Returns it with the best frame's score and every decision.
fn gate<T: Clone>(
    modality: Modality,
    limits: Thresholds,
    interval: Duration,
    mut next: impl FnMut() -> anyhow::Result<(Assessment, T)>,
) -> anyhow::Result<(T, u8, Vec<Decision>)> {
    let t0 = Instant::now();
    let mut policy = AutoCapture::new(modality, limits, t0);
    let mut decisions = Vec::new();
    // Enough frames for every attempt to time out, and then some.
    let per_attempt = limits.timeout().as_millis() / interval.as_millis().max(1) + 2;
    let cap = per_attempt * u128::from(limits.max_attempts.max(1)) + 2;
    let mut at = t0;
    for _ in 0..cap {
        let (assessment, frame) = next()?;
        match policy.offer(assessment, frame, at) {
            Step::Continue => {}
            Step::Retry(d) => decisions.push(d),
            Step::Take(frame, d) | Step::Settle(Some(frame), d) => {
                let score = d.best.as_ref().map_or(0, |b| b.score);
                decisions.push(d);
                return Ok((frame, score, decisions));
            }
            Step::Settle(None, _) => break,
        }
        at += interval;
    }
    bail!("the {} auto-capture policy took nothing", modality.code())
}

/// One capture from the scanner as a grey image.
fn scan<T: rekam_fingerprint::Transport>(
    scanner: &mut rekam_fingerprint::Scanner<T>,
    mode: CaptureMode,
) -> anyhow::Result<GrayImage> {
    let c = scanner.capture(mode, Duration::from_secs(10))?;
    GrayImage::from_raw(c.width, c.height, c.pixels)
        .context("the scanner's image has the wrong size")
}

/// A grey image stored as PNG with the quality its gate gave it.
fn grey_png(image: GrayImage, quality: u8, decisions: Vec<Decision>) -> anyhow::Result<Gated> {
    let (width, height) = image.dimensions();
    Ok(Gated {
        content: CaptureContent::Data {
            format: "png".into(),
            width,
            height,
            quality: Some(quality),
            bytes: encoded(image, ImageFormat::Png)?,
        },
        decisions,
    })
}

fn encoded(image: impl Into<image::DynamicImage>, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    image.into().write_to(&mut out, format)?;
    Ok(out.into_inner())
}

impl Recorder for SimulatedStation {
    fn face(&mut self, a: &Applicant) -> anyhow::Result<Gated> {
        let config = CameraConfig::face(0);
        let born = a.biodata.birth_date.year();
        let background = Background::for_birth_year(born);
        let mut camera =
            SimulatedCamera::face(&config, background, a.person, self.camera_options())?;
        let (taken, score, decisions) = gate(
            Modality::Face,
            self.quality.face,
            config.frame_interval(),
            || {
                let frame = grab(&mut camera, 1)?;
                let face = crate::capture::face::assess(&frame, Some(born))?;
                Ok((face.assessment.clone(), Arc::new((frame, face))))
            },
        )?;
        let (frame, face) = &*taken;
        let bytes = crate::capture::face::token_jpeg(frame, face)
            .context("the photo the policy kept has no face")??;
        Ok(Gated {
            content: CaptureContent::Data {
                format: "jpeg".into(),
                width: crate::capture::face::assess::TOKEN_WIDTH,
                height: crate::capture::face::assess::TOKEN_HEIGHT,
                quality: Some(score),
                bytes,
            },
            decisions,
        })
    }

    fn fingers(&mut self, a: &Applicant) -> anyhow::Result<Vec<(u8, Gated)>> {
        let person = Arc::new(SyntheticPerson::new(a.person));
        let config = if self.realtime {
            SimConfig::default()
        } else {
            SimConfig::fast()
        };
        let device = SimDevice::new(SimConfig {
            person_seed: a.person,
            impression_seed: a.person ^ u64::from(a.number),
            ..config
        })
        .with_person(person);
        let mut scanner = rekam_fingerprint::Scanner::open(device.open()?)?;
        // The 4-4-2 slaps, as at the desk: each cut into its fingers by the quality gate. A
        // finger recorded as an exception is not expected in its slap.
        let excepted = a.finger_exception.map(|(position, _, _)| position);
        let limits = self.quality.finger;
        let mut out = Vec::new();
        for mode in [
            CaptureMode::slap(Hand::Right),
            CaptureMode::slap(Hand::Left),
            CaptureMode::TwoThumbs,
        ] {
            let expected: Vec<Finger> = mode
                .fingers()
                .into_iter()
                .filter(|f| Some(f.position()) != excepted)
                .collect();
            // Each placement of the fingers is one attempt.
            let (slap, _, decisions) = gate(Modality::Finger, limits, limits.timeout(), || {
                let image = scan(&mut scanner, mode)?;
                let slap = crate::capture::finger::assess_slap(&image, mode, &expected);
                Ok((slap.assessment.clone(), Arc::new(slap)))
            })?;
            let mut decisions = Some(decisions);
            for f in &slap.fingers {
                // The slap's decisions go with its first finger.
                let decisions = decisions.take().unwrap_or_default();
                let gated = grey_png(f.image.clone(), f.quality, decisions)?;
                out.push((f.finger.position(), gated));
            }
            // A slap the policy settled on without its fingers: each missing one flat.
            for finger in expected
                .iter()
                .filter(|f| slap.fingers.iter().all(|found| found.finger != **f))
            {
                let image = scan(&mut scanner, CaptureMode::Flat(*finger))?;
                let score = crate::capture::finger::assess_finger(&image).score;
                out.push((finger.position(), grey_png(image, score, Vec::new())?));
            }
        }
        Ok(out)
    }

    fn iris(&mut self, a: &Applicant, position: u8) -> anyhow::Result<Gated> {
        let config = CameraConfig::iris(2);
        let eye = if position == 1 { Eye::Right } else { Eye::Left };
        let mut camera = SimulatedCamera::iris(&config, eye, a.person, self.camera_options())?;
        let (gray, score, decisions) = gate(
            Modality::Iris,
            self.quality.iris,
            config.frame_interval(),
            || {
                // A near-infrared camera sees in grey; keep one channel.
                let gray = crate::capture::iris::to_gray(&grab(&mut camera, 1)?);
                Ok((crate::capture::iris::assess(&gray), gray))
            },
        )?;
        grey_png(gray, score, decisions)
    }

    fn old_card(&mut self, a: &Applicant) -> anyhow::Result<(String, String)> {
        // The applicant card profile against a virtual card, in process: the same APDUs a
        // reader would carry (a real KTP-el chip needs the Dukcapil SAM; see
        // docs/devices/smartcard.md).
        let mut card = VirtualCard::applicant(&ApplicantCard {
            nik: a.biodata.nik.clone(),
            name: a.biodata.full_name.to_uppercase(),
        })?;
        let read = rekam_smartcard::applicant::read(&mut card)?;
        Ok((read.nik, read.name))
    }

    fn officer_card(&mut self, username: &str) -> anyhow::Result<String> {
        const PIN: &str = "2468";
        let mut card = VirtualCard::officer(
            &OfficerCard {
                officer_id: username.to_owned(),
                name: "Operator (latihan)".into(),
                role: OfficerRole::Operator,
            },
            PIN,
        )?;
        Ok(rekam_smartcard::officer::login(&mut card, PIN)?.officer_id)
    }

    fn signature(&mut self, a: &Applicant) -> anyhow::Result<Gated> {
        // Each signing is one attempt: a signature that fails its checks is signed again.
        let limits = self.quality.signature;
        let (bytes, score, decisions) =
            gate(Modality::Signature, limits, limits.timeout(), || {
                self.signings += 1;
                let sig = sign_on_simulated_pad(a.person, self.signings, self.pad_rate_hz)?;
                let bytes = serde_json::to_vec(&sig)?;
                let strokes = crate::capture::signature::parse("isdv4-strokes-json", &bytes)
                    .context("the pad's signature does not read back")?;
                Ok((
                    crate::capture::signature::assess(&strokes),
                    (bytes, sig.pad),
                ))
            })?;
        let (bytes, pad) = bytes;
        Ok(Gated {
            content: CaptureContent::Data {
                format: "isdv4-strokes-json".into(),
                width: u32::from(pad.max_x),
                height: u32::from(pad.max_y),
                quality: Some(score),
                bytes,
            },
            decisions,
        })
    }
}

/// Signs on a simulated ISDV4 pad over an in-process pty pair, read by the real driver.
/// `rate_hz` is the pad's sample rate (200 for real time; faster for quick simulations).
pub fn sign_on_simulated_pad(person: u64, signing: u64, rate_hz: f64) -> anyhow::Result<Signature> {
    let (mut device, mut host) = TTYPort::pair().context("cannot make a pty pair")?;
    device.set_timeout(Duration::from_millis(10))?;
    host.set_timeout(Duration::from_millis(50))?;
    let config = PadConfig {
        port: host.name().unwrap_or_else(|| "pty".into()),
        settle_ms: 5,
        ..PadConfig::default()
    };
    let writer = std::thread::Builder::new()
        .name("rekam-sim-pad".into())
        .spawn(move || -> std::io::Result<usize> {
            let mut pad = PadSimulator::new(device, pad_sim::DEFAULT_CAPABILITIES);
            if !pad.wait_started(Duration::from_secs(5))? {
                return Ok(0);
            }
            let n = pad.sign(
                &pad_sim::handwritten(person, signing),
                rate_hz,
                &Faults::default(),
            )?;
            // Answer the host's stop command; the host may already have closed its end.
            let _ = pad.serve(Duration::from_millis(100));
            Ok(n)
        })?;
    let mut pad = Pad::handshake(host, &config, Backend::Simulated, Instant::now())?;
    let mut strokes = StrokeBuilder::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut done = false;
    while !done {
        if Instant::now() > deadline {
            bail!("the simulated pad did not finish the signature");
        }
        pad.poll(|ev| match ev {
            PadEvent::Sample(s) => {
                strokes.push(s);
                done |= !s.report.proximity;
            }
            PadEvent::LineSilent { .. } => done = true,
        })?;
    }
    let caps = pad.capabilities();
    drop(pad.close());
    let written = writer
        .join()
        .map_err(|_| anyhow::anyhow!("the simulated pad thread failed"))??;
    let signature = strokes.finish(caps);
    if signature.point_count() != written {
        bail!(
            "the pad wrote {written} pen-down samples but the driver read {}",
            signature.point_count()
        );
    }
    Ok(signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_on_the_simulated_pad_arrives_whole() {
        let sig = sign_on_simulated_pad(4, 1, 2000.0).expect("signature");
        let expected = pad_sim::handwritten(4, 1);
        assert_eq!(sig.strokes.len(), expected.len());
        assert_eq!(
            sig.point_count(),
            expected.iter().map(Vec::len).sum::<usize>()
        );
    }
}

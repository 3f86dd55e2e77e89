//! The simulated devices of a training station, driven through the real driver code: the
//! signature pad simulator writes ISDV4 packets into a pty that the real pad driver reads; the
//! scanner simulator answers the real scanner driver's HID reports; the camera simulators
//! deliver MJPEG/YUYV frames that the real decoder decodes; the virtual card answers the real
//! card profiles' APDUs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Datelike;
use image::RgbImage;
use rekam_camera::{Background, CameraConfig, Eye, FrameSource, SimOptions, SimulatedCamera};
use rekam_device::Backend;
use rekam_fingerprint::mode::CaptureMode;
use rekam_fingerprint::sim::{SimConfig, SimDevice};
use rekam_fingerprint::synth::SyntheticPerson;
use rekam_signature::sim::{self as pad_sim, Faults, PadSimulator};
use rekam_signature::{Pad, PadConfig, PadEvent, Signature, StrokeBuilder};
use rekam_smartcard::{ApplicantCard, LoginProof, PivCard, VirtualCard};
use serialport::{SerialPort, TTYPort};

use crate::capture::policy::QualitySettings;
use crate::capture::session::{
    FaceGate, FaceSample, IrisGate, Session, SignatureGate, SlapGate, face_capture, finger_capture,
    iris_capture, signature_capture, slap_captures,
};
use crate::domain::{CaptureInput, Provenance};
use crate::simulate::{Applicant, Recorder};

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

/// One frame through the real decoder, as a preview takes it.
fn grab(camera: &mut SimulatedCamera) -> anyhow::Result<Arc<RgbImage>> {
    let raw = camera.next_frame(Duration::from_secs(2))?;
    Ok(Arc::new(rekam_camera::decode(&raw)?))
}

/// One capture from the scanner.
fn scan<T: rekam_fingerprint::Transport>(
    scanner: &mut rekam_fingerprint::Scanner<T>,
    mode: CaptureMode,
) -> anyhow::Result<Arc<rekam_fingerprint::Capture>> {
    Ok(Arc::new(scanner.capture(mode, Duration::from_secs(10))?))
}

impl Recorder for SimulatedStation {
    fn quality(&self) -> QualitySettings {
        self.quality
    }

    fn face(
        &mut self,
        a: &Applicant,
        session: &mut Session<FaceGate>,
    ) -> anyhow::Result<Vec<CaptureInput>> {
        let config = CameraConfig::face(0);
        let background = Background::for_birth_year(a.biodata.birth_date.year());
        let mut camera =
            SimulatedCamera::face(&config, background, a.person, self.camera_options())?;
        session.set_device(Provenance::of(&camera.info()));
        let taken = session.run(config.frame_interval(), || grab(&mut camera))?;
        let FaceSample { face, .. } = &taken.sample;
        if face.token.is_none() {
            bail!("the photo the policy kept has no face");
        }
        Ok(vec![face_capture(
            &taken.sample.photo(),
            face.assessment.score,
        )?])
    }

    fn fingers(
        &mut self,
        a: &Applicant,
        slaps: &mut [Session<SlapGate>],
    ) -> anyhow::Result<Vec<Vec<CaptureInput>>> {
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
        let provenance = Provenance::of(&scanner.device_info());
        let mut out = Vec::new();
        // The 4-4-2 slaps, as at the desk: each placement of the fingers is one attempt, cut
        // into its fingers by the quality gate.
        for session in slaps {
            session.set_device(provenance.clone());
            let gate = session.gate().clone();
            session.run(self.quality.finger.timeout(), || {
                scan(&mut scanner, gate.mode)
            })?;
            let mut captures = slap_captures(session.attempts(), &gate.expected)?;
            // A slap the policy settled on without some of its fingers: each missing one flat.
            for finger in &gate.expected {
                if captures.iter().all(|c| c.position != finger.position()) {
                    let flat = scan(&mut scanner, CaptureMode::Flat(*finger))?;
                    let image = crate::capture::finger::capture_image(&flat)
                        .context("the scanner's image has the wrong size")?;
                    let crop = crate::capture::finger::FingerResult::whole(*finger, image);
                    captures.push(finger_capture(&crop)?);
                }
            }
            out.push(captures);
        }
        Ok(out)
    }

    fn iris(
        &mut self,
        a: &Applicant,
        position: u8,
        session: &mut Session<IrisGate>,
    ) -> anyhow::Result<Vec<CaptureInput>> {
        let config = CameraConfig::iris(2);
        let eye = if position == 1 { Eye::Right } else { Eye::Left };
        let mut camera = SimulatedCamera::iris(&config, eye, a.person, self.camera_options())?;
        session.set_device(Provenance::of(&camera.info()));
        let taken = session.run(config.frame_interval(), || grab(&mut camera))?;
        Ok(vec![iris_capture(position, &taken.sample)?])
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

    fn officer_login(&mut self, card: &PivCard, pin: &str) -> anyhow::Result<LoginProof> {
        // The PIV login against the card in process: the same APDUs a reader would carry.
        let mut card = VirtualCard::officer(card.clone());
        Ok(rekam_smartcard::piv::login(&mut card, pin)?)
    }

    fn signature(
        &mut self,
        a: &Applicant,
        session: &mut Session<SignatureGate>,
    ) -> anyhow::Result<Vec<CaptureInput>> {
        // Each signing is one attempt: a signature that fails its checks is signed again.
        let rate = self.pad_rate_hz;
        let signings = &mut self.signings;
        let mut pad = None;
        let taken = session.run(self.quality.signature.timeout(), || {
            *signings += 1;
            let (signature, info) = sign_on_simulated_pad(a.person, *signings, rate)?;
            pad = Some(info);
            Ok(signature)
        })?;
        if let Some(info) = &pad {
            session.set_device(Provenance::of(info));
        }
        Ok(vec![signature_capture(&taken.sample)])
    }
}

/// Signs on a simulated ISDV4 pad over an in-process pty pair, read by the real driver.
/// `rate_hz` is the pad's sample rate (200 for real time; faster for quick simulations).
/// Returns the signature and what the driver found on the line.
pub fn sign_on_simulated_pad(
    person: u64,
    signing: u64,
    rate_hz: f64,
) -> anyhow::Result<(Signature, rekam_device::DeviceInfo)> {
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
    let info = pad.info().clone();
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
    Ok((signature, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_on_the_simulated_pad_arrives_whole() {
        let (sig, info) = sign_on_simulated_pad(4, 1, 2000.0).expect("signature");
        assert_eq!(info.backend, Backend::Simulated);
        let expected = pad_sim::handwritten(4, 1);
        assert_eq!(sig.strokes.len(), expected.len());
        assert_eq!(
            sig.point_count(),
            expected.iter().map(Vec::len).sum::<usize>()
        );
    }
}

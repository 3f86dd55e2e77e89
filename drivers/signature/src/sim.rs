//! A simulated ISDV4 pad: the device side of the protocol (answers the query, streams when
//! started, stops when told) writing the packets of a handwritten signature into a serial
//! line, in real time. Tests put it on one end of a `socat` pty pair and the driver on the
//! other; `rekam simulate-day` uses a pty pair made in-process.
//!
//! Signatures follow the oscillation model of handwriting (Hollerbach 1981): cursive writing
//! is a horizontal drift plus coupled horizontal and vertical oscillations whose amplitude and
//! phase change from letter to letter. A person (seed) has a fixed style; each signing varies
//! it slightly, as real signatures vary.

use std::f64::consts::PI;
use std::io;
use std::time::{Duration, Instant};

use rekam_device::rng::SplitMix64;

use crate::driver::Port;
use crate::protocol::{CMD_QUERY, CMD_START, CMD_STOP, PadCapabilities, PenReport};

/// A 100 x 60 mm pad at 100 units per mm with 1024 pressure levels.
pub const DEFAULT_CAPABILITIES: PadCapabilities = PadCapabilities {
    max_x: 10_000,
    max_y: 6_000,
    max_pressure: 1023,
    max_tilt_x: 0,
    max_tilt_y: 0,
    firmware: 0x0105,
};

/// One point of a simulated pen path: millimetres from the pad's top-left corner, and the
/// pressure as a fraction of full scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PenPoint {
    pub x_mm: f64,
    pub y_mm: f64,
    pub pressure: f64,
}

/// A person's signing style, fixed by a seed.
#[derive(Debug, Clone)]
struct Style {
    letters: Vec<(f64, f64, f64)>, // per letter: height mm, loop width mm, phase lag
    width_mm: f64,
    duration_s: f64,
    frequency_hz: f64,
    slant: f64,
    flourish: bool,
    dot: bool,
}

impl Style {
    fn of(person: u64) -> Style {
        let mut r = SplitMix64::new(person ^ 0x5167_4E41_5455_5245);
        let n = 6 + (r.next_u64() % 5) as usize;
        let letters = (0..n)
            .map(|_| {
                let tall = r.range(0.0, 1.0) < 0.25;
                (
                    if tall {
                        r.range(10.0, 15.0)
                    } else {
                        r.range(4.0, 8.0)
                    },
                    r.range(1.0, 4.0),
                    r.range(-0.6, 0.6),
                )
            })
            .collect();
        Style {
            letters,
            width_mm: r.range(50.0, 72.0),
            duration_s: r.range(1.4, 2.4),
            frequency_hz: r.range(3.5, 5.0),
            slant: r.range(0.1, 0.35),
            flourish: r.range(0.0, 1.0) < 0.7,
            dot: r.range(0.0, 1.0) < 0.5,
        }
    }
}

/// Sampling rate of the simulated pen, as an ISDV4 pad reports (about 200 per second).
pub const SAMPLE_HZ: f64 = 200.0;

/// The strokes of one signing by `person`; `signing` varies it (speed, size, jitter).
pub fn handwritten(person: u64, signing: u64) -> Vec<Vec<PenPoint>> {
    let style = Style::of(person);
    let mut r =
        SplitMix64::new(person.rotate_left(17) ^ signing.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let speed = r.range(0.92, 1.08);
    let scale = r.range(0.94, 1.06);
    let (x0, base) = (r.range(14.0, 20.0), r.range(36.0, 40.0));
    let dt = 1.0 / SAMPLE_HZ;

    let duration = style.duration_s / speed;
    let n = (duration / dt) as usize;
    let drift = style.width_mm * scale / duration;
    let w = 2.0 * PI * style.frequency_hz * speed;
    let letters = style.letters.len() as f64;
    let mut main = Vec::with_capacity(n);
    for i in 0..n {
        let t = i as f64 * dt;
        let u = t / duration; // 0..1 through the name
        // Letter parameters, blended smoothly from one letter to the next.
        let pos = u * (letters - 1.0);
        let k = (pos.floor() as usize).min(style.letters.len() - 2);
        let f = 0.5 - 0.5 * (PI * (pos - k as f64)).cos();
        let lerp = |a: f64, b: f64| a + (b - a) * f;
        let (h0, l0, p0) = style.letters[k];
        let (h1, l1, p1) = style.letters[k + 1];
        let (h, l, phase) = (lerp(h0, h1) * scale, lerp(l0, l1) * scale, lerp(p0, p1));
        let jitter = r.range(-0.04, 0.04);
        let up = 0.5 * h * (1.0 - (w * t).cos()); // above the baseline, 0..h
        let x = x0 + drift * t + l * (w * t + phase).sin() + style.slant * up + jitter;
        let y = base - up + jitter;
        // Pressure rises at touch-down, falls at lift-off, and breathes with the strokes.
        let edge = (t / 0.04).min((duration - t) / 0.06).clamp(0.0, 1.0);
        let pressure = edge * (0.62 + 0.12 * (w * t * 0.5).sin() + r.range(-0.02, 0.02));
        main.push(PenPoint {
            x_mm: x,
            y_mm: y,
            pressure,
        });
    }
    let end_x = main.last().map_or(x0 + style.width_mm, |p| p.x_mm);
    let mut strokes = vec![main];

    if style.flourish {
        // An underline swept back from the end of the name.
        let m = (0.35 * SAMPLE_HZ / speed) as usize;
        let start = end_x + r.range(1.0, 4.0);
        let len = style.width_mm * scale * r.range(0.7, 0.9);
        let stroke = (0..m)
            .map(|i| {
                let u = i as f64 / (m.max(2) - 1) as f64;
                let ease = 0.5 - 0.5 * (PI * u).cos();
                PenPoint {
                    x_mm: start - len * ease,
                    y_mm: base + 4.0 + 3.0 * (PI * u).sin() + r.range(-0.05, 0.05),
                    pressure: (u / 0.1).min((1.0 - u) / 0.3).clamp(0.0, 1.0) * 0.55,
                }
            })
            .collect();
        strokes.push(stroke);
    }
    if style.dot {
        let m = (0.06 * SAMPLE_HZ) as usize;
        let (x, y) = (x0 + style.width_mm * 0.3 * scale, base - 12.0 * scale);
        strokes.push(
            (0..m)
                .map(|i| PenPoint {
                    x_mm: x + i as f64 * 0.08,
                    y_mm: y + i as f64 * 0.05,
                    pressure: 0.5,
                })
                .collect(),
        );
    }
    strokes
}

/// Faults the simulated pad can put on the line, for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Bytes written before the packet with this index (counted over all packets sent).
    pub garbage_before: Vec<(usize, Vec<u8>)>,
    /// Packets with these indexes are cut after 4 bytes.
    pub truncate: Vec<usize>,
    /// After this many packets the pad stops sending (the pen still on it).
    pub silent_after: Option<usize>,
}

/// The device side of an ISDV4 pad on a serial line.
#[derive(Debug)]
pub struct PadSimulator<P: Port> {
    port: P,
    caps: PadCapabilities,
    streaming: bool,
    sent: usize,
}

impl<P: Port> PadSimulator<P> {
    pub fn new(port: P, caps: PadCapabilities) -> Self {
        PadSimulator {
            port,
            caps,
            streaming: false,
            sent: 0,
        }
    }

    /// Whether the host has started streaming.
    pub fn streaming(&self) -> bool {
        self.streaming
    }

    /// Packets written so far.
    pub fn sent(&self) -> usize {
        self.sent
    }

    /// Reads and answers host commands for up to `wait`; returns at the first command.
    pub fn serve(&mut self, wait: Duration) -> io::Result<()> {
        let end = Instant::now() + wait;
        let mut buf = [0u8; 16];
        loop {
            match self.port.read(&mut buf) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    for &c in &buf[..n] {
                        match c {
                            CMD_QUERY => self.port.write_all(&self.caps.encode())?,
                            CMD_START => self.streaming = true,
                            CMD_STOP => self.streaming = false,
                            _ => {}
                        }
                    }
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    if Instant::now() >= end {
                        return Ok(());
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Answers commands until the host starts streaming or `timeout` passes.
    pub fn wait_started(&mut self, timeout: Duration) -> io::Result<bool> {
        let end = Instant::now() + timeout;
        while !self.streaming && Instant::now() < end {
            self.serve(Duration::from_millis(20))?;
        }
        Ok(self.streaming)
    }

    /// The pen report for a point, in this pad's units.
    pub fn report(&self, p: &PenPoint, tip: bool) -> PenReport {
        Self::report_for(&self.caps, p, tip)
    }

    /// The pen report for a point on a pad with `caps`.
    pub fn report_for(caps: &PadCapabilities, p: &PenPoint, tip: bool) -> PenReport {
        let x = (p.x_mm * 100.0).round().clamp(0.0, f64::from(caps.max_x)) as u16;
        let y = (p.y_mm * 100.0).round().clamp(0.0, f64::from(caps.max_y)) as u16;
        let pressure = if tip {
            (p.pressure * f64::from(caps.max_pressure))
                .round()
                .clamp(1.0, f64::from(caps.max_pressure)) as u16
        } else {
            0
        };
        PenReport {
            proximity: true,
            tip,
            button: false,
            eraser: false,
            x,
            y,
            pressure,
            tilt_x: 0,
            tilt_y: 0,
        }
    }

    /// Writes one packet (with any faults due for it). Returns `false` once the pad has gone
    /// silent.
    fn send(&mut self, r: &PenReport, faults: &Faults) -> io::Result<bool> {
        if faults.silent_after.is_some_and(|n| self.sent >= n) {
            return Ok(false);
        }
        for (at, bytes) in &faults.garbage_before {
            if *at == self.sent {
                self.port.write_all(bytes)?;
            }
        }
        let bytes = r.encode();
        if faults.truncate.contains(&self.sent) {
            self.port.write_all(&bytes[..4])?;
        } else {
            self.port.write_all(&bytes)?;
        }
        self.sent += 1;
        Ok(true)
    }

    /// Writes the packets of `strokes` at `rate_hz` in real time: the pen comes into proximity,
    /// hovers between strokes, and leaves at the end. Packets are only sent while the host has
    /// streaming on, as a real pad does; commands are answered in between. Returns the number of
    /// pen-down samples written.
    pub fn sign(
        &mut self,
        strokes: &[Vec<PenPoint>],
        rate_hz: f64,
        faults: &Faults,
    ) -> io::Result<usize> {
        let period = Duration::from_secs_f64(1.0 / rate_hz);
        let mut plan: Vec<PenReport> = Vec::new();
        for stroke in strokes {
            let (Some(first), Some(last)) = (stroke.first(), stroke.last()) else {
                continue;
            };
            for _ in 0..4 {
                plan.push(self.report(first, false)); // hovering in
            }
            plan.extend(stroke.iter().map(|p| self.report(p, true)));
            for _ in 0..4 {
                plan.push(self.report(last, false)); // lifted, hovering
            }
        }
        if let Some(last) = plan.last().copied() {
            plan.push(PenReport {
                proximity: false,
                ..last
            });
        }
        let mut down = 0;
        let start = Instant::now();
        for (i, r) in plan.iter().enumerate() {
            // Pace by the schedule, not by sleeps, so the rate holds over a long signature.
            let due = start + period * i as u32;
            while Instant::now() < due {
                let left = due.saturating_duration_since(Instant::now());
                if left > Duration::from_millis(2) {
                    self.serve(Duration::ZERO)?;
                    std::thread::sleep(left.min(Duration::from_millis(2)));
                } else {
                    std::hint::spin_loop();
                }
            }
            if !self.streaming {
                continue;
            }
            if !self.send(r, faults)? {
                break;
            }
            if r.tip {
                down += 1;
            }
        }
        // No flush (tcdrain): a pty delivers on write, and the host may have closed its end as
        // soon as the last packet arrived.
        Ok(down)
    }

    /// Writes raw bytes (line noise) onto the line.
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.port.write_all(bytes)
    }

    pub fn into_port(self) -> P {
        self.port
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_signs_alike_and_never_identically() {
        let a1 = handwritten(7, 1);
        let a2 = handwritten(7, 2);
        let b = handwritten(8, 1);
        assert_eq!(a1, handwritten(7, 1), "deterministic");
        assert_ne!(a1, a2);
        assert_eq!(a1.len(), a2.len(), "same person, same strokes");
        let len = |s: &[Vec<PenPoint>]| s[0].len() as f64;
        assert!((len(&a1) - len(&a2)).abs() / len(&a1) < 0.2);
        // Different people differ in shape: compare the main stroke's vertical profile.
        let profile = |s: &[Vec<PenPoint>]| -> Vec<f64> {
            (0..50).map(|i| s[0][i * s[0].len() / 50].y_mm).collect()
        };
        let dist = |p: &[f64], q: &[f64]| -> f64 {
            p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>() / p.len() as f64
        };
        assert!(dist(&profile(&a1), &profile(&a2)) < dist(&profile(&a1), &profile(&b)));
    }

    #[test]
    fn signatures_stay_on_the_pad_and_look_written() {
        for person in 0..50 {
            let s = handwritten(person, person * 3);
            let main = &s[0];
            assert!(main.len() > 200, "at least a second of writing");
            for p in s.iter().flatten() {
                assert!(p.x_mm > 2.0 && p.x_mm < 98.0 && p.y_mm > 2.0 && p.y_mm < 58.0);
                assert!((0.0..=1.0).contains(&p.pressure));
            }
            let xs: Vec<f64> = main.iter().map(|p| p.x_mm).collect();
            let width = xs.iter().cloned().fold(f64::MIN, f64::max)
                - xs.iter().cloned().fold(f64::MAX, f64::min);
            assert!(width > 35.0, "a name, not a dot: {width}");
        }
    }
}

//! The fingerprint scanner's host driver (`rekam_fingerprint::Scanner`) over input reports from
//! the fuzzer: open (device information), one capture of the mode the first byte picks, with
//! its status, error and chunk reports, their reassembly, resend requests and CRC checks.
//!
//! Input: a mode byte, then records `[len, little-endian u16][len bytes]`, each one input
//! report; a record of length 0 is a read that timed out. When the records run out the device
//! is gone.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use rekam_fingerprint::protocol::{ScannerInfo, id};
use rekam_fingerprint::{CaptureMode, Finger, FingerprintError, Scanner, Transport};

struct Reports<'a> {
    data: &'a [u8],
    info: Vec<u8>,
}

impl Transport for Reports<'_> {
    fn write(&mut self, _report: &[u8]) -> rekam_fingerprint::error::Result<()> {
        Ok(())
    }

    fn read_timeout(
        &mut self,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> rekam_fingerprint::error::Result<usize> {
        let Some((len, rest)) = self.data.split_first_chunk::<2>() else {
            return Err(FingerprintError::Disconnected("end of input".into()));
        };
        let len = usize::from(u16::from_le_bytes(*len))
            .min(rest.len())
            .min(buf.len());
        buf[..len].copy_from_slice(&rest[..len]);
        self.data = &rest[len..];
        Ok(len)
    }

    fn get_feature_report(&mut self, buf: &mut [u8]) -> rekam_fingerprint::error::Result<usize> {
        let n = buf.len().min(self.info.len());
        buf[..n].copy_from_slice(&self.info[..n]);
        Ok(n)
    }

    fn send_feature_report(&mut self, _report: &[u8]) -> rekam_fingerprint::error::Result<()> {
        Ok(())
    }

    fn location(&self) -> String {
        "fuzz".into()
    }

    fn backend(&self) -> rekam_device::Backend {
        rekam_device::Backend::Simulated
    }
}

/// A scanner with small images, so that a whole transfer fits in a few reports.
fn info() -> Vec<u8> {
    let mut i = ScannerInfo::standard("FUZZ-1", "0001", (1, 0, 0));
    i.flat_size = (24, 20);
    i.slap_size = (40, 30);
    i.thumbs_size = (32, 30);
    let b = i.encode().to_vec();
    debug_assert_eq!(b[0], id::INFO);
    b
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let mode = match mode % 4 {
        0 => CaptureMode::SlapRight,
        1 => CaptureMode::SlapLeft,
        2 => CaptureMode::TwoThumbs,
        _ => CaptureMode::Flat(Finger::RightIndex),
    };
    let transport = Reports { data, info: info() };
    let Ok(mut scanner) = Scanner::open(transport) else {
        return;
    };
    if let Ok(capture) = scanner.capture(mode, Duration::from_millis(50)) {
        // What the driver hands on is an image of the size the device declared.
        let (w, h) = scanner.info().image_size(mode);
        assert_eq!((capture.width, capture.height), (u32::from(w), u32::from(h)));
        assert_eq!(capture.pixels.len(), usize::from(w) * usize::from(h));
    }
});

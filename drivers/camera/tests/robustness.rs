//! Property tests: no input makes decoding panic. Garbage, truncated and corrupted frames give
//! errors (or, for corrupted entropy-coded data, an image of the right size), and the next good
//! frame decodes as before (every frame is decoded on its own; nothing carries over).

use proptest::prelude::*;
use rekam_camera::{CameraError, PixelFormat, RawFrame, decode, mjpeg};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decoding must give an error or an image of the negotiated size, never anything else.
fn check(frame: &RawFrame) -> Result<(), TestCaseError> {
    match decode(frame) {
        Ok(img) => prop_assert_eq!(img.dimensions(), (frame.width, frame.height)),
        Err(CameraError::Decode { format, .. }) => prop_assert_eq!(format, frame.format),
        Err(other) => prop_assert!(false, "unexpected error {other:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn garbage_mjpeg_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&RawFrame::new(PixelFormat::Mjpeg, 160, 120, bytes.clone()))?;
        let _ = mjpeg::inspect(&bytes);
        let _ = mjpeg::strip_dht(&bytes);
    }

    #[test]
    fn garbage_after_a_jpeg_start_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        // Begin like a JPEG so that the walk goes deeper than the first marker.
        let mut frame = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 8, 0, 120, 0, 160, 3];
        frame.extend_from_slice(&bytes);
        check(&RawFrame::new(PixelFormat::Mjpeg, 160, 120, frame))?;
    }

    #[test]
    fn corrupted_real_frames_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        which in 0usize..3,
    ) {
        let name = ["face_422_q80_nodht.jpg", "face_420_q85.jpg", "card_422_q95.jpg"][which];
        let good = data(name);
        let size = match which { 1 => (160, 160), 2 => (96, 64), _ => (160, 120) };
        let mut bad = good.clone();
        for (at, value) in &edits {
            let i = at.index(bad.len());
            bad[i] = *value;
        }
        if truncate {
            bad.truncate(cut.index(bad.len()));
        }
        check(&RawFrame::new(PixelFormat::Mjpeg, size.0, size.1, bad))?;
        // The next, intact frame decodes as always.
        prop_assert!(decode(&RawFrame::new(PixelFormat::Mjpeg, size.0, size.1, good)).is_ok());
    }

    #[test]
    fn yuyv_of_any_length_and_size(
        len in 0usize..2000,
        width in 0u32..40,
        height in 0u32..40,
        fill in any::<u8>(),
    ) {
        let frame = RawFrame::new(PixelFormat::Yuyv, width, height, vec![fill; len]);
        let ok = width > 0 && height > 0 && width % 2 == 0
            && len >= (width * height * 2) as usize;
        match decode(&frame) {
            Ok(img) => {
                prop_assert!(ok);
                prop_assert_eq!(img.dimensions(), (width, height));
            }
            Err(CameraError::Decode { .. }) => prop_assert!(!ok),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }
}

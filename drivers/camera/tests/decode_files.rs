//! Decoding real MJPEG and YUYV buffers made by independent encoders (ImageMagick/libjpeg,
//! ffmpeg; see `tests/data/make.sh`) and checking the result against known pixel values and
//! against those tools' own decoding.

use std::io::Cursor;

use image::ImageDecoder;
use image::codecs::jpeg::JpegDecoder;
use rekam_camera::{CameraError, PixelFormat, RawFrame, RgbImage, decode, decode_mjpeg, mjpeg};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn reference_png(name: &str) -> RgbImage {
    image::load_from_memory(&data(name))
        .expect("reference PNG")
        .to_rgb8()
}

/// Mean and largest absolute difference per channel value.
fn compare(a: &RgbImage, b: &RgbImage) -> (f64, u8) {
    assert_eq!(a.dimensions(), b.dimensions());
    let mut sum = 0u64;
    let mut max = 0u8;
    for (x, y) in a.as_raw().iter().zip(b.as_raw()) {
        let d = x.abs_diff(*y);
        sum += u64::from(d);
        max = max.max(d);
    }
    (sum as f64 / a.as_raw().len() as f64, max)
}

/// The test card's 16x16 patches: (column, row) in patches and the RGB they were drawn with.
const PATCHES: [(u32, u32, [u8; 3]); 17] = [
    (0, 0, [255, 255, 255]),
    (1, 0, [255, 0, 0]),
    (2, 0, [0, 255, 0]),
    (3, 0, [0, 0, 255]),
    (4, 0, [255, 255, 0]),
    (5, 0, [0, 255, 255]),
    (0, 1, [255, 0, 255]),
    (1, 1, [128, 128, 128]),
    (2, 1, [64, 64, 64]),
    (3, 1, [192, 192, 192]),
    (4, 1, [224, 172, 140]),
    (5, 1, [141, 85, 36]),
    (0, 2, [190, 30, 45]),
    (3, 2, [30, 80, 170]),
    (0, 3, [0, 0, 0]),
    (2, 3, [255, 128, 0]),
    (4, 3, [0, 128, 255]),
];

#[test]
fn test_card_decodes_to_the_colours_it_was_drawn_with() {
    let rgb = decode_mjpeg(&data("card_422_q95.jpg")).expect("decodes");
    assert_eq!(rgb.dimensions(), (96, 64));
    for (col, row, want) in PATCHES {
        // Patch interiors, away from edges where chroma subsampling blends neighbours.
        for y in row * 16 + 4..row * 16 + 12 {
            for x in col * 16 + 4..col * 16 + 12 {
                let got = rgb.get_pixel(x, y).0;
                for c in 0..3 {
                    assert!(
                        got[c].abs_diff(want[c]) <= 6,
                        "patch ({col},{row}) at ({x},{y}): got {got:?}, drawn {want:?}"
                    );
                }
            }
        }
    }
    let (mean, max) = compare(&rgb, &reference_png("card_422_q95.libjpeg.png"));
    assert!(
        mean < 0.2 && max <= 4,
        "vs libjpeg: mean {mean:.2}, max {max}"
    );
}

#[test]
fn photos_decode_like_libjpeg_decodes_them() {
    for (jpeg, reference) in [
        ("face_420_q85.jpg", "face_420_q85.libjpeg.png"),
        ("face_422_q80.jpg", "face_422_q80.libjpeg.png"),
    ] {
        let rgb = decode_mjpeg(&data(jpeg)).expect("decodes");
        let (mean, max) = compare(&rgb, &reference_png(reference));
        // Decoders differ in IDCT rounding and chroma upsampling filters, not more.
        assert!(
            mean < 0.6 && max <= 8,
            "{jpeg} vs libjpeg: mean {mean:.2}, max {max}"
        );
    }
}

#[test]
fn frames_without_huffman_tables_decode_with_the_standard_ones() {
    for (with, without) in [
        ("card_422_q95.jpg", "card_422_q95_nodht.jpg"),
        ("face_422_q80.jpg", "face_422_q80_nodht.jpg"),
    ] {
        let bare = data(without);
        let layout = mjpeg::inspect(&bare).expect("valid structure");
        assert!(!layout.has_dht);
        // zune-jpeg alone refuses such a frame (no AVI1 marker to tell it that it is MJPEG)...
        let alone = JpegDecoder::new(Cursor::new(&bare[..])).and_then(|d| {
            let mut buf = vec![0u8; d.total_bytes() as usize];
            d.read_image(&mut buf)
        });
        assert!(alone.is_err(), "{without} decoded without tables");
        // ...and with the Annex K tables inserted it decodes exactly like the original.
        let fixed = decode_mjpeg(&bare).expect("decodes");
        assert_eq!(
            fixed,
            decode_mjpeg(&data(with)).expect("decodes"),
            "{without}"
        );
    }
}

#[test]
fn mjpeg_with_an_avi1_marker_and_no_tables_decodes_too() {
    let bare = data("face_422_q80_nodht.jpg");
    // Replace the JFIF APP0 with the AVI1 APP0 some cameras send.
    assert_eq!(&bare[2..4], &[0xFF, 0xE0]);
    let app0_len = usize::from(u16::from_be_bytes([bare[4], bare[5]]));
    let mut avi = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    avi.extend_from_slice(b"AVI1\0");
    avi.extend_from_slice(&[0; 9]);
    avi.extend_from_slice(&bare[4 + app0_len..]);
    assert_eq!(
        decode_mjpeg(&avi).expect("decodes"),
        decode_mjpeg(&data("face_422_q80.jpg")).expect("decodes")
    );
}

#[test]
fn a_padded_v4l2_buffer_decodes_and_the_size_is_checked() {
    let mut bytes = data("face_422_q80_nodht.jpg");
    let len = bytes.len();
    // A V4L2 MJPEG buffer is sized for the worst case; the rest holds an older frame's tail.
    bytes.extend(data("face_420_q85.jpg").iter().cycle().take(40_000));
    assert_eq!(mjpeg::frame_len(&bytes), Some(len));
    let rgb = decode(&RawFrame::new(PixelFormat::Mjpeg, 160, 120, bytes.clone())).expect("decodes");
    assert_eq!(rgb.dimensions(), (160, 120));
    assert!(matches!(
        decode(&RawFrame::new(PixelFormat::Mjpeg, 1280, 720, bytes)),
        Err(CameraError::Decode { .. })
    ));
}

#[test]
fn every_truncation_of_a_real_frame_is_an_error() {
    let bytes = data("face_422_q80_nodht.jpg");
    for cut in 0..bytes.len() {
        let frame = RawFrame::new(PixelFormat::Mjpeg, 160, 120, bytes[..cut].to_vec());
        assert!(
            matches!(decode(&frame), Err(CameraError::Decode { .. })),
            "cut at {cut}"
        );
    }
}

#[test]
fn yuyv_matches_ffmpeg_and_nokhwa() {
    let yuyv = data("random_64x64.yuyv");
    let rgb = decode(&RawFrame::new(PixelFormat::Yuyv, 64, 64, yuyv.clone())).expect("decodes");
    // ffmpeg's swscale, BT.601 limited range: its fast path has ~3 LSB of error.
    let ffmpeg = RgbImage::from_raw(64, 64, data("random_64x64.ffmpeg.rgb")).expect("size");
    let (mean, max) = compare(&rgb, &ffmpeg);
    assert!(
        mean < 1.2 && max <= 3,
        "vs ffmpeg: mean {mean:.2}, max {max}"
    );
    // nokhwa's converter uses 8-bit approximations of the same coefficients.
    let nokhwa = nokhwa::utils::yuyv422_to_rgb(&yuyv, false).expect("converts");
    let nokhwa = RgbImage::from_raw(64, 64, nokhwa).expect("size");
    let (mean, max) = compare(&rgb, &nokhwa);
    assert!(
        mean < 0.2 && max <= 2,
        "vs nokhwa: mean {mean:.2}, max {max}"
    );
    // A wrong layout (UYVY read as YUYV) or full-range coefficients would be far off.
    let mut swapped = yuyv.clone();
    for pair in swapped.chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    let wrong = decode(&RawFrame::new(PixelFormat::Yuyv, 64, 64, swapped)).expect("decodes");
    assert!(compare(&wrong, &ffmpeg).0 > 20.0);
}

#[test]
fn yuyv_truncated_is_an_error_padded_is_fine() {
    let yuyv = data("random_64x64.yuyv");
    let short = RawFrame::new(PixelFormat::Yuyv, 64, 64, yuyv[..yuyv.len() - 1].to_vec());
    assert!(matches!(decode(&short), Err(CameraError::Decode { .. })));
    let mut padded = yuyv.clone();
    padded.extend_from_slice(&[0xAB; 4096]);
    assert_eq!(
        decode(&RawFrame::new(PixelFormat::Yuyv, 64, 64, padded)).expect("decodes"),
        decode(&RawFrame::new(PixelFormat::Yuyv, 64, 64, yuyv)).expect("decodes")
    );
}

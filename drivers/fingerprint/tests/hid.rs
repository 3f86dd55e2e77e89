//! The real hidapi transport on a host with no scanner (no USB HID devices exist here): hidapi
//! initialises and enumerates nothing, every way of opening gives `NotFound`, and hidapi's and
//! the kernel's errors map to the variants the operator can act on.

use std::io;

use rekam_fingerprint::hid::{self, HidConfig, HidTransport, map_hid_error, map_io_error};
use rekam_fingerprint::protocol::{PRODUCT_ID, VENDOR_ID};
use rekam_fingerprint::{FingerprintError, Scanner};

#[test]
fn hidapi_initialises_and_finds_no_scanner() {
    let api = hidapi::HidApi::new().expect("hidapi initialises without devices");
    let ours = api
        .device_list()
        .filter(|d| d.vendor_id() == VENDOR_ID && d.product_id() == PRODUCT_ID)
        .count();
    assert_eq!(ours, 0);
    assert_eq!(
        hid::enumerate(&HidConfig::default()).expect("enumerates"),
        vec![]
    );
}

#[test]
fn opening_our_vid_pid_is_not_found() {
    let e = HidTransport::open(&HidConfig::default()).expect_err("no scanner here");
    assert!(matches!(e, FingerprintError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("1209:0001"), "{e}");
    let by_serial = HidConfig {
        serial: Some("FS500-0042".into()),
        ..HidConfig::default()
    };
    let e = HidTransport::open(&by_serial).expect_err("no scanner here");
    assert!(matches!(e, FingerprintError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("FS500-0042"), "{e}");
    // hidapi's own open by VID/PID fails the same way once mapped.
    let api = hidapi::HidApi::new().expect("hidapi");
    let e = map_hid_error(
        api.open(VENDOR_ID, PRODUCT_ID)
            .expect_err("nothing to open"),
    );
    assert!(matches!(e, FingerprintError::NotFound(_)), "{e:?}");
}

#[test]
fn opening_a_bad_path_is_not_found() {
    for path in ["/dev/hidraw-rekam-does-not-exist", "/dev/null"] {
        let config = HidConfig {
            path: Some(path.into()),
            ..HidConfig::default()
        };
        // /dev/null opens but is not a hidraw node: hidapi's descriptor ioctl refuses it.
        let e = HidTransport::open(&config).expect_err("not a scanner");
        assert!(matches!(e, FingerprintError::NotFound(_)), "{path}: {e:?}");
    }
    let bad = HidConfig {
        path: Some("/dev/hid\0raw".into()),
        ..HidConfig::default()
    };
    assert!(matches!(
        HidTransport::open(&bad),
        Err(FingerprintError::NotFound(_))
    ));
}

#[test]
fn scanner_open_fails_cleanly_without_a_device() {
    let e = HidTransport::open(&HidConfig::default()).and_then(Scanner::open);
    assert!(matches!(e, Err(FingerprintError::NotFound(_))));
}

#[test]
fn kernel_errors_map_to_operator_actions() {
    let os = |code| map_io_error(io::Error::from_raw_os_error(code));
    assert!(matches!(os(13), FingerprintError::PermissionDenied(_)));
    assert!(matches!(os(1), FingerprintError::PermissionDenied(_)));
    // A removed hidraw device: reads give EIO, writes and ioctls ENODEV.
    assert!(matches!(os(5), FingerprintError::Disconnected(_)));
    assert!(matches!(os(19), FingerprintError::Disconnected(_)));
    assert!(matches!(os(108), FingerprintError::Disconnected(_)));
    assert!(matches!(os(16), FingerprintError::InUse(_)));
    assert!(matches!(os(2), FingerprintError::NotFound(_)));
    assert!(matches!(os(110), FingerprintError::Timeout(_)));
    assert!(matches!(os(22), FingerprintError::Io(_)));
    let e = os(13);
    assert!(e.to_string().contains("udev rule"), "{e}");
}

#[test]
fn hidapi_messages_map_to_operator_actions() {
    let msg = |m: &str| {
        map_hid_error(hidapi::HidError::HidApiError {
            message: m.to_owned(),
        })
    };
    // The texts hidapi's Linux backend produces.
    assert!(matches!(
        msg("failed to open device with path /dev/hidraw3: Permission denied (os error 13)"),
        FingerprintError::PermissionDenied(_)
    ));
    assert!(matches!(
        msg("unexpected poll error (device disconnected)"),
        FingerprintError::Disconnected(_)
    ));
    assert!(matches!(
        msg("ioctl (GFEATURE): ENODEV: No such device"),
        FingerprintError::Disconnected(_)
    ));
    assert!(matches!(
        msg("device not found"),
        FingerprintError::NotFound(_)
    ));
    assert!(matches!(
        msg("failed to open device with path /dev/hidraw9: No such file or directory (os error 2)"),
        FingerprintError::NotFound(_)
    ));
    assert!(matches!(
        msg("ioctl(GRDESCSIZE) error for /dev/null, not a HIDRAW device?: ENOTTY"),
        FingerprintError::NotFound(_)
    ));
    assert!(matches!(msg("something else"), FingerprintError::Io(_)));
    let io_err = hidapi::HidError::IoError {
        error: io::Error::from_raw_os_error(19),
    };
    assert!(matches!(
        map_hid_error(io_err),
        FingerprintError::Disconnected(_)
    ));
    let partial = hidapi::HidError::IncompleteSendError { sent: 3, all: 64 };
    assert!(matches!(map_hid_error(partial), FingerprintError::Io(_)));
}

//! Tests of `verify`.

use super::*;

#[test]
fn garbage_and_empty_files_are_not_packets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let garbage = dir.path().join("garbage.rkb");
    std::fs::write(&garbage, [0x5au8; 2000]).expect("write");
    let v = verify_batch(&garbage, &TrustedStations::default(), None).expect("checked");
    assert!(!v.is_ok());
    assert!(
        matches!(
            v.problems[0],
            Problem::NotAPacket { .. } | Problem::MissingEntry { .. }
        ),
        "{:?}",
        v.problems
    );
    let empty = dir.path().join("empty.rkb");
    std::fs::write(&empty, b"").expect("write");
    let v = verify_batch(&empty, &TrustedStations::default(), None).expect("checked");
    assert_eq!(
        v.problems,
        vec![Problem::MissingEntry {
            entry: HEADER_NAME.into()
        }]
    );
    assert!(matches!(
        verify_batch(
            &dir.path().join("none.rkb"),
            &TrustedStations::default(),
            None
        ),
        Err(VerifyError::Io { .. })
    ));
}

//! The tracker's decisions, from plain snapshots.

use super::*;

const A: &str = "Reader A 00 00";
const B: &str = "Reader B 00 00";

fn snap(name: &str, card: CardPresence, count: u32) -> ReaderSnapshot {
    ReaderSnapshot {
        name: name.to_owned(),
        card,
        event_count: count,
    }
}

fn present(atr: &[u8]) -> CardPresence {
    CardPresence::Present { atr: atr.to_vec() }
}

fn data(events: &[MonitorEvent]) -> Vec<CardEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Data(d) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

fn connected_to(events: &[MonitorEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Connected(info) => Some(info.model.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn reports_readers_then_the_first_one_then_its_card() {
    let mut t = Tracker::new(None);
    let ev = t.update(&[
        snap(A, present(&[0x3B, 0x00]), 1),
        snap(B, CardPresence::Empty, 0),
    ]);
    assert_eq!(
        data(&ev),
        [
            CardEvent::ReaderAdded { reader: A.into() },
            CardEvent::ReaderAdded { reader: B.into() },
            CardEvent::CardInserted {
                reader: A.into(),
                atr: vec![0x3B, 0x00]
            },
        ]
    );
    assert_eq!(connected_to(&ev), [A]);
    let Some(Event::Connected(info)) = ev.iter().find(|e| matches!(e, Event::Connected(_))) else {
        panic!("no Connected event");
    };
    assert_eq!(info.class, DeviceClass::Smartcard);
    assert!(
        info.details
            .contains(&("card".to_owned(), "present".to_owned()))
    );
    // Nothing changed: nothing to say.
    assert!(
        t.update(&[
            snap(A, present(&[0x3B, 0x00]), 1),
            snap(B, CardPresence::Empty, 0)
        ])
        .is_empty()
    );
}

#[test]
fn follows_insertions_removals_and_swaps() {
    let mut t = Tracker::new(Some(B.into()));
    t.update(&[
        snap(A, CardPresence::Empty, 0),
        snap(B, CardPresence::Empty, 0),
    ]);
    assert_eq!(t.selected(), Some(B));
    // A card in the other reader is not ours.
    assert!(
        data(&t.update(&[snap(A, present(&[1]), 1), snap(B, CardPresence::Empty, 0)])).is_empty()
    );
    let ev = t.update(&[snap(A, present(&[1]), 1), snap(B, present(&[2]), 1)]);
    assert_eq!(
        data(&ev),
        [CardEvent::CardInserted {
            reader: B.into(),
            atr: vec![2]
        }]
    );
    // Same ATR, but two more insert/remove events counted: another card.
    let ev = t.update(&[snap(A, present(&[1]), 1), snap(B, present(&[2]), 3)]);
    assert_eq!(
        data(&ev),
        [
            CardEvent::CardRemoved { reader: B.into() },
            CardEvent::CardInserted {
                reader: B.into(),
                atr: vec![2]
            },
        ]
    );
    let ev = t.update(&[snap(A, present(&[1]), 1), snap(B, CardPresence::Empty, 4)]);
    assert_eq!(data(&ev), [CardEvent::CardRemoved { reader: B.into() }]);
}

#[test]
fn a_mute_card_is_an_error() {
    let mut t = Tracker::new(None);
    t.update(&[snap(A, CardPresence::Empty, 0)]);
    let ev = t.update(&[snap(A, CardPresence::Mute, 1)]);
    assert_eq!(ev, [Event::Error(SmartcardError::CardUnresponsive)]);
    let ev = t.update(&[snap(A, CardPresence::Empty, 2)]);
    assert_eq!(data(&ev), [CardEvent::CardRemoved { reader: A.into() }]);
}

#[test]
fn a_missing_reader_is_reported_once_until_it_comes() {
    let mut t = Tracker::new(Some(B.into()));
    let ev = t.update(&[snap(A, CardPresence::Empty, 0)]);
    assert!(ev.contains(&Event::Error(SmartcardError::ReaderNotFound {
        name: B.into()
    })));
    assert!(t.update(&[snap(A, CardPresence::Empty, 0)]).is_empty());
    let ev = t.update(&[
        snap(A, CardPresence::Empty, 0),
        snap(B, CardPresence::Empty, 0),
    ]);
    assert_eq!(data(&ev), [CardEvent::ReaderAdded { reader: B.into() }]);
    assert_eq!(connected_to(&ev), [B]);

    let mut t = Tracker::new(None);
    assert_eq!(t.update(&[]), [Event::Error(SmartcardError::NoReader)]);
    assert!(t.update(&[]).is_empty());
}

#[test]
fn losing_the_selected_reader_disconnects_and_falls_back_to_the_next() {
    let mut t = Tracker::new(None);
    t.update(&[snap(A, present(&[1]), 1), snap(B, CardPresence::Empty, 0)]);
    let ev = t.update(&[snap(B, CardPresence::Empty, 0)]);
    assert_eq!(
        data(&ev),
        [
            CardEvent::CardRemoved { reader: A.into() },
            CardEvent::ReaderRemoved { reader: A.into() },
        ]
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Disconnected { reason } if reason.contains("removed")))
    );
    assert_eq!(connected_to(&ev), [B]);
    // A reader listed before the selected one does not take its place.
    let ev = t.update(&[
        snap(A, CardPresence::Empty, 0),
        snap(B, CardPresence::Empty, 0),
    ]);
    assert_eq!(data(&ev), [CardEvent::ReaderAdded { reader: A.into() }]);
    assert!(connected_to(&ev).is_empty());
    assert_eq!(t.selected(), Some(B));
}

#[test]
fn the_service_stopping_and_coming_back() {
    let mut t = Tracker::new(None);
    t.update(&[snap(A, present(&[1]), 1), snap(B, CardPresence::Empty, 0)]);
    let ev = t.service_down("the smartcard service stopped");
    assert_eq!(
        data(&ev),
        [
            CardEvent::CardRemoved { reader: A.into() },
            CardEvent::ReaderRemoved { reader: A.into() },
            CardEvent::ReaderRemoved { reader: B.into() },
        ]
    );
    assert!(matches!(
        ev.last(),
        Some(Event::Error(SmartcardError::ServiceNotRunning))
    ));
    assert!(ev.iter().any(|e| matches!(e, Event::Disconnected { .. })));
    // Still down: said once.
    assert!(t.problem(SmartcardError::ServiceNotRunning).is_empty());
    // Back, the card still in.
    let ev = t.update(&[snap(A, present(&[1]), 1), snap(B, CardPresence::Empty, 0)]);
    assert_eq!(connected_to(&ev), [A]);
    assert_eq!(data(&ev).len(), 3);
    // And down again is reported again.
    assert!(!t.service_down("stopped").is_empty());
}

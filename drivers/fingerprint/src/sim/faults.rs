//! Faults a test can arm on the simulated scanner, and what they do to the chunk stream: lost,
//! damaged and duplicated chunks, garbage reports, a wrong image CRC, an unplug mid-transfer.

use crate::protocol::CHUNK_LEN;
use crate::synth::Rng;

/// Something to go wrong in the next capture (armed with [`SimDevice::arm`](super::SimDevice::arm)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Nobody places a finger: the device reports TIMEOUT when the finger timeout runs out.
    NoFinger,
    /// The finger is lifted while the sensor settles: FINGER_LIFTED.
    FingerLifted,
    /// START_CAPTURE is answered with BUSY.
    Busy,
    /// START_CAPTURE is answered with SENSOR_FAULT.
    SensorFault,
    /// These chunks are lost on the link the first time they are sent.
    DropChunks(Vec<u16>),
    /// This chunk arrives with a damaged byte, once.
    CorruptChunk(u16),
    /// This chunk arrives twice, once.
    DuplicateChunk(u16),
    /// A report of random bytes every `n` chunks.
    Garbage(u32),
    /// The device is unplugged after sending this many chunks.
    UnplugAfterChunks(u32),
    /// The first pass over the image announces a wrong image CRC-32.
    WrongImageCrc,
    /// The firmware hangs: it stops answering anything.
    Silent,
    /// A one-shot fault that has happened.
    Spent,
}

/// The image CRC a chunk announces: wrong during the first pass over the image while
/// [`Fault::WrongImageCrc`] is armed.
pub(super) fn image_crc(faults: &mut Vec<Fault>, index: u16, count: u16, crc: u32) -> u32 {
    let Some(i) = faults.iter().position(|f| *f == Fault::WrongImageCrc) else {
        return crc;
    };
    if index + 1 == count {
        faults.remove(i);
    }
    crc ^ 0x5A5A_5A5A
}

/// What happens to one chunk report on its way to the host.
#[derive(Debug, Default)]
pub(super) struct ChunkFate {
    pub deliver: bool,
    pub duplicate: bool,
    pub garbage_before: Option<Vec<u8>>,
    pub unplug: bool,
}

/// Applies the armed faults to chunk `index` (already encoded in `report`). `counters` are the
/// image ID, the reports of this transfer and the chunks sent so far.
pub(super) fn chunk_fate(
    faults: &mut [Fault],
    index: u16,
    report: &mut [u8; CHUNK_LEN],
    (image_id, reports, chunks_sent): (u16, u32, u32),
) -> ChunkFate {
    let mut fate = ChunkFate {
        deliver: true,
        ..ChunkFate::default()
    };
    for f in faults.iter_mut() {
        match f {
            Fault::DropChunks(list) => {
                if let Some(i) = list.iter().position(|&x| x == index) {
                    list.remove(i);
                    fate.deliver = false;
                }
            }
            Fault::CorruptChunk(i) if *i == index => {
                report[CHUNK_LEN / 2] ^= 0xFF;
                *f = Fault::Spent;
            }
            Fault::DuplicateChunk(i) if *i == index => {
                fate.duplicate = true;
                *f = Fault::Spent;
            }
            Fault::Garbage(n) if *n > 0 && reports % *n == 0 => {
                // A report from nowhere: random length, random bytes, random report ID.
                let mut g = Rng::derive(u64::from(image_id), u64::from(reports));
                let len = 1 + g.below(CHUNK_LEN as u32) as usize;
                fate.garbage_before = Some((0..len).map(|_| g.next_u32() as u8).collect());
            }
            Fault::UnplugAfterChunks(n) if chunks_sent >= *n => fate.unplug = true,
            _ => {}
        }
    }
    fate
}

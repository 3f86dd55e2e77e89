//! Host-side reassembly of an image from its numbered chunks. Pure bookkeeping, no I/O: the
//! scanner feeds it decoded chunks and acts on the answer (acknowledge, ask for a resend from the
//! first missing chunk, or finish). Chunks must arrive in order; anything else is reported, never
//! stored in the wrong place.

use super::{CHUNK_PAYLOAD, Chunk, chunk_count};

/// What happened to a chunk offered to the [`Reassembler`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accept {
    /// Stored; `next` is the next chunk index expected.
    Stored { next: u16 },
    /// The last chunk was stored and the whole image matches its CRC-32.
    Complete,
    /// A chunk already held (a resend overlapping what had arrived). Ignored.
    Duplicate,
    /// A chunk beyond the next expected one: something in between was lost. Ignored; the host
    /// asks the device to resend from `expected`.
    Gap { expected: u16, got: u16 },
    /// A chunk of another image (left over from an earlier capture). Ignored.
    OtherImage { image_id: u16 },
    /// The chunk's header disagrees with the image's earlier chunks. Ignored.
    Inconsistent(&'static str),
    /// Every chunk arrived but the image fails its CRC-32: reassembly restarts from chunk 0.
    BadImageCrc { expected: u32, actual: u32 },
}

/// Collects the chunks of one image.
#[derive(Debug, Clone, Default)]
pub struct Reassembler {
    image_id: Option<u16>,
    mode: u8,
    width: u16,
    height: u16,
    count: u16,
    crc: u32,
    pixels: Vec<u8>,
    next: u16,
    complete: bool,
    duplicates: u32,
    gaps: u32,
    ignored: u32,
}

impl Reassembler {
    /// Takes its image ID from the first chunk it sees.
    pub fn new() -> Reassembler {
        Reassembler::default()
    }

    /// Accepts only chunks of `image_id`.
    pub fn expect(image_id: u16) -> Reassembler {
        Reassembler {
            image_id: Some(image_id),
            ..Reassembler::default()
        }
    }

    pub fn image_id(&self) -> Option<u16> {
        self.image_id
    }

    /// Index of the next chunk expected (= chunks held).
    pub fn next(&self) -> u16 {
        self.next
    }

    /// Chunks in the image, 0 before the first chunk.
    pub fn count(&self) -> u16 {
        self.count
    }

    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Image bytes held so far.
    pub fn received_bytes(&self) -> usize {
        (usize::from(self.next) * CHUNK_PAYLOAD).min(self.pixels.len())
    }

    /// The image bytes held so far (the start of the image).
    pub fn received(&self) -> &[u8] {
        &self.pixels[..self.received_bytes()]
    }

    /// Total image bytes, 0 before the first chunk.
    pub fn total_bytes(&self) -> usize {
        self.pixels.len()
    }

    /// `(duplicates, gaps, ignored)` seen so far, for diagnostics.
    pub fn anomalies(&self) -> (u32, u32, u32) {
        (self.duplicates, self.gaps, self.ignored)
    }

    /// `(mode, width, height)` once the first chunk has arrived.
    pub fn geometry(&self) -> Option<(u8, u16, u16)> {
        (self.count > 0).then_some((self.mode, self.width, self.height))
    }

    /// The finished image, row-major, if complete.
    pub fn into_pixels(self) -> Option<Vec<u8>> {
        self.complete.then_some(self.pixels)
    }

    pub fn accept(&mut self, chunk: &Chunk<'_>) -> Accept {
        match self.image_id {
            Some(id) if id != chunk.image_id => {
                self.ignored += 1;
                return Accept::OtherImage {
                    image_id: chunk.image_id,
                };
            }
            _ => {}
        }
        if self.count == 0 {
            // First chunk of this image: it fixes the geometry.
            let size = usize::from(chunk.width) * usize::from(chunk.height);
            if size == 0 || usize::from(chunk.count) != chunk_count(size) {
                self.ignored += 1;
                return Accept::Inconsistent("image geometry");
            }
            self.image_id = Some(chunk.image_id);
            self.mode = chunk.mode;
            self.width = chunk.width;
            self.height = chunk.height;
            self.count = chunk.count;
            self.crc = chunk.image_crc;
            self.pixels = vec![0; size];
        } else if chunk.width != self.width
            || chunk.height != self.height
            || chunk.count != self.count
            || chunk.image_crc != self.crc
            || chunk.mode != self.mode
        {
            self.ignored += 1;
            return Accept::Inconsistent("chunk header differs from the image's first chunk");
        }
        if self.complete || chunk.index < self.next {
            self.duplicates += 1;
            return Accept::Duplicate;
        }
        if chunk.index > self.next {
            self.gaps += 1;
            return Accept::Gap {
                expected: self.next,
                got: chunk.index,
            };
        }
        let at = usize::from(chunk.index) * CHUNK_PAYLOAD;
        let end = at + chunk.payload.len();
        let expected_len = self.pixels.len().saturating_sub(at).min(CHUNK_PAYLOAD);
        if chunk.payload.len() != expected_len {
            self.ignored += 1;
            return Accept::Inconsistent("payload length");
        }
        self.pixels[at..end].copy_from_slice(chunk.payload);
        self.next += 1;
        if self.next < self.count {
            return Accept::Stored { next: self.next };
        }
        let actual = crc32fast::hash(&self.pixels);
        if actual != self.crc {
            // Every chunk passed its own CRC, so the device assembled a different image than it
            // announced; start over rather than hand over a wrong image, taking the geometry
            // and CRC afresh from the resent first chunk.
            self.next = 0;
            self.count = 0;
            return Accept::BadImageCrc {
                expected: self.crc,
                actual,
            };
        }
        self.complete = true;
        Accept::Complete
    }
}

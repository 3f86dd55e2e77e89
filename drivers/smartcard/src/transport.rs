//! The seam between card profiles and whatever carries APDUs: [`CardTransport`] (a PC/SC
//! connection, the in-process virtual card, later a SAM-backed secure channel), and the exchange
//! rules every profile relies on: 61xx is followed by GET RESPONSE until the card has nothing
//! more, 6Cxx is answered by sending the command again with the exact Le, and error status words
//! become [`SmartcardError`]s.

use crate::SmartcardError;
use crate::apdu::{Command, MAX_SHORT_NE, Response, ins};

/// Carries one command APDU to a card and brings its response APDU back, as raw bytes.
pub trait CardTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, SmartcardError>;
}

impl<T: CardTransport + ?Sized> CardTransport for &mut T {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, SmartcardError> {
        (**self).transmit(apdu)
    }
}

impl<T: CardTransport + ?Sized> CardTransport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, SmartcardError> {
        (**self).transmit(apdu)
    }
}

/// The data gathered from one command through GET RESPONSE may not exceed this: a card that keeps
/// answering 61xx is broken (or hostile), and the loop stops instead of running forever. Each
/// GET RESPONSE must bring at least one byte, so this also bounds the number of rounds.
pub const MAX_RESPONSE_DATA: usize = 4096;

fn send(t: &mut (impl CardTransport + ?Sized), cmd: &Command) -> Result<Response, SmartcardError> {
    Response::parse(&t.transmit(&cmd.encode()?)?)
}

fn ne_from_sw2(sw2: u8) -> u16 {
    if sw2 == 0 {
        MAX_SHORT_NE
    } else {
        u16::from(sw2)
    }
}

/// Sends `cmd` and follows the card's transport-level status words: 6Cxx (send again once with
/// Ne = xx) and 61xx (GET RESPONSE with Le = xx, repeated while the card says more is available,
/// concatenating the data). Returns the complete response with the final status word, whatever
/// it is; [`exchange`] also checks it.
pub fn transceive(
    t: &mut (impl CardTransport + ?Sized),
    cmd: &Command,
) -> Result<Response, SmartcardError> {
    let mut resp = send(t, cmd)?;
    if resp.sw1 == 0x6C {
        let again = cmd.clone().expect(ne_from_sw2(resp.sw2));
        resp = send(t, &again)?;
        if resp.sw1 == 0x6C {
            return Err(SmartcardError::protocol(format!(
                "the card answered {:02X}{:02X} (wrong Le) again after the exact Le was sent",
                resp.sw1, resp.sw2
            )));
        }
    }
    let mut data = std::mem::take(&mut resp.data);
    while resp.sw1 == 0x61 {
        // GET RESPONSE uses the interindustry class on the same logical channel.
        let get =
            Command::new(cmd.cla & 0x03, ins::GET_RESPONSE, 0, 0).expect(ne_from_sw2(resp.sw2));
        resp = send(t, &get)?;
        if resp.sw1 == 0x6C {
            resp = send(t, &get.expect(ne_from_sw2(resp.sw2)))?;
        }
        if resp.data.is_empty() && resp.sw1 == 0x61 {
            return Err(SmartcardError::protocol(
                "GET RESPONSE brought no data yet the card says more is available (61xx)",
            ));
        }
        data.append(&mut resp.data);
        if data.len() > MAX_RESPONSE_DATA {
            return Err(SmartcardError::protocol(format!(
                "the card's response exceeds {MAX_RESPONSE_DATA} bytes"
            )));
        }
    }
    resp.data = data;
    Ok(resp)
}

/// [`transceive`], then the status word is checked: success gives the response, an error status
/// gives the matching [`SmartcardError`] (6982 → `SecurityNotSatisfied`, 63Cx → `WrongPin`...).
pub fn exchange(
    t: &mut (impl CardTransport + ?Sized),
    cmd: &Command,
) -> Result<Response, SmartcardError> {
    transceive(t, cmd)?.check()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::StatusWord;
    use std::collections::VecDeque;

    /// Answers from a script and records what it was sent.
    #[derive(Default)]
    struct Scripted {
        answers: VecDeque<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }

    impl Scripted {
        fn new(answers: &[&[u8]]) -> Self {
            Scripted {
                answers: answers.iter().map(|a| a.to_vec()).collect(),
                sent: Vec::new(),
            }
        }
    }

    impl CardTransport for Scripted {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, SmartcardError> {
            self.sent.push(apdu.to_vec());
            self.answers.pop_front().ok_or(SmartcardError::CardRemoved)
        }
    }

    #[test]
    fn follows_61xx_with_get_response_and_concatenates() {
        let mut t = Scripted::new(&[
            &[1, 2, 0x61, 0x03],
            &[3, 4, 5, 0x61, 0x00],
            &[6, 0x90, 0x00],
        ]);
        let cmd = Command::new(0x00, 0xB0, 0, 0).expect(6);
        let r = exchange(&mut t, &cmd).unwrap();
        assert_eq!(r.data, [1, 2, 3, 4, 5, 6]);
        assert_eq!(r.sw(), StatusWord::SUCCESS);
        assert_eq!(
            t.sent,
            [
                vec![0x00, 0xB0, 0, 0, 6],
                vec![0x00, 0xC0, 0, 0, 3],
                vec![0x00, 0xC0, 0, 0, 0],
            ]
        );
    }

    #[test]
    fn resends_with_the_exact_le_after_6cxx() {
        let mut t = Scripted::new(&[&[0x6C, 0x04], &[9, 8, 7, 6, 0x90, 0x00]]);
        let cmd = Command::new(0x00, 0xB0, 0, 0).expect(0x80);
        let r = exchange(&mut t, &cmd).unwrap();
        assert_eq!(r.data, [9, 8, 7, 6]);
        assert_eq!(t.sent[1], [0x00, 0xB0, 0, 0, 4]);
    }

    #[test]
    fn handles_6cxx_then_61xx_and_6cxx_inside_get_response() {
        let mut t = Scripted::new(&[
            &[0x6C, 0x05],
            &[1, 2, 0x61, 0x05],
            &[0x6C, 0x03],
            &[3, 4, 5, 0x90, 0x00],
        ]);
        let cmd = Command::new(0x00, 0xB0, 0, 0).expect(0x10);
        assert_eq!(exchange(&mut t, &cmd).unwrap().data, [1, 2, 3, 4, 5]);
        assert_eq!(t.sent[2], [0x00, 0xC0, 0, 0, 5]);
        assert_eq!(t.sent[3], [0x00, 0xC0, 0, 0, 3]);
    }

    #[test]
    fn a_second_6cxx_is_a_protocol_error() {
        let mut t = Scripted::new(&[&[0x6C, 0x04], &[0x6C, 0x02]]);
        let cmd = Command::new(0x00, 0xB0, 0, 0).expect(0x80);
        assert!(matches!(
            exchange(&mut t, &cmd),
            Err(SmartcardError::Protocol { .. })
        ));
    }

    #[test]
    fn an_endless_61xx_stream_is_cut_off() {
        let mut piece = vec![0xAA; 255];
        piece.extend_from_slice(&[0x61, 0xFF]);
        let answers: Vec<&[u8]> = vec![&piece; 40];
        let mut t = Scripted::new(&answers);
        let cmd = Command::new(0x00, 0xB0, 0, 0).expect(255);
        assert!(matches!(
            exchange(&mut t, &cmd),
            Err(SmartcardError::Protocol { .. })
        ));
        assert_eq!(t.sent.len(), MAX_RESPONSE_DATA / 255 + 1);
        // 61xx without data from GET RESPONSE would loop forever too.
        let mut t = Scripted::new(&[&[0x61, 0x10], &[0x61, 0x10], &[0x61, 0x10]]);
        assert!(matches!(
            exchange(&mut t, &cmd),
            Err(SmartcardError::Protocol { .. })
        ));
        assert_eq!(t.sent.len(), 2);
    }

    #[test]
    fn error_status_words_become_errors_and_transport_errors_pass_through() {
        let mut t = Scripted::new(&[&[0x63, 0xC2], &[0x69, 0x83], &[0x90]]);
        let verify = Command::new(0x00, 0x20, 0x00, 0x81).with_data([0x31; 8]);
        assert_eq!(
            exchange(&mut t, &verify),
            Err(SmartcardError::WrongPin { retries_left: 2 })
        );
        assert_eq!(exchange(&mut t, &verify), Err(SmartcardError::PinBlocked));
        // One byte is not a response.
        assert!(matches!(
            exchange(&mut t, &verify),
            Err(SmartcardError::Protocol { .. })
        ));
        // The script is exhausted: the transport's own error comes through.
        assert_eq!(exchange(&mut t, &verify), Err(SmartcardError::CardRemoved));
    }

    #[test]
    fn transceive_keeps_the_status_word_for_the_caller() {
        let mut t = Scripted::new(&[&[0x63, 0xC1]]);
        let query = Command::new(0x00, 0x20, 0x00, 0x81);
        let r = transceive(&mut t, &query).unwrap();
        assert_eq!(r.sw().retry_counter(), Some(1));
    }
}

//! What the smartcard driver's errors say to the people at the desk, in their language. The
//! driver's own texts are English, for logs and the command line; here each error the operator
//! or the officer can do something about gets its Indonesian words, with what to do.

use rekam_smartcard::SmartcardError as E;

use crate::lang::{Lang, Localize};

impl Localize for E {
    fn localize(&self, lang: Lang) -> String {
        let id = match self {
            E::ServiceNotRunning => {
                "Layanan kartu pintar (pcscd) tidak berjalan: jalankan `systemctl start pcscd`, atau panggil petugas TI.".to_owned()
            }
            E::NoReader => "Tidak ada pembaca kartu yang terpasang: pasang pembacanya.".to_owned(),
            E::ReaderNotFound { name } => {
                format!("Pembaca kartu \"{name}\" tidak terpasang: pasang, atau periksa pengaturan perangkat (F9).")
            }
            E::NoCard { .. } => "Tidak ada kartu di pembaca: masukkan kartunya.".to_owned(),
            E::Busy => "Pembaca kartu sedang dipakai program lain: tutup program itu, lalu coba lagi.".to_owned(),
            E::PermissionDenied => "Layanan kartu pintar menolak akses ke pembaca (izin).".to_owned(),
            E::CardRemoved => "Kartu dicabut sebelum selesai: masukkan lagi dan coba lagi.".to_owned(),
            E::CardUnresponsive => "Kartu tidak menjawab: cabut dan masukkan lagi.".to_owned(),
            E::Timeout { after, .. } => format!(
                "Kartu tidak menjawab dalam {} ms: cabut dan masukkan lagi.",
                after.as_millis()
            ),
            E::WrongCard { expected } => match expected {
                rekam_smartcard::CardKind::Officer => {
                    "Ini bukan kartu petugas (PIV): gunakan kartu petugas Anda.".to_owned()
                }
                rekam_smartcard::CardKind::Applicant => {
                    "Ini bukan kartu pemohon yang dapat dibaca stasiun ini.".to_owned()
                }
            },
            E::UnsupportedKey { .. } => {
                "Kartu ini tidak dapat dipakai: kunci PIV-nya bukan ECC P-256. Minta kartu dengan kunci P-256 di slot 9A.".to_owned()
            }
            E::CardAuthenticationFailed => {
                "Kartu gagal membuktikan kuncinya (tanda tangan tidak cocok): kartu palsu atau rusak. Simpan kartunya dan beri tahu supervisor.".to_owned()
            }
            E::WrongPin { retries_left } => format!(
                "PIN salah: sisa {retries_left} kali percobaan sebelum kartu terblokir."
            ),
            E::InvalidPinFormat => "PIN terdiri dari 6 sampai 8 angka.".to_owned(),
            E::PinBlocked => {
                "PIN terblokir karena terlalu sering salah: kartu harus dibuka blokirnya oleh penerbit kartu.".to_owned()
            }
            // The rest are faults of a card or reader; the driver's words go to the technician.
            other => return match lang {
                Lang::Id => format!("Kesalahan kartu: {other}."),
                Lang::En => format!("Card error: {other}."),
            },
        };
        match lang {
            Lang::Id => id,
            Lang::En => {
                let t = self.to_string();
                let mut c = t.chars();
                match c.next() {
                    Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
                    None => t,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_officer_hears_what_to_do_in_their_language() {
        let wrong = E::WrongPin { retries_left: 2 };
        assert_eq!(
            wrong.localize(Lang::Id),
            "PIN salah: sisa 2 kali percobaan sebelum kartu terblokir."
        );
        assert_eq!(
            wrong.localize(Lang::En),
            "Wrong PIN: 2 tries left before the card blocks."
        );
        assert!(
            E::CardAuthenticationFailed
                .localize(Lang::Id)
                .contains("kartu palsu")
        );
        let odd = E::WrongData;
        assert!(odd.localize(Lang::Id).starts_with("Kesalahan kartu: "));
        assert!(odd.localize(Lang::En).starts_with("Card error: "));
    }
}

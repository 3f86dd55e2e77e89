//! Writes sample printouts (the proof of recording, a long one with exceptions, and a return
//! slip) as PDF into a folder, for looking at them and for the comparison images in
//! docs/screenshots/ (`packaging/dev/print-samples.sh` renders them to PNG).
//!
//! Run: `cargo run --example print_samples -- OUT_DIR`.

use chrono::NaiveDate;
use rekam::Lang;
use rekam::print::{Proof, ReturnSlip, proof_pdf, return_slip_pdf};

fn main() -> anyhow::Result<()> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or_else(|| anyhow::anyhow!("usage: print_samples OUT_DIR"))?,
    );
    std::fs::create_dir_all(&out)?;
    let proof = Proof {
        register_number: "331301-01-20261121-0007".into(),
        nik: "3313015508950001".into(),
        full_name: "SRI WAHYUNI".into(),
        service: "Rekam baru".into(),
        recorded_at: NaiveDate::from_ymd_opt(2026, 11, 21)
            .and_then(|d| d.and_hms_opt(9, 42, 5))
            .ok_or_else(|| anyhow::anyhow!("date"))?,
        station_id: "01".into(),
        kecamatan_code: "331301".into(),
        kecamatan_name: "Karanganyar".into(),
        operator: "Budi Santoso".into(),
        ticket: "A-007".into(),
        exceptions: vec![],
        training: false,
    };
    let long = Proof {
        full_name: "RADEN AYU SITI NURHALIZA KUSUMAWARDHANI PUSPITASARI NINGRUM".into(),
        exceptions: vec![
            "Sidik jari kelingking kiri: tidak ada (permanen)".into(),
            "Iris kiri: cedera (sementara), mata diperban".into(),
        ],
        ..proof.clone()
    };
    let slip = ReturnSlip {
        ticket: "B-012".into(),
        nik: Some("3313015508950001".into()),
        full_name: Some("Sri Wahyuni".into()),
        service: "Rekam baru".into(),
        missing: vec![
            "Fotokopi Kartu Keluarga".into(),
            "Akta kelahiran atau ijazah terakhir".into(),
            "Formulir F-1.02 yang ditandatangani".into(),
        ],
        reason: Some("Fotokopi KK tidak terbaca; bawa yang asli.".into()),
        date: NaiveDate::from_ymd_opt(2026, 11, 21).ok_or_else(|| anyhow::anyhow!("date"))?,
        kecamatan_name: "Karanganyar".into(),
        station_id: "01".into(),
        training: false,
    };
    std::fs::write(out.join("proof.pdf"), proof_pdf(&proof, Lang::Id)?)?;
    std::fs::write(out.join("proof-en.pdf"), proof_pdf(&proof, Lang::En)?)?;
    std::fs::write(out.join("proof-long.pdf"), proof_pdf(&long, Lang::Id)?)?;
    std::fs::write(out.join("slip.pdf"), return_slip_pdf(&slip, Lang::Id)?)?;
    println!("{}", out.display());
    Ok(())
}

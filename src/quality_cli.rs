//! `rekam quality`: the capture quality gates on files (see `rekam::capture::file`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use rekam::capture::file::{self, FileAssessment, Subject};
use rekam::{Lang, Localize};

/// Checks every file; prints each check with its score and the verdict, as text or JSON Lines.
/// Exit status 0 when every file is acceptable, 1 when one is not, 2 when one cannot be read.
pub fn run(subject: Subject, files: &[PathBuf], json: bool, lang: Lang) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let (mut rejected, mut unreadable) = (false, false);
    for path in files {
        match file::assess_file(path, subject) {
            Ok(found) => {
                rejected |= !found.assessment.acceptable;
                let printed = if json {
                    serde_json::to_string(&found)
                        .map_err(std::io::Error::other)
                        .and_then(|line| writeln!(out, "{line}"))
                } else {
                    write!(out, "{}", text(&found, lang))
                };
                if printed.is_err() {
                    // Standard output is gone (a closed pipe): nothing more to say.
                    return ExitCode::from(2);
                }
            }
            Err(e) => {
                unreadable = true;
                eprintln!("rekam: {}", e.localize(lang));
            }
        }
    }
    ExitCode::from(if unreadable {
        2
    } else if rejected {
        1
    } else {
        0
    })
}

/// One file as text: a line per check (verdict, name, score, measured value, the sentence for
/// the operator), then the verdict.
fn text(found: &FileAssessment, lang: Lang) -> String {
    let a = &found.assessment;
    let mut s = format!("{} ({})\n", found.file, a.modality);
    for f in &a.findings {
        let verdict = match (f.pass, lang) {
            (true, Lang::Id) => "LOLOS",
            (false, Lang::Id) => "GAGAL",
            (true, Lang::En) => "PASS",
            (false, Lang::En) => "FAIL",
        };
        s.push_str(&format!(
            "  {verdict:5} {:20} {:3} {:>10.2}  {}\n",
            f.check,
            f.score,
            f.value,
            f.message(lang)
        ));
    }
    for finger in &found.fingers {
        s.push_str(&format!(
            "  {} {:2}: x {} y {} {}x{}, {} {}\n",
            lang.pick("jari", "finger"),
            finger.position,
            finger.x,
            finger.y,
            finger.width,
            finger.height,
            lang.pick("mutu", "quality"),
            finger.quality
        ));
    }
    let verdict = match (a.acceptable, lang) {
        (true, Lang::Id) => "LAYAK",
        (false, Lang::Id) => "TIDAK LAYAK",
        (true, Lang::En) => "ACCEPTABLE",
        (false, Lang::En) => "NOT ACCEPTABLE",
    };
    s.push_str(&format!(
        "  {}: {verdict} ({} {}/100)\n",
        lang.pick("Putusan", "Verdict"),
        lang.pick("skor", "score"),
        a.score
    ));
    s
}

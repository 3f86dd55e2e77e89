//! `rekam user`: the supervisor's user administration from the command line, and a user's own
//! password change. Passwords are asked for on a terminal, or read one per line from standard
//! input (scripts and tests): the acting supervisor's first, then the new password.

use super::*;

use rekam::store::admin::UserRecord;

/// Reads the next password: a prompt without echo on a terminal, else the next line of
/// standard input.
fn read_secret(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return Ok(Zeroizing::new(rpassword::prompt_password(prompt)?));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading a password from standard input")?;
    Ok(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

/// The proof of the card to issue to `username`: from the card in the station's reader, or on a
/// training station whose reader is simulated, from a new training card personalised with `pin`
/// for them and kept in the station's wallet. A production station never simulates.
fn card_proof(
    paths: &Paths,
    store: &Store,
    username: &str,
    pin: &str,
    lang: Lang,
) -> anyhow::Result<rekam_smartcard::LoginProof> {
    let settings = rekam::devices::DeviceSettings::load(&paths.data_dir)?;
    let diagnosis = rekam::devices::doctor::diagnose_smartcard(&settings, store.station().mode);
    if diagnosis.refused() || !diagnosis.ready() {
        anyhow::bail!(
            "{}",
            diagnosis
                .advice(lang)
                .unwrap_or_else(|| rekam::devices::doctor::render(
                    std::slice::from_ref(&diagnosis),
                    lang
                ))
        );
    }
    let backend = diagnosis.backend().unwrap_or(rekam_device::Backend::Real);
    let holder = store
        .list_users()?
        .into_iter()
        .find(|u| u.username.eq_ignore_ascii_case(username.trim()))
        .map(|u| u.full_name)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}",
                store::users::UserError::NoSuchUser(username.to_owned()).localize(lang)
            )
        })?;
    if backend == rekam_device::Backend::Simulated {
        println!(
            "{}",
            lang.pick(
                "Pembaca kartu simulasi: kartu latihan baru dibuat di dompet kartu stasiun.",
                "Simulated card reader: a new training card is made in the station's card wallet."
            )
        );
    }
    rekam::devices::live::card_to_issue(&paths.data_dir, &settings, backend, username, &holder, pin)
        .map_err(|e| match e.downcast::<rekam_smartcard::SmartcardError>() {
            Ok(card) => anyhow::anyhow!("{}", card.localize(lang)),
            Err(other) => other,
        })
}

/// Signs in the acting supervisor (`--user`).
fn supervisor(store: &mut Store, user: &str, lang: Lang) -> anyhow::Result<store::User> {
    let password = read_secret(&format!(
        "{} {user}: ",
        lang.pick("Kata sandi", "Password for")
    ))?;
    let u = store
        .authenticate(user, &password)
        .map_err(|e| anyhow::anyhow!("{}", e.localize(lang)))?;
    anyhow::ensure!(
        !store.must_change_password(&u)?,
        "{}",
        lang.pick(
            "Kata sandi Anda harus diganti dulu: rekam user passwd NAMA",
            "Your password must be changed first: rekam user passwd NAME"
        )
    );
    Ok(u)
}

fn done(lang: Lang, id: &str, en: &str) -> anyhow::Result<ExitCode> {
    println!("{}", lang.pick(id, en));
    Ok(ExitCode::SUCCESS)
}

fn show(u: &UserRecord, lang: Lang) -> String {
    let mut state = vec![
        if u.active {
            lang.pick("aktif", "active")
        } else {
            lang.pick("nonaktif", "inactive")
        }
        .to_owned(),
    ];
    if let Some(until) = &u.locked_until {
        state.push(format!(
            "{} {until}",
            lang.pick("terkunci sampai", "locked until")
        ));
    }
    if u.must_change_password {
        state.push(
            lang.pick("harus ganti kata sandi", "must change password")
                .to_owned(),
        );
    }
    format!(
        "{:<16} {:<10} {:<32} {}",
        u.username,
        u.role.code(),
        u.full_name,
        state.join(", ")
    )
}

/// What `rekam user` was asked.
#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Add a user; their first password (second line of input) must be changed at first login.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        /// operator or supervisor.
        #[arg(long)]
        role: Role,
        #[arg(long)]
        nip: Option<String>,
        /// The acting supervisor.
        #[arg(long)]
        user: String,
    },
    /// Every user, with role, state and officer cards.
    List,
    /// A user can no longer log in (the last active supervisor cannot be deactivated).
    Deactivate {
        username: String,
        #[arg(long)]
        user: String,
    },
    /// A deactivated user can log in again.
    Activate {
        username: String,
        #[arg(long)]
        user: String,
    },
    /// Set a temporary password (second line of input), to be changed at the next login.
    ResetPassword {
        username: String,
        #[arg(long)]
        user: String,
    },
    /// Unlock an account locked after repeated failed logins.
    Unlock {
        username: String,
        #[arg(long)]
        user: String,
    },
    /// Issue the PIV card in the reader to a user: the card's PIN (second line of input) is
    /// verified, the card signs a fresh challenge, and its key is recorded. On a training
    /// station with a simulated reader, a new training card is personalised with that PIN.
    IssueCard {
        username: String,
        #[arg(long)]
        user: String,
    },
    /// Revoke a user's officer cards (all, or the one whose fingerprint starts so).
    RevokeCard {
        username: String,
        #[arg(long)]
        fingerprint: Option<String>,
        #[arg(long)]
        user: String,
    },
    /// Change one's own password: the current one, then the new one.
    Passwd { username: String },
}

pub(crate) fn run(paths: &Paths, lang: Lang, action: UserCommand) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(paths, Arc::new(SystemClock))?;
    let loc = |e: store::users::UserError| anyhow::anyhow!("{}", e.localize(lang));
    match action {
        UserCommand::List => {
            let cards = store.officer_cards(None)?;
            for u in store.list_users()? {
                println!("{}", show(&u, lang));
                for c in cards
                    .iter()
                    .filter(|c| c.username == u.username && c.revoked_at.is_none())
                {
                    println!(
                        "{:<16} {} {}  {}",
                        "",
                        lang.pick("kartu", "card"),
                        c.short_fingerprint(),
                        c.subject
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::IssueCard { username, user } => {
            let by = supervisor(&mut store, &user, lang)?;
            let pin = read_secret(lang.pick("PIN kartu: ", "Card PIN: "))?;
            let proof = card_proof(paths, &store, &username, &pin, lang)?;
            let card = store.issue_card(&by, &username, &proof).map_err(loc)?;
            println!(
                "{} {} {} ({})",
                lang.pick("Kartu diterbitkan untuk", "Card issued to"),
                card.username,
                card.short_fingerprint(),
                card.subject
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::RevokeCard {
            username,
            fingerprint,
            user,
        } => {
            let by = supervisor(&mut store, &user, lang)?;
            let revoked = store
                .revoke_card(&by, &username, fingerprint.as_deref().unwrap_or(""))
                .map_err(loc)?;
            for c in revoked {
                println!(
                    "{} {} ({})",
                    lang.pick("Kartu dicabut:", "Card revoked:"),
                    c.short_fingerprint(),
                    c.username
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Add {
            username,
            name,
            role,
            nip,
            user,
        } => {
            let by = supervisor(&mut store, &user, lang)?;
            let password = read_secret(lang.pick(
                "Kata sandi pertama pengguna baru: ",
                "The new user's first password: ",
            ))?;
            let added = store
                .add_user(
                    &by,
                    &NewUser {
                        username,
                        full_name: name,
                        nip,
                        role,
                        password,
                    },
                )
                .map_err(loc)?;
            println!(
                "{} {} ({}); {}",
                lang.pick("Pengguna ditambahkan:", "User added:"),
                added.username,
                added.role.code(),
                lang.pick(
                    "kata sandinya harus diganti saat login pertama.",
                    "the password must be changed at the first login."
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Deactivate { username, user } => {
            let by = supervisor(&mut store, &user, lang)?;
            store.deactivate_user(&by, &username).map_err(loc)?;
            done(lang, "Pengguna dinonaktifkan.", "User deactivated.")
        }
        UserCommand::Activate { username, user } => {
            let by = supervisor(&mut store, &user, lang)?;
            store.activate_user(&by, &username).map_err(loc)?;
            done(lang, "Pengguna diaktifkan lagi.", "User activated again.")
        }
        UserCommand::Unlock { username, user } => {
            let by = supervisor(&mut store, &user, lang)?;
            store.unlock_user(&by, &username).map_err(loc)?;
            done(lang, "Akun dibuka kuncinya.", "Account unlocked.")
        }
        UserCommand::ResetPassword { username, user } => {
            let by = supervisor(&mut store, &user, lang)?;
            let password =
                read_secret(lang.pick("Kata sandi sementara: ", "Temporary password: "))?;
            store
                .reset_password(&by, &username, &password)
                .map_err(loc)?;
            done(
                lang,
                "Kata sandi diatur ulang; harus diganti saat login berikutnya.",
                "Password reset; it must be changed at the next login.",
            )
        }
        UserCommand::Passwd { username } => {
            let current = read_secret(lang.pick("Kata sandi sekarang: ", "Current password: "))?;
            let new = read_secret(lang.pick("Kata sandi baru: ", "New password: "))?;
            store
                .change_password(&username, &current, &new)
                .map_err(loc)?;
            done(lang, "Kata sandi diganti.", "Password changed.")
        }
    }
}

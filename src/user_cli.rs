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
pub(crate) enum UserAction {
    Add {
        username: String,
        name: String,
        role: Role,
        nip: Option<String>,
        user: String,
    },
    List,
    Deactivate {
        username: String,
        user: String,
    },
    Activate {
        username: String,
        user: String,
    },
    ResetPassword {
        username: String,
        user: String,
    },
    Unlock {
        username: String,
        user: String,
    },
    Passwd {
        username: String,
    },
}

pub(crate) fn run(paths: &Paths, lang: Lang, action: UserAction) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(paths, Arc::new(SystemClock))?;
    let loc = |e: store::users::UserError| anyhow::anyhow!("{}", e.localize(lang));
    match action {
        UserAction::List => {
            for u in store.list_users()? {
                println!("{}", show(&u, lang));
            }
            Ok(ExitCode::SUCCESS)
        }
        UserAction::Add {
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
        UserAction::Deactivate { username, user } => {
            let by = supervisor(&mut store, &user, lang)?;
            store.deactivate_user(&by, &username).map_err(loc)?;
            done(lang, "Pengguna dinonaktifkan.", "User deactivated.")
        }
        UserAction::Activate { username, user } => {
            let by = supervisor(&mut store, &user, lang)?;
            store.activate_user(&by, &username).map_err(loc)?;
            done(lang, "Pengguna diaktifkan lagi.", "User activated again.")
        }
        UserAction::Unlock { username, user } => {
            let by = supervisor(&mut store, &user, lang)?;
            store.unlock_user(&by, &username).map_err(loc)?;
            done(lang, "Akun dibuka kuncinya.", "Account unlocked.")
        }
        UserAction::ResetPassword { username, user } => {
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
        UserAction::Passwd { username } => {
            let current = read_secret(lang.pick("Kata sandi sekarang: ", "Current password: "))?;
            let new = read_secret(lang.pick("Kata sandi baru: ", "New password: "))?;
            store
                .change_password(&username, &current, &new)
                .map_err(loc)?;
            done(lang, "Kata sandi diganti.", "Password changed.")
        }
    }
}

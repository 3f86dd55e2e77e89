//! User administration (issue 14): the supervisor adds, deactivates, reactivates, resets and
//! unlocks users from the command line and the store, every change audited; nobody deactivates
//! the last active supervisor; a password a supervisor set must be changed; the stated policy.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::*;
use rekam::store::users::UserError;
use rekam::store::{NewUser, Role, Store};
use zeroize::Zeroizing;

#[test]
fn the_supervisor_administers_users_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    drop(setup_store(&p, clock()));
    let sup_pw = format!("{PASSWORD}\n");
    // Add an operator: the first password must follow the policy.
    let out = run_rekam(
        &[
            "user",
            "add",
            "ani",
            "--name",
            "Ani Lestari",
            "--role",
            "operator",
            "--user",
            "kasi",
        ],
        &p,
        &format!("{sup_pw}pendek\n"),
    );
    assert!(!out.status.success());
    assert!(
        output_text(&out).contains("minimal 10"),
        "{}",
        output_text(&out)
    );
    let out = run_rekam(
        &[
            "user",
            "add",
            "ani",
            "--name",
            "Ani Lestari",
            "--role",
            "operator",
            "--user",
            "kasi",
        ],
        &p,
        &format!("{sup_pw}pertama-2026\n"),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let out = run_rekam(&["user", "list"], &p, "");
    let listed = output_text(&out);
    assert!(
        listed.contains("ani") && listed.contains("harus ganti kata sandi"),
        "{listed}"
    );
    // An operator administers nothing.
    let out = run_rekam(
        &["user", "unlock", "kasi", "--user", "ani"],
        &p,
        "pertama-2026\n",
    );
    assert!(!out.status.success());
    // Ani changes her first password, then locks herself out.
    let out = run_rekam(
        &["user", "passwd", "ani"],
        &p,
        "pertama-2026\nmiliknya-2026\n",
    );
    assert!(out.status.success(), "{}", output_text(&out));
    {
        let mut store = Store::open(&p, clock()).unwrap();
        for _ in 0..5 {
            assert!(store.authenticate("ani", "salah-salah-1").is_err());
        }
        assert!(matches!(
            store.authenticate("ani", "miliknya-2026"),
            Err(UserError::Locked(_))
        ));
    }
    let out = run_rekam(&["user", "unlock", "ani", "--user", "kasi"], &p, &sup_pw);
    assert!(out.status.success(), "{}", output_text(&out));
    // Reset: the temporary password must be changed before anything else.
    let out = run_rekam(
        &["user", "reset-password", "ani", "--user", "kasi"],
        &p,
        &format!("{sup_pw}sementara-77\n"),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    // Deactivated: no login; the last active supervisor cannot be.
    let out = run_rekam(
        &["user", "deactivate", "ani", "--user", "kasi"],
        &p,
        &sup_pw,
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let out = run_rekam(
        &["user", "deactivate", "kasi", "--user", "kasi"],
        &p,
        &sup_pw,
    );
    assert!(!out.status.success());
    assert!(
        output_text(&out).contains("Supervisor aktif terakhir"),
        "{}",
        output_text(&out)
    );
    let mut store = Store::open(&p, clock()).unwrap();
    assert!(matches!(
        store.authenticate("ani", "sementara-77"),
        Err(UserError::Inactive)
    ));
    // Every change is in the audit log, and the chain holds.
    let actions: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT action FROM audit_log WHERE entity = 'user' ORDER BY seq")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    for action in [
        "user.create",
        "user.change_password",
        "user.locked",
        "user.unlock",
        "user.reset_password",
        "user.deactivate",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    assert!(store.verify_audit().unwrap().broken.is_none());
}

#[test]
fn the_rules_hold_in_the_store_whoever_calls() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station(&p, clock());
    // An operator cannot add a supervisor (or anyone), nor reset, unlock or deactivate.
    let new = |username: &str, role: Role| NewUser {
        username: username.into(),
        full_name: "Dewi".into(),
        nip: None,
        role,
        password: Zeroizing::new("awal-sekali-1".into()),
    };
    assert!(matches!(
        store.add_user(&op, &new("dewi", Role::Supervisor)),
        Err(UserError::NotSupervisor)
    ));
    assert!(store.reset_password(&op, "kasi", "sementara-88").is_err());
    assert!(store.deactivate_user(&op, "kasi").is_err());
    // The policy: length, two kinds of characters, not the username.
    for weak in ["pendek-1", "hurufsemuasaja", "1234567890", "xdewi-2026-x"] {
        let u = NewUser {
            password: Zeroizing::new(weak.into()),
            ..new("dewi", Role::Operator)
        };
        assert!(
            matches!(store.add_user(&sup, &u), Err(UserError::WeakPassword)),
            "{weak}"
        );
    }
    // A second supervisor; then the first may be deactivated, but not both.
    let dewi = store
        .add_user(&sup, &new("dewi", Role::Supervisor))
        .unwrap();
    assert!(store.must_change_password(&dewi).unwrap());
    store.deactivate_user(&sup, "kasi").unwrap();
    assert!(matches!(
        store.deactivate_user(&dewi, "dewi"),
        Err(UserError::LastSupervisor)
    ));
    // A deactivated supervisor acts no more, even with a User value kept from before.
    assert!(store.unlock_user(&sup, "dewi").is_err());
    store.activate_user(&dewi, "kasi").unwrap();
    assert!(store.unlock_user(&sup, "dewi").is_ok());
    // Changing one's password: the current one is checked, the new one must differ.
    assert!(matches!(
        store.change_password("dewi", "awal-sekali-1", "awal-sekali-1"),
        Err(UserError::SamePassword)
    ));
    assert!(
        store
            .change_password("dewi", "salah-salah-1", "baru-sekali-22")
            .is_err()
    );
    store
        .change_password("dewi", "awal-sekali-1", "baru-sekali-22")
        .unwrap();
    assert!(!store.must_change_password(&dewi).unwrap());
    let listed = store.list_users().unwrap();
    assert_eq!(listed.len(), 3);
}

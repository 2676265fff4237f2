//! Packaging: the binary runs as an unprivileged user whose only writable
//! place is its data directory (as in the Containerfile and the systemd
//! unit), and the unit passes `systemd-analyze verify`. There is no
//! container engine on these machines, so the image itself is not built.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use crate::fake_discord::FakeDiscord;
use crate::helpers::{DISCORD_TOKEN, Running, free_addr, json, kith_command, wait_for_status};

/// `nobody`: an unprivileged user every Debian system has.
const NOBODY: u32 = 65534;

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn uid_of(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let line = status.lines().find(|l| l.starts_with("Uid:")).expect("Uid");
    line.split_whitespace()
        .nth(1)
        .expect("real uid")
        .to_string()
}

#[tokio::test]
async fn kith_runs_as_an_unprivileged_user_writing_only_its_data_directory() {
    let discord = FakeDiscord::start().await;
    let root = tempfile::tempdir().expect("temp dir");
    // The working directory is not the user's to write; `data` is.
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let data = root.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let addr = free_addr();
    let mut command = if is_root() {
        // As root, drop to `nobody` the way a container's USER does.
        let status = Command::new("chown")
            .arg(format!("{NOBODY}:{NOBODY}"))
            .arg(&data)
            .status()
            .expect("chown runs");
        assert!(status.success());
        let mut command = kith_command();
        let program = command.get_program().to_owned();
        let mut setpriv = Command::new("setpriv");
        setpriv
            .args([
                "--reuid",
                &NOBODY.to_string(),
                "--regid",
                &NOBODY.to_string(),
            ])
            .args(["--clear-groups", "--"])
            .arg(program);
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().to_string();
            if name.starts_with("KITH_") || name == "RUST_LOG" {
                setpriv.env_remove(name);
            }
        }
        command = setpriv;
        command
    } else {
        // Not root: already an unprivileged user.
        kith_command()
    };
    command
        .arg("run")
        .current_dir(root.path())
        .env("HOME", &data)
        .env(
            "KITH_DATABASE_URL",
            format!("sqlite://{}/kith.db", data.display()),
        )
        .env("KITH_HTTP_ADDR", &addr)
        .env("KITH_DISCORD_TOKEN", DISCORD_TOKEN)
        .env("KITH_DISCORD_API_URL", &discord.rest_url);
    let logs = tempfile::tempdir().expect("temp dir");
    let mut kith = Running::start(command, logs.path());
    let body = wait_for_status(
        &format!("http://{addr}/readyz"),
        200,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(json(&body)["ready"], true);
    assert_ne!(uid_of(kith.child.id()), "0", "not root");
    assert!(
        data.join("kith.db").exists(),
        "the ledger is in the data directory"
    );
    assert!(kith.terminate(), "{}", kith.stderr());
    let outside: Vec<_> = std::fs::read_dir(root.path())
        .expect("lists")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        outside,
        [std::ffi::OsString::from("data")],
        "nothing written outside data"
    );
}

#[test]
fn the_systemd_unit_is_hardened_and_verifies() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/kith.service"
    ))
    .expect("the unit");
    for line in [
        "DynamicUser=yes",
        "StateDirectory=kith",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "ExecStart=/usr/local/bin/kith run",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line}");
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let Ok(analyze) = which("systemd-analyze") else {
        assert!(!ci, "systemd-analyze is needed under CI");
        eprintln!("skipped: no systemd-analyze on this machine");
        return;
    };
    // Verified with this build's binary in place of /usr/local/bin/kith.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kith.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/kith", env!("CARGO_BIN_EXE_kith")),
    )
    .expect("written");
    let output = Command::new(analyze)
        .arg("verify")
        .arg(&path)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .find(|p| p.is_file())
        })
        .ok_or(())
}

#[test]
fn the_container_runs_kith_unprivileged_with_a_data_volume_and_a_healthcheck() {
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Containerfile"))
        .expect("the Containerfile");
    assert!(file.lines().any(|l| l == "USER 10001:10001"));
    assert!(file.lines().any(|l| l == "VOLUME [\"/data\"]"));
    assert!(file.contains("CMD [\"kith\", \"healthcheck\"]"));
    assert!(file.contains("KITH_DATABASE_URL=sqlite:///data/kith.db"));
}

//! Configuration that never misleads, as the binary shows it: half a
//! platform is refused by naming what is missing, ids keep their digits,
//! `kith config check` masks secrets, `--help` names every adapter, and
//! `kith` with nothing configured and no terminal says what it does.

use std::process::Output;

use crate::helpers::{SLACK_BOT_TOKEN, free_addr, kith_command};

fn run_with(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = kith_command();
    command
        .args(args)
        .current_dir(dir.path())
        .env("KITH_DATABASE_URL", dir.path().join("kith.db"))
        .env("KITH_HTTP_ADDR", free_addr());
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("kith runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// Variables set, and the keys the error must name.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

const KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

#[test]
fn each_half_configured_platform_is_refused_naming_what_is_missing() {
    let cases: &[Case] = &[
        (
            &[("KITH_DISCORD_APPLICATION_ID", "1100000000000000001")],
            &["KITH_DISCORD_TOKEN"],
        ),
        (&[("KITH_DISCORD_PUBLIC_KEY", KEY)], &["KITH_DISCORD_TOKEN"]),
        (
            &[
                ("KITH_DISCORD_TOKEN", "discord-token-1234"),
                ("KITH_DISCORD_PUBLIC_KEY", KEY),
            ],
            &["KITH_DISCORD_APPLICATION_ID"],
        ),
        (
            &[("KITH_SLACK_APP_TOKEN", "xapp-half-1234")],
            &["KITH_SLACK_BOT_TOKEN"],
        ),
        (
            &[("KITH_SLACK_BOT_TOKEN", SLACK_BOT_TOKEN)],
            &["KITH_SLACK_APP_TOKEN", "KITH_SLACK_SIGNING_SECRET"],
        ),
        (
            &[("KITH_SLACK_SIGNING_SECRET", "signing-half-1234")],
            &["KITH_SLACK_BOT_TOKEN"],
        ),
        (
            &[("KITH_SLACK_CLIENT_SECRET", "client-secret-1234")],
            &["KITH_SLACK_APP_TOKEN", "KITH_SLACK_SIGNING_SECRET"],
        ),
        (
            &[
                ("KITH_SLACK_CLIENT_ID", "1234567890.1234567890"),
                ("KITH_SLACK_SIGNING_SECRET", "signing-half-1234"),
            ],
            &["KITH_SLACK_CLIENT_SECRET"],
        ),
    ];
    for (vars, missing) in cases {
        for args in [&["run"][..], &["config", "check"][..]] {
            let output = run_with(vars, args);
            let err = stderr(&output);
            assert!(
                !output.status.success(),
                "{args:?} {vars:?} exited 0: {err}"
            );
            for key in *missing {
                assert!(
                    err.contains(key),
                    "{args:?} {vars:?} does not name {key}: {err}"
                );
            }
            for (_, value) in *vars {
                if !value.starts_with("11") && !value.starts_with("1234") && *value != KEY {
                    assert!(
                        !err.contains(value) && !stdout(&output).contains(value),
                        "a secret shown: {err}"
                    );
                }
            }
            assert!(
                !stdout(&output).contains("you are @"),
                "no console: {}",
                stdout(&output)
            );
        }
    }
}

#[test]
fn a_numeric_client_id_works_from_the_environment_and_the_file() {
    let vars = [
        ("KITH_SLACK_CLIENT_ID", "1234567890.1234567890"),
        ("KITH_SLACK_CLIENT_SECRET", "client-secret-5678"),
        ("KITH_SLACK_SIGNING_SECRET", "signing-secret-5678"),
    ];
    let output = run_with(&vars, &["config", "check"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = stdout(&output);
    assert!(
        shown.contains("slack.client_id = \"1234567890.1234567890\""),
        "{shown}"
    );
    assert!(
        shown.contains("slack.client_secret = ******** (set)"),
        "{shown}"
    );
    assert!(
        !shown.contains("client-secret-5678") && !shown.contains("signing-secret-5678"),
        "{shown}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("kith.toml");
    std::fs::write(
        &file,
        "[slack]\nclient_id = 1234567890.1234567890\nclient_secret = \"client-secret-5678\"\nsigning_secret = \"signing-secret-5678\"\n",
    )
    .expect("written");
    let output = run_with(
        &[],
        &["--config", file.to_str().expect("utf-8"), "config", "check"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("slack.client_id = \"1234567890.1234567890\""),
        "{}",
        stdout(&output)
    );
}

#[test]
fn help_names_all_three_adapters() {
    for args in [&["--help"][..], &["run", "--help"][..]] {
        let output = run_with(&[], args);
        assert!(output.status.success());
        let help = stdout(&output);
        for adapter in [
            "Slack",
            "Discord",
            "Console",
            "KITH_SLACK_APP_TOKEN",
            "KITH_DISCORD_TOKEN",
        ] {
            assert!(
                help.contains(adapter),
                "{args:?} leaves out {adapter}: {help}"
            );
        }
    }
}

#[test]
fn kith_with_nothing_configured_and_no_terminal_says_what_it_is_doing() {
    let output = run_with(&[], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("no platform is configured"), "{err}");
    assert!(err.contains("standard input is not a terminal"), "{err}");
}

#[test]
fn healthcheck_fails_when_nothing_answers() {
    let addr = free_addr();
    let output = run_with(&[("KITH_HTTP_ADDR", &addr)], &["healthcheck"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("not healthy"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_log_format_is_refused() {
    let output = run_with(&[("KITH_LOG_FORMAT", "yaml")], &["config", "check"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("KITH_LOG_FORMAT"),
        "{}",
        stderr(&output)
    );
}

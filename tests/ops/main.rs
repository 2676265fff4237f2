//! Operating Kith: health and readiness in Socket Mode + Gateway, metrics
//! a Prometheus parser reads, JSON logs with no secret in them at trace
//! level, configuration that refuses half a platform, and the binary as
//! an unprivileged user. The platforms are the repo's fakes on 127.0.0.1;
//! most tests run the real `kith` binary.

#[path = "../slack/fake_slack.rs"]
#[allow(dead_code)]
mod fake_slack;

#[path = "../discord/fake_discord.rs"]
#[allow(dead_code)]
mod fake_discord;

mod binary;
mod config;
mod helpers;
mod packaging;
mod readiness;

//! "Add to Slack": the authorize URL and a CSRF `state` that is signed
//! (so any replica can check it), expires, and must match the browser's
//! cookie.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use kith_bot::domain::Secret;
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How long an install may take from Add to Slack to the redirect back.
pub const STATE_TTL_SECS: i64 = 600;

/// The cookie that binds the state to the browser that started the install.
pub const STATE_COOKIE: &str = "kith_slack_state";

/// The bot scopes Kith asks for: `mpim:write` to open a group DM for an
/// introduction or a coffee pair, `chat:write.public` to post shared links
/// and pairing rounds in a public channel Kith has not joined, `users:read`
/// also for who is a workspace admin.
pub const BOT_SCOPES: &[&str] = &[
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "mpim:write",
    "users:read",
    "files:write",
    "files:read",
    "im:history",
    // Reading back Kith's own messages (their delivery keys) in group
    // DMs and channels, to resolve an attempt whose outcome is unknown.
    "mpim:history",
    "channels:history",
    "groups:history",
];

/// A fresh state: `issued.nonce.signature`.
pub fn new_state(key: &Secret, now: DateTime<Utc>) -> String {
    let mut nonce = [0u8; 16];
    rand::rng().fill_bytes(&mut nonce);
    let payload = format!("{}.{}", now.timestamp(), hex::encode(nonce));
    format!("{payload}.{}", hex::encode(mac(key, &payload)))
}

/// Whether `state` was issued by us (with `key`) in the last ten minutes.
pub fn check_state(key: &Secret, state: &str, now: DateTime<Utc>) -> bool {
    let Some((payload, signature)) = state.rsplit_once('.') else {
        return false;
    };
    let Some(issued) = payload
        .split_once('.')
        .and_then(|(t, _)| t.parse::<i64>().ok())
    else {
        return false;
    };
    // `issued` is read before the signature is checked: anyone can write
    // `-9223372036854775808` there, so the difference is checked.
    let fresh = now
        .timestamp()
        .checked_sub(issued)
        .is_some_and(|age| (0..=STATE_TTL_SECS).contains(&age));
    if !fresh {
        return false;
    }
    let Ok(given) = hex::decode(signature) else {
        return false;
    };
    bool::from(mac(key, payload).as_slice().ct_eq(given.as_slice()))
}

fn mac(key: &Secret, payload: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(b"kith-slack-oauth-state:");
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Slack's authorize page for this app, next to the Web API base
/// (`https://slack.com/api` → `https://slack.com/oauth/v2/authorize`).
pub fn authorize_url(api_url: &str, client_id: &str, state: &str) -> String {
    let base = api_url.trim_end_matches('/');
    let base = base.strip_suffix("/api").unwrap_or(base);
    let mut url = url::Url::parse(&format!("{base}/oauth/v2/authorize"))
        .unwrap_or_else(|_| unreachable_url());
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("scope", &BOT_SCOPES.join(","))
        .append_pair("state", state);
    url.to_string()
}

fn unreachable_url() -> url::Url {
    // Only reached with a malformed api_url; Slack's own page is the safe default.
    url::Url::parse("https://slack.com/oauth/v2/authorize")
        .unwrap_or_else(|_| unreachable!("a valid literal URL"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn key() -> Secret {
        Secret::new("client-secret")
    }

    #[test]
    fn a_fresh_state_is_accepted_for_ten_minutes() {
        let now = Utc::now();
        let state = new_state(&key(), now);
        assert!(check_state(&key(), &state, now));
        assert!(check_state(
            &key(),
            &state,
            now + Duration::seconds(STATE_TTL_SECS)
        ));
        assert!(!check_state(
            &key(),
            &state,
            now + Duration::seconds(STATE_TTL_SECS + 1)
        ));
    }

    #[test]
    fn a_forged_or_altered_state_is_refused() {
        let now = Utc::now();
        let state = new_state(&key(), now);
        assert!(!check_state(&Secret::new("other"), &state, now));
        let altered = state.replacen(&now.timestamp().to_string(), "1", 1);
        assert!(!check_state(&key(), &altered, now));
        for bad in ["", "x", "1.2", "1.2.zz", "..."] {
            assert!(!check_state(&key(), bad, now), "{bad}");
        }
    }

    #[test]
    fn a_state_issued_at_the_ends_of_i64_is_refused_not_a_panic() {
        for now in [
            Utc::now(),
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        ] {
            for issued in [i64::MIN, i64::MAX, i64::MIN + 1] {
                let payload = format!("{issued}.00");
                let state = format!("{payload}.{}", hex::encode(mac(&key(), &payload)));
                assert!(!check_state(&key(), &state, now), "{state}");
            }
        }
    }

    #[test]
    fn the_authorize_url_sits_beside_the_api() {
        let url = authorize_url("http://127.0.0.1:9/api/", "123.456", "s");
        assert_eq!(
            url,
            "http://127.0.0.1:9/oauth/v2/authorize?client_id=123.456&scope=commands%2Cchat%3Awrite%2Cchat%3Awrite.public%2Cim%3Awrite%2Cmpim%3Awrite%2Cusers%3Aread%2Cfiles%3Awrite%2Cfiles%3Aread%2Cim%3Ahistory%2Cmpim%3Ahistory%2Cchannels%3Ahistory%2Cgroups%3Ahistory&state=s"
        );
    }
}

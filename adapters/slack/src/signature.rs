//! Slack request signing: `v0=` + hex(HMAC-SHA256(signing secret,
//! `v0:{timestamp}:{body}`)), accepted for five minutes either side of now.
//! The clock is a parameter so Slack's published example (from 2018) is a test.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use kith_bot::domain::Secret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a request's timestamp may be from now, either way (Slack: 5 minutes).
pub const MAX_SKEW_SECS: i64 = 300;

/// The headers Slack signs requests with.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
pub const SIGNATURE_HEADER: &str = "x-slack-signature";

/// Why a request was refused. None of these reveal the secret or the
/// expected signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed (missing X-Slack-Signature or X-Slack-Request-Timestamp)")]
    Missing,
    #[error("the request timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the request timestamp is more than five minutes from now")]
    Stale,
    #[error("the request signature does not match")]
    Mismatch,
}

/// The signature Slack sends for `body` at `timestamp`.
pub fn sign(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    format!("v0={}", hex::encode(mac(secret, timestamp, body)))
}

fn mac(secret: &Secret, timestamp: &str, body: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Whether `at` is at most `window` seconds from `now`, either way. The
/// timestamp is whatever the sender wrote (`i64::MIN` included): the
/// difference is checked, so no value can overflow.
pub(crate) fn within(now: i64, at: i64, window: i64) -> bool {
    now.checked_sub(at)
        .and_then(i64::checked_abs)
        .is_some_and(|skew| skew <= window)
}

/// Checks a request's signature headers against its raw body at `now`:
/// fresh within [`MAX_SKEW_SECS`], and an HMAC compared in constant time.
pub fn verify(
    secret: &Secret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if !within(now.timestamp(), at, MAX_SKEW_SECS) {
        return Err(SignatureError::Stale);
    }
    let Some(given) = signature
        .strip_prefix("v0=")
        .and_then(|hex_part| hex::decode(hex_part).ok())
    else {
        return Err(SignatureError::Mismatch);
    };
    let expected = mac(secret, timestamp.trim(), body);
    if bool::from(expected.as_slice().ct_eq(given.as_slice())) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    // Slack's published example: ../../../shared/vectors/slack-signing.txt
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().expect("valid time")
    }

    fn secret() -> Secret {
        Secret::new(SECRET)
    }

    #[test]
    fn slacks_published_example_is_accepted_at_its_own_time() {
        assert_eq!(sign(&secret(), TIMESTAMP, BODY.as_bytes()), SIGNATURE);
        let now = at(1531420618 + 60);
        assert_eq!(
            verify(
                &secret(),
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                now
            ),
            Ok(())
        );
    }

    #[test]
    fn a_stale_signature_is_rejected() {
        let now = at(1531420618 + MAX_SKEW_SECS + 1);
        assert_eq!(
            verify(
                &secret(),
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                now
            ),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn a_signature_from_the_future_is_rejected() {
        let now = at(1531420618 - MAX_SKEW_SECS - 1);
        assert_eq!(
            verify(
                &secret(),
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                now
            ),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn timestamps_at_the_ends_of_i64_are_stale_not_a_panic() {
        let body = BODY.as_bytes();
        for now in [at(0), at(1531420618), Utc::now()] {
            for ts in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
                let ts = ts.to_string();
                let signed = sign(&secret(), &ts, body);
                assert_eq!(
                    verify(&secret(), Some(&ts), Some(&signed), body, now),
                    Err(SignatureError::Stale),
                    "{ts}"
                );
            }
        }
        assert!(!within(i64::MAX, i64::MIN, MAX_SKEW_SECS));
        assert!(!within(i64::MIN, i64::MAX, MAX_SKEW_SECS));
        assert!(!within(0, i64::MIN, MAX_SKEW_SECS), "|0 - MIN| overflows");
        assert!(within(i64::MAX, i64::MAX, MAX_SKEW_SECS));
        assert!(within(i64::MIN, i64::MIN, 0));
    }

    #[test]
    fn a_timestamp_beyond_i64_is_a_bad_timestamp() {
        for ts in ["9223372036854775808", "-9223372036854775809", "1e9", " "] {
            assert_eq!(
                verify(&secret(), Some(ts), Some(SIGNATURE), BODY.as_bytes(), at(0)),
                Err(SignatureError::BadTimestamp),
                "{ts}"
            );
        }
    }

    #[test]
    fn a_tampered_body_is_rejected() {
        let body = BODY.replace("text=", "text=forget+me");
        assert_eq!(
            verify(
                &secret(),
                Some(TIMESTAMP),
                Some(SIGNATURE),
                body.as_bytes(),
                at(1531420618)
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn another_secret_does_not_verify() {
        assert_eq!(
            verify(
                &Secret::new("not-the-secret"),
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                at(1531420618)
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_or_malformed_headers_are_rejected() {
        let now = at(1531420618);
        let body = BODY.as_bytes();
        assert_eq!(
            verify(&secret(), None, Some(SIGNATURE), body, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(&secret(), Some(TIMESTAMP), None, body, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(&secret(), Some("yesterday"), Some(SIGNATURE), body, now),
            Err(SignatureError::BadTimestamp)
        );
        for bad in ["", "v0=", "v0=zz", "v1=a2114d57", &SIGNATURE[3..]] {
            assert_eq!(
                verify(&secret(), Some(TIMESTAMP), Some(bad), body, now),
                Err(SignatureError::Mismatch),
                "{bad}"
            );
        }
    }
}

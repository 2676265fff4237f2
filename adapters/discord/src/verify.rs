//! Verification of Discord's HTTP interactions: an Ed25519 signature
//! (`X-Signature-Ed25519`, hex) over `X-Signature-Timestamp ++ body`, made
//! with the key whose hex form is the application's "public key", and a
//! replay window on the timestamp.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};

/// How far a request's timestamp may be from now, either way, in seconds.
pub const REPLAY_WINDOW_SECS: i64 = 5 * 60;

/// Why a request was refused. None of these is shown to the sender beyond
/// "401"; they are for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("the signature or timestamp header is missing")]
    MissingHeaders,
    #[error("the signature is not 64 bytes of hex")]
    MalformedSignature,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the timestamp is not a number of seconds")]
    MalformedTimestamp,
    #[error("the timestamp is outside the replay window")]
    Stale,
}

/// A public key that checks interaction signatures.
#[derive(Clone)]
pub struct Verifier {
    key: VerifyingKey,
    window_secs: i64,
}

/// The public key in configuration was not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the Discord public key must be the 64 hex characters shown as \"Public key\" on the application's page"
)]
pub struct BadPublicKey;

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Verifier({})", hex::encode(self.key.as_bytes()))
    }
}

impl Verifier {
    /// A verifier for the application's public key, as hex.
    pub fn new(public_key_hex: &str) -> Result<Verifier, BadPublicKey> {
        let bytes: [u8; 32] = hex::decode(public_key_hex.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(BadPublicKey)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| BadPublicKey)?;
        Ok(Verifier {
            key,
            window_secs: REPLAY_WINDOW_SECS,
        })
    }

    /// Checks only the signature over `timestamp ++ body` (strictly: no
    /// malleable or small-order signatures).
    pub fn verify_signature(
        &self,
        signature_hex: &str,
        timestamp: &str,
        body: &[u8],
    ) -> Result<(), Rejected> {
        let bytes: [u8; 64] = hex::decode(signature_hex.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(Rejected::MalformedSignature)?;
        let signature = Signature::from_bytes(&bytes);
        let mut message = Vec::with_capacity(timestamp.len() + body.len());
        message.extend_from_slice(timestamp.as_bytes());
        message.extend_from_slice(body);
        self.key
            .verify_strict(&message, &signature)
            .map_err(|_| Rejected::BadSignature)
    }

    /// Checks a request: the signature, then that its timestamp is within
    /// the replay window around `now`.
    pub fn verify(
        &self,
        signature_hex: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), Rejected> {
        let (Some(signature), Some(timestamp)) = (signature_hex, timestamp) else {
            return Err(Rejected::MissingHeaders);
        };
        self.verify_signature(signature, timestamp, body)?;
        let secs: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| Rejected::MalformedTimestamp)?;
        // The timestamp is the sender's (signed, but any signer's clock may
        // be anything, `i64::MIN` included): the difference is checked.
        let fresh = now
            .timestamp()
            .checked_sub(secs)
            .and_then(i64::checked_abs)
            .is_some_and(|skew| skew <= self.window_secs);
        if !fresh {
            return Err(Rejected::Stale);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use ed25519_dalek::{Signer, SigningKey};

    // RFC 8032, section 7.1, TEST 1 (/work/shared/vectors/ed25519-rfc8032.txt).
    const RFC_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const RFC_SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    fn signer() -> SigningKey {
        let bytes: [u8; 32] = hex::decode(RFC_SECRET)
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        SigningKey::from_bytes(&bytes)
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().expect("valid")
    }

    #[test]
    fn the_rfc_8032_test_vector_verifies() {
        let verifier = Verifier::new(RFC_PUBLIC).expect("key");
        assert_eq!(verifier.verify_signature(RFC_SIGNATURE, "", b""), Ok(()));
        // And our signer agrees with the RFC's.
        assert_eq!(
            hex::encode(signer().sign(b"").to_bytes()),
            RFC_SIGNATURE,
            "the secret key signs the empty message as in the RFC"
        );
        assert_eq!(hex::encode(signer().verifying_key().as_bytes()), RFC_PUBLIC);
    }

    #[test]
    fn a_signature_over_timestamp_and_body_is_accepted() {
        let verifier = Verifier::new(RFC_PUBLIC).expect("key");
        let body = br#"{"type":1}"#;
        let signature = signer().sign(&[b"1700000000".as_slice(), body].concat());
        let hex_sig = hex::encode(signature.to_bytes());
        assert_eq!(
            verifier.verify(Some(&hex_sig), Some("1700000000"), body, at(1_700_000_010)),
            Ok(())
        );
    }

    #[test]
    fn a_bad_signature_is_rejected() {
        let verifier = Verifier::new(RFC_PUBLIC).expect("key");
        let body = br#"{"type":1}"#;
        let signature = signer().sign(&[b"1700000000".as_slice(), body].concat());
        let hex_sig = hex::encode(signature.to_bytes());
        // The body changed after signing.
        assert_eq!(
            verifier.verify(
                Some(&hex_sig),
                Some("1700000000"),
                br#"{"type":2}"#,
                at(1_700_000_000)
            ),
            Err(Rejected::BadSignature)
        );
        // The timestamp changed after signing.
        assert_eq!(
            verifier.verify(Some(&hex_sig), Some("1700000001"), body, at(1_700_000_000)),
            Err(Rejected::BadSignature)
        );
        // The RFC's signature of the empty message is not one of this body.
        assert_eq!(
            verifier.verify_signature(RFC_SIGNATURE, "", b"x"),
            Err(Rejected::BadSignature)
        );
    }

    #[test]
    fn malformed_or_missing_headers_are_rejected() {
        let verifier = Verifier::new(RFC_PUBLIC).expect("key");
        let now = at(1_700_000_000);
        assert_eq!(
            verifier.verify(None, Some("1"), b"", now),
            Err(Rejected::MissingHeaders)
        );
        assert_eq!(
            verifier.verify(Some(RFC_SIGNATURE), None, b"", now),
            Err(Rejected::MissingHeaders)
        );
        for bad in ["", "zz", "abcd", &RFC_SIGNATURE[2..]] {
            assert_eq!(
                verifier.verify(Some(bad), Some(""), b"", now),
                Err(Rejected::MalformedSignature),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_old_or_future_timestamp_is_a_replay() {
        let verifier = Verifier::new(RFC_PUBLIC).expect("key");
        let body = b"{}";
        let signed =
            |ts: &str| hex::encode(signer().sign(&[ts.as_bytes(), body].concat()).to_bytes());
        let now = at(1_700_000_000);
        let old = (1_700_000_000 - REPLAY_WINDOW_SECS - 1).to_string();
        assert_eq!(
            verifier.verify(Some(&signed(&old)), Some(&old), body, now),
            Err(Rejected::Stale)
        );
        let future = (1_700_000_000 + REPLAY_WINDOW_SECS + 1).to_string();
        assert_eq!(
            verifier.verify(Some(&signed(&future)), Some(&future), body, now),
            Err(Rejected::Stale)
        );
        assert_eq!(
            verifier.verify(Some(&signed("soon")), Some("soon"), body, now),
            Err(Rejected::MalformedTimestamp)
        );
    }

    #[test]
    fn timestamps_at_the_ends_of_i64_are_stale_not_a_panic() {
        let verifier = Verifier::new(RFC_PUBLIC).expect("key");
        let body = b"{}";
        let signed =
            |ts: &str| hex::encode(signer().sign(&[ts.as_bytes(), body].concat()).to_bytes());
        for now in [at(0), at(1_700_000_000), Utc::now()] {
            for ts in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
                let ts = ts.to_string();
                assert_eq!(
                    verifier.verify(Some(&signed(&ts)), Some(&ts), body, now),
                    Err(Rejected::Stale),
                    "{ts}"
                );
            }
        }
        let beyond = "9223372036854775808";
        assert_eq!(
            verifier.verify(Some(&signed(beyond)), Some(beyond), body, at(0)),
            Err(Rejected::MalformedTimestamp)
        );
    }

    #[test]
    fn a_public_key_that_is_not_32_bytes_of_hex_is_refused() {
        for bad in ["", "xyz", &RFC_PUBLIC[2..], "00"] {
            assert!(Verifier::new(bad).is_err(), "{bad}");
        }
    }
}

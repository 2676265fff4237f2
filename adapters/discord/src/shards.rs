//! Which Gateway shards this replica connects (`KITH_DISCORD_SHARDS`), and
//! the leases that keep one connection per shard across every replica.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// A range of shards of a total: `0-1/4` is shards 0 and 1 of 4, `2/4`
/// shard 2 of 4. The default, `0/1`, is the one shard a bot in fewer than
/// 2,500 servers needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shards {
    first: u32,
    last: u32,
    total: u32,
}

impl Default for Shards {
    fn default() -> Self {
        Shards {
            first: 0,
            last: 0,
            total: 1,
        }
    }
}

impl Shards {
    /// The shard ids, as serenity starts them.
    pub fn range(&self) -> Range<u32> {
        self.first..self.last + 1
    }

    /// The first and last shard (inclusive).
    pub fn bounds(&self) -> (u32, u32) {
        (self.first, self.last)
    }

    pub fn total(&self) -> u32 {
        self.total
    }

    /// One lease per shard, named by the shard alone: two replicas never
    /// connect the same shard, whatever ranges they were given.
    pub fn lease_names(&self) -> Vec<String> {
        self.range()
            .map(|shard| format!("discord-gateway/shard/{shard}"))
            .collect()
    }
}

impl fmt::Display for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.first == self.last {
            true => write!(f, "{}/{}", self.first, self.total),
            false => write!(f, "{}-{}/{}", self.first, self.last, self.total),
        }
    }
}

/// Discord's own ceiling is far above this; a bigger number is a typo.
const MOST_SHARDS: u32 = 4_096;

impl FromStr for Shards {
    type Err = String;

    fn from_str(text: &str) -> Result<Shards, String> {
        let wrong = || {
            format!(
                "\"{text}\" is not a shard range: write FIRST-LAST/TOTAL (e.g. 0-1/4) or SHARD/TOTAL (e.g. 2/4)"
            )
        };
        let (range, total) = text.trim().split_once('/').ok_or_else(wrong)?;
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| wrong());
        let total = number(total)?;
        let (first, last) = match range.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => {
                let shard = number(range)?;
                (shard, shard)
            }
        };
        if total == 0 || total > MOST_SHARDS {
            return Err(format!(
                "\"{text}\": the total number of shards must be between 1 and {MOST_SHARDS}"
            ));
        }
        if first > last || last >= total {
            return Err(format!(
                "\"{text}\": shards are numbered 0 to {} and the range must go upwards",
                total - 1
            ));
        }
        Ok(Shards { first, last, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_single_shards_are_read() {
        let shards: Shards = "0-1/4".parse().expect("range");
        assert_eq!(shards.range(), 0..2);
        assert_eq!(shards.total(), 4);
        assert_eq!(
            shards.lease_names(),
            ["discord-gateway/shard/0", "discord-gateway/shard/1"]
        );
        assert_eq!(shards.to_string(), "0-1/4");
        let one: Shards = " 2/4 ".parse().expect("one");
        assert_eq!((one.range(), one.to_string()), (2..3, "2/4".to_string()));
        assert_eq!(Shards::default().to_string(), "0/1");
    }

    #[test]
    fn a_wrong_range_is_refused_with_what_to_write() {
        for (text, says) in [
            ("4", "FIRST-LAST/TOTAL"),
            ("a-b/4", "FIRST-LAST/TOTAL"),
            ("0-1/0", "between 1 and 4096"),
            ("3-4/4", "numbered 0 to 3"),
            ("2-1/4", "must go upwards"),
            ("0/99999", "between 1 and 4096"),
        ] {
            let error = text.parse::<Shards>().expect_err(text);
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}

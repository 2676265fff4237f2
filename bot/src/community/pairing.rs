//! Who is paired with whom in a coffee round.
//!
//! Everyone opted in is put in a pair, and with an odd count one pair
//! becomes a trio. A pairing costs more the more recently the two were
//! paired (within [`super::AVOID_REPEATS_FOR_ROUNDS`] rounds, far more than
//! any time-zone difference, so a repeat happens only when nothing else is
//! possible) and the further apart their time zones are. A greedy pass,
//! from a shuffled order so rounds differ, is improved by swapping partners
//! between pairs until no swap helps. Pure and seeded, so it is tested
//! exactly.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::AVOID_REPEATS_FOR_ROUNDS;
use crate::domain::MemberId;

/// Someone to pair, with their time zone's offset from UTC now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub member: MemberId,
    pub utc_offset_minutes: i32,
}

/// A group from an earlier round, `rounds_ago` rounds back (1 = the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastGroup {
    pub rounds_ago: u32,
    pub members: Vec<MemberId>,
}

const REPEAT_COST: u64 = 10_000;

struct Costs {
    offsets: HashMap<MemberId, i32>,
    /// Most recent round each two were together, keyed low id first.
    recent: HashMap<(MemberId, MemberId), u32>,
}

fn key(a: MemberId, b: MemberId) -> (MemberId, MemberId) {
    if a.0 <= b.0 { (a, b) } else { (b, a) }
}

impl Costs {
    fn new(candidates: &[Candidate], history: &[PastGroup]) -> Costs {
        let mut recent = HashMap::new();
        for group in history
            .iter()
            .filter(|g| g.rounds_ago <= AVOID_REPEATS_FOR_ROUNDS)
        {
            for (i, a) in group.members.iter().enumerate() {
                for b in &group.members[i + 1..] {
                    let seen = recent.entry(key(*a, *b)).or_insert(group.rounds_ago);
                    *seen = (*seen).min(group.rounds_ago);
                }
            }
        }
        Costs {
            offsets: candidates
                .iter()
                .map(|c| (c.member, c.utc_offset_minutes))
                .collect(),
            recent,
        }
    }

    fn pair(&self, a: MemberId, b: MemberId) -> u64 {
        let repeat = match self.recent.get(&key(a, b)) {
            // The more recent, the costlier.
            Some(ago) => REPEAT_COST * u64::from(AVOID_REPEATS_FOR_ROUNDS + 1 - ago),
            None => 0,
        };
        let apart = (self.offsets.get(&a).copied().unwrap_or(0)
            - self.offsets.get(&b).copied().unwrap_or(0))
        .unsigned_abs();
        // Hours apart (a day wraps around: +12 and -11 are an hour apart).
        let apart = apart % (24 * 60);
        let apart = apart.min(24 * 60 - apart) / 60;
        repeat + u64::from(apart)
    }

    fn group(&self, members: &[MemberId]) -> u64 {
        let mut total = 0;
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                total += self.pair(*a, *b);
            }
        }
        total
    }
}

/// Splits `candidates` into pairs (and one trio for an odd count). Fewer
/// than two candidates make no groups.
pub fn pair(candidates: &[Candidate], history: &[PastGroup], seed: u64) -> Vec<Vec<MemberId>> {
    if candidates.len() < 2 {
        return Vec::new();
    }
    let costs = Costs::new(candidates, history);
    let mut order: Vec<MemberId> = candidates.iter().map(|c| c.member).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));

    // Greedy: each unpaired person takes the cheapest partner left.
    let mut pairs: Vec<[MemberId; 2]> = Vec::new();
    let mut left = order;
    let odd = if left.len() % 2 == 1 {
        left.pop()
    } else {
        None
    };
    while let Some(a) = left.first().copied() {
        left.remove(0);
        let (at, _) = left
            .iter()
            .enumerate()
            .min_by_key(|(_, b)| costs.pair(a, **b))
            .expect("an even count leaves a partner");
        let b = left.remove(at);
        pairs.push([a, b]);
    }

    // Swap partners between two pairs while that lowers the total. Two
    // pairs that cost nothing cannot do better, so each swap involves a
    // pair that costs something: far fewer than all pairs of pairs.
    let mut improved = true;
    let mut passes = 0;
    while improved && passes < 50 {
        improved = false;
        passes += 1;
        for j in 0..pairs.len() {
            for i in 0..pairs.len() {
                let [c, d] = pairs[j];
                let here = costs.pair(c, d);
                if here == 0 {
                    break;
                }
                if i == j {
                    continue;
                }
                let [a, b] = pairs[i];
                let now = costs.pair(a, b) + here;
                let crossed = costs.pair(a, c) + costs.pair(b, d);
                let straight = costs.pair(a, d) + costs.pair(b, c);
                if crossed < now && crossed <= straight {
                    pairs[i] = [a, c];
                    pairs[j] = [b, d];
                    improved = true;
                } else if straight < now {
                    pairs[i] = [a, d];
                    pairs[j] = [b, c];
                    improved = true;
                }
            }
        }
    }

    let mut groups: Vec<Vec<MemberId>> = pairs.into_iter().map(|p| p.to_vec()).collect();
    if let Some(odd) = odd {
        // The odd one out joins the pair where they add least.
        let best = groups
            .iter_mut()
            .min_by_key(|g| costs.pair(g[0], odd) + costs.pair(g[1], odd))
            .expect("two or more candidates make at least one pair");
        best.push(odd);
    }
    groups.sort_by_key(|g| costs.group(g));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn people(n: i64) -> Vec<Candidate> {
        (1..=n)
            .map(|i| Candidate {
                member: MemberId(i),
                utc_offset_minutes: 0,
            })
            .collect()
    }

    fn pairs_in(groups: &[Vec<MemberId>]) -> HashSet<(MemberId, MemberId)> {
        let mut out = HashSet::new();
        for g in groups {
            for (i, a) in g.iter().enumerate() {
                for b in &g[i + 1..] {
                    out.insert(key(*a, *b));
                }
            }
        }
        out
    }

    fn everyone_once(groups: &[Vec<MemberId>], n: usize) {
        let mut seen: Vec<_> = groups.iter().flatten().copied().collect();
        seen.sort_by_key(|m| m.0);
        seen.dedup();
        assert_eq!(seen.len(), n, "{groups:?}");
        assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), n, "{groups:?}");
    }

    #[test]
    fn six_people_make_three_pairs_and_a_second_round_repeats_none() {
        for seed in 0..50 {
            let first = pair(&people(6), &[], seed);
            assert_eq!(first.len(), 3);
            assert!(first.iter().all(|g| g.len() == 2));
            everyone_once(&first, 6);
            let history: Vec<_> = first
                .iter()
                .map(|g| PastGroup {
                    rounds_ago: 1,
                    members: g.clone(),
                })
                .collect();
            let second = pair(&people(6), &history, seed + 1);
            everyone_once(&second, 6);
            let repeated: Vec<_> = pairs_in(&first)
                .intersection(&pairs_in(&second))
                .copied()
                .collect();
            assert!(
                repeated.is_empty(),
                "seed {seed}: {first:?} then {second:?}"
            );
        }
    }

    #[test]
    fn an_odd_count_makes_one_trio() {
        let groups = pair(&people(7), &[], 3);
        everyone_once(&groups, 7);
        let mut sizes: Vec<_> = groups.iter().map(Vec::len).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![2, 2, 3]);
        let three = pair(&people(3), &[], 3);
        assert_eq!(three.len(), 1);
        assert_eq!(three[0].len(), 3);
    }

    #[test]
    fn fewer_than_two_make_no_round() {
        assert!(pair(&people(1), &[], 1).is_empty());
        assert!(pair(&[], &[], 1).is_empty());
    }

    #[test]
    fn close_time_zones_are_preferred() {
        // Two in Berlin (+60), two in New York (-300).
        let candidates = [
            Candidate {
                member: MemberId(1),
                utc_offset_minutes: 60,
            },
            Candidate {
                member: MemberId(2),
                utc_offset_minutes: -300,
            },
            Candidate {
                member: MemberId(3),
                utc_offset_minutes: 60,
            },
            Candidate {
                member: MemberId(4),
                utc_offset_minutes: -300,
            },
        ];
        for seed in 0..20 {
            let groups = pair(&candidates, &[], seed);
            assert_eq!(
                pairs_in(&groups),
                HashSet::from([key(MemberId(1), MemberId(3)), key(MemberId(2), MemberId(4))]),
                "seed {seed}"
            );
        }
    }

    #[test]
    fn a_recent_partner_is_avoided_even_across_time_zones() {
        let candidates = [
            Candidate {
                member: MemberId(1),
                utc_offset_minutes: 60,
            },
            Candidate {
                member: MemberId(2),
                utc_offset_minutes: -300,
            },
            Candidate {
                member: MemberId(3),
                utc_offset_minutes: 60,
            },
            Candidate {
                member: MemberId(4),
                utc_offset_minutes: -300,
            },
        ];
        let history = [PastGroup {
            rounds_ago: 2,
            members: vec![MemberId(1), MemberId(3)],
        }];
        let groups = pair(&candidates, &history, 9);
        assert!(
            !pairs_in(&groups).contains(&key(MemberId(1), MemberId(3))),
            "{groups:?}"
        );
    }

    #[test]
    fn with_no_way_out_the_oldest_repeat_is_chosen() {
        // Two people paired last round are still paired: nobody else is free.
        let history = [PastGroup {
            rounds_ago: 1,
            members: vec![MemberId(1), MemberId(2)],
        }];
        let groups = pair(&people(2), &history, 1);
        assert_eq!(
            pairs_in(&groups),
            HashSet::from([key(MemberId(1), MemberId(2))])
        );
        // Four people who have been in every possible pairing: the one
        // three rounds back is the least recent, so it is chosen.
        let group = |ago, a, b| PastGroup {
            rounds_ago: ago,
            members: vec![MemberId(a), MemberId(b)],
        };
        let history = [
            group(1, 1, 2),
            group(1, 3, 4),
            group(2, 1, 3),
            group(2, 2, 4),
            group(3, 1, 4),
            group(3, 2, 3),
        ];
        for seed in 0..20 {
            let groups = pair(&people(4), &history, seed);
            assert_eq!(
                pairs_in(&groups),
                HashSet::from([key(MemberId(1), MemberId(4)), key(MemberId(2), MemberId(3))]),
                "seed {seed}"
            );
        }
    }

    #[test]
    fn rounds_older_than_the_window_do_not_count() {
        let costs = Costs::new(
            &people(2),
            &[PastGroup {
                rounds_ago: AVOID_REPEATS_FOR_ROUNDS + 1,
                members: vec![MemberId(1), MemberId(2)],
            }],
        );
        assert_eq!(costs.pair(MemberId(1), MemberId(2)), 0);
    }

    #[test]
    fn time_zones_wrap_around_the_date_line() {
        let costs = Costs::new(
            &[
                Candidate {
                    member: MemberId(1),
                    utc_offset_minutes: 12 * 60,
                },
                Candidate {
                    member: MemberId(2),
                    utc_offset_minutes: -11 * 60,
                },
            ],
            &[],
        );
        assert_eq!(costs.pair(MemberId(1), MemberId(2)), 1);
    }
}

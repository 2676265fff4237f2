//! When a member hears from Kith, in their own time zone: the daily
//! delivery window for due reminders and the digest's cron schedule, with
//! daylight-saving changes handled on purpose.
//!
//! Local times are read as wall-clock times and mapped to instants with two
//! rules: a time that does not exist (skipped by a spring-forward change) is
//! moved forward by the length of the gap (02:30 becomes 03:30), and a time
//! that exists twice (repeated by a fall-back change) is the first of the two,
//! so it fires once.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// The instant a local wall-clock time names in `tz` (see the module rules).
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // In a gap: read the time with the offset in force before it,
            // which lands it as far past the gap as it was into it.
            let before = tz
                .from_local_datetime(&(local - Duration::days(1)))
                .earliest()
                .map(|t| t.offset().fix())
                .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
            Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(before.local_minus_utc()))))
        }
    }
}

/// The local wall-clock time of an instant in `tz`.
pub fn wall_clock(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// The local hours in which a member accepts reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Every day, rather than Monday to Friday only.
    pub daily: bool,
}

impl Default for Window {
    /// Weekdays, 09:00 to 10:00 local time.
    fn default() -> Self {
        Window {
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"),
            end: NaiveTime::from_hms_opt(10, 0, 0).expect("10:00"),
            daily: false,
        }
    }
}

/// Why a window could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("\"{0}\" is not a window I can read; write it like 09:00-11:00 (24-hour clock)")]
    Unreadable(String),
    #[error("the window must end after it starts, within one day (like 09:00-11:00)")]
    Backwards,
    #[error("the window must be at least 15 minutes long")]
    TooShort,
}

impl Window {
    /// Reads `09:00-11:00`.
    pub fn parse(text: &str, daily: bool) -> Result<Window, WindowError> {
        let unreadable = || WindowError::Unreadable(text.to_string());
        let (start, end) = text.split_once('-').ok_or_else(unreadable)?;
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| unreadable());
        let (start, end) = (time(start)?, time(end)?);
        if end <= start {
            return Err(WindowError::Backwards);
        }
        if end - start < Duration::minutes(15) {
            return Err(WindowError::TooShort);
        }
        Ok(Window { start, end, daily })
    }

    /// Minutes after midnight of the start and end, as stored.
    pub fn minutes(self) -> (u32, u32) {
        let m = |t: NaiveTime| t.signed_duration_since(NaiveTime::MIN).num_minutes() as u32;
        (m(self.start), m(self.end))
    }

    /// A window from stored minutes after midnight.
    pub fn from_minutes(start: u32, end: u32, daily: bool) -> Option<Window> {
        let t = |m: u32| NaiveTime::from_num_seconds_from_midnight_opt(m.checked_mul(60)?, 0);
        let (start, end) = (t(start)?, t(end)?);
        (start < end).then_some(Window { start, end, daily })
    }

    pub fn applies_on(self, date: NaiveDate) -> bool {
        self.daily || !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The first window, on a day it applies, that has not ended by `t`.
    pub fn slot_after(self, tz: Tz, t: DateTime<Utc>) -> Slot {
        let today = wall_clock(tz, t).date();
        let mut day = today - Duration::days(1);
        loop {
            if self.applies_on(day) {
                let slot = Slot {
                    local_date: day,
                    start: resolve_local(tz, day.and_time(self.start)),
                    end: resolve_local(tz, day.and_time(self.end)),
                };
                if slot.end > t {
                    return slot;
                }
            }
            day = day.succ_opt().unwrap_or(day + Duration::days(1));
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = if self.daily { "every day" } else { "weekdays" };
        write!(
            f,
            "{days}, {}–{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// One day's delivery window, as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub local_date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A digest schedule: a cron expression (six or seven fields, seconds
/// first) read in the member's local time.
#[derive(Debug, Clone)]
pub struct Digest {
    expression: String,
    // Shared: a parsed schedule is large and never changes.
    schedule: std::sync::Arc<cron::Schedule>,
}

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression
    }
}

impl Eq for Digest {}

/// The default digest: Mondays at 09:00 local.
pub const DEFAULT_DIGEST: &str = "0 0 9 * * Mon";

impl Digest {
    /// Reads a cron line, explaining what is wrong if it cannot.
    pub fn parse(expression: &str) -> Result<Digest, String> {
        let expression = expression.split_whitespace().collect::<Vec<_>>().join(" ");
        let fields = expression.split(' ').filter(|f| !f.is_empty()).count();
        if fields == 5 {
            return Err(format!(
                "\"{expression}\" has five fields; I need six, seconds first: \"0 {expression}\""
            ));
        }
        let schedule = cron::Schedule::from_str(&expression).map_err(|e| {
            format!("\"{expression}\" is not a schedule I can read ({e}); write six fields, seconds first, like \"{DEFAULT_DIGEST}\" for Mondays at 09:00")
        })?;
        let reference = Utc
            .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        if schedule.after(&reference).next().is_none() {
            return Err(format!("\"{expression}\" never fires"));
        }
        // A digest is a summary: at most one a day, so the second, minute
        // and hour must each be one value ("0 0 9 * * Mon", not "* * * * * *").
        {
            use cron::TimeUnitSpec;
            if schedule.seconds().count() != 1
                || schedule.minutes().count() != 1
                || schedule.hours().count() != 1
            {
                return Err(format!(
                    "\"{expression}\" fires more than once a day; a digest comes at most daily. Give one second, minute and hour, like \"{DEFAULT_DIGEST}\""
                ));
            }
        }
        Ok(Digest {
            expression,
            schedule: std::sync::Arc::new(schedule),
        })
    }

    pub fn default_weekly() -> Digest {
        Digest::parse(DEFAULT_DIGEST).expect("the default digest schedule is valid")
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first firing strictly after `t`, in `tz`. The schedule runs on
    /// the local wall clock; see the module rules for DST.
    pub fn next_after(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Treat the wall clock as if it were UTC, which has no DST, so cron
        // walks local times in order, each exactly once.
        let wall = Utc.from_utc_datetime(&wall_clock(tz, t));
        self.schedule
            .after(&wall)
            .take(1000)
            .map(|w| resolve_local(tz, w.naive_utc()))
            .find(|instant| *instant > t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid")
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .expect("date")
            .and_hms_opt(h, mi, 0)
            .expect("time")
    }

    fn new_york() -> Tz {
        "America/New_York".parse().expect("tz")
    }

    fn london() -> Tz {
        "Europe/London".parse().expect("tz")
    }

    #[test]
    fn a_time_skipped_by_spring_forward_moves_past_the_gap() {
        // 8 Mar 2026: New York jumps from 02:00 EST to 03:00 EDT.
        assert_eq!(
            resolve_local(new_york(), local(2026, 3, 8, 2, 30)),
            utc(2026, 3, 8, 7, 30)
        );
        assert_eq!(
            utc(2026, 3, 8, 7, 30)
                .with_timezone(&new_york())
                .format("%H:%M")
                .to_string(),
            "03:30"
        );
        // 29 Mar 2026: London jumps from 01:00 GMT to 02:00 BST.
        assert_eq!(
            resolve_local(london(), local(2026, 3, 29, 1, 15)),
            utc(2026, 3, 29, 1, 15)
        );
    }

    #[test]
    fn a_time_repeated_by_fall_back_is_the_first_one() {
        // 1 Nov 2026: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
        assert_eq!(
            resolve_local(new_york(), local(2026, 11, 1, 1, 30)),
            utc(2026, 11, 1, 5, 30)
        );
        // 25 Oct 2026: London's 01:30 is at 00:30 UTC (BST) and 01:30 UTC (GMT).
        assert_eq!(
            resolve_local(london(), local(2026, 10, 25, 1, 30)),
            utc(2026, 10, 25, 0, 30)
        );
    }

    #[test]
    fn windows_read_24_hour_ranges_and_refuse_backwards_ones() {
        let w = Window::parse("09:00-11:30", false).expect("window");
        assert_eq!(w.minutes(), (540, 690));
        assert_eq!(Window::from_minutes(540, 690, false), Some(w));
        assert_eq!(
            Window::parse("11:00-09:00", false),
            Err(WindowError::Backwards)
        );
        assert_eq!(
            Window::parse("09:00-09:10", false),
            Err(WindowError::TooShort)
        );
        assert!(matches!(
            Window::parse("9am-11am", false),
            Err(WindowError::Unreadable(_))
        ));
        assert!(matches!(
            Window::parse("25:00-26:00", false),
            Err(WindowError::Unreadable(_))
        ));
    }

    #[test]
    fn the_default_window_is_weekday_mornings_from_nine_to_ten() {
        let w = Window::default();
        assert_eq!(w.to_string(), "weekdays, 09:00–10:00");
        // Friday 20 Nov 2026 at 10:30 UTC: today's window is over, the next is Monday's.
        let slot = w.slot_after(Tz::UTC, utc(2026, 11, 20, 10, 30));
        assert_eq!(
            slot.local_date,
            NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
        );
        assert_eq!(
            (slot.start, slot.end),
            (utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 10, 0))
        );
    }

    #[test]
    fn a_window_in_progress_is_the_current_slot() {
        let slot = Window::default().slot_after(new_york(), utc(2026, 11, 23, 14, 30));
        assert_eq!(slot.start, utc(2026, 11, 23, 14, 0));
    }

    #[test]
    fn a_window_starting_in_a_spring_forward_gap_opens_after_it() {
        let w = Window::parse("02:30-04:00", true).expect("window");
        let slot = w.slot_after(new_york(), utc(2026, 3, 8, 0, 0));
        assert_eq!(slot.start, utc(2026, 3, 8, 7, 30)); // 03:30 EDT
        assert_eq!(slot.end, utc(2026, 3, 8, 8, 0)); // 04:00 EDT
    }

    #[test]
    fn a_digest_firing_more_than_once_a_day_is_refused() {
        for many in [
            "* * * * * *",
            "0 * 9 * * Mon",
            "0 0 9,17 * * *",
            "0 0 */2 * * *",
        ] {
            assert!(
                Digest::parse(many)
                    .expect_err(many)
                    .contains("more than once a day"),
                "{many}"
            );
        }
        assert!(Digest::parse("0 30 8 * * *").is_ok());
        assert!(Digest::parse("0 0 9 * * Mon,Thu").is_ok());
    }

    #[test]
    fn a_digest_needs_six_fields_and_says_so() {
        assert!(
            Digest::parse("0 9 * * Mon")
                .expect_err("five")
                .contains("\"0 0 9 * * Mon\"")
        );
        assert!(
            Digest::parse("every monday")
                .expect_err("words")
                .contains("not a schedule")
        );
        assert_eq!(
            Digest::parse(" 0  0 9 * * Mon ").expect("ok").expression(),
            "0 0 9 * * Mon"
        );
    }

    #[test]
    fn the_weekly_digest_keeps_nine_local_across_the_dst_change() {
        let d = Digest::default_weekly();
        // Mon 26 Oct is EDT (UTC-4); Mon 2 Nov is EST (UTC-5).
        let first = d
            .next_after(new_york(), utc(2026, 10, 25, 12, 0))
            .expect("fires");
        assert_eq!(first, utc(2026, 10, 26, 13, 0));
        let second = d.next_after(new_york(), first).expect("fires");
        assert_eq!(second, utc(2026, 11, 2, 14, 0));
    }

    #[test]
    fn a_digest_in_the_repeated_hour_fires_once() {
        let d = Digest::parse("0 30 1 * * *").expect("daily 01:30");
        let first = d
            .next_after(new_york(), utc(2026, 11, 1, 0, 0))
            .expect("fires");
        assert_eq!(first, utc(2026, 11, 1, 5, 30));
        // From the first firing, and from inside the repeated hour, the next is the next day.
        let next_day = utc(2026, 11, 2, 6, 30);
        assert_eq!(d.next_after(new_york(), first), Some(next_day));
        assert_eq!(
            d.next_after(new_york(), utc(2026, 11, 1, 6, 15)),
            Some(next_day)
        );
    }

    #[test]
    fn a_digest_in_the_spring_forward_gap_is_moved_not_dropped() {
        let d = Digest::parse("0 30 2 * * *").expect("daily 02:30");
        let fired = d
            .next_after(new_york(), utc(2026, 3, 8, 0, 0))
            .expect("fires");
        assert_eq!(fired, utc(2026, 3, 8, 7, 30)); // 03:30 EDT on the day 02:30 does not exist
        let sundays = Digest::parse("0 30 1 * * Sun").expect("Sundays 01:30");
        assert_eq!(
            sundays.next_after(london(), utc(2026, 3, 28, 12, 0)),
            Some(utc(2026, 3, 29, 1, 30))
        );
    }
}

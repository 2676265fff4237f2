//! How times and counts read to a member: "3 days ago", "in 2 weeks",
//! "Sun 22 Nov", always in the member's own time zone.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

/// `1 favour`, `3 favours`.
pub fn plural(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whole local calendar days from `from` to `to` in `tz` (negative if `to` is earlier).
pub fn days_between(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> i64 {
    let a = from.with_timezone(&tz).date_naive();
    let b = to.with_timezone(&tz).date_naive();
    (b - a).num_days()
}

/// "today", "yesterday", "3 days ago", "5 weeks ago", or for the future
/// "tomorrow", "in 4 days".
pub fn relative(now: DateTime<Utc>, t: DateTime<Utc>, tz: Tz) -> String {
    let days = days_between(now, t, tz);
    match days {
        0 => "today".into(),
        -1 => "yesterday".into(),
        1 => "tomorrow".into(),
        d if d < 0 => format!("{} ago", span_in_days(-d)),
        d => format!("in {}", span_in_days(d)),
    }
}

/// A count of days read the way people say it: days up to two weeks,
/// then weeks up to about two months, then months, then years.
pub fn span_in_days(days: i64) -> String {
    match days {
        d if d < 14 => plural(d, "day", "days"),
        d if d < 60 => plural(d / 7, "week", "weeks"),
        d if d < 730 => plural(d / 30, "month", "months"),
        d => plural(d / 365, "year", "years"),
    }
}

/// "Sun 22 Nov", with the year when it is not the current one.
pub fn date(now: DateTime<Utc>, t: DateTime<Utc>, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    if local.year() == now.with_timezone(&tz).year() {
        local.format("%a %-d %b").to_string()
    } else {
        local.format("%a %-d %b %Y").to_string()
    }
}

/// "+2", "0", "-1".
pub fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0)
            .single()
            .expect("t")
    }

    #[test]
    fn relative_days_follow_the_local_calendar_not_24_hour_blocks() {
        let tokyo: Tz = "Asia/Tokyo".parse().expect("tz");
        // 23:00 UTC on the 21st is already the 22nd in Tokyo.
        assert_eq!(relative(t(22, 10), t(21, 23), tokyo), "today");
        assert_eq!(relative(t(22, 10), t(21, 23), Tz::UTC), "yesterday");
    }

    #[test]
    fn longer_spans_read_in_weeks_months_and_years() {
        assert_eq!(span_in_days(3), "3 days");
        assert_eq!(span_in_days(19), "2 weeks");
        assert_eq!(span_in_days(95), "3 months");
        assert_eq!(span_in_days(800), "2 years");
        assert_eq!(relative(t(22, 10), t(26, 10), Tz::UTC), "in 4 days");
    }

    #[test]
    fn dates_show_the_year_only_when_it_differs() {
        assert_eq!(date(t(22, 10), t(2, 10), Tz::UTC), "Mon 2 Nov");
        let next_year = Utc
            .with_ymd_and_hms(2027, 1, 4, 10, 0, 0)
            .single()
            .expect("t");
        assert_eq!(date(t(22, 10), next_year, Tz::UTC), "Mon 4 Jan 2027");
    }

    #[test]
    fn balances_carry_their_sign() {
        assert_eq!(signed(2), "+2");
        assert_eq!(signed(0), "0");
        assert_eq!(signed(-1), "-1");
    }
}

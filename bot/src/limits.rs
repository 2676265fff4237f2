//! Every limit on what enters Kith, in one place: the same for a typed
//! command, a button, a modal, an imported file and an HTTP body. An input
//! over a limit is refused whole with a message naming the limit, and
//! nothing is written (docs/security.md lists them with their tests).

/// Characters in one command line (what follows `/kith`).
pub const LINE: usize = 4_000;
/// Characters in a person's name (an outside contact, a member's name).
pub const NAME: usize = 100;
/// Characters in a company name.
pub const COMPANY: usize = 100;
/// Characters in what a favour, check-in or note says.
pub const TEXT: usize = 1_000;
/// Characters in a reason (an introduction's, a shared link's).
pub const REASON: usize = 500;
/// Characters in a link.
pub const URL: usize = 2_000;
/// Characters in an email address (RFC 5321's limit on a path).
pub const EMAIL: usize = 254;
/// Characters in one tag (after the `#`).
pub const TAG: usize = 40;
/// Tags on one contact, or on one shared link.
pub const TAGS: usize = 20;
/// Words in a search of the resource library.
pub const SEARCH_TERMS: usize = 12;
/// Bytes of a file to import, on every surface (console, `kith import`,
/// Slack, Discord).
pub const IMPORT_BYTES: usize = 8 * 1024 * 1024;
/// Contacts (rows, cards) in one imported file.
pub const IMPORT_CONTACTS: usize = 20_000;
/// Logged entries in one imported Kith export.
pub const IMPORT_ENTRIES: usize = 200_000;
/// The earliest year a date may name ("on 1899-12-31" is refused).
pub const EARLIEST_YEAR: i32 = 1900;
/// The longest span of time (a cadence, a snooze): five years, in days.
pub const SPAN_DAYS: u32 = 5 * 365;

/// `text` cut to at most `max` characters (a name from a platform, which
/// is the platform's to choose but not to make unbounded).
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_whole_characters() {
        assert_eq!(clip("héllo", 2), "hé");
        assert_eq!(clip("hi", 5), "hi");
        assert_eq!(clip("", 0), "");
    }
}

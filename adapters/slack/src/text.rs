//! Slash command text as Slack sends it, made into the line the core reads.
//!
//! With `should_escape`, Slack sends user mentions as `<@U123|name>` (the
//! core reads those), channels as `<#C123|name>`, links as `<url|label>`,
//! special mentions as `<!here>`, and a typed `&`, `<`, `>` as `&amp;`,
//! `&lt;`, `&gt;`.

/// The line for the core: mentions kept, channels as `#name`, links as
/// their URL, special mentions as `@here`, and entities unescaped.
pub fn normalise(text: &str) -> String {
    normalise_with(text, false)
}

/// Like [`normalise`], but channel links stay as Slack sent them
/// (`<#C123|name>`): for `admin`, whose channels the core must know by id
/// to post in them.
pub fn normalise_keeping_channels(text: &str) -> String {
    normalise_with(text, true)
}

fn normalise_with(text: &str, keep_channels: bool) -> String {
    // One pass: each `<` either opens a token up to the next `>` (both
    // consumed), or there is no `>` left at all and the rest is plain text.
    // Searching again from every later `<` would make `<<<<…` quadratic.
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        unescape_into(&mut out, &rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            // An unmatched '<' cannot come from Slack's escaping; keep it,
            // and everything after it, as typed.
            out.push('<');
            unescape_into(&mut out, after);
            return out;
        };
        token(&mut out, &after[..close], keep_channels);
        rest = &after[close + 1..];
    }
    unescape_into(&mut out, rest);
    out
}

fn token(out: &mut String, inner: &str, keep_channels: bool) {
    let (target, label) = match inner.split_once('|') {
        Some((t, l)) => (t, Some(l)),
        None => (inner, None),
    };
    if target.starts_with('@') || (keep_channels && target.starts_with('#')) {
        // A user mention (the core resolves it to a member), or a channel
        // the core must know by id.
        out.push('<');
        out.push_str(inner);
        out.push('>');
        return;
    }
    if let Some(channel) = target.strip_prefix('#') {
        out.push('#');
        out.push_str(label.filter(|l| !l.is_empty()).unwrap_or(channel));
        return;
    }
    if let Some(special) = target.strip_prefix('!') {
        let name = special.split('^').next().unwrap_or(special);
        out.push('@');
        out.push_str(label.map(|l| l.trim_start_matches('@')).unwrap_or(name));
        return;
    }
    // A link: the URL itself (mailto: links keep their address).
    unescape_into(out, target.strip_prefix("mailto:").unwrap_or(target));
}

/// Slack's three entities undone, in one pass (`&amp;lt;` is `&lt;`).
fn unescape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let entity = &rest[at..];
        let (plain, len) = if entity.starts_with("&lt;") {
            ('<', 4)
        } else if entity.starts_with("&gt;") {
            ('>', 4)
        } else if entity.starts_with("&amp;") {
            ('&', 5)
        } else {
            ('&', 1)
        };
        out.push(plain);
        rest = &entity[len..];
    }
    out.push_str(rest);
}

/// Real user mentions in a normalised line (`<@U123>` or `<@U123|label>`,
/// an id of capitals and digits), in order, without repeats, at most
/// `max`: the members whose names to ask Slack for.
pub fn user_mentions(line: &str, max: usize) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    let mut rest = line;
    while found.len() < max {
        let Some(at) = rest.find("<@") else { break };
        let after = &rest[at + 2..];
        let id_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
            .unwrap_or(after.len());
        let id = &after[..id_len];
        let closes = matches!(after[id_len..].chars().next(), Some('>' | '|'));
        if !id.is_empty() && closes && !found.contains(&id) {
            found.push(id);
        }
        rest = &after[id_len..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_mentions_are_kept_for_the_core() {
        assert_eq!(
            normalise("gave <@U2|bob> intro to Carol"),
            "gave <@U2|bob> intro to Carol"
        );
        assert_eq!(normalise("touch <@U2>"), "touch <@U2>");
    }

    #[test]
    fn typed_ampersands_and_angle_brackets_are_unescaped() {
        assert_eq!(
            normalise("gave <@U2|bob> coffee &amp; cake &lt;3"),
            "gave <@U2|bob> coffee & cake <3"
        );
    }

    #[test]
    fn links_become_their_url_and_channels_their_name() {
        assert_eq!(
            normalise(
                "share <https://example.org/a?b=1&amp;c=2|example.org/a> worth it <#C1|general>"
            ),
            "share https://example.org/a?b=1&c=2 worth it #general"
        );
        assert_eq!(
            normalise("note <@U2> email <mailto:bob@x.org|bob@x.org>"),
            "note <@U2> email bob@x.org"
        );
        assert_eq!(normalise("<!here> hi"), "@here hi");
    }

    #[test]
    fn channels_can_be_kept_as_links_for_the_core() {
        assert_eq!(
            normalise_keeping_channels("pairing <#C0COFFEE|coffee> every 2w"),
            "pairing <#C0COFFEE|coffee> every 2w"
        );
        assert_eq!(
            normalise_keeping_channels("resources <#C1|> &amp; <@U2|bob>"),
            "resources <#C1|> & <@U2|bob>"
        );
    }

    #[test]
    fn an_unmatched_bracket_is_left_alone() {
        assert_eq!(normalise("note <@U2 unfinished"), "note <@U2 unfinished");
        assert_eq!(normalise("a < b &lt; c < d"), "a < b < c < d");
        assert_eq!(normalise("<x> < y &amp;amp;"), "x < y &amp;");
    }

    #[test]
    fn a_typed_mention_stays_text_for_the_core() {
        // What a member typing `<@U1|Mallory>` sends: escaped, so the core
        // sees a mention whose label it will not trust (see Actor::vouch).
        assert_eq!(
            normalise("add &lt;@U1|=HYPERLINK(\"http://evil.example\",\"Mallory\")&gt; wider"),
            "add <@U1|=HYPERLINK(\"http://evil.example\",\"Mallory\")> wider"
        );
    }

    #[test]
    fn two_hundred_thousand_brackets_are_normalised_in_one_pass() {
        // Quadratic, this takes minutes in a debug build.
        let lt = "<".repeat(200_000);
        assert_eq!(normalise(&lt), lt);
        let escaped = "&lt;".repeat(200_000);
        assert_eq!(normalise(&escaped), lt);
        let mentions = "<@".repeat(50_000);
        assert_eq!(normalise(&mentions), mentions);
        assert_eq!(normalise_keeping_channels(&mentions), mentions);
        let closed = format!("{mentions}>");
        assert_eq!(normalise(&closed), closed);
        assert_eq!(user_mentions(&closed, 5), Vec::<&str>::new());
    }

    #[test]
    fn user_mentions_are_the_real_ids_each_once_and_bounded() {
        assert_eq!(
            user_mentions("intro <@U1|a> <@U2> <@U1> <@u3> <@> <@U4 <@W5|x>", 10),
            ["U1", "U2", "W5"]
        );
        let many: String = (0..100).map(|i| format!("<@U{i}> ")).collect();
        assert_eq!(user_mentions(&many, 5), ["U0", "U1", "U2", "U3", "U4"]);
        assert_eq!(user_mentions("<@U1>", 0), Vec::<&str>::new());
    }
}

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
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&unescape(&rest[..open]));
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            // An unmatched '<' cannot come from Slack's escaping; keep it.
            out.push('<');
            rest = after;
            continue;
        };
        out.push_str(&token(&after[..close], keep_channels));
        rest = &after[close + 1..];
    }
    out.push_str(&unescape(rest));
    out
}

fn token(inner: &str, keep_channels: bool) -> String {
    let (target, label) = match inner.split_once('|') {
        Some((t, l)) => (t, Some(l)),
        None => (inner, None),
    };
    if target.starts_with('@') {
        // A user mention: the core resolves it to a member.
        return format!("<{inner}>");
    }
    if let Some(channel) = target.strip_prefix('#') {
        if keep_channels {
            return format!("<{inner}>");
        }
        return format!("#{}", label.filter(|l| !l.is_empty()).unwrap_or(channel));
    }
    if let Some(special) = target.strip_prefix('!') {
        let name = special.split('^').next().unwrap_or(special);
        return format!(
            "@{}",
            label.map(|l| l.trim_start_matches('@')).unwrap_or(name)
        );
    }
    // A link: the URL itself (mailto: links keep their address).
    unescape(target.strip_prefix("mailto:").unwrap_or(target))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
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
    }
}

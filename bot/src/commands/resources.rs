//! `share` and `resources`: the workspace's library of useful links, and
//! links sent privately to one member (which count as a check-in).

use super::args::ParseError;
use super::{Command, CommandError, Ctx, Form, Group, Kind, Slot, Spec, Values};
use crate::community::notices::{NewNotice, NoticeKind, mention};
use crate::community::{Channel, LedgerWrite, NewResource, ResourceQuery, Shared};
use crate::domain::{Entry, EntryKind, Mention, Tag};
use crate::format::date;
use crate::reply::Reply;

const MAX_WHY: usize = crate::limits::REASON;
const MAX_URL: usize = crate::limits::URL;
/// How many links `resources` shows.
const SHOWN: u32 = 10;

pub const SHARE: Spec = Spec {
    name: "share",
    summary: "Share a link with the community, or privately with one member.",
    details: "Without \"with\", the link goes into the workspace's library and is posted to its \
              resources channel with your reason and tags. With \"with @someone\" it is sent to \
              them privately and counts as a check-in with them.",
    examples: &[
        "share https://example.com/the-mom-test great on customer interviews #sales",
        "share https://example.com/pricing-guide with @alice the guide I mentioned",
    ],
    group: Group::Community,
    form: Form::Slots(&[
        Slot::new(
            "url",
            Kind::Url,
            "Link",
            "<url>",
            "The link, starting with https://",
        )
        .ask("Which link? e.g. share https://example.com/article why it is worth reading #tag"),
        Slot::new(
            "with",
            Kind::Member,
            "With",
            "@member",
            "A member to send it to privately (counts as a check-in)",
        )
        .optional()
        .after("with")
        .ask("Share it with whom? Mention a member, e.g. share <url> with @alice"),
        Slot::new(
            "why",
            Kind::Text { max: MAX_WHY },
            "Why",
            "<why>",
            "Why it is worth reading; everyone it is shown to reads this",
        )
        .optional(),
        Slot::new(
            "tags",
            Kind::Tags,
            "Tags",
            "#tag ...",
            "Tags to find it by, like #sales #pricing",
        )
        .optional(),
    ]),
    build: build_share,
};

pub const RESOURCES: Spec = Spec {
    name: "resources",
    summary: "Search the library of shared links.",
    details: "Search words are looked for in titles, reasons and tags; #tag shows the links with \
              that tag. Without a search, the latest links.",
    examples: &[
        "resources",
        "resources customer interviews",
        "resources #sales",
    ],
    group: Group::Community,
    form: Form::Slots(&[Slot::new(
        "search",
        Kind::Text {
            max: crate::limits::LINE,
        },
        "Search",
        "<search>",
        "Words to look for in titles, reasons and tags, or one #tag",
    )
    .optional()]),
    build: build_resources,
};

/// A link to share, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub url: String,
    pub key: String,
    pub title: String,
    pub with: Option<Mention>,
    pub why: Option<String>,
    pub tags: Vec<Tag>,
}

/// A link checked and reduced to its parts: (url, key, title).
pub fn read_url(typed: &str) -> Result<(String, String, String), ParseError> {
    // Slack and Discord wrap links: <https://x> or <https://x|label>.
    let bare = typed
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .map_or(typed, |t| t.split('|').next().unwrap_or(t));
    let refuse = |why: &str| {
        ParseError::new(format!(
            "\"{typed}\" is not a link I can share: {why}. Write it in full, like https://example.com/article"
        ))
    };
    if bare.chars().count() > MAX_URL {
        return Err(refuse("it is too long"));
    }
    let url = url::Url::parse(bare).map_err(|e| refuse(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http and https links can be shared"));
    }
    let host = match url.host() {
        Some(url::Host::Domain(domain)) => {
            let tld = domain.rsplit('.').next().unwrap_or("");
            if !domain.contains('.')
                || tld.len() < 2
                || !tld.chars().all(|c| c.is_ascii_alphabetic())
                || PRIVATE_SUFFIXES.contains(&tld.to_ascii_lowercase().as_str())
            {
                return Err(refuse("that is not a public web address"));
            }
            domain.trim_start_matches("www.").to_string()
        }
        Some(url::Host::Ipv4(ip)) if is_public_v4(ip) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) if is_public_v6(ip) => format!("[{ip}]"),
        Some(_) => return Err(refuse("that is not a public web address")),
        None => return Err(refuse("it has no address")),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it carries a user name or password"));
    }
    // The key: what identifies the page, so the same article with
    // tracking parameters, a fragment or a trailing slash is one link.
    let mut query: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !(k.starts_with("utm_")
                || matches!(k.as_str(), "fbclid" | "gclid" | "ref" | "mc_cid" | "mc_eid"))
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.sort();
    let path = url.path().trim_end_matches('/');
    let mut key = format!("{host}{path}");
    if let Some(port) = url.port() {
        key = format!("{host}:{port}{path}");
    }
    if !query.is_empty() {
        let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        key.push('?');
        key.push_str(&pairs.join("&"));
    }
    let title = title(&host, path);
    Ok((url.to_string(), key, title))
}

/// Top-level names that never lead to a public site (RFC 6761, RFC 6762,
/// RFC 7686, and names routers and companies use inside their networks).
const PRIVATE_SUFFIXES: &[&str] = &[
    "localhost",
    "local",
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "private",
    "test",
    "invalid",
    "onion",
    "arpa",
];

/// Whether an IPv4 address is on the public internet: not loopback,
/// private, link-local (cloud metadata lives at 169.254.169.254), shared
/// (carrier NAT), benchmarking, documentation, multicast, reserved,
/// broadcast or unspecified.
fn is_public_v4(ip: std::net::Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

/// Whether an IPv6 address is on the public internet: global unicast
/// (2000::/3) outside documentation and other special ranges, or an
/// IPv4-mapped or NAT64 address whose IPv4 part is public.
fn is_public_v6(ip: std::net::Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    if s[0] == 0x64 && s[1] == 0xff9b {
        // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
        let [_, _, _, _, _, _, hi, lo] = s;
        let v4 = std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return is_public_v4(v4);
    }
    let global_unicast = (s[0] & 0xe000) == 0x2000;
    let documentation = s[0] == 0x2001 && s[1] == 0x0db8;
    let special = s[0] == 0x2001 && s[1] < 0x0200; // 2001::/23: Teredo, benchmarking, ORCHID...
    let six_to_four = s[0] == 0x2002; // 6to4 wraps an IPv4 address of any kind
    global_unicast && !documentation && !special && !six_to_four
}

/// A readable title from the address: the last part of the path in words,
/// and the site. ("The mom test · example.com").
fn title(host: &str, path: &str) -> String {
    let last = path
        .rsplit('/')
        .find(|s| !s.is_empty())
        .map(|s| {
            let s = s.split('.').next().unwrap_or(s);
            let words = s.replace(['-', '_', '+'], " ");
            let words = percent_decoded(&words);
            words.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|s| !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit()));
    match last {
        Some(words) => format!("{} \u{b7} {host}", super::args::capitalise(&words)),
        None => host.to_string(),
    }
}

fn percent_decoded(s: &str) -> String {
    url::form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `#tag`, or a Slack channel link standing for one (`<#C1|sales>`).
fn tag(word: &str) -> Option<Tag> {
    Tag::parse(word).or_else(|| {
        let channel = Channel::parse(word)?;
        Tag::parse(&format!("#{}", channel.name?))
    })
}

fn build_share(values: &Values) -> Result<Command, ParseError> {
    let typed = values.text("url").unwrap_or_default();
    let (url, key, title) = read_url(&typed).map_err(|e| e.in_field("url"))?;
    Ok(Command::Share(Share {
        url,
        key,
        title,
        with: values.member("with"),
        why: values.text("why"),
        tags: values.tags("tags"),
    }))
}

fn build_resources(values: &Values) -> Result<Command, ParseError> {
    let Some(search) = values.text("search") else {
        return Ok(Command::Resources(ResourceQuery::Latest));
    };
    let one_word = !search.contains(char::is_whitespace);
    let query = if one_word && (search.starts_with('#') || search.starts_with("<#")) {
        ResourceQuery::Tag(tag(&search).ok_or_else(|| {
            ParseError::new(format!(
                "\"{search}\" is not a tag; tags are like #sales (letters, digits, - and _)."
            ))
        })?)
    } else if crate::community::search_terms(&search).count() > crate::limits::SEARCH_TERMS {
        return Err(ParseError::new(format!(
            "Search with at most {} words; a few distinctive ones find the most.",
            crate::limits::SEARCH_TERMS
        )));
    } else {
        ResourceQuery::Text(search)
    };
    Ok(Command::Resources(query))
}

pub(super) async fn share(ctx: &Ctx<'_>, share: Share) -> Result<Reply, CommandError> {
    let workspace = ctx.member.workspace;
    let platform = ctx.actor.platform;
    if let Some(with) = &share.with {
        if with.id == ctx.member.external_id {
            return Err(CommandError::User(
                "That's you! Share it with someone else, or with the community: share <url> why"
                    .into(),
            ));
        }
        let known = super::intros::known_member(ctx, with).await?;
        if let Some(them) = known.as_ref().filter(|m| !m.dms) {
            return Err(CommandError::User(format!(
                "{} has turned off messages from Kith, so I can't send it. Nothing was logged.",
                mention(platform, them)
            )));
        }
        let them = super::intros::ensure_member(ctx, with, known).await?;
        let resource = NewResource {
            workspace,
            url: share.url,
            key: share.key,
            title: share.title.clone(),
            why: share.why,
            tags: share.tags,
            shared_by: ctx.member.id,
            shared_with: Some(them.id),
        };
        let notices = [NewNotice {
            kind: NoticeKind::SharedLink,
            to: Some(them.id),
            not_before: ctx.now,
        }];
        let writes = [LedgerWrite {
            owner: ctx.member.id,
            about: them.id,
            entry: Entry {
                kind: EntryKind::Touch,
                what: format!("shared {}", share.title),
                at: ctx.now,
            },
        }];
        ctx.store
            .share(&resource, &notices, &writes, ctx.now)
            .await?;
        return Ok(Reply::text(format!(
            "Sent {} to {} privately, and logged it as a check-in with them.",
            share.title,
            mention(platform, &them)
        )));
    }
    let community = ctx.store.community(workspace).await?;
    let notices: Vec<NewNotice> = community
        .resources
        .iter()
        .map(|_| NewNotice {
            kind: NoticeKind::ResourcePost,
            to: None,
            not_before: ctx.now,
        })
        .collect();
    let resource = NewResource {
        workspace,
        url: share.url,
        key: share.key,
        title: share.title,
        why: share.why,
        tags: share.tags,
        shared_by: ctx.member.id,
        shared_with: None,
    };
    match ctx.store.share(&resource, &notices, &[], ctx.now).await? {
        Shared::Duplicate(there) => {
            let why = there
                .why
                .map_or_else(String::new, |w| format!(": \u{201c}{w}\u{201d}"));
            Err(CommandError::User(format!(
                "That link is already in the library, shared by {} on {}{why}. Find it with resources.",
                mention(platform, &there.shared_by),
                date(ctx.now, there.shared_at, ctx.member.tz)
            )))
        }
        Shared::Stored(stored) => Ok(Reply::text(match community.resources {
            Some(channel) => format!(
                "Shared {} in {}, and added it to the library.",
                stored.title,
                channel.shown(platform)
            ),
            None => format!(
                "Added {} to the library. No resources channel is set, so I haven't posted it; \
                 an organiser can set one with admin resources #channel.",
                stored.title
            ),
        })),
    }
}

pub(super) async fn resources(ctx: &Ctx<'_>, query: ResourceQuery) -> Result<Reply, CommandError> {
    let found = ctx
        .store
        .search_resources(ctx.member.workspace, &query, SHOWN)
        .await?;
    let platform = ctx.actor.platform;
    if found.is_empty() {
        return Ok(Reply::text(match query {
            ResourceQuery::Latest => {
                "The library is empty. Share a link with share <url> why it is worth reading #tag"
                    .to_string()
            }
            ResourceQuery::Tag(tag) => format!("No links tagged {tag} yet."),
            ResourceQuery::Text(text) => {
                format!("Nothing in the library matches \u{201c}{text}\u{201d}.")
            }
        }));
    }
    let heading = match &query {
        ResourceQuery::Latest => "The latest links in the library:".to_string(),
        ResourceQuery::Tag(tag) => format!("Links tagged {tag}:"),
        ResourceQuery::Text(text) => format!("Links matching \u{201c}{text}\u{201d}:"),
    };
    let mut lines = vec![heading];
    for r in &found {
        let mut line = format!(
            "\u{2022} {}\n  {}\n  shared by {} on {}",
            r.title,
            r.url,
            mention(platform, &r.shared_by),
            date(ctx.now, r.shared_at, ctx.member.tz)
        );
        if let Some(why) = &r.why {
            line.push_str(&format!(": \u{201c}{why}\u{201d}"));
        }
        if !r.tags.is_empty() {
            let tags: Vec<String> = r.tags.iter().map(|t| t.to_string()).collect();
            line.push(' ');
            line.push_str(&tags.join(" "));
        }
        lines.push(line);
    }
    Ok(Reply::text(lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_reduced_to_what_identifies_the_page() {
        let (url, key, title) =
            read_url("https://www.Example.com/blog/the-mom-test/?utm_source=x&b=2&a=1#top")
                .expect("ok");
        assert_eq!(
            url,
            "https://www.example.com/blog/the-mom-test/?utm_source=x&b=2&a=1#top"
        );
        assert_eq!(key, "example.com/blog/the-mom-test?a=1&b=2");
        assert_eq!(title, "The mom test \u{b7} example.com");
        let (_, same, _) =
            read_url("<http://example.com/blog/the-mom-test|the mom test>").expect("ok");
        assert_eq!(same, "example.com/blog/the-mom-test");
    }

    #[test]
    fn a_bare_site_is_titled_by_its_name() {
        let (_, key, title) = read_url("https://rust-lang.org").expect("ok");
        assert_eq!(key, "rust-lang.org");
        assert_eq!(title, "rust-lang.org");
    }

    #[test]
    fn things_that_are_not_web_links_are_refused_with_a_reason() {
        for (bad, why) in [
            ("example.com/page", "relative URL without a base"),
            ("ftp://example.com/file", "only http and https"),
            ("https://localhost/x", "not a public web address"),
            ("https://user:pw@example.com/", "user name or password"),
            ("javascript:alert(1)", "only http and https"),
            ("https://exa mple.com", "invalid"),
        ] {
            let err = read_url(bad).expect_err(bad);
            assert!(err.message.contains(why), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn links_to_private_loopback_or_link_local_addresses_are_refused() {
        for bad in [
            "http://127.0.0.1/admin",
            "http://127.1/",
            "http://0x7f000001/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5/",
            "http://172.16.3.4/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fe80::1]/",
            "http://[fc00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[64:ff9b::a00:1]/",
            "http://[2001:db8::1]/",
            "http://[::]/",
            "https://printer.local/",
            "https://wiki.corp/",
            "https://metadata.google.internal/",
            "https://app.localhost/",
        ] {
            let err = read_url(bad).expect_err(bad);
            assert!(
                err.message.contains("not a public web address"),
                "{bad}: {}",
                err.message
            );
        }
        for good in [
            "http://93.184.216.34/page",
            "http://[2606:4700::6810:84e5]/",
            "https://example.com/a",
        ] {
            assert!(read_url(good).is_ok(), "{good}");
        }
    }

    fn parsed(line: &str) -> Share {
        match crate::commands::parse(line) {
            Ok(Command::Share(share)) => share,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn with_names_someone_only_before_a_mention() {
        let to_alice = parsed("share https://example.com/a with @alice read this #x");
        assert_eq!(to_alice.with.map(|m| m.id), Some("alice".into()));
        assert_eq!(to_alice.why.as_deref(), Some("read this"));
        let reason = parsed("share https://example.com/a with care, it is long");
        assert_eq!(reason.with, None);
        assert_eq!(reason.why.as_deref(), Some("with care, it is long"));
        let err = crate::commands::parse("share https://example.com/a with").expect_err("no one");
        assert!(
            err.message.contains("Share it with whom?"),
            "{}",
            err.message
        );
    }

    #[test]
    fn tags_may_arrive_as_slack_channel_links() {
        assert_eq!(tag("<#C123|sales>"), Tag::parse("#sales"));
        assert_eq!(tag("#Sales"), Tag::parse("#sales"));
        assert_eq!(tag("sales"), None);
    }
}

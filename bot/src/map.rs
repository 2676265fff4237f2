//! The network map: a member's contacts drawn as a picture.
//!
//! The member sits in the centre; three concentric rings hold the inner,
//! close and wider tiers. Each contact is one dot on its tier's ring:
//!
//! - **colour** says where the check-in stands ([`Status`]): green on track,
//!   amber due (for up to a week), red overdue (due more than a week ago);
//! - **size** says how recently you were in touch ([`dot_weight`]);
//! - **position**: contacts of one company sit side by side, joined by a thin
//!   arc inside the ring with the company's name; companies go round the ring
//!   in alphabetical order, clockwise from the top, people in each company by
//!   name, so the same network always draws the same way.
//!
//! Names are written along the radius, outward from each dot, so a crowded
//! ring still has room for one name per line of text; on the left half they
//! are turned so they read left to right. A crowded ring spreads its dots over
//! up to four sub-lanes, uses a smaller (never tiny) font, and the canvas grows
//! from 1600 px for a small network to 3000 px for 500 contacts. Long names
//! end in an ellipsis. When two names would still overlap, the more urgent
//! contact (most overdue first) keeps its label and the footer says how many
//! dots are unlabelled.
//!
//! The map is drawn as SVG ([`svg`]) and rasterised to PNG ([`render`]) with
//! resvg. Text uses DejaVu Sans embedded in the binary
//! (`bot/assets/DejaVuSans.ttf`, licence beside it), so labels render the same
//! on a server with no fonts installed.

use std::cmp::Reverse;
use std::f64::consts::PI;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use resvg::{tiny_skia, usvg};
use skrifa::MetadataProvider as _;

use crate::domain::{Contact, ContactId, Tier};

/// The embedded font (DejaVu Sans 2.37; see `bot/assets/DejaVuSans-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FONT_FAMILY: &str = "DejaVu Sans";

/// A rendered map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map {
    /// The PNG file's bytes.
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Where a contact's check-in stands, which is the colour of their dot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Not yet due.
    OnTrack,
    /// Due, for at most a week.
    Due,
    /// Due more than a week ago (the digest's "overdue by more than a week").
    Overdue,
}

impl Status {
    pub fn of(contact: &Contact, now: DateTime<Utc>) -> Status {
        if !contact.is_due(now) {
            Status::OnTrack
        } else if now - contact.next_due() > Duration::days(7) {
            Status::Overdue
        } else {
            Status::Due
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Status::OnTrack => ON_TRACK,
            Status::Due => DUE,
            Status::Overdue => OVERDUE,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Status::OnTrack => "on track",
            Status::Due => "due",
            Status::Overdue => "overdue",
        }
    }
}

const BACKGROUND: &str = "#fbfaf7";
const INK: &str = "#26282c";
const MUTED: &str = "#7a7568";
const GUIDE: &str = "#dedad0";
const BAND: &str = "#f3f1eb";
const CENTRE: &str = "#34425c";
const ON_TRACK: &str = "#2f9e5a";
const DUE: &str = "#e6a012";
const OVERDUE: &str = "#d7263d";
/// Darker shades of the status colours, for names on a light background.
const DUE_TEXT: &str = "#94660a";
const OVERDUE_TEXT: &str = "#b3182d";

/// How big a contact's dot is, from 0 (smallest) to 1 (largest): the more
/// recent the last interaction, the bigger. Full size when you were in touch
/// today, shrinking on a logarithmic scale (so the difference between last
/// week and last month shows more than between five and six months) to the
/// smallest at 180 days ago, or when you have never been in touch.
///
/// Recency rather than a count of interactions because a [`Contact`] carries
/// its latest touch, and recency is what the ledger's reminders act on.
pub fn dot_weight(contact: &Contact, now: DateTime<Utc>) -> f64 {
    const HORIZON_DAYS: f64 = 180.0;
    match contact.last_contact {
        None => 0.0,
        Some(at) => {
            let days = ((now - at).num_hours() as f64 / 24.0).clamp(0.0, HORIZON_DAYS);
            1.0 - (1.0 + days).ln() / (1.0 + HORIZON_DAYS).ln()
        }
    }
}

/// Renders the network of the member called `title` as a PNG.
pub fn render(title: &str, contacts: &[Contact], now: DateTime<Utc>) -> anyhow::Result<Map> {
    let drawing = draw(title, contacts, now, None);
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(&drawing.svg, &options)
        .context("the network map's SVG could not be read")?;
    let mut pixmap = tiny_skia::Pixmap::new(drawing.width, drawing.height)
        .context("the network map's canvas could not be allocated")?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let png = encode_png(&pixmap).context("the network map could not be encoded as PNG")?;
    Ok(Map {
        png,
        width: drawing.width,
        height: drawing.height,
    })
}

/// Encodes the canvas as an indexed-colour PNG. The map is flat colours
/// and their anti-aliased blends, so 256 colours carry it with no visible
/// loss (like pngquant without dithering) at under half the bytes of RGB:
/// a 500-contact map stays around a megabyte, which chat uploads welcome.
///
/// The palette: colours are counted in buckets of 5 bits a channel; the
/// 256 busiest buckets' mean colours form the palette, and every other
/// bucket takes its nearest palette colour.
fn encode_png(pixmap: &tiny_skia::Pixmap) -> anyhow::Result<Vec<u8>> {
    // The background is opaque, so every pixel is, and premultiplied
    // values are the colours themselves.
    let data = pixmap.data();
    let bucket = |p: &[u8]| {
        ((p[0] as usize >> 3) << 10) | ((p[1] as usize >> 3) << 5) | (p[2] as usize >> 3)
    };
    let mut counts = vec![0u32; 1 << 15];
    let mut sums = vec![[0u32; 3]; 1 << 15];
    // Every third pixel is plenty to find the busy colours.
    for p in data.chunks_exact(12) {
        let b = bucket(p);
        counts[b] += 1;
        let sum = &mut sums[b];
        sum[0] += u32::from(p[0]);
        sum[1] += u32::from(p[1]);
        sum[2] += u32::from(p[2]);
    }
    let mean = |b: usize| sums[b].map(|sum| (sum / counts[b].max(1)) as u8);
    let mut busiest: Vec<usize> = (0..counts.len()).filter(|&b| counts[b] > 0).collect();
    busiest.sort_by_key(|&b| (Reverse(counts[b]), b));
    busiest.truncate(256);
    let palette: Vec<[u8; 3]> = busiest.iter().map(|&b| mean(b)).collect();
    // Each bucket maps to the palette colour nearest its centre, worked out
    // the first time a pixel falls in it.
    const UNSEEN: u16 = u16::MAX;
    let mut nearest = vec![UNSEEN; 1 << 15];
    for (i, &b) in busiest.iter().enumerate() {
        nearest[b] = i as u16;
    }
    let mut indices = vec![0u8; data.len() / 4];
    for (index, p) in indices.iter_mut().zip(data.chunks_exact(4)) {
        let b = bucket(p);
        if nearest[b] == UNSEEN {
            let centre = [(b >> 10) & 31, (b >> 5) & 31, b & 31].map(|v| (v << 3 | 4) as i32);
            let best = palette
                .iter()
                .enumerate()
                .min_by_key(|(_, c)| {
                    (0..3)
                        .map(|i| (centre[i] - i32::from(c[i])).pow(2))
                        .sum::<i32>()
                })
                .map_or(0, |(i, _)| i);
            nearest[b] = best as u16;
        }
        *index = nearest[b] as u8;
    }

    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette.concat());
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&indices)?;
    writer.finish()?;
    Ok(png)
}

/// The map as an SVG document (what [`render`] rasterises). It names its
/// font, DejaVu Sans; a viewer without that font substitutes another.
pub fn svg(title: &str, contacts: &[Contact], now: DateTime<Utc>) -> String {
    draw(title, contacts, now, None).svg
}

/// How a web page's map links its dots: each dot becomes a focusable link
/// to `href(contact)`, titled with the name, company, last contact and
/// next check-in in the member's zone `tz`.
pub struct Links<'a> {
    pub href: &'a dyn Fn(&Contact) -> String,
    pub tz: chrono_tz::Tz,
}

/// The same drawing as [`svg`], for a web page: every dot a link (see [`Links`]).
pub fn linked_svg(title: &str, contacts: &[Contact], now: DateTime<Utc>, links: &Links) -> String {
    draw(title, contacts, now, Some(links)).svg
}

/// A dot's title on the web page: who, where, when last and when next.
fn dot_title(contact: &Contact, now: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    use crate::format::{date, relative};
    let mut title = contact.shown();
    if let Some(company) = &contact.company {
        let _ = write!(title, " · {company}");
    }
    let last = contact
        .last_contact
        .map_or_else(|| "never".to_string(), |t| relative(now, t, tz));
    let _ = write!(
        title,
        " · last contact {last} · next check-in {}",
        date(now, contact.next_due(), tz)
    );
    title
}

/// The width and height of the map of a network of `contacts` people.
pub fn size_for(contacts: usize) -> (u32, u32) {
    let side = side_for(contacts);
    (side as u32, (side + HEADER + FOOTER) as u32)
}

fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(FONT)));
            db.set_sans_serif_family(FONT_FAMILY);
            Arc::new(db)
        })
        .clone()
}

const MIN_SIDE: f64 = 1600.0;
const MAX_SIDE: f64 = 3000.0;
const HEADER: f64 = 120.0;
const FOOTER: f64 = 80.0;

/// The plot is a square: 1600 px up to 60 contacts, growing linearly to
/// 3000 px at 500 and more.
fn side_for(contacts: usize) -> f64 {
    let grown = MIN_SIDE + (contacts.saturating_sub(60) as f64) * (MAX_SIDE - MIN_SIDE) / 440.0;
    (grown.clamp(MIN_SIDE, MAX_SIDE) / 10.0).round() * 10.0
}

/// Each ring's radius as a share of the plot's usable radius; names of the
/// wider ring run out to the edge.
const RING_AT: [f64; 3] = [0.28, 0.52, 0.75];
const CENTRE_AT: f64 = 0.105;
const DOT_MIN: f64 = 4.0;
const DOT_MAX: f64 = 12.0;
const LABEL_MIN: f64 = 12.0;
const LABEL_MAX: f64 = 20.0;

/// Text widths from the embedded font's advances.
struct Measure<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    metrics: skrifa::metrics::GlyphMetrics<'a>,
}

impl Measure<'static> {
    fn new() -> Option<Measure<'static>> {
        let font = skrifa::FontRef::new(FONT).ok()?;
        Some(Measure {
            charmap: font.charmap(),
            metrics: font.glyph_metrics(
                skrifa::instance::Size::new(1.0),
                skrifa::instance::LocationRef::default(),
            ),
        })
    }
}

impl Measure<'_> {
    fn width(&self, text: &str, size: f64) -> f64 {
        let ems: f64 = text
            .chars()
            .map(|c| {
                let glyph = self.charmap.map(c).unwrap_or(skrifa::GlyphId::NOTDEF);
                f64::from(self.metrics.advance_width(glyph).unwrap_or(0.6))
            })
            .sum();
        ems * size
    }

    /// `text` if it fits in `max` px, else its longest prefix that fits with
    /// an ellipsis; `None` when not even one letter and the ellipsis fit.
    fn fit(&self, text: &str, size: f64, max: f64) -> Option<String> {
        if self.width(text, size) <= max {
            return Some(text.to_string());
        }
        let budget = max - self.width("…", size);
        let mut used = 0.0;
        let mut kept = String::new();
        for c in text.chars() {
            let w = self.width(c.encode_utf8(&mut [0; 4]), size);
            if used + w > budget {
                break;
            }
            used += w;
            kept.push(c);
        }
        let kept = kept.trim_end();
        (!kept.is_empty()).then(|| format!("{kept}…"))
    }
}

/// Escapes text for SVG: the five XML specials, and characters XML forbids
/// (control characters, U+FFFE, U+FFFF) become spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

struct Drawing {
    svg: String,
    width: u32,
    height: u32,
}

/// One contact placed on a ring.
struct Placed<'a> {
    contact: &'a Contact,
    status: Status,
    angle: f64,
    radius: f64,
    dot: f64,
    /// The name as shown, and the company, before fitting.
    name: String,
    company: Option<String>,
    /// What is written: the name (with the company after it on a busy ring
    /// when no colleague shares the ring), and on a quiet ring the company
    /// on a second line. Empty when the dot is unlabelled.
    label: String,
    sub: String,
}

/// How one ring is laid out.
struct Ring<'a> {
    tier: Tier,
    radius: f64,
    placed: Vec<Placed<'a>>,
    groups: Vec<Group>,
    font: f64,
    company_font: f64,
    /// How far dots reach inside and outside the ring.
    inside: f64,
    outside: f64,
    /// Where names start, px from the centre.
    label_start: f64,
    /// Whether names are written upright rather than along the radius.
    upright: bool,
}

/// A company with two or more contacts on a ring.
struct Group {
    name: String,
    from: f64,
    to: f64,
}

fn draw(title: &str, contacts: &[Contact], now: DateTime<Utc>, links: Option<&Links>) -> Drawing {
    let measure = Measure::new();
    let side = side_for(contacts.len());
    let (width, height) = size_for(contacts.len());
    let scale = side / MIN_SIDE;
    let cx = side / 2.0;
    let cy = HEADER + side / 2.0;
    let reach = side / 2.0 - 16.0;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}">"#
    );
    let _ = write!(
        svg,
        r#"<rect width="{width}" height="{height}" fill="{BACKGROUND}"/>"#
    );

    let pill_font = 16.0 * scale;
    let pill_half = |tier: Tier, count: usize| -> f64 {
        let text = tier_label(tier, count);
        text_width(measure.as_ref(), &text, pill_font) / 2.0 + 12.0 * scale
    };
    let counts = Tier::ALL.map(|t| contacts.iter().filter(|c| c.tier == t).count());
    let radii = RING_AT.map(|f| f * reach);

    // Lay out each ring, innermost first; a ring's labels stop short of the
    // next ring's dots and company names.
    // Namesakes are told apart on the map as in a list.
    let labels = crate::namesakes::labels(contacts);
    let mut rings: Vec<Ring> = Tier::ALL
        .iter()
        .enumerate()
        .map(|(i, &tier)| {
            let widest_pill = (i..(i + 2).min(3))
                .map(|j| pill_half(Tier::ALL[j], counts[j]))
                .fold(0.0, f64::max);
            let half_gap = ((widest_pill + 14.0) / radii[i]).min(0.9).asin();
            let members: Vec<&Contact> = contacts.iter().filter(|c| c.tier == tier).collect();
            lay_out_ring(tier, radii[i], half_gap, members, &labels, now)
        })
        .collect();
    let mut unlabelled = 0;
    for i in 0..rings.len() {
        let start = rings[i].radius + rings[i].outside + 6.0;
        let end = match rings.get(i + 1) {
            Some(next) => next.radius - next.inside - next.company_reserve() - 6.0,
            None => reach,
        };
        unlabelled += label_ring(&mut rings[i], start, end, measure.as_ref());
    }

    // Ring guides: a soft band for the tiers and a line on each ring.
    let _ = write!(
        svg,
        r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="{BAND}"/>"#,
        radii[2] + (radii[2] - radii[1]) / 2.0
    );
    let _ = write!(
        svg,
        r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="{BACKGROUND}"/>"#,
        (radii[2] + radii[1]) / 2.0
    );
    let _ = write!(
        svg,
        r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="{BAND}"/>"#,
        (radii[1] + radii[0]) / 2.0
    );
    let _ = write!(
        svg,
        r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="{BACKGROUND}"/>"#,
        radii[0] / 2.0 + CENTRE_AT * reach / 2.0
    );
    for r in radii {
        let _ = write!(
            svg,
            r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{r:.1}" fill="none" stroke="{GUIDE}" stroke-width="{:.1}"/>"#,
            1.5 * scale
        );
    }

    for ring in &rings {
        draw_groups(&mut svg, ring, cx, cy, measure.as_ref());
    }
    for ring in &rings {
        draw_labels(&mut svg, ring, cx, cy, measure.as_ref());
    }
    // Dots last, red on top of amber on top of green.
    let mut dots: Vec<&Placed> = rings.iter().flat_map(|r| r.placed.iter()).collect();
    dots.sort_by_key(|p| p.status);
    for p in dots {
        let (x, y) = polar(cx, cy, p.radius, p.angle);
        if let Some(links) = links {
            let title = escape(&dot_title(p.contact, now, links.tz));
            let _ = write!(
                svg,
                r#"<a href="{}" class="dot" aria-label="{title}"><title>{title}</title>"#,
                escape(&(links.href)(p.contact))
            );
        }
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}" fill="{}" stroke="#ffffff" stroke-width="1.2"/>"##,
            p.dot,
            p.status.colour()
        );
        if links.is_some() {
            svg.push_str("</a>");
        }
    }

    // Tier names in the free wedge at the top of each ring.
    for (i, ring) in rings.iter().enumerate() {
        let text = tier_label(ring.tier, counts[i]);
        let half = pill_half(ring.tier, counts[i]);
        let h = pill_font * 1.7;
        let y = cy - ring.radius;
        let _ = write!(
            svg,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" rx="{:.1}" fill="{BACKGROUND}" stroke="{GUIDE}" stroke-width="{:.1}"/>"#,
            cx - half,
            y - h / 2.0,
            2.0 * half,
            h / 2.0,
            1.5 * scale
        );
        let _ = write!(
            svg,
            r#"<text x="{cx:.1}" y="{:.1}" font-size="{pill_font:.1}" fill="{MUTED}" text-anchor="middle" letter-spacing="{:.1}">{}</text>"#,
            y + pill_font * 0.36,
            pill_font * 0.08,
            escape(&text)
        );
    }

    // The member in the centre.
    let centre = CENTRE_AT * reach;
    let _ = write!(
        svg,
        r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{centre:.1}" fill="{CENTRE}"/>"#
    );
    let title_font = 24.0 * scale;
    let shown_title = fit(
        measure.as_ref(),
        title.trim(),
        title_font,
        2.0 * centre - 20.0,
    )
    .unwrap_or_default();
    let _ = write!(
        svg,
        r##"<text x="{cx:.1}" y="{:.1}" font-size="{title_font:.1}" fill="#ffffff" text-anchor="middle">{}</text>"##,
        cy + title_font * 0.36,
        escape(&shown_title)
    );
    if contacts.is_empty() {
        let font = 24.0 * scale;
        let message =
            "Your network is empty: add someone (add @name or add \"Jane Doe\") to see them here.";
        let half = text_width(measure.as_ref(), message, font) / 2.0 + font;
        let y = cy + (radii[0] + radii[1]) / 2.0;
        let _ = write!(
            svg,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{:.1}" fill="{BACKGROUND}" stroke="{GUIDE}"/>"#,
            cx - half,
            y - font * 1.4,
            2.0 * half,
            font * 2.2,
            font * 1.1
        );
        let _ = write!(
            svg,
            r#"<text x="{cx:.1}" y="{y:.1}" font-size="{font:.1}" fill="{MUTED}" text-anchor="middle">{}</text>"#,
            escape(message)
        );
    }

    draw_header(&mut svg, title, side, scale, measure.as_ref());
    draw_footer(
        &mut svg,
        contacts,
        now,
        unlabelled,
        side,
        f64::from(height),
        scale,
    );
    svg.push_str("</svg>");
    Drawing { svg, width, height }
}

fn tier_label(tier: Tier, count: usize) -> String {
    format!("{} · {count}", tier.as_str().to_uppercase())
}

fn text_width(measure: Option<&Measure>, text: &str, size: f64) -> f64 {
    match measure {
        Some(m) => m.width(text, size),
        None => text.chars().count() as f64 * size * 0.62,
    }
}

fn fit(measure: Option<&Measure>, text: &str, size: f64, max: f64) -> Option<String> {
    match measure {
        Some(m) => m.fit(text, size, max),
        None => {
            let chars = (max / (size * 0.62)).floor() as usize;
            if text.chars().count() <= chars {
                Some(text.to_string())
            } else if chars >= 2 {
                Some(format!(
                    "{}…",
                    text.chars().take(chars - 1).collect::<String>()
                ))
            } else {
                None
            }
        }
    }
}

/// A point at `radius` and `angle` (radians, clockwise from the right).
fn polar(cx: f64, cy: f64, radius: f64, angle: f64) -> (f64, f64) {
    (cx + radius * angle.cos(), cy + radius * angle.sin())
}

/// Sorts a tier's contacts by company then name, spaces them round the ring
/// (a little more space between companies) and sizes their dots.
fn lay_out_ring<'a>(
    tier: Tier,
    radius: f64,
    half_gap: f64,
    mut members: Vec<&'a Contact>,
    labels: &std::collections::HashMap<crate::domain::ContactId, String>,
    now: DateTime<Utc>,
) -> Ring<'a> {
    let company_key = |c: &Contact| {
        c.company
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
    };
    members.sort_by_cached_key(|c| {
        let company = company_key(c);
        (company.is_none(), company, c.shown().to_lowercase(), c.id.0)
    });
    // Runs of one company.
    let mut runs: Vec<(Option<String>, usize, usize)> = Vec::new();
    for (i, c) in members.iter().enumerate() {
        let key = company_key(c);
        match runs.last_mut() {
            Some((k, _, end)) if *k == key => *end = i + 1,
            _ => runs.push((key, i, i + 1)),
        }
    }
    const COMPANY_GAP: f64 = 0.6;
    let slots = members.len() as f64 + COMPANY_GAP * runs.len().saturating_sub(1) as f64;
    let start = -PI / 2.0 + half_gap;
    let sweep = 2.0 * PI - 2.0 * half_gap;
    let per_slot = if slots > 0.0 { sweep / slots } else { 0.0 };
    let spacing = per_slot * radius;

    let lanes = ((2.0 * DOT_MAX + 3.0) / spacing.max(1.0))
        .ceil()
        .clamp(1.0, 4.0);
    let dot_max = DOT_MAX.min((spacing * lanes / 2.0 - 1.5).max(DOT_MIN + 1.0));
    let lane_gap = 2.0 * dot_max + 2.0;
    let lane_count = lanes as usize;
    let spread = (lanes - 1.0) * lane_gap / 2.0;
    let font = (spacing * 0.85).clamp(LABEL_MIN, LABEL_MAX);

    let mut placed = Vec::with_capacity(members.len());
    let mut groups = Vec::new();
    let mut position = 0.5;
    for (run_index, (key, from, to)) in runs.iter().enumerate() {
        if run_index > 0 {
            position += COMPANY_GAP;
        }
        let first_angle = start + position * per_slot;
        for (i, c) in members[*from..*to].iter().enumerate() {
            let slot = from + i;
            let angle = start + position * per_slot;
            let lane = slot % lane_count;
            let offset = lane as f64 * lane_gap - spread;
            let weight = dot_weight(c, now);
            let single_company = (to - from == 1)
                .then(|| c.company.as_deref().map(str::trim))
                .flatten()
                .filter(|s| !s.is_empty());
            // A namesake is labelled apart, unless their company (shown
            // beside them on the map) is what tells them apart already.
            let name = match (labels.get(&c.id), c.company.as_deref()) {
                (Some(label), Some(company))
                    if label.ends_with(&format!("({})", company.trim())) =>
                {
                    c.shown()
                }
                (Some(label), _) => label.clone(),
                (None, _) => c.shown(),
            };
            let label = match single_company {
                Some(company) => format!("{name} · {company}"),
                None => name.clone(),
            };
            let company = c
                .company
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            placed.push(Placed {
                contact: c,
                status: Status::of(c, now),
                angle,
                radius: radius + offset,
                dot: DOT_MIN + (dot_max - DOT_MIN) * weight,
                name,
                company,
                label,
                sub: String::new(),
            });
            position += 1.0;
        }
        if key.is_some() && to - from >= 2 {
            let name = members[*from]
                .company
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_string();
            groups.push(Group {
                name,
                from: first_angle,
                to: start + (position - 1.0) * per_slot,
            });
        }
    }
    let company_font = (font * 0.8).clamp(11.0, 15.0);
    Ring {
        tier,
        radius,
        placed,
        groups,
        font,
        company_font,
        inside: spread + dot_max,
        outside: spread + dot_max,
        label_start: radius + spread + dot_max,
        upright: false,
    }
}

impl Ring<'_> {
    /// Room kept inside the ring for company arcs and names.
    fn company_reserve(&self) -> f64 {
        if self.groups.is_empty() {
            0.0
        } else {
            8.0 + self.company_font + 4.0
        }
    }
}

/// Rings with at most this many contacts get upright names, with the
/// company on a second line; busier rings write names along the radius.
const UPRIGHT_UP_TO: usize = 12;
const UPRIGHT_FONT: f64 = 18.0;

/// Chooses which contacts get a name (most urgent first, while names do
/// not overlap) and fits each name between `start` and `end` px from the
/// centre. Returns how many dots are left unlabelled.
fn label_ring(ring: &mut Ring, start: f64, end: f64, measure: Option<&Measure>) -> usize {
    let room = end - start;
    ring.label_start = start;
    ring.upright = ring.placed.len() <= UPRIGHT_UP_TO;
    if ring.upright {
        // Upright names run across the gap to the next ring; a little
        // smaller, more of each name fits.
        ring.font = ring.font.min(UPRIGHT_FONT);
        ring.company_font = ring.company_font.min(UPRIGHT_FONT - 4.0);
    }
    let mut order: Vec<usize> = (0..ring.placed.len()).collect();
    order.sort_by_key(|&i| {
        let p = &ring.placed[i];
        (
            Reverse(p.status),
            p.contact.next_due(),
            Reverse(p.contact.last_contact),
            p.contact.id.0,
        )
    });
    // Upright names keep clear of each other's boxes; names along the
    // radius keep one line of text apart where they start, their narrowest.
    let mut boxes: Vec<[f64; 4]> = Vec::new();
    let mut angles: Vec<f64> = Vec::new();
    let needs = ring.font * 1.05 / start.max(1.0);
    let mut unlabelled = 0;
    let fonts = (ring.font, ring.company_font);
    for i in order {
        let p = &mut ring.placed[i];
        let mut label = None;
        if room > ring.font * 2.0 {
            if ring.upright {
                let room = upright_room(fonts, p.company.is_some(), start, end, p.angle);
                let name = fit(measure, &p.name, ring.font, room);
                let sub = p
                    .company
                    .as_deref()
                    .and_then(|c| fit(measure, c, ring.company_font, room));
                if let Some(name) = name {
                    let width = text_width(measure, &name, ring.font).max(
                        sub.as_deref()
                            .map_or(0.0, |s| text_width(measure, s, ring.company_font)),
                    );
                    let b = upright_box(
                        ring.font,
                        ring.company_font,
                        sub.is_some(),
                        start,
                        p.angle,
                        width,
                    );
                    let clear = boxes
                        .iter()
                        .all(|o| b[0] >= o[2] || o[0] >= b[2] || b[1] >= o[3] || o[1] >= b[3]);
                    if clear {
                        boxes.push(b);
                        p.sub = sub.unwrap_or_default();
                        label = Some(name);
                    }
                }
            } else if angles.iter().all(|&a| (a - p.angle).abs() >= needs) {
                label = fit(measure, &p.label, ring.font, room);
                if label.is_some() {
                    angles.push(p.angle);
                }
            }
        }
        match label {
            Some(text) => p.label = text,
            None => {
                p.label.clear();
                unlabelled += 1;
            }
        }
    }
    unlabelled
}

/// How wide an upright name at `angle` may be while its box stays within
/// `end` px of the centre: wider near the top and bottom of the ring, where
/// it runs along the ring rather than out across it.
fn upright_room(fonts: (f64, f64), has_sub: bool, start: f64, end: f64, angle: f64) -> f64 {
    let fits = |width: f64| {
        let [left, top, right, bottom] =
            upright_box(fonts.0, fonts.1, has_sub, start, angle, width);
        [(left, top), (left, bottom), (right, top), (right, bottom)]
            .iter()
            .all(|&(x, y)| x.hypot(y) <= end)
    };
    let (mut low, mut high) = (0.0, 2.0 * end);
    for _ in 0..24 {
        let mid = (low + high) / 2.0;
        if fits(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

/// Where an upright name (and company line) sits relative to its anchor
/// point `start` px out from the centre at `angle`: beside the dot on the
/// left and right, above it at the top, below it at the bottom. Returns the
/// box `[left, top, right, bottom]` relative to the centre, and is what
/// `draw_labels` draws.
fn upright_box(
    font: f64,
    sub_font: f64,
    has_sub: bool,
    start: f64,
    angle: f64,
    width: f64,
) -> [f64; 4] {
    let (ax, ay) = polar(0.0, 0.0, start, angle);
    let height = font + if has_sub { sub_font + 4.0 } else { 0.0 };
    let (c, s) = (angle.cos(), angle.sin());
    let left = if c > 0.3 {
        ax + 4.0
    } else if c < -0.3 {
        ax - 4.0 - width
    } else {
        ax - width / 2.0
    };
    let top = if c.abs() > 0.3 {
        ay - height / 2.0
    } else if s < 0.0 {
        ay - height
    } else {
        ay
    };
    [left, top, left + width, top + height]
}

fn label_colour(status: Status) -> &'static str {
    match status {
        Status::OnTrack => INK,
        Status::Due => DUE_TEXT,
        Status::Overdue => OVERDUE_TEXT,
    }
}

fn draw_labels(svg: &mut String, ring: &Ring, cx: f64, cy: f64, measure: Option<&Measure>) {
    let start = ring.label_start;
    for p in ring.placed.iter().filter(|p| !p.label.is_empty()) {
        let fill = label_colour(p.status);
        if ring.upright {
            let width = text_width(measure, &p.label, ring.font).max(if p.sub.is_empty() {
                0.0
            } else {
                text_width(measure, &p.sub, ring.company_font)
            });
            let [left, top, right, _] = upright_box(
                ring.font,
                ring.company_font,
                !p.sub.is_empty(),
                start,
                p.angle,
                width,
            );
            let (x, anchor) = if p.angle.cos() > 0.3 {
                (left, "start")
            } else if p.angle.cos() < -0.3 {
                (right, "end")
            } else {
                ((left + right) / 2.0, "middle")
            };
            let (x, top) = (cx + x, cy + top);
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{:.1}" font-size="{:.1}" fill="{fill}" text-anchor="{anchor}">{}</text>"#,
                top + ring.font * 0.8,
                ring.font,
                escape(&p.label)
            );
            if !p.sub.is_empty() {
                let _ = write!(
                    svg,
                    r#"<text x="{x:.1}" y="{:.1}" font-size="{:.1}" fill="{MUTED}" text-anchor="{anchor}">{}</text>"#,
                    top + ring.font + 4.0 + ring.company_font * 0.8,
                    ring.company_font,
                    escape(&p.sub)
                );
            }
            continue;
        }
        let (x, y) = polar(cx, cy, start, p.angle);
        let degrees = p.angle.to_degrees();
        let (rotate, anchor) = if p.angle.cos() >= -1e-9 {
            (degrees, "start")
        } else {
            (degrees + 180.0, "end")
        };
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" font-size="{:.1}" fill="{fill}" text-anchor="{anchor}" transform="rotate({rotate:.2} {x:.1} {y:.1})">{}</text>"#,
            y + ring.font * 0.36,
            ring.font,
            escape(&p.label)
        );
    }
}

/// Thin arcs inside the ring joining a company's contacts, with its name.
fn draw_groups(svg: &mut String, ring: &Ring, cx: f64, cy: f64, measure: Option<&Measure>) {
    let arc_r = ring.radius - ring.inside - 6.0;
    let text_r = arc_r - 4.0 - ring.company_font * 0.5;
    for g in &ring.groups {
        let (x0, y0) = polar(cx, cy, arc_r, g.from);
        let (x1, y1) = polar(cx, cy, arc_r, g.to);
        let large = if g.to - g.from > PI { 1 } else { 0 };
        let _ = write!(
            svg,
            r#"<path d="M{x0:.1},{y0:.1} A{arc_r:.1},{arc_r:.1} 0 {large} 1 {x1:.1},{y1:.1}" fill="none" stroke="{MUTED}" stroke-width="2" stroke-linecap="round" opacity="0.55"/>"#
        );
        let mid = (g.from + g.to) / 2.0;
        let room = ((g.to - g.from) * text_r).max(0.0) + ring.font;
        let Some(name) = fit(measure, &g.name, ring.company_font, room) else {
            continue;
        };
        if name.chars().count() < 4 && name.ends_with('…') {
            continue;
        }
        let (x, y) = polar(cx, cy, text_r, mid);
        let rotate = if mid.sin() > 0.0 {
            mid.to_degrees() - 90.0
        } else {
            mid.to_degrees() + 90.0
        };
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" font-size="{:.1}" fill="{MUTED}" text-anchor="middle" transform="rotate({rotate:.2} {x:.1} {y:.1})">{}</text>"#,
            y + ring.company_font * 0.36,
            ring.company_font,
            escape(&name)
        );
    }
}

fn draw_header(svg: &mut String, title: &str, side: f64, scale: f64, measure: Option<&Measure>) {
    let font = 30.0 * scale.sqrt();
    let heading = fit(
        measure,
        &match title.trim() {
            "" => "Network map".to_string(),
            title => format!("Network map · {title}"),
        },
        font,
        side - 80.0,
    )
    .unwrap_or_default();
    let _ = write!(
        svg,
        r#"<text x="40" y="{:.1}" font-size="{font:.1}" fill="{INK}">{}</text>"#,
        24.0 + font,
        escape(&heading)
    );
    // Legend: the three colours, then what size means.
    let small = 17.0 * scale.sqrt();
    let y = 24.0 + font + 20.0 + small;
    let mut x = 40.0;
    for (status, text) in [
        (Status::OnTrack, "on track"),
        (Status::Due, "due (up to a week)"),
        (Status::Overdue, "overdue (more than a week)"),
    ] {
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{}"/>"#,
            x + DOT_MAX,
            y - small * 0.35,
            DOT_MAX * 0.8,
            status.colour()
        );
        x += DOT_MAX * 2.0 + 8.0;
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{small:.1}" fill="{INK}">{text}</text>"#
        );
        x += text_width(measure, text, small) + 28.0;
    }
    x += 12.0;
    let _ = write!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{small:.1}" fill="{MUTED}">dot size: last contact</text>"#
    );
    x += text_width(measure, "dot size: last contact", small) + 14.0;
    for (r, text) in [
        (DOT_MAX, "today"),
        (DOT_MIN + 3.0, "months ago"),
        (DOT_MIN, "never"),
    ] {
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{r:.1}" fill="{MUTED}" stroke="#ffffff" stroke-width="1.2"/>"##,
            x + r,
            y - small * 0.35,
        );
        x += 2.0 * r + 6.0;
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{small:.1}" fill="{MUTED}">{text}</text>"#
        );
        x += text_width(measure, text, small) + 18.0;
    }
}

fn draw_footer(
    svg: &mut String,
    contacts: &[Contact],
    now: DateTime<Utc>,
    unlabelled: usize,
    side: f64,
    height: f64,
    scale: f64,
) {
    let font = 18.0 * scale.sqrt();
    let count = |s: Status| contacts.iter().filter(|c| Status::of(c, now) == s).count();
    let people = match contacts.len() {
        1 => "1 contact".to_string(),
        n => format!("{n} contacts"),
    };
    let summary = format!(
        "{people} · {} {} · {} {} · {} {} · {}",
        count(Status::OnTrack),
        Status::OnTrack.label(),
        count(Status::Due),
        Status::Due.label(),
        count(Status::Overdue),
        Status::Overdue.label(),
        now.format("%-d %B %Y"),
    );
    let y = height - FOOTER / 2.0 + font * 0.36;
    let _ = write!(
        svg,
        r#"<text x="40" y="{y:.1}" font-size="{font:.1}" fill="{INK}">{}</text>"#,
        escape(&summary)
    );
    if unlabelled > 0 {
        let note = match unlabelled {
            1 => "1 dot unlabelled to keep names legible (most overdue named first)".to_string(),
            n => format!("{n} dots unlabelled to keep names legible (most overdue named first)"),
        };
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{y:.1}" font-size="{font:.1}" fill="{MUTED}" text-anchor="end">{}</text>"#,
            side - 40.0,
            escape(&note)
        );
    }
}

/// A made-up network of `size` contacts, the same every time: tiers,
/// companies, statuses, long and non-Latin names. For tests, the example
/// that draws the README's sample maps, and trying the map out.
#[doc(hidden)]
pub fn demo_network(size: usize, now: DateTime<Utc>) -> Vec<Contact> {
    const FIRST: [&str; 24] = [
        "Ada", "Bram", "Chiara", "Dmitri", "Émilie", "Farah", "Gus", "Hiroshi", "Inès", "Jonas",
        "Kwame", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Søren", "Tomás",
        "Ulla", "Vikram", "Wen", "Zoë",
    ];
    const LAST: [&str; 20] = [
        "Lovelace",
        "Okafor",
        "Rossi",
        "Ivanov",
        "Dubois",
        "Haddad",
        "Grant",
        "Tanaka",
        "García",
        "Schmidt",
        "Mensah",
        "Novak",
        "Silva",
        "Kowalczyk",
        "Berg",
        "Raman",
        "O'Neill",
        "Müller",
        "Ødegård",
        "Wang",
    ];
    const COMPANIES: [&str; 24] = [
        "Acme & Sons",
        "Bluefin Labs",
        "Cobalt Health",
        "Delta Freight",
        "Ember Studio",
        "Fjord Energy",
        "Globex",
        "Helix Bio",
        "Initech",
        "Juniper Credit",
        "Kestrel Aero",
        "Lumen <Design>",
        "Meridian Bank",
        "Northwind",
        "Orbital Systems",
        "Pinecone AI",
        "Quarry & Co",
        "Riverstone Legal",
        "Saffron Foods",
        "Tessellate",
        "Umbra Security",
        "Vantage Capital",
        "Wayfarer Travel",
        "Zephyr Robotics",
    ];
    const SPECIAL: [&str; 6] = [
        "Александра Смирнова",
        "Νίκος Παπαδόπουλος",
        "Bartholomew Montgomery-Fitzwilliam the Third",
        "\"Sam\" <sam@example.org>",
        "Björk Guðmundsdóttir",
        "Li & Partners",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |bound: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % bound.max(1)
    };
    (0..size)
        .map(|i| {
            let tier = match next(100) {
                0..=6 => Tier::Inner,
                7..=27 => Tier::Close,
                _ => Tier::Wider,
            };
            let tier = if size <= 12 { Tier::ALL[i % 3] } else { tier };
            let name = if i % 37 == 5 {
                SPECIAL[(i / 37) % SPECIAL.len()].to_string()
            } else {
                format!(
                    "{} {}",
                    FIRST[next(FIRST.len() as u64) as usize],
                    LAST[next(LAST.len() as u64) as usize]
                )
            };
            // Companies cluster: a few big ones, a long tail, some freelancers.
            let company = match next(10) {
                0 | 1 => None,
                2..=5 => Some(COMPANIES[next(6) as usize]),
                _ => Some(COMPANIES[next(COMPANIES.len() as u64) as usize]),
            }
            .map(str::to_string);
            let cadence = i64::from(tier.default_cadence().days());
            // Mostly on track, some due, some overdue, a few never contacted.
            let since = match next(20) {
                0..=11 => next(cadence as u64 * 9 / 10),
                12..=14 => cadence as u64 + next(7),
                15..=18 => cadence as u64 + 8 + next(60),
                _ => u64::MAX,
            };
            let last_contact = (since != u64::MAX).then(|| now - Duration::days(since as i64));
            Contact {
                id: ContactId(i as i64 + 1),
                member_external_id: (i % 11 == 3).then(|| format!("U{i:05}")),
                name,
                company,
                tier,
                cadence_override: None,
                tags: Vec::new(),
                snoozed_until: None,
                added_at: now - Duration::days(cadence * 2 + 30),
                last_contact,
                favours_given: 0,
                favours_received: 0,
                last_note: None,
                email: None,
                profile_url: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
            .single()
            .expect("a real date")
    }

    fn contact(
        id: i64,
        name: &str,
        company: Option<&str>,
        tier: Tier,
        since: Option<i64>,
    ) -> Contact {
        Contact {
            id: ContactId(id),
            member_external_id: None,
            name: name.to_string(),
            company: company.map(str::to_string),
            tier,
            cadence_override: None,
            tags: Vec::new(),
            snoozed_until: None,
            added_at: now() - Duration::days(400),
            last_contact: since.map(|d| now() - Duration::days(d)),
            favours_given: 0,
            favours_received: 0,
            last_note: None,
            email: None,
            profile_url: None,
        }
    }

    /// A decoded PNG as RGB rows.
    struct Image {
        width: u32,
        height: u32,
        rgb: Vec<u8>,
    }

    impl Image {
        fn decode(png: &[u8]) -> Image {
            let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
            decoder
                .set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
            let mut reader = decoder.read_info().expect("a PNG header");
            let mut buffer = vec![0; reader.output_buffer_size().expect("a buffer size")];
            let frame = reader.next_frame(&mut buffer).expect("PNG image data");
            assert_eq!(frame.color_type, png::ColorType::Rgb, "an opaque image");
            buffer.truncate(frame.buffer_size());
            Image {
                width: frame.width,
                height: frame.height,
                rgb: buffer,
            }
        }

        fn pixel(&self, x: f64, y: f64) -> [u8; 3] {
            let (x, y) = (x.round() as usize, y.round() as usize);
            let i = (y * self.width as usize + x) * 3;
            [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
        }

        /// How many pixels in the band `from..to` px from the plot's centre
        /// look like `colour`.
        fn count_in_band(&self, side: f64, from: f64, to: f64, colour: &str) -> usize {
            let (cx, cy) = (side / 2.0, HEADER + side / 2.0);
            let want = hex(colour);
            let mut found = 0;
            let mut r = from;
            while r <= to {
                for step in 0..1440 {
                    let angle = f64::from(step) / 1440.0 * 2.0 * PI;
                    let (x, y) = polar(cx, cy, r, angle);
                    if close(self.pixel(x, y), want) {
                        found += 1;
                    }
                }
                r += 2.0;
            }
            found
        }

        /// How many pixels below the legend look like each of `colours`,
        /// counting every other pixel of every other row.
        fn count(&self, colours: &[&str]) -> Vec<usize> {
            let want: Vec<[u8; 3]> = colours.iter().map(|c| hex(c)).collect();
            let mut found = vec![0; want.len()];
            let row = self.width as usize * 3;
            for y in (HEADER as usize..self.height as usize).step_by(2) {
                for p in self.rgb[y * row..(y + 1) * row].chunks_exact(6) {
                    let p = [p[0], p[1], p[2]];
                    if let Some(i) = want.iter().position(|&w| close(p, w)) {
                        found[i] += 1;
                    }
                }
            }
            found
        }
    }

    fn hex(colour: &str) -> [u8; 3] {
        let v = u32::from_str_radix(colour.trim_start_matches('#'), 16).expect("a hex colour");
        [(v >> 16) as u8, (v >> 8) as u8, v as u8]
    }

    fn close(a: [u8; 3], b: [u8; 3]) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 12)
    }

    fn five_hundred() -> &'static (Map, Image) {
        static MAP: OnceLock<(Map, Image)> = OnceLock::new();
        MAP.get_or_init(|| {
            let map = render("Maya Chen", &demo_network(500, now()), now()).expect("a map");
            let image = Image::decode(&map.png);
            (map, image)
        })
    }

    fn assert_a_dot_on_every_ring(image: &Image, contacts: usize) {
        let side = side_for(contacts);
        let reach = side / 2.0 - 16.0;
        for (tier, at) in Tier::ALL.iter().zip(RING_AT) {
            let r = at * reach;
            let dots: usize = [ON_TRACK, DUE, OVERDUE]
                .iter()
                .map(|c| image.count_in_band(side, r - 40.0, r + 40.0, c))
                .sum();
            assert!(
                dots > 0,
                "no dots on the {tier} ring of {contacts} contacts"
            );
        }
    }

    #[test]
    fn five_contacts_render_as_a_png_of_the_expected_size() {
        let contacts = demo_network(5, now());
        let map = render("Maya Chen", &contacts, now()).expect("a map");
        let image = Image::decode(&map.png);
        assert_eq!((image.width, image.height), (1600, 1800));
        assert_eq!((map.width, map.height), (1600, 1800));
        assert_eq!(size_for(5), (1600, 1800));
        assert!(contacts.iter().any(|c| c.tier == Tier::Inner));
        assert!(contacts.iter().any(|c| c.tier == Tier::Close));
        assert!(contacts.iter().any(|c| c.tier == Tier::Wider));
        assert_a_dot_on_every_ring(&image, 5);
    }

    #[test]
    fn names_are_drawn_in_the_embedded_font_without_system_fonts() {
        // The font database holds only the embedded font (resvg is built
        // without system fonts), so text on the map proves it is used.
        assert_eq!(fonts().len(), 1);
        let contacts = [contact(1, "Ada Lovelace", None, Tier::Inner, Some(1))];
        let named = Image::decode(&render("Maya", &contacts, now()).expect("a map").png);
        let unnamed = {
            let blank = [contact(1, " ", None, Tier::Inner, Some(1))];
            Image::decode(&render("Maya", &blank, now()).expect("a map").png)
        };
        // Dark pixels below the legend: names and the footer.
        let ink = |image: &Image| {
            image.rgb[HEADER as usize * image.width as usize * 3..]
                .chunks_exact(3)
                .filter(|p| p.iter().all(|&v| v < 128))
                .count()
        };
        assert!(
            ink(&named) > ink(&unnamed) + 200,
            "{} vs {}",
            ink(&named),
            ink(&unnamed)
        );
    }

    #[test]
    fn five_hundred_contacts_render_as_a_larger_png_with_dots_on_every_ring() {
        let (map, image) = five_hundred();
        assert_eq!((image.width, image.height), (3000, 3200));
        assert_eq!((map.width, map.height), (3000, 3200));
        assert!(map.png.len() < 1_500_000, "{} bytes", map.png.len());
        assert_a_dot_on_every_ring(image, 500);
    }

    #[test]
    fn a_mixed_network_shows_all_three_status_colours() {
        let contacts = demo_network(500, now());
        for status in [Status::OnTrack, Status::Due, Status::Overdue] {
            assert!(contacts.iter().any(|c| Status::of(c, now()) == status));
        }
        let (_, image) = five_hundred();
        let found = image.count(&[ON_TRACK, DUE, OVERDUE]);
        assert!(found.iter().all(|&n| n > 100), "{found:?}");
    }

    #[test]
    fn a_network_that_is_all_on_track_shows_no_red() {
        let contacts: Vec<Contact> = (0..6)
            .map(|i| contact(i, "Ada", None, Tier::ALL[i as usize % 3], Some(1)))
            .collect();
        let map = render("Maya", &contacts, now()).expect("a map");
        let image = Image::decode(&map.png);
        let found = image.count(&[ON_TRACK, DUE, OVERDUE]);
        assert!(found[0] > 100, "{found:?}");
        assert_eq!(found[1..], [0, 0]);
    }

    #[test]
    fn an_empty_network_renders_a_map_saying_so() {
        let map = render("Maya Chen", &[], now()).expect("a map");
        let image = Image::decode(&map.png);
        assert_eq!((image.width, image.height), size_for(0));
        assert!(svg("Maya Chen", &[], now()).contains("Your network is empty"));
        assert!(svg("Maya Chen", &[], now()).contains("0 contacts"));
        let untitled = svg("  ", &[], now());
        assert!(untitled.contains(">Network map<"), "{untitled}");
    }

    #[test]
    fn names_are_escaped_and_any_script_renders() {
        let contacts = [
            contact(
                1,
                "<b>Tom & \"Jerry\"</b> O'Hara",
                Some("R&D <Labs>"),
                Tier::Inner,
                Some(3),
            ),
            contact(2, "Zoë Ødegård", None, Tier::Close, None),
            contact(
                3,
                "Александра Νίκος עברית 李小龍",
                None,
                Tier::Wider,
                Some(100),
            ),
            contact(4, "Bell\u{7}\u{0}Name", None, Tier::Wider, Some(10)),
        ];
        assert_eq!(
            escape("<b>Tom & \"Jerry\"</b> O'Hara\u{7}"),
            "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; O&#39;Hara "
        );
        let drawn = svg("Me & <you>", &contacts, now());
        assert!(drawn.contains("&lt;b&gt;Tom &amp;"));
        assert!(drawn.contains("R&amp;D &lt;Labs&gt;"));
        assert!(drawn.contains("Me &amp; &lt;you&gt;"));
        assert!(drawn.contains("Zoë Ødegård"));
        assert!(!drawn.contains("<b>"));
        assert!(!drawn.contains('\u{0}'));
        let map = render("Me & <you>", &contacts, now()).expect("a map");
        assert_eq!(Image::decode(&map.png).width, 1600);
    }

    #[test]
    fn a_long_name_ends_in_an_ellipsis() {
        let long = "Bartholomew Montgomery-Fitzwilliam Ravenscroft-Delacourt the Third of Wessex";
        let mut contacts = vec![contact(1, long, Some("Acme"), Tier::Wider, Some(3))];
        contacts.extend((2..30).map(|i| contact(i, "Ada", None, Tier::Wider, Some(3))));
        let drawn = svg("Maya", &contacts, now());
        assert!(!drawn.contains(long));
        assert!(drawn.contains("Bartholomew M"));
        assert!(drawn.contains('…'));

        let measure = Measure::new().expect("the embedded font");
        let fitted = measure
            .fit(long, 20.0, 200.0)
            .expect("room for a few letters");
        assert!(fitted.ends_with('…'));
        assert!(measure.width(&fitted, 20.0) <= 200.0);
        assert_eq!(measure.fit("Ada", 20.0, 200.0).as_deref(), Some("Ada"));
        assert_eq!(measure.fit(long, 20.0, 5.0), None);
    }

    #[test]
    fn status_is_on_track_then_due_for_a_week_then_overdue() {
        // An inner contact is due 14 days after the last contact.
        let at = |days| Status::of(&contact(1, "Ada", None, Tier::Inner, Some(days)), now());
        assert_eq!(at(13), Status::OnTrack);
        assert_eq!(at(14), Status::Due);
        assert_eq!(at(21), Status::Due);
        assert_eq!(at(22), Status::Overdue);
    }

    #[test]
    fn a_more_recent_contact_has_a_bigger_dot() {
        let weight = |since| dot_weight(&contact(1, "Ada", None, Tier::Inner, since), now());
        assert_eq!(weight(Some(0)), 1.0);
        assert!(weight(Some(3)) > weight(Some(30)));
        assert!(weight(Some(30)) > weight(Some(120)));
        assert_eq!(weight(Some(400)), 0.0);
        assert_eq!(weight(None), 0.0);
    }

    #[test]
    fn the_same_network_draws_the_same_way_whatever_its_order() {
        let contacts = demo_network(60, now());
        let mut reversed = contacts.clone();
        reversed.reverse();
        assert_eq!(svg("Maya", &contacts, now()), svg("Maya", &reversed, now()));
    }

    #[test]
    fn namesakes_are_labelled_apart_on_the_map() {
        let contacts = vec![
            contact(
                1,
                "Kwame Egger",
                Some("Stark Industries"),
                Tier::Close,
                Some(3),
            ),
            contact(2, "Kwame Egger", Some("Hooli"), Tier::Close, Some(3)),
            contact(3, "Kwame Egger", None, Tier::Wider, Some(3)),
            contact(4, "Jane Doe", Some("Acme"), Tier::Close, Some(3)),
        ];
        let drawn = svg("Maya", &contacts, now());
        // Two by their company beside them, the third by number.
        for label in [">Hooli<", ">Stark Industries<", ">Kwame Egger (3)<"] {
            assert!(drawn.contains(label), "{label} in {drawn}");
        }
        assert_eq!(drawn.matches(">Kwame Egger<").count(), 2, "{drawn}");
    }

    #[test]
    fn colleagues_sit_side_by_side_on_their_ring() {
        let contacts = demo_network(300, now());
        let wider: Vec<&Contact> = contacts.iter().filter(|c| c.tier == Tier::Wider).collect();
        let ring = lay_out_ring(Tier::Wider, 900.0, 0.1, wider, &Default::default(), now());
        let companies: Vec<Option<&str>> = ring
            .placed
            .iter()
            .map(|p| p.contact.company.as_deref())
            .collect();
        let mut seen = std::collections::HashSet::new();
        for (i, company) in companies.iter().enumerate() {
            if i > 0 && companies[i - 1] == *company {
                continue;
            }
            assert!(seen.insert(*company), "{company:?} is split round the ring");
        }
        let angles: Vec<f64> = ring.placed.iter().map(|p| p.angle).collect();
        assert!(angles.windows(2).all(|w| w[0] < w[1]), "clockwise in order");
    }

    #[test]
    fn a_crowded_ring_names_the_most_overdue_first_and_counts_the_rest() {
        let contacts: Vec<Contact> = (0..900)
            .map(|i| {
                let since = [Some(2), Some(200), None][i as usize % 3];
                contact(i, &format!("Person {i}"), None, Tier::Wider, since)
            })
            .collect();
        let members: Vec<&Contact> = contacts.iter().collect();
        let mut ring = lay_out_ring(
            Tier::Wider,
            1100.0,
            0.1,
            members,
            &Default::default(),
            now(),
        );
        let measure = Measure::new();
        let unlabelled = label_ring(&mut ring, 1130.0, 1400.0, measure.as_ref());
        assert!(unlabelled > 0);
        let labelled = |status| {
            ring.placed
                .iter()
                .filter(|p| p.status == status && !p.label.is_empty())
                .count()
        };
        assert!(labelled(Status::Overdue) >= 300);
        // An overdue contact goes unnamed only beside another overdue name.
        let needs = ring.font * 1.05 / 1130.0;
        for p in ring.placed.iter().filter(|p| p.label.is_empty()) {
            if p.status == Status::Overdue {
                assert!(ring.placed.iter().any(|q| q.status == Status::Overdue
                    && !q.label.is_empty()
                    && (q.angle - p.angle).abs() < needs));
            }
        }
        assert_eq!(
            ring.placed.iter().filter(|p| p.label.is_empty()).count(),
            unlabelled
        );
        let drawn = svg("Maya", &contacts, now());
        assert!(drawn.contains("dots unlabelled to keep names legible"));
    }
}

//! The console adapter: a REPL where each line is a command as typed after
//! `/kith`, replies print as the member would see them, and messages Kith
//! sends (DMs, channel posts) print under a header naming the recipient and
//! their local date and time.
//!
//! Input and output are injectable, so tests type lines and read the screen.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use comfy_table::{ContentArrangement, LineStyle, Table as Grid, TableStyle};
use kith_bot::delivery::Delivery;
use kith_bot::domain::Platform;
use kith_bot::ports::{Clock, DeliveryError, ManualClock, Messenger, Recipient};
use kith_bot::reply::{Block, Button, File, Reply, Table};
use kith_bot::{Actor, Kith};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Where the console writes: a terminal, or a buffer a test reads back.
#[derive(Clone)]
pub struct Screen {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl Screen {
    pub fn new(out: impl Write + Send + 'static) -> Screen {
        Screen {
            out: Arc::new(Mutex::new(Box::new(out))),
        }
    }

    pub fn stdout() -> Screen {
        Screen::new(std::io::stdout())
    }

    /// Writes `text` and a newline, and flushes so a pipe sees it at once.
    pub fn print(&self, text: &str) -> std::io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        writeln!(out, "{text}")?;
        out.flush()
    }

    /// Writes `text` without a newline (a prompt).
    pub fn prompt(&self, text: &str) -> std::io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        write!(out, "{text}")?;
        out.flush()
    }
}

/// An in-memory screen for tests and scripts: everything printed, as text.
#[derive(Clone, Default)]
pub struct Transcript {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Transcript {
    pub fn new() -> Transcript {
        Transcript::default()
    }

    pub fn screen(&self) -> Screen {
        Screen::new(self.clone())
    }

    /// Everything printed so far.
    pub fn text(&self) -> String {
        let bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Everything printed so far, and forget it.
    pub fn take(&self) -> String {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&bytes).into_owned();
        bytes.clear();
        text
    }
}

impl Write for Transcript {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders a reply as the console shows it: paragraphs, aligned tables,
/// and problems marked so they stand out. Files are named, not written.
pub fn render(reply: &Reply) -> String {
    render_with(reply, &mut |file| {
        format!("[file {} ({})]", file.name, size(file.bytes.len()))
    })
}

/// "3.2 KB".
fn size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Renders a reply, handing each file to `save`, which says what to show.
fn render_with(reply: &Reply, save: &mut dyn FnMut(&File) -> String) -> String {
    let mut parts = Vec::with_capacity(reply.blocks.len());
    let mut items = 0;
    for block in &reply.blocks {
        match block {
            Block::File(file) => parts.push(save(file)),
            Block::Text(text) => parts.push(text.clone()),
            Block::Table(table) => parts.push(grid(table)),
            Block::Actions { buttons, .. } => {
                items += 1;
                let labels: Vec<String> =
                    buttons.iter().map(|b| format!("[{}]", b.label)).collect();
                let verbs: Vec<&str> = buttons.iter().map(|b| button_verb(&b.action)).collect();
                parts.push(format!(
                    "  {}   (:press {items} {})",
                    labels.join("  "),
                    verbs.join("|")
                ));
            }
        }
    }
    let text = parts.join("\n");
    if reply.is_error {
        format!("! {text}")
    } else {
        text
    }
}

/// Columns under a ruled header, no other lines: quiet enough to scan.
const GRID: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction(' '));

fn grid(table: &Table) -> String {
    // comfy-table measures columns in u16; a cell past that is shown with
    // the core's plain alignment instead of being cut.
    let too_wide = |cell: &String| cell.chars().count() > usize::from(u16::MAX / 2);
    if table
        .headers
        .iter()
        .chain(table.rows.iter().flatten())
        .any(too_wide)
    {
        return table.plain_text();
    }
    let mut grid = Grid::new();
    grid.load_style(GRID)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(&table.headers);
    for row in &table.rows {
        grid.add_row(row);
    }
    grid.lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A reminder as delivered, and the outcomes of its pressed items.
struct Delivered {
    message: Reply,
    settled: HashMap<String, String>,
}

/// Delivers Kith's outgoing messages onto the console screen, each under a
/// header with the recipient and their local date and time, and keeps each
/// member's latest DM so its buttons can be pressed (`:press`).
#[derive(Clone)]
pub struct ConsoleMessenger {
    screen: Screen,
    clock: Arc<dyn Clock>,
    inbox: Arc<Mutex<HashMap<String, Delivered>>>,
}

impl ConsoleMessenger {
    pub fn new(screen: Screen, clock: Arc<dyn Clock>) -> ConsoleMessenger {
        ConsoleMessenger {
            screen,
            clock,
            inbox: Arc::default(),
        }
    }

    /// The latest DM with buttons (a reminder) delivered to a member, as it
    /// now stands: pressed items replaced by what pressing them did.
    pub fn last_dm(&self, member: &str) -> Option<Reply> {
        let inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        let delivered = inbox.get(member)?;
        let mut now = delivered.message.clone();
        for (block, outcome) in &delivered.settled {
            now.settle(block, outcome);
        }
        Some(now)
    }

    /// Item `n` (from 1) of a member's latest reminder: its block id and
    /// buttons, and the outcome if it was already pressed.
    fn item(&self, member: &str, n: usize) -> Option<(String, Vec<Button>, Option<String>)> {
        let inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        let delivered = inbox.get(member)?;
        let (id, buttons) = delivered
            .message
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Actions { id, buttons } => Some((id.clone(), buttons.clone())),
                _ => None,
            })
            .nth(n.checked_sub(1)?)?;
        let settled = delivered.settled.get(&id).cloned();
        Some((id, buttons, settled))
    }

    /// Keeps a message with buttons (a DM or a reply) as the member's latest,
    /// for `:press`.
    fn keep(&self, member: &str, message: &Reply) {
        if message
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Actions { .. }))
        {
            self.inbox.lock().unwrap_or_else(|e| e.into_inner()).insert(
                member.to_string(),
                Delivered {
                    message: message.clone(),
                    settled: HashMap::new(),
                },
            );
        }
    }

    /// Records that a block of a member's latest reminder was pressed.
    fn settle(&self, member: &str, block: &str, outcome: &str) {
        if let Some(delivered) = self
            .inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(member)
        {
            delivered
                .settled
                .insert(block.to_string(), outcome.to_string());
        }
    }

    fn deliver(&self, header: String, message: &Reply) -> Result<(), DeliveryError> {
        let text = format!("{header}\n{}\n", render(message));
        self.screen
            .print(&text)
            .map_err(|e| DeliveryError::Temporary(format!("cannot write to the console: {e}")))
    }
}

/// What `:press` calls a button: its action's verb without the subject
/// (`done:4` is done, `intro-yes:2` is yes, `pair-met:3` is met).
fn button_verb(action: &str) -> &str {
    let verb = action.split(':').next().unwrap_or(action);
    verb.rsplit('-').next().unwrap_or(verb)
}

/// "Mon 26 Oct 2026 09:00 EDT" in `tz`.
pub fn local_stamp(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

#[async_trait]
impl Messenger for ConsoleMessenger {
    async fn send_dm(
        &self,
        to: &Recipient,
        message: &Reply,
        _key: &str,
    ) -> Result<(), DeliveryError> {
        let header = format!(
            "── DM to @{} · {} ──",
            to.display_name,
            local_stamp(self.clock.now(), to.tz)
        );
        self.deliver(header, message)?;
        self.keep(&to.external_id, message);
        Ok(())
    }

    async fn post(
        &self,
        _workspace: &str,
        channel: &str,
        message: &Reply,
    ) -> Result<(), DeliveryError> {
        let header = format!(
            "── #{} · {} ──",
            channel.trim_start_matches('#'),
            local_stamp(self.clock.now(), chrono_tz::Tz::UTC)
        );
        self.deliver(header, message)
    }

    async fn converse(
        &self,
        _workspace: &str,
        members: &[Recipient],
        channel: Option<&str>,
        title: &str,
        message: &Reply,
        _key: &str,
    ) -> Result<bool, DeliveryError> {
        let names: Vec<String> = members
            .iter()
            .map(|m| format!("@{}", m.display_name))
            .collect();
        let place = match channel {
            Some(channel) => format!("thread \"{title}\" in #{channel}"),
            None => "group DM".to_string(),
        };
        let header = format!(
            "── {place} with {} · {} ──",
            names.join(", "),
            local_stamp(self.clock.now(), chrono_tz::Tz::UTC)
        );
        self.deliver(header, message)?;
        for member in members {
            self.keep(&member.external_id, message);
        }
        Ok(true)
    }
}

/// How a console session starts.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// The workspace the session acts in; each name is a separate workspace.
    pub workspace: String,
    /// Who you are at the start (`:as NAME` switches).
    pub member: String,
    /// Print a prompt before reading each line (for a terminal).
    pub prompt: bool,
    /// Print each line read after the prompt (for piped scripts), so the
    /// output reads as a transcript.
    pub echo: bool,
    /// Where files Kith hands the member (exports, maps) are written.
    pub files_dir: std::path::PathBuf,
    /// Members who may use `admin` (the console's workspace admins).
    pub admins: Vec<String>,
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        ConsoleOptions {
            workspace: "console".into(),
            member: "me".into(),
            prompt: false,
            echo: false,
            files_dir: ".".into(),
            admins: vec!["me".into()],
        }
    }
}

/// Whether the session goes on after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

const CONTROLS: &str = "Console controls:\n\
  :as NAME                      act as another member of this workspace\n\
  :clock 2026-10-26T08:00:00Z   set the simulated clock (what comes due on the way is sent)\n\
  :tick 3d                      move the clock forward (30m, 4h, 3d, 2w)\n\
  :press N done|snooze|skip     press a button on item N of your latest message with buttons\n\
                                (yes|no on an introduction, met|notyet or met|skip on a follow-up)\n\
  :now                          show the simulated time\n\
  :quit                         leave (end of input works too)\n\
Anything else is a command as typed after /kith; try help.";

/// A console session.
pub struct Console {
    kith: Kith,
    clock: ManualClock,
    screen: Screen,
    options: ConsoleOptions,
    delivery: Option<(Delivery, ConsoleMessenger)>,
}

impl Console {
    /// A session over `kith`, whose clock must be `clock` so `:clock` and
    /// `:tick` move the time Kith sees.
    pub fn new(kith: Kith, clock: ManualClock, screen: Screen, options: ConsoleOptions) -> Console {
        Console {
            kith,
            clock,
            screen,
            options,
            delivery: None,
        }
    }

    /// Runs reminders and digests in the session: after every line, and
    /// for every moment the clock passes, whatever comes due is scheduled
    /// and sent through `messenger`, in order.
    pub fn with_delivery(mut self, delivery: Delivery, messenger: ConsoleMessenger) -> Console {
        self.delivery = Some((delivery, messenger));
        self
    }

    fn actor(&self) -> Actor {
        let admin = self
            .options
            .admins
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&self.options.member));
        Actor::new(
            Platform::Console,
            &self.options.workspace,
            &self.options.member,
            &self.options.member,
        )
        .with_admin(admin)
    }

    /// Sends what is due now; a fault is shown, not fatal.
    async fn catch_up(&self) -> anyhow::Result<()> {
        if let Some((delivery, _)) = &self.delivery
            && let Err(e) = delivery.catch_up().await
        {
            tracing::error!(error = %e, "delivery failed");
            self.screen
                .print(&format!("! Sending reminders failed: {e}"))?;
        }
        Ok(())
    }

    /// Moves the clock to `target`, stopping at each moment something is
    /// due on the way so it goes out at its own time.
    /// Moves the clock forward to `target`, sending what comes due on the
    /// way, each at its own time. A jump longer than [`MAX_WALK_DAYS`] (or
    /// one with more than [`MAX_WALK_STEPS`] wake-ups on the way) is walked
    /// only that far; the rest is skipped the way a server that was down
    /// skips it: windows that passed are not sent late. Returns whether
    /// anything was skipped.
    async fn advance_to(&self, target: DateTime<Utc>) -> anyhow::Result<bool> {
        let walk_until = self
            .clock
            .now()
            .checked_add_signed(Duration::days(MAX_WALK_DAYS))
            .map_or(target, |limit| limit.min(target));
        let mut skipped = walk_until < target;
        if let Some((delivery, _)) = &self.delivery {
            let mut steps = 0;
            loop {
                self.catch_up().await?;
                match delivery.next_wakeup().await? {
                    Some(next) if next <= walk_until && steps < MAX_WALK_STEPS => {
                        self.clock.set(next);
                        steps += 1;
                    }
                    Some(next) if next <= walk_until => {
                        skipped = true;
                        break;
                    }
                    _ => break,
                }
            }
        }
        self.clock.set(target);
        self.catch_up().await?;
        Ok(skipped)
    }

    async fn press(&self, item: &str, verb: &str) -> anyhow::Result<String> {
        let Some((_, messenger)) = &self.delivery else {
            return Ok("! Reminders are not running in this console.".into());
        };
        let member = &self.options.member;
        if messenger.last_dm(member).is_none() {
            return Ok(format!(
                "! @{member} has no message with buttons to press yet."
            ));
        }
        let Some((_, buttons, settled)) = item
            .parse::<usize>()
            .ok()
            .and_then(|n| messenger.item(member, n))
        else {
            return Ok(format!(
                "! There is no item {item} with buttons in your latest message."
            ));
        };
        if let Some(outcome) = settled {
            return Ok(format!("! Item {item} was already pressed: {outcome}"));
        }
        let verb = verb.to_ascii_lowercase();
        let Some(button) = buttons.iter().find(|b| button_verb(&b.action) == verb) else {
            let verbs: Vec<&str> = buttons.iter().map(|b| button_verb(&b.action)).collect();
            let choices = match verbs.split_last() {
                Some((last, [])) => (*last).to_string(),
                Some((last, init)) => format!("{} or {last}", init.join(", ")),
                None => "a button".to_string(),
            };
            return Ok(format!("! Press {choices}, not \"{verb}\"."));
        };
        let pressed = self.kith.press(&self.actor(), &button.action).await;
        if let Some(block) = &pressed.settles {
            messenger.settle(&self.options.member, block, &pressed.outcome.plain_text());
        }
        Ok(render(&pressed.outcome))
    }

    pub fn member(&self) -> &str {
        &self.options.member
    }

    /// Reads lines until `:quit` or the end of input.
    pub async fn run(&mut self, input: impl AsyncBufRead + Unpin) -> anyhow::Result<()> {
        self.screen.print(&format!(
            "Kith console · workspace {} · you are @{}. Type help for commands, :help for console controls.",
            self.options.workspace, self.options.member
        ))?;
        let mut input = input;
        let mut bytes = Vec::new();
        loop {
            if self.options.prompt {
                self.screen.prompt(&format!("{}> ", self.options.member))?;
            }
            bytes.clear();
            if input.read_until(b'\n', &mut bytes).await? == 0 {
                break;
            }
            let Ok(line) = std::str::from_utf8(&bytes) else {
                // One bad byte in a pipe is that line's problem, not the session's.
                self.screen
                    .print("! That line is not valid UTF-8 text, so I did nothing with it.")?;
                continue;
            };
            let line = line.trim_end_matches(['\n', '\r']).to_string();
            if self.options.echo {
                self.screen
                    .print(&format!("{}> {line}", self.options.member))?;
            }
            if self.line(&line).await? == Flow::Quit {
                break;
            }
        }
        Ok(())
    }

    /// Handles one line: a console control, or a command for Kith.
    pub async fn line(&mut self, line: &str) -> anyhow::Result<Flow> {
        let line = line.trim();
        if line.is_empty() {
            return Ok(Flow::Continue);
        }
        if let Some(control) = line.strip_prefix(':') {
            return self.control(control).await;
        }
        let command = line
            .strip_prefix("/kith")
            .filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
            .unwrap_or(line);
        // The console's attachment: `import PATH` sends the file at PATH.
        let mut words = command.split_whitespace();
        let reply = match (words.next(), words.next()) {
            (Some(name), Some(_)) if name.eq_ignore_ascii_case("import") => {
                let path = command.trim_start()[name.len()..].trim();
                let path = path.trim_matches(|c| c == '"' || c == '\'');
                match kith_bot::portability::read_file(std::path::Path::new(path)) {
                    Ok(file) => {
                        self.kith
                            .handle_with(&self.actor(), "import", Some(&file))
                            .await
                    }
                    Err(refusal) => Reply::error(refusal),
                }
            }
            _ => self.kith.handle(&self.actor(), command).await,
        };
        let dir = self.options.files_dir.clone();
        let shown = render_with(&reply, &mut |file| save(&dir, file));
        self.screen.print(&shown)?;
        if let Some((_, messenger)) = &self.delivery {
            messenger.keep(&self.options.member, &reply);
        }
        self.catch_up().await?;
        Ok(Flow::Continue)
    }

    async fn control(&mut self, control: &str) -> anyhow::Result<Flow> {
        let mut words = control.split_whitespace();
        let name = words.next().unwrap_or_default();
        let rest: Vec<&str> = words.collect();
        let said = match (name, rest.as_slice()) {
            ("quit" | "q" | "exit", []) => return Ok(Flow::Quit),
            ("help", []) => CONTROLS.to_string(),
            ("as", [who]) => match member_name(who) {
                Some(who) => {
                    self.options.member = who;
                    format!("You are now @{}.", self.options.member)
                }
                None => format!(
                    "! \"{who}\" is not a member name; use letters, digits, '.', '_' or '-', like :as alice."
                ),
            },
            ("clock", [when]) => match DateTime::parse_from_rfc3339(when) {
                Ok(t) => {
                    let t = t.with_timezone(&Utc);
                    let mut skipped = false;
                    if t > self.clock.now() {
                        skipped = self.advance_to(t).await?;
                    } else {
                        // Back in time: nothing fires on the way, and every
                        // schedule is worked out again from the new time.
                        self.clock.set(t);
                        if let Some((delivery, _)) = &self.delivery {
                            delivery.rewind().await?;
                        }
                        self.catch_up().await?;
                    }
                    format!(
                        "Clock set to {}.{}",
                        local_stamp(self.clock.now(), chrono_tz::Tz::UTC),
                        skip_note(skipped)
                    )
                }
                Err(_) => format!(
                    "! \"{when}\" is not a time I can read; write it like :clock 2026-10-26T08:00:00Z."
                ),
            },
            ("tick", words) => match tick(words) {
                Some(by) if by > Duration::days(MAX_WALK_DAYS) => format!(
                    "! :tick moves the clock at most {MAX_WALK_DAYS} days at a time; to go further, set it with :clock."
                ),
                Some(by) => {
                    let skipped = self.advance_to(self.clock.now() + by).await?;
                    format!(
                        "Clock moved to {}.{}",
                        local_stamp(self.clock.now(), chrono_tz::Tz::UTC),
                        skip_note(skipped)
                    )
                }
                None => {
                    "! Say how far to move the clock, like :tick 3d, :tick 4h or :tick 2w.".into()
                }
            },
            ("now", []) => local_stamp(self.clock.now(), chrono_tz::Tz::UTC),
            ("press", [item, verb]) => {
                let said = self.press(item, verb).await?;
                // What the press queued (an introduction made) is sent now.
                self.screen.print(&said)?;
                self.catch_up().await?;
                return Ok(Flow::Continue);
            }
            ("press", _) => {
                "! Say which item and button, like :press 1 done (or snooze, skip).".into()
            }
            _ => format!(
                "! I don't know the console control \":{control}\". Type :help to see them."
            ),
        };
        self.screen.print(&said)?;
        Ok(Flow::Continue)
    }
}

/// How far `:tick` and `:clock` walk the clock, sending everything that
/// comes due on the way; beyond it the clock jumps.
const MAX_WALK_DAYS: i64 = 366;
/// How many wake-ups (reminder windows, digests, retries) one move walks
/// through before jumping the rest.
const MAX_WALK_STEPS: u32 = 5_000;

fn skip_note(skipped: bool) -> &'static str {
    if skipped {
        " That was a long way: like a server that was down, I skipped what fell due on the way (windows that passed are not sent late)."
    } else {
        ""
    }
}

/// Writes a file Kith handed over into `dir` (never overwriting one
/// already there) and says where it went.
fn save(dir: &std::path::Path, file: &File) -> String {
    let name = std::path::Path::new(&file.name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kith-file".into());
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) => (s.to_string(), format!(".{e}")),
        None => (name.clone(), String::new()),
    };
    let mut path = dir.join(&name);
    for n in 1.. {
        if !path.exists() {
            break;
        }
        path = dir.join(format!("{stem}-{n}{ext}"));
    }
    match std::fs::write(&path, &file.bytes) {
        Ok(()) => format!("Saved {} ({})", path.display(), size(file.bytes.len())),
        Err(e) => format!("! Could not save {}: {e}", path.display()),
    }
}

/// A console member name: lower-cased, `@` optional.
fn member_name(word: &str) -> Option<String> {
    let name = word.trim_start_matches('@');
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    ok.then(|| name.to_lowercase())
}

/// `30m`, `4h`, `3d`, `2w`, `3 days`: how far `:tick` moves the clock.
fn tick(words: &[&str]) -> Option<Duration> {
    let joined = words.concat();
    let split = joined.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = joined.split_at(split);
    let n: i64 = number.parse().ok().filter(|n| *n > 0 && *n <= 100_000)?;
    match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => Some(Duration::seconds(n)),
        "m" | "min" | "mins" | "minute" | "minutes" => Some(Duration::minutes(n)),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(Duration::hours(n)),
        "d" | "day" | "days" => Some(Duration::days(n)),
        "w" | "week" | "weeks" => Some(Duration::weeks(n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_minutes_hours_days_and_weeks() {
        assert_eq!(tick(&["30m"]), Some(Duration::minutes(30)));
        assert_eq!(tick(&["4h"]), Some(Duration::hours(4)));
        assert_eq!(tick(&["3", "days"]), Some(Duration::days(3)));
        assert_eq!(tick(&["2w"]), Some(Duration::weeks(2)));
        assert_eq!(tick(&["soon"]), None);
        assert_eq!(tick(&["0d"]), None);
        assert_eq!(tick(&[]), None);
    }

    #[test]
    fn member_names_drop_the_at_and_case() {
        assert_eq!(member_name("@Bob"), Some("bob".into()));
        assert_eq!(member_name("bob smith"), None);
        assert_eq!(member_name("@"), None);
    }

    #[test]
    fn a_table_cell_wider_than_65535_characters_renders_without_panicking() {
        let mut table = Table::new(["Contact", "Note"]);
        table.row(["x".repeat(70_000), "a".into()]);
        let mut reply = Reply::empty();
        reply.push_table(table);
        assert!(render(&reply).contains(&"x".repeat(70_000)));
    }

    #[test]
    fn errors_are_marked_on_the_console() {
        assert_eq!(render(&Reply::error("Nope.")), "! Nope.");
        assert_eq!(render(&Reply::text("Fine.")), "Fine.");
    }
}

//! What Kith says back, in neutral terms each adapter renders natively:
//! plain text in the console, Block Kit on Slack, components on Discord.

/// Who sees a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the member who ran the command (Slack/Discord ephemeral).
    Private,
    /// Everyone in the channel.
    Public,
}

/// One part of a reply, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph; may hold several lines.
    Text(String),
    /// Rows under headers, to be shown aligned.
    Table(Table),
    /// Buttons about one item (e.g. one contact in a reminder). `id` is
    /// unique within the message, so an adapter can replace this block with
    /// the outcome once a button is pressed and it cannot be pressed twice.
    Actions { id: String, buttons: Vec<Button> },
    /// A file for the member (an export, a map): uploaded on Slack and
    /// Discord, written to disk by the console.
    File(File),
}

/// A file attached to a reply.
#[derive(Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    /// e.g. `application/json`, `text/csv`, `image/png`.
    pub mime: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "File({}, {}, {} bytes)",
            self.name,
            self.mime,
            self.bytes.len()
        )
    }
}

/// A button: what it says and the action it runs when pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    /// The encoded [`crate::actions::Action`]; hand it back to `Kith::press`.
    pub action: String,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<const N: usize>(headers: [&str; N]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<const N: usize>(&mut self, cells: [String; N]) {
        debug_assert_eq!(N, self.headers.len(), "a row has one cell per header");
        self.rows.push(cells.into());
    }
}

/// A message from Kith: blocks in order, and who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub visibility: Visibility,
    pub blocks: Vec<Block>,
    /// Set when the reply reports a problem with what was typed.
    pub is_error: bool,
}

impl Reply {
    /// A private reply of one paragraph.
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            visibility: Visibility::Private,
            blocks: vec![Block::Text(text.into())],
            is_error: false,
        }
    }

    /// A private reply that says what was wrong and what to type instead.
    pub fn error(text: impl Into<String>) -> Reply {
        Reply {
            is_error: true,
            ..Reply::text(text)
        }
    }

    pub fn empty() -> Reply {
        Reply {
            visibility: Visibility::Private,
            blocks: Vec::new(),
            is_error: false,
        }
    }

    pub fn push_text(&mut self, text: impl Into<String>) -> &mut Reply {
        self.blocks.push(Block::Text(text.into()));
        self
    }

    pub fn push_table(&mut self, table: Table) -> &mut Reply {
        self.blocks.push(Block::Table(table));
        self
    }

    /// Replaces the actions block `id` with `outcome`, as a platform updates
    /// a message in place once one of its buttons was pressed. Returns
    /// whether the block was there.
    pub fn settle(&mut self, id: &str, outcome: &str) -> bool {
        let found = self
            .blocks
            .iter()
            .position(|b| matches!(b, Block::Actions { id: block, .. } if block == id));
        match found {
            Some(i) => {
                self.blocks[i] = Block::Text(outcome.to_string());
                true
            }
            None => false,
        }
    }

    /// The reply as plain text, tables as tab-free aligned columns; for logs,
    /// tests and platforms that only take text.
    pub fn plain_text(&self) -> String {
        let mut out = Vec::new();
        for block in &self.blocks {
            match block {
                Block::Text(t) => out.push(t.clone()),
                Block::Table(table) => out.push(table.plain_text()),
                Block::File(file) => {
                    out.push(format!("[file {} ({} bytes)]", file.name, file.bytes.len()))
                }
                Block::Actions { buttons, .. } => out.push(
                    buttons
                        .iter()
                        .map(|b| format!("[{}]", b.label))
                        .collect::<Vec<_>>()
                        .join("  "),
                ),
            }
        }
        out.join("\n\n")
    }
}

impl Table {
    /// Columns padded to their widest cell, separated by two spaces.
    pub fn plain_text(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        // Padded by hand: `format!("{c:<w$}")` panics for a width over
        // 65,535, and a cell is as wide as whatever a member typed.
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                out.push_str(cell);
                let pad = width.saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
            }
            out.trim_end().to_string()
        };
        let mut lines = vec![line(&self.headers)];
        lines.extend(self.rows.iter().map(|r| line(r)));
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_wider_than_65535_characters_renders_without_panicking() {
        let mut table = Table::new(["Contact", "Note"]);
        let wide = "x".repeat(70_000);
        table.row([wide.clone(), "a".into()]);
        table.row(["b".into(), "c".into()]);
        let text = table.plain_text();
        assert!(text.lines().nth(1).is_some_and(|l| l.starts_with(&wide)));
        assert!(text.lines().nth(2).is_some_and(|l| l.starts_with('b')));
    }

    #[test]
    fn plain_tables_align_columns_to_the_widest_cell() {
        let mut table = Table::new(["Contact", "Tier"]);
        table.row(["@alice".into(), "inner".into()]);
        table.row(["Jane Doe".into(), "close".into()]);
        assert_eq!(
            table.plain_text(),
            "Contact   Tier\n@alice    inner\nJane Doe  close"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn any_table_renders_as_plain_text_with_every_cell(
            cells in proptest::collection::vec(proptest::collection::vec(any::<String>(), 3), 0..8),
            wide in 0usize..70_000,
        ) {
            let mut table = Table::new(["a", "b", "c"]);
            for row in &cells {
                table.row([row[0].clone(), row[1].clone(), row[2].clone()]);
            }
            table.row(["w".repeat(wide), String::new(), String::new()]);
            let text = table.plain_text();
            for cell in cells.iter().flatten() {
                prop_assert!(text.contains(cell.trim_end()));
            }
        }
    }
}

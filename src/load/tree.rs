//! A YAML tree that remembers where every node sits in the source text.
//!
//! Built from granit-parser events. Aliases are kept as references to their anchor's node
//! (never copied), so an alias bomb costs no more memory than its text.

use granit_parser::{Event, Options, Parser, ScalarStyle, Span, StructureStyle};

use crate::error::{Error, Location};

pub type NodeId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Block,
    Flow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteStyle {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar {
        value: String,
        quote: QuoteStyle,
    },
    Seq {
        style: Style,
        items: Vec<NodeId>,
    },
    Map {
        style: Style,
        entries: Vec<(NodeId, NodeId)>,
    },
    Alias {
        target: NodeId,
        name: String,
    },
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    /// Byte offset where the node's content starts (after any anchor or tag).
    pub start: usize,
    /// Byte offset just past the node's content, trailing blank lines excluded.
    pub end: usize,
    /// Byte offset of the first property (`&anchor`, `!tag`) or of the content when none.
    pub outer_start: usize,
    /// 1-based line of the content start.
    pub line: usize,
    /// 1-based column of the content start.
    pub column: usize,
    pub anchor: Option<String>,
    pub tag: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct CommentSpan {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
    pub comments: Vec<CommentSpan>,
    /// Key -> entry position, for mappings large enough that scanning them would add up.
    index: std::collections::HashMap<NodeId, std::collections::HashMap<String, usize>>,
    /// Each value's collection and where in it the value sits.
    parents: Vec<Option<(NodeId, Step)>>,
}

/// One step from a collection to a value in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The value of the entry whose key is this node.
    Key(NodeId),
    Index(usize),
}

/// Mappings with more entries than this get a key index.
const INDEXED: usize = 16;

enum Frame {
    Seq(NodeId),
    /// A mapping and the key waiting for its value.
    Map(NodeId, Option<NodeId>),
}

/// Parses one YAML document into a [`Tree`]. Several documents are refused: Compose merges them
/// like several `-f` files, and hardening only the first would be silently wrong.
pub fn parse(text: &str, file: &str) -> Result<Tree, Error> {
    let mut options = Options::default();
    options.emit_anchor_events = true;
    // Comment runs longer than the default buffer are ordinary in documented compose files.
    options.max_buffered_comment_events = 1 << 20;
    let parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder {
        text,
        tree: Tree {
            nodes: Vec::new(),
            root: None,
            comments: Vec::new(),
            index: std::collections::HashMap::new(),
            parents: Vec::new(),
        },
        stack: Vec::new(),
        anchors: Vec::new(),
        last_node: None,
    };
    let mut documents = 0usize;
    for event in parser {
        let (event, span) = event.map_err(|e| {
            let mark = e.marker();
            Error::syntax(
                Location::new(file, mark.line(), mark.col() + 1),
                e.kind().to_string(),
            )
        })?;
        let (start, end) = byte_range(&span);
        let here = Location::new(file, span.start.line(), span.start.col() + 1);
        match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(Error::invalid(
                        here,
                        "several YAML documents in one file: Compose merges them like several -f \
                         files; split them into one file each and harden each",
                    ));
                }
            }
            Event::Comment(..) => builder.tree.comments.push(CommentSpan { start, end }),
            Event::Anchor(id, name) => builder.anchor(id, &name, start),
            Event::Alias(id) => {
                let target = builder
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| *n)
                    .ok_or_else(|| Error::invalid(here.clone(), "alias of an unknown anchor"))?;
                let name = text[start..end].trim_start_matches('*').to_string();
                builder.leaf(Kind::Alias { target, name }, &span, start, end, None);
            }
            Event::Scalar(value, style, _, tag) => {
                let quote = match style {
                    ScalarStyle::Plain => QuoteStyle::Plain,
                    ScalarStyle::SingleQuoted => QuoteStyle::Single,
                    ScalarStyle::DoubleQuoted => QuoteStyle::Double,
                    ScalarStyle::Literal => QuoteStyle::Literal,
                    ScalarStyle::Folded => QuoteStyle::Folded,
                };
                // Block scalars' spans run over trailing blank lines and the next indentation;
                // with keep chomping (`|+`) those blank lines are content.
                let block = matches!(quote, QuoteStyle::Literal | QuoteStyle::Folded);
                let header = if block {
                    block_header(text, start)
                } else {
                    None
                };
                let end = match header {
                    Some(h)
                        if text[h..start]
                            .lines()
                            .next()
                            .is_some_and(|l| l.contains('+')) =>
                    {
                        keep_end(text, start, end)
                    }
                    _ if block => trim_end(text, start, end),
                    _ => end,
                };
                let kind = Kind::Scalar {
                    value: value.into_owned(),
                    quote,
                };
                builder.leaf(kind, &span, start, end, tag.map(|t| tag_text(&t)));
                // A block scalar starts at its `|`/`>` header, which is part of the node.
                if let (Some(h), Some(id)) = (header, builder.last_node) {
                    let n = &mut builder.tree.nodes[id];
                    n.outer_start = n.outer_start.min(h);
                }
            }
            Event::SequenceStart(style, _, tag) => {
                let kind = Kind::Seq {
                    style: style_of(style),
                    items: Vec::new(),
                };
                let id = builder.open(kind, &span, start, tag.map(|t| tag_text(&t)));
                builder.stack.push(Frame::Seq(id));
            }
            Event::MappingStart(style, _, tag) => {
                let kind = Kind::Map {
                    style: style_of(style),
                    entries: Vec::new(),
                };
                let id = builder.open(kind, &span, start, tag.map(|t| tag_text(&t)));
                builder.stack.push(Frame::Map(id, None));
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close(end),
            _ => {}
        }
    }
    let mut tree = builder.tree;
    tree.build_index();
    Ok(tree)
}

struct Builder<'a> {
    text: &'a str,
    tree: Tree,
    stack: Vec<Frame>,
    anchors: Vec<(usize, NodeId)>,
    last_node: Option<NodeId>,
}

impl Builder<'_> {
    fn new_node(
        &mut self,
        kind: Kind,
        span: &Span,
        start: usize,
        end: usize,
        tag: Option<String>,
    ) -> NodeId {
        let outer_start = span
            .tag_start()
            .and_then(|m| m.byte_offset())
            .map_or(start, |t| t.min(start));
        self.tree.nodes.push(Node {
            kind,
            start,
            end,
            outer_start,
            line: span.start.line(),
            column: column_of(self.text, start),
            anchor: None,
            tag,
        });
        let id = self.tree.nodes.len() - 1;
        self.last_node = Some(id);
        id
    }

    fn leaf(&mut self, kind: Kind, span: &Span, start: usize, end: usize, tag: Option<String>) {
        let id = self.new_node(kind, span, start, end, tag);
        self.attach(id);
    }

    fn open(&mut self, kind: Kind, span: &Span, start: usize, tag: Option<String>) -> NodeId {
        self.new_node(kind, span, start, start, tag)
    }

    fn close(&mut self, end: usize) {
        let id = match self.stack.pop() {
            Some(Frame::Seq(id)) | Some(Frame::Map(id, _)) => id,
            None => return,
        };
        let node = &self.tree.nodes[id];
        let flow = matches!(
            node.kind,
            Kind::Seq {
                style: Style::Flow,
                ..
            } | Kind::Map {
                style: Style::Flow,
                ..
            }
        );
        let new_end = if flow {
            end
        } else {
            // A block collection ends where its last child ends.
            let last = match &node.kind {
                Kind::Seq { items, .. } => items.last().copied(),
                Kind::Map { entries, .. } => entries.last().map(|(_, v)| *v),
                _ => None,
            };
            last.map_or(node.start, |c| self.tree.nodes[c].end.max(node.start))
        };
        self.tree.nodes[id].end = new_end;
        self.attach(id);
        self.last_node = Some(id);
    }

    fn attach(&mut self, id: NodeId) {
        match self.stack.last_mut() {
            None => self.tree.root = Some(id),
            Some(Frame::Seq(seq)) => {
                if let Kind::Seq { items, .. } = &mut self.tree.nodes[*seq].kind {
                    items.push(id);
                }
            }
            Some(Frame::Map(map, pending)) => match pending.take() {
                None => *pending = Some(id),
                Some(key) => {
                    if let Kind::Map { entries, .. } = &mut self.tree.nodes[*map].kind {
                        entries.push((key, id));
                    }
                }
            },
        }
    }

    fn anchor(&mut self, id: usize, name: &str, start: usize) {
        if let Some(node) = self.last_node {
            let n = &mut self.tree.nodes[node];
            n.anchor = Some(name.to_string());
            n.outer_start = n.outer_start.min(start);
            self.anchors.push((id, node));
        }
    }
}

fn style_of(style: StructureStyle) -> Style {
    match style {
        StructureStyle::Block => Style::Block,
        StructureStyle::Flow => Style::Flow,
    }
}

/// The tag as written (`!!str`, `!reset`), not its resolved URI.
fn tag_text(tag: &granit_parser::Tag) -> String {
    format!("{}{}", tag.original_handle(), tag.suffix())
}

fn byte_range(span: &Span) -> (usize, usize) {
    span.byte_range()
        .map_or((span.start.index(), span.end.index()), |r| (r.start, r.end))
}

/// The `|` or `>` that opens the block scalar whose content starts at `start`: on the last
/// non-blank line before the content.
fn block_header(text: &str, start: usize) -> Option<usize> {
    let before = &text[..start];
    let mut line_end = before.rfind('\n')?;
    loop {
        let line_start = before[..line_end].rfind('\n').map_or(0, |i| i + 1);
        let line = &before[line_start..line_end];
        let code = line.split(" #").next().unwrap_or(line).trim_end();
        if !code.trim().is_empty() {
            let i = code.rfind(['|', '>'])?;
            let indicators = &code[i + 1..];
            return indicators
                .chars()
                .all(|c| c == '+' || c == '-' || c.is_ascii_digit())
                .then_some(line_start + i);
        }
        if line_start == 0 {
            return None;
        }
        line_end = line_start - 1;
    }
}

/// With keep chomping the trailing blank lines are content: the node ends at the end of its last
/// line (before that line's newline).
fn keep_end(text: &str, start: usize, end: usize) -> usize {
    let slice = &text[start..end.min(text.len())];
    match slice.trim_end_matches([' ', '\t']).strip_suffix('\n') {
        Some(body) => start + body.trim_end_matches('\r').len(),
        None => start + slice.trim_end().len(),
    }
}

fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let slice = &text[start..end.min(text.len())];
    start + slice.trim_end().len()
}

/// 1-based column in characters.
fn column_of(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset].chars().count() + 1
}

impl Tree {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Follows aliases to the node they stand for.
    pub fn deref(&self, mut id: NodeId) -> NodeId {
        // Aliases can only point backwards, so this terminates; the bound is belt and braces.
        for _ in 0..64 {
            match &self.nodes[id].kind {
                Kind::Alias { target, .. } => id = *target,
                _ => return id,
            }
        }
        id
    }

    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[self.deref(id)].kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The scalar's value, with YAML nulls (`~`, `null`, empty) as `None`.
    pub fn non_null_scalar(&self, id: NodeId) -> Option<&str> {
        let node = &self.nodes[self.deref(id)];
        match &node.kind {
            Kind::Scalar { value, quote } => {
                if *quote == QuoteStyle::Plain && is_null(value) {
                    None
                } else {
                    Some(value)
                }
            }
            _ => None,
        }
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        let node = &self.nodes[self.deref(id)];
        matches!(&node.kind, Kind::Scalar { value, quote: QuoteStyle::Plain } if is_null(value))
    }

    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.nodes[self.deref(id)].kind {
            Kind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn is_seq(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.deref(id)].kind, Kind::Seq { .. })
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.deref(id)].kind, Kind::Map { .. })
    }

    fn build_index(&mut self) {
        self.parents = vec![None; self.nodes.len()];
        for (id, node) in self.nodes.iter().enumerate() {
            match &node.kind {
                Kind::Map { entries, .. } => {
                    for &(k, v) in entries {
                        self.parents[v] = Some((id, Step::Key(k)));
                    }
                }
                Kind::Seq { items, .. } => {
                    for (i, &item) in items.iter().enumerate() {
                        self.parents[item] = Some((id, Step::Index(i)));
                    }
                }
                _ => {}
            }
        }
        for (id, node) in self.nodes.iter().enumerate() {
            if let Kind::Map { entries, .. } = &node.kind
                && entries.len() > INDEXED
            {
                let mut keys = std::collections::HashMap::new();
                for (i, &(k, _)) in entries.iter().enumerate() {
                    if let Kind::Scalar { value, .. } = &self.nodes[self.deref(k)].kind {
                        keys.entry(value.clone()).or_insert(i);
                    }
                }
                self.index.insert(id, keys);
            }
        }
    }

    /// Where a node is written: the steps from the root to it (keys as their scalar text).
    /// `None` for a node under a non-scalar key.
    pub fn written_at(&self, node: NodeId) -> Option<Vec<(String, Option<usize>)>> {
        let mut steps = Vec::new();
        let mut cur = node;
        while let Some(Some((parent, step))) = self.parents.get(cur) {
            steps.push(match step {
                Step::Key(k) => (self.scalar(*k)?.to_string(), None),
                Step::Index(i) => (String::new(), Some(*i)),
            });
            cur = *parent;
        }
        steps.reverse();
        Some(steps)
    }

    /// The mapping's own entry for `key`, as written (merge keys not followed).
    pub fn raw_get(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let map = self.deref(map);
        let entries = self.raw_entries(map);
        match self.index.get(&map) {
            Some(keys) => keys.get(key).map(|&i| entries[i]),
            None => entries
                .iter()
                .find(|&&(k, _)| self.scalar(k) == Some(key))
                .copied(),
        }
    }

    /// The mapping's own entries, as written (merge keys not expanded).
    pub fn raw_entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match &self.nodes[self.deref(id)].kind {
            Kind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    /// The mapping's entries with `<<` merge keys expanded, as Compose sees them. Local keys win
    /// over merged ones and earlier merge sources over later ones.
    pub fn entries(&self, id: NodeId) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        self.collect_entries(self.deref(id), true, 0, &mut out, &mut seen);
        out
    }

    fn collect_entries(
        &self,
        id: NodeId,
        local: bool,
        depth: usize,
        out: &mut Vec<Entry>,
        seen: &mut std::collections::HashSet<String>,
    ) {
        if depth > 32 {
            return;
        }
        let Kind::Map { entries, .. } = &self.nodes[id].kind else {
            return;
        };
        let mut merges = Vec::new();
        for &(k, v) in entries {
            let Some(key) = self.scalar(k) else { continue };
            if key == "<<" && self.is_plain(k) {
                merges.push(v);
                continue;
            }
            if !seen.insert(key.to_string()) {
                continue;
            }
            out.push(Entry {
                key: key.to_string(),
                key_node: k,
                value: v,
                local,
            });
        }
        for m in merges {
            let target = self.deref(m);
            match &self.nodes[target].kind {
                Kind::Seq { items, .. } => {
                    for &item in items {
                        self.collect_entries(self.deref(item), false, depth + 1, out, seen);
                    }
                }
                _ => self.collect_entries(target, false, depth + 1, out, seen),
            }
        }
    }

    pub fn get(&self, map: NodeId, key: &str) -> Option<Entry> {
        if let Some((k, v)) = self.raw_get(map, key)
            && key != "<<"
        {
            return Some(Entry {
                key: key.to_string(),
                key_node: k,
                value: v,
                local: true,
            });
        }
        self.entries(map).into_iter().find(|e| e.key == key)
    }

    fn is_plain(&self, id: NodeId) -> bool {
        matches!(
            self.nodes[id].kind,
            Kind::Scalar {
                quote: QuoteStyle::Plain,
                ..
            }
        )
    }

    pub fn is_alias(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, Kind::Alias { .. })
    }

    pub fn style(&self, id: NodeId) -> Option<Style> {
        match &self.nodes[id].kind {
            Kind::Seq { style, .. } | Kind::Map { style, .. } => Some(*style),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub key_node: NodeId,
    pub value: NodeId,
    /// Written in this mapping itself, not reached through a merge key.
    pub local: bool,
}

pub fn is_null(value: &str) -> bool {
    matches!(value, "~" | "null" | "Null" | "NULL" | "")
}

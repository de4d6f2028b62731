//! Realises edits as small text splices of the original file, so that everything the edits do
//! not touch (comments, blank lines, anchors, quoting, key order) survives byte for byte.
//!
//! An edit is made in place when the path it names is written out locally. Where it is not
//! (a value reached through `<<: *anchor`, an alias, a layout the patcher does not handle) the
//! nearest enclosing key that is written locally is rewritten whole, with the edits applied:
//! that overrides the inherited value in this service only and leaves the anchor alone.

use std::collections::BTreeSet;

use super::emit::{Emitter, Layout};
use super::semantic;
use super::{Edit, Op, Path, Seg, Value};
use crate::error::Error;
use crate::load::tree::{Kind, Style};
use crate::load::{Document, NodeId};

#[derive(Debug, Clone)]
struct Splice {
    start: usize,
    end: usize,
    text: String,
    /// Keeps insertions at one spot in the order they were made.
    seq: usize,
    /// Index of the group (unit) that produced the splice.
    group: usize,
    /// Nesting depth of what the splice writes: at one offset, deeper content goes first
    /// (a list's new item before its mapping's new key).
    depth: usize,
}

/// Applies the edits to the document's text.
pub fn apply(doc: &Document, edits: &[Edit]) -> Result<String, Error> {
    apply_from(doc, edits, BTreeSet::new())
}

/// Like [`apply`], but every edited key is rewritten whole: more text changes, fewer layouts to
/// get right. The fallback when an in-place patch does not verify.
pub fn apply_rewriting(doc: &Document, edits: &[Edit]) -> Result<String, Error> {
    let forced = edits.iter().map(|e| unit_of(e.op.path()).0).collect();
    apply_from(doc, edits, forced)
}

fn apply_from(
    doc: &Document,
    edits: &[Edit],
    mut forced: BTreeSet<Vec<Seg>>,
) -> Result<String, Error> {
    let layout = detect_layout(doc);
    // Each round either succeeds or rewrites more keys whole (every failing one at once, then
    // their parents), so the rounds are bounded by the depth of the document.
    for _ in 0..=edits.len() + 1 {
        let groups = group(doc, edits, &forced);
        let mut splices: Vec<Splice> = Vec::new();
        let mut failed: Vec<usize> = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            let depth = match &g.target {
                Target::InPlace(op) => op.path().len(),
                Target::Rewrite { at, .. } => at.len(),
            };
            let mut p = Patcher {
                doc,
                emitter: Emitter { doc, layout },
                out: Vec::new(),
                group: gi,
                depth,
            };
            let result = match &g.target {
                Target::InPlace(op) => p.in_place(op),
                Target::Rewrite { at, ops } => p.rewrite(at, ops),
            };
            match result {
                Ok(()) => splices.extend(p.out),
                Err(()) => failed.push(gi),
            }
        }
        if failed.is_empty() {
            failed = overlapping(&mut splices);
            if failed.is_empty() {
                return Ok(render(doc, &splices));
            }
        }
        for gi in failed {
            // A unit that failed as a whole widens to its parent.
            let mut unit = groups[gi].unit.clone();
            while forced.contains(&unit.0) && unit.len() > 1 {
                unit = unit.parent();
            }
            if unit.is_empty() || !forced.insert(unit.0.clone()) {
                return Err(Error::Verify {
                    pass: edits
                        .iter()
                        .find(|e| e.op.path().starts_with(&unit))
                        .map_or_else(|| "patcher".to_string(), |e| e.by.to_string()),
                    message: format!("cannot rewrite `{unit}` in this file's layout"),
                });
            }
        }
    }
    Err(Error::Verify {
        pass: "patcher".into(),
        message: "edits did not settle".into(),
    })
}

#[derive(Debug)]
enum Target {
    InPlace(Op),
    /// Rewrite the value at `at` whole, with these ops (paths relative to `at`).
    Rewrite {
        at: Path,
        ops: Vec<Op>,
    },
}

#[derive(Debug)]
struct Group {
    /// The key this group's splices belong to, rewritten whole if its splices fail.
    unit: Path,
    target: Target,
}

/// Local block collections whose every member the edits remove, with nothing added back: they
/// are rewritten whole (as `[]` or `{}`), since removing their last line would leave a null.
fn emptied(doc: &Document, edits: &[Edit]) -> Vec<Path> {
    let mut removed: std::collections::HashMap<Path, usize> = std::collections::HashMap::new();
    let mut refilled: std::collections::HashSet<Path> = std::collections::HashSet::new();
    for e in edits {
        match &e.op {
            Op::Remove { path } => *removed.entry(path.parent()).or_default() += 1,
            Op::Append { path, .. } => {
                refilled.insert(path.clone());
            }
            Op::Set { path, .. } => {
                refilled.insert(path.parent());
            }
        }
    }
    removed
        .into_iter()
        .filter(|(parent, n)| {
            if refilled.contains(parent) || parent.is_empty() {
                return false;
            }
            let chain = local_chain(doc, parent);
            let Some(&node) = chain.last().filter(|_| chain.len() == parent.len()) else {
                return false;
            };
            let tree = &doc.tree;
            let members = if tree.is_seq(node) {
                tree.items(node).len()
            } else {
                tree.raw_entries(node).len()
            };
            *n >= members
        })
        .map(|(p, _)| p)
        .collect()
}

/// How deep a path's unit is: a service's key (`services.web.environment`) or a top-level
/// entry (`secrets.db_password`).
fn unit_of(path: &Path) -> Path {
    let depth = match path.segs().first() {
        Some(Seg::Key(k)) if k == "services" => 3,
        _ => 2,
    };
    path.prefix(depth)
}

fn group(doc: &Document, edits: &[Edit], forced: &BTreeSet<Vec<Seg>>) -> Vec<Group> {
    // Where each op has to be realised by a rewrite, if anywhere.
    let mut points: Vec<Path> = forced.iter().map(|s| Path(s.clone())).collect();
    for e in edits {
        if let Some(p) = rewrite_point(doc, &e.op) {
            points.push(p);
        }
    }
    points.extend(emptied(doc, edits));
    // Keep only the outermost points: a point inside another is part of its rewrite.
    let all: std::collections::HashSet<Path> = points.iter().cloned().collect();
    let covered = |p: &Path| (1..p.len()).any(|n| all.contains(&p.prefix(n)));
    let mut outer: Vec<Path> = Vec::new();
    let mut seen: std::collections::HashSet<Path> = std::collections::HashSet::new();
    for p in points {
        if !covered(&p) && seen.insert(p.clone()) {
            outer.push(p);
        }
    }
    let mut groups: Vec<Group> = Vec::new();
    let index: std::collections::HashMap<Path, usize> = outer
        .iter()
        .enumerate()
        .map(|(i, p)| (p.clone(), i))
        .collect();
    let mut rewrites: Vec<(Path, Vec<Op>)> = outer.into_iter().map(|p| (p, Vec::new())).collect();
    for e in edits {
        let path = e.op.path();
        let owner = (1..=path.len()).find_map(|n| index.get(&path.prefix(n)).copied());
        if let Some(i) = owner {
            let depth = rewrites[i].0.len();
            rewrites[i].1.push(e.op.relative(depth));
        } else {
            groups.push(Group {
                unit: unit_of(path),
                target: Target::InPlace(e.op.clone()),
            });
        }
    }
    for (at, ops) in rewrites {
        if !ops.is_empty() {
            // A failed rewrite below a unit widens to the unit; a failed unit is final.
            let unit = unit_of(&at);
            groups.push(Group {
                unit: if unit.len() < at.len() {
                    unit
                } else {
                    at.clone()
                },
                target: Target::Rewrite { at, ops },
            });
        }
    }
    groups
}

/// The local node at each step of `path`: `Some` while the path is written out locally
/// (not through a merge key or an alias).
fn local_chain(doc: &Document, path: &Path) -> Vec<NodeId> {
    let tree = &doc.tree;
    let mut chain = Vec::new();
    let Some(mut cur) = tree.root else {
        return chain;
    };
    for seg in path.segs() {
        if tree.is_alias(cur) {
            break;
        }
        let next = match (&tree.node(cur).kind, seg) {
            (Kind::Map { .. }, Seg::Key(k)) => tree.raw_get(cur, k).map(|(_, v)| v),
            (Kind::Seq { items, .. }, Seg::Index(i)) => items.get(*i).copied(),
            _ => None,
        };
        match next {
            Some(n) => {
                chain.push(n);
                cur = n;
            }
            None => break,
        }
    }
    chain
}

/// Where an op must be realised by rewriting a whole value, or `None` when it can be made in place.
fn rewrite_point(doc: &Document, op: &Op) -> Option<Path> {
    let path = op.path();
    let chain = local_chain(doc, path);
    let tree = &doc.tree;
    // How many leading segments name local, non-alias nodes.
    let mut local = 0;
    for &n in &chain {
        if tree.is_alias(n) {
            break;
        }
        local += 1;
    }
    let needed = match op {
        // The parent must be local; the key itself may be new.
        Op::Set { .. } => path.len() - 1,
        Op::Remove { .. } | Op::Append { .. } => path.len(),
    };
    if local >= needed {
        // An append to a key that does not exist locally creates it, which needs only the parent.
        return None;
    }
    if let Op::Append { .. } = op
        && local == path.len() - 1
        && chain.len() == local
        && !merged_in(doc, path)
    {
        return None;
    }
    // Rewrite the first segment that is not local, so that its parent is.
    Some(path.prefix(local + 1))
}

/// Whether the key at `path` reaches its mapping through a merge key.
fn merged_in(doc: &Document, path: &Path) -> bool {
    let chain = local_chain(doc, &path.parent());
    let parent = if path.len() == 1 {
        doc.tree.root
    } else {
        chain
            .last()
            .copied()
            .filter(|_| chain.len() == path.len() - 1)
    };
    let (Some(parent), Some(Seg::Key(k))) = (parent, path.last()) else {
        return false;
    };
    doc.tree.get(parent, k).is_some_and(|e| !e.local)
}

struct Patcher<'a> {
    doc: &'a Document,
    emitter: Emitter<'a>,
    out: Vec<Splice>,
    group: usize,
    depth: usize,
}

type Step = Result<(), ()>;

impl Patcher<'_> {
    fn text(&self) -> &str {
        &self.doc.text
    }

    fn push(&mut self, start: usize, end: usize, text: String) {
        let seq = self.out.len();
        self.out.push(Splice {
            start,
            end,
            text,
            seq,
            group: self.group,
            depth: self.depth,
        });
    }

    fn node_at(&self, path: &Path) -> Option<NodeId> {
        let chain = local_chain(self.doc, path);
        if chain.len() == path.len() {
            chain.last().copied().or(self.doc.tree.root)
        } else {
            None
        }
    }

    fn in_place(&mut self, op: &Op) -> Step {
        let tree = &self.doc.tree;
        match op {
            Op::Set { path, value } => {
                let parent = self.node_at(&path.parent()).ok_or(())?;
                match path.last() {
                    Some(Seg::Key(k)) => match self.local_entry(parent, k) {
                        Some((kn, vn)) => self.replace_value(parent, kn, vn, value),
                        None => self.insert_entries(parent, &[(k.clone(), value.clone())]),
                    },
                    Some(Seg::Index(i)) => {
                        let item = *tree.items(parent).get(*i).ok_or(())?;
                        self.replace_item(item, value)
                    }
                    None => Err(()),
                }
            }
            Op::Remove { path } => {
                let parent = self.node_at(&path.parent()).ok_or(())?;
                match path.last() {
                    Some(Seg::Key(k)) => {
                        let (kn, vn) = self.local_entry(parent, k).ok_or(())?;
                        self.remove_entry(parent, kn, vn)
                    }
                    Some(Seg::Index(i)) => {
                        let item = *tree.items(parent).get(*i).ok_or(())?;
                        self.remove_item(parent, item)
                    }
                    None => Err(()),
                }
            }
            Op::Append { path, items } => match self.node_at(path) {
                Some(seq) if tree.is_seq(seq) && !tree.is_alias(seq) => {
                    // New items sit inside the list: one level deeper than a new key.
                    self.depth = path.len() + 1;
                    self.append(seq, items)
                }
                Some(other) => {
                    // A null or a single string (`tmpfs: /run`) becomes a list.
                    let mut all = Vec::new();
                    if !tree.is_null(other) {
                        if tree.is_map(other) {
                            return Err(());
                        }
                        all.push(Value::Node(other));
                    }
                    all.extend(items.iter().cloned());
                    let parent = self.node_at(&path.parent()).ok_or(())?;
                    let Some(Seg::Key(k)) = path.last() else {
                        return Err(());
                    };
                    let (kn, vn) = self.local_entry(parent, k).ok_or(())?;
                    self.replace_value(parent, kn, vn, &Value::Seq(all))
                }
                None => {
                    let parent = self.node_at(&path.parent()).ok_or(())?;
                    let Some(Seg::Key(k)) = path.last() else {
                        return Err(());
                    };
                    self.insert_entries(parent, &[(k.clone(), Value::Seq(items.clone()))])
                }
            },
        }
    }

    /// Rewrites the value at `at` whole: `at`'s parent is local by construction.
    fn rewrite(&mut self, at: &Path, ops: &[Op]) -> Step {
        let doc = self.doc;
        let tree = &doc.tree;
        let parent_path = at.parent();
        let parent = self.node_at(&parent_path).ok_or(())?;
        let Some(Seg::Key(key)) = at.last() else {
            return Err(());
        };
        let local = self.local_entry(parent, key);
        // A bare-alias service (`worker: *base`) becomes `<<: *base` plus its own keys.
        if at.len() == 2
            && matches!(at.segs().first(), Some(Seg::Key(s)) if s == "services")
            && let Some((_, vn)) = local
            && tree.is_alias(vn)
        {
            return self.unalias_service(parent, vn, ops);
        }
        let base = match tree.get(parent, key) {
            Some(e) => Value::Node(e.value),
            None => Value::Null,
        };
        let new = semantic::apply_value(doc, base, ops).map_err(|_| ())?;
        match local {
            Some((kn, vn)) => self.replace_value(parent, kn, vn, &new),
            None => self.insert_entries(parent, &[(key.clone(), new)]),
        }
    }

    fn unalias_service(&mut self, services: NodeId, alias: NodeId, ops: &[Op]) -> Step {
        let doc = self.doc;
        let tree = &doc.tree;
        let Kind::Alias { name, target } = &tree.node(alias).kind else {
            return Err(());
        };
        // Gather the whole value of every key the ops touch.
        let mut keys: Vec<String> = Vec::new();
        for op in ops {
            match op.path().segs().first() {
                Some(Seg::Key(k)) if !keys.contains(k) => keys.push(k.clone()),
                Some(Seg::Key(_)) => {}
                _ => return Err(()),
            }
        }
        let mut entries: Vec<(String, Value)> = Vec::new();
        for k in keys {
            let rel: Vec<Op> = ops
                .iter()
                .filter(|o| matches!(o.path().segs().first(), Some(Seg::Key(x)) if *x == k))
                .map(|o| o.relative(1))
                .collect();
            let base = tree
                .get(*target, &k)
                .map_or(Value::Null, |e| Value::Node(e.value));
            let new = semantic::apply_value(doc, base, &rel).map_err(|_| ())?;
            entries.push((k, new));
        }
        let node = tree.node(alias);
        if tree.style(services) == Some(Style::Flow) {
            let mut parts = vec![format!("<<: *{name}")];
            for (k, v) in &entries {
                parts.push(format!(
                    "{}: {}",
                    super::emit::scalar_text(k),
                    self.emitter.inline(v)
                ));
            }
            let text = format!("{{{}}}", parts.join(", "));
            self.push(node.start, node.end, text);
            return Ok(());
        }
        let indent = self.indent_of_key_in(services)? + self.emitter.layout.unit;
        let &(key, _) = tree
            .raw_entries(services)
            .iter()
            .find(|&&(_, v)| v == alias)
            .ok_or(())?;
        let start = self.colon_after(key)? + 1;
        let mut text = format!("\n{}<<: *{name}\n", " ".repeat(indent));
        for (k, v) in &entries {
            text.push_str(&self.emitter.entry(k, v, indent));
        }
        text.pop();
        self.push(start, node.end, text);
        Ok(())
    }

    fn local_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let tree = &self.doc.tree;
        if tree.is_alias(map) {
            return None;
        }
        tree.raw_get(map, key)
    }

    /// Column (0-based) of the keys of a block mapping.
    fn indent_of_key_in(&self, map: NodeId) -> Result<usize, ()> {
        let tree = &self.doc.tree;
        let &(k, _) = tree.raw_entries(map).first().ok_or(())?;
        Ok(self.col0(tree.node(k).outer_start))
    }

    fn col0(&self, offset: usize) -> usize {
        let text = self.text();
        let line_start = line_start(text, offset);
        text[line_start..offset].chars().count()
    }

    fn is_flow(&self, node: NodeId) -> bool {
        self.doc.tree.style(node) == Some(Style::Flow)
    }

    fn replace_value(&mut self, parent: NodeId, key: NodeId, value: NodeId, new: &Value) -> Step {
        let doc = self.doc;
        let tree = &doc.tree;
        let vnode = tree.node(value);
        let anchor = vnode
            .anchor
            .as_ref()
            .map(|a| format!("&{a} "))
            .unwrap_or_default();
        if self.is_flow(parent) {
            let text = format!("{anchor}{}", self.emitter.inline(new));
            self.push(vnode.outer_start, vnode.end, text);
            return Ok(());
        }
        let colon = self.colon_after(key)?;
        let start = colon + 1;
        let end = vnode.end.max(start);
        let indent = self.col0(tree.node(key).outer_start);
        let mut text = self.emitter.after_key(new, indent);
        text.pop();
        if !anchor.is_empty() {
            text = format!(" {}{}", anchor.trim_end(), text);
        }
        // Comments inside the old value move below the new one.
        for c in self.comments_in(start, end) {
            text.push('\n');
            text.push_str(&" ".repeat(indent + self.emitter.layout.unit));
            text.push_str(c);
        }
        self.push(start, end, text);
        Ok(())
    }

    fn colon_after(&self, key: NodeId) -> Result<usize, ()> {
        let text = self.text();
        let mut i = self.doc.tree.node(key).end;
        let bytes = text.as_bytes();
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        if bytes.get(i) == Some(&b':') {
            Ok(i)
        } else {
            Err(())
        }
    }

    fn comments_in(&self, start: usize, end: usize) -> Vec<&str> {
        // Comments come in source order: find the first one at or after `start`.
        let comments = &self.doc.tree.comments;
        let first = comments.partition_point(|c| c.start < start);
        comments[first..]
            .iter()
            .take_while(|c| c.start < end)
            .filter(|c| c.end <= end)
            .map(|c| &self.doc.text[c.start..c.end])
            .collect()
    }

    fn insert_entries(&mut self, map: NodeId, entries: &[(String, Value)]) -> Step {
        let tree = &self.doc.tree;
        if !tree.is_map(map) || tree.is_alias(map) {
            return Err(());
        }
        let raw = tree.raw_entries(map);
        if self.is_flow(map) {
            let node = tree.node(map);
            let mut text = String::new();
            for (k, v) in entries {
                text.push_str(&format!(
                    "{}{}: {}",
                    if raw.is_empty() && text.is_empty() {
                        ""
                    } else {
                        ", "
                    },
                    super::emit::scalar_text(k),
                    self.emitter.inline(v)
                ));
            }
            let at = match raw.last() {
                Some(&(_, v)) => tree.node(v).end,
                None => node.start + 1,
            };
            self.push(at, at, text);
            return Ok(());
        }
        let &(first_key, _) = raw.first().ok_or(())?;
        let &(_, last_value) = raw.last().ok_or(())?;
        let indent = self.col0(tree.node(first_key).outer_start);
        let mut text = String::new();
        for (k, v) in entries {
            text.push_str(&self.emitter.entry(k, v, indent));
        }
        self.insert_after_line_of(tree.node(last_value).end, text);
        Ok(())
    }

    /// Inserts whole lines after the line holding `offset`.
    fn insert_after_line_of(&mut self, offset: usize, mut text: String) {
        let src = self.text();
        match src[offset..].find('\n') {
            Some(i) => {
                let at = offset + i + 1;
                self.push(at, at, text);
            }
            None => {
                text.pop();
                text.insert(0, '\n');
                let at = src.len();
                self.push(at, at, text);
            }
        }
    }

    fn replace_item(&mut self, item: NodeId, new: &Value) -> Step {
        let tree = &self.doc.tree;
        let node = tree.node(item);
        if tree.is_map(item) || tree.is_seq(item) {
            if tree.style(item) != Some(Style::Flow) {
                return Err(());
            }
        } else if node.end > node.start && self.text()[node.start..node.end].contains('\n') {
            return Err(());
        }
        if matches!(new, Value::Map(m) if !m.is_empty()) && tree.style(item) != Some(Style::Flow) {
            return Err(());
        }
        let anchor = node
            .anchor
            .as_ref()
            .map(|a| format!("&{a} "))
            .unwrap_or_default();
        let text = format!("{anchor}{}", self.emitter.inline(new));
        self.push(node.outer_start, node.end, text);
        Ok(())
    }

    fn remove_entry(&mut self, map: NodeId, key: NodeId, value: NodeId) -> Step {
        let tree = &self.doc.tree;
        let raw = tree.raw_entries(map);
        let pos = raw.iter().position(|&(k, _)| k == key).ok_or(())?;
        if self.is_flow(map) {
            let bounds: Vec<(usize, usize)> = raw
                .iter()
                .map(|&(k, v)| (tree.node(k).outer_start, tree.node(v).end))
                .collect();
            return self.remove_flow_member(&bounds, pos);
        }
        if raw.len() == 1 {
            // An emptied block mapping would read as null: rewrite the key instead.
            return Err(());
        }
        let start = tree.node(key).outer_start;
        let end = tree.node(value).end.max(tree.node(key).end);
        self.remove_lines(start, end)
    }

    fn remove_item(&mut self, seq: NodeId, item: NodeId) -> Step {
        let tree = &self.doc.tree;
        let items = tree.items(seq);
        let pos = items.iter().position(|&i| i == item).ok_or(())?;
        if self.is_flow(seq) {
            let bounds: Vec<(usize, usize)> = items
                .iter()
                .map(|&i| (tree.node(i).outer_start, tree.node(i).end))
                .collect();
            return self.remove_flow_member(&bounds, pos);
        }
        let node = tree.node(item);
        let dash = self.dash_before(node.outer_start)?;
        self.remove_lines(dash, node.end.max(dash + 1))
    }

    /// The `-` that introduces a block sequence item starting at `offset`.
    fn dash_before(&self, offset: usize) -> Result<usize, ()> {
        let bytes = self.text().as_bytes();
        let mut i = offset;
        while i > 0 {
            i -= 1;
            match bytes[i] {
                b' ' | b'\t' | b'\n' | b'\r' => continue,
                b'-' => return Ok(i),
                _ => return Err(()),
            }
        }
        Err(())
    }

    /// Removes the lines from the one holding `start` to the one holding `end`, keeping their
    /// comments as lines of their own.
    fn remove_lines(&mut self, start: usize, end: usize) -> Step {
        let text = self.text();
        let ls = line_start(text, start);
        if !text[ls..start].trim().is_empty() {
            return Err(());
        }
        let le = match text[end..].find('\n') {
            Some(i) => end + i + 1,
            None => text.len(),
        };
        let indent = &text[ls..start];
        let mut kept = String::new();
        for c in self.comments_in(ls, le) {
            kept.push_str(indent);
            kept.push_str(c);
            kept.push('\n');
        }
        if le == text.len() && !text.ends_with('\n') && kept.ends_with('\n') {
            kept.pop();
        }
        self.push(ls, le, kept);
        Ok(())
    }

    /// Removes one member of a flow collection with one of the commas around it. Comments
    /// between members stay; emptying the collection is left to a rewrite (which also writes
    /// whatever refills it).
    fn remove_flow_member(&mut self, bounds: &[(usize, usize)], pos: usize) -> Step {
        let (start, end) = bounds[pos];
        if bounds.len() == 1 || !self.comments_in(start, end).is_empty() {
            return Err(());
        }
        let text = self.text();
        if pos + 1 < bounds.len() {
            let next = bounds[pos + 1].0;
            if self.comments_in(end, next).is_empty() {
                self.push(start, next, String::new());
            } else {
                let comma = end + text[end..next].find(',').ok_or(())?;
                self.push(start, end, String::new());
                self.push(comma, comma + 1, String::new());
            }
        } else {
            let prev = bounds[pos - 1].1;
            if self.comments_in(prev, start).is_empty() {
                self.push(prev, end, String::new());
            } else {
                let comma = prev + text[prev..start].rfind(',').ok_or(())?;
                self.push(comma, comma + 1, String::new());
                self.push(start, end, String::new());
            }
        }
        Ok(())
    }

    fn append(&mut self, seq: NodeId, items: &[Value]) -> Step {
        let tree = &self.doc.tree;
        let existing = tree.items(seq);
        if self.is_flow(seq) {
            let node = tree.node(seq);
            let mut text = String::new();
            for v in items {
                if !existing.is_empty() || !text.is_empty() {
                    text.push_str(", ");
                }
                text.push_str(&self.emitter.inline(v));
            }
            let at = match existing.last() {
                Some(&i) => tree.node(i).end,
                None => node.start + 1,
            };
            self.push(at, at, text);
            return Ok(());
        }
        let &last = existing.last().ok_or(())?;
        let dash = self.dash_before(tree.node(last).outer_start)?;
        let indent = self.col0(dash);
        let mut text = String::new();
        for v in items {
            text.push_str(&self.emitter.item(v, indent));
        }
        self.insert_after_line_of(tree.node(last).end, text);
        Ok(())
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Sorts the splices; returns the groups of the splices that overlap earlier ones.
fn overlapping(splices: &mut [Splice]) -> Vec<usize> {
    splices.sort_by_key(|s| (s.start, s.end, std::cmp::Reverse(s.depth), s.group, s.seq));
    let mut cursor = 0usize;
    let mut out = Vec::new();
    for s in splices.iter() {
        if s.start < cursor && !out.contains(&s.group) {
            out.push(s.group);
        }
        cursor = cursor.max(s.end);
    }
    out
}

fn render(doc: &Document, splices: &[Splice]) -> String {
    let text = &doc.text;
    let mut out = String::with_capacity(text.len() + 256);
    if doc.bom {
        out.push('\u{feff}');
    }
    let mut cursor = 0;
    for s in splices {
        out.push_str(&text[cursor..s.start]);
        if doc.crlf {
            out.push_str(&s.text.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            out.push_str(&s.text);
        }
        cursor = s.end.max(cursor);
    }
    out.push_str(&text[cursor..]);
    out
}

/// Reads how this file indents nested blocks, so added keys look like the rest of it.
pub fn detect_layout(doc: &Document) -> Layout {
    let tree = &doc.tree;
    let mut layout = Layout::default();
    let col = |n: NodeId| {
        let off = tree.node(n).outer_start;
        doc.text[line_start(&doc.text, off)..off].chars().count()
    };
    if let Some(services) = doc.services_node()
        && tree.style(services) == Some(Style::Block)
    {
        for &(name, svc) in tree.raw_entries(services) {
            if tree.style(svc) == Some(Style::Block)
                && let Some(&(k, _)) = tree.raw_entries(svc).first()
            {
                let unit = col(k).saturating_sub(col(name));
                if unit > 0 {
                    layout.unit = unit;
                }
                break;
            }
        }
    }
    layout.seq_offset = layout.unit;
    // The first block sequence under a key tells whether dashes are indented.
    for node in &tree.nodes {
        if let Kind::Map {
            style: Style::Block,
            entries,
        } = &node.kind
        {
            for &(k, v) in entries {
                if let Kind::Seq {
                    style: Style::Block,
                    items,
                } = &tree.node(v).kind
                    && let Some(&first) = items.first()
                {
                    let item_start = tree.node(first).outer_start;
                    let mut i = item_start;
                    let bytes = doc.text.as_bytes();
                    while i > 0 && bytes[i - 1] != b'-' {
                        i -= 1;
                    }
                    if i > 0 && tree.node(k).line < tree.node(first).line {
                        layout.seq_offset = col_of(&doc.text, i - 1).saturating_sub(col(k));
                        return layout;
                    }
                }
            }
        }
    }
    layout
}

fn col_of(text: &str, offset: usize) -> usize {
    text[line_start(text, offset)..offset].chars().count()
}

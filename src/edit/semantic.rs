//! What the edits mean, applied to plain values rather than text: used to build the value a
//! patched key must end up with, and to check that the patched text means what was intended.
//!
//! Order of application, the same everywhere: sets, then removals (sequence items by their input
//! index, highest first), then appends.

use serde_json::Value as Json;

use super::{Op, Path, Seg, Value};
use crate::load::tree::{Kind, QuoteStyle};
use crate::load::{Document, NodeId};

/// The ops in application order.
pub fn ordered(ops: &[Op]) -> Vec<&Op> {
    let mut sets: Vec<&Op> = Vec::new();
    let mut removes: Vec<&Op> = Vec::new();
    let mut appends: Vec<&Op> = Vec::new();
    for op in ops {
        match op {
            Op::Set { .. } => sets.push(op),
            Op::Remove { .. } => removes.push(op),
            Op::Append { .. } => appends.push(op),
        }
    }
    removes.sort_by(|a, b| {
        let (pa, pb) = (a.path(), b.path());
        match (pa.last(), pb.last()) {
            (Some(Seg::Index(i)), Some(Seg::Index(j))) if pa.parent() == pb.parent() => j.cmp(i),
            _ => std::cmp::Ordering::Equal,
        }
    });
    sets.into_iter().chain(removes).chain(appends).collect()
}

/// The JSON Compose would see for a value.
pub fn to_json(doc: &Document, value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(|v| to_json(doc, v)).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_json(doc, v)))
                .collect(),
        ),
        Value::Node(id) => node_json(doc, *id, 0),
    }
}

fn node_json(doc: &Document, id: NodeId, depth: usize) -> Json {
    let tree = &doc.tree;
    let id = tree.deref(id);
    if depth > 128 {
        return Json::Null;
    }
    let node = tree.node(id);
    match &node.kind {
        Kind::Scalar { value, quote } => {
            if *quote != QuoteStyle::Plain || value.contains('\n') {
                return Json::String(value.clone());
            }
            // Read a plain scalar exactly as the loader reads it, tag included.
            let slice = &doc.text[node.outer_start..node.end];
            serde_saphyr::from_str::<Json>(&format!("v: {slice}\n"))
                .ok()
                .and_then(|mut v| v.get_mut("v").map(Json::take))
                .unwrap_or_else(|| Json::String(value.clone()))
        }
        Kind::Seq { items, .. } => Json::Array(
            items
                .iter()
                .map(|&i| node_json(doc, i, depth + 1))
                .collect(),
        ),
        Kind::Map { .. } => Json::Object(
            tree.entries(id)
                .into_iter()
                .map(|e| (e.key, node_json(doc, e.value, depth + 1)))
                .collect(),
        ),
        Kind::Alias { .. } => Json::Null,
    }
}

/// Applies ops to the JSON of a whole document.
pub fn apply_json(doc: &Document, root: &mut Json, ops: &[Op]) -> Result<(), String> {
    for op in ordered(ops) {
        match op {
            Op::Set { path, value } => {
                let slot = json_slot(root, path, true)?;
                *slot = to_json(doc, value);
            }
            Op::Remove { path } => {
                let parent = json_slot(root, &path.parent(), false)?;
                match (parent, path.last()) {
                    (Json::Object(m), Some(Seg::Key(k))) => {
                        m.remove(k);
                    }
                    (Json::Array(a), Some(Seg::Index(i))) if *i < a.len() => {
                        a.remove(*i);
                    }
                    _ => return Err(format!("nothing to remove at {path}")),
                }
            }
            Op::Append { path, items } => {
                let slot = json_slot(root, path, true)?;
                if slot.is_null() {
                    *slot = Json::Array(Vec::new());
                }
                // A single string (`tmpfs: /run`) is a list of one.
                if slot.is_string() {
                    *slot = Json::Array(vec![slot.take()]);
                }
                match slot {
                    Json::Array(a) => a.extend(items.iter().map(|v| to_json(doc, v))),
                    _ => return Err(format!("{path} is not a list")),
                }
            }
        }
    }
    Ok(())
}

fn json_slot<'a>(root: &'a mut Json, path: &Path, create: bool) -> Result<&'a mut Json, String> {
    let mut cur = root;
    for seg in path.segs() {
        cur = match seg {
            Seg::Key(k) => {
                if cur.is_null() && create {
                    *cur = Json::Object(Default::default());
                }
                match cur {
                    Json::Object(m) => {
                        if !m.contains_key(k) && !create {
                            return Err(format!("{path}: no key {k}"));
                        }
                        m.entry(k.clone()).or_insert(Json::Null)
                    }
                    _ => return Err(format!("{path}: not a mapping at {k}")),
                }
            }
            Seg::Index(i) => match cur {
                Json::Array(a) if *i < a.len() => &mut a[*i],
                _ => return Err(format!("{path}: no item {i}")),
            },
        };
    }
    Ok(cur)
}

/// Opens `value` in place when it is a `Value::Node`; other values are already open.
fn open_in_place(doc: &Document, value: &mut Value) {
    if matches!(value, Value::Node(_)) {
        *value = expand(doc, value);
    }
}

/// Opens a `Value::Node` one level so that a path can go through it.
pub fn expand(doc: &Document, value: &Value) -> Value {
    let Value::Node(id) = value else {
        return value.clone();
    };
    let tree = &doc.tree;
    let id = tree.deref(*id);
    match &tree.node(id).kind {
        Kind::Seq { items, .. } => Value::Seq(items.iter().map(|&i| Value::Node(i)).collect()),
        Kind::Map { .. } => Value::Map(
            tree.entries(id)
                .into_iter()
                .map(|e| (e.key, Value::Node(e.value)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// Applies ops given relative to `base` (paths not including base's own path).
pub fn apply_value(doc: &Document, base: Value, ops: &[Op]) -> Result<Value, String> {
    // Many ops on the keys of one mapping (a top-level `secrets:` with thousands of entries) are
    // applied key by key, so the work stays linear.
    let keyed = ops
        .iter()
        .all(|op| matches!(op.path().segs().first(), Some(Seg::Key(_))));
    if keyed && ops.len() > 32 {
        let mut root = base;
        open_in_place(doc, &mut root);
        if let Value::Node(id) = root
            && doc.tree.is_null(id)
        {
            root = Value::Null;
        }
        if matches!(root, Value::Null) {
            root = Value::Map(Vec::new());
        }
        if let Value::Map(mut entries) = root {
            let mut groups: indexmap::IndexMap<&str, Vec<Op>> = indexmap::IndexMap::new();
            for op in ops {
                if let Some(Seg::Key(k)) = op.path().segs().first() {
                    groups.entry(k.as_str()).or_default().push(op.relative(1));
                }
            }
            let mut index: std::collections::HashMap<String, usize> = entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            let mut removed: std::collections::HashSet<String> = std::collections::HashSet::new();
            for (key, rel) in groups {
                if rel
                    .iter()
                    .any(|o| o.path().is_empty() && matches!(o, Op::Remove { .. }))
                {
                    removed.insert(key.to_string());
                    continue;
                }
                let i = match index.get(key) {
                    Some(&i) => i,
                    None => {
                        entries.push((key.to_string(), Value::Null));
                        index.insert(key.to_string(), entries.len() - 1);
                        entries.len() - 1
                    }
                };
                let child = std::mem::replace(&mut entries[i].1, Value::Null);
                entries[i].1 = apply_value(doc, child, &rel)?;
            }
            entries.retain(|(k, _)| !removed.contains(k));
            return Ok(Value::Map(entries));
        }
        return apply_linear(doc, root, ops);
    }
    apply_linear(doc, base, ops)
}

fn apply_linear(doc: &Document, base: Value, ops: &[Op]) -> Result<Value, String> {
    let mut root = base;
    for op in ordered(ops) {
        match op {
            Op::Set { path, value } => *value_slot(doc, &mut root, path, true)? = value.clone(),
            Op::Remove { path } => {
                let parent = value_slot(doc, &mut root, &path.parent(), false)?;
                open_in_place(doc, parent);
                match (parent, path.last()) {
                    (Value::Map(m), Some(Seg::Key(k))) => m.retain(|(key, _)| key != k),
                    (Value::Seq(a), Some(Seg::Index(i))) if *i < a.len() => {
                        a.remove(*i);
                    }
                    _ => return Err(format!("nothing to remove at {path}")),
                }
            }
            Op::Append { path, items } => {
                let slot = value_slot(doc, &mut root, path, true)?;
                open_in_place(doc, slot);
                if matches!(slot, Value::Null) {
                    *slot = Value::Seq(Vec::new());
                }
                if let Value::Node(id) = slot {
                    *slot = if doc.tree.is_null(*id) {
                        Value::Seq(Vec::new())
                    } else {
                        Value::Seq(vec![Value::Node(*id)])
                    };
                }
                if let Value::Str(_) = slot {
                    *slot = Value::Seq(vec![slot.clone()]);
                }
                match slot {
                    Value::Seq(a) => a.extend(items.iter().cloned()),
                    _ => return Err(format!("{path} is not a list")),
                }
            }
        }
    }
    Ok(root)
}

fn value_slot<'a>(
    doc: &Document,
    root: &'a mut Value,
    path: &Path,
    create: bool,
) -> Result<&'a mut Value, String> {
    let mut cur = root;
    for seg in path.segs() {
        open_in_place(doc, cur);
        if let Value::Node(id) = cur
            && doc.tree.is_null(*id)
        {
            *cur = Value::Null;
        }
        cur = match seg {
            Seg::Key(k) => {
                if matches!(cur, Value::Null) && create {
                    *cur = Value::Map(Vec::new());
                }
                match cur {
                    Value::Map(m) => {
                        let pos = match m.iter().position(|(key, _)| key == k) {
                            Some(p) => p,
                            None if create => {
                                m.push((k.clone(), Value::Null));
                                m.len() - 1
                            }
                            None => return Err(format!("{path}: no key {k}")),
                        };
                        &mut m[pos].1
                    }
                    _ => return Err(format!("{path}: not a mapping at {k}")),
                }
            }
            Seg::Index(i) => match cur {
                Value::Seq(a) if *i < a.len() => &mut a[*i],
                _ => return Err(format!("{path}: no item {i}")),
            },
        };
    }
    Ok(cur)
}

//! `--canonical`: the whole document re-emitted in a fixed, conventional key order.
//! Lossy by design: comments, anchors, merge keys and quoting styles are not kept.

use super::Value;
use super::emit::{Emitter, Layout};
use crate::error::Error;
use crate::harden::Hardened;
use crate::load::{self, Document, NodeId};

const TOP: [&str; 9] = [
    "version", "name", "include", "services", "networks", "volumes", "configs", "secrets", "models",
];

const SERVICE: [&str; 40] = [
    "image",
    "build",
    "container_name",
    "hostname",
    "platform",
    "restart",
    "depends_on",
    "profiles",
    "command",
    "entrypoint",
    "working_dir",
    "environment",
    "env_file",
    "secrets",
    "configs",
    "ports",
    "expose",
    "volumes",
    "tmpfs",
    "networks",
    "network_mode",
    "dns",
    "extra_hosts",
    "labels",
    "healthcheck",
    "logging",
    "deploy",
    "user",
    "read_only",
    "cap_drop",
    "cap_add",
    "security_opt",
    "privileged",
    "devices",
    "pid",
    "ipc",
    "ulimits",
    "sysctls",
    "stop_grace_period",
    "x-harden",
];

fn rank(order: &[&str], key: &str) -> (usize, String) {
    let r = order
        .iter()
        .position(|k| *k == key)
        .unwrap_or(order.len() + usize::from(key.starts_with("x-")));
    (r, key.to_string())
}

pub fn emit(h: &Hardened) -> Result<String, Error> {
    let text = h.text.trim_start_matches('\u{feff}').to_string();
    let doc = load::load_text(&h.input.name, h.input.path.clone(), text, false)?;
    let root = doc.root();
    let mut top: Vec<(String, Value)> = doc
        .tree
        .entries(root)
        .into_iter()
        .map(|e| {
            let v = if e.key == "services" {
                services(&doc, e.value)
            } else {
                Value::Node(e.value)
            };
            (e.key, v)
        })
        .collect();
    top.sort_by_key(|(k, _)| rank(&TOP, k));
    let emitter = Emitter {
        doc: &doc,
        layout: Layout::default(),
    };
    let mut out = String::new();
    for (k, v) in &top {
        out.push_str(&emitter.entry(k, v, 0));
    }
    let check =
        load::load_text(&doc.name, None, out.clone(), false).map_err(|e| Error::Verify {
            pass: "canonical".into(),
            message: format!("the canonical text does not parse: {e}"),
        })?;
    if check.value != doc.value {
        return Err(Error::Verify {
            pass: "canonical".into(),
            message: "the canonical text means something else than the hardened file".into(),
        });
    }
    Ok(out)
}

fn services(doc: &Document, node: NodeId) -> Value {
    let tree = &doc.tree;
    Value::Map(
        tree.entries(node)
            .into_iter()
            .map(|svc| {
                let mut keys: Vec<(String, Value)> = tree
                    .entries(svc.value)
                    .into_iter()
                    .map(|e| (e.key, Value::Node(e.value)))
                    .collect();
                keys.sort_by_key(|(k, _)| rank(&SERVICE, k));
                (svc.key, Value::Map(keys))
            })
            .collect(),
    )
}

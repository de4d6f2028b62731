//! compose-harden: turns a Docker Compose file into a hardened one and reports exactly what it
//! changed and what is left to do.
//!
//! Data flow: [`load`] -> [`passes`] (one per rule, registry order) -> [`edit`] (patch the
//! original text, verify the result) -> [`report`] and the files written by [`cli`].

pub mod cli;
pub mod edit;
pub mod engine;
pub mod error;
pub mod harden;
pub mod knowledge;
pub mod load;
pub mod model;
pub mod options;
pub mod passes;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod templates;

//! Which variable names and values are secrets.

//! Placeholder: the child-process driver (spec/harness-protocol.md).

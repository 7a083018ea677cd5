//! The `dialogporten` server: configuration, wiring of the layers, and serving.

pub mod config;
pub mod generate;
pub mod keys;
pub mod listener;
pub mod registry;
pub mod server;
pub mod shared_entries;
pub mod store_copy;

pub use config::Config;
pub use server::{Server, build};

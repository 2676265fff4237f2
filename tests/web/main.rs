//! The member's web page in a real browser: headless Chromium (Debian's
//! `chromium` and `chromium-driver`) driven over WebDriver, against Kith's
//! real web routes on 127.0.0.1 and a real store (SQLite, or PostgreSQL
//! with TEST_DATABASE=postgres).

mod browser;
mod helpers;
mod page;

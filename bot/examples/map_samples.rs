//! Draws the README's sample network maps, `docs/map-5.png` and
//! `docs/map-500.png`, from a made-up network, and says how long each took.
//!
//! `cargo run --release -p kith-bot --example map_samples [-- OUT_DIR]`

use std::path::PathBuf;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use kith_bot::map;

fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs"));
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("the sample date does not exist"))?;
    for size in [5, 500] {
        let network = map::demo_network(size, now);
        let started = Instant::now();
        let drawn = map::render("Maya Chen", &network, now)?;
        let took = started.elapsed();
        let path = out.join(format!("map-{size}.png"));
        std::fs::write(&path, &drawn.png)?;
        println!(
            "{size} contacts: {}x{} px, {} KB, rendered in {took:.2?} -> {}",
            drawn.width,
            drawn.height,
            drawn.png.len() / 1024,
            path.display()
        );
    }
    Ok(())
}

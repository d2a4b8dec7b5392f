//! `sqlx::migrate!` embeds `migrations/sqlite` at compile time: rebuild the
//! crate when a migration is added or changed (sqlx's documented advice).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

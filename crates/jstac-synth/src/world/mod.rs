//! The synthetic world, built in a fixed order from one seeded stream:
//! NRM referrals first (2015, then 2016, whose people the other agencies
//! meet), then businesses, then each agency's cases.

mod cases;
mod model;
mod nrm;

pub(crate) use model::{Person, World};

/// Every agency's records for `seed` and `scale`.
pub(crate) fn build(seed: u64, scale: u32) -> World {
    let mut world = World::new(seed, scale);
    world.nrm(2015);
    world.nrm(2016);
    world.businesses();
    world.police();
    world.border_force();
    world.ie();
    world.hmrc();
    world.nca();
    world.glaa();
    world
}

//! Each agency's files, in the format its bundled pipeline reads, with the
//! noise of real extracts; and the ground truth. One writer per agency;
//! [`ods`] and [`xml`] are the encoders the GLAA, NCA and IE writers share,
//! [`xlsx`] the workbook conventions of Border Force and HMRC.

mod border_force;
mod glaa;
mod hmrc;
mod ids;
mod ie;
mod nca;
mod noise;
#[cfg(test)]
mod noise_rates;
mod nrm;
mod ods;
mod out;
mod police;
mod xlsx;
mod xml;

use std::path::Path;

use crate::error::Result;
use crate::summary::Summary;
use crate::world::World;
use noise::Noise;
use out::{Out, csv_err, io_err};

/// Every agency's files, in the order of [`noise::AGENCIES`].
fn agencies(out: &mut Out, world: &World) -> Result<()> {
    let mut w = Noise::new(world.rng.split(0x5EED), world);
    nrm::write(out, world, &mut w)?;
    police::write(out, world, &mut w)?;
    border_force::write(out, world, &mut w)?;
    hmrc::write(out, world, &mut w)?;
    glaa::write(out, world, &mut w)?;
    nca::write(out, world, &mut w)?;
    ie::write(out, world, &mut w)
}

pub(crate) fn all(dir: &Path, world: &World) -> Result<Summary> {
    // The writers draw their noise from a stream of their own, so adding
    // noise to one file never changes the people of another.
    let mut out = Out::new(dir);
    agencies(&mut out, world)?;
    let path = out.path("ground_truth.csv")?;
    let mut writer = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    writer
        .write_record(["agency", "file", "position", "record_ref", "true_person_id"])
        .map_err(csv_err(&path))?;
    for t in &out.truth {
        writer
            .write_record([t.agency, &t.file, &t.position, &t.record_ref, &t.person])
            .map_err(csv_err(&path))?;
    }
    writer.flush().map_err(io_err(&path))?;
    out.summary.truth_rows = out.truth.len();
    out.summary.persons = world.people.len();
    Ok(out.summary)
}

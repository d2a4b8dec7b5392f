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

pub(crate) fn all(dir: &Path, world: &World) -> Result<Summary> {
    // The writers draw their noise from a stream of their own, so adding
    // noise to one file never changes the people of another.
    let mut w = Noise::new(world.rng.split(0x5EED));
    let mut out = Out::new(dir);
    nrm::write(&mut out, world, &mut w)?;
    police::write(&mut out, world, &mut w)?;
    border_force::write(&mut out, world, &mut w)?;
    hmrc::write(&mut out, world, &mut w)?;
    glaa::write(&mut out, world, &mut w)?;
    nca::write(&mut out, world, &mut w)?;
    ie::write(&mut out, world, &mut w)?;
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

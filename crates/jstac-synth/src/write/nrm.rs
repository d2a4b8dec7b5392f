//! NRM referrals (Home Office, CSV): one file per year.

use super::noise::Noise;
use super::out::{Out, Written, csv_err, io_err};
use crate::date::{Date, dmy};
use crate::error::Result;
use crate::world::World;

pub(super) fn write(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    w.at("nrm");
    for (year, referrals) in &world.nrm {
        let relative = format!("nrm_referrals/nrm_referrals_{year}.csv");
        let path = out.path(&relative)?;
        let mut writer = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
        writer
            .write_record([
                "NRM Reference",
                "Referral Date",
                "First Responder",
                "Exploitation Type",
                "Age at Exploitation",
                "Gender",
                "Nationality",
                "Location of Exploitation",
                "Police Force Area",
                "Name",
                "Date of Birth",
                "Contact Phone",
                "RG Decision",
                "RG Decision Date",
                "CG Decision",
                "CG Decision Date",
            ])
            .map_err(csv_err(&path))?;
        for (i, r) in referrals.iter().enumerate() {
            let p = &world.people[r.person];
            let age = if r.age_group == "Minor" && w.chance(150) {
                "Child (under 18)"
            } else {
                r.age_group
            };
            let dob = (!w.chance(80)).then(|| w.dob(p));
            let phone = (!w.chance(400)).then(|| w.contact_phone(world, p));
            let (name, family, given) = w.full_name(p);
            let decision = |d: Option<(&str, Option<Date>)>| match d {
                Some((what, on)) => (what.to_owned(), on.map(dmy).unwrap_or_default()),
                None => (String::new(), String::new()),
            };
            let (rg, rg_on) = decision(r.rg);
            let (cg, cg_on) = decision(r.cg);
            let force = if r.location == "Overseas" && w.chance(500) {
                String::new()
            } else {
                r.force.to_owned()
            };
            let record = [
                r.reference.clone(),
                dmy(r.referred_on),
                r.first_responder.to_owned(),
                r.exploitation.to_owned(),
                age.to_owned(),
                r.gender.to_owned(),
                w.nationality(p.nationality),
                r.location.to_owned(),
                force,
                name,
                dob.map(dmy).unwrap_or_default(),
                phone.clone().unwrap_or_default(),
                rg,
                rg_on,
                cg,
                cg_on,
            ];
            writer.write_record(&record).map_err(csv_err(&path))?;
            out.truth(
                "nrm",
                &relative,
                format!("line {}", i + 2),
                r.reference.clone(),
                p,
                Written {
                    family,
                    given,
                    dob,
                    phone,
                    document: None,
                },
            );
        }
        writer.flush().map_err(io_err(&path))?;
        out.done(&relative, referrals.len());
    }
    Ok(())
}

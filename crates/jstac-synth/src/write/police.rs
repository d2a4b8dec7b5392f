//! Police crimes under the Modern Slavery Act (CSV): one row per person
//! named in a crime.

use super::ids::agency_number;
use super::noise::Noise;
use super::out::{Out, Written, csv_err, io_err};
use crate::date::{self, age_on, dmy};
use crate::error::Result;
use crate::world::World;

pub(super) fn write(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    let relative = "police_msa_crimes/wyp_msa_synth.csv";
    let path = out.path(relative)?;
    let mut writer = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    writer
        .write_record([
            "CrimeRef",
            "Offence",
            "DateFrom",
            "DateTo",
            "ReportedDate",
            "LocationPostcode",
            "OCGFlag",
            "EstProceedsGBP",
            "NominalRef",
            "Role",
            "Surname",
            "Forenames",
            "DOB",
            "Gender",
            "Nationality",
            "HomePostcode",
            "AgeAtOffence",
        ])
        .map_err(csv_err(&path))?;
    w.at("police");
    let mut line = 1;
    for case in &world.police {
        let reported = if case.reference.len() % 7 == 0 {
            String::new()
        } else {
            dmy(date::plus(case.on, 3))
        };
        for named in &case.people {
            let p = &world.people[named.person];
            let dob = (!w.chance(120)).then(|| w.dob(p));
            let (family, given) = w.names(p, false);
            let nominal = format!("N{:07}", agency_number(p.id, 1));
            let record = [
                case.reference.clone(),
                case.kind.to_owned(),
                dmy(case.on),
                case.to.map(dmy).unwrap_or_default(),
                reported.clone(),
                world.businesses[case.business].postcode.clone(),
                if case.ocg { "Y" } else { "N" }.to_owned(),
                case.amount.map(|a| format!("{a}.00")).unwrap_or_default(),
                nominal.clone(),
                named.role.to_owned(),
                family.clone(),
                given.clone(),
                dob.map(dmy).unwrap_or_default(),
                p.sex().to_owned(),
                w.nationality_field(p.nationality),
                w.postcode(&p.postcode),
                dob.map(|dob| age_on(dob, case.on).to_string())
                    .unwrap_or_default(),
            ];
            writer.write_record(&record).map_err(csv_err(&path))?;
            line += 1;
            let written = Written {
                family,
                given,
                dob,
                ..Written::default()
            };
            out.truth(
                "police",
                relative,
                format!("line {line}"),
                nominal,
                p,
                written,
            );
        }
    }
    writer.flush().map_err(io_err(&path))?;
    out.done(relative, line - 1);
    Ok(())
}

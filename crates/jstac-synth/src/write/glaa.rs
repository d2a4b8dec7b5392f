//! GLAA (ODS): the licence register with each licence's principal
//! authority, the year's inspections, and a hidden sheet of sector codes.

use super::noise::Noise;
use super::ods;
use super::out::{Out, Written};
use crate::date::{self, iso};
use crate::error::Result;
use crate::world::World;

pub(super) fn write(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    let relative = "glaa_licensing/glaa_licensing_synth.ods";
    let path = out.path(relative)?;
    let header = |names: &[&str]| ods::row(&names.iter().map(|n| ods::text(n)).collect::<Vec<_>>());
    let mut register = vec![
        ods::row(&[ods::text("GLAA licence register")]),
        ods::row(&[ods::text("OFFICIAL-SENSITIVE")]),
        ods::row(&[ods::text("As at"), ods::date(Some(date::ymd(2016, 12, 31)))]),
        ods::row(&[]),
        header(&[
            "Licence No",
            "Business Name",
            "Postcode",
            "Sector",
            "Licence Status",
            "Date Issued",
            "Status Date",
            "PA Surname",
            "PA Forenames",
            "PA Date of Birth",
            "PA Nationality",
            "Workers Supplied",
        ]),
    ];
    w.at("glaa");
    for licence in &world.glaa_licences {
        let business = &world.businesses[licence.business];
        let p = &world.people[licence.people[0].person];
        let (surname, forenames) = w.names(p, false);
        let dob = w.dob(p);
        register.push(ods::row(&[
            ods::text(&licence.reference),
            ods::text(&business.name),
            ods::text(&w.postcode(&business.postcode)),
            ods::text(business.glaa_sector),
            ods::text(licence.outcome),
            ods::date(Some(licence.on)),
            ods::date(licence.to),
            ods::text(&surname),
            ods::text(&forenames),
            ods::date(Some(dob)),
            ods::text(&w.nationality(p.nationality)),
            ods::float(licence.amount.unwrap_or(0)),
        ]));
        let key = format!("{surname}|{forenames}|{}", iso(dob));
        out.truth(
            "glaa",
            relative,
            format!("Licence register row {}", register.len()),
            key,
            p,
            Written {
                family: surname,
                given: forenames,
                dob: Some(dob),
                ..Written::default()
            },
        );
    }
    let mut inspections = vec![
        ods::row(&[ods::text("GLAA inspections, 2016")]),
        ods::row(&[ods::text("OFFICIAL-SENSITIVE")]),
        ods::row(&[]),
        header(&[
            "Inspection Ref",
            "Licence No",
            "Inspection Date",
            "Inspection Type",
            "Outcome",
            "Critical Standards Failed",
            "Workers Interviewed",
        ]),
    ];
    for inspection in &world.glaa_inspections {
        let licence = &world.glaa_licences[inspection.business];
        inspections.push(ods::row(&[
            ods::text(&inspection.reference),
            ods::text(&licence.reference),
            ods::date(Some(inspection.on)),
            ods::text(inspection.kind),
            ods::text(inspection.outcome),
            ods::float(
                u32::from(inspection.outcome == "Fail")
                    * (1 + date::day_number(inspection.on) as u32 % 4),
            ),
            ods::float(inspection.amount.unwrap_or(0)),
        ]));
    }
    let codes: Vec<String> = [
        ("AGR", "Agriculture"),
        ("FPP", "Food processing and packaging"),
        ("SHF", "Shellfish gathering"),
        ("HRT", "Horticulture"),
    ]
    .iter()
    .map(|(c, n)| ods::row(&[ods::text(c), ods::text(n)]))
    .collect();
    let tables = [
        ods::table(
            "Read me",
            &[ods::row(&[ods::text(
                "Gangmasters and Labour Abuse Authority: licensing extract (synthetic)",
            )])],
            false,
        ),
        ods::table("Licence register", &register, false),
        ods::table("Inspections", &inspections, false),
        ods::table("Sector codes", &codes, true),
    ];
    ods::save(&path, &tables)?;
    out.done(
        relative,
        world.glaa_licences.len() + world.glaa_inspections.len(),
    );
    Ok(())
}

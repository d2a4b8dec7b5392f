//! Record kinds and repeated values, on documents shaped like the public
//! sanctions lists (the UN Security Council consolidated list: two kinds of
//! record under different parents, repeated `VALUE` leaves; the OFAC SDN
//! XML: a default namespace and nested `*List/*` groups). The names and
//! numbers are synthetic.

use std::io::Cursor;

use jstac_plugin_xml::{Record, XmlError, XmlOptions, XmlRecords};
use serde_json::{Value as Json, json};

fn options(json: Json) -> XmlOptions {
    serde_json::from_value(json).expect("options")
}

fn read_ok(xml: &str, options: &XmlOptions) -> Vec<Record> {
    let records = XmlRecords::from_reader(Cursor::new(xml.as_bytes().to_vec()), options)
        .expect("document opens");
    records
        .collect::<Result<Vec<_>, XmlError>>()
        .expect("no fatal error")
}

fn open_error(options: &XmlOptions) -> String {
    match XmlRecords::from_reader(Cursor::new(b"<a/>".to_vec()), options) {
        Ok(_) => panic!("options accepted: {options:?}"),
        Err(error) => error.to_string(),
    }
}

fn reason(record: &Record) -> &str {
    match record {
        Record::Rejected { reason, .. } => reason,
        other => panic!("expected a rejected record, got {other:?}"),
    }
}

const UN_SHAPED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" dateGenerated="2030-01-01T00:00:00Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>9000001</DATAID>
      <FIRST_NAME>ANA</FIRST_NAME>
      <SECOND_NAME>EXAMPLE</SECOND_NAME>
      <NATIONALITY>
        <VALUE>Utopia</VALUE>
        <VALUE>Erewhon</VALUE>
      </NATIONALITY>
      <INDIVIDUAL_ALIAS>
        <QUALITY>Good</QUALITY>
        <ALIAS_NAME>Ana Exemplar</ALIAS_NAME>
      </INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS>
        <QUALITY>Low</QUALITY>
        <ALIAS_NAME>The Example</ALIAS_NAME>
      </INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>EXACT</TYPE_OF_DATE>
        <DATE>1970-01-02</DATE>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE>
        <FROM_YEAR>1968</FROM_YEAR>
        <TO_YEAR>1971</TO_YEAR>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT>
        <TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT>
        <NUMBER>X0000001</NUMBER>
        <ISSUING_COUNTRY>Utopia</ISSUING_COUNTRY>
      </INDIVIDUAL_DOCUMENT>
    </INDIVIDUAL>
    <INDIVIDUAL>
      <DATAID>9000002</DATAID>
      <FIRST_NAME>BEN</FIRST_NAME>
      <NATIONALITY>
        <VALUE/>
      </NATIONALITY>
      <INDIVIDUAL_ALIAS>
        <QUALITY/>
        <ALIAS_NAME/>
      </INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE>
        <YEAR>1980</YEAR>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT/>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>9000101</DATAID>
      <FIRST_NAME>EXAMPLE TRADING CO</FIRST_NAME>
      <ENTITY_ALIAS>
        <QUALITY>a.k.a.</QUALITY>
        <ALIAS_NAME>Example Trading</ALIAS_NAME>
      </ENTITY_ALIAS>
      <ENTITY_ADDRESS>
        <CITY>Metropolis</CITY>
        <COUNTRY>Utopia</COUNTRY>
      </ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>"#;

fn un_options() -> XmlOptions {
    options(json!({
        "record": ["/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL", "CONSOLIDATED_LIST/ENTITIES/ENTITY"],
        "record_field": "RecordKind",
        "fields": { "DATAID": "DATAID", "FIRST_NAME": "FIRST_NAME", "SECOND_NAME": "SECOND_NAME" },
        "groups": {
            "Nationality": { "path": "NATIONALITY/VALUE", "fields": { "Value": "." } },
            "Alias": { "path": "INDIVIDUAL_ALIAS", "fields": { "Quality": "QUALITY", "Name": "ALIAS_NAME" } },
            "EntityAlias": { "path": "ENTITY_ALIAS", "fields": { "Quality": "QUALITY", "Name": "ALIAS_NAME" } },
            "Dob": {
                "path": "INDIVIDUAL_DATE_OF_BIRTH",
                "fields": { "Type": "TYPE_OF_DATE", "Date": "DATE", "Year": "YEAR", "From": "FROM_YEAR", "To": "TO_YEAR" },
            },
            "Document": {
                "path": "INDIVIDUAL_DOCUMENT",
                "fields": { "Type": "TYPE_OF_DOCUMENT", "Number": "NUMBER", "Country": "ISSUING_COUNTRY" },
            },
            "Address": { "path": "ENTITY_ADDRESS", "fields": { "City": "CITY", "Country": "COUNTRY" } },
        },
    }))
}

#[test]
fn one_pipeline_reads_two_kinds_of_record_and_says_which_each_is() {
    let records = read_ok(UN_SHAPED, &un_options());
    assert_eq!(records.len(), 3);
    let kinds: Vec<_> = records.iter().map(|r| r.text("RecordKind")).collect();
    assert_eq!(
        kinds,
        [Some("INDIVIDUAL"), Some("INDIVIDUAL"), Some("ENTITY")]
    );
    let ids: Vec<_> = records.iter().map(|r| r.text("DATAID")).collect();
    assert_eq!(ids, [Some("9000001"), Some("9000002"), Some("9000101")]);
    // Each path counts its own records; the locator names the path matched.
    let locators: Vec<_> = records.iter().map(Record::locator).collect();
    assert_eq!(
        locators,
        [
            "/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[1], line 4",
            "/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[2], line 35",
            "/CONSOLIDATED_LIST/ENTITIES/ENTITY[1], line 53",
        ]
    );
    // Fields and groups a kind does not have are null and empty.
    assert_eq!(records[2].text("SECOND_NAME"), None);
    assert_eq!(
        records[2].list("Alias.Name").unwrap(),
        Vec::<Option<&str>>::new()
    );
    assert_eq!(
        records[2].list("EntityAlias.Name").unwrap(),
        [Some("Example Trading")]
    );
    assert_eq!(
        records[2].list("Address.City").unwrap(),
        [Some("Metropolis")]
    );
    assert_eq!(
        records[0].list("Address.City").unwrap(),
        Vec::<Option<&str>>::new()
    );

    // The record field is an ordinary single field, declared first.
    let reader = XmlRecords::from_reader(Cursor::new(UN_SHAPED), &un_options()).unwrap();
    let first = &reader.fields()[0];
    assert_eq!(first.name, "RecordKind");
    assert_eq!(first.shape, jstac_plugin_xml::FieldShape::Single);
}

#[test]
fn several_groups_per_record_each_aligned_by_its_own_elements() {
    let records = read_ok(UN_SHAPED, &un_options());
    let ana = &records[0];
    assert_eq!(
        ana.list("Alias.Quality").unwrap(),
        [Some("Good"), Some("Low")]
    );
    assert_eq!(
        ana.list("Alias.Name").unwrap(),
        [Some("Ana Exemplar"), Some("The Example")]
    );
    assert_eq!(
        ana.list("Dob.Type").unwrap(),
        [Some("EXACT"), Some("BETWEEN")]
    );
    assert_eq!(ana.list("Dob.Date").unwrap(), [Some("1970-01-02"), None]);
    assert_eq!(ana.list("Dob.From").unwrap(), [None, Some("1968")]);
    assert_eq!(ana.list("Dob.To").unwrap(), [None, Some("1971")]);
    assert_eq!(ana.list("Document.Number").unwrap(), [Some("X0000001")]);
    assert_eq!(ana.list("Document.Country").unwrap(), [Some("Utopia")]);

    // Empty elements give empty text (an element present), missing
    // children null: the mapping skips both.
    let ben = &records[1];
    assert_eq!(ben.list("Alias.Name").unwrap(), [Some("")]);
    assert_eq!(ben.list("Document.Type").unwrap(), [None]);
    assert_eq!(ben.list("Dob.Year").unwrap(), [Some("1980")]);
}

#[test]
fn a_repeated_leaf_is_a_group_of_its_own_with_the_field_dot() {
    let records = read_ok(UN_SHAPED, &un_options());
    assert_eq!(
        records[0].list("Nationality.Value").unwrap(),
        [Some("Utopia"), Some("Erewhon")]
    );
    assert_eq!(records[1].list("Nationality.Value").unwrap(), [Some("")]);
    assert_eq!(
        records[2].list("Nationality.Value").unwrap(),
        Vec::<Option<&str>>::new()
    );
}

#[test]
fn a_field_over_repeated_elements_quarantines_the_record_never_keeps_one() {
    let opts = options(json!({
        "record": "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL",
        "fields": { "DATAID": "DATAID", "Nationality": "NATIONALITY/VALUE" },
    }));
    let records = read_ok(UN_SHAPED, &opts);
    assert_eq!(records.len(), 2);
    let why = reason(&records[0]);
    assert!(why.contains("field \"Nationality\""), "{why}");
    assert!(why.contains("more than one element"), "{why}");
    assert!(why.contains("group"), "{why}");
    assert!(
        !why.contains("Utopia") && !why.contains("Erewhon"),
        "no values: {why}"
    );
    // The next record, with one such element, reads.
    assert_eq!(records[1].text("Nationality"), Some(""));

    // The parent element is one value: all the text inside it, run together.
    let whole = options(json!({
        "record": "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL",
        "fields": { "Nationality": "NATIONALITY" },
    }));
    let records = read_ok(UN_SHAPED, &whole);
    let text = records[0].text("Nationality").unwrap();
    assert!(
        text.starts_with("Utopia") && text.ends_with("Erewhon"),
        "{text:?}"
    );

    // A group field over elements repeated inside one group element.
    let in_group = options(json!({
        "record": "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL",
        "groups": { "Dob": { "path": ".", "fields": { "Type": "INDIVIDUAL_DATE_OF_BIRTH/TYPE_OF_DATE" } } },
    }));
    let records = read_ok(UN_SHAPED, &in_group);
    let why = reason(&records[0]);
    assert!(
        why.contains("field \"Dob.Type\"") && why.contains("one Dob element"),
        "{why}"
    );
    assert_eq!(
        records[1].list("Dob.Type").unwrap(),
        [Some("APPROXIMATELY")]
    );

    // An attribute on repeated elements likewise.
    let xml = r#"<Feed><Report><Subject role="a"/><Subject role="b"/></Report><Report><Subject role="c"/></Report></Feed>"#;
    let attribute =
        options(json!({ "record": "Feed/Report", "fields": { "Role": "Subject/@role" } }));
    let records = read_ok(xml, &attribute);
    assert!(reason(&records[0]).contains("field \"Role\""));
    assert_eq!(records[1].text("Role"), Some("c"));
}

const SDN_SHAPED: &str = r#"<?xml version="1.0" standalone="yes"?>
<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://tempuri.org/sdnList.xsd">
  <publshInformation>
    <Publish_Date>01/02/2030</Publish_Date>
    <Record_Count>2</Record_Count>
  </publshInformation>
  <sdnEntry>
    <uid>1001</uid>
    <firstName>Ana</firstName>
    <lastName>EXAMPLE</lastName>
    <sdnType>Individual</sdnType>
    <programList>
      <program>PROGRAM-A</program>
      <program>PROGRAM-B</program>
    </programList>
    <idList>
      <id><uid>11</uid><idType>Passport</idType><idNumber>X0000001</idNumber><idCountry>Utopia</idCountry></id>
      <id><uid>12</uid><idType>National ID No.</idType><idNumber>000-111</idNumber></id>
    </idList>
    <akaList>
      <aka><uid>21</uid><type>a.k.a.</type><category>strong</category><lastName>EXEMPLAR</lastName><firstName>Ana</firstName></aka>
      <aka><uid>22</uid><type>a.k.a.</type><category>weak</category><lastName>THE EXAMPLE</lastName></aka>
    </akaList>
    <nationalityList>
      <nationality><uid>31</uid><country>Utopia</country><mainEntry>true</mainEntry></nationality>
      <nationality><uid>32</uid><country>Erewhon</country><mainEntry>false</mainEntry></nationality>
    </nationalityList>
    <dateOfBirthList>
      <dateOfBirthItem><uid>41</uid><dateOfBirth>02 Jan 1970</dateOfBirth><mainEntry>true</mainEntry></dateOfBirthItem>
      <dateOfBirthItem><uid>42</uid><dateOfBirth>1971</dateOfBirth><mainEntry>false</mainEntry></dateOfBirthItem>
    </dateOfBirthList>
  </sdnEntry>
  <sdnEntry>
    <uid>1002</uid>
    <lastName>EXAMPLE SHIPPING LTD</lastName>
    <sdnType>Entity</sdnType>
    <programList><program>PROGRAM-A</program></programList>
    <addressList>
      <address><uid>51</uid><address1>1 Example Street</address1><city>Metropolis</city><country>Utopia</country></address>
    </addressList>
  </sdnEntry>
</sdnList>"#;

#[test]
fn a_default_namespace_and_nested_list_groups_read_without_prefixes_or_with_one() {
    let groups = json!({
        "Program": { "path": "programList/program", "fields": { "Name": "." } },
        "Aka": { "path": "akaList/aka", "fields": { "Category": "category", "Last": "lastName", "First": "firstName" } },
        "Id": { "path": "idList/id", "fields": { "Type": "idType", "Number": "idNumber", "Country": "idCountry" } },
        "Nationality": { "path": "nationalityList/nationality", "fields": { "Country": "country", "Main": "mainEntry" } },
        "Dob": { "path": "dateOfBirthList/dateOfBirthItem", "fields": { "Date": "dateOfBirth" } },
        "Address": { "path": "addressList/address", "fields": { "City": "city", "Country": "country" } },
    });
    let unprefixed = options(json!({
        "record": "/sdnList/sdnEntry",
        "fields": { "Uid": "uid", "Type": "sdnType", "Last": "lastName" },
        "groups": groups,
    }));
    let prefixed = options(json!({
        "record": "/s:sdnList/s:sdnEntry",
        "namespaces": { "s": "http://tempuri.org/sdnList.xsd" },
        "fields": { "Uid": "s:uid" },
        "groups": { "Aka": { "path": "s:akaList/s:aka", "fields": { "Last": "s:lastName" } } },
    }));
    let records = read_ok(SDN_SHAPED, &unprefixed);
    assert_eq!(records.len(), 2);
    let ana = &records[0];
    // The entry's own uid, not its children's: `uid` is a direct child.
    assert_eq!(ana.text("Uid"), Some("1001"));
    assert_eq!(
        ana.list("Program.Name").unwrap(),
        [Some("PROGRAM-A"), Some("PROGRAM-B")]
    );
    assert_eq!(
        ana.list("Aka.Category").unwrap(),
        [Some("strong"), Some("weak")]
    );
    assert_eq!(ana.list("Aka.First").unwrap(), [Some("Ana"), None]);
    assert_eq!(ana.list("Id.Country").unwrap(), [Some("Utopia"), None]);
    assert_eq!(
        ana.list("Nationality.Country").unwrap(),
        [Some("Utopia"), Some("Erewhon")]
    );
    assert_eq!(
        ana.list("Dob.Date").unwrap(),
        [Some("02 Jan 1970"), Some("1971")]
    );
    assert_eq!(
        records[1].list("Address.City").unwrap(),
        [Some("Metropolis")]
    );
    assert_eq!(
        records[1].list("Aka.Last").unwrap(),
        Vec::<Option<&str>>::new()
    );

    let records = read_ok(SDN_SHAPED, &prefixed);
    assert_eq!(records[0].text("Uid"), Some("1001"));
    assert_eq!(
        records[0].list("Aka.Last").unwrap(),
        [Some("EXEMPLAR"), Some("THE EXAMPLE")]
    );
}

#[test]
fn record_path_mistakes_are_reported_before_reading() {
    let with = |record: Json, extra: Json| {
        let mut value = json!({ "record": record, "fields": { "Id": "@id" } });
        if let (Some(target), Some(more)) = (value.as_object_mut(), extra.as_object()) {
            target.extend(more.clone());
        }
        open_error(&options(value))
    };
    let error = with(json!([]), json!({}));
    assert!(
        error.contains("record: the list of record paths is empty"),
        "{error}"
    );
    let error = with(json!(["/A/B", "A/B"]), json!({}));
    assert!(
        error.contains("record[2]") && error.contains("listed twice"),
        "{error}"
    );
    let error = with(json!(["/A/B", "/A/B/C"]), json!({}));
    assert!(error.contains("records do not nest"), "{error}");
    let error = with(json!(["/A/B", "/A/C/"]), json!({}));
    assert!(
        error.contains("record[2]") && error.contains("empty step"),
        "{error}"
    );
    let error = with(
        json!(["/A/Item", "/B/Item"]),
        json!({ "record_field": "Kind" }),
    );
    assert!(
        error.contains("record_field") && error.contains("same element name"),
        "{error}"
    );
    let error = with(json!(["/A/B", "/A/C"]), json!({ "record_field": "Id" }));
    assert!(error.contains("declared twice"), "{error}");
    let error = with(json!("/A/B"), json!({ "record_field": " " }));
    assert!(error.contains("record_field: the name is empty"), "{error}");
    // One path as a string, as before; a one-path list is the same.
    let one = options(json!({ "record": "A/B", "fields": { "Id": "@id" } }));
    let listed =
        options(json!({ "record": ["A/B"], "record_field": "Kind", "fields": { "Id": "@id" } }));
    let xml = r#"<A><B id="1"/><C id="x"/><B id="2"/></A>"#;
    assert_eq!(read_ok(xml, &one).len(), 2);
    let records = read_ok(xml, &listed);
    assert_eq!(records[1].text("Kind"), Some("B"));
    assert_eq!(records[1].locator(), "/A/B[2], line 1");
}

#[test]
fn records_of_several_paths_interleave_in_document_order() {
    let xml = r#"<Root>
  <People><Person id="p1"/></People>
  <Orgs><Org id="o1"/><Org id="o2"/></Orgs>
  <People><Person id="p2"/><Other><Person id="not a record"/></Other></People>
</Root>"#;
    let opts = options(json!({
        "record": ["Root/People/Person", "Root/Orgs/Org"],
        "record_field": "Kind",
        "fields": { "Id": "@id" },
    }));
    let records = read_ok(xml, &opts);
    let got: Vec<_> = records
        .iter()
        .map(|r| (r.text("Kind").unwrap(), r.text("Id").unwrap(), r.locator()))
        .collect();
    assert_eq!(
        got,
        [
            ("Person", "p1", "/Root/People/Person[1], line 2"),
            ("Org", "o1", "/Root/Orgs/Org[1], line 3"),
            ("Org", "o2", "/Root/Orgs/Org[2], line 3"),
            ("Person", "p2", "/Root/People/Person[2], line 4"),
        ]
    );
}

#[test]
fn the_options_schema_takes_one_record_path_or_a_list() {
    let schema = serde_json::to_value(schemars::schema_for!(XmlOptions)).expect("schema");
    let text = schema.to_string();
    let record = &schema["properties"]["record"];
    assert!(!record.is_null(), "{text}");
    let record = record.to_string();
    // Resolved or by reference, the two shapes are there.
    let shapes = if record.contains("$ref") {
        text
    } else {
        record
    };
    assert!(shapes.contains("\"type\":\"string\""), "{shapes}");
    assert!(shapes.contains("\"type\":\"array\""), "{shapes}");
    assert!(shapes.contains("\"minItems\":1"), "{shapes}");
    assert!(schema["properties"]["record_field"].is_object(), "{schema}");
}

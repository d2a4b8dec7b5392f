//! The reading core, driven directly (no FFI): options as the runner sends
//! them (JSON), documents as bytes, records as the iterator yields them.

use std::io::Cursor;

use jstac_plugin_xml::{Record, XmlError, XmlOptions, XmlRecords};
use serde_json::{Value as Json, json};

fn options(json: Json) -> XmlOptions {
    serde_json::from_value(json).expect("options")
}

/// Every record read, and the error that stopped reading, if any.
fn read(xml: impl Into<Vec<u8>>, options: &XmlOptions) -> (Vec<Record>, Option<XmlError>) {
    let records =
        XmlRecords::from_reader(Cursor::new(xml.into()), options).expect("document opens");
    let mut out = Vec::new();
    for record in records {
        match record {
            Ok(record) => out.push(record),
            Err(error) => return (out, Some(error)),
        }
    }
    (out, None)
}

/// The records of a document that must read without a fatal error.
fn read_ok(xml: impl Into<Vec<u8>>, options: &XmlOptions) -> Vec<Record> {
    let (records, error) = read(xml, options);
    assert!(error.is_none(), "unexpected error: {error:?}");
    records
}

fn texts<'a>(records: &'a [Record], field: &str) -> Vec<Option<&'a str>> {
    records.iter().map(|r| r.text(field)).collect()
}

fn everything(records: &[Record], error: &Option<XmlError>) -> String {
    format!("{records:?} {error:?}")
}

#[test]
fn the_same_namespace_matches_under_any_prefix_or_as_the_default() {
    let xml = r#"<?xml version="1.0"?>
<a:Feed xmlns:a="urn:example:intel" xmlns:b="urn:example:intel">
  <a:Report id="R1"><a:Name>first</a:Name></a:Report>
  <b:Report id="R2"><b:Name>second</b:Name></b:Report>
  <Report xmlns="urn:example:intel" id="R3"><Name>third</Name></Report>
  <c:Report xmlns:c="urn:example:other" id="R4"><c:Name>other namespace</c:Name></c:Report>
  <Report id="R5"><Name>no namespace</Name></Report>
</a:Feed>"#;
    let namespaced = options(json!({
        "record": "/ir:Feed/ir:Report",
        "namespaces": { "ir": "urn:example:intel" },
        "fields": { "Id": "@id", "Name": "ir:Name" },
    }));
    let records = read_ok(xml, &namespaced);
    assert_eq!(texts(&records, "Id"), [Some("R1"), Some("R2"), Some("R3")]);
    assert_eq!(
        texts(&records, "Name"),
        [Some("first"), Some("second"), Some("third")]
    );

    // Unprefixed steps match the local name in any namespace.
    let any = options(json!({
        "record": "Feed/Report",
        "fields": { "Id": "@id", "Name": "Name" },
    }));
    let records = read_ok(xml, &any);
    assert_eq!(
        texts(&records, "Id"),
        [Some("R1"), Some("R2"), Some("R3"), Some("R4"), Some("R5")]
    );

    // The whole document in a default namespace, options with a prefix.
    let default =
        r#"<Feed xmlns="urn:example:intel"><Report id="D1"><Name>x</Name></Report></Feed>"#;
    let records = read_ok(default, &namespaced);
    assert_eq!(texts(&records, "Id"), [Some("D1")]);
    assert_eq!(texts(&records, "Name"), [Some("x")]);
}

#[test]
fn repeated_groups_give_lists_aligned_by_element() {
    let xml = r#"<Feed>
  <Report id="R1">
    <Subjects>
      <Subject id="S1" role="suspect"><Name>HOXHA, Ana</Name><DOB>1990-03-02</DOB></Subject>
      <Subject id="S2"><Name>TRAN Van</Name></Subject>
      <Subject id="S3" role="victim"><DOB>2001-07-15</DOB><Name>NGUYEN Thi Lan</Name></Subject>
      <Subject id="S4" role="witness"/>
    </Subjects>
  </Report>
  <Report id="R2"/>
</Feed>"#;
    let opts = options(json!({
        "record": "/Feed/Report",
        "fields": { "Id": "@id", "Subjects": "Subjects/@count" },
        "groups": {
            "Subject": {
                "path": "Subjects/Subject",
                "fields": { "Id": "@id", "Role": "@role", "Name": "Name", "DOB": "DOB" },
            },
        },
    }));
    let records = read_ok(xml, &opts);
    assert_eq!(records.len(), 2);
    let report = &records[0];
    assert_eq!(
        report.list("Subject.Id").unwrap(),
        [Some("S1"), Some("S2"), Some("S3"), Some("S4")]
    );
    assert_eq!(
        report.list("Subject.Name").unwrap(),
        [
            Some("HOXHA, Ana"),
            Some("TRAN Van"),
            Some("NGUYEN Thi Lan"),
            None
        ]
    );
    assert_eq!(
        report.list("Subject.DOB").unwrap(),
        [Some("1990-03-02"), None, Some("2001-07-15"), None]
    );
    assert_eq!(
        report.list("Subject.Role").unwrap(),
        [Some("suspect"), None, Some("victim"), Some("witness")]
    );
    assert_eq!(report.text("Subjects"), None);
    // A record without the group has empty lists, not missing ones.
    assert_eq!(
        records[1].list("Subject.Name").unwrap(),
        Vec::<Option<&str>>::new()
    );
    assert_eq!(records[1].text("Id"), Some("R2"));

    let reader = XmlRecords::from_reader(Cursor::new(xml), &opts).unwrap();
    let names: Vec<&str> = reader.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Id",
            "Subjects",
            "Subject.DOB",
            "Subject.Id",
            "Subject.Name",
            "Subject.Role"
        ]
    );
}

#[test]
fn attributes_by_name_and_namespace() {
    let xml = r#"<Feed xmlns:x="urn:example:x" xmlns:y="urn:example:x">
  <Report id="R1" x:id="namespaced" y:code="C-1"><Location kind="home" x:kind="other"/></Report>
</Feed>"#;
    let opts = options(json!({
        "record": "/Feed/Report",
        "namespaces": { "ns": "urn:example:x" },
        "fields": {
            "Id": "@id",
            "NsId": "@ns:id",
            "Code": "@ns:code",
            "Kind": "Location/@kind",
            "Missing": "@absent",
        },
    }));
    let records = read_ok(xml, &opts);
    let record = &records[0];
    assert_eq!(
        record.text("Id"),
        Some("R1"),
        "unprefixed: no namespace only"
    );
    assert_eq!(record.text("NsId"), Some("namespaced"));
    assert_eq!(
        record.text("Code"),
        Some("C-1"),
        "any prefix of the namespace"
    );
    assert_eq!(record.text("Kind"), Some("home"));
    assert_eq!(record.text("Missing"), None);
}

#[test]
fn text_includes_cdata_and_descendants_and_is_trimmed() {
    let xml = "<Feed>\r\n<Report>\r\n  <Narrative>  Seen at <![CDATA[<the> & \"depot\"]]> on\r\n the 3rd  </Narrative>\
               <Location><Town>Leeds</Town><Postcode>LS1 4AP</Postcode></Location><Empty/><Blank>   </Blank></Report></Feed>";
    let opts = options(json!({
        "record": "Feed/Report",
        "fields": {
            "Narrative": "Narrative",
            "Location": "Location",
            "Empty": "Empty",
            "Blank": "Blank",
            "Whole": ".",
        },
    }));
    let records = read_ok(xml, &opts);
    let record = &records[0];
    assert_eq!(
        record.text("Narrative"),
        Some("Seen at <the> & \"depot\" on\n the 3rd")
    );
    assert_eq!(record.text("Location"), Some("LeedsLS1 4AP"));
    assert_eq!(record.text("Empty"), Some(""), "present but empty");
    assert_eq!(record.text("Blank"), Some(""));
    assert!(record.text("Whole").unwrap().starts_with("Seen at"));

    let untrimmed = options(json!({
        "record": "Feed/Report",
        "fields": { "Narrative": "Narrative" },
        "trim": false,
    }));
    let records = read_ok(xml, &untrimmed);
    assert_eq!(
        records[0].text("Narrative"),
        Some("  Seen at <the> & \"depot\" on\n the 3rd  ")
    );
}

#[test]
fn predefined_entities_and_character_references_are_decoded() {
    let xml = r#"<Feed><Report ref="A&amp;B &#x41;&#66; &quot;q&quot;">
  <Name>O&apos;Neil &lt;&gt; &amp;amp; &#233;&#x10348;</Name></Report></Feed>"#;
    let opts = options(json!({
        "record": "Feed/Report",
        "fields": { "Ref": "@ref", "Name": "Name" },
    }));
    let records = read_ok(xml, &opts);
    assert_eq!(records[0].text("Ref"), Some("A&B AB \"q\""));
    assert_eq!(records[0].text("Name"), Some("O'Neil <> &amp; é\u{10348}"));
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut bytes = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

#[test]
fn utf16_with_a_byte_order_mark_and_iso_8859_1_from_the_declaration() {
    let opts = options(json!({
        "record": "/ie:Encounters/ie:Encounter",
        "namespaces": { "ie": "urn:example:ie" },
        "fields": { "Ref": "@ref", "Name": "ie:Name" },
    }));
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<e:Encounters xmlns:e=\"urn:example:ie\">\n\
               <e:Encounter ref=\"E1\"><e:Name>Đặng Thị Hoa</e:Name></e:Encounter>\n\
               <e:Encounter ref=\"E2\"><e:Name>Seán Ó Briain</e:Name></e:Encounter>\n</e:Encounters>\n";
    for big_endian in [false, true] {
        let records = read_ok(utf16(xml, big_endian), &opts);
        assert_eq!(
            texts(&records, "Name"),
            [Some("Đặng Thị Hoa"), Some("Seán Ó Briain")]
        );
        // Lines are counted in the text, whatever the encoding.
        assert_eq!(
            records[1].locator(),
            "/ie:Encounters/ie:Encounter[2], line 4"
        );
    }

    // UTF-8 with a byte-order mark.
    let bom = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?><Encounters xmlns=\"urn:example:ie\"><Encounter ref=\"E1\"><Name>Ștefan</Name></Encounter></Encounters>";
    assert_eq!(read_ok(bom, &opts)[0].text("Name"), Some("Ștefan"));

    let mut latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<Encounters xmlns=\"urn:example:ie\">\n<Encounter ref=\"E\xc91\"><Name>Jos\xe9 M\xfcller</Name></Encounter>\n</Encounters>\n".to_vec();
    let records = read_ok(latin1.clone(), &opts);
    assert_eq!(records[0].text("Name"), Some("José Müller"));
    assert_eq!(records[0].text("Ref"), Some("EÉ1"));

    // The same bytes declared (or defaulting to) UTF-8 are refused, naming the line.
    latin1.drain(..latin1.iter().position(|&b| b == b'\n').unwrap() + 1);
    let (records, error) = read(latin1, &opts);
    assert!(records.is_empty());
    match error {
        Some(XmlError::Malformed { line, message, .. }) => {
            assert_eq!(line, 2, "{message}");
            assert!(message.contains("UTF-8"), "{message}");
        }
        other => panic!("expected a malformed-document error, got {other:?}"),
    }

    // A declared encoding the plugin cannot read is an error at open.
    let unknown = "<?xml version=\"1.0\" encoding=\"x-klingon\"?><Encounters/>";
    let error = XmlRecords::from_reader(Cursor::new(unknown), &opts)
        .err()
        .expect("unsupported encoding");
    assert!(error.to_string().contains("x-klingon"), "{error}");
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE Feed [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Feed>
  <Report id="R1"><Name>&lol9;</Name></Report>
  <Report id="R2" note="&lol9;"><Name>fine</Name></Report>
  <Report id="R3"><Name>also fine</Name></Report>
</Feed>"#;

#[test]
fn an_entity_expansion_bomb_is_quarantined_not_expanded() {
    let opts = options(json!({
        "record": "Feed/Report",
        "fields": { "Id": "@id", "Name": "Name", "Note": "@note" },
    }));
    let (records, error) = read(BILLION_LAUGHS, &opts);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(records.len(), 3);
    for (record, line) in records[..2].iter().zip([15, 16]) {
        match record {
            Record::Rejected {
                locator,
                reason,
                raw,
            } => {
                assert_eq!(
                    locator,
                    &format!("/Feed/Report[{}], line {line}", line - 14)
                );
                assert!(reason.contains("&lol9;"), "{reason}");
                assert!(reason.contains("never expanded"), "{reason}");
                assert!(raw.contains("&lol9;") && !raw.contains("lollol"), "{raw}");
            }
            other => panic!("expected a rejected record, got {other:?}"),
        }
    }
    assert_eq!(records[2].text("Name"), Some("also fine"));
    assert!(!everything(&records, &error).contains("lollol"));
}

#[test]
fn an_external_entity_is_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-CONTENT-4f1c").unwrap();
    let xml = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE Feed [
  <!ENTITY xxe SYSTEM "file://{path}">
  <!ENTITY % remote SYSTEM "file://{path}">
  %remote;
]>
<Feed>
  <Report id="R1"><Name>&xxe;</Name></Report>
  <Report id="R2" note="&xxe;"><Name>x</Name></Report>
  <Report id="R3"><Name>ok</Name></Report>
</Feed>"#,
        path = secret.display()
    );
    let opts = options(json!({
        "record": "Feed/Report",
        "fields": { "Id": "@id", "Name": "Name", "Note": "@note" },
    }));
    let (records, error) = read(xml, &opts);
    let all = everything(&records, &error);
    assert!(!all.contains("TOP-SECRET"), "{all}");
    assert!(error.is_none(), "{error:?}");
    assert!(matches!(&records[0], Record::Rejected { reason, .. } if reason.contains("&xxe;")));
    assert!(matches!(&records[1], Record::Rejected { reason, .. } if reason.contains("&xxe;")));
    assert_eq!(records[2].text("Name"), Some("ok"));
}

#[test]
fn deep_nesting_rejects_its_record_without_a_stack_overflow() {
    let depth = 100_000;
    let mut xml = String::with_capacity(depth * 8);
    xml.push_str("<Feed><Report>");
    for _ in 0..depth {
        xml.push_str("<a>");
    }
    for _ in 0..depth {
        xml.push_str("</a>");
    }
    xml.push_str("</Report><Report><a><a>next</a></a></Report></Feed>");
    // A small stack: reading must not recurse.
    let (records, error) = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let opts = options(json!({ "record": "Feed/Report", "fields": { "A": "a/a" } }));
            read(xml, &opts)
        })
        .unwrap()
        .join()
        .unwrap();
    // Confined to its record: that record is rejected, the next one read.
    assert!(error.is_none(), "{error:?}");
    match &records[..] {
        [
            Record::Rejected {
                locator, reason, ..
            },
            next,
        ] => {
            assert_eq!(reason, "elements nested deeper than max_depth (256)");
            assert!(locator.contains("/Feed/Report[1]"), "{locator}");
            assert_eq!(next.text("A"), Some("next"));
        }
        other => panic!("expected a rejected record and a read one, got {other:?}"),
    }

    // Outside any record, too deep nesting stops the file.
    let mut xml = String::from("<Feed>");
    for _ in 0..300 {
        xml.push_str("<a>");
    }
    let opts = options(json!({ "record": "Feed/Report", "fields": { "A": "a" } }));
    match read(xml, &opts).1 {
        Some(XmlError::Malformed { message, .. }) => {
            assert_eq!(message, "elements nested deeper than max_depth (256)");
        }
        other => panic!("expected a depth error, got {other:?}"),
    }

    // The limit is the option's.
    let xml = "<Feed><Report><a><b><c>deep</c></b></a></Report></Feed>";
    let shallow =
        options(json!({ "record": "Feed/Report", "fields": { "C": "a/b/c" }, "max_depth": 4 }));
    assert!(matches!(
        &read(xml, &shallow).0[..],
        [Record::Rejected { .. }]
    ));
    let enough =
        options(json!({ "record": "Feed/Report", "fields": { "C": "a/b/c" }, "max_depth": 5 }));
    assert_eq!(read_ok(xml, &enough)[0].text("C"), Some("deep"));
}

#[test]
fn a_truncated_file_keeps_whole_records_and_stops_with_the_line() {
    let whole = "<Feed>\n<Report id=\"R1\"><Name>one</Name></Report>\n<Report id=\"R2\"><Name>two</Name></Report>\n<Report id=\"R3\"><Name>thr";
    let opts =
        options(json!({ "record": "Feed/Report", "fields": { "Id": "@id", "Name": "Name" } }));
    // Mid-text, mid-tag (`<Na`), just after the record's start tag.
    for cut in [whole.len(), whole.len() - 6, whole.len() - 9] {
        let (records, error) = read(&whole[..cut], &opts);
        assert_eq!(texts(&records, "Id"), [Some("R1"), Some("R2")], "cut {cut}");
        match error {
            Some(XmlError::Malformed {
                line,
                message,
                byte,
            }) => {
                assert_eq!(line, 4, "cut {cut}: {message}");
                assert!(byte.is_some());
                assert!(
                    message.contains("(in record /Feed/Report[3], line 4)"),
                    "{message}"
                );
            }
            other => panic!("cut {cut}: expected a truncation error, got {other:?}"),
        }
    }
    // Cut inside the record's own start tag.
    let (records, error) = read(&whole[..whole.len() - 14], &opts);
    assert_eq!(records.len(), 2);
    let error = error.expect("truncation error").to_string();
    assert!(
        error.starts_with("line 4 (byte 91): syntax error: tag not closed"),
        "{error}"
    );
    // Cut between records: the root is still open.
    let between = &whole[..whole.find("<Report id=\"R3\"").unwrap()];
    let (records, error) = read(between, &opts);
    assert_eq!(records.len(), 2);
    let error = error.expect("truncation error").to_string();
    assert!(error.contains("truncated"), "{error}");
}

#[test]
fn forbidden_characters_and_mismatched_tags_stop_reading_with_the_position() {
    let opts = options(json!({ "record": "Feed/Report", "fields": { "Name": "Name" } }));
    let (records, error) = read(
        "<Feed>\n<Report><Name>ok</Name></Report>\n<Report><Name>bad\u{1}</Name></Report></Feed>",
        &opts,
    );
    assert_eq!(records.len(), 1);
    let error = error.expect("illegal character").to_string();
    assert!(
        error.starts_with("line 3 (byte 57): character U+0001 is not allowed"),
        "{error}"
    );

    // U+FFFF is not an XML character either (bytes EF BF BF).
    let (_, error) = read("<Feed><Report><Name>\u{FFFF}</Name></Report></Feed>", &opts);
    let error = error.expect("noncharacter").to_string();
    assert!(error.contains("U+FFFF is not allowed"), "{error}");

    // An undeclared prefix on an element the path looks at.
    let (_, error) = read("<Feed><Report><x:Name>a</x:Name></Report></Feed>", &opts);
    let error = error.expect("unbound prefix").to_string();
    assert!(error.contains("prefix \"x\" is not declared"), "{error}");

    let (records, error) = read("<Feed><Report><Name>x</Nmae></Report></Feed>", &opts);
    assert!(records.is_empty());
    assert!(error.expect("mismatch").to_string().contains("Nmae"));

    let (_, error) = read("<Feed><Report><Name>a & b</Name></Report></Feed>", &opts);
    assert!(
        matches!(error, Some(XmlError::Malformed { .. })),
        "{error:?}"
    );
}

#[test]
fn a_record_over_max_record_bytes_is_quarantined_and_reading_goes_on() {
    let narrative = "word ".repeat(1000);
    let xml = format!(
        "<Feed><Report id=\"R1\"><Name>small</Name></Report>\n<Report id=\"R2\">{}</Report>\n<Report id=\"R3\"><Name>after</Name></Report></Feed>",
        format!("<Note>{narrative}</Note>\n").repeat(3)
    );
    let opts = options(json!({
        "record": "Feed/Report",
        "fields": { "Id": "@id", "Name": "Name" },
        "max_record_bytes": 8192,
    }));
    let records = read_ok(xml.clone(), &opts);
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].text("Name"), Some("small"));
    match &records[1] {
        Record::Rejected { reason, raw, .. } => {
            assert!(reason.contains("max_record_bytes (8192 bytes)"), "{reason}");
            assert!(raw.starts_with("<Report id=\"R2\">"), "{raw}");
            assert!(raw.len() < 8192 + 100, "raw is cut: {}", raw.len());
        }
        other => panic!("expected a rejected record, got {other:?}"),
    }
    assert_eq!(records[2].text("Name"), Some("after"));

    // One token over the limit stops the file (quick-xml would buffer it whole).
    let huge = format!(
        "<Feed><Report><Name>{}</Name></Report></Feed>",
        "x".repeat(20_000)
    );
    let (_, error) = read(huge, &opts);
    let error = error.expect("token too long").to_string();
    assert!(error.contains("longer than max_record_bytes"), "{error}");
}

#[test]
fn rejected_records_carry_their_text_and_good_ones_their_locator() {
    let xml = "<Feed>\n  <Report id=\"R1\">\n    <Name>&custom;</Name>\n  </Report>\n  <Report id=\"R2\"><Name>&#1;</Name></Report>\n  <Report id=\"R3\"/>\n</Feed>";
    let opts =
        options(json!({ "record": "/Feed/Report", "fields": { "Id": "@id", "Name": "Name" } }));
    let records = read_ok(xml, &opts);
    assert_eq!(
        records.iter().map(Record::locator).collect::<Vec<_>>(),
        [
            "/Feed/Report[1], line 2",
            "/Feed/Report[2], line 5",
            "/Feed/Report[3], line 6"
        ]
    );
    match &records[0] {
        Record::Rejected { raw, .. } => assert_eq!(
            raw,
            "<Report id=\"R1\">\n    <Name>&custom;</Name>\n  </Report>"
        ),
        other => panic!("{other:?}"),
    }
    match &records[1] {
        Record::Rejected { reason, .. } => assert!(reason.contains("U+0001"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(records[2].text("Id"), Some("R3"));
}

#[test]
fn option_mistakes_are_reported_at_open() {
    let cases = [
        (
            json!({ "record": "/ir:Feed/ir:Report", "fields": { "A": "x" } }),
            "option record: prefix \"ir\" is not declared in option namespaces",
        ),
        (
            json!({ "record": "Feed//Report", "fields": { "A": "x" } }),
            "option record: \"Feed//Report\" has an empty step",
        ),
        (
            json!({ "record": "Feed/Report", "fields": { "A": "@id/x" } }),
            "option fields.A: \"@id/x\": an attribute step must be the last",
        ),
        (
            json!({ "record": "//Report", "fields": { "A": "x" } }),
            "option record: \"//Report\" has an empty step",
        ),
        (
            json!({ "record": "Feed/Report", "fields": { "A": "/Feed/x" } }),
            "option fields.A: \"/Feed/x\": this path is relative to its element",
        ),
        (
            json!({ "record": "Feed/Report" }),
            "option fields: no fields or groups",
        ),
        (
            json!({ "record": "Feed/Report", "fields": { "G.A": "a" }, "groups": { "G": { "path": "g", "fields": { "A": "a" } } } }),
            "field name \"G.A\" is declared twice",
        ),
    ];
    for (json, expected) in cases {
        let error = XmlRecords::from_reader(Cursor::new("<Feed/>"), &options(json))
            .err()
            .expect("an options error")
            .to_string();
        assert!(error.contains(expected), "{error}");
    }
    let unknown: Result<XmlOptions, _> =
        serde_json::from_value(json!({ "record": "a", "fields": {}, "recrod": "b" }));
    assert!(unknown.is_err());
}

#[test]
fn wildcards_and_records_below_other_elements() {
    let xml = r#"<Batch><Header><Count>2</Count></Header>
<Body><Feed><Report><Any><Name>one</Name></Any></Report></Feed>
<Feed><Report><Other><Name>two</Name></Other></Report></Feed></Body></Batch>"#;
    let opts = options(json!({ "record": "/Batch/Body/*/Report", "fields": { "Name": "*/Name" } }));
    let records = read_ok(xml, &opts);
    assert_eq!(texts(&records, "Name"), [Some("one"), Some("two")]);
    assert_eq!(records[1].locator(), "/Batch/Body/*/Report[2], line 3");
}

#[test]
fn a_value_over_max_field_bytes_quarantines_its_record_naming_the_field() {
    // Text in many pieces (entities, CDATA) and one attribute, each over
    // a 4 KiB limit in its own record; the records around them load.
    let long_text = "abc&amp;<![CDATA[def]]>".repeat(1000);
    let xml = format!(
        "<Feed><Report id=\"R1\"><Name>small</Name></Report>\n\
         <Report id=\"R2\"><Name>{long_text}</Name></Report>\n\
         <Report id=\"{}\"><Name>third</Name></Report>\n\
         <Report id=\"R4\"><Name>{}</Name></Report></Feed>",
        "i".repeat(5000),
        "y".repeat(4096),
    );
    let opts = options(json!({
        "record": "Feed/Report",
        "fields": { "Id": "@id", "Name": "Name" },
        "max_field_bytes": 4096,
    }));
    let records = read_ok(xml, &opts);
    assert_eq!(records.len(), 4);
    assert_eq!(records[0].text("Name"), Some("small"));
    for (record, field) in [(&records[1], "Name"), (&records[2], "Id")] {
        match record {
            Record::Rejected { reason, .. } => assert!(
                reason.starts_with(&format!(
                    "field {field} is larger than the limit of 4 KiB (at least "
                )),
                "{reason}"
            ),
            other => panic!("expected a rejected record, got {other:?}"),
        }
    }
    // A value exactly at the limit is read.
    assert_eq!(records[3].text("Name").map(str::len), Some(4096));
}

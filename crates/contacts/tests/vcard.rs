//! vCard import: Apple, Google, vCard 4.0 and 2.1 exports written by hand, broken cards,
//! hostile bytes.

use std::path::{Path, PathBuf};

use frontdesk_contacts::{import_file, import_vcard, Format, Import, Normalizer, PhoneNumber};

fn germany() -> Normalizer {
    Normalizer::new("DE").expect("DE is a country")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn import_fixture(name: &str) -> Import {
    let path = fixture(name);
    let bytes = std::fs::read(&path).expect("fixture exists");
    assert_eq!(Format::detect(&bytes), Format::VCard);
    import_file(&path, &germany()).expect("readable")
}

fn numbers(import: &Import, contact: usize) -> Vec<(&str, &str)> {
    import.contacts[contact]
        .numbers
        .iter()
        .map(|n| (n.kind.as_str(), n.e164.as_str()))
        .collect()
}

#[test]
fn apple_export_with_groups_folded_lines_and_type_lists() {
    let import = import_fixture("apple.vcf");
    assert_eq!(import.problems, vec![]);
    assert_eq!(import.contacts.len(), 2);

    let maria = &import.contacts[0];
    assert_eq!(maria.name, "Maria Schmidt");
    assert_eq!(maria.company.as_deref(), Some("Bäckerei Schmidt"));
    assert_eq!(
        maria.numbers,
        [
            PhoneNumber {
                kind: "phone".into(),
                e164: "+49301234567".into(),
                raw: "+49 30 1234567".into()
            },
            PhoneNumber {
                kind: "mobile".into(),
                e164: "+491712345678".into(),
                // Unfolded: the fold was inside the number.
                raw: "0171 2345678".into()
            },
        ]
    );
    // ADR's seven components; the fold was inside "Hauptstraße".
    assert_eq!(maria.street.as_deref(), Some("Hauptstraße 12"));
    assert_eq!(maria.city.as_deref(), Some("Potsdam"));
    assert_eq!(maria.postcode.as_deref(), Some("14467"));
    assert_eq!(maria.email.as_deref(), Some("maria@example.org"));

    let hans = &import.contacts[1];
    assert_eq!(hans.name, "Dr. Hans Meier");
    // Folded in the middle of the two bytes of "ä"; ORG's unit dropped.
    assert_eq!(hans.company.as_deref(), Some("Meier Sanitär GmbH"));
    assert_eq!(
        numbers(&import, 1),
        [
            ("work", "+49309876543"),
            ("fax", "+49309876544"),
            ("phone", "203")
        ]
    );
    assert_eq!(hans.street.as_deref(), Some("Friedrichstr. 100"));
    assert_eq!(hans.city.as_deref(), Some("Berlin"));
}

#[test]
fn google_export_with_a_service_code_and_a_card_without_name() {
    let import = import_fixture("google.vcf");
    let names: Vec<&str> = import.contacts.iter().map(|c| c.name.as_str()).collect();
    // The company card has an empty FN and N: its ORG names it.
    assert_eq!(names, ["Anna Weber", "Stadtwerke Potsdam"]);
    assert_eq!(
        numbers(&import, 0),
        [("mobile", "+4915123456789"), ("home", "+493317654321")]
    );
    assert_eq!(import.contacts[0].postcode.as_deref(), Some("14469"));
    assert_eq!(import.contacts[0].street.as_deref(), Some("Lindenstraße 5"));
    assert_eq!(numbers(&import, 1), [("work", "+493316610")]);

    let problems: Vec<(u64, &str)> = import
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    // The service code is left out, the card kept.
    assert_eq!(problems[0].0, 19);
    assert!(
        problems[0].1.contains("\"*100#\" is a feature code"),
        "{}",
        problems[0].1
    );
    assert!(problems[0].1.ends_with("the number was left out"));
    // The card without any name is skipped, reported at its BEGIN line.
    assert_eq!(problems[1].0, 21);
    assert!(problems[1].1.contains("has no name"), "{}", problems[1].1);
    // Only that card counts as skipped; the kept ones know where they start.
    assert_eq!(import.skipped, 1);
    assert_eq!(import.lines.len(), 2);
    assert_eq!(import.lines, [1, 13]);
}

#[test]
fn vcard_4_uris_and_vcard_2_1_quoted_printable() {
    let import = import_fixture("v4-and-v21.vcf");
    let names: Vec<&str> = import.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Peter Lange", "Jürgen Müller", "Unfinished Card"]);
    assert_eq!(
        numbers(&import, 0),
        [("mobile", "+491601234567"), ("work", "+49305550100")]
    );
    assert_eq!(
        import.contacts[0].email.as_deref(),
        Some("peter@example.net")
    );

    let jurgen = &import.contacts[1];
    assert_eq!(numbers(&import, 1), [("mobile", "+491729876543")]);
    // A quoted-printable CRLF inside the street and a soft line break.
    assert_eq!(jurgen.street.as_deref(), Some("Gartenweg 3, Hinterhaus"));
    assert_eq!(jurgen.city.as_deref(), Some("München"));
    assert_eq!(jurgen.postcode.as_deref(), Some("80331"));

    assert_eq!(numbers(&import, 2), [("phone", "+49401234567")]);
    assert_eq!(import.problems.len(), 1, "{:#?}", import.problems);
    assert_eq!(import.problems[0].line, 19);
    assert!(import.problems[0].message.contains("no END:VCARD"));
}

#[test]
fn cards_without_end_and_stray_lines() {
    let text = "junk before\nBEGIN:VCARD\nFN:A\nthis line has no colon\nBEGIN:VCARD\nFN:B\n\
                END:VCARD\nEND:VCARD\n";
    let import = import_vcard(text.as_bytes(), &germany());
    let names: Vec<&str> = import.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    let lines: Vec<u64> = import.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [4, 2, 8], "{:#?}", import.problems);

    let import = import_vcard(b"FN:not a card\n", &germany());
    assert!(import.contacts.is_empty());
    assert!(import.problems[0].message.contains("no BEGIN:VCARD"));
}

#[test]
fn escapes_and_quoted_parameters() {
    let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Smith\\, John\r\n\
                ORG:A\\; B;Unit\r\nTEL;TYPE=\"work,voice\";X-NOTE=\"a:b;c\":+44 20 7946 0958\r\n\
                EMAIL:\r\nEND:VCARD\r\n";
    let import = import_vcard(text.as_bytes(), &germany());
    assert_eq!(import.problems, vec![]);
    let contact = &import.contacts[0];
    assert_eq!(contact.name, "Smith, John");
    assert_eq!(contact.company.as_deref(), Some("A; B"));
    assert_eq!(numbers(&import, 0), [("work", "+442079460958")]);
    assert_eq!(contact.email, None);
}

#[test]
fn hostile_bytes_never_panic() {
    let mut samples: Vec<Vec<u8>> = vec![
        b"BEGIN:VCARD".to_vec(),
        b"BEGIN:VCARD\n:\n;\n;;;:\n\"\n:::\nFN;\"unterminated:x\nEND:VCARD".to_vec(),
        b"BEGIN:VCARD\nN;ENCODING=QUOTED-PRINTABLE:=\n=\n=".to_vec(),
        b"BEGIN:VCARD\nFN;ENCODING=QUOTED-PRINTABLE:=C3\nEND:VCARD".to_vec(),
        b"BEGIN:VCARD\nFN:\\\nN:\\;\\\nADR:;;;;;;;;;;;;\nTEL:\\\nEND:VCARD".to_vec(),
        b"BEGIN:VCARD\n \n\t\n \xC3\nEND:VCARD\n".to_vec(),
        b"\xFF\xFEB\x00E\x00".to_vec(),
        b"BEGIN:VCARD\nFN:x\nTEL:+\nTEL:tel:\nTEL:sip:a@b\nTEL:99999999999999999999999999999999999999999999\nEND:VCARD"
            .to_vec(),
        "BEGIN:VCARD\n".repeat(10_000).into_bytes(),
        format!("BEGIN:VCARD\nFN:{}\nEND:VCARD\n", "a".repeat(1 << 20)).into_bytes(),
    ];
    for name in ["apple.vcf", "google.vcf", "v4-and-v21.vcf"] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        // Every prefix of a real export: cut cards, cut folds, cut characters.
        for end in (0..bytes.len()).step_by(7) {
            samples.push(bytes[..end].to_vec());
        }
    }
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    const ALPHABET: &[u8] = b":;=\n \"\\,TELFN0\xC3";
    for _ in 0..50 {
        let mut bytes = b"BEGIN:VCARD\n".to_vec();
        for _ in 0..500 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(ALPHABET[(state % ALPHABET.len() as u64) as usize]);
        }
        samples.push(bytes);
    }
    for sample in &samples {
        let import = import_vcard(sample, &germany());
        for contact in &import.contacts {
            assert!(!contact.name.is_empty());
        }
    }
}

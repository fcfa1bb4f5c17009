//! CSV import: the shipped template, broken rows, spreadsheet dialects, hostile bytes.

use std::path::Path;

use frontdesk_contacts::{
    import_csv, import_file, Contact, Import, ImportProblem, Normalizer, PhoneNumber, CSV_HEADER,
};

fn germany() -> Normalizer {
    Normalizer::new("DE").expect("DE is a country")
}

fn csv(text: &str) -> Import {
    import_csv(text.as_bytes(), &germany())
}

fn names(import: &Import) -> Vec<&str> {
    import.contacts.iter().map(|c| c.name.as_str()).collect()
}

fn lines(import: &Import) -> Vec<u64> {
    import.problems.iter().map(|p| p.line).collect()
}

fn number(kind: &str, e164: &str, raw: &str) -> PhoneNumber {
    PhoneNumber {
        kind: kind.into(),
        e164: e164.into(),
        raw: raw.into(),
    }
}

#[test]
fn the_shipped_template_imports() {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/contacts-template.csv");
    let text = std::fs::read_to_string(&template).expect("template exists");
    assert_eq!(
        text.lines().next(),
        Some(CSV_HEADER),
        "header as documented"
    );

    let import = import_file(&template, &germany()).expect("readable");
    assert_eq!(import.problems, vec![]);
    assert_eq!(
        import.contacts,
        vec![Contact {
            id: None,
            name: "Maria Schmidt".into(),
            company: Some("Bäckerei Schmidt".into()),
            numbers: vec![
                number("phone", "+49301234567", "030 1234567"),
                number("mobile", "+491712345678", "+49 171 2345678"),
            ],
            street: Some("Hauptstraße 12".into()),
            postcode: Some("14467".into()),
            city: Some("Potsdam".into()),
            email: Some("maria@example.org".into()),
        }]
    );
}

#[test]
fn broken_rows_are_reported_by_line_and_the_others_imported() {
    let import = csv(concat!(
        "name,company,phone,mobile,street,postcode,city,email\n",
        "Maria Schmidt,Bäckerei Schmidt,030 1234567,,Hauptstraße 12,14467,Potsdam,maria@example.org\n",
        "Hans Meier,Meier Sanitär,030 9876543,,Friedrichstraße 100,10117\n",
        "Anna Weber,,0331 7654321,call me maybe,,,,\n",
        ",Stadtwerke Potsdam,0331 6610,,,,,\n",
        "\"Lange, Peter\",\"Lange & Söhne, Dachdecker\",+49 160 1234567,,Am Markt 1,,Berlin,peter@example.net\n",
        ",,,,,,,\n",
        "Kurz,,1234567,,,,,\n",
        "Eva Extension,,203,,,,,\n",
        "\"Two\n",
        "Lines\",,,,,,,\n",
        "Bad Mail,,,,,,,no-at-sign\n",
        "Last Person,,030 5550100,,,,,\n",
    ));
    assert_eq!(
        names(&import),
        [
            "Maria Schmidt",
            "Lange, Peter",
            "Eva Extension",
            "Two\nLines",
            "Last Person"
        ]
    );
    assert_eq!(lines(&import), [3, 4, 5, 8, 12], "{:#?}", import.problems);
    let message = |line: u64| {
        import
            .problems
            .iter()
            .find(|p| p.line == line)
            .map(|p| p.message.clone())
            .unwrap_or_default()
    };
    assert!(
        message(3).contains("6 fields but the header has 8"),
        "{}",
        message(3)
    );
    assert!(
        message(4).contains("\"call me maybe\" is not a phone number"),
        "{}",
        message(4)
    );
    assert!(message(5).starts_with("no name"), "{}", message(5));
    assert!(
        message(8).contains("write it with its area code"),
        "{}",
        message(8)
    );
    assert!(message(12).contains("has no @"), "{}", message(12));
    for problem in &import.problems {
        assert!(
            problem.message.ends_with("the row was skipped"),
            "{problem}"
        );
    }
    assert_eq!(
        import.problems[0].to_string(),
        format!("line 3: {}", import.problems[0].message)
    );

    let lange = &import.contacts[1];
    assert_eq!(lange.company.as_deref(), Some("Lange & Söhne, Dachdecker"));
    assert_eq!(
        lange.numbers,
        [number("phone", "+491601234567", "+49 160 1234567")]
    );
    let eva = &import.contacts[2];
    assert_eq!(eva.numbers, [number("phone", "203", "203")]);
}

#[test]
fn german_excel_exports_are_read() {
    // Semicolons, German headers in another order, Windows-1252, CRLF.
    let text = "Name;Firma;Telefon;Mobil;Straße;PLZ;Ort;E-Mail\r\n\
                Jürgen Müller;Müller GmbH;089 1234567;;Gartenweg 3;80331;München;j@example.de\r\n";
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1 text"))
        .collect();
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let import = import_csv(&bytes, &germany());
    assert_eq!(import.problems, vec![]);
    let contact = &import.contacts[0];
    assert_eq!(contact.name, "Jürgen Müller");
    assert_eq!(contact.city.as_deref(), Some("München"));
    assert_eq!(contact.street.as_deref(), Some("Gartenweg 3"));
    assert_eq!(
        contact.numbers,
        [number("phone", "+49891234567", "089 1234567")]
    );
    assert_eq!(contact.email.as_deref(), Some("j@example.de"));
}

#[test]
fn excel_sep_line_keeps_line_numbers_right() {
    let import = csv("sep=;\nname;phone\nA;030 1234567\n;030 1234568\nC;\n");
    assert_eq!(names(&import), ["A", "C"]);
    assert_eq!(lines(&import), [4]);
}

#[test]
fn utf16_with_byte_order_mark_is_read() {
    let text = "name\tmobile\nZoë Ångström\t0171 2345678\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let import = import_csv(&bytes, &germany());
    assert_eq!(import.problems, vec![]);
    assert_eq!(names(&import), ["Zoë Ångström"]);
    assert_eq!(import.contacts[0].numbers[0].e164, "+491712345678");
}

#[test]
fn header_problems() {
    let import = csv("name,phone,fax,\"\"\nA,030 1234567,030 1234568,\n");
    assert_eq!(names(&import), ["A"]);
    assert_eq!(lines(&import), [1]);
    assert!(import.problems[0].message.contains("\"fax\" ignored"));

    // Two phone columns give two numbers; duplicates collapse.
    let import = csv("name,phone,phone,mobile\nA,030 1234567,+49 30 7654321,+49 30 1234567\n");
    let keys: Vec<&str> = import.contacts[0]
        .numbers
        .iter()
        .map(|n| n.e164.as_str())
        .collect();
    assert_eq!(keys, ["+49301234567", "+49307654321"]);

    // Data without a header line: nothing is guessed.
    let import = csv("Maria Schmidt,030 1234567\nHans Meier,030 7654321\n");
    assert!(import.contacts.is_empty());
    assert_eq!(
        import.problems,
        vec![ImportProblem {
            line: 1,
            message: format!(
                "no \"name\" column: the first line must be the header {CSV_HEADER} \
                 (see assets/contacts-template.csv); nothing was imported"
            ),
        }]
    );

    for empty in ["", "\n\n", "  \r\n"] {
        let import = csv(empty);
        assert!(import.contacts.is_empty());
        assert!(import.problems[0].message.starts_with("the file is empty"));
    }
    // Header only: nothing to do, nothing wrong.
    assert_eq!(csv(CSV_HEADER), Import::default());
}

#[test]
fn hostile_bytes_never_panic() {
    let mut samples: Vec<Vec<u8>> = vec![
        b"name\n\"unterminated".to_vec(),
        b"name,phone\n\"a\"\"b,\"+49 30 1\"\"".to_vec(),
        b"\xFF\xFE\x00".to_vec(),
        b"\xFE\xFF\xD8\x00".to_vec(),
        b"\xEF\xBB\xBFname\n\xC3".to_vec(),
        b"name,phone\n\0\0\0,\x01\x02\n".to_vec(),
        b"sep=\nname\nx\n".to_vec(),
        format!(
            "name,phone\n{},{}\n",
            "x".repeat(1 << 20),
            "9".repeat(10_000)
        )
        .into_bytes(),
        format!("name,phone\n{}\n", "a,".repeat(100_000)).into_bytes(),
        "name,phone\nA,+\nB,++49\nC,#\nD,tel:\nE,sip:\nF,+49 30 1234567 ext 5\n"
            .as_bytes()
            .to_vec(),
    ];
    // Pseudo-random bytes, deterministic.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    const ALPHABET: &[u8] = b",\n\"; a0+\xC3\xA4\xFF";
    for _ in 0..50 {
        let mut bytes = b"name,phone,city\n".to_vec();
        for _ in 0..500 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(ALPHABET[(state % ALPHABET.len() as u64) as usize]);
        }
        samples.push(bytes);
    }
    for sample in &samples {
        let import = import_csv(sample, &germany());
        for contact in &import.contacts {
            assert!(!contact.name.is_empty());
        }
    }
}

#[test]
fn each_contact_carries_its_line_and_skipped_rows_are_counted() {
    let import = csv("name,phone\n\
                      Maria Schmidt,030 1234567\n\
                      \n\
                      ,030 7654321\n\
                      \"Peter, Lange\",0331 7654321\n\
                      Kaputt,030 1,2\n\
                      Anna Berg,not a number\n\
                      Jonas Weber,\n");
    assert_eq!(
        names(&import),
        ["Maria Schmidt", "Peter, Lange", "Jonas Weber"]
    );
    assert_eq!(import.lines, [2, 5, 8]);
    assert_eq!(lines(&import), [4, 6, 7]);
    assert_eq!(import.skipped, 3);
}

#[test]
fn rows_are_named_by_their_own_line_in_files_with_windows_line_ends() {
    // What Excel writes: CRLF line ends, semicolons, Windows-1252.
    let text = "Name;Telefon\r\nMaria Schmidt;030 1234567\r\n\r\nHans Meier;call me maybe\r\nKaputt;1;2\r\nJonas Weber;0151 23456789\r\n";
    let import = import_csv(text.as_bytes(), &germany());
    assert_eq!(names(&import), ["Maria Schmidt", "Jonas Weber"]);
    assert_eq!(import.lines, [2, 6]);
    assert_eq!(lines(&import), [4, 5], "{:#?}", import.problems);
    assert_eq!(import.skipped, 2);
}

//! Recognising callers: numbers in every spelling, extensions, names in transcripts.

use frontdesk_contacts::{
    import_csv, transcript, Contact, ContactBook, ContactError, DialPlan, DialPlanSettings, Method,
    Normalizer, NumberError, PhoneNumber,
};

fn germany() -> Normalizer {
    Normalizer::new("DE").expect("DE is a country")
}

/// A small business's contacts, imported the way users import them.
fn contacts() -> Vec<Contact> {
    let import = import_csv(
        concat!(
            "name,company,phone,mobile,street,postcode,city,email\n",
            "Maria Schmidt,Bäckerei Schmidt,030 1234567,0171 2345678,Hauptstraße 12,14467,Potsdam,\n",
            "Hans Meier,Meier Sanitär GmbH,(030) 987-6543,,Friedrichstr. 100,10117,Berlin,\n",
            "Anna Weber,,0331 7654321,,Lindenstraße 5,14469,Potsdam,\n",
            "Peter Lange,,+49 160 1234567,,,,Hamburg,\n",
            "Eva Kolleg,,203,,,,,\n",
            "\"Wagner, Thomas\",,+44 20 7946 0958,,,,London,\n",
        )
        .as_bytes(),
        &germany(),
    );
    assert_eq!(import.problems, vec![]);
    import.contacts
}

fn book() -> ContactBook {
    ContactBook::new(contacts(), "DE").expect("DE is a country")
}

#[test]
fn numbers_normalise_to_e164_in_every_spelling() {
    let n = germany();
    for raw in [
        "+49 30 1234567",
        "030 1234567",
        "0049 30 1234567",
        "004930-1234567",
        "(030) 123-4567",
        "030/1234567",
        "+49 (0)30 1234567",
        "tel:+49-30-1234567",
    ] {
        assert_eq!(n.normalize(raw).as_deref(), Ok("+49301234567"), "{raw}");
    }
    assert_eq!(n.normalize(" 203 ").as_deref(), Ok("203"));
    assert_eq!(
        n.normalize("+44 20 7946 0958").as_deref(),
        Ok("+442079460958")
    );
    assert!(matches!(
        n.normalize("1234567"),
        Err(NumberError::Incomplete { .. })
    ));
    assert!(matches!(
        n.normalize("030 CALL ME"),
        Err(NumberError::NotANumber { .. })
    ));
    assert!(matches!(
        n.normalize("*21#"),
        Err(NumberError::NotAPhoneNumber { .. })
    ));
    assert!(matches!(
        n.normalize(""),
        Err(NumberError::NotANumber { .. })
    ));
    // The same national digits mean another number in another country.
    let us = Normalizer::new("US").unwrap();
    assert_eq!(
        us.normalize("(202) 555-0123").as_deref(),
        Ok("+12025550123")
    );
    assert_eq!(us.country(), Some("US"));

    let err = Normalizer::new("Germany").unwrap_err();
    assert!(matches!(err, ContactError::Country { .. }));
    assert!(
        err.to_string().contains("two-letter ISO 3166 code"),
        "{err}"
    );
}

#[test]
fn callers_are_found_by_number_in_any_spelling() {
    let book = book();
    let name = |number: &str| book.identify_by_number(number).map(|c| c.name.as_str());
    for caller in [
        "+49301234567",
        "030 1234567",
        "0049301234567",
        "sip:+49301234567@192.0.2.1",
        "sip:0301234567@192.0.2.1;user=phone",
        "+491712345678",
    ] {
        assert_eq!(name(caller), Some("Maria Schmidt"), "{caller}");
    }
    assert_eq!(name("030 9876543"), Some("Hans Meier"));
    assert_eq!(name("00442079460958"), Some("Wagner, Thomas"));
    // Extensions match exactly, and only as extensions.
    assert_eq!(name("203"), Some("Eva Kolleg"));
    assert_eq!(name("sip:203@192.0.2.1"), Some("Eva Kolleg"));
    assert_eq!(name("2030"), None);
    assert_eq!(name("+49203"), None);
    // Unknown, anonymous, garbage.
    for caller in [
        "+49301234568",
        "anonymous",
        "",
        "sip:@",
        "\u{0}",
        "+",
        "030 12345678",
    ] {
        assert_eq!(name(caller), None, "{caller:?}");
    }
}

#[test]
fn stored_contacts_are_found_by_their_raw_number_too() {
    // As a user might type one into the UI: no e164 key yet.
    let typed = Contact {
        name: "Typed In".into(),
        numbers: vec![PhoneNumber {
            kind: "phone".into(),
            e164: String::new(),
            raw: "040 1234567".into(),
        }],
        ..Contact::default()
    };
    let book = ContactBook::new(vec![typed], "DE").unwrap();
    assert!(book.identify_by_number("+49401234567").is_some());
}

#[test]
fn an_accounts_dial_plan_decides_what_an_extension_is() {
    let plan = DialPlan::new(&DialPlanSettings {
        country: Some("DE".into()),
        internal: Some(vec!["2000-2099".into()]),
        ..DialPlanSettings::default()
    })
    .unwrap();
    let normalizer = Normalizer::from_dial_plan(plan);
    assert_eq!(normalizer.normalize("2042").as_deref(), Ok("2042"));
    assert!(normalizer.normalize("203").is_err());
}

#[test]
fn a_full_name_with_company_and_city_is_found_with_high_confidence() {
    let book = book();
    let (contact, confidence) = book
        .identify_in_transcript("Hi, this is Maria Schmidt from Bäckerei Schmidt in Potsdam.")
        .expect("identified");
    assert_eq!(contact.name, "Maria Schmidt");
    assert!(confidence > 0.95, "{confidence}");

    let (contact, alone) = book
        .identify_in_transcript("Hello, Maria Schmidt speaking, please call back.")
        .expect("identified");
    assert_eq!(contact.name, "Maria Schmidt");
    assert!((0.89..=0.91).contains(&alone), "{alone}");
    assert!(alone < confidence);
}

#[test]
fn a_misheard_name_is_found_with_lower_confidence() {
    let book = book();
    let (contact, exact) = book
        .identify_in_transcript("this is Maria Schmidt")
        .expect("identified");
    assert_eq!(contact.name, "Maria Schmidt");
    let (contact, fuzzy) = book
        .identify_in_transcript("this is Marie Schmitt")
        .expect("identified");
    assert_eq!(contact.name, "Maria Schmidt");
    assert!(fuzzy < exact - 0.05, "{fuzzy} vs {exact}");
    assert!(fuzzy >= transcript::MIN_CONFIDENCE, "{fuzzy}");
    // The values the module documentation gives.
    assert!((0.89..=0.91).contains(&exact), "{exact}");
    assert!((0.72..=0.82).contains(&fuzzy), "{fuzzy}");
    let (contact, surname) = book
        .identify_in_transcript("Schmidt here")
        .expect("identified");
    assert_eq!(contact.name, "Maria Schmidt");
    assert!((0.64..=0.66).contains(&surname), "{surname}");
    // One misheard word costs less than two; a surname misheard in passing is nothing.
    let (_, one) = book
        .identify_in_transcript("this is Maria Schmitt")
        .expect("identified");
    assert!(fuzzy < one && one < exact, "{fuzzy} < {one} < {exact}");
    assert_eq!(book.identify_in_transcript("ask Schmitt about it"), None);
}

#[test]
fn other_ways_of_being_named() {
    let book = book();
    let who = |text: &str| {
        book.identify_in_transcript(text)
            .map(|(c, confidence)| (c.name.clone(), confidence))
    };
    // German, surname introduced.
    let (name, confidence) =
        who("Guten Tag, hier ist Frau Weber, ich rufe wegen der Heizung an").expect("identified");
    assert_eq!(name, "Anna Weber");
    assert!((0.6..0.7).contains(&confidence), "{confidence}");
    // Company alone (legal form left out by the caller).
    let (name, _) =
        who("Hallo, hier ist die Firma Meier Sanitär, es geht um den Auftrag").expect("identified");
    assert_eq!(name, "Hans Meier");
    // Street and city, no name.
    let (name, _) =
        who("We are at Lindenstraße 5 in Potsdam and the door is stuck").expect("identified");
    assert_eq!(name, "Anna Weber");
    // "Surname, Given" contacts, said the other way round.
    let (name, _) = who("Hi, Thomas Wagner here").expect("identified");
    assert_eq!(name, "Wagner, Thomas");
    // Surname first, given name after it.
    let (name, _) = who("Ja, Schmidt Maria, bitte um Rückruf").expect("identified");
    assert_eq!(name, "Maria Schmidt");
}

#[test]
fn passing_mentions_and_unrelated_text_identify_nobody() {
    let book = book();
    for text in [
        "",
        "Hello, I wanted to ask how long the delivery will take. Thanks and goodbye.",
        "Wie lange dauert die Reparatur noch? Danke.",
        "I live in Potsdam and need a plumber.",
        "Maria called about the order.",
        "Ich war gestern in der Hauptstraße",
        "Good morning, this is Mark Smith from Acme Corporation in Springfield.",
        "🙂🙂🙂 \u{0} \u{202e}",
    ] {
        assert_eq!(book.identify_in_transcript(text), None, "{text:?}");
    }
}

#[test]
fn two_contacts_that_fit_equally_identify_nobody() {
    let mut contacts = contacts();
    contacts.push(Contact {
        name: "Hans Schmidt".into(),
        company: Some("Bäckerei Schmidt".into()),
        city: Some("Potsdam".into()),
        ..Contact::default()
    });
    let book = ContactBook::new(contacts, "DE").unwrap();
    assert_eq!(
        book.identify_in_transcript("Schmidt here, from Bäckerei Schmidt in Potsdam"),
        None
    );
    // The full name still tells them apart.
    let (contact, _) = book
        .identify_in_transcript("Hans Schmidt here, from Bäckerei Schmidt in Potsdam")
        .expect("identified");
    assert_eq!(contact.name, "Hans Schmidt");

    // The same person imported twice is not ambiguous.
    let twice = vec![contacts_named("Anna Weber"), contacts_named("Anna Weber")];
    let book = ContactBook::new(twice, "DE").unwrap();
    assert!(book.identify_in_transcript("this is Anna Weber").is_some());
}

fn contacts_named(name: &str) -> Contact {
    Contact {
        name: name.into(),
        ..Contact::default()
    }
}

#[test]
fn identify_prefers_the_number() {
    let book = book();
    let found = book
        .identify("030 9876543", Some("this is Maria Schmidt"))
        .expect("identified");
    assert_eq!(found.contact.name, "Hans Meier");
    assert_eq!(found.method, Method::Number);
    assert_eq!(found.confidence, 1.0);

    let found = book
        .identify("+4989999999", Some("this is Maria Schmidt"))
        .expect("identified");
    assert_eq!(found.contact.name, "Maria Schmidt");
    assert_eq!(found.method, Method::Transcript);
    assert!(found.confidence < 1.0);

    assert!(book.identify("+4989999999", None).is_none());
}

#[test]
fn hostile_transcripts_never_panic_and_stay_bounded() {
    let book = book();
    let mut long = String::new();
    for i in 0..50_000 {
        long.push_str(["maria ", "schmidtt ", "🙂", "\u{0}", "x\u{301} ", "12 "][i % 6]);
    }
    let started = std::time::Instant::now();
    let _ = book.identify_in_transcript(&long);
    let _ = book.identify_in_transcript(&"Schmidt".repeat(100_000));
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    let empty = ContactBook::new(vec![], "DE").unwrap();
    assert_eq!(empty.identify_in_transcript("this is Maria Schmidt"), None);
    let nameless = ContactBook::new(vec![contacts_named("")], "DE").unwrap();
    assert_eq!(nameless.identify_in_transcript("anything"), None);
}

#[test]
fn contacts_round_trip_through_serde() {
    let contacts = contacts();
    let json = serde_json::to_string(&contacts).unwrap();
    let back: Vec<Contact> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, contacts);
    let minimal: Contact = serde_json::from_str(r#"{"name":"A"}"#).unwrap();
    assert_eq!(minimal, contacts_named("A"));
}

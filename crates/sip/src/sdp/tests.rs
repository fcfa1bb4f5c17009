use super::*;

fn local(codecs: Vec<Codec>) -> LocalSdp {
    LocalSdp::new("127.0.0.1".parse().unwrap(), 40000, codecs)
}

const BARESIP_OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 30000 RTP/AVP 96 0 8 101\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=1\r\n\
a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n";

#[test]
fn our_offer_lists_codecs_in_preference_order_with_telephone_event() {
    let offer = local(vec![Codec::G722, Codec::Opus, Codec::Pcmu]).offer(Direction::SendRecv);
    assert!(
        offer.contains("m=audio 40000 RTP/AVP 9 111 0 101 102\r\n"),
        "{offer}"
    );
    assert!(offer.contains("a=rtpmap:102 telephone-event/48000\r\n"));
    assert!(offer.contains("a=rtpmap:111 opus/48000/2\r\n"));
    assert!(offer.contains("a=rtpmap:9 G722/8000\r\n"));
    assert!(offer.contains("a=rtpmap:101 telephone-event/8000\r\n"));
    assert!(offer.contains("c=IN IP4 127.0.0.1\r\n"));
    assert!(offer.ends_with("a=sendrecv\r\n"));
    // And it parses as SDP.
    SessionDescription::parse(&BytesStr::from(offer.as_str())).unwrap();
}

#[test]
fn answering_follows_our_order_and_keeps_their_payload_numbers() {
    let mut ours = local(vec![Codec::Pcma, Codec::Opus]);
    let (answer, params) = ours.answer(BARESIP_OFFER).unwrap();
    assert_eq!(params.codec, Codec::Pcma);
    assert_eq!(params.payload_type, 8);
    assert_eq!(params.telephone_event_pt, Some(101));
    assert_eq!(params.remote_rtp, "127.0.0.1:30000".parse().unwrap());
    assert!(
        answer.contains("m=audio 40000 RTP/AVP 8 101\r\n"),
        "{answer}"
    );

    let mut opus_first = local(vec![Codec::Opus, Codec::Pcmu]);
    let (answer, params) = opus_first.answer(BARESIP_OFFER).unwrap();
    assert_eq!((params.codec, params.payload_type), (Codec::Opus, 96));
    assert!(answer.contains("a=rtpmap:96 opus/48000/2"), "{answer}");
}

#[test]
fn a_hold_offer_is_answered_recvonly() {
    let held = BARESIP_OFFER.replace("a=sendrecv", "a=sendonly");
    let (answer, params) = local(vec![Codec::Pcmu]).answer(&held).unwrap();
    assert_eq!(params.direction, Direction::RecvOnly);
    assert!(answer.contains("a=recvonly"));

    let zero = BARESIP_OFFER.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0");
    let (_, params) = local(vec![Codec::Pcmu]).answer(&zero).unwrap();
    assert_eq!(params.direction, Direction::RecvOnly);
}

#[test]
fn static_payload_types_without_rtpmap_are_understood() {
    let offer = "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let (_, params) = local(vec![Codec::Opus, Codec::Pcmu]).answer(offer).unwrap();
    assert_eq!(params.codec, Codec::Pcmu);
    assert_eq!(params.telephone_event_pt, None);
}

#[test]
fn reading_an_answer_takes_their_first_codec() {
    let ours = local(vec![Codec::Opus, Codec::Pcmu, Codec::Pcma]);
    let answer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=rtcp:5009\r\n";
    let params = ours.accept_answer(answer).unwrap();
    assert_eq!(params.codec, Codec::Pcmu);
    assert_eq!(params.remote_rtcp, Some("127.0.0.1:5009".parse().unwrap()));
}

#[test]
fn unusable_offers_give_reasons() {
    let mut ours = local(vec![Codec::Opus]);
    assert!(matches!(
        ours.answer("this is not sdp"),
        Err(SdpError::Malformed(_))
    ));
    let pcmu_only = BARESIP_OFFER.replace("96 0 8 101", "0 101");
    assert_eq!(
        ours.answer(&pcmu_only).unwrap_err(),
        SdpError::NoCommonCodec("PCMU/8000".into())
    );
    let no_audio = BARESIP_OFFER.replace("m=audio 30000", "m=audio 0");
    assert_eq!(ours.answer(&no_audio).unwrap_err(), SdpError::NoAudio);
    let srtp = BARESIP_OFFER.replace("RTP/AVP", "RTP/SAVP");
    assert_eq!(ours.answer(&srtp).unwrap_err(), SdpError::NoAudio);
}

#[test]
fn garbage_never_panics() {
    let mut ours = local(vec![Codec::Pcmu]);
    for cut in 0..BARESIP_OFFER.len() {
        let _ = ours.answer(&BARESIP_OFFER[..cut]);
        let _ = ours.accept_answer(&BARESIP_OFFER[cut..]);
    }
    let _ = ours.answer("v=0\r\nm=audio 99999999 RTP/AVP 300\r\n");
}

#[test]
fn minimal_offer_from_a_scanner_parses() {
    let offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let (_, params) = local(vec![Codec::Pcmu]).answer(offer).unwrap();
    assert_eq!(params.remote_rtp, "127.0.0.2:4000".parse().unwrap());
}

#[test]
fn telephone_events_follow_the_codec_clock() {
    let offer = BARESIP_OFFER
        .replace("96 0 8 101", "96 0 8 101 97")
        .replace("a=ptime", "a=rtpmap:97 telephone-event/48000\r\na=ptime");
    let (answer, params) = local(vec![Codec::Opus]).answer(&offer).unwrap();
    assert_eq!(params.telephone_event_pt, Some(97));
    assert!(
        answer.contains("m=audio 40000 RTP/AVP 96 97\r\n"),
        "{answer}"
    );
    let (_, params) = local(vec![Codec::Pcmu]).answer(&offer).unwrap();
    assert_eq!(params.telephone_event_pt, Some(101));
    // Only an 8 kHz event with Opus: better that than no keypad at all.
    let (_, params) = local(vec![Codec::Opus]).answer(BARESIP_OFFER).unwrap();
    assert_eq!(params.telephone_event_pt, Some(101));
}

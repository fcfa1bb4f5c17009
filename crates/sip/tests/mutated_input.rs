//! What a broken or hostile peer can put into the bodies and headers we parse ourselves — SDP
//! offers and answers, dialog-info XML, Replaces, Diversion and History-Info, sipfrag — in
//! tens of thousands of mutated copies of real messages: every one gets a value or an error,
//! never a panic. Deterministic (seeded), so a failure names the input and runs again.

use frontdesk_media::Codec;
use frontdesk_sip::blf::dialog_info;
use frontdesk_sip::blf::view::DialogView;
use frontdesk_sip::blf::ExtensionState;
use frontdesk_sip::call::{sipfrag_status, Replaces};
use frontdesk_sip::diversion::diverted_user;
use frontdesk_sip::sdp::LocalSdp;
use frontdesk_testbed::mutate::{escaped, Mutator};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Mutated copies per kind of input.
const ROUNDS: usize = 20_000;

/// Feeds `ROUNDS` mutations of the seeds to `parse`, which says whether it accepted the
/// input; on a panic, fails naming the input. Both outcomes must be common: a mix that is
/// all errors never reaches the code behind the first check.
fn survives(name: &str, seeds: &[&[u8]], mut parse: impl FnMut(&[u8]) -> bool) {
    let mut mutator = Mutator::new(0x5eed ^ name.len() as u64);
    let mut accepted = 0;
    for round in 0..ROUNDS {
        let input = mutator.mutate_one_of(seeds);
        match catch_unwind(AssertUnwindSafe(|| parse(&input))) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(_) => panic!("{name}: round {round} panicked on {:?}", escaped(&input)),
        }
    }
    let share = accepted as f64 / ROUNDS as f64;
    assert!(
        (0.05..0.95).contains(&share),
        "{name}: {accepted} of {ROUNDS} accepted; the mutations miss the parser"
    );
}

/// An offer as baresip sends it.
const BARESIP_OFFER: &[u8] = b"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 30000 RTP/AVP 96 9 0 8 101\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=1;sprop-stereo=1\r\n\
a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";

/// An offer shaped like liblinphone's: ICE, RTCP feedback, a second (video) stream, the
/// connection line per stream.
const LINPHONE_OFFER: &[u8] = b"v=0\r\no=202 3070 1618 IN IP4 192.0.2.10\r\ns=Talk\r\nt=0 0\r\n\
a=ice-pwd:31ec21eb38b2ec6d36e8dc7b\r\na=ice-ufrag:0bed8a10\r\na=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n\
m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\r\nc=IN IP4 192.0.2.10\r\na=rtpmap:96 opus/48000/2\r\n\
a=fmtp:96 useinbandfec=1\r\na=rtpmap:97 speex/16000\r\na=fmtp:97 vbr=on\r\na=rtpmap:98 speex/8000\r\n\
a=rtpmap:101 telephone-event/48000\r\na=rtpmap:99 telephone-event/16000\r\na=rtpmap:100 telephone-event/8000\r\n\
a=rtcp:7079\r\na=candidate:1 1 UDP 2130706431 192.0.2.10 7078 typ host\r\n\
a=candidate:1 2 UDP 2130706430 192.0.2.10 7079 typ host\r\na=rtcp-fb:* trr-int 1000\r\na=rtcp-fb:* ccm tmmbr\r\n\
m=video 9078 RTP/AVP 96\r\nc=IN IP6 2001:db8::10\r\na=rtpmap:96 VP8/90000\r\na=inactive\r\n";

/// A hold offer (sendonly, no telephone-event).
const HOLD_OFFER: &[u8] =
    b"v=0\r\no=sipp 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n";

/// Our own offer, for mutated answers to it.
fn our_sdp() -> LocalSdp {
    LocalSdp::new("127.0.0.1".parse().unwrap(), 40000, Codec::ALL.to_vec())
}

#[test]
fn mutated_sdp_offers_get_an_answer_or_an_error() {
    survives(
        "offer",
        &[BARESIP_OFFER, LINPHONE_OFFER, HOLD_OFFER],
        |input| our_sdp().answer(&String::from_utf8_lossy(input)).is_ok(),
    );
}

#[test]
fn mutated_sdp_answers_are_accepted_or_refused() {
    // What a phone answers to our offer: it is checked against what we offered.
    let answer = b"v=0\r\no=- 5 6 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
m=audio 31000 RTP/AVP 111 101\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n\
a=rtpmap:101 telephone-event/8000\r\na=recvonly\r\n";
    let mut ours = our_sdp();
    let _ = ours.offer(frontdesk_media::Direction::SendRecv);
    survives("answer", &[answer, HOLD_OFFER], |input| {
        ours.accept_answer(&String::from_utf8_lossy(input)).is_ok()
    });
}

#[test]
fn mutated_dialog_info_documents_parse_or_fail() {
    let full = include_bytes!("../src/blf/fixtures/kamailio_102_confirmed.xml");
    let early = include_bytes!("../src/blf/fixtures/kamailio_103_early.xml");
    let terminated = include_bytes!("../src/blf/fixtures/kamailio_102_terminated.xml");
    // One view across all documents, as a subscription keeps it: versions jump around.
    let mut view = DialogView::default();
    survives("dialog-info", &[full, early, terminated], |input| {
        let Ok(info) = dialog_info::parse(input) else {
            return false;
        };
        // What the panel and pickup read from a parsed document.
        if let ExtensionState::Ringing(call) = ExtensionState::summarize(&info.dialogs) {
            let _ = call.replaces_ids();
            let _ = call.caller.as_ref().map(|c| c.number().len());
        }
        let _ = view.apply(info);
        let _ = view.summary();
        true
    });
}

#[test]
fn mutated_replaces_diversion_and_sipfrag_values_parse_or_fail() {
    survives(
        "replaces",
        &[
            b"abc123@192.0.2.1;to-tag=a1b2;from-tag=c3d4",
            b"call-9@h;from-tag=x;to-tag=y;early-only",
        ],
        |input| Replaces::parse(&String::from_utf8_lossy(input)).is_some(),
    );
    survives(
        "diversion",
        &[
            b"<sip:201@192.0.2.1>;reason=no-answer;counter=1;privacy=off",
            b"\"Reception\" <sip:+4930123@pbx.example;user=phone>;reason=unconditional",
            b"<sip:bob@192.0.2.1?Reason=SIP%3Bcause%3D302>;index=1.1, <sip:201@192.0.2.1;cause=480>;index=1.1.1",
        ],
        |input| {
            let text = String::from_utf8_lossy(input);
            let from_diversion = diverted_user(&[&text], &[]);
            let from_history = diverted_user(&[], &[&text]);
            from_diversion.is_some() || from_history.is_some()
        },
    );
    survives(
        "sipfrag",
        &[
            b"SIP/2.0 200 OK\r\n",
            b"SIP/2.0 180 Ringing\r\nContact: <sip:x@y>\r\n",
        ],
        |input| sipfrag_status(input).is_some(),
    );
}

//! Events a running [`crate::MediaSession`] reports to the call layer / UI.

/// Something the call layer may want to show or react to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    /// The first RTP packet from the remote arrived (media path works).
    FirstPacketReceived,
    /// The remote sent an RFC 4733 DTMF digit (reported once per event).
    DtmfReceived(char),
    /// The requested audio device could not be used; the default is used instead.
    AudioDeviceFallback {
        /// "input" or "output".
        direction: &'static str,
        /// The device that was asked for (or that failed), `None` for the default.
        requested: Option<String>,
        /// The device now in use.
        used: String,
        /// Why the fallback happened.
        reason: String,
    },
    /// An audio device failed and no fallback works right now; the call
    /// continues (silence) and the engine retries every second.
    AudioDeviceError(String),
    /// Writing the call recording failed; the call continues unrecorded.
    RecordingError(String),
    /// The remote's SSRC changed (e.g. a re-INVITE or a transfer); playout restarted.
    RemoteStreamRestarted,
}

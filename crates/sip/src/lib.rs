//! frontdesk-sip

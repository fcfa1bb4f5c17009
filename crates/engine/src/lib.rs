//! frontdesk-engine

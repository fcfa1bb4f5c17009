//! frontdesk-config

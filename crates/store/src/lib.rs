//! frontdesk-store

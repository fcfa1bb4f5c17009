//! frontdesk-control

//! frontdesk-testbed

//! frontdesk-api

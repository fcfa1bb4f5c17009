//! frontdesk-media

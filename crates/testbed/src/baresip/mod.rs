//! baresip (placeholder while building).

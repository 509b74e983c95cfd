"""The weight-free "classic" engine: graph-cut localisation and closed-form matting in an adaptive band."""

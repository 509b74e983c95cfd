"""GFM: Glance and Focus Matting (prompt-free, "Auto"): shared encoder, glance and focus decoders, fusion."""

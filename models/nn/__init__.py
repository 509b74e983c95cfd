"""Building blocks shared by the learned networks (attention, transformer blocks, positional encodings)."""

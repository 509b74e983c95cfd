"""Mask2Alpha refiner: mask-guided encoder with region-aware attention, iterative decoding with committed pixels, and
sparse full-resolution detail recovery (spconv when installed, a dense masked-convolution fallback otherwise)."""

"""Synthetic multi-instance composites: procedural foregrounds with soft, hair-like and semi-transparent edges over
background photos. :func:`composite.make_composite` returns an image and per-instance visible alphas for a seed."""

"""MRN: DFIMat's matting refinement network (local CNN + global transformer, progressive fusion, PRM)."""

"""ISCN: DFIMat's interactive segmentation network (image encoder, visual sampler, text tower, CRM, decoder)."""

"""The ISCN over SAM: segment-anything's image encoder, prompt encoder and mask decoder loaded from one official
checkpoint (Meta's key names), with DFIMat's prompt mapping, CRM conflict points and embedding, and round feedback."""

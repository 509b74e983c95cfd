"""Text grounding: a text prompt read into a COCO class, position, order, colour and quantity, and matched against
the shipped detector's boxes before the segmenter runs (decision 0700)."""

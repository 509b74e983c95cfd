"""Text grounding networks: a COCO detector (NanoDet) and a person segmenter (MediaPipe Selfie Segmentation), run in
torch from graphs converted out of a registry package."""

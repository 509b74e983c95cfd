"""The benchmark: matting metrics, the simulated user, peers and the runner behind ``mattestudio bench``."""

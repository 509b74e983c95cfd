import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "mattestudio" / "numba"))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sam_reference import sam_b  # noqa: E402,F401 - the session fixture of the SAM preset tests

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _forget_named_weights():
    """Files named with ``--weights`` (a process-wide choice) do not leak from one test into the next."""
    from mattestudio.models import weights

    before = weights.named_files()
    yield
    weights.name_files(before, check=False)


def shared_data() -> Path:
    return Path(os.environ.get("MATTESTUDIO_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def background_folder(tmp_path_factory) -> Path:
    """A folder of two tiny photo-like background JPEGs (gradients with noise) for the synthetic generators."""
    import cv2

    folder = tmp_path_factory.mktemp("backgrounds")
    rng = np.random.default_rng(3)
    for i in range(2):
        yy, xx = np.mgrid[0:90, 0:120]
        img = np.stack([xx * 2, yy * 2, 128 + 0 * xx], -1) + rng.normal(0, 12, (90, 120, 3))
        cv2.imwrite(str(folder / f"bg{i}.jpg"), np.clip(img, 0, 255).astype(np.uint8))
    return folder


@pytest.fixture
def data_dir() -> Path:
    d = shared_data()
    if not (d / "alphamatting27" / "image").is_dir():
        pytest.skip(f"needs the shared data folder (alphamatting27) at {d}; set MATTESTUDIO_DATA")
    return d


@pytest.fixture
def sample_image() -> np.ndarray:
    from mattestudio.interaction.imageio import load_image
    from mattestudio.interaction.samples import sample_path

    return load_image(sample_path()).rgb


@pytest.fixture
def disc_image() -> tuple[np.ndarray, np.ndarray]:
    """A synthetic 120x160 photo-like image: a textured red disc (foreground) on a green-blue gradient."""
    rng = np.random.default_rng(0)
    h, w = 120, 160
    yy, xx = np.mgrid[0:h, 0:w]
    bg = np.stack([20 + 0 * xx, 80 + xx // 2, 200 - yy], -1).astype(np.float32)
    fg = np.stack([210 + 0 * xx, 40 + 0 * xx, 50 + 0 * xx], -1).astype(np.float32)
    d = np.hypot(yy - 60, xx - 80)
    alpha = np.clip(35.5 - d, 0, 1).astype(np.float32)
    img = alpha[..., None] * fg + (1 - alpha[..., None]) * bg + rng.normal(0, 4, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8), alpha


@pytest.fixture
def lens_image() -> tuple[np.ndarray, np.ndarray]:
    """A 120x160 lens over a striped, noisy grey background: alpha 0.4 inside radius 25, an opaque red rim out to 30
    (antialiased); returns the image and each pixel's distance to the lens's centre (80, 60)."""
    rng = np.random.default_rng(1)
    h, w = 120, 160
    yy, xx = np.mgrid[0:h, 0:w]
    tex = 110 + 60 * np.sign(np.sin(xx / 3.0) * np.sin(yy / 4.0)) + rng.normal(0, 10, (h, w))
    d = np.hypot(yy - 60, xx - 80)
    alpha = np.where(d < 25, 0.4, np.clip(30.5 - d, 0, 1))[..., None]
    img = alpha * np.array([220, 50, 40]) + (1 - alpha) * np.repeat(tex[..., None], 3, 2)
    return np.clip(img, 0, 255).astype(np.uint8), d

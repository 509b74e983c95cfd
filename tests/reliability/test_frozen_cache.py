"""The desktop bundle's compiled matting code: seeded into the user cache once per build, and found again by numba
wherever the bundle lies (the cache is keyed on module name and build id, not on file paths)."""

import os
import shutil
import subprocess
import sys
import textwrap

from mattestudio.app.frozen_cache import LOCATOR, configure

MODULE = textwrap.dedent("""
    from numba import njit

    @njit(cache=True)
    def triple(x):
        return 3 * x
""")
RUN = "import sys; sys.path.insert(0, sys.argv[1]); import cachedmod as m; m.triple(7); print(sum(m.triple.stats.cache_hits.values()))"


def _hits(where, cache, build):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "NUMBA_CACHE_LOCATOR_CLASSES": LOCATOR,
           "MATTESTUDIO_BUILD_ID": build, "NUMBA_CPU_NAME": "generic"}
    out = subprocess.run([sys.executable, "-c", RUN, str(where)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout.strip().splitlines()[-1])


def test_the_cache_is_found_again_after_the_code_moves_and_not_across_builds(tmp_path):
    first = tmp_path / "unpacked-here"
    first.mkdir()
    (first / "cachedmod.py").write_text(MODULE)
    cache = tmp_path / "cache"
    assert _hits(first, cache, "b1") == 0  # compiled and saved
    moved = tmp_path / "unpacked" / "elsewhere"
    shutil.copytree(first, moved)
    shutil.rmtree(first)
    assert _hits(moved, cache, "b1") == 1  # found by module name, not by path or mtime
    assert _hits(moved, cache, "b2") == 0  # another build never loads this build's code


def test_configure_seeds_the_user_cache_once_per_build_and_keeps_an_explicit_folder(tmp_path):
    assert configure({}, bundle=str(tmp_path), frozen=False) is None  # a pip install: numba's usual cache
    seed = tmp_path / "bundle" / "numba_cache"
    (seed / "pymatting.laplacian").mkdir(parents=True)
    (seed / "BUILD_ID").write_text("abc123\n")
    (seed / "pymatting.laplacian" / "index.nbi").write_bytes(b"compiled")
    env = {}
    target = configure(env, bundle=str(tmp_path / "bundle"), user_cache=str(tmp_path / "user"), frozen=True)
    assert target == str(tmp_path / "user" / "numba" / "bundle-abc123") == env["NUMBA_CACHE_DIR"]
    assert (tmp_path / "user" / "numba" / "bundle-abc123" / "pymatting.laplacian" / "index.nbi").read_bytes() \
        == b"compiled"
    assert env["NUMBA_CACHE_LOCATOR_CLASSES"] == LOCATOR and env["NUMBA_CPU_NAME"] == "generic"
    assert env["MATTESTUDIO_BUILD_ID"] == "abc123"
    (tmp_path / "user" / "numba" / "bundle-abc123" / "added").write_text("new signature")  # compiled later
    configure({}, bundle=str(tmp_path / "bundle"), user_cache=str(tmp_path / "user"), frozen=True)
    assert (tmp_path / "user" / "numba" / "bundle-abc123" / "added").exists()  # not copied over again
    mine = {"NUMBA_CACHE_DIR": str(tmp_path / "mine")}
    assert configure(mine, bundle=str(tmp_path / "bundle"), frozen=True) == str(tmp_path / "mine")

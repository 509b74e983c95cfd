"""Maps the top-level folders onto the ``mattestudio`` import package (metadata lives in pyproject.toml)."""

import os

from setuptools import setup

ROOTS = {"app": "mattestudio.app", "interaction": "mattestudio.interaction", "models": "mattestudio.models",
         "resources": "mattestudio.resources", "weights": "mattestudio.weights"}

packages, package_dir = ["mattestudio"], {"mattestudio": "mattestudio"}
for folder, name in ROOTS.items():
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "__"))]
        # data folders (icons, samples) are packages too, so that setuptools ships their files as package data
        if "__init__.py" in filenames or folder == "resources":
            rel = os.path.relpath(dirpath, folder)
            pkg = name if rel == "." else name + "." + rel.replace(os.sep, ".")
            packages.append(pkg)
            package_dir[pkg] = dirpath

setup(packages=packages, package_dir=package_dir)

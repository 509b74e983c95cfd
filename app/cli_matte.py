"""``mattestudio matte IMAGE --prompts P.json -o OUT``: run the rounds of a prompts file and write PNGs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mattestudio.interaction.backends import parse_weight_files, use_weight_files
from mattestudio.interaction.edge import EdgeError, parse_edge
from mattestudio.interaction.export import export_alpha, export_mask, export_over, export_rgba, parse_colour
from mattestudio.interaction.imageio import load_image
from mattestudio.interaction.prompt_file import load_prompts
from mattestudio.interaction.session import Session

from .cli import CliError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("image", help="photo to matte (PNG, JPEG, TIFF, WebP, ...)")
    p.add_argument("--prompts", required=True, help="prompts JSON: instances, each with rounds of prompts")
    p.add_argument("-o", "--out", required=True,
                   help="alpha PNG (one instance) or a folder that receives <instance>.png (several)")
    p.add_argument("--rgba", help="also write the RGBA cut-out (a file, or a folder for several instances)")
    p.add_argument("--mask", help="also write the last round's coarse mask of each instance (0/255 PNG; a file, or a "
                                  "folder for several instances)")
    p.add_argument("--over", help="also write the cut-out over a solid colour (opaque RGB PNG; a file, or a folder for "
                                  "several instances)")
    p.add_argument("--over-colour", default="#ffffff", help="the colour of --over: #rrggbb or r,g,b (default white)")
    p.add_argument("--edge", help="edge controls for every instance, over those of the prompts file: comma-separated "
                                  "smooth=0..100, feather=PX, contrast=0..100, shift=-100..100, decontaminate=0..100")
    p.add_argument("--bits", type=int, choices=(8, 16), default=8, help="alpha PNG depth (default 8)")
    p.add_argument("--segmenter", default="classic",
                   help="segmenter back-end, NAME or NAME:key=value,... (e.g. iscn:preset=sam_b; see `mattestudio "
                        "models`)")
    p.add_argument("--refiner", default="classic", help="refiner back-end, NAME or NAME:key=value,...")
    p.add_argument("--weights", action="append", default=[], metavar="NAME=PATH",
                   help="read this file for these weights (repeatable; e.g. sam_vit_b=sam_vit_b_01ec64.pth); a file "
                        "whose sha256 is not the published one loads as plain tensors, with a warning")
    p.add_argument("--save-project", metavar="P.mattes", help="also save the session as a project file")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu")


def _targets(out: str, names: list[str], what: str) -> dict[str, Path]:
    path = Path(out)
    if len(names) == 1:
        if path.is_dir():
            return {names[0]: path / f"{names[0]}.png"}
        if path.suffix.lower() != ".png":
            raise CliError(f"{what} {path} must end in .png")
        if not path.parent.exists() and str(path.parent):
            raise CliError(f"{what}: folder {path.parent} does not exist")
        return {names[0]: path}
    if path.exists() and not path.is_dir():
        raise CliError(f"{what} {path} must be a folder when the prompts have {len(names)} instances")
    path.mkdir(parents=True, exist_ok=True)
    return {n: path / f"{n}.png" for n in names}


def run(args: argparse.Namespace) -> int:
    instances = load_prompts(args.prompts)
    loaded = load_image(args.image)
    if loaded.note:
        print(f"note: {loaded.note}", file=sys.stderr)
    names = [i.name for i in instances]
    outs = _targets(args.out, names, "output")
    rgbas = _targets(args.rgba, names, "--rgba") if args.rgba else {}
    masks = _targets(args.mask, names, "--mask") if args.mask else {}
    overs = _targets(args.over, names, "--over") if args.over else {}
    colour = parse_colour(args.over_colour)  # an ExportError: one line, status 2
    try:
        edge_override = parse_edge(args.edge) if args.edge else {}
    except EdgeError as exc:
        raise CliError(f"--edge: {exc}") from None
    if args.save_project and not args.save_project.endswith(".mattes"):
        raise CliError(f"project file {args.save_project} must end in .mattes")
    use_weight_files(parse_weight_files(args.weights))
    session = Session(loaded.rgb, args.segmenter, args.refiner, args.device)
    shown = set()
    for inst in instances:
        session.add_instance(inst.name).edge = inst.edge.replace(**edge_override)
        for k, prompts in enumerate(inst.rounds, 1):
            res = session.run_round(inst.name, prompts)
            kinds = ", ".join(sorted({type(p).__name__.lower() for p in prompts}))
            print(f"{inst.name}: round {k} ({len(prompts)} prompt{'s' * (len(prompts) != 1)}: {kinds}) "
                  f"segment {res.segment_seconds:.2f} s, refine {res.refine_seconds:.2f} s")
            for w in res.warnings:
                if w not in shown:
                    shown.add(w)
                    print(f"warning: {w}", file=sys.stderr)
    for extra in [n for n in session.instances if n not in outs]:  # "all" / "both": written beside the others
        for targets in (outs, rgbas, masks):
            if targets:
                targets[extra] = next(iter(targets.values())).parent / f"{extra}.png"
        names.append(extra)
    alphas = session.alphas()
    for name in names:
        export_alpha(alphas[name], outs[name], args.bits)
        print(f"wrote {outs[name]}")
        decon = session.instance(name).edge.decontaminate
        if name in rgbas:
            export_rgba(loaded.rgb, alphas[name], rgbas[name], args.bits, decon)
            print(f"wrote {rgbas[name]}")
        if name in overs:
            export_over(loaded.rgb, alphas[name], colour, overs[name], decon)
            print(f"wrote {overs[name]}")
        if name in masks:
            export_mask(session.instance(name).result.mask, masks[name])
            print(f"wrote {masks[name]}")
    if args.save_project:
        from mattestudio.interaction.project import save_project

        save_project(session, args.save_project, loaded.path.resolve())
        print(f"wrote {args.save_project}")
    return 0

"""Weights files the ISCN can use: official backbones (never bundled, resolved when a user has them) and the
project's own trained ISCN (added to :data:`OWN` with its sha256 when it ships in ``weights/``)."""

from __future__ import annotations

from ..registry import WeightSpec

_SAM_URL = "https://dl.fbaipublicfiles.com/segment_anything/"
SAM = {
    "vit_b": WeightSpec("sam_vit_b", "sam_vit_b_01ec64.pth",
                        "ec2df62732614e57411cdcf32a23ffdf28910380d03139ee0f4fcbe91eb8c912", _SAM_URL + "sam_vit_b_01ec64.pth",
                        "Apache-2.0 (Meta AI, segment-anything)", 1024, env_var="MATTESTUDIO_SAM_VIT_B"),
    "vit_l": WeightSpec("sam_vit_l", "sam_vit_l_0b3195.pth",
                        "3adcc4315b642a4d2101128f611684e8734c41232a17c648ed1693702a49a622", _SAM_URL + "sam_vit_l_0b3195.pth",
                        "Apache-2.0 (Meta AI, segment-anything)", 1024, env_var="MATTESTUDIO_SAM_VIT_L"),
    "vit_h": WeightSpec("sam_vit_h", "sam_vit_h_4b8939.pth",
                        "a7bf3b02f3ebf1267aba913ff637d9a2d5c33d3173bb679e46d9f338c26f262e", _SAM_URL + "sam_vit_h_4b8939.pth",
                        "Apache-2.0 (Meta AI, segment-anything)", 1024, env_var="MATTESTUDIO_SAM_VIT_H"),
}
MOBILE_SAM = WeightSpec("mobile_sam_vit_t", "mobile_sam.pt",
                        "6dbb90523a35330fedd7f1d3dfc66f995213d81b29a5ca8108dbcdd4e37d6c2f",
                        "https://github.com/ChaoningZhang/MobileSAM/raw/master/weights/mobile_sam.pt",
                        "Apache-2.0 (MobileSAM)", 1024, env_var="MATTESTUDIO_MOBILE_SAM")
CLIP_B32 = WeightSpec("clip_vit_b_32_openai", "ViT-B-32.pt",
                      "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af",
                      "https://openaipublic.azureedge.net/clip/models/"
                      "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af/ViT-B-32.pt",
                      "MIT (OpenAI CLIP)", 224, env_var="MATTESTUDIO_CLIP_B32")

#: the project's trained ISCN weights by preset (filled when trained weights ship in weights/)
OWN: dict[str, WeightSpec] = {
    "tiny": WeightSpec("iscn_tiny", "iscn_tiny.safetensors",
                       "56fe926e4803a65b077140370ddc731ab2aa6518a6c79940c52d748db4e7b326", "bundled",
                       "Apache-2.0 (MatteStudio; trained on synthetic composites, see weights/iscn_tiny.md)", 512,
                       bundled=True, env_var="MATTESTUDIO_ISCN_TINY"),
}

ALL = tuple(SAM.values()) + (MOBILE_SAM, CLIP_B32) + tuple(OWN.values())

#!/usr/bin/env python3
"""Write a tiny LoRA adapter in GGUF for a base GGUF model, for the local provider's adapter test.

    make_adapter.py BASE.gguf OUT.gguf [--rank 8] [--layers 4] [--seed 0] [--std 0.05]

The adapter has lora_a / lora_b tensors for the attention query and value projections of the
first --layers blocks, with the metadata llama.cpp's adapter loader reads (general.type=adapter,
adapter.type=lora, adapter.lora.alpha). Values are seeded random normals: the point is a real
adapter that changes greedy output, not a useful fine-tune. Shapes come from the base file, so
the script works for any llama.cpp architecture whose blocks have attn_q / attn_v.
"""
import argparse
import sys

import numpy as np
from gguf import GGUFReader, GGUFWriter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("out")
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--std", type=float, default=0.05)
    args = parser.parse_args()

    reader = GGUFReader(args.base)
    field = reader.fields["general.architecture"]
    arch = bytes(field.parts[field.data[0]]).decode()
    # GGUF dims are ggml's ne order: ne[0] = input features, ne[1] = output features.
    shapes = {t.name: [int(d) for d in t.shape] for t in reader.tensors}

    writer = GGUFWriter(args.out, arch)
    writer.add_type("adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(args.rank))
    rng = np.random.RandomState(args.seed)
    written = 0
    for block in range(args.layers):
        for kind in ("attn_q", "attn_v"):
            name = f"blk.{block}.{kind}.weight"
            if name not in shapes:
                continue
            n_in, n_out = shapes[name][0], shapes[name][1]
            # numpy shapes are the reverse of ggml's: lora_a is ne [n_in, r], lora_b ne [r, n_out].
            lora_a = rng.normal(0.0, args.std, size=(args.rank, n_in)).astype(np.float32)
            lora_b = rng.normal(0.0, args.std, size=(n_out, args.rank)).astype(np.float32)
            writer.add_tensor(f"{name}.lora_a", lora_a)
            writer.add_tensor(f"{name}.lora_b", lora_b)
            written += 1
    if written == 0:
        print(f"{args.base}: no blk.N.attn_q/attn_v weights to adapt", file=sys.stderr)
        return 1
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"{args.out}: {written} LoRA pairs (rank {args.rank}) for {arch}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

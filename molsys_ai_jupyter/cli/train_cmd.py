"""``molsys-ai train …``: the instruction dataset, LoRA fine-tuning, export and evaluation.

    molsys-ai train dataset                       # corpus → train/heldout JSONL + stats
    molsys-ai train configs                       # the shipped configs, validated
    molsys-ai train fit --config smollm2-gpu      # LoRA; log.jsonl, checkpoints, adapter/
    molsys-ai train eval --adapter RUN/adapter    # held-out loss before vs after
    molsys-ai train export --adapter RUN/adapter  # merged GGUF for the embedded backend
    molsys-ai train compare --gguf merged.gguf    # bench answers: base vs fine-tuned GGUF

Outputs go under ``<cache_dir>/train/`` (env MOLSYS_AI_CACHE) unless ``--out`` says otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import MolsysAIError
from .common import add_data_flags, settings_from, write_json


def _train_root(settings) -> Path:
    return Path(settings.cache_dir) / "train"


def _data_dir(args, settings) -> Path:
    return Path(args.dataset).expanduser() if getattr(args, "dataset", None) else _train_root(settings) / "data"


def _config(args):
    from ..train.config import load_config

    config = load_config(args.config)
    if getattr(args, "base", None):
        config.model.base = args.base
    return config


def register(sub) -> None:
    """Add ``train`` and its actions to the commands."""
    train = sub.add_parser("train", help="fine-tune the model: dataset, LoRA fit, eval, GGUF export")
    actions = train.add_subparsers(dest="train_command", metavar="ACTION")
    actions.required = True

    dataset = actions.add_parser("dataset", help="build the instruction dataset from the corpus (JSONL + stats)")
    dataset.add_argument("--out", metavar="DIR", help="output folder (default <cache>/train/data)")
    dataset.add_argument("--heldout-fraction", type=float, default=0.1, metavar="F",
                         help="share of pages held out (default 0.1)")
    dataset.add_argument("--questions", metavar="FILE",
                         help="questions whose gold pages are excluded (default <data>/bench/dev_questions.jsonl)")
    dataset.add_argument("--no-grounded", action="store_true", help="leave out the RAG-format examples")
    dataset.add_argument("--tokenizer-base", default="smollm2", metavar="BASE",
                         help="whose tokens to count (default smollm2)")
    dataset.add_argument("--json", dest="json_out", metavar="FILE", help="also write the stats here")
    add_data_flags(dataset)
    dataset.set_defaults(func=cmd_dataset)

    configs = actions.add_parser("configs", help="list and validate the shipped training configs")
    configs.add_argument("--json", action="store_true")
    configs.set_defaults(func=cmd_configs)

    fit = actions.add_parser("fit", help="LoRA fine-tuning (peft + accelerate; CPU, one GPU or several)")
    fit.add_argument("--config", required=True, help="a shipped config name (see `train configs`) or a TOML file")
    fit.add_argument("--dataset", metavar="DIR", help="folder with train.jsonl/heldout.jsonl (default <cache>/train/data)")
    fit.add_argument("--out", metavar="DIR", help="run folder (default <cache>/train/runs/<config name>)")
    fit.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in the run folder")
    fit.add_argument("--max-steps", type=int, metavar="N", help="stop after N optimiser steps (overrides the config)")
    fit.add_argument("--base", metavar="MODEL", help="base model: a .gguf, a HF folder or id (overrides the config)")
    fit.add_argument("--json", dest="json_out", metavar="FILE", help="also write the run summary here")
    add_data_flags(fit)
    fit.set_defaults(func=cmd_fit)

    evaluate = actions.add_parser("eval", help="held-out loss and perplexity: base vs base + adapter")
    evaluate.add_argument("--adapter", required=True, metavar="DIR", help="the adapter folder (a run's adapter/)")
    evaluate.add_argument("--config", default="smollm2-gpu",
                          help="config naming the base and max_seq_len (default smollm2-gpu; runs on the CPU too)")
    evaluate.add_argument("--dataset", metavar="DIR", help="dataset folder (default <cache>/train/data)")
    evaluate.add_argument("--split", default="heldout", choices=["heldout", "train"])
    evaluate.add_argument("--limit", type=int, default=0, metavar="N", help="only N examples (default all)")
    evaluate.add_argument("--base", metavar="MODEL", help="base model (overrides the config)")
    evaluate.add_argument("--json", dest="json_out", metavar="FILE")
    add_data_flags(evaluate)
    evaluate.set_defaults(func=cmd_eval)

    export = actions.add_parser("export", help="merge the adapter and write a GGUF the embedded backend loads")
    export.add_argument("--adapter", required=True, metavar="DIR")
    export.add_argument("--out", metavar="FILE", help="GGUF to write (default <adapter>/../merged.gguf)")
    export.add_argument("--type", dest="tensor_type", default="q8_0", choices=["q8_0", "f16", "f32"],
                        help="storage of the merged tensors (default q8_0; the rest stay as in the base)")
    export.add_argument("--base", metavar="GGUF", help="base GGUF (default the packaged SmolLM2)")
    export.add_argument("--check", action="store_true", help="load the result with llama.cpp and answer one question")
    add_data_flags(export)
    export.set_defaults(func=cmd_export)

    compare = actions.add_parser("compare", help="bench answers with the base GGUF and a fine-tuned one, side by side")
    compare.add_argument("--gguf", required=True, metavar="FILE", help="the fine-tuned GGUF")
    compare.add_argument("--base-gguf", metavar="FILE", help="the base GGUF (default: the packaged one)")
    compare.add_argument("--questions", metavar="FILE", help="jsonl questions (default <data>/bench/dev_questions.jsonl)")
    compare.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    compare.add_argument("-k", type=int, default=3, help="pages per answer (default 3)")
    compare.add_argument("--json", dest="json_out", metavar="FILE")
    add_data_flags(compare)
    compare.set_defaults(func=cmd_compare)


def cmd_dataset(args) -> int:
    from ..train.base_model import fast_tokenizer
    from ..train.dataset import DatasetOptions, build_examples, count_tokens, dev_cited_pages, write_dataset

    if not 0.0 < args.heldout_fraction < 0.5:
        raise MolsysAIError(f"--heldout-fraction must be between 0 and 0.5 (got {args.heldout_fraction})")
    settings = settings_from(args)
    questions = Path(args.questions) if args.questions else settings.bench / "dev_questions.jsonl"
    if args.questions and not questions.is_file():
        raise MolsysAIError(f"questions file not found: {questions}")
    options = DatasetOptions(heldout_fraction=args.heldout_fraction, grounded=not args.no_grounded,
                             exclude_pages=dev_cited_pages(questions))
    examples, info = build_examples(settings.corpus, options)
    count_tokens(examples, fast_tokenizer(args.tokenizer_base, settings.cache_dir))
    out = Path(args.out).expanduser() if args.out else _train_root(settings) / "data"
    stats = write_dataset(examples, out, {**info, "questions_excluded_from": str(questions), "out": str(out)})
    write_json(stats, args.json_out)
    print(json.dumps({k: stats[k] for k in ("out", "pages_read", "duplicates_removed", "train", "heldout")}
                     | {"excluded_pages": len(stats["excluded_pages"])}, indent=2))
    return 0


def cmd_configs(args) -> int:
    from ..train.config import load_config, shipped_configs

    rows = []
    for name in shipped_configs():
        config = load_config(name)
        rows.append({"name": name, "base": config.model.base, "quantization": config.model.quantization,
                     "device": config.train.device, "processes": config.hardware.num_processes,
                     "effective_batch_size": config.effective_batch_size,
                     "trainable_params": config.lora_params(),
                     "memory_estimate_gb": config.memory_estimate_gb()["total"],
                     "gpu_memory_gb": config.hardware.gpu_memory_gb})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"{r['name']:26s} {r['base']:34s} {r['device']:4s} ×{r['processes']}  batch {r['effective_batch_size']:3d}"
                  f"  LoRA {r['trainable_params'] / 1e6:.1f} M  ~{r['memory_estimate_gb']} GB/GPU")
    return 0


def cmd_fit(args) -> int:
    from ..train.fit import FitPaths, fit

    settings = settings_from(args)
    config = _config(args)
    if args.max_steps is not None and args.max_steps < 1:
        raise MolsysAIError(f"--max-steps must be 1 or more (got {args.max_steps})")
    out = Path(args.out).expanduser() if args.out else _train_root(settings) / "runs" / config.name
    paths = FitPaths(data_dir=_data_dir(args, settings), out_dir=out)
    summary = fit(config, paths, settings.cache_dir, resume=args.resume, max_steps=args.max_steps,
                  progress=lambda line: print(line, file=sys.stderr, flush=True))
    if summary.pop("main_process", True):  # data parallel: one report, from the first process
        write_json(summary, args.json_out)
        print(json.dumps(summary, indent=2))
    return 0


def cmd_eval(args) -> int:
    from ..train.evaluate import compare_adapter

    settings = settings_from(args)
    config = _config(args)
    adapter = Path(args.adapter).expanduser()
    if not (adapter / "adapter_config.json").is_file():
        raise MolsysAIError(f"no adapter in {adapter}", "pass a run's adapter/ folder (molsys-ai train fit writes it)")
    data = _data_dir(args, settings) / f"{args.split}.jsonl"
    result = compare_adapter(config, settings, adapter, data, limit=args.limit)
    write_json(result, args.json_out)
    print(json.dumps(result, indent=2))
    return 0


def cmd_export(args) -> int:
    from ..train.export import export_gguf, smoke_check

    settings = settings_from(args)
    adapter = Path(args.adapter).expanduser()
    if not (adapter / "adapter_config.json").is_file():
        raise MolsysAIError(f"no adapter in {adapter}", "pass a run's adapter/ folder (molsys-ai train fit writes it)")
    out = Path(args.out).expanduser() if args.out else adapter.parent / "merged.gguf"
    result = export_gguf(adapter, out, settings.cache_dir, base=args.base or "smollm2", tensor_type=args.tensor_type)
    if args.check:
        result["check"] = smoke_check(out)
    print(json.dumps(result, indent=2))
    print(f"use it: MOLSYS_AI_GGUF={out} molsys-ai ask '…'", file=sys.stderr)
    return 0


def cmd_compare(args) -> int:
    from ..train.compare import compare_answers

    settings = settings_from(args)
    questions = Path(args.questions) if args.questions else settings.bench / "dev_questions.jsonl"
    tuned = Path(args.gguf).expanduser()
    if not tuned.is_file():
        raise MolsysAIError(f"GGUF not found: {tuned}", "write it with molsys-ai train export")
    result = compare_answers(settings, tuned, questions, base_gguf=args.base_gguf, limit=args.limit, k=args.k,
                             progress=lambda line: print(line, file=sys.stderr, flush=True))
    write_json(result, args.json_out)
    print(json.dumps(result["summary"], indent=2))
    return 0
